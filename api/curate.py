"""``/curate``: the curation page, where a curator turns passages of a source into a curation file.

The page is one template and one script (``api/static/curate.js``): it reads the
choices (actors, drafts, clauses) from the JSON API, builds the file in the
browser, and sends it to ``POST /api/sources``, the same validated writer as
``stancegraph add``, with a dry run first. The vocabularies it offers (kinds,
stances, certainties) come from :mod:`graph.curation_schema`, so the page can
offer nothing the checks would refuse.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from stancegraph.api.pages import CONTENT_SECURITY_POLICY, render
from stancegraph.graph.curation_schema import ACTOR_KINDS, CERTAINTIES, CHANGE_KINDS, SOURCE_KINDS, STANCES

router = APIRouter(tags=["curation"])


@router.get("/curate", response_class=HTMLResponse, summary="The curation page")
def curate(request: Request) -> HTMLResponse:
    """Paste or load a source's text, select passages, make them the quotes of new positions, claims,
    clauses and clause changes, check them (dry run) and add them (needs the write token)."""
    response = render(
        request,
        "curate.html",
        {
            "source_kinds": list(SOURCE_KINDS),
            "actor_kinds": list(ACTOR_KINDS),
            "stances": list(STANCES),
            "certainties": list(CERTAINTIES),
            "change_kinds": list(CHANGE_KINDS),
        },
    )
    # The page holds a write token: no other site may frame it (clickjacking).
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
        "frame-ancestors 'self'", "frame-ancestors 'none'"
    )
    response.headers["Cache-Control"] = "no-cache"
    return response
