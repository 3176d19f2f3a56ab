"""Run the whole benchmark: data, loading, then every contestant on the same queries.

    python -m benchmarks.run                    # about one million triples
    python -m benchmarks.run --triples 100000   # smaller
    python -m benchmarks.run --smoke            # tiny data, one iteration, under a minute

It prints the machine, the load times and peak memory, and one table of median
and p99 latencies with each contestant's ratio to `oxigraph serve`. Contestants
run one at a time, so on a small machine they never compete for the cores.
The exit code is 1 if an installed contestant failed to start or answered with
an error; slowness (a timeout) is a result, not a failure.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

import pyoxigraph as ox

if __package__ in (None, ""):  # run as `python benchmarks/run.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.contestants import CONTESTANTS, NotInstalled, Server, StartError, running, wait_until_up
from benchmarks.loading import WAYS, LoadResult, measure, remove_stores
from benchmarks.measure import (
    GRAPH_RESULTS,
    SELECT_RESULTS,
    TIMED_OUT,
    Request,
    Timing,
    concurrent,
    sequential,
)
from graph.synth import write_synthetic
from graph.validation import vocabulary_quads

QUERY_DIR = Path(__file__).resolve().parent / "queries"
BASELINE = "oxigraph serve"
# our JSON API, on the same ids as the SPARQL queries
API_PATHS = {
    "api: actor": "/actors/actor-10",
    "api: clause": "/clauses/clause-42",
    "api: positions (actor, 50)": "/positions?actor=actor-10&limit=50",
    "api: graph": "/graph",
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=1_000_000, help="about how many triples to generate")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--iterations", type=int, default=50, help="timed requests per query and client")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients")
    parser.add_argument("--budget", type=float, default=30.0, help="seconds at most per query and mode")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds at most per request")
    parser.add_argument(
        "--startup", type=float, default=900.0, help="seconds a server may take to load and come up"
    )
    parser.add_argument(
        "--skip", action="append", default=[], choices=[c.name for c in CONTESTANTS], help="leave one out"
    )
    parser.add_argument("--workdir", type=Path, help="keep data and stores here (default: a temporary dir)")
    parser.add_argument("--smoke", action="store_true", help="tiny data and one iteration: does it all run?")
    args = parser.parse_args(argv)
    if args.smoke:
        args.triples, args.iterations, args.budget, args.timeout, args.startup = 5_000, 1, 5.0, 20.0, 30.0
    return args


def machine() -> list[str]:
    """What the numbers were measured on; the machine is shared, so the load average matters too."""
    meminfo = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines())
    memory = f"{int(meminfo['MemTotal'].split()[0]) / 1024**2:.1f} GiB"
    oxigraph = subprocess.run(["oxigraph", "--version"], capture_output=True, text=True, check=False).stdout
    try:
        rdflib_endpoint = metadata.version("rdflib-endpoint")
    except metadata.PackageNotFoundError:
        rdflib_endpoint = "not installed"
    return [
        f"machine: {platform.machine()}, {os.cpu_count()} cores, {memory} memory, {platform.platform()}",
        f"load average: {' '.join(f'{load:.2f}' for load in os.getloadavg())}",
        f"python {platform.python_version()}, pyoxigraph {ox.__version__},"
        f" {oxigraph.strip() or 'oxigraph: none'}, rdflib-endpoint {rdflib_endpoint}",
    ]


def make_data(workdir: Path, triples: int, seed: int) -> Path:
    """The synthetic graph plus the vocabulary, as one N-Triples file every contestant loads."""
    data = workdir / "data.nt"
    drafts = 20 if triples >= 100_000 else 4
    start = time.perf_counter()
    report = write_synthetic(
        data, actors=max(30, triples // 1000), clauses=max(drafts, triples // 100), drafts=drafts, seed=seed
    )
    with data.open("ab") as file:
        ox.serialize((quad.triple for quad in vocabulary_quads()), file, ox.RdfFormat.N_TRIPLES)
    print(
        f"data: {report.triples:,} synthetic triples + {len(vocabulary_quads())} of vocabulary in {data}"
        f" ({report.actors} actors, {report.drafts} drafts, {report.clauses} clauses,"
        f" {report.positions} positions, {report.claims} claims; {time.perf_counter() - start:.1f} s)"
    )
    return data


def requests_for(server: Server) -> list[Request]:
    queries = [
        Request(
            path.stem,
            server.sparql_url,
            query=path.read_text(encoding="utf-8"),
            accept=GRAPH_RESULTS if path.stem.startswith("describe") else SELECT_RESULTS,
        )
        for path in sorted(QUERY_DIR.glob("*.rq"))
    ]
    api = (
        [Request(name, f"{server.api_url}{path}") for name, path in API_PATHS.items()]
        if server.api_url
        else []
    )
    return queries + api


def bench(server: Server, args: argparse.Namespace) -> list[Timing]:
    """Every request, first from one client and then from ``args.clients`` at once."""
    timings = []
    limits = {"iterations": args.iterations, "budget": args.budget, "timeout": args.timeout}
    for request in requests_for(server):
        for timing in (
            sequential(server.name, request, **limits),
            concurrent(server.name, request, clients=args.clients, **limits),
        ):
            timings.append(timing)
            if timing.error == TIMED_OUT:
                # the server may still be computing; wait so the next request is timed on an idle server
                wait_until_up(server, seconds=args.startup)
    return timings


def format_loads(results: list[LoadResult]) -> str:
    lines = [
        f"{'loading ' + format(results[0].triples, ',') + ' triples':<44} {'seconds':>8} {'peak RSS MB':>12}"
    ]
    lines += [f"{r.way:<44} {r.seconds:>8.2f} {r.peak_rss_mb:>12.0f}" for r in results]
    return "\n".join(lines)


def row_start(request: str, mode: str, contestant: str) -> str:
    """The start of a table row: which request, how, on whom."""
    return f"{request:<28} {mode:<11} {contestant:<20}"


def format_table(timings: list[Timing]) -> str:
    """Median, p99 and the ratio of medians to oxigraph serve on the same request and mode."""
    baseline = {(t.request, t.mode): t.median for t in timings if t.contestant == BASELINE and t.latencies}
    columns = f"{'median ms':>10} {'p99 ms':>9} {'ratio':>7} {'n':>4}  answer"
    header = f"{row_start('request', 'mode', 'contestant')} {columns}"
    lines = [header, "-" * len(header)]
    for t in sorted(timings, key=lambda t: (t.request.startswith("api"), t.request, t.mode != "sequential")):
        if not t.latencies:
            lines.append(
                f"{row_start(t.request, t.mode, t.contestant)} {'-':>10} {'-':>9} {'-':>7} {0:>4}  {t.error}"
            )
            continue
        base = baseline.get((t.request, t.mode))
        ratio = f"{t.median / base:.2f}" if base else "-"
        answer = t.note + (f" ({t.error})" if t.error else "")
        lines.append(
            f"{row_start(t.request, t.mode, t.contestant)} {t.median * 1000:>10.1f} {t.p99 * 1000:>9.1f}"
            f" {ratio:>7} {len(t.latencies):>4}  {answer}"
        )
    return "\n".join(lines)


def different_answers(timings: list[Timing]) -> list[str]:
    """SELECT answers whose row count differs from oxigraph's: a fast wrong answer is no win."""
    expected = {t.request: t.note for t in timings if t.contestant == BASELINE and t.note.endswith("rows")}
    return [
        f"{t.contestant} / {t.request}: {t.note}, oxigraph serve gave {expected[t.request]}"
        for t in timings
        if t.request in expected and t.note and t.note != expected[t.request]
    ]


def run(args: argparse.Namespace, workdir: Path) -> int:
    print("\n".join(machine()))
    data = make_data(workdir, args.triples, args.seed)
    remove_stores(workdir)
    loads = [measure(way, data, workdir, timeout=args.startup) for way in WAYS]
    print(format_loads(loads))
    timings: list[Timing] = []
    problems: list[str] = []
    for contestant in CONTESTANTS:
        if contestant.name in args.skip:
            print(f"skipped {contestant.name}: --skip")
            continue
        try:
            contestant.available()
        except NotInstalled as reason:
            print(f"skipped {contestant.name}: {reason}")
            continue
        start = time.perf_counter()
        try:
            with running(contestant, workdir, startup_seconds=args.startup) as server:
                print(f"{contestant.name}: up in {time.perf_counter() - start:.1f} s, benchmarking")
                timings += bench(server, args)
        except StartError as error:
            problems.append(f"{contestant.name} did not start: {error}")
    print(format_table(timings))
    problems += [f"{t.contestant} / {t.request} / {t.mode}: {t.error}" for t in timings if t.failed]
    problems += different_answers(timings)
    for problem in problems:
        print(f"ERROR {problem}")
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # progress shows in a log file too
    if args.workdir is not None:
        args.workdir.mkdir(parents=True, exist_ok=True)
        return run(args, args.workdir)
    with tempfile.TemporaryDirectory(prefix="stancegraph-bench-") as tmp:
        return run(args, Path(tmp))


if __name__ == "__main__":
    sys.exit(main())
