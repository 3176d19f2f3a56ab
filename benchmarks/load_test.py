"""A bounded load test: a mix of /api and /sparql reads at a steady rate, for a fixed time and request count.

Requests are scheduled at ``rate`` per second (open loop: a slow server does
not slow the schedule down, so queueing shows up in the latencies) and sent
by a fixed number of client threads. The run stops by itself at ``duration``
seconds or ``max_requests`` requests, whichever comes first.

    python -m benchmarks.load_test                       # starts the service on the bundled data, 60 s
    python -m benchmarks.load_test --url http://127.0.0.1:8000 --duration 10 --rate 100
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import threading
import time
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from queue import Queue

import httpx

PREFIXES = "PREFIX sg: <https://w3id.org/stancegraph/ns#> PREFIX id: <https://w3id.org/stancegraph/id/> "
#: (method, path, params): what a dashboard and a notebook ask, in equal parts.
MIX: tuple[tuple[str, dict[str, str]], ...] = (
    ("/api/stats", {}),
    ("/api/actors", {"limit": "20"}),
    ("/api/positions", {"clause": "plan-28-amnesty"}),
    ("/api/clauses/plan-28-amnesty", {}),
    ("/api/graph", {}),
    ("/sparql", {"query": PREFIXES + "SELECT ?actor WHERE { ?actor sg:opposes id:plan-28-amnesty }"}),
    ("/sparql", {"query": PREFIXES + "SELECT ?p ?o WHERE { id:europe ?p ?o }"}),
    ("/sparql", {"query": PREFIXES + "ASK { id:us sg:supports ?clause }"}),
    ("/sparql", {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}),
)


@dataclass
class LoadReport:
    """What a run did: counts, wall time and latencies (seconds) of the successful requests."""

    duration: float
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return len(self.latencies) + len(self.errors)

    @property
    def throughput(self) -> float:
        return self.requests / self.duration if self.duration else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]

    def summary(self) -> str:
        median = statistics.median(self.latencies) if self.latencies else float("nan")
        return (
            f"{self.requests} requests in {self.duration:.1f} s: {self.throughput:.1f} req/s, "
            f"p50 {median * 1000:.1f} ms, p99 {self.percentile(99) * 1000:.1f} ms, {len(self.errors)} errors"
        )


def run(
    base_url: str,
    *,
    duration: float = 60.0,
    rate: float = 50.0,
    max_requests: int = 10_000,
    clients: int = 8,
    mix: Sequence[tuple[str, dict[str, str]]] = MIX,
) -> LoadReport:
    """Send the mix at ``rate`` requests per second until ``duration`` or ``max_requests``; report."""
    tickets: Queue[tuple[float, str, dict[str, str]] | None] = Queue()
    report = LoadReport(duration=0.0)
    lock = threading.Lock()

    def client() -> None:
        with httpx.Client(base_url=base_url, timeout=30) as http:
            while (ticket := tickets.get()) is not None:
                scheduled, path, params = ticket
                try:
                    response = http.get(path, params=params)
                    ok = response.status_code == 200
                    problem = f"{path}: {response.status_code} {response.text[:200]}"
                except httpx.HTTPError as error:
                    ok, problem = False, f"{path}: {type(error).__name__} {error}"
                with lock:  # latency from the scheduled time: waiting for a free client counts
                    if ok:
                        report.latencies.append(time.monotonic() - scheduled)
                    else:
                        report.errors.append(problem)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    started = time.monotonic()
    for index, (path, params) in zip(range(max_requests), itertools.cycle(mix), strict=False):
        scheduled = started + index / rate
        if scheduled - started >= duration:
            break
        time.sleep(max(0.0, scheduled - time.monotonic()))
        tickets.put((scheduled, path, params))
    for _ in threads:
        tickets.put(None)
    for thread in threads:
        thread.join(timeout=60)
    report.duration = time.monotonic() - started
    return report


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", help="a running service (default: start one on the bundled data)")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds (default 60)")
    parser.add_argument("--rate", type=float, default=50.0, help="requests per second (default 50)")
    parser.add_argument(
        "--max-requests", type=int, default=10_000, help="stop after this many (default 10000)"
    )
    parser.add_argument("--clients", type=int, default=8, help="client threads (default 8)")
    options = parser.parse_args(argv)
    with ExitStack() as stack:
        url = options.url
        if url is None:
            from stancegraph.api.server import running
            from stancegraph.api.settings import Settings

            url = stack.enter_context(running(Settings(port=0)))
        report = run(
            url,
            duration=options.duration,
            rate=options.rate,
            max_requests=options.max_requests,
            clients=options.clients,
        )
    print(report.summary())
    for error in report.errors[:10]:
        print("  error:", error)
    raise SystemExit(1 if report.errors else 0)


if __name__ == "__main__":
    main()
