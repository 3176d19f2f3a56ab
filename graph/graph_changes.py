"""The Graph Store Protocol's writes, as the triples one graph should gain or hold.

A target is a named graph or the store's own default graph. With each source document's facts in
a graph of its own, the default graph that queries read is the union of all graphs; but a write
to "the default graph" must land somewhere, and the natural place is the store's own default
graph: ``PUT`` replaces what is there, ``POST`` adds to it, ``DELETE`` empties it, and no source
graph (nor the vocabulary's) is touched. A ``DELETE`` of a source's graph retracts that source.

:func:`graph.writes.plan_graph_change` turns a change into the quads to add and remove, read
from the store itself.

>>> a = ox.Triple(ox.NamedNode("urn:a"), ox.NamedNode("urn:p"), ox.Literal("1"))
>>> change = replace_graph(ox.NamedNode("urn:g"), [a])
>>> [str(quad) for quad in change.quads()], change.replace
(['<urn:a> <urn:p> "1" <urn:g>'], True)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox

Target = ox.NamedNode | ox.DefaultGraph


@dataclass(frozen=True)
class GraphChange:
    """Triples for one graph; ``replace``: the graph's current triples go first."""

    target: Target
    triples: tuple[ox.Triple, ...] = ()
    replace: bool = False

    def quads(self) -> list[ox.Quad]:
        return [ox.Quad(t.subject, t.predicate, t.object, self.target) for t in self.triples]


def add_to_graph(target: Target, triples: Iterable[ox.Triple]) -> GraphChange:
    """``POST``: add ``triples`` to ``target``."""
    return GraphChange(target, tuple(triples))


def replace_graph(target: Target, triples: Iterable[ox.Triple]) -> GraphChange:
    """``PUT``: ``target`` holds ``triples`` and nothing else."""
    return GraphChange(target, tuple(triples), replace=True)


def drop_graph(target: Target) -> GraphChange:
    """``DELETE``: the graph empties (a source's graph: the source is retracted)."""
    return GraphChange(target, replace=True)
