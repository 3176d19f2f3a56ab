"""`/sparql` on a store `stancegraph load` wrote against `oxigraph serve` on `oxigraph load`'s, request by request.

    python -m benchmarks.interleaved                       # about 250k triples, 40 rounds
    python -m benchmarks.interleaved --triples 1000000 --rounds 20

One data file (``benchmarks.run.make_data``: the synthetic graph as stancegraph
stores it, so both hold the same quads) is loaded by ``stancegraph load --store``
(validated) and by ``oxigraph load``; ``stancegraph serve`` (answer cache off,
worker processes) twice, without a row limit and with the default one (10,000,
as deployed), and ``oxigraph serve --union-default-graph`` then serve them side
by side. Each round sends every query of ``benchmarks/queries/``, and ``ASK {}``
(what a request costs when the engine has nothing to do), once to each server in
turn, so what else a shared machine does touches them alike; it prints each
query's median and p90 and the ratios of medians.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import httpx

from benchmarks.contestants import CONTESTANTS, Server, running, stancegraph_contestant
from benchmarks.loading import OXIGRAPH_STORE, STANCEGRAPH_STORE
from benchmarks.measure import GRAPH_RESULTS, SELECT_RESULTS, Request, warm_up
from benchmarks.run import QUERY_DIR, load_average, make_data

#: The peer first; "stancegraph" is ours with the cache off and no row limit.
PEERS = ("oxigraph serve", "stancegraph")
#: Ours as deployed: the default row limit, which reads one row past it before the first byte goes out.
ROW_LIMITED = stancegraph_contestant("stancegraph (row limit)", cache_bytes="0", max_result_rows="10000")
#: Not a file of benchmarks/queries (benchmarks.run has no use for it): the cost of a request itself.
ASK = "ASK {}"


def load_both(data: Path, workdir: Path) -> None:
    for name in (OXIGRAPH_STORE, STANCEGRAPH_STORE):
        shutil.rmtree(workdir / name, ignore_errors=True)
    loads = {
        "oxigraph load": [
            "oxigraph",
            "load",
            "--location",
            str(workdir / OXIGRAPH_STORE),
            "--file",
            str(data),
        ],
        "stancegraph load": [
            sys.executable,
            "-m",
            "stancegraph",
            "load",
            "--store",
            str(workdir / STANCEGRAPH_STORE),
            str(data),
        ],
    }
    for name, command in loads.items():
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        print(f"{name}: {time.perf_counter() - start:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.interleaved", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--triples", type=int, default=250_000)
    parser.add_argument("--rounds", type=int, default=40, help="timed requests per query and server")
    parser.add_argument("--workdir", type=Path, help="keep data and stores here (default: a temporary dir)")
    parser.add_argument("--smoke", action="store_true", help="tiny data, two rounds: does it all run?")
    args = parser.parse_args()
    if args.smoke:
        args.triples, args.rounds = 5_000, 2
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    with tempfile.TemporaryDirectory(prefix="stancegraph-interleaved-") as temporary:
        workdir = args.workdir or Path(temporary)
        workdir.mkdir(parents=True, exist_ok=True)
        print(f"{os.cpu_count()} cores; {load_average()}")
        data = make_data(workdir, args.triples, seed=0)
        load_both(data, workdir)
        contestants = [*(c for name in PEERS for c in CONTESTANTS if c.name == name), ROW_LIMITED]
        queries = {path.stem: path.read_text(encoding="utf-8") for path in sorted(QUERY_DIR.glob("*.rq"))}
        queries["ask"] = ASK
        with ExitStack() as servers_running:
            servers = [
                servers_running.enter_context(running(contestant, workdir, startup_seconds=900))
                for contestant in contestants
            ]
            latencies = interleave(servers, queries, args.rounds)
        print(f"{load_average()}; {args.rounds} rounds")
        print_table([server.name for server in servers], queries, latencies)


def interleave(
    servers: list[Server], queries: dict[str, str], rounds: int
) -> dict[tuple[str, str], list[float]]:
    """Each query's latencies on each server, sent in turns: every query to every server, ``rounds`` times."""
    latencies: dict[tuple[str, str], list[float]] = {}
    with httpx.Client(timeout=120) as client:
        plans = {
            (server.name, name): Request(
                name,
                server.sparql_url,
                query=query,
                accept=GRAPH_RESULTS if name.startswith("describe") else SELECT_RESULTS,
            )
            for server in servers
            for name, query in queries.items()
        }
        for key, request in plans.items():
            error, answer = warm_up(request, client)
            if error:
                raise SystemExit(f"{key}: {error}")
            print(f"  {key[0]}: {key[1]} answers {answer}")
            latencies[key] = []
        for _ in range(rounds):
            for name in queries:
                for server in servers:
                    request = plans[(server.name, name)]
                    start = time.perf_counter()
                    response = request.send(client)
                    response.read()
                    latencies[(server.name, name)].append(time.perf_counter() - start)
                    assert response.status_code == 200, response.text[:200]
    return latencies


def print_table(
    names: list[str], queries: dict[str, str], latencies: dict[tuple[str, str], list[float]]
) -> None:
    """Median ms (p90) per query and server, each server after the first with its ratio of medians to it."""
    print(f"{'query':<16} " + " ".join(f"{name + ' ms':>32}" for name in names))
    for query in queries:
        times = [sorted(latencies[(name, query)]) for name in names]
        cells = []
        for values in times:
            median = statistics.median(values)
            cell = f"{median * 1000:.1f} (p90 {values[int(0.9 * (len(values) - 1))] * 1000:.1f})"
            if values is not times[0]:
                cell += f" {median / statistics.median(times[0]):.2f}x"
            cells.append(f"{cell:>32}")
        print(f"{query:<16} " + " ".join(cells))


if __name__ == "__main__":
    main()
