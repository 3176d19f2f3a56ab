"""``/api/graph``: the stance graph as plain nodes and edges, for a viewer to draw.

Built by :func:`graph.viewer.graph_payload` from :func:`graph.projection.stance_graph`,
so the viewer, the analysis and this route all see the same graph. A big store
is drawn in part: one draft, some actors, and at most ``max_nodes`` nodes and
``max_edges`` stances (the most connected ones), so the answer stays small
enough to draw and quick to compute.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from api.dependencies import CatalogDep, StoreDep
from api.models import StanceGraph
from api.routes import api_router, pinned
from graph.projection import Scope, stance_graph
from graph.viewer import graph_payload
from ontology import SG

router = api_router("graph")
MAX_NODES = 2_000
MAX_EDGES = 10_000


async def graph_scope(
    catalog: CatalogDep,
    document: Annotated[
        str | None,
        Query(description="Only this draft, its clauses and the stances on them (the draft's id)."),
    ] = None,
    actor: Annotated[
        list[str] | None,
        Query(description="Only these actors' stances (repeatable, e.g. `actor=us&actor=russia`)."),
    ] = None,
    max_nodes: Annotated[
        int, Query(ge=1, le=20_000, description="At most this many nodes: the ones in the most stances.")
    ] = MAX_NODES,
    max_edges: Annotated[
        int, Query(ge=1, le=100_000, description="At most this many stance edges among the nodes kept.")
    ] = MAX_EDGES,
) -> Scope:
    """The part of the graph a request asks for; an unknown draft or actor id is a 422 naming the parameter."""
    return Scope(
        draft=pinned("document", document, lambda value: catalog.node("draft", value, SG.Draft)),
        actors=tuple(
            node
            for value in actor or ()
            if (node := pinned("actor", value, lambda v: catalog.node("actor", v, SG.Actor))) is not None
        ),
        max_nodes=max_nodes,
        max_edges=max_edges,
    )


GraphScope = Annotated[Scope, Depends(graph_scope)]


@router.get("", response_model=StanceGraph)
def get_graph(store: StoreDep, scope: GraphScope) -> StanceGraph:
    """Actors, drafts and clauses as nodes; stances (with their evidence) and draft lineage as edges."""
    return StanceGraph.model_validate(graph_payload(stance_graph(store, scope)))
