"""Validated writes: work out what a change would do, check it against the shapes, then apply it at once.

A SPARQL Update or a batch of new quads is first applied to a scratch copy
of the data, the truthy edges are derived again from the qualified nodes (so
deleting a position also deletes its ``sg:supports`` edge), and the result is
validated. Only a change whose result conforms is applied to the real store,
as one ``DELETE DATA``/``INSERT DATA`` transaction: a refused or interrupted
write leaves the store as it was.

The scratch copy holds the whole dataset in memory, which is fine for curated
data (tens of thousands of triples: well under a second) and slow at millions.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass

import pyoxigraph as ox

from stancegraph.graph.errors import QuerySyntaxError, StoreError
from stancegraph.graph.loading import add_derived_edges
from stancegraph.graph.sparql_guard import refuse_remote_access
from stancegraph.graph.store import Store
from stancegraph.graph.validation import ValidationReport, require_valid, vocabulary_quads
from stancegraph.ontology import SG

DERIVED_PREDICATES = tuple(
    SG.term(name) for name in ("supports", "opposes", "revises", "keeps", "removes", "adds")
)


@dataclass(frozen=True)
class ChangeSet:
    """The quads a write adds and removes, already validated."""

    added: frozenset[ox.Quad]
    removed: frozenset[ox.Quad]
    report: ValidationReport

    def as_update(self) -> str:
        """One SPARQL update that applies the change in a single transaction."""
        if any(isinstance(term, ox.BlankNode) for quad in self.removed for term in quad.triple):
            raise StoreError("a write cannot remove triples about blank nodes; give those nodes IRIs")
        return f"DELETE DATA {{ {_quad_data(self.removed)} }} ;\nINSERT DATA {{ {_quad_data(self.added)} }}"

    def __bool__(self) -> bool:
        return bool(self.added or self.removed)


def _quad_data(quads: Iterable[ox.Quad]) -> str:
    """Quads as the inside of ``INSERT DATA``/``DELETE DATA``: a named graph's in a ``GRAPH`` block."""
    return " ".join(
        f"{quad.triple} ."
        if isinstance(quad.graph_name, ox.DefaultGraph)
        else f"GRAPH {quad.graph_name} {{ {quad.triple} }}"
        for quad in quads
    )


def _rederive(scratch: ox.Store) -> None:
    """Replace every derived edge with what the qualified nodes now imply."""
    for predicate in DERIVED_PREDICATES:
        for quad in list(scratch.quads_for_pattern(None, predicate, None, ox.DefaultGraph())):
            scratch.remove(quad)
    add_derived_edges(scratch)


def plan(store: Store, change: Callable[[ox.Store], None]) -> ChangeSet:
    """Apply ``change`` to a scratch copy of ``store``; return the validated difference."""
    scratch = ox.Store()
    scratch.extend(store.all_quads())
    before = set(scratch)  # every graph: a write may touch the named graphs (a source's facts)
    change(scratch)
    _rederive(scratch)
    after = set(scratch)
    report = require_valid(after)
    return ChangeSet(added=frozenset(after - before), removed=frozenset(before - after), report=report)


def plan_update(
    store: Store, update: str, *, allowed_services: Collection[str] = (), base_iri: str | None = None
) -> ChangeSet:
    """What a SPARQL 1.1 Update would change. ``LOAD`` and ``SERVICE`` to endpoints not allowed are refused.

    Relative IRIs resolve against ``base_iri`` (the endpoint's address, over HTTP).
    """
    refuse_remote_access(update, allowed_services=allowed_services)

    def run(scratch: ox.Store) -> None:
        try:
            scratch.update(update, base_iri=base_iri)
        except SyntaxError as error:
            raise QuerySyntaxError(str(error)) from None
        except OSError as error:  # LOAD of a remote document, SERVICE calls
            raise StoreError(f"the update cannot run here: {error}") from None

    return plan(store, run)


def plan_addition(store: Store, quads: Iterable[ox.Quad]) -> ChangeSet:
    """What adding ``quads`` (to the default graph) would change."""
    batch = [ox.Quad(q.subject, q.predicate, q.object) for q in quads]
    return plan(store, lambda scratch: scratch.extend(batch))


def plan_replacement(store: Store, quads: Iterable[ox.Quad]) -> ChangeSet:
    """What replacing all the data with ``quads`` would change (Graph Store Protocol PUT)."""
    batch = [ox.Quad(q.subject, q.predicate, q.object) for q in quads]

    def replace(scratch: ox.Store) -> None:
        scratch.clear()
        scratch.extend(vocabulary_quads())  # the vocabulary is part of the dataset, not of the data
        scratch.extend(batch)

    return plan(store, replace)


def apply(store: Store, changes: ChangeSet) -> None:
    """Write a validated change in one transaction; durable once this returns."""
    if changes:
        store.apply_update(changes.as_update())
