"""The graph as networkx sees it: actors, drafts and clauses as nodes, stances and lineage as edges.

The RDF stays the source of truth; this projection is rebuilt from queries
whenever analysis or drawing needs it. Nodes are keyed by IRI.
"""

from __future__ import annotations

import networkx as nx

from graph.store import Row, Store
from graph.terms import local_id, python_value

GROUPS = {
    "https://w3id.org/stancegraph/ns#Actor": "actor",
    "https://w3id.org/stancegraph/ns#Draft": "draft",
    "https://w3id.org/stancegraph/ns#Clause": "clause",
}
STANCE_RELATIONS = {
    "https://w3id.org/stancegraph/ns#Support": "supports",
    "https://w3id.org/stancegraph/ns#Opposition": "opposes",
}


def _plain(row: Row) -> dict[str, object]:
    return {name: python_value(term) for name, term in row.items()}


def stance_graph(store: Store) -> nx.MultiDiGraph:
    """A MultiDiGraph: one edge per position (key: the position's IRI) and per lineage link."""
    graph = nx.MultiDiGraph()
    for row in map(_plain, store.rows("node-kinds")):
        iri = str(row["node"])
        graph.add_node(
            iri,
            id=local_id(iri),
            label=row["label"],
            group=GROUPS[str(row["group"])],
            kind=local_id(str(row["kind"])).rsplit("#", 1)[-1],
            kind_label=row["kindLabel"],
            draft=row.get("draft"),
        )
    for row in map(_plain, store.rows("positions")):
        graph.add_edge(
            str(row["actor"]),
            str(row["target"]),
            key=str(row["position"]),
            relation=STANCE_RELATIONS[str(row["stance"])],
            position=row["position"],
            label=row["label"],
            quote=row["quote"],
            source=row["source"],
            source_label=row["sourceLabel"],
            date=row.get("date"),
            certainty=row["certaintyLabel"],
            document=row["document"],
        )
    for row in map(_plain, store.rows("lineage-edges")):
        relation = str(row["relation"]).rsplit("#", 1)[-1].rsplit("/", 1)[-1]
        graph.add_edge(
            str(row["source"]), str(row["target"]), key=f"{relation}:{row['target']}", relation=relation
        )
    return graph
