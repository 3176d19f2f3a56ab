"""``/api/actors``: states, organisations and people, with their stances and claims."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query, Request

from stancegraph.api.dependencies import CatalogDep
from stancegraph.api.models import EMBEDDED, Actor, ActorDetail, Page
from stancegraph.api.pagination import PageDep, embed, page_of
from stancegraph.api.routes import api_router, one
from stancegraph.ontology import SG

router = api_router("actors")


@router.get("", response_model=Page[Actor])
def list_actors(
    request: Request,
    catalog: CatalogDep,
    page: PageDep,
    kind: Annotated[
        str | None, Query(description="Only this kind, e.g. State or Person (case-insensitive).")
    ] = None,
) -> Page[Actor]:
    """Every actor, by label. An unknown kind matches nothing."""
    return page_of(
        request, catalog.node_window(SG.Actor, limit=page.limit, offset=page.offset, kind=kind), page
    )


@router.get("/{id}", response_model=ActorDetail)
def get_actor(
    catalog: CatalogDep, id: Annotated[str, Path(description="The actor's id, e.g. `us`.")]
) -> ActorDetail:
    """One actor with its first positions, claims it makes and claims about it, and links to all of them."""
    node = catalog.iri("actor", id)
    actor = one(catalog.nodes(SG.Actor, node=node), "actor", id)
    return ActorDetail(
        **actor.model_dump(),
        positions=embed(catalog.position_window(limit=EMBEDDED, offset=0, actor=node), "positions", actor=id),
        claims=embed(catalog.claim_window(limit=EMBEDDED, offset=0, claimant=node), "claims", claimant=id),
        claims_about=embed(catalog.claim_window(limit=EMBEDDED, offset=0, about=node), "claims", about=id),
    )
