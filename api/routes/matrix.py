"""``/api/matrix``: the stance matrix the ``/matrix`` page draws, as JSON or CSV; and one cell's evidence.

The filters are the graph viewer's, with its parameter names and values, so that a
link's query or fragment means the same on both pages: ``draft`` and ``certainty``
repeat (absent: all; given empty, ``draft=``: none), ``stance`` likewise, ``as_of``
is a day and ``undated=hidden`` leaves out positions with no date.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from typing import Annotated, Literal

import pyoxigraph as ox
from fastapi import Depends, Query
from fastapi.responses import Response

from stancegraph.api.catalog import Catalog
from stancegraph.api.dependencies import CatalogDep, StoreDep
from stancegraph.api.models import Position, StanceParameter
from stancegraph.api.problems import invalid_parameter
from stancegraph.api.routes import api_router, pinned
from stancegraph.graph.errors import NotFoundError
from stancegraph.graph.matrix import MatrixFilters, MatrixPayload, Sort, csv_rows, stance_matrix
from stancegraph.ontology import SG

router = api_router("matrix")
#: At most this many positions of one cell are listed as its evidence (a cell holds a few).
CELL_LIMIT = 200

CertaintyWord = Literal["", "stated", "reported", "believed"]
StanceWord = Literal["", "supports", "opposes", "support", "opposition"]


def _chosen(values: Sequence[str] | None) -> tuple[str, ...] | None:
    """A repeatable filter: absent keeps everything; ``name=`` (empty) keeps nothing."""
    return None if values is None else tuple(value for value in values if value)


async def matrix_filters(
    catalog: CatalogDep,
    draft: Annotated[
        list[str] | None,
        Query(description="Only these drafts and their clauses (ids, repeatable); `draft=` none."),
    ] = None,
    stance: Annotated[
        list[StanceWord] | None,
        Query(description="Only `supports` or only `opposes` (repeatable, as the viewer's)."),
    ] = None,
    certainty: Annotated[
        list[CertaintyWord] | None,
        Query(description="Only these certainties: stated, reported, believed (repeatable)."),
    ] = None,
    as_of: Annotated[
        dt.date | None, Query(description="YYYY-MM-DD: only positions dated on or before this day.")
    ] = None,
    undated: Annotated[
        Literal["shown", "hidden"],
        Query(description="`hidden` leaves out positions with no date (as the viewer's toggle)."),
    ] = "shown",
) -> MatrixFilters:
    """The viewer's filters as a request gives them, resolved against the data (an unknown draft is a 422)."""
    drafts = _chosen(draft)
    stances = _chosen(stance)
    words = {StanceParameter(word).stance.value for word in stances} if stances is not None else None
    return MatrixFilters(
        drafts=None if drafts is None else tuple(_draft(catalog, value) for value in drafts),
        stances=None if words is None or words == {"supports", "opposes"} else tuple(sorted(words)),
        certainties=_chosen(certainty),
        as_of=as_of,
        undated=undated == "shown",
    )


def _draft(catalog: Catalog, value: str) -> str:
    try:
        return catalog.node("draft", value, SG.Draft).value
    except NotFoundError as error:
        raise invalid_parameter("draft", str(error)) from None


FiltersDep = Annotated[MatrixFilters, Depends(matrix_filters)]


def _actor(catalog: Catalog, parameter: str, value: str | None) -> ox.NamedNode | None:
    return pinned(parameter, value, lambda v: catalog.node("actor", v, SG.Actor))


@router.get("", response_model=MatrixPayload, responses={200: {"content": {"text/csv": {}}}})
def get_matrix(
    store: StoreDep,
    catalog: CatalogDep,
    filters: FiltersDep,
    sort: Annotated[
        Sort, Query(description="Rows by `name`, by `coalition`, or by `alignment` with the actor `with`.")
    ] = "name",
    with_: Annotated[
        str | None,
        Query(alias="with", description="With `sort=alignment`: the actor to align with (its id)."),
    ] = None,
    format: Annotated[
        Literal["json", "csv"],
        Query(description="`csv`: one line per non-empty cell, in the matrix's order."),
    ] = "json",
) -> MatrixPayload | Response:
    """Actors (rows) against drafts and their clauses (columns, grouped by draft in lineage order);
    each non-empty cell counts one actor's positions on one target, with their stance and certainty."""
    actor = _actor(catalog, "with", with_)
    if sort == "alignment" and actor is None:
        raise invalid_parameter("with", "sort=alignment needs the actor to align with (with=ID)")
    payload = stance_matrix(store, filters, sort=sort, with_actor=actor.value if actor else None)
    if format == "json":
        return payload
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerows(csv_rows(payload))
    return Response(
        text.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="stancegraph-matrix.csv"'},
    )


@router.get("/cell", response_model=list[Position])
def get_cell(
    catalog: CatalogDep,
    filters: FiltersDep,
    actor: Annotated[str, Query(description="The row: an actor's id.")],
    target: Annotated[str, Query(description="The column: a draft's or a clause's id.")],
) -> list[Position]:
    """The evidence of one cell: the actor's positions on the target that pass the filters."""
    node = _actor(catalog, "actor", actor)
    try:
        on = catalog.node("target", target, SG.Clause)
    except NotFoundError:
        on = pinned("target", target, lambda v: catalog.node("target", v, SG.Draft))  # type: ignore[assignment]
    if filters.stances is not None and not filters.stances:
        return []
    found = catalog.position_window(limit=CELL_LIMIT, offset=0, actor=node, target=on, **filters.pins())
    return [
        position
        for position in found.items
        if filters.certainties is None or position.certainty.value in filters.certainties
    ]
