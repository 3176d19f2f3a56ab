"""``/api/claims``: what people assert about the plan and each other, attributed, with evidence."""

from __future__ import annotations

from typing import Annotated

import pyoxigraph as ox
from fastapi import Query, Request

from stancegraph.api.dependencies import CatalogDep
from stancegraph.api.models import Certainty, Claim, Page
from stancegraph.api.pagination import PageDep, page_of
from stancegraph.api.routes import api_router, pinned
from stancegraph.api.routes.sourced import SourceFilter, source_document
from stancegraph.ontology import SG

router = api_router("claims")


@router.get("", response_model=Page[Claim])
def list_claims(
    request: Request,
    catalog: CatalogDep,
    page: PageDep,
    claimant: Annotated[
        str | None, Query(description="Only this actor's claims (its id, e.g. `charlotte-roff`).")
    ] = None,
    about: Annotated[str | None, Query(description="Only claims about this resource (its id).")] = None,
    certainty: Annotated[
        Certainty | None, Query(description="Only stated, reported or believed claims.")
    ] = None,
    source: SourceFilter = None,
) -> Page[Claim]:
    """Claims in the store's order (stable while the data is unchanged). Filters combine with AND."""
    claims = catalog.claim_window(
        limit=page.limit,
        offset=page.offset,
        claimant=pinned("claimant", claimant, lambda value: catalog.node("actor", value, SG.Actor)),
        about=pinned("about", about, catalog.resource),
        certainty=ox.NamedNode(certainty.iri) if certainty else None,
        source=source_document(catalog, source),
    )
    return page_of(request, claims, page)
