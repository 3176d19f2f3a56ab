"""Python HTTP clients for throughput, where wrk is not installed: threads in several processes.

One Python process sending requests from many threads is held back by its
GIL (httpx spends a few hundred microseconds of Python per request), so on a
fast server the client, not the server, would set the pace. The clients are
therefore spread over a few long-lived processes (by default one per core),
each running its share as threads with a connection each. Every client sends
one request after another (closed loop) from a common start time until its
``iterations`` are done or the window closes, then finishes the request it
has in flight; throughput is the successful answers divided by the time from
the start to the last answer. Each process reports the CPU time it used, so
a run can tell whether the clients were the bottleneck.

A ``503`` (the server refusing more work while its queue is full) is counted
and the client pauses briefly before trying again, so refusals are measured
without turning the client into a busy loop; a ``504`` (the server's query
deadline) is counted too; any other failure stops that client.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

import httpx

from benchmarks.measure import Request
from benchmarks.throughput import REFUSED_PAUSE, Load, Meter, Outcome

START_DELAY = 0.02  # seconds between "go" and the common start, so every process has heard it


@dataclass(frozen=True)
class Task:
    """One process's share of a concurrent run."""

    request: Request
    clients: int
    iterations: int
    budget: float  # seconds from the common start; time.monotonic() is system-wide on Linux
    timeout: float


class _Gate:
    """Where a process's client threads wait, ready, until the parent names the common start time."""

    def __init__(self, clients: int) -> None:
        self.ready = threading.Barrier(clients + 1)  # the clients and the thread that reports to the parent
        self.opened = threading.Event()
        self.start_at = 0.0

    def open(self, start_at: float) -> None:
        self.start_at = start_at
        self.opened.set()

    def wait(self) -> float:
        """Say ready, wait for the start time, sleep until it; return it."""
        self.ready.wait()
        self.opened.wait()
        time.sleep(max(0.0, self.start_at - time.monotonic()))
        return self.start_at


def _client(task: Task, gate: _Gate, outcome: Outcome, lock: threading.Lock) -> None:
    latencies: list[float] = []
    counts = {"refused": 0, "stopped": 0, "timed_out": 0}
    failure = None
    last = 0.0
    with httpx.Client(timeout=task.timeout) as client:
        deadline = gate.wait() + task.budget
        answered = 0
        while answered < task.iterations and time.monotonic() < deadline:
            start = time.perf_counter()
            try:
                response = task.request.send(client)
                response.read()
            except httpx.TimeoutException:
                counts["timed_out"] += 1
                answered += 1
                continue
            except httpx.HTTPError as error:
                failure = f"request failed: {error}"
                break
            finally:
                last = time.monotonic()
            if response.status_code == 503:
                counts["refused"] += 1
                time.sleep(REFUSED_PAUSE)
                continue
            answered += 1
            if response.status_code == 504:
                counts["stopped"] += 1
            elif response.status_code == 200:
                latencies.append(time.perf_counter() - start)
            else:
                failure = f"HTTP {response.status_code}: {response.text.strip()[:120]}"
                break
    with lock:
        outcome.latencies += latencies
        outcome.refused += counts["refused"]
        outcome.stopped += counts["stopped"]
        outcome.timed_out += counts["timed_out"]
        outcome.last_answer = max(outcome.last_answer, last)
        if failure:
            outcome.failures.append(failure)


def _run_task(task: Task, connection: Connection) -> Outcome:
    """Run ``task.clients`` client threads in this process: set up, say ready, start when told."""
    outcome = Outcome()
    lock = threading.Lock()
    gate = _Gate(task.clients)
    threads = [
        threading.Thread(target=_client, args=(task, gate, outcome, lock), daemon=True)
        for _ in range(task.clients)
    ]
    for thread in threads:
        thread.start()
    gate.ready.wait()  # every client has set up its connection pool: setting up is not measured
    connection.send("ready")
    start_at = connection.recv()
    gate.open(start_at)
    time.sleep(max(0.0, start_at - time.monotonic()))
    cpu = time.process_time()
    for thread in threads:
        thread.join()
    outcome.cpu_seconds = time.process_time() - cpu
    return outcome


def _serve(connection: Connection) -> None:
    """A client process: say it is up, then run each task it is handed until it is handed ``None``."""
    connection.send("up")
    while (task := connection.recv()) is not None:
        connection.send(_run_task(task, connection))


class ClientPool:
    """Long-lived client processes (spawned once, as starting Python costs a fraction of a second).

    Each client stops after ``iterations`` answers or ``budget`` seconds,
    finishing the request it has in flight; ``timeout`` bounds one request.
    """

    abandons_requests = False

    def __init__(self, processes: int, *, iterations: int, budget: float, timeout: float) -> None:
        self.iterations, self.budget, self.timeout = iterations, budget, timeout
        context = multiprocessing.get_context("spawn")
        self._connections: list[Connection] = []
        self._processes: list[Any] = []
        for _ in range(processes):
            parent, child = context.Pipe()
            process = context.Process(target=_serve, args=(child,), daemon=True, name="bench-clients")
            process.start()
            child.close()
            self._connections.append(parent)
            self._processes.append(process)
        for connection in self._connections:
            if connection.recv() != "up":
                raise RuntimeError("a client process did not start")

    @property
    def size(self) -> int:
        return len(self._processes)

    @property
    def description(self) -> str:
        return f"python (httpx clients in {self.size} processes, each stops after {self.iterations} answers or {self.budget:g} s)"

    def load(self, request: Request, *, clients: int, meter: Meter | None = None) -> Load:
        """``clients`` clients, spread over the processes, each sending ``request`` until done or the budget is spent.

        ``meter`` (CPU counters, say) is read at the common start and once every client has reported.
        """
        shares = [clients // self.size + (index < clients % self.size) for index in range(self.size)]
        busy = [(conn, share) for conn, share in zip(self._connections, shares, strict=True) if share]
        for connection, share in busy:
            connection.send(Task(request, share, self.iterations, self.budget, self.timeout))
        for connection, _ in busy:
            if connection.recv() != "ready":
                raise RuntimeError("a client process did not get ready")
        start_at = time.monotonic() + START_DELAY
        for connection, _ in busy:
            connection.send(start_at)
        time.sleep(max(0.0, start_at - time.monotonic()))
        before = meter() if meter else ()
        outcome = Outcome()
        for connection, _ in busy:
            outcome.merge(connection.recv())
        usage = tuple(end - start for end, start in zip(meter(), before, strict=True)) if meter else ()
        wall = time.monotonic() - start_at
        return Load(outcome, max(0.0, outcome.last_answer - start_at), wall, usage)

    def close(self) -> None:
        for connection in self._connections:
            try:
                connection.send(None)
            except (OSError, ValueError):
                continue
        for process in self._processes:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
                process.join(timeout=10)
        for connection in self._connections:
            connection.close()

    def __enter__(self) -> ClientPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
