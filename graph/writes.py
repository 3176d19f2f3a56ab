"""Validated writes: work out what a change would do, check it against the shapes, then apply it at once.

Every write is planned as a difference (quads added, quads removed) read from the store itself,
never from a copy of it: a SPARQL Update through :mod:`graph.update_delta`, quads to add or a graph
to replace directly. The truthy edges of the nodes the change touches are derived again
(:mod:`graph.derivation`: deleting a position deletes its ``sg:supports`` edge), the change is
validated where it can break a shape (:func:`graph.validation.validate_change`), and only a change
that conforms is applied, as one ``DELETE DATA``/``INSERT DATA`` transaction: a refused or
interrupted write leaves the store as it was. Planning costs what the change touches, not the
size of the store.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable

import pyoxigraph as ox

from stancegraph.graph.derivation import edge_change, without_edges
from stancegraph.graph.errors import StoreError
from stancegraph.graph.graph_changes import GraphChange
from stancegraph.graph.sparql_guard import refuse_remote_access
from stancegraph.graph.store import Store
from stancegraph.graph.update_delta import Graph, update_delta
from stancegraph.graph.validation import ValidationReport, require_valid_change
from stancegraph.ontology import VOCABULARY_GRAPH


@dataclasses.dataclass(frozen=True)
class ChangeSet:
    """The quads a write adds and removes, already validated, and the named graphs it leaves empty.

    ``dropped`` graphs are removed by name too, so that a retracted source's graph is gone from
    ``GRAPH ?g`` and the store's list of graphs, as after ``DROP GRAPH``, not kept as an empty name.
    """

    added: frozenset[ox.Quad]
    removed: frozenset[ox.Quad]
    report: ValidationReport
    dropped: frozenset[ox.NamedNode] = frozenset()

    def as_update(self) -> str:
        """One SPARQL update that applies the change in a single transaction."""
        if any(isinstance(term, ox.BlankNode) for quad in self.removed for term in quad.triple):
            raise StoreError("a write cannot remove triples about blank nodes; give those nodes IRIs")
        drops = "".join(f" ;\nDROP SILENT GRAPH {graph}" for graph in sorted(self.dropped, key=str))
        return f"DELETE DATA {{ {_data_block(self.removed)} }} ;\nINSERT DATA {{ {_data_block(self.added)} }}{drops}"

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.dropped)


def _data_block(quads: Iterable[ox.Quad]) -> str:
    """Quads as the inside of ``INSERT DATA``/``DELETE DATA``: default-graph triples, then ``GRAPH`` blocks."""
    by_graph: dict[Graph, list[str]] = {}
    for quad in quads:
        by_graph.setdefault(quad.graph_name, []).append(f"{quad.triple} .")
    parts = [
        " ".join(lines) if isinstance(graph, ox.DefaultGraph) else f"GRAPH {graph} {{ {' '.join(lines)} }}"
        for graph, lines in by_graph.items()
    ]
    return " ".join(parts)


def plan_change(store: Store, added: Iterable[ox.Quad], removed: Iterable[ox.Quad]) -> ChangeSet:
    """Validate adding ``added`` and removing ``removed``, truthy edges re-derived; return the whole change."""
    return _plan(store.engine(), added, removed)


def _plan(engine: ox.Store, added: Iterable[ox.Quad], removed: Iterable[ox.Quad]) -> ChangeSet:
    wanted = without_edges(added)
    new = {quad for quad in wanted if quad not in engine}
    gone = {quad for quad in without_edges(removed) if quad in engine} - wanted
    edges = edge_change(engine, new, gone)
    new |= edges.added
    gone |= edges.removed
    report = require_valid_change(engine, new, gone)
    return ChangeSet(added=frozenset(new), removed=frozenset(gone), report=report)


def plan_update(
    store: Store,
    update: str,
    *,
    allowed_services: Collection[str] = (),
    base_iri: str | None = None,
) -> ChangeSet:
    """What a SPARQL 1.1 Update would change. ``LOAD`` and ``SERVICE`` to endpoints not allowed are refused.

    Relative IRIs resolve against ``base_iri`` (the endpoint's address, over HTTP). The protocol's
    ``using-graph-uri``/``using-named-graph-uri`` arrive as ``USING`` clauses in the text
    (:func:`graph.datasets.with_using`).
    """
    refuse_remote_access(update, allowed_services=allowed_services)
    engine = store.engine()
    delta = update_delta(engine, update, base_iri=base_iri)
    return _plan(engine, delta.added, delta.removed)


def plan_addition(store: Store, quads: Iterable[ox.Quad]) -> ChangeSet:
    """What adding ``quads`` (each to its own graph) would change."""
    return plan_change(store, quads, ())


def plan_graph_change(store: Store, change: GraphChange) -> ChangeSet:
    """What a Graph Store Protocol write would change: the emptied graphs' triples go, the new quads come."""
    engine = store.engine()
    removed: list[ox.Quad] = []
    for target in change.emptied:
        removed += engine.quads_for_pattern(None, None, None, target)
    if change.everything:
        removed += (q for q in engine if q.graph_name != VOCABULARY_GRAPH)
    planned = _plan(engine, change.quads, removed)
    refilled = {quad.graph_name for quad in change.quads}
    emptied = {target for target in change.emptied if isinstance(target, ox.NamedNode)} - refilled
    return dataclasses.replace(planned, dropped=frozenset(emptied))


def apply(store: Store, changes: ChangeSet) -> None:
    """Write a validated change in one transaction; durable once this returns."""
    if changes:
        store.apply_update(changes.as_update())
