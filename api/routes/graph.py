"""``/api/graph``: the stance graph as plain nodes and edges, for a viewer to draw.

Built by :func:`graph.payload.graph_payload` from :func:`graph.relations.viewer_graph`
(the stance projection plus the relations that explain its actors), so the
viewer and this route draw the same graph, and the analysis the same stances. A big store
is drawn in part: one draft, some actors, and at most ``max_nodes`` nodes and
``max_edges`` stances (the most connected ones), so the answer stays small
enough to draw and quick to compute.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from stancegraph.api.catalog import Catalog
from stancegraph.api.dependencies import CatalogDep, StoreDep
from stancegraph.api.problems import invalid_parameter
from stancegraph.api.routes import api_router, pinned
from stancegraph.graph.errors import NotFoundError
from stancegraph.graph.payload import StanceGraph, graph_payload
from stancegraph.graph.projection import Scope
from stancegraph.graph.relations import viewer_graph
from stancegraph.ontology import SG

router = api_router("graph")
MAX_NODES = 1_000
MAX_EDGES = 5_000


DocumentParameter = Annotated[
    str | None, Query(description="Only this draft, its clauses and the stances on them (the draft's id).")
]
MaxNodes = Annotated[
    int, Query(ge=1, le=20_000, description="At most this many nodes: the ones in the most stances.")
]
MaxEdges = Annotated[
    int, Query(ge=1, le=100_000, description="At most this many stance edges among the nodes kept.")
]


def _scope(
    catalog: Catalog, document: str | None, actors: list[str], max_nodes: int, max_edges: int
) -> Scope:
    """The part of the graph asked for; an unknown draft or actor id is a 422 naming the parameter."""
    return Scope(
        draft=pinned("document", document, lambda value: catalog.node("draft", value, SG.Draft)),
        actors=tuple(catalog.node("actor", value, SG.Actor) for value in actors),
        max_nodes=max_nodes,
        max_edges=max_edges,
    )


async def graph_scope(
    catalog: CatalogDep,
    document: DocumentParameter = None,
    actor: Annotated[
        list[str], Query(description="Only these actors' stances (repeatable, e.g. `actor=us&actor=russia`).")
    ] = [],  # noqa: B006 - FastAPI copies defaults
    max_nodes: MaxNodes = MAX_NODES,
    max_edges: MaxEdges = MAX_EDGES,
) -> Scope:
    """``/api/graph``'s part of the graph."""
    try:
        return _scope(catalog, document, actor, max_nodes, max_edges)
    except NotFoundError as error:
        raise invalid_parameter("actor", str(error)) from None


async def viewer_scope(
    catalog: CatalogDep,
    document: DocumentParameter = None,
    max_nodes: MaxNodes = MAX_NODES,
    max_edges: MaxEdges = MAX_EDGES,
) -> Scope:
    """The viewer's part of the graph: ``actor`` stays the page's own filter (it hides, not fetches)."""
    return _scope(catalog, document, [], max_nodes, max_edges)


GraphScope = Annotated[Scope, Depends(graph_scope)]
ViewerScope = Annotated[Scope, Depends(viewer_scope)]


@router.get("")
def get_graph(store: StoreDep, scope: GraphScope) -> StanceGraph:
    """Actors, drafts and clauses as nodes; stances (with their evidence), draft lineage, and the roles,
    claims and drafting among the nodes (with the evidence the data gives) as edges."""
    return graph_payload(viewer_graph(store, scope))
