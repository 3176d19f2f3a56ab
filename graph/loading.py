"""Loading data: parse everything first, derive the truthy edges, validate, then write once.

A load either adds all of its files (one Oxigraph transaction) or nothing:
a file that fails to parse or breaks the shapes leaves the store exactly as it was.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from stancegraph.graph.errors import StoreError
from stancegraph.graph.queries import load_query
from stancegraph.graph.rdf_files import load_into
from stancegraph.graph.store import LocalStore, RemoteStore, Store, open_disk_store
from stancegraph.graph.validation import require_valid, vocabulary_quads

DATA_DIR = Path(__file__).resolve().parent / "data"


def bundled_files() -> list[Path]:
    """The dataset that ships with stancegraph (the 2025 peace plan)."""
    return sorted(DATA_DIR.glob("*.ttl"))


def add_derived_edges(scratch: ox.Store) -> list[ox.Quad]:
    """Add to ``scratch`` the truthy edges (supports, opposes, revises, ...) its qualified nodes imply.

    Returns the edges. Runs in Oxigraph: a million-triple load derives its edges in about a second.
    """
    triples = scratch.query(load_query("derive-edges"))
    assert isinstance(triples, ox.QueryTriples)
    edges = [ox.Quad(t.subject, t.predicate, t.object) for t in triples]
    scratch.extend(edges)
    return edges


def derive_edges(quads: Iterable[ox.Quad]) -> list[ox.Quad]:
    """The truthy edges that the qualified nodes in ``quads`` imply."""
    scratch = ox.Store()
    scratch.extend(quads)
    return add_derived_edges(scratch)


def scratch_store(paths: Sequence[Path], *, on_progress: Callable[[int], None] | None = None) -> ox.Store:
    """Files parsed into an in-memory store, named graphs merged into the default graph, edges derived.

    Nothing touches the target store until all of this has worked.
    """
    scratch = ox.Store()
    for path in paths:
        load_into(scratch, path, on_progress=on_progress)
    if any(True for _ in scratch.named_graphs()):
        scratch.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } } ; DROP NAMED")
    add_derived_edges(scratch)
    return scratch


def prepare(paths: Sequence[Path]) -> list[ox.Quad]:
    """Parse files into default-graph quads, plus the truthy edges they imply. Writes nothing."""
    return list(scratch_store(paths))


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
    scratch = scratch_store(paths, on_progress=on_progress)
    before = store.count()
    if before == 0:
        scratch.extend(vocabulary_quads())
    if validate:
        require_valid([*store.all_quads(), *scratch])
    store.add_store(scratch)
    return LoadReport(files=list(paths), quads_before=before, quads_after=store.count())


def build_store(
    path: Path,
    paths: Sequence[Path],
    *,
    validate: bool = True,
    on_progress: Callable[[int], None] | None = None,
) -> LoadReport:
    """Create a new on-disk store from files, fast: bulk-loaded beside ``path``, then renamed into place.

    Oxigraph's bulk loader is several times faster than a transaction but not
    atomic; building in a hidden sibling directory and renaming it makes the
    whole load atomic anyway: ``path`` either appears complete or not at all.
    """
    if path.exists():
        raise StoreError(f"{path} already exists; use load_files to add to it")
    partial = path.with_name(f".{path.name}.partial-{os.getpid()}")
    try:
        store = ox.Store(str(partial))
        for file in paths:
            load_into(store, file, on_progress=on_progress, bulk=True)
        if any(True for _ in store.named_graphs()):
            store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } } ; DROP NAMED")
        add_derived_edges(store)
        store.extend(vocabulary_quads())
        if validate:
            require_valid(store)
        store.flush()
        count = len(store)
        del store
        partial.rename(path)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return LoadReport(files=list(paths), quads_before=0, quads_after=count)


def bundled_store() -> LocalStore:
    """A fresh in-memory store holding the vocabulary and the bundled data."""
    store = scratch_store(bundled_files())
    store.extend(vocabulary_quads())
    return LocalStore(store, "bundled data in memory")


def open_store(
    *,
    path: Path | None = None,
    endpoint: str | None = None,
    graphs: Sequence[str] = (),
    read_only: bool = False,
) -> Store:
    """The dataset: remote if ``endpoint`` is given (its data in ``graphs``, if named), on disk if ``path``
    is, else the bundled data in memory."""
    if endpoint and path:
        raise StoreError("give a store path or an endpoint URL, not both")
    if endpoint:
        return RemoteStore(endpoint, graphs=graphs)
    if path is not None:
        return open_disk_store(path, read_only=read_only)
    return bundled_store()
