"""Run the whole benchmark: data, loading, then every contestant on the same queries.

    python -m benchmarks.run                    # about one million triples
    python -m benchmarks.run --triples 100000   # smaller
    python -m benchmarks.run --clients 8,32,64  # concurrency levels (default 8,32)
    python -m benchmarks.run --smoke            # tiny data, one iteration, a few minutes
    python -m benchmarks.run --load-generator python   # Python clients even where wrk is installed

It prints the machine, the load times and peak memory, then tables, each
contestant measured against `oxigraph serve` in the same run: median and p99
latencies, sequential and at each concurrency level; throughput with every
client busy (requests per second, p50, p99, p99/p50; the clients are wrk's
where it is installed, see benchmarks.throughput); a repeated query against
the cache; the worker-process executor against the thread executor; and a
streamed million rows (time to first byte, total time, the server's memory
growth on a first and on a second, warm, stream). All contestants are up at once, but only one is sent requests at a
time, and they take turns on each request and mode, so that what else a
shared machine is doing touches them alike; each concurrent row also says
how much CPU the server, the clients (in processes of their own) and
everything else on the machine used. The exit code is 1 if an
installed contestant failed to start or answered with an error; slowness (a
timeout) and refusing work when full (a 503) are results, not failures.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from importlib import metadata
from pathlib import Path

import pyoxigraph as ox

if __package__ in (None, ""):  # run as `python benchmarks/run.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import wrk
from benchmarks.clients import ClientPool
from benchmarks.contestants import (
    CONTESTANTS,
    Contestant,
    NotInstalled,
    Server,
    StartError,
    running,
    wait_until_up,
)
from benchmarks.loading import WAYS, measure, remove_stores
from benchmarks.measure import GRAPH_RESULTS, SELECT_RESULTS, SKIPPED, TIMED_OUT, Request, Timing, sequential
from benchmarks.procfs import wait_until_idle
from benchmarks.report import (
    BASELINE,
    different_answers,
    format_executors,
    format_loads,
    format_repeats,
    format_streams,
    format_table,
    format_throughput,
    row_start,
    stream_problems,
)
from benchmarks.stream import StreamResult, stream
from benchmarks.throughput import LoadGenerator, concurrent
from stancegraph.graph.loading import scratch_store
from stancegraph.graph.sources import vocabulary_in_graph
from stancegraph.graph.synth import write_synthetic
from stancegraph.graph.validation import vocabulary_quads

QUERY_DIR = Path(__file__).resolve().parent / "queries"
SMOKE_CLIENTS = (2, 4)
__all__ = ["API_PATHS", "BASELINE", "QUERY_DIR", "SMOKE_CLIENTS", "main", "row_start"]
# our JSON API, on the same ids as the SPARQL queries
API_PATHS = {
    "api: actor": "/actors/actor-10",
    "api: clause": "/clauses/clause-42",
    "api: positions (actor, 50)": "/positions?actor=actor-10&limit=50",
    "api: graph": "/graph",
}


def client_levels(text: str) -> tuple[int, ...]:
    """``8,32`` -> (8, 32): the concurrency levels, each run in turn."""
    try:
        levels = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of numbers") from None
    if not levels or min(levels) < 1:
        raise argparse.ArgumentTypeError("give one or more client counts, each at least 1")
    return levels


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=1_000_000, help="about how many triples to generate")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--iterations",
        type=int,
        default=50,
        help="timed requests per query, sequentially (and per client with the python load generator)",
    )
    parser.add_argument(
        "--clients",
        type=client_levels,
        default=(8, 32),
        help="concurrency levels, comma-separated (default 8,32)",
    )
    parser.add_argument(
        "--client-processes",
        type=int,
        default=os.cpu_count() or 2,
        help="with the python load generator: processes the clients are spread over, so the client's GIL"
        " is not the limit (default: one per core)",
    )
    parser.add_argument(
        "--load-generator",
        choices=("auto", "wrk", "python"),
        default="auto",
        help="what keeps the concurrent clients busy: wrk (C, a few microseconds a request), or Python"
        " httpx clients (most of a core on a small machine); auto: wrk if it is installed",
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=30.0,
        help="seconds at most per query and mode (the window of a concurrent run; wrk runs all of it)",
    )
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds at most per request")
    parser.add_argument(
        "--startup", type=float, default=900.0, help="seconds a server may take to load and come up"
    )
    parser.add_argument(
        "--stream-rows", type=int, default=1_000_000, help="rows of the streamed answer (LIMIT)"
    )
    parser.add_argument(
        "--stream-deadline",
        type=float,
        default=300.0,
        help="if a server's query deadline stops the stream, stream again with the deadline raised to this",
    )
    parser.add_argument(
        "--skip", action="append", default=[], choices=[c.name for c in CONTESTANTS], help="leave one out"
    )
    parser.add_argument("--workdir", type=Path, help="keep data and stores here (default: a temporary dir)")
    parser.add_argument("--smoke", action="store_true", help="tiny data and one iteration: does it all run?")
    args = parser.parse_args(argv)
    if args.smoke:
        args.triples, args.iterations, args.budget, args.timeout, args.startup = 5_000, 1, 1.0, 20.0, 30.0
        args.clients = SMOKE_CLIENTS
    if args.client_processes < 1:
        parser.error("--client-processes must be at least 1")
    if args.load_generator == "wrk" and wrk.installed() is None:
        parser.error("--load-generator wrk: wrk is not installed (apt-get install wrk)")
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
        load_average(),
        f"python {platform.python_version()}, pyoxigraph {ox.__version__},"
        f" {oxigraph.strip() or 'oxigraph: none'}, rdflib-endpoint {rdflib_endpoint}",
    ]


def load_average() -> str:
    """The 1, 5 and 15 minute load averages: other work on a shared machine shows here."""
    return f"load average: {' '.join(f'{load:.2f}' for load in os.getloadavg())}"


def make_data(workdir: Path, triples: int, seed: int) -> Path:
    """The synthetic graph plus the vocabulary, as one N-Quads file every contestant loads.

    N-Quads, and as stancegraph stores them (each truthy edge in the graph of every position behind
    it): every contestant must hold the same quads for their answers to be compared, and oxigraph
    serve reads the union of the graphs, as stancegraph does.
    """
    data = workdir / "data.nq"
    raw = workdir / "synthetic.nq"
    drafts = 20 if triples >= 100_000 else 4
    start = time.perf_counter()
    report = write_synthetic(
        raw, actors=max(30, triples // 1000), clauses=max(drafts, triples // 100), drafts=drafts, seed=seed
    )
    stored = scratch_store([raw])
    stored.extend(vocabulary_in_graph())
    stored.dump(data, format=ox.RdfFormat.N_QUADS)
    raw.unlink()
    print(
        f"data: {report.triples:,} synthetic triples + {len(vocabulary_quads())} of vocabulary in {data},"
        f" {len(stored):,} quads as stored ({report.actors} actors, {report.drafts} drafts,"
        f" {report.clauses} clauses, {report.positions} positions, {report.claims} claims;"
        f" {time.perf_counter() - start:.1f} s)"
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


def _skipped(server: Server, request: Request, clients: int, alone: Timing, budget: float) -> Timing | None:
    """A concurrency level not run, because the request failed alone or alone takes the whole budget."""
    if alone.error is None and alone.median < budget:
        return None
    why = alone.error or "one request alone takes longer than the budget"
    return Timing(server.name, request.name, f"{clients} clients", error=f"{SKIPPED}: {why}", clients=clients)


def settle(server: Server, args: argparse.Namespace) -> None:
    """After a timeout the server may still be computing: wait until it answers and is idle again."""
    wait_until_up(server, seconds=args.startup)
    if server.pid is None:
        return
    waited = wait_until_idle(server.pid, seconds=args.startup)
    if waited is None or waited > 1:
        took = "still busy after" if waited is None else "idle again after"
        print(f"  {server.name}: {took} {waited or args.startup:.0f} s")


def load_generator(args: argparse.Namespace, stack: ExitStack) -> LoadGenerator:
    """wrk where it is installed (unless told otherwise), else Python clients in processes of their own."""
    program = wrk.installed() if args.load_generator != "python" else None
    if program is not None:
        return wrk.Wrk(program, budget=args.budget, timeout=args.timeout)
    pool = ClientPool(
        args.client_processes, iterations=args.iterations, budget=args.budget, timeout=args.timeout
    )
    return stack.enter_context(pool)


def bench(servers: list[Server], args: argparse.Namespace, generator: LoadGenerator) -> list[Timing]:
    """Every request on every server, first from one client and then at each concurrency level.

    The servers take turns on each request and mode, so that a change in what
    else the machine is doing touches every contestant alike.
    """
    timings = []
    plans = {server.name: {request.name: request for request in requests_for(server)} for server in servers}
    names = list(dict.fromkeys(name for plan in plans.values() for name in plan))
    for name in names:
        ours = [(server, plans[server.name][name]) for server in servers if name in plans[server.name]]
        alone: dict[str, Timing] = {}
        for server, request in ours:
            alone[server.name] = sequential(
                server.name, request, iterations=args.iterations, budget=args.budget, timeout=args.timeout
            )
            if alone[server.name].error == TIMED_OUT:
                settle(server, args)
        done = list(alone.values())
        for clients in args.clients:
            for server, request in ours:
                skipped = _skipped(server, request, clients, alone[server.name], args.budget)
                if skipped is not None:
                    done.append(skipped)
                    continue
                done.append(
                    concurrent(
                        generator,
                        server.name,
                        request,
                        clients=clients,
                        timeout=args.timeout,
                        server_pid=server.pid,
                        note=alone[server.name].note,
                    )
                )
                if done[-1].error == TIMED_OUT:
                    settle(server, args)
        timings += done
        print(f"{name} ({load_average()}):")
        for server, _ in ours:
            mine = [timing for timing in done if timing.contestant == server.name]
            print(f"  {server.name}: " + ", ".join(progress(timing) for timing in mine))
    return timings


def progress(timing: Timing) -> str:
    text = timing.mode
    if timing.successes:
        text += f" {timing.median * 1000:.1f} ms"
        if timing.throughput is not None:
            text += f" {timing.throughput:.1f}/s"
    elif timing.error is None:
        text += " no answer"
    if timing.error:
        text += f" {timing.error[:100]}"
    for count, what in ((timing.refused, "refused"), (timing.stopped, "stopped at the deadline")):
        if count:
            text += f" ({count} {what})"
    return text


@contextmanager
def started(
    contestant: Contestant,
    args: argparse.Namespace,
    workdir: Path,
    *,
    env: dict[str, str] | None = None,
    log_suffix: str = "",
) -> Iterator[Server]:
    """The contestant, running; says how long it took to come up and how busy the machine is."""
    start = time.perf_counter()
    with running(contestant, workdir, startup_seconds=args.startup, env=env, log_suffix=log_suffix) as server:
        print(f"{contestant.name}: up in {time.perf_counter() - start:.1f} s ({load_average()})")
        yield server


def start_all(
    args: argparse.Namespace, workdir: Path, stack: ExitStack, problems: list[str]
) -> list[tuple[Contestant, Server]]:
    """Every contestant not skipped, running side by side (idle but for the one being measured)."""
    servers = []
    for contestant in CONTESTANTS:
        if contestant.name in args.skip:
            print(f"skipped {contestant.name}: --skip")
            continue
        try:
            contestant.available()
        except NotInstalled as reason:
            print(f"skipped {contestant.name}: {reason}")
            continue
        if contestant.prepare is not None:
            contestant.prepare(workdir)
        try:
            servers.append((contestant, stack.enter_context(started(contestant, args, workdir))))
        except StartError as error:
            problems.append(f"{contestant.name} did not start: {error}")
    return servers


def cold_and_warm(
    server: Server, args: argparse.Namespace, *, note: str = "", deadline: bool
) -> StreamResult:
    """The stream, then the same again (its ``warm``), each once the server is idle.

    Settling between them also lets a worker killed at the deadline be
    replaced before the second starts, so its start is not counted as growth.
    """
    settle(server, args)
    cold = stream(server, args.stream_rows, timeout=args.timeout, note=note, deadline=deadline)
    settle(server, args)
    cold.warm = stream(server, args.stream_rows, timeout=args.timeout, note=note, deadline=deadline)
    return cold


def stream_all(
    servers: list[tuple[Contestant, Server]], args: argparse.Namespace, workdir: Path
) -> list[StreamResult]:
    """The streamed rows on each server, cold and warm; where its query deadline cut them, again with it raised."""
    results = []
    for contestant, server in servers:
        streamed = cold_and_warm(server, args, deadline=contestant.deadline_setting is not None)
        results.append(streamed)
        print(f"streamed rows, {contestant.name}: {streamed.error or 'complete'} ({load_average()})")
        if contestant.deadline_setting and streamed.cut_short:
            # the deadline stopped it: measure the stream itself on a server that lets it finish
            note = f"{contestant.deadline_setting}={args.stream_deadline:g}"
            deadline = {contestant.deadline_setting: f"{args.stream_deadline:g}"}
            with started(contestant, args, workdir, env=deadline, log_suffix=" stream") as again:
                results.append(cold_and_warm(again, args, note=note, deadline=True))
            print(f"streamed rows, {contestant.name} ({note}): {results[-1].error or 'complete'}")
    return results


def run(args: argparse.Namespace, workdir: Path) -> int:
    print("\n".join(machine()))
    data = make_data(workdir, args.triples, args.seed)
    remove_stores(workdir)
    loads = [measure(way, data, workdir, timeout=args.startup) for way in WAYS]
    print(format_loads(loads))
    problems: list[str] = []
    with ExitStack() as stack:
        generator = load_generator(args, stack)
        print(
            f"concurrent clients: {', '.join(map(str, args.clients))}; load generator: {generator.description}"
        )
        servers = start_all(args, workdir, stack, problems)
        timings = bench([server for _, server in servers], args, generator)
        streams = stream_all(servers, args, workdir)
    print()
    print(format_table(timings), end="\n\n")
    print(format_throughput(timings, generator.description), end="\n\n")
    for table in (format_repeats, format_executors):
        print(table(timings), end="\n\n")
    print(format_streams(streams, args.stream_rows), end="\n\n")
    print(f"at the end: {load_average()}")
    problems += [f"{t.contestant} / {t.request} / {t.mode}: {t.error}" for t in timings if t.failed]
    problems += different_answers(timings)
    problems += stream_problems(streams)
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
