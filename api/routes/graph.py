"""``/api/graph``: the stance graph as plain nodes and edges, for a viewer to draw.

Built by :func:`graph.viewer.graph_payload` from :func:`graph.projection.stance_graph`,
so the viewer, the analysis and this route all see the same graph.
"""

from __future__ import annotations

from api.dependencies import StoreDep
from api.models import StanceGraph
from api.routes import api_router
from graph.projection import stance_graph
from graph.viewer import graph_payload

router = api_router("graph")


@router.get("", response_model=StanceGraph)
def get_graph(store: StoreDep) -> StanceGraph:
    """Actors, drafts and clauses as nodes; stances (with their evidence) and draft lineage as edges."""
    return StanceGraph.model_validate(graph_payload(stance_graph(store)))
