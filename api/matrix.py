"""``/matrix``: the stance matrix page; its data comes from ``/api/matrix`` (:mod:`api.routes.matrix`)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from stancegraph.api.dependencies import StoreDep
from stancegraph.graph.matrix_page import render_matrix
from stancegraph.graph.viewer import content_security_policy

router = APIRouter(tags=["viewer"])


@router.get("/matrix", response_class=HTMLResponse, summary="The stance matrix")
def matrix(store: StoreDep) -> HTMLResponse:
    """Actors against drafts and clauses, with the graph viewer's filters (in the URL fragment) and sorts."""
    policy = content_security_policy(standalone=False) + "; frame-ancestors 'none'"
    return HTMLResponse(
        render_matrix(store), headers={"Content-Security-Policy": policy, "Cache-Control": "no-cache"}
    )
