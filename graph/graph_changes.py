"""The Graph Store Protocol's writes, as the quads to add and the graphs to empty first.

A target is a named graph or the store's own default graph. With each source document's facts in
a graph of its own, the default graph that queries read is the union of all graphs; but a write
to "the default graph" must land somewhere, and the natural place is the store's own default
graph: ``PUT`` replaces what is there, ``POST`` adds to it, ``DELETE`` empties it, and no source
graph (nor the vocabulary's) is touched. A ``DELETE`` of a source's graph retracts that source.
A dataset (TriG, N-Quads) sent with no graph named puts each quad in its own graph; ``PUT``
replaces every graph but the vocabulary's.

:func:`graph.writes.plan_graph_change` turns a change into the quads to add and remove, read
from the store itself.

>>> a = ox.Triple(ox.NamedNode("urn:a"), ox.NamedNode("urn:p"), ox.Literal("1"))
>>> change = replace_graph(ox.NamedNode("urn:g"), [a])
>>> [str(quad) for quad in change.quads], change.emptied
(['<urn:a> <urn:p> "1" <urn:g>'], (<NamedNode value=urn:g>,))
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox

Target = ox.NamedNode | ox.DefaultGraph


@dataclass(frozen=True)
class GraphChange:
    """Quads to add, after emptying the graphs in ``emptied`` (every graph but the vocabulary's if ``everything``)."""

    quads: tuple[ox.Quad, ...] = ()
    emptied: tuple[Target, ...] = ()
    everything: bool = False


def _in(target: Target, triples: Iterable[ox.Triple]) -> tuple[ox.Quad, ...]:
    return tuple(ox.Quad(t.subject, t.predicate, t.object, target) for t in triples)


def add_to_graph(target: Target, triples: Iterable[ox.Triple]) -> GraphChange:
    """``POST``: add ``triples`` to ``target``."""
    return GraphChange(_in(target, triples))


def replace_graph(target: Target, triples: Iterable[ox.Triple]) -> GraphChange:
    """``PUT``: ``target`` holds ``triples`` and nothing else."""
    return GraphChange(_in(target, triples), emptied=(target,))


def drop_graph(target: Target) -> GraphChange:
    """``DELETE``: the graph empties (a source's graph: the source is retracted)."""
    return GraphChange(emptied=(target,))


def add_quads(quads: Iterable[ox.Quad]) -> GraphChange:
    """``POST`` of a dataset (TriG, N-Quads): each quad into its graph."""
    return GraphChange(tuple(quads))


def replace_dataset(quads: Iterable[ox.Quad]) -> GraphChange:
    """``PUT`` of a dataset: every graph replaced by the body's; the vocabulary stays."""
    return GraphChange(tuple(quads), everything=True)
