"""The truthy edges: ``sg:supports``/``sg:opposes``/``sg:revises``... derived from the qualified nodes.

Truthy edges are never written by hand; each is derived from a qualified node (a position, a clause
change) into that node's graph (``graph/queries/derive-edges.rq``). A load derives them all; a write
re-derives only the nodes it touches: their edges before and after the change are compared, and an
edge that disappears from a touched node is removed only if no untouched node of the same graph
still backs it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass

import pyoxigraph as ox

from stancegraph.graph.queries import inject_pattern, load_query
from stancegraph.ontology import SG

Graph = ox.NamedNode | ox.BlankNode | ox.DefaultGraph

DERIVED_PREDICATES = frozenset(
    SG.term(name) for name in ("supports", "opposes", "revises", "keeps", "removes", "adds")
)
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


@dataclass(frozen=True)
class EdgeChange:
    added: frozenset[ox.Quad]
    removed: frozenset[ox.Quad]


def _backers(store: ox.Store, graph: Graph, pattern: str) -> Iterable[tuple[object, ox.Quad]]:
    """(node, edge) rows of ``derive-edges.rq`` on one graph, pinned by a VALUES ``pattern``."""
    query = inject_pattern(load_query("derive-edges"), pattern)
    for row in store.query(query, default_graph=graph):  # type: ignore[union-attr]
        yield row["node"], ox.Quad(row["subject"], row["edge"], row["object"], graph)


def derived_edges(store: ox.Store, nodes: Collection[ox.NamedNode] | None = None) -> list[ox.Quad]:
    """The truthy edges the qualified nodes imply, each in its node's graph (all nodes when ``None``).

    An edge that two sources' nodes imply comes once per graph, so it stays while either source
    does. All nodes at once is one query over the union and one look-up of each node's graphs
    (a graph at a time cost a query per source: 20 s for the thousand sources of a million triples).
    """
    if nodes is not None:
        return sorted({edge for _node, edge in _edges_of(store, nodes)}, key=str)
    edges: dict[ox.Quad, None] = {}
    for row in store.query(load_query("derive-edges"), use_default_graph_as_union=True):  # type: ignore[union-attr]
        for typed in store.quads_for_pattern(row["node"], RDF_TYPE, None, None):
            edges[ox.Quad(row["subject"], row["edge"], row["object"], typed.graph_name)] = None
    return list(edges)


def _edges_of(store: ox.Store, nodes: Collection[ox.NamedNode]) -> set[tuple[object, ox.Quad]]:
    """The edges ``nodes`` back in ``store``, each in the graph that describes the node."""
    by_graph: dict[Graph, set[ox.NamedNode]] = defaultdict(set)
    for node in nodes:
        for quad in store.quads_for_pattern(node, RDF_TYPE, None, None):
            by_graph[quad.graph_name].add(node)
    found: set[tuple[object, ox.Quad]] = set()
    for graph, members in by_graph.items():
        found.update(_backers(store, graph, f"VALUES ?node {{ {' '.join(map(str, members))} }}"))
    return found


def edge_change(store: ox.Store, added: Collection[ox.Quad], removed: Collection[ox.Quad]) -> EdgeChange:
    """The truthy edges to add and remove when ``added``/``removed`` (no truthy edges among them) are applied.

    Reads the touched nodes' quads and their graphs' backers, never the whole store.
    """
    touched = {quad.subject for quad in (*added, *removed) if isinstance(quad.subject, ox.NamedNode)}
    if not touched:
        return EdgeChange(frozenset(), frozenset())
    after_state = ox.Store()
    gone = set(removed)
    for node in touched:
        after_state.extend(q for q in store.quads_for_pattern(node, None, None, None) if q not in gone)
    after_state.extend(added)
    before = {edge for _node, edge in _edges_of(store, touched)}
    after = {edge for _node, edge in _edges_of(after_state, touched)}
    candidates = before - after
    still_backed = set()
    by_graph: dict[Graph, list[ox.Quad]] = defaultdict(list)
    for edge in candidates:
        by_graph[edge.graph_name].append(edge)
    for graph, edges in by_graph.items():
        rows = " ".join(f"({e.subject} {e.predicate} {e.object})" for e in edges)
        for backer, backed in _backers(store, graph, f"VALUES (?subject ?edge ?object) {{ {rows} }}"):
            if backer not in touched:
                still_backed.add(backed)
    return EdgeChange(
        added=frozenset(edge for edge in after - before if edge not in store),
        removed=frozenset(candidates - still_backed),
    )


def without_edges(quads: Iterable[ox.Quad]) -> set[ox.Quad]:
    """``quads`` less any truthy edge: edges written by hand are dropped, the derivation decides them."""
    return {quad for quad in quads if quad.predicate not in DERIVED_PREDICATES}
