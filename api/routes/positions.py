"""``/api/positions``: every stance, filterable, each with its quote, source, date and certainty."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import pyoxigraph as ox
from fastapi import Query, Request

from stancegraph.api.dependencies import CatalogDep
from stancegraph.api.models import Certainty, Page, Position, StanceParameter
from stancegraph.api.pagination import PageDep, page_of
from stancegraph.api.routes import api_router, pinned
from stancegraph.api.routes.sourced import SourceFilter, source_document
from stancegraph.ontology import SG

router = api_router("positions")


@router.get("", response_model=Page[Position])
def list_positions(
    request: Request,
    catalog: CatalogDep,
    page: PageDep,
    actor: Annotated[
        str | None, Query(description="Only this actor's positions (its id, e.g. `us`).")
    ] = None,
    clause: Annotated[str | None, Query(description="Only positions on this clause (its id).")] = None,
    stance: Annotated[
        StanceParameter | None,
        Query(description="Only `supports` or only `opposes` (`support` and `opposition` are aliases)."),
    ] = None,
    document: Annotated[
        str | None, Query(description="Only positions on this draft or its clauses (its id).")
    ] = None,
    certainty: Annotated[
        Certainty | None, Query(description="Only stated, reported or believed positions.")
    ] = None,
    source: SourceFilter = None,
    as_of: Annotated[
        dt.date | None,
        Query(description="YYYY-MM-DD: only positions dated on or before this day (as `/api/timeline`)."),
    ] = None,
    include_undated: Annotated[
        bool, Query(description="With `as_of`: keep positions that carry no date too.")
    ] = False,
) -> Page[Position]:
    """Positions in the store's order (stable while the data is unchanged). Filters combine with AND;
    an unknown `source` is a 404 (a source is what a position cites, so it is the thing asked for).

    The engine counts and cuts the page: sorting a million triples' positions would cost seconds.
    """
    positions = catalog.position_window(
        limit=page.limit,
        offset=page.offset,
        actor=pinned("actor", actor, lambda value: catalog.node("actor", value, SG.Actor)),
        target=pinned("clause", clause, lambda value: catalog.node("clause", value, SG.Clause)),
        document=pinned("document", document, lambda value: catalog.node("draft", value, SG.Draft)),
        stance=ox.NamedNode(stance.stance.iri) if stance else None,
        certainty=ox.NamedNode(certainty.iri) if certainty else None,
        source=source_document(catalog, source),
        asOf=ox.Literal(as_of.isoformat()) if as_of else None,
        undated=ox.Literal(include_undated) if as_of else None,
    )
    return page_of(request, positions, page)
