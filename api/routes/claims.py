"""``/api/claims``: what people assert about the plan and each other, attributed, with evidence."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request

from api.dependencies import CatalogDep
from api.models import Certainty, Claim, Page
from api.pagination import PageDep, paginate
from api.routes import api_router, pinned
from ontology import SG

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
) -> Page[Claim]:
    """Claims, by claimant then label. Filters combine with AND."""
    node = pinned("claimant", claimant, lambda value: catalog.node("actor", value, SG.Actor))
    subject = pinned("about", about, catalog.resource)
    claims = catalog.claims_about(subject) if subject is not None else catalog.claims()
    claims = [
        claim
        for claim in claims
        if (node is None or claim.claimant.iri == node.value)
        and (certainty is None or claim.certainty == certainty)
    ]
    return paginate(request, claims, page)
