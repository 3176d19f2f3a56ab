"""``/api/stats``: how much the dataset holds."""

from __future__ import annotations

from stancegraph.api.dependencies import StoreDep
from stancegraph.api.models import Stats
from stancegraph.api.routes import api_router
from stancegraph.graph.terms import python_value

router = api_router("stats")


@router.get("", response_model=Stats)
def get_stats(store: StoreDep) -> Stats:
    """Counts of actors, documents, drafts, clauses, clause changes, positions, claims and triples."""
    counts = {
        str(python_value(row["kind"])).replace(" ", "_"): python_value(row["count"])
        for row in store.rows("stats")
    }
    counts["triples"] = python_value(store.rows("triple-count")[0]["triples"])
    return Stats.model_validate({name: counts.get(name, 0) for name in Stats.model_fields})
