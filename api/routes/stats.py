"""``/api/stats``: how much the dataset holds."""

from __future__ import annotations

from stancegraph.api.dependencies import StoreDep
from stancegraph.api.models import Stats
from stancegraph.api.routes import api_router
from stancegraph.graph.rows import integer, text

router = api_router("stats")


@router.get("", response_model=Stats)
def get_stats(store: StoreDep) -> Stats:
    """Counts of actors, documents, drafts, clauses, clause changes, positions, claims and triples."""
    counts = {text(row, "kind").replace(" ", "_"): integer(row, "count") for row in store.rows("stats")}
    counts["triples"] = store.count()
    return Stats.model_validate({name: counts.get(name, 0) for name in Stats.model_fields})
