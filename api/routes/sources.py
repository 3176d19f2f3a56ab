"""``POST /api/sources``: add a source from a curation file, as ``stancegraph add`` does, over HTTP.

The body is the YAML itself (``application/yaml``), or JSON carrying it with
the source's plain text, so that every quote is checked against it and placed in it:
``{"curation": "<YAML>", "source_text": "<text>"}``. A curation's ``source.text``
(a path) is refused, as :func:`graph.curation.curate` refuses it: nothing reads files
for a client. The answer lists what was (or would be) added, as TriG too.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import pyoxigraph as ox
from fastapi import Query, Request
from pydantic import BaseModel, Field, ValidationError

from stancegraph.api.problems import ProblemError
from stancegraph.api.routes import api_router
from stancegraph.api.writing import WriteAccess, WriterDep
from stancegraph.graph.curation import CurationReport
from stancegraph.ontology import PREFIXES

router = api_router("sources")
YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")


class Submission(BaseModel):
    """A curation file with the source text its quotes are checked against."""

    curation: str = Field(description="The curation file's YAML (see the curation format).")
    source_text: str | None = Field(
        None, description="The source as plain text; every quote must occur in it."
    )


class SourceReport(BaseModel):
    """What the file added (or, on a dry run, would add) and what it found already there."""

    dry_run: bool
    added: int = Field(description="Triples added, derived truthy edges and provenance included.")
    source_import: str = Field(description="The IRI recording this file's provenance.")
    created: dict[str, list[str]] = Field(description="New ids, by section.")
    matched: dict[str, str] = Field(description="Actor labels matched to existing ids.")
    present: list[str] = Field(description="Nodes already in the data, left as they were.")
    lines: list[str] = Field(description="The report as `stancegraph add` prints it.")
    shacl: str | None = Field(
        description="The shapes' verdict on what is (or would be) added; null when nothing is. A curation "
        "that breaks them is refused (422) instead."
    )
    trig: str = Field(
        description="The triples added (or, on a dry run, that would be), as TriG: each in its source's graph, "
        "derived truthy edges and provenance included, every quote with its selector."
    )

    @classmethod
    def of(cls, report: CurationReport) -> SourceReport:
        return cls(
            dry_run=report.dry_run,
            added=report.added,
            source_import=report.source_import,
            created={section: list(ids) for section, ids in report.created.items()},
            matched=report.matched,
            present=list(report.present),
            lines=report.lines(),
            shacl=None if report.validation is None else report.validation.summary(),
            trig=(ox.serialize(report.quads, format=ox.RdfFormat.TRIG, prefixes=PREFIXES) or b"").decode(),
        )


_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/yaml": {"schema": {"type": "string"}},
            "application/json": {"schema": Submission.model_json_schema()},
        },
    }
}


async def _submission(request: Request) -> Submission:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await request.body()
    try:
        if media_type in YAML_TYPES:
            return Submission(curation=body.decode("utf-8"), source_text=None)
        if media_type == "application/json":
            return Submission.model_validate(json.loads(body))
    except UnicodeDecodeError:
        raise ProblemError(400, "the request body is not UTF-8", slug="invalid-body") from None
    except (ValueError, ValidationError) as error:
        raise ProblemError(
            400,
            f'the body must be JSON {{"curation": "<YAML>", "source_text": "<text>"}}: {error}',
            slug="invalid-body",
        ) from None
    raise ProblemError(
        415,
        f"send the curation file as application/yaml, or as application/json with its source text, "
        f"not {media_type or 'no content type'}",
        slug="unsupported-media-type",
    )


@router.post(
    "", response_model=SourceReport, openapi_extra=_BODY, summary="Add a source (needs the write token)"
)
async def add_source(
    request: Request,
    _: WriteAccess,
    writer: WriterDep,
    dry_run: Annotated[bool, Query(description="Run every check, write nothing.")] = False,
) -> SourceReport:
    """Check a curation file (structure, references, lookalike actors, quotes, SHACL) and add it in one
    transaction, or nothing: refusals are a 422 listing every problem."""
    submission = await _submission(request)
    report = await writer.curate(submission.curation, submission.source_text, dry_run=dry_run)
    return SourceReport.of(report)
