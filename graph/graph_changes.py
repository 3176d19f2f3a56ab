"""The Graph Store Protocol's writes, as changes a validated write applies to a scratch copy.

A target is a named graph or the store's own default graph. With each source
document's facts in a graph of its own, the default graph that queries read
is the union of all graphs; but a write to "the default graph" must land
somewhere, and the natural place is the store's own default graph: ``PUT``
replaces what is there, ``POST`` adds to it, ``DELETE`` empties it, and no
source graph is touched. The vocabulary survives a ``PUT`` or ``DELETE`` of
the default graph wherever it is kept: it is part of the dataset, not of the
data.

>>> scratch = ox.Store()
>>> a = ox.Triple(ox.NamedNode("urn:a"), ox.NamedNode("urn:p"), ox.Literal("1"))
>>> add_to_graph(ox.NamedNode("urn:g"), [a])(scratch)
>>> [str(graph) for graph in scratch.named_graphs()]
['<urn:g>']
>>> drop_graph(ox.NamedNode("urn:g"))(scratch)
>>> len(scratch), list(scratch.named_graphs())
(0, [])
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pyoxigraph as ox

from stancegraph.graph.validation import vocabulary_quads

Target = ox.NamedNode | ox.DefaultGraph
Change = Callable[[ox.Store], None]


def _clear(scratch: ox.Store, target: Target) -> None:
    """Remove a graph's triples; the default graph keeps the vocabulary."""
    keep = set(vocabulary_quads()) if isinstance(target, ox.DefaultGraph) else set()
    for quad in list(scratch.quads_for_pattern(None, None, None, target)):
        if quad not in keep:
            scratch.remove(quad)


def add_to_graph(target: Target, triples: Iterable[ox.Triple]) -> Change:
    """``POST``: add ``triples`` to ``target`` (creating a named graph if need be)."""
    batch = [ox.Quad(t.subject, t.predicate, t.object, target) for t in triples]

    def change(scratch: ox.Store) -> None:
        if isinstance(target, ox.NamedNode):
            scratch.add_graph(target)
        scratch.extend(batch)

    return change


def replace_graph(target: Target, triples: Iterable[ox.Triple]) -> Change:
    """``PUT``: ``target`` holds ``triples`` and nothing else."""
    add = add_to_graph(target, triples)

    def change(scratch: ox.Store) -> None:
        _clear(scratch, target)
        add(scratch)

    return change


def add_quads(quads: Iterable[ox.Quad]) -> Change:
    """``POST`` of a dataset (TriG, N-Quads): each quad into its graph."""
    batch = list(quads)
    return lambda scratch: scratch.extend(batch)


def replace_dataset(quads: Iterable[ox.Quad]) -> Change:
    """``PUT`` of a dataset: every graph replaced by the body's; the vocabulary stays wherever it is kept."""
    batch = list(quads)
    vocabulary = {quad.triple for quad in vocabulary_quads()}

    def change(scratch: ox.Store) -> None:
        for quad in list(scratch):
            if quad.triple not in vocabulary:
                scratch.remove(quad)
        scratch.extend(batch)

    return change


def drop_graph(target: Target) -> Change:
    """``DELETE``: a named graph goes (a source graph: its source is retracted); the default graph empties."""

    def change(scratch: ox.Store) -> None:
        if isinstance(target, ox.NamedNode):
            scratch.remove_graph(target)
        else:
            _clear(scratch, target)

    return change
