"""Loading data: parse everything first, derive the truthy edges, validate, then write once.

A load either adds all of its files (one Oxigraph transaction) or nothing:
a file that fails to parse or breaks the shapes leaves the store exactly as it was.
Each file's triples go into the graphs of the sources they come from
(``graph/assignment.py`` has the rule), and each derived edge into the graph
of the node it is derived from, so retracting a source retracts its edges.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from stancegraph.graph.assignment import read_into_graphs
from stancegraph.graph.derivation import derived_edges
from stancegraph.graph.errors import StoreError
from stancegraph.graph.sources import vocabulary_in_graph
from stancegraph.graph.store import LocalStore, RemoteStore, Store, copy_in_bulk, open_disk_store
from stancegraph.graph.validation import require_valid, require_valid_change

DATA_DIR = Path(__file__).resolve().parent / "data"
# files adding at least 1/WHOLE_STORE_SHARE of what a store holds are validated with the whole store
WHOLE_STORE_SHARE = 5


def bundled_files() -> list[Path]:
    """The dataset that ships with stancegraph (the 2025 peace plan), one TriG file per source."""
    return sorted(DATA_DIR.glob("*.trig"))


def add_derived_edges(scratch: ox.Store) -> list[ox.Quad]:
    """Add to ``scratch`` the truthy edges its qualified nodes imply (:func:`derived_edges`); return them."""
    edges = derived_edges(scratch)
    scratch.extend(edges)
    return edges


def derive_edges(quads: Iterable[ox.Quad]) -> list[ox.Quad]:
    """The truthy edges that the qualified nodes in ``quads`` imply, each in its node's graph."""
    scratch = ox.Store()
    scratch.extend(quads)
    return derived_edges(scratch)


def scratch_store(paths: Sequence[Path], *, on_progress: Callable[[int], None] | None = None) -> ox.Store:
    """Files parsed into an in-memory store, in their source graphs, with the edges derived.

    Nothing touches the target store until all of this has worked.
    """
    scratch = ox.Store()
    for path in paths:
        read_into_graphs(scratch, path, on_progress=on_progress)
    add_derived_edges(scratch)
    return scratch


def prepare(paths: Sequence[Path]) -> list[ox.Quad]:
    """Parse files into quads in their source graphs, plus the truthy edges they imply. Writes nothing."""
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
    """Add files to a store: all of them, validated together with what it holds, or nothing.

    Validation costs what the files add (the nodes they touch and those that can depend on them,
    :func:`graph.validation.validate_change`), not what the store already holds; files that
    add more than a fifth of what the store holds are validated with it whole
    (:func:`_require_valid_together`), which is then the cheaper way (``benchmarks/loading.py``).
    """
    scratch = scratch_store(paths, on_progress=on_progress)
    before = store.count()
    if before == 0:
        scratch.extend(vocabulary_in_graph())
    engine = store.engine()
    if validate:
        # the change is checked node by node in Python, the whole store by Oxigraph: per quad, the
        # first costs about five times more, so past a fifth of the store the whole store is cheaper
        if len(scratch) * WHOLE_STORE_SHARE >= before:
            _require_valid_together(engine, scratch)
        else:
            require_valid_change(engine, list(scratch), ())
    new = _new_triples(engine, scratch)
    del engine  # a served store's view of itself: let go before the write
    store.add_store(scratch)
    return LoadReport(files=list(paths), quads_before=before, quads_after=before + new)


def _new_triples(engine: ox.Store, scratch: ox.Store) -> int:
    """How many distinct triples of ``scratch`` ``engine`` holds in none of its graphs.

    One look-up per added triple: counting the whole store again after the write
    cost seconds at a million triples, for a load of a thousand.
    """
    distinct = scratch.query("SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o }", use_default_graph_as_union=True)
    assert isinstance(distinct, ox.QuerySolutions)
    return sum(
        1
        for s, p, o in distinct
        if next(engine.quads_for_pattern(s, p, o), None) is None  # type: ignore[arg-type]
    )


def _require_valid_together(engine: ox.Store, scratch: ox.Store) -> None:
    """Validate the store and the files together, in an in-memory copy filled in Rust."""
    combined = ox.Store()
    for source in (engine, scratch):
        copy_in_bulk(source, combined, prefix="stancegraph-validate-")
    require_valid(combined)


def build_store(
    path: Path,
    paths: Sequence[Path],
    *,
    validate: bool = True,
    on_progress: Callable[[int], None] | None = None,
) -> LoadReport:
    """Create a new on-disk store from files, fast: prepared in memory, bulk-written beside ``path``, renamed.

    Everything that reads the data (sorting triples into source graphs, deriving
    the truthy edges, validating) runs on an in-memory store, where Oxigraph's
    queries are several times faster than on a freshly bulk-loaded disk store.
    Then the result is written with one bulk load, as ``oxigraph load`` writes
    its stores, so it reads as fast as theirs with no compaction after.
    Building in a hidden sibling directory and renaming it makes the whole load
    atomic, not only the bulk write: ``path`` either appears complete or not at
    all, whatever stops the load (the parse, validation, or a ``kill -9``).
    """
    if path.exists():
        raise StoreError(f"{path} already exists; use load_files to add to it")
    scratch = scratch_store(paths, on_progress=on_progress)
    scratch.extend(vocabulary_in_graph())
    if validate:
        require_valid(scratch)
    count = LocalStore(scratch, "the prepared store").count()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f".{path.name}.partial-", dir=path.parent))
    try:
        dump = partial / "quads.nq"
        scratch.dump(output=str(dump), format=ox.RdfFormat.N_QUADS)
        del scratch  # the bulk load needs the memory
        store = ox.Store(str(partial / "store"))
        # lenient: Oxigraph wrote this file itself, so its IRIs need no second check (a third faster)
        store.bulk_load(path=str(dump), format=ox.RdfFormat.N_QUADS, lenient=True)
        del store
        (partial / "store").rename(path)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return LoadReport(files=list(paths), quads_before=0, quads_after=count)


def bundled_store() -> LocalStore:
    """A fresh in-memory store holding the vocabulary and the bundled data."""
    store = scratch_store(bundled_files())
    store.extend(vocabulary_in_graph())
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
