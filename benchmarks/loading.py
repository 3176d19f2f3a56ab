"""Load time and peak memory, each way of loading measured in a fresh process.

Peak RSS (``ru_maxrss``) only ever grows, so each measurement needs a process
of its own: ``python -m benchmarks.loading WAY DATA DIR`` loads ``DATA`` one way
and prints one JSON line. The stores it leaves in ``DIR`` are the ones the
servers then serve, so what is timed is what is benchmarked.

``python -m benchmarks.loading [--repeats N] [WORKDIR]`` is the validated-load
benchmark: it writes ``stancegraph synth`` N-Quads of about 100k and 1M triples
and times ``stancegraph load --store NEW_DIR FILE`` (validation on, as a user runs
it) against ``oxigraph load`` of the same file, the two taking turns, each a
process of its own, and prints the medians and the ratios. Then it adds to an existing store:
the 1M file is split into a base (every node but the positions and claims of the later sources),
those positions and claims (about half the data) and the first hundred of them (about 1k
triples); each addition is timed as ``stancegraph load --store EXISTING FILE`` (validated)
against ``oxigraph load`` of the same file into a copy of the same base store.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from stancegraph.graph.loading import build_store, scratch_store
from stancegraph.graph.synth import write_synthetic
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
    """What `stancegraph load --store NEW_DIR` does: prepare and validate in memory, bulk-write, rename."""
    report = build_store(workdir / STANCEGRAPH_STORE, [data])
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
    "stancegraph load --store NEW_DIR (validated)": (_disk_stancegraph, False),
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


# ------------------------------------------------------------ validated load against oxigraph load

# (label, actors, clauses, drafts): about 100k and 1M triples (the second is `stancegraph synth`'s default)
SIZES = (("100k", 100, 1000, 10), ("1M", 1000, 10000, 20))
SMOKE_SIZES = (("1k", 10, 24, 4),)  # for the test suite: does it run?


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_rss_mb: float


def timed(command: list[str]) -> Run:
    """Run a command to the end; its wall time and its own peak RSS (``wait4``: this child's alone)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    assert process.stderr is not None
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {process.stderr.read().decode()[-500:]}")
    process.stderr.close()
    return Run(seconds, usage.ru_maxrss / 1024)


def compare(workdir: Path, repeats: int, sizes: tuple[tuple[str, int, int, int], ...] = SIZES) -> None:
    """Each size: ``stancegraph load`` (validated) and ``oxigraph load`` of one file, taking turns."""
    print(f"load average at the start: {_load_average()}")
    print(_header("data"))
    for label, actors, clauses, drafts in sizes:
        data = workdir / f"synth-{label}.nq"
        report = write_synthetic(data, actors=actors, clauses=clauses, drafts=drafts, seed=0)
        target = workdir / f"store-{label}"

        def ours(data: Path = data, target: Path = target) -> list[str]:
            shutil.rmtree(target, ignore_errors=True)
            return [sys.executable, "-m", "stancegraph", "load", "--store", str(target), str(data)]

        def theirs(data: Path = data, target: Path = target) -> list[str]:
            shutil.rmtree(target, ignore_errors=True)
            return ["oxigraph", "load", "--file", str(data), "--location", str(target)]

        print(_row(f"{label} ({report.triples:,} triples)", *_taking_turns(ours, theirs, repeats)))
    print(f"load average at the end: {_load_average()} ({repeats} runs each, medians)")


def _taking_turns(
    ours: Callable[[], list[str]], theirs: Callable[[], list[str]], repeats: int
) -> tuple[Run, Run]:
    """The median run of each command, run in turns ``repeats`` times (each callable readies its target
    and gives the command, before the clock starts)."""
    runs: tuple[list[Run], list[Run]] = ([], [])
    for _ in range(repeats):
        for command, done in zip((ours, theirs), runs, strict=True):
            done.append(timed(command()))
    first, second = (
        Run(statistics.median(r.seconds for r in done), statistics.median(r.peak_rss_mb for r in done))
        for done in runs
    )
    return first, second


def _header(first: str) -> str:
    return f"{first:<22} {'stancegraph load':>18} {'oxigraph load':>16} {'time ratio':>11} {'RSS ratio':>10}"


def _row(label: str, ours: Run, theirs: Run) -> str:
    return (
        label.ljust(22)
        + f" {ours.seconds:>7.1f} s {ours.peak_rss_mb:>5.0f} MB"
        + f" {theirs.seconds:>5.1f} s {theirs.peak_rss_mb:>5.0f} MB"
        + f" {ours.seconds / theirs.seconds:>10.1f}x {ours.peak_rss_mb / theirs.peak_rss_mb:>9.1f}x"
    )


def _load_average() -> str:
    # benchmarks.run has load_average(), but it imports this module
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# ----------------------------------------------------- adding to an existing store, against oxigraph

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
ADDED_KINDS = frozenset(
    ox.NamedNode(f"https://w3id.org/stancegraph/ns#{kind}") for kind in ("Position", "Claim")
)
SMALL_NODES = 100  # positions or claims in the small addition: about 1k triples


def _nodes(quads: Iterator[ox.Quad]) -> Iterator[list[ox.Quad]]:
    """``stancegraph synth`` output cut into nodes: each node's quads start with its rdf:type."""
    node: list[ox.Quad] = []
    for quad in quads:
        if quad.predicate == RDF_TYPE and node and node[0].subject != quad.subject:
            yield node
            node = []
        node.append(quad)
    if node:
        yield node


def split_for_adding(data: Path, workdir: Path, *, share: float = 0.6) -> tuple[Path, Path, Path]:
    """``data`` (synth N-Quads) as a base file and two additions to it: the positions and claims of
    the last ``share`` of the sources, and the first of those alone. Each file is valid on the base."""
    sources = {quad.graph_name for quad in ox.parse(path=data, format=ox.RdfFormat.N_QUADS)}
    later = set(sorted(sources, key=str)[int(len(sources) * (1 - share)) :])
    paths = workdir / "base.nq", workdir / "added.nq", workdir / "small.nq"
    # streamed, a node at a time: a benchmark process that held the data would pass its memory on
    # to every command it forks, and their peak RSS would start there
    with ExitStack() as files:
        base, added, small = (files.enter_context(path.open("wb")) for path in paths)
        taken = 0
        for node in _nodes(ox.parse(path=data, format=ox.RdfFormat.N_QUADS)):
            if node[0].object in ADDED_KINDS and node[0].graph_name in later:
                ox.serialize(node, added, ox.RdfFormat.N_QUADS)
                if taken < SMALL_NODES:
                    ox.serialize(node, small, ox.RdfFormat.N_QUADS)
                    taken += 1
            else:
                ox.serialize(node, base, ox.RdfFormat.N_QUADS)
    return paths


def compare_adding(workdir: Path, repeats: int, size: tuple[str, int, int, int]) -> None:
    """Add half the data, then 1k triples, to an existing store: ``stancegraph load`` against ``oxigraph load``."""
    label, actors, clauses, drafts = size
    data = workdir / f"synth-{label}.nq"
    if not data.exists():
        write_synthetic(data, actors=actors, clauses=clauses, drafts=drafts, seed=0)
    base, *additions = split_for_adding(data, workdir)
    base_store = workdir / "base-store"
    shutil.rmtree(base_store, ignore_errors=True)
    timed([sys.executable, "-m", "stancegraph", "load", "--store", str(base_store), str(base)])
    target = workdir / "store-added"

    def copy_of_base() -> Path:
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(base_store, target)
        return target

    print(f"load average at the start: {_load_average()}")
    print(_header("added to " + label))
    for added in additions:

        def ours(added: Path = added) -> list[str]:
            return [sys.executable, "-m", "stancegraph", "load", "--store", str(copy_of_base()), str(added)]

        def theirs(added: Path = added) -> list[str]:
            return ["oxigraph", "load", "--location", str(copy_of_base()), "--file", str(added)]

        lines = sum(1 for _ in added.open("rb"))
        print(_row(f"{added.stem} ({lines:,} quads)", *_taking_turns(ours, theirs, repeats)))
    print(f"load average at the end: {_load_average()} ({repeats} runs each, medians)")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] in WAYS:
        main(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]))
    else:
        parser = argparse.ArgumentParser(
            prog="python -m benchmarks.loading", description=__doc__.split("\n\n")[-1]
        )
        parser.add_argument(
            "workdir", nargs="?", type=Path, help="keep the data here (default: a temporary dir)"
        )
        parser.add_argument("--repeats", type=int, default=3, help="runs of each loader per size (default 3)")
        parser.add_argument("--smoke", action="store_true", help="tiny data, one run: does it all run?")
        args = parser.parse_args()
        sizes, repeats = (SMOKE_SIZES, 1) if args.smoke else (SIZES, args.repeats)
        if args.workdir is not None:
            args.workdir.mkdir(parents=True, exist_ok=True)
            compare(args.workdir, repeats, sizes)
            compare_adding(args.workdir, repeats, sizes[-1])
        else:
            with tempfile.TemporaryDirectory(prefix="stancegraph-load-") as temporary:
                compare(Path(temporary), repeats, sizes)
                compare_adding(Path(temporary), repeats, sizes[-1])
