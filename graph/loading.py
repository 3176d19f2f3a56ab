"""Loading data: parse everything first, derive the truthy edges, validate, then write once.

A load either adds all of its files (one Oxigraph transaction) or nothing:
a file that fails to parse or breaks the shapes leaves the store exactly as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from graph.queries import load_query
from graph.rdf_files import read_quads
from graph.store import LocalStore, Store
from graph.validation import require_valid, vocabulary_quads

DATA_DIR = Path(__file__).resolve().parent / "data"


def bundled_files() -> list[Path]:
    """The dataset that ships with stancegraph (the 2025 peace plan)."""
    return sorted(DATA_DIR.glob("*.ttl"))


def in_default_graph(quads: Iterable[ox.Quad]) -> list[ox.Quad]:
    """All data lives in the default graph; named graphs in input files are merged into it."""
    return [ox.Quad(q.subject, q.predicate, q.object) for q in quads]


def derive_edges(quads: Sequence[ox.Quad]) -> list[ox.Quad]:
    """The truthy edges (supports, opposes, revises, ...) that the qualified nodes in ``quads`` imply."""
    scratch = ox.Store()
    scratch.extend(quads)
    triples = scratch.query(load_query("derive-edges"))
    assert isinstance(triples, ox.QueryTriples)
    return [ox.Quad(t.subject, t.predicate, t.object) for t in triples]


def prepare(paths: Sequence[Path], *, on_progress: Callable[[int], None] | None = None) -> list[ox.Quad]:
    """Parse files into default-graph quads, plus the truthy edges they imply. Writes nothing."""
    quads: list[ox.Quad] = []
    for path in paths:
        quads.extend(in_default_graph(read_quads(path, on_progress=on_progress)))
    return quads + derive_edges(quads)


@dataclass(frozen=True)
class LoadReport:
    files: list[Path]
    quads_before: int
    quads_after: int

    @property
    def added(self) -> int:
        return self.quads_after - self.quads_before


def load_files(
    store: Store,
    paths: Sequence[Path],
    *,
    validate: bool = True,
    on_progress: Callable[[int], None] | None = None,
) -> LoadReport:
    """Add files to a store: all of them, validated together with what it holds, or nothing."""
    new = prepare(paths, on_progress=on_progress)
    before = store.count()
    if before == 0:
        new.extend(vocabulary_quads())
    if validate:
        require_valid([*store.all_quads(), *new])
    store.add_quads(new)
    return LoadReport(files=list(paths), quads_before=before, quads_after=store.count())


def bundled_store() -> LocalStore:
    """A fresh in-memory store holding the vocabulary and the bundled data."""
    store = ox.Store()
    store.extend(vocabulary_quads())
    store.extend(prepare(bundled_files()))
    return LocalStore(store, "bundled data in memory")
