"""Timing HTTP requests, bounded in count and in time (concurrent clients: :mod:`benchmarks.throughput`).

Every request is checked (HTTP 200) on a warm-up call before it is timed, so a
contestant that answers fast with an error cannot win.
"""

from __future__ import annotations

import math
import statistics
import time
from dataclasses import dataclass, field

import httpx

SELECT_RESULTS = "application/sparql-results+json"
GRAPH_RESULTS = "text/turtle"
TIMED_OUT = "timed out"
DEADLINE = "HTTP 504"  # the server stopped the query at its own deadline: slow, not wrong
SKIPPED = "skipped"  # not run, for a reason given after this word (the sequential run said why)


@dataclass(frozen=True)
class Request:
    """One benchmarked request: a SPARQL query (POSTed as a form) or a GET of our JSON API."""

    name: str
    url: str
    query: str | None = None
    accept: str = "application/json"

    def build(self, client: httpx.Client) -> httpx.Request:
        """The request exactly as ``client`` sends it (method, URL, every header, body), for wrk to repeat."""
        headers = {"Accept": self.accept}
        if self.query is None:
            return client.build_request("GET", self.url, headers=headers)
        # The SPARQL servers we measure against never compress: all of them send the same bytes.
        headers["Accept-Encoding"] = "identity"
        return client.build_request("POST", self.url, data={"query": self.query}, headers=headers)

    def send(self, client: httpx.Client) -> httpx.Response:
        return client.send(self.build(client))


@dataclass(frozen=True)
class Summary:
    """What wrk reports instead of each latency: its answers counted by status, its own percentiles.

    wrk keeps one latency histogram for every answer, whatever its status, so
    ``median`` and ``p99`` are over ``answers`` (503s and 504s included), and
    throughput counts only the ``successes``.
    """

    successes: int  # 200 answers
    answers: int  # answers of any status, which the percentiles are over
    median: float  # seconds
    p99: float


@dataclass
class Timing:
    """Latencies of one request on one contestant in one mode, or why there are none.

    Concurrent modes also have ``elapsed`` (the window the answers are
    counted over, so ``throughput`` is answers per second with every client
    busy), the answers the server refused (503) or stopped at its deadline
    (504), and the CPU the server's process tree, the clients and the rest of
    the machine used meanwhile, in cores. A run by wrk has a ``summary``
    instead of ``latencies``.
    """

    contestant: str
    request: str
    mode: str
    latencies: list[float] = field(default_factory=list)  # each 200 answer's, seconds
    summary: Summary | None = None
    error: str | None = None
    note: str = ""
    clients: int = 1
    elapsed: float | None = None
    refused: int = 0
    stopped: int = 0
    server_cores: float | None = None
    server_main_cores: float | None = None  # of which the server's own process (not its workers)
    client_cores: float | None = None
    other_cores: float | None = None  # everything else on the machine meanwhile

    @property
    def successes(self) -> int:
        """200 answers: what ``throughput`` counts and the tables' ``n``."""
        return len(self.latencies) if self.summary is None else self.summary.successes

    @property
    def tail_covers_errors(self) -> bool:
        """The percentiles time 503s or 504s too (wrk's do, when there were any), not only 200s."""
        return self.summary is not None and self.summary.answers > self.summary.successes

    @property
    def throughput(self) -> float | None:
        """Successful answers per second over the whole concurrent run (``None`` when sequential)."""
        if self.elapsed is None or self.elapsed <= 0:
            return None
        return self.successes / self.elapsed

    @property
    def failed(self) -> bool:
        """An error other than slowness: the contestant answered wrongly or not at all."""
        return self.error is not None and not self.error.startswith((TIMED_OUT, DEADLINE, SKIPPED))

    @property
    def median(self) -> float:
        return statistics.median(self.latencies) if self.summary is None else self.summary.median

    @property
    def p99(self) -> float:
        """Nearest-rank 99th percentile (with fewer than 100 samples, the slowest); wrk's is nearest-rank too."""
        if self.summary is not None:
            return self.summary.p99
        ordered = sorted(self.latencies)
        return ordered[math.ceil(0.99 * len(ordered)) - 1]


def describe_answer(request: Request, response: httpx.Response) -> str:
    """What came back, to compare contestants: rows for SELECT, the boolean for ASK, bytes and media type otherwise."""
    media_type = response.headers.get("content-type", "").split(";")[0].strip()
    if request.accept == SELECT_RESULTS and media_type == SELECT_RESULTS:
        answer = response.json()
        return f"{answer['boolean']}" if "boolean" in answer else f"{len(answer['results']['bindings'])} rows"
    served = "" if media_type == request.accept else f" as {media_type or 'no media type'}"
    return f"{len(response.content)} bytes{served}"


def warm_up(request: Request, client: httpx.Client) -> tuple[str | None, str]:
    """One untimed call: (an error, or None; what came back)."""
    try:
        response = request.send(client)
    except httpx.TimeoutException:
        return TIMED_OUT, ""
    except httpx.HTTPError as error:
        return f"request failed: {error}", ""
    if response.status_code != 200:
        return f"HTTP {response.status_code}: {response.text.strip()[:120]}", ""
    return None, describe_answer(request, response)


def _timed_calls(
    request: Request, client: httpx.Client, count: int, deadline: float, latencies: list[float]
) -> str | None:
    """Up to ``count`` calls before ``deadline``, appending each latency; the first error stops it."""
    for _ in range(count):
        if time.monotonic() >= deadline:
            return None
        start = time.perf_counter()
        try:
            response = request.send(client)
            response.read()
        except httpx.TimeoutException:
            return TIMED_OUT
        except httpx.HTTPError as error:
            return f"request failed: {error}"
        if response.status_code != 200:
            return f"HTTP {response.status_code}"
        latencies.append(time.perf_counter() - start)
    return None


def sequential(
    contestant: str, request: Request, *, iterations: int, budget: float, timeout: float
) -> Timing:
    """One client, one request after another: latency without contention.

    A request whose warm-up alone takes longer than ``budget`` is not repeated:
    its warm-up is its one sample, and the note says so.
    """
    timing = Timing(contestant, request.name, "sequential")
    with httpx.Client(timeout=timeout) as client:
        start = time.perf_counter()
        timing.error, timing.note = warm_up(request, client)
        took = time.perf_counter() - start
        if timing.error is None and took >= budget:
            timing.latencies.append(took)
            timing.note += " (one run, the warm-up: slower than the budget)"
        elif timing.error is None:
            timing.error = _timed_calls(
                request, client, iterations, time.monotonic() + budget, timing.latencies
            )
    return timing
