"""One named graph per source document: the mapping, what each graph holds, and retracting one.

Each source's facts (its positions, claims, clauses, and the nodes only it
introduces) live in the named graph derived from the document's id, so that a
source can be weighed on its own (``GRAPH ?g { ... }`` says which source says
what) and retracted whole (:func:`drop_source`). A node that two sources
describe is in both graphs and outlives either. The vocabulary has a graph of
its own. Reading sees the union of all graphs (``graph/store.py``).

>>> source_graph(ID.term("roff-us-russian-peace-plan")).value
'https://w3id.org/stancegraph/graph/roff-us-russian-peace-plan'
>>> graph_source(GRAPH.term("roff-us-russian-peace-plan")).value
'https://w3id.org/stancegraph/id/roff-us-russian-peace-plan'
>>> graph_source(VOCABULARY_GRAPH) is None
True
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

import pyoxigraph as ox

from stancegraph.graph.errors import NotFoundError, SourceAssignmentError
from stancegraph.graph.graph_changes import drop_graph
from stancegraph.graph.store import Store
from stancegraph.graph.terms import local_id, resource
from stancegraph.graph.writes import apply, plan_graph_change
from stancegraph.ontology import GRAPH, ID, VOCABULARY_FILE, VOCABULARY_GRAPH


def source_graph(document: ox.NamedNode) -> ox.NamedNode:
    """The graph of a source document: ``id/ID`` → ``graph/ID``. Sources need stancegraph ids."""
    identifier = document.value.removeprefix(ID)
    if identifier == document.value or not identifier:
        raise SourceAssignmentError(f"{document.value}: a source needs a stancegraph id ({ID}...)")
    return GRAPH.term(identifier)


def graph_source(graph: ox.NamedNode | ox.BlankNode | ox.DefaultGraph) -> ox.NamedNode | None:
    """The source document whose graph this is; ``None`` for the vocabulary and any other graph."""
    if not isinstance(graph, ox.NamedNode) or graph == VOCABULARY_GRAPH:
        return None
    identifier = graph.value.removeprefix(GRAPH)
    return ID.term(identifier) if identifier != graph.value and identifier else None


def in_graph(quads: Iterable[ox.Quad], graph: ox.NamedNode) -> list[ox.Quad]:
    """The same triples, in ``graph``."""
    return [ox.Quad(q.subject, q.predicate, q.object, graph) for q in quads]


@cache
def vocabulary_in_graph() -> tuple[ox.Quad, ...]:
    """The vocabulary (``ontology/stancegraph.ttl``) in its own graph, apart from every source."""
    return tuple(in_graph(ox.parse(path=str(VOCABULARY_FILE), format=ox.RdfFormat.TURTLE), VOCABULARY_GRAPH))


@dataclass(frozen=True)
class SourceGraph:
    """A named graph and what it holds: ``source`` is the short id of its document (``None``: the vocabulary)."""

    graph: str
    source: str | None
    triples: int


def source_graphs(store: Store) -> list[SourceGraph]:
    """Every named graph with its triple count, sorted by graph IRI."""
    result = []
    for row in store.rows("source-triples"):
        graph, triples = row["graph"], row["triples"]
        assert isinstance(graph, ox.NamedNode) and isinstance(triples, ox.Literal)
        document = graph_source(graph)
        result.append(
            SourceGraph(
                graph.value, None if document is None else local_id(document.value), int(triples.value)
            )
        )
    return result


def drop_source(store: Store, identifier: str) -> int:
    """Retract a source: drop its graph in one validated transaction; return how many triples went.

    Its positions go, and with them the truthy edges they alone backed (derived
    edges sit in their node's graph); whatever another source also holds stays.
    A retraction is a write like any other (:mod:`graph.writes`): if another
    source refers to a node only this one describes (a position on its clause,
    say), the shapes refuse it with a :class:`ShapeViolationError` naming what
    would be left dangling, and the store is left as it was. ``identifier`` is a
    short id or the document's IRI; one that names no source graph is a
    :class:`NotFoundError`.
    """
    try:
        graph = source_graph(resource(identifier))
    except (ValueError, SourceAssignmentError):
        raise NotFoundError("source", identifier) from None
    if graph == VOCABULARY_GRAPH:
        raise NotFoundError("source", identifier)
    changes = plan_graph_change(store, drop_graph(graph))  # reads the graph's triples, and validates
    removed = sum(1 for quad in changes.removed if quad.graph_name == graph)
    if not removed:  # no such graph: nothing was planned, nothing is written
        raise NotFoundError("source", identifier)
    apply(store, changes)
    return removed
