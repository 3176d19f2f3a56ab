"""`/sparql` on a store `stancegraph load` wrote against `oxigraph serve` on `oxigraph load`'s, request by request.

    python -m benchmarks.interleaved                       # about 250k triples, 40 rounds
    python -m benchmarks.interleaved --triples 1000000 --rounds 20

One data file (``benchmarks.run.make_data``: the synthetic graph as stancegraph
stores it, so both hold the same quads) is loaded by ``stancegraph load --store``
(validated) and by ``oxigraph load``; ``stancegraph serve`` (answer cache off,
worker processes, as deployed) and ``oxigraph serve --union-default-graph`` then
serve them side by side. Each round sends every query of ``benchmarks/queries/``
once to each server in turn, so what else a shared machine does touches both
alike; it prints each query's median and p90 and the ratio of medians.
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
from pathlib import Path

import httpx

from benchmarks.contestants import CONTESTANTS, running
from benchmarks.loading import OXIGRAPH_STORE, STANCEGRAPH_STORE
from benchmarks.measure import GRAPH_RESULTS, SELECT_RESULTS, Request, warm_up
from benchmarks.run import QUERY_DIR, load_average, make_data

PEERS = ("oxigraph serve", "stancegraph")  # the peer first; "stancegraph" is ours with the cache off


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
        contestants = [c for name in PEERS for c in CONTESTANTS if c.name == name]
        with (
            running(contestants[0], workdir, startup_seconds=900) as peer,
            running(contestants[1], workdir, startup_seconds=900) as ours,
        ):
            servers = [peer, ours]
            queries = sorted(QUERY_DIR.glob("*.rq"))
            latencies: dict[tuple[str, str], list[float]] = {}
            with httpx.Client(timeout=120) as client:
                plans = {
                    (server.name, path.stem): Request(
                        path.stem,
                        server.sparql_url,
                        query=path.read_text(encoding="utf-8"),
                        accept=GRAPH_RESULTS if path.stem.startswith("describe") else SELECT_RESULTS,
                    )
                    for server in servers
                    for path in queries
                }
                for key, request in plans.items():
                    error, answer = warm_up(request, client)
                    if error:
                        raise SystemExit(f"{key}: {error}")
                    print(f"  {key[0]}: {key[1]} answers {answer}")
                    latencies[key] = []
                for _ in range(args.rounds):
                    for path in queries:
                        for server in servers:
                            request = plans[(server.name, path.stem)]
                            start = time.perf_counter()
                            response = request.send(client)
                            response.read()
                            latencies[(server.name, path.stem)].append(time.perf_counter() - start)
                            assert response.status_code == 200, response.text[:200]
        print(f"{load_average()}; {args.rounds} rounds")
        print(f"{'query':<18} {'oxigraph serve ms':>18} {'stancegraph ms':>15} {'ratio':>6}")
        for path in queries:
            theirs, mine = (sorted(latencies[(server.name, path.stem)]) for server in servers)
            median = statistics.median(mine) / statistics.median(theirs)
            p90 = lambda values: values[int(0.9 * (len(values) - 1))]  # noqa: E731
            print(
                f"{path.stem:<18} {statistics.median(theirs) * 1000:>8.1f} (p90 {p90(theirs) * 1000:>6.1f})"
                f" {statistics.median(mine) * 1000:>6.1f} (p90 {p90(mine) * 1000:>6.1f}) {median:>6.2f}x"
            )


if __name__ == "__main__":
    main()
