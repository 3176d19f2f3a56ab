"""The throughput scenario: a load generator keeps ``clients`` connections busy on one request.

Two generators share this shape. wrk (:mod:`benchmarks.wrk`), a C event loop
that spends microseconds per request, is used when it is installed. The
fallback, Python httpx clients in threads over a few processes
(:mod:`benchmarks.clients`), spends close to a core of a small machine
itself: for answers of a millisecond or less the clients, not the server, set
the pace, and their GIL scheduling makes the tail. Either returns a
:class:`Load`, which :func:`concurrent` turns into the table row, with the CPU
the server, the generator and everything else on the machine used.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import httpx

from benchmarks.measure import TIMED_OUT, Request, Summary, Timing, warm_up
from benchmarks.procfs import cpu_seconds, machine_busy_seconds, wait_until_idle

Meter = Callable[[], tuple[float, ...]]  # counters (CPU seconds) read at the start and at the end
# seconds a client waits after a 503 before its next request: refusals are counted, not a busy loop
REFUSED_PAUSE = 0.1


@dataclass
class Outcome:
    """What the clients saw, and the CPU they used."""

    latencies: list[float] = field(default_factory=list)  # each 200 answer's, seconds (Python clients)
    summary: Summary | None = None  # wrk's counts and percentiles, instead of latencies
    refused: int = 0  # 503: the server's queue was full
    stopped: int = 0  # 504: the server's query deadline
    timed_out: int = 0  # no answer within the client's timeout
    failures: list[str] = field(default_factory=list)  # anything else
    last_answer: float = 0.0  # time.monotonic() of the last response (Python clients)
    cpu_seconds: float = 0.0  # the clients' CPU time from the start

    def merge(self, other: Outcome) -> None:
        """Add another process's clients (the Python clients run in several)."""
        self.latencies += other.latencies
        self.refused += other.refused
        self.stopped += other.stopped
        self.timed_out += other.timed_out
        self.failures += other.failures
        self.last_answer = max(self.last_answer, other.last_answer)
        self.cpu_seconds += other.cpu_seconds


@dataclass
class Load:
    """A concurrent run's result, whichever generator sent it."""

    outcome: Outcome
    elapsed: float  # the window the answers are counted over
    wall: float  # from the start until the generator had reported: what CPU time is divided by
    usage: tuple[float, ...] = ()  # what the meter read over ``wall`` (end minus start)

    @property
    def error(self) -> str | None:
        if self.outcome.failures:
            return self.outcome.failures[0]
        return TIMED_OUT if self.outcome.timed_out else None


class LoadGenerator(Protocol):
    """Keeps ``clients`` connections sending one request, closed loop, within limits it was given."""

    @property
    def description(self) -> str:
        """For the report: which generator, and how it was set up."""
        ...

    @property
    def abandons_requests(self) -> bool:
        """It drops the requests in flight when its window closes, which the server may still compute."""
        ...

    def load(self, request: Request, *, clients: int, meter: Meter | None = None) -> Load:
        """Run the clients; ``meter`` is read at the start and once the generator has reported."""
        ...


def concurrent(
    generator: LoadGenerator,
    contestant: str,
    request: Request,
    *,
    clients: int,
    timeout: float,
    server_pid: int | None = None,
    note: str | None = None,
) -> Timing:
    """``clients`` concurrent clients on ``request``: latencies, throughput, refusals, CPU used.

    ``note``: what the request answered on a warm-up already done (else one is
    done here). After a generator that abandons its last requests, waits until
    the server is idle, so that their work does not slow the next run.
    """
    timing = Timing(contestant, request.name, f"{clients} clients", clients=clients)
    if note is None:
        with httpx.Client(timeout=timeout) as client:
            timing.error, note = warm_up(request, client)
    timing.note = note
    if timing.error is not None:
        return timing

    def meter() -> tuple[float, ...]:
        return (machine_busy_seconds(), *(cpu_seconds(server_pid) if server_pid else ()))

    load = generator.load(request, clients=clients, meter=meter)
    if generator.abandons_requests and server_pid:
        wait_until_idle(server_pid, seconds=timeout, window=0.2)
    timing.latencies, timing.summary = load.outcome.latencies, load.outcome.summary
    timing.elapsed = load.elapsed
    timing.refused, timing.stopped = load.outcome.refused, load.outcome.stopped
    timing.error = load.error
    if load.wall > 0:
        timing.client_cores = load.outcome.cpu_seconds / load.wall
        if server_pid:
            machine, tree, main = (used / load.wall for used in load.usage)
            timing.server_cores, timing.server_main_cores = tree, main
            timing.other_cores = max(0.0, machine - tree - timing.client_cores)
    return timing
