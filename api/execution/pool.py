"""A fixed number of worker processes over one read-only on-disk store, so that a runaway query can be stopped.

Each worker (``worker``) opens the store read-only, runs one query at a time
and streams the serialised answer back through a pipe; when a query passes its
deadline, its worker is killed and a fresh one takes its place, and the other
workers never notice.

Writes do not go through the pool. A read-only opener sees the data as it
was when it opened, and must not read files a writer is replacing, so
:meth:`QueryPool.paused` has every worker close the store (waiting for
running queries), lets the caller write, and has them open it again on the
new data: about 30 ms per worker, where starting fresh processes costs 300.

Admission is bounded too: at most ``workers + max_queued`` queries are
running or waiting at once; one more is refused at once with
:class:`~.errors.BusyError`, which says when a worker should be free again.
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import threading
import time
from collections.abc import Collection, Iterator
from pathlib import Path

from stancegraph.api.execution.answer import Answer, read_answer, run_blocking
from stancegraph.api.execution.errors import BusyError
from stancegraph.api.execution.job import QueryJob
from stancegraph.api.execution.lease import BlockingLease
from stancegraph.api.execution.messages import Command, Status
from stancegraph.api.execution.worker import Worker
from stancegraph.graph.errors import StancegraphError
from stancegraph.graph.sparql_guard import refuse_remote_access


class QueryPool:
    """Hands out worker processes, one query each, and replaces those stopped or left mid-answer.

    A query gets a worker in three steps, the same for the blocking :meth:`run`
    and for :class:`~.processes.PoolExecutor` on the event loop: :meth:`admit`,
    then a worker (:meth:`idle_worker`, or :meth:`take_worker`, which waits),
    then a :class:`~.lease.Lease` on it, which sends the job, reads the answer
    and gives the worker back through :meth:`finish`.

    >>> import tempfile
    >>> from stancegraph.graph.loading import bundled_files, load_files
    >>> from stancegraph.graph.store import open_disk_store
    >>> path = Path(tempfile.mkdtemp()) / "store"
    >>> store = open_disk_store(path)
    >>> _ = load_files(store, bundled_files(), validate=False)
    >>> del store
    >>> with QueryPool(path, workers=1, timeout=5) as pool:
    ...     pool.run(QueryJob("ASK { ?s ?p ?o }", solutions_format="JSON")).blocking_body()
    b'{"head":{},"boolean":true}'
    """

    def __init__(
        self,
        store_path: Path,
        *,
        workers: int = 2,
        timeout: float = 10.0,
        queue_wait: float = 30.0,
        max_queued: int | None = None,
        allowed_services: Collection[str] = (),
    ) -> None:
        self.store_path = store_path
        self.allowed_services = frozenset(allowed_services)
        self.timeout = timeout
        self.queue_wait = queue_wait
        self.max_queued = max_queued
        self._admits = workers + max_queued if max_queued is not None else None  # None: no bound
        self._admitted = 0
        self._deadlines: dict[Worker, float] = {}
        self._context = multiprocessing.get_context("spawn")
        self.size = workers
        # the worker idle the shortest time goes first (the list's last): its block cache is warm (each
        # worker fills its own, ~55 MB at a million triples), and a light load keeps the others' caches empty.
        # One lock guards the idle workers and the admissions: a LifoQueue and a BoundedSemaphore took
        # some twenty Python calls a query between them, for the same.
        self._idle: list[Worker] = []
        self._all: set[Worker] = set()
        self._lock = threading.Lock()
        self._freed = threading.Condition(self._lock)  # notified when a worker goes idle
        self._waiting = 0  # queries blocked in take_worker
        self._start_workers()

    def _start_workers(self) -> None:
        """Start every worker at once (each takes ~0.3 s to import and open), then wait for them all."""
        self._welcome([Worker(self._context, self.store_path) for _ in range(self.size)])

    def _add_worker(self) -> None:
        self._welcome([Worker(self._context, self.store_path)])

    def _welcome(self, workers: list[Worker]) -> None:
        for worker in workers:
            worker.expect(Status.READY)
            with self._lock:
                self._all.add(worker)
            self._put_idle(worker)

    def _put_idle(self, worker: Worker) -> None:
        with self._lock:
            self._idle.append(worker)
            self._freed.notify()

    def _next_idle(self, timeout: float | None) -> Worker | None:
        """The next idle worker, waited for at most ``timeout`` seconds (``None``: as long as it takes)."""
        with self._lock:
            if not self._freed.wait_for(self._idle.__len__, timeout):
                return None
            return self._idle.pop()

    def _retire(self, worker: Worker) -> None:
        with self._lock:
            self._all.discard(worker)
        worker.kill()

    def run(self, job: QueryJob) -> Answer:
        """Run a query in this thread; read the answer with :meth:`Answer.blocking_chunks` within the deadline.

        Raises :class:`RemoteAccessError` (SERVICE to an endpoint not allowed), :class:`QuerySyntaxError`,
        :class:`NotAcceptableError`, :class:`QueryTimeoutError` or :class:`BusyError` before the first chunk.
        A deadline passed while streaming ends the chunks with :class:`QueryTimeoutError`.
        """
        refuse_remote_access(job.query, allowed_services=self.allowed_services)
        self.admit()
        worker = self.take_worker()
        return run_blocking(read_answer(BlockingLease(self, worker, job, self.finish)))

    def admit(self) -> None:
        """Count one more query in, or refuse it at once (:class:`BusyError`) when workers and queue are full."""
        with self._lock:
            admitted = self._admits is None or self._admitted < self._admits
            if admitted:
                self._admitted += 1
        if not admitted:
            raise BusyError(
                f"{self.size} queries are running and {self.max_queued} waiting, the most this server takes",
                retry_after=self._retry_after(),
            )

    def idle_worker(self) -> Worker | None:
        """An idle worker for an admitted query if one is idle now and no query waits for one, else ``None``.

        No newcomer overtakes a waiting query: those are woken first come, first served,
        and a newcomer taking the worker just handed back made a few of them wait three
        times as long (p99/p50 3.1-3.4 at 8 and 32 clients of a heavy query; 1.1-1.5 with threads).
        """
        with self._lock:
            return self._idle.pop() if self._idle and not self._waiting else None

    def take_worker(self) -> Worker:
        """An idle worker for an admitted query, waiting for one if need be.

        Waiting longer than ``queue_wait`` raises :class:`BusyError` and gives the admission back.
        """
        with self._lock:
            self._waiting += 1
        try:
            worker = self._next_idle(self.queue_wait)
        finally:
            with self._lock:
                self._waiting -= 1
        if worker is None:
            self.leave()
            raise BusyError(
                f"all {self.size} query workers stayed busy for {self.queue_wait:g} s",
                retry_after=self._retry_after(),
            )
        return worker

    def dispatch(self, worker: Worker, job: QueryJob) -> float:
        """Hand ``job`` to ``worker`` (a lease does, when it is made); return its deadline (``time.monotonic()``)."""
        deadline = time.monotonic() + self.timeout
        self._deadlines[worker] = deadline
        worker.channel.send(job.to_wire())
        return deadline

    def _retry_after(self) -> int:
        """Whole seconds until the first running query ends or is stopped: a worker is free by then."""
        deadlines = list(self._deadlines.values())
        soonest = min(deadlines) if deadlines else time.monotonic()
        return max(1, math.ceil(soonest - time.monotonic()))

    def leave(self) -> None:
        """Give back an admission that never got (or no longer holds) a worker."""
        with self._lock:
            self._admitted -= 1

    def finish(self, worker: Worker, *, healthy: bool) -> None:
        """Hand a worker back after a job (or replace one left mid-answer: ~0.3 s) and admit the next query."""
        self._deadlines.pop(worker, None)
        try:
            if healthy:
                self._put_idle(worker)
            else:
                self._retire(worker)
                self._add_worker()
        finally:
            self.leave()

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """Have every worker close the store (after its running query), yield for a write, then reopen."""
        released: list[Worker] = []
        try:
            while len(released) < self.size:
                worker = self._next_idle(None)
                assert worker is not None  # no timeout: it waited for one
                released.append(worker)
                worker.channel.send(Command.RELEASE)
                worker.expect(Status.RELEASED)
            yield
        finally:
            for worker in released:
                worker.tell(Command.REOPEN)
            for worker in released:
                try:
                    self._welcome([worker])
                except StancegraphError:  # keep the pool whole: a worker that cannot reopen is replaced
                    self._retire(worker)
                    self._add_worker()

    def close(self) -> None:
        with self._lock:
            workers = list(self._all)
            self._all.clear()
        for worker in workers:
            worker.stop()

    def __enter__(self) -> QueryPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
