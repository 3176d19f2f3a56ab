"""The trip to a worker process and back, for light queries: pyoxigraph alone, threads, and the pool.

    python benchmarks/round_trip.py                          # about 100k triples, 2000 rounds
    python benchmarks/round_trip.py --workdir /tmp/rt        # keep (and reuse) the data and store
    PYTHONPATH=/other/checkout python benchmarks/round_trip.py --workdir /tmp/rt   # that checkout's code

Run by its path, it imports ``stancegraph`` from ``PYTHONPATH`` (the current
checkout if that has none), so the same script times two checkouts in turn.

The light queries miss their target against ``oxigraph serve`` by a fixed cost
per query; this measures the part of it that is ours below HTTP. Each query of
``QUERIES`` (``ASK {}``, ``benchmarks/queries``' DESCRIBE and 11-row SELECT)
runs, in turn within each round, as:

* ``pyoxigraph``: ``Store.query`` and ``serialize`` to bytes in this thread,
  on the store the workers open (read-only): the floor;
* ``threads``: a :class:`~stancegraph.api.execution.threads.ThreadExecutor` on
  the same store, from an event loop;
* ``pool``: a :class:`~stancegraph.api.execution.processes.PoolExecutor`, from
  an event loop (uvloop, as ``stancegraph serve`` runs), as ``/sparql`` uses it;
* ``pool, blocking``: :meth:`QueryPool.run <stancegraph.api.execution.pool.QueryPool.run>`,
  as the JSON API's store uses it.

Every answer is read whole, in the formats ``benchmarks.interleaved`` asks
for, with no row limit (as there). It prints each one's median and p90 in µs,
the ratio of medians to ``pyoxigraph``'s, and the median CPU time a run took
in this process and in the workers (from ``/proc/PID/task/*/schedstat``), which
a busy machine disturbs less than it does the wall time; and the load average
before and after. The CPU columns include ~10 µs of reading the clocks.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pyoxigraph as ox

if __package__ in (None, ""):  # run by its path: PYTHONPATH first, so another checkout can be timed
    sys.path.append(str(Path(__file__).resolve().parents[1]))

from benchmarks.run import QUERY_DIR, load_average, make_data
from stancegraph.api.execution.executor import Executor
from stancegraph.api.execution.job import QueryJob
from stancegraph.api.execution.pool import QueryPool
from stancegraph.api.execution.processes import PoolExecutor
from stancegraph.api.execution.threads import ThreadExecutor

BASE = "http://localhost/sparql"  # what /sparql gives as the base IRI
QUERIES = {
    "ASK {}": ("ASK {}", "JSON", None),
    "DESCRIBE a clause": ((QUERY_DIR / "describe-clause.rq").read_text(encoding="utf-8"), None, "TURTLE"),
    "one clause's sides": ((QUERY_DIR / "clause-sides.rq").read_text(encoding="utf-8"), "JSON", None),
}
Run = Callable[[], Awaitable[bytes]]


def store_at(workdir: Path, triples: int) -> Path:
    """A disk store of the synthetic graph (made once per workdir and size)."""
    path = workdir / f"store-{triples}"
    if not path.is_dir():
        data = make_data(workdir, triples, seed=0)
        store = ox.Store(str(path))
        store.bulk_load(path=str(data), format=ox.RdfFormat.N_QUADS)
        store.flush()
        del store
        data.unlink()
    return path


def direct(store: ox.Store, query: str, solutions: str | None, graphs: str | None) -> Run:
    async def run() -> bytes:
        result = store.query(query, base_iri=BASE, use_default_graph_as_union=True)
        if isinstance(result, ox.QueryTriples):
            body = result.serialize(format=getattr(ox.RdfFormat, graphs or ""))
        else:
            body = result.serialize(format=getattr(ox.QueryResultsFormat, solutions or ""))
        assert body is not None  # no output given: the bytes are returned
        return body

    return run


def executed(executor: Executor, job: QueryJob) -> Run:
    async def run() -> bytes:
        answer = await executor.execute(job)
        return b"".join([chunk async for chunk in answer.chunks])

    return run


def blocking(pool: QueryPool, job: QueryJob) -> Run:
    async def run() -> bytes:
        return pool.run(job).blocking_body()

    return run


Times = dict[tuple[str, str], list[tuple[float, float, float]]]  # wall, CPU here, CPU in the workers


class CpuClock:
    """CPU seconds of this process and of the processes ``pids`` so far (their threads' time on a CPU, in ns).

    The ``schedstat`` files are opened once and re-read with ``pread``: a few µs a reading.
    """

    def __init__(self, pids: list[int]) -> None:
        self._stats = [
            os.open(f"/proc/{pid}/task/{thread}/schedstat", os.O_RDONLY)
            for pid in pids
            for thread in os.listdir(f"/proc/{pid}/task")
        ]

    def __call__(self) -> tuple[float, float]:
        """CPU seconds so far: this process's, the others'."""
        others = sum(int(os.pread(stat, 100, 0).split()[0]) for stat in self._stats)
        return time.process_time_ns() / 1e9, others / 1e9

    def close(self) -> None:
        for stat in self._stats:
            os.close(stat)


async def measure(store_path: Path, rounds: int, workers: int) -> Times:
    store = ox.Store.read_only(str(store_path))
    threads = ThreadExecutor(store, workers=workers)
    before = set(multiprocessing.active_children())
    with QueryPool(store_path, workers=workers, timeout=30) as pool:
        cpu_clock = CpuClock(
            [process.pid for process in set(multiprocessing.active_children()) - before if process.pid]
        )
        processes = PoolExecutor(pool)
        runs: dict[tuple[str, str], Run] = {}
        for name, (query, solutions, graphs) in QUERIES.items():
            job = QueryJob(query, solutions_format=solutions, graph_format=graphs, base_iri=BASE)
            runs[(name, "pyoxigraph")] = direct(store, query, solutions, graphs)
            runs[(name, "threads")] = executed(threads, job)
            runs[(name, "pool")] = executed(processes, job)
            runs[(name, "pool, blocking")] = blocking(pool, job)
        for name in QUERIES:  # warm up, and check that every way gives the same answer
            answers = {}
            for (query, way), run in runs.items():
                if query == name:
                    for _ in range(50):
                        answers[way] = await run()
            if len(set(answers.values())) != 1:
                raise SystemExit(f"{name}: the answers differ: {answers}")
            print(f"{name}: {len(answers['pyoxigraph']):,} bytes")
        times: Times = {key: [] for key in runs}
        order = list(runs.items())
        clock = time.perf_counter
        for round_ in range(rounds):
            shift = round_ % len(order)  # each way goes first in turn: none always follows the same one
            for key, run in order[shift:] + order[:shift]:
                ours, theirs = cpu_clock()
                start = clock()
                await run()
                wall = clock() - start
                ours_after, theirs_after = cpu_clock()
                times[key].append((wall, ours_after - ours, theirs_after - theirs))
        cpu_clock.close()
        await processes.aclose()
    await threads.aclose()
    return times


def report(times: Times) -> None:
    print(
        f"{'query':<20} {'way':<15} {'median µs':>10} {'p90 µs':>8} {'ratio':>6}"
        f" {'CPU µs: here':>13} {'workers':>8}"
    )
    for name in QUERIES:
        floor = statistics.median(run[0] for run in times[(name, "pyoxigraph")])
        for (query, way), runs in times.items():
            if query != name:
                continue
            walls = sorted(run[0] for run in runs)
            median = statistics.median(walls)
            p90 = walls[int(0.9 * (len(walls) - 1))]
            here, workers = (statistics.median(run[part] for run in runs) for part in (1, 2))
            print(
                f"{name:<20} {way:<15} {median * 1e6:>10.0f} {p90 * 1e6:>8.0f} {median / floor:>5.2f}x"
                f" {here * 1e6:>13.0f} {workers * 1e6:>8.0f}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2, help="worker processes (and threads)")
    parser.add_argument("--loop", choices=("uvloop", "asyncio"), default="uvloop")
    parser.add_argument(
        "--workdir", type=Path, help="keep the data and store here (default: a temporary dir)"
    )
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    loop_factory = asyncio.new_event_loop
    if args.loop == "uvloop":
        import uvloop

        loop_factory = uvloop.new_event_loop
    with tempfile.TemporaryDirectory(prefix="stancegraph-round-trip-") as temporary:
        workdir = args.workdir or Path(temporary)
        workdir.mkdir(parents=True, exist_ok=True)
        store_path = store_at(workdir, args.triples)
        import stancegraph

        print(f"stancegraph from {Path(stancegraph.__file__).parents[1]}; {args.loop}; {load_average()}")
        with asyncio.Runner(loop_factory=loop_factory) as runner:
            times = runner.run(measure(store_path, args.rounds, args.workers))
        print(f"{load_average()}; {args.rounds} rounds")
        report(times)


if __name__ == "__main__":
    main()
