"""wrk as the throughput scenario's load generator: the same request, from a C event loop.

The Python clients cost most of a core on a two-core machine, so on fast
answers they measured themselves; wrk (``apt-get install wrk``) spends a few
microseconds a request. One wrk process runs per contestant, request and
concurrency level: ``-c`` connections (one per client) on at most one thread
per core, for the whole ``budget`` (whole seconds: wrk takes no fraction).
The request is the one httpx would send (:meth:`Request.build`: method, URL,
every header, the form-encoded body), so both generators ask the same thing.

``wrk.lua`` counts answers by status and pauses after a 503 as the Python
clients do. wrk keeps a single latency histogram for every answer, so p50 and
p99 cover 503s and 504s as well (:class:`~benchmarks.measure.Summary`); the
tables flag the rows where there were any. wrk stops at the end of its window
with requests in flight, so :func:`~benchmarks.throughput.concurrent` then
waits for the server to finish them.
"""

from __future__ import annotations

import math
import os
import resource
import shutil
import subprocess
import time
from pathlib import Path

import httpx

from benchmarks.measure import Request, Summary
from benchmarks.throughput import REFUSED_PAUSE, Load, Meter, Outcome

SCRIPT = Path(__file__).resolve().with_name("wrk.lua")
MARK = "@bench "  # the lines wrk.lua prints from done()
# set by wrk itself: Host from the URL, Content-Length from the body
SET_BY_WRK = frozenset({"host", "content-length"})


def installed() -> str | None:
    """The path of wrk, or None."""
    return shutil.which("wrk")


def version(program: str) -> str:
    """``4.1.0`` from wrk's banner (``wrk debian/4.1.0-3+b2 [epoll] Copyright ...``)."""
    banner = subprocess.run([program, "-v"], capture_output=True, text=True, check=False).stdout
    words = banner.split()
    return words[1].split("/")[-1].split("-")[0] if len(words) > 1 else "unknown version"


def threads_for(clients: int, cores: int) -> int:
    """The most threads, up to one per core, that share ``clients`` evenly (wrk drops a remainder)."""
    return max(t for t in range(1, min(clients, cores) + 1) if clients % t == 0)


class Wrk:
    """Runs wrk on one request at a time; each run lasts ``budget`` seconds, each request at most ``timeout``."""

    abandons_requests = True

    def __init__(self, program: str, *, budget: float, timeout: float) -> None:
        self.program = program
        self.seconds = max(1, round(budget))
        self.timeout = max(1, math.ceil(timeout))
        self.cores = os.cpu_count() or 1
        self.description = (
            f"wrk {version(program)} (one connection per client, up to {self.cores} threads,"
            f" {self.seconds} s a run)"
        )

    def command(self, request: Request, clients: int) -> list[str]:
        """The wrk command line that sends ``request`` as httpx would, from ``clients`` connections."""
        with httpx.Client() as client:
            built = request.build(client)
        headers = [f"{name}: {value}" for name, value in built.headers.items() if name not in SET_BY_WRK]
        return [
            self.program,
            f"--connections={clients}",
            f"--threads={threads_for(clients, self.cores)}",
            f"--duration={self.seconds}s",
            f"--timeout={self.timeout}s",
            f"--script={SCRIPT}",
            *(f"--header={header}" for header in headers),
            str(built.url),
            "--",
            built.method,
            built.content.decode("ascii"),  # form-encoded: ASCII
            f"{REFUSED_PAUSE * 1000:.0f}",
        ]

    def load(self, request: Request, *, clients: int, meter: Meter | None = None) -> Load:
        """Run wrk; its CPU is what the benchmark's reaped children used meanwhile (wrk is the only one)."""
        command = self.command(request, clients)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        before = meter() if meter else ()
        start = time.monotonic()
        done = subprocess.run(
            command, capture_output=True, text=True, check=False, timeout=self.seconds + self.timeout + 30
        )
        usage = tuple(end - begin for end, begin in zip(meter(), before, strict=True)) if meter else ()
        wall = time.monotonic() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - children.ru_utime) + (after.ru_stime - children.ru_stime)
        if done.returncode != 0:
            failure = f"wrk exited with {done.returncode}: {done.stderr.strip()[-200:]}"
            return Load(Outcome(failures=[failure], cpu_seconds=cpu), 0.0, wall, usage)
        results = read_results(done.stdout)
        return Load(outcome(results, cpu), int(results["duration_us"]) / 1e6, wall, usage)


def read_results(stdout: str) -> dict[str, str]:
    """The ``@bench NAME VALUE`` lines ``wrk.lua`` printed, by name (wrk's own report is around them)."""
    results = {}
    for line in stdout.splitlines():
        if line.startswith(MARK):
            name, _, value = line.removeprefix(MARK).partition(" ")
            results[name] = value
    return results


def outcome(results: dict[str, str], cpu_seconds: float) -> Outcome:
    """wrk's results as an outcome like the Python clients'; other statuses and socket errors are failures."""
    count = {name: int(value) for name, value in results.items() if value.isdigit()}
    found = Outcome(
        summary=Summary(
            successes=count["successes"],
            answers=count["answers"],
            median=count["p50_us"] / 1e6,
            p99=count["p99_us"] / 1e6,
        ),
        refused=count["refused"],
        stopped=count["stopped"],
        timed_out=count["errors_timeout"],
        cpu_seconds=cpu_seconds,
    )
    if count["others"]:
        found.failures.append(
            f"{count['others']} answers neither 200, 503 nor 504; the first: {results['first_other']}"
        )
    sockets = {kind: count[f"errors_{kind}"] for kind in ("connect", "read", "write")}
    if any(sockets.values()):
        found.failures.append(
            "socket errors: " + ", ".join(f"{n} {kind}" for kind, n in sockets.items() if n)
        )
    return found
