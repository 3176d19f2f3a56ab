"""``/api/clauses``: the points of each draft, who stands where on them, and how they changed."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query, Request

from stancegraph.api.dependencies import CatalogDep
from stancegraph.api.models import EMBEDDED, Clause, ClauseDetail, Page
from stancegraph.api.pagination import PageDep, embed, page_of
from stancegraph.api.routes import api_router, one, pinned
from stancegraph.ontology import SG

router = api_router("clauses")


@router.get("", response_model=Page[Clause])
def list_clauses(
    request: Request,
    catalog: CatalogDep,
    page: PageDep,
    document: Annotated[str | None, Query(description="Only the clauses of this draft (its id).")] = None,
) -> Page[Clause]:
    """Every clause, by draft and point number."""
    draft = pinned("document", document, lambda value: catalog.node("draft", value, SG.Draft))
    return page_of(request, catalog.clause_window(limit=page.limit, offset=page.offset, draft=draft), page)


@router.get("/{id}", response_model=ClauseDetail)
def get_clause(
    catalog: CatalogDep, id: Annotated[str, Path(description="The clause's id, e.g. `plan-28-amnesty`.")]
) -> ClauseDetail:
    """One clause with its first supporters, opponents and claims about it (with links to all of them)
    and its lineage across drafts."""
    node = catalog.iri("clause", id)
    return ClauseDetail(
        **one(catalog.clauses(clause=node), "clause", id).model_dump(),
        supporters=embed(
            catalog.position_window(limit=EMBEDDED, offset=0, target=node, stance=SG.Support),
            "positions",
            clause=id,
            stance="supports",
        ),
        opponents=embed(
            catalog.position_window(limit=EMBEDDED, offset=0, target=node, stance=SG.Opposition),
            "positions",
            clause=id,
            stance="opposes",
        ),
        lineage=catalog.lineage(node),
        claims_about=embed(catalog.claim_window(limit=EMBEDDED, offset=0, about=node), "claims", about=id),
    )
