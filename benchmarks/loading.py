"""Load time and peak memory, each way of loading measured in a fresh process.

Peak RSS (``ru_maxrss``) only ever grows, so each measurement needs a process
of its own: ``python -m benchmarks.loading WAY DATA DIR`` loads ``DATA`` one way
and prints one JSON line. The stores it leaves in ``DIR`` are the ones the
servers then serve, so what is timed is what is benchmarked.
"""

from __future__ import annotations

import json
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from stancegraph.graph.loading import build_store, scratch_store
from stancegraph.graph.validation import vocabulary_quads

REPO = Path(__file__).resolve().parents[1]
# the stores the servers are started on
OXIGRAPH_STORE = "oxigraph-store"
STANCEGRAPH_STORE = "stancegraph-store"
# a copy for the thread executor, which opens its store for writing (and so takes RocksDB's lock and
# may compact it) while the other servers' worker processes read theirs
STANCEGRAPH_THREADS_STORE = "stancegraph-store-threads"
PYOXIGRAPH_STORE = "pyoxigraph-store"


@dataclass(frozen=True)
class LoadResult:
    way: str
    seconds: float
    peak_rss_mb: float
    triples: int


Counter = Callable[[], int]


def _memory_bulk(data: Path, _workdir: Path) -> Counter:
    store = ox.Store()
    store.bulk_load(path=data, format=ox.RdfFormat.N_QUADS)
    return lambda: len(store)


def _disk_bulk(data: Path, workdir: Path) -> Counter:
    store = ox.Store(str(workdir / PYOXIGRAPH_STORE))
    store.bulk_load(path=data, format=ox.RdfFormat.N_QUADS)
    return lambda: len(store)


def _memory_stancegraph(data: Path, _workdir: Path) -> Counter:
    """What serving a data file from memory does: parse into Oxigraph and derive the edges there."""
    store = scratch_store([data])
    store.extend(vocabulary_quads())
    return lambda: len(store)


def _disk_stancegraph(data: Path, workdir: Path) -> Counter:
    """What `stancegraph load --no-validate --store NEW_DIR` does: bulk-build, rename into place."""
    report = build_store(workdir / STANCEGRAPH_STORE, [data], validate=False)
    return lambda: report.quads_after


def _oxigraph_cli(data: Path, workdir: Path) -> Counter:
    location = workdir / OXIGRAPH_STORE
    subprocess.run(
        ["oxigraph", "load", "--location", str(location), "--file", str(data)],
        check=True,
        capture_output=True,
    )
    return lambda: len(ox.Store.read_only(str(location)))


# way -> (loader, whether the peak RSS to report is the child process's)
WAYS: dict[str, tuple[Callable[[Path, Path], Counter], bool]] = {
    "pyoxigraph bulk_load, in memory": (_memory_bulk, False),
    "pyoxigraph bulk_load, on disk": (_disk_bulk, False),
    "stancegraph load --no-validate, in memory": (_memory_stancegraph, False),
    "stancegraph load --no-validate, new on-disk store": (_disk_stancegraph, False),
    "oxigraph load (CLI), on disk": (_oxigraph_cli, True),
}


def remove_stores(workdir: Path) -> None:
    """Start from empty store directories, so a reused workdir times a load, not a no-op."""
    for name in (OXIGRAPH_STORE, STANCEGRAPH_STORE, STANCEGRAPH_THREADS_STORE, PYOXIGRAPH_STORE):
        shutil.rmtree(workdir / name, ignore_errors=True)


def measure(way: str, data: Path, workdir: Path, *, timeout: float) -> LoadResult:
    """Run one way of loading in a fresh Python process and read back what it measured."""
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.loading", way, str(data), str(workdir)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"loading ({way}) failed: {done.stderr.strip()[-500:]}")
    return LoadResult(**json.loads(done.stdout.strip().splitlines()[-1]))


def main(way: str, data: Path, workdir: Path) -> None:
    loader, in_child = WAYS[way]
    start = time.perf_counter()
    count = loader(data, workdir)
    seconds = time.perf_counter() - start
    triples = count()  # after the clock stops: counting is not loading
    usage = resource.getrusage(resource.RUSAGE_CHILDREN if in_child else resource.RUSAGE_SELF)
    print(
        json.dumps(
            {"way": way, "seconds": seconds, "peak_rss_mb": usage.ru_maxrss / 1024, "triples": triples}
        )
    )


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]))
