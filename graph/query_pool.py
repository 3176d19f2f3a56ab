"""Queries in worker processes, so that a runaway query can be stopped.

pyoxigraph has no query timeout and cannot cancel a query that has started:
a thread running a cross product of all triples runs until it is done. A
process can be killed. So each worker process opens the on-disk store
read-only, runs one query at a time and streams the serialised answer back
through a pipe; when a query passes its deadline, its worker is killed and a
fresh one takes its place, and the other workers never notice.

Writes do not go through the pool. A read-only opener sees the data as it
was when it opened, and must not read files a writer is replacing, so
:meth:`QueryPool.paused` has every worker close the store (waiting for
running queries), lets the caller write, and has them open it again on the
new data: about 30 ms per worker, where starting fresh processes costs 300.

Admission is bounded too: at most ``workers + max_queued`` queries are
running or waiting at once; one more is refused at once with
:class:`BusyError`, which says when a worker should be free again.
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from queue import Empty, LifoQueue
from typing import IO, Any, cast

import pyoxigraph as ox

from stancegraph.graph.datasets import Dataset, query_arguments
from stancegraph.graph.errors import QuerySyntaxError, StancegraphError
from stancegraph.graph.sparql_guard import refuse_remote_access
from stancegraph.graph.store import QueryResult, Store, parse_answer

CHUNK_BYTES = 64 * 1024


class QueryTimeoutError(StancegraphError):
    """A query ran past its deadline and was stopped."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"the query ran longer than the {seconds:g} s limit and was stopped")
        self.seconds = seconds


class NotAcceptableError(StancegraphError):
    """The query's result kind has no serialisation among the ones the client accepts."""


class BusyError(StancegraphError):
    """Every worker is busy and the queue is full (or its wait ran out); retry after ``retry_after`` s."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def worker_error(kind: str, text: str) -> StancegraphError:
    """The domain error for an ``("error", kind, text)`` message of the worker protocol."""
    if kind == "syntax":
        return QuerySyntaxError(text)
    if kind == "not-acceptable":
        return NotAcceptableError(text)
    return StancegraphError(text)


@dataclass(frozen=True)
class QueryJob:
    """What a worker needs: the query, the formats the client accepts per result kind, the dataset."""

    query: str
    solutions_format: str | None = None  # a QueryResultsFormat name, e.g. "JSON"
    graph_format: str | None = None  # an RdfFormat name, e.g. "TURTLE"
    default_graph: tuple[str, ...] | None = None  # the protocol's dataset (see graph.datasets)
    named_graphs: tuple[str, ...] | None = None
    # with no dataset given or in the query: True reads the union of all graphs, False the store's own default
    union_default_graph: bool = True
    prefixes: dict[str, str] = field(default_factory=dict)
    base_iri: str | None = None  # relative IRIs in the query resolve against it (over HTTP: the endpoint)
    max_rows: int | None = None  # more solutions (or triples) than this: the first ones, marked truncated
    dump_format: str | None = None  # no query: the whole store, every graph, in this RdfFormat (e.g. "TRIG")

    @classmethod
    def dump(cls, format_name: str) -> QueryJob:
        """The whole dataset in a quad format, written by pyoxigraph as it reads (a SPARQL answer has no graphs).

        >>> QueryJob.dump("N_QUADS").dump_format
        'N_QUADS'
        """
        return cls("", dump_format=format_name)

    @property
    def dataset(self) -> Dataset:
        return Dataset(self.default_graph, self.named_graphs)


@dataclass
class QueryAnswer:
    """The kind of result (``select``, ``ask`` or ``graph``) and its serialised bytes, as they arrive.

    ``truncated``: the job's ``max_rows`` cut the result short.
    """

    kind: str
    chunks: Iterator[bytes]
    truncated: bool = False


class ChunkWriter:
    """A binary file-like object that hands what pyoxigraph writes to ``send`` in chunks of CHUNK_BYTES.

    The query workers send chunks down their pipe; the relay (``api/transcoding.py``) puts them on a queue.
    """

    def __init__(self, send: Callable[[bytes], None]) -> None:
        self._send = send
        self._buffer = bytearray()

    def write(self, data: bytes) -> int:
        self._buffer += data
        if len(self._buffer) >= CHUNK_BYTES:
            self.flush()
        return len(data)

    def flush(self) -> None:
        if self._buffer:
            self._send(bytes(self._buffer))
            self._buffer.clear()


def _pipe_writer(connection: Connection) -> IO[bytes]:
    """A worker's writer: each chunk goes to the parent as a ``chunk`` message."""
    return cast(IO[bytes], ChunkWriter(lambda chunk: connection.send(("chunk", chunk))))


class _EnoughLines(Exception):
    """Raised into pyoxigraph's serialiser to stop it: the lines wanted are in."""


class _LineBuffer:
    """A binary file-like object that keeps what is written until it holds more than ``lines`` lines."""

    def __init__(self, lines: int) -> None:
        self.lines = lines
        self.parts: list[bytes] = []
        self._seen = 0

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        self._seen += data.count(b"\n")
        if self._seen > self.lines:
            raise _EnoughLines
        return len(data)

    def flush(self) -> None:
        pass

    def first(self) -> tuple[bytes, bool]:
        """The first ``lines`` lines, and whether more were written."""
        text = b"".join(self.parts)
        kept = text.split(b"\n", self.lines)
        if len(kept) <= self.lines or kept[self.lines] == b"":  # no more than ``lines`` whole lines
            return text, False
        return b"\n".join(kept[: self.lines]) + b"\n", True


def _first_lines(result: ox.QuerySolutions | ox.QueryTriples, lines: int) -> tuple[bytes, bool]:
    """The result in a line format (SPARQL TSV, N-Triples) up to ``lines`` lines, and whether it went on.

    pyoxigraph writes the lines and stops evaluating once one more has come: no
    row passes through Python (handling each row here cost ~20 µs).
    """
    buffer = _LineBuffer(lines)
    with contextlib.suppress(_EnoughLines):
        if isinstance(result, ox.QueryTriples):
            result.serialize(cast(IO[bytes], buffer), ox.RdfFormat.N_TRIPLES)
        else:
            result.serialize(cast(IO[bytes], buffer), ox.QueryResultsFormat.TSV)
    return buffer.first()


def _write_first(
    result: ox.QuerySolutions | ox.QueryTriples, limit: int, name: str, connection: Connection
) -> None:
    """Send the first ``limit`` solutions (or triples) in the format ``name``, marked if there were more.

    The lines are written as they are when the client asked for that line format,
    and otherwise parsed back and written again by pyoxigraph, exactly as the
    whole result would have been.
    """
    graph = isinstance(result, ox.QueryTriples)
    lines, truncated = _first_lines(result, limit if graph else limit + 1)  # TSV has a header line
    connection.send(("start", "graph" if graph else "select", truncated))
    writer = _pipe_writer(connection)
    if name == ("N_TRIPLES" if graph else "TSV"):
        writer.write(lines)
    elif graph:
        ox.serialize(ox.parse(lines, format=ox.RdfFormat.N_TRIPLES), writer, getattr(ox.RdfFormat, name))
    else:
        solutions = ox.parse_query_results(lines, format=ox.QueryResultsFormat.TSV)
        solutions.serialize(writer, getattr(ox.QueryResultsFormat, name))
    writer.flush()


def answer_job(store: ox.Store, job: QueryJob, connection: Connection) -> None:
    """Answer one job on ``store``, speaking the pool's message protocol on ``connection``.

    Shared by the worker processes and by in-process threads, so both stream alike.
    With ``job.max_rows``, the first rows are read before the first byte is
    sent, so the ``start`` message can say whether the answer is truncated.
    """
    if job.dump_format is not None:
        connection.send(("start", "graph", False))
        writer = _pipe_writer(connection)
        store.dump(writer, getattr(ox.RdfFormat, job.dump_format))
        writer.flush()
        connection.send(("end", None))
        return
    try:
        result = store.query(
            job.query,
            prefixes=job.prefixes or None,
            base_iri=job.base_iri,
            **query_arguments(job.query, job.dataset, union_default_graph=job.union_default_graph),
        )
    except SyntaxError as error:
        connection.send(("error", "syntax", str(error)))
        return
    if isinstance(result, ox.QueryTriples):
        kind, name = "graph", job.graph_format
    else:
        kind, name = ("ask" if isinstance(result, ox.QueryBoolean) else "select"), job.solutions_format
    if name is None:
        connection.send(("error", "not-acceptable", f"no acceptable format for a {kind} result"))
        return
    if job.max_rows is not None and not isinstance(result, ox.QueryBoolean):
        _write_first(result, job.max_rows, name, connection)
    else:
        connection.send(("start", kind, False))
        writer = _pipe_writer(connection)
        if isinstance(result, ox.QueryTriples):
            result.serialize(writer, getattr(ox.RdfFormat, name))
        else:
            result.serialize(writer, getattr(ox.QueryResultsFormat, name))
        writer.flush()
    connection.send(("end", None))


def _worker_main(store_path: str, connection: Connection) -> None:
    """A worker's life: open the store read-only, then answer one job at a time until told to stop.

    ``"release"`` closes the store and waits for ``"reopen"`` (a write happens in between).
    """
    store = ox.Store.read_only(store_path)
    connection.send(("ready", None))
    while True:
        try:
            job = connection.recv()
        except EOFError:  # the pool went away (closed, or replaced this worker): nothing to answer
            return
        if job is None:
            return
        if job == "release":
            del store
            connection.send(("released", None))
            if connection.recv() != "reopen":
                return
            store = ox.Store.read_only(store_path)
            connection.send(("ready", None))
            continue
        try:
            answer_job(store, job, connection)
        except Exception as error:  # a worker must answer every job, whatever happened
            connection.send(("error", "internal", f"{type(error).__name__}: {error}"))


class Worker:
    def __init__(self, context: Any, store_path: Path) -> None:
        self.store_path = store_path
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_worker_main, args=(str(store_path), child), daemon=True)
        self.process.start()
        child.close()

    def expect(self, tag: str) -> None:
        """Wait for the worker to say ``tag`` (``ready``, ``released``); a worker that cannot is killed."""
        try:
            ok = self.connection.poll(60) and self.connection.recv()[0] == tag
        except (EOFError, OSError):
            ok = False
        if not ok:
            self.kill()
            raise StancegraphError(f"a query worker could not open {self.store_path}")

    def kill(self) -> None:
        self.process.kill()
        self.process.join(5)
        self.connection.close()

    def stop(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.connection.send(None)
        self.process.join(5)
        if self.process.is_alive():
            self.kill()
        self.connection.close()


class QueryPool:
    """A fixed number of worker processes over one read-only on-disk store.

    >>> import tempfile
    >>> from graph.loading import bundled_files, load_files
    >>> from graph.store import open_disk_store
    >>> path = Path(tempfile.mkdtemp()) / "store"
    >>> store = open_disk_store(path)
    >>> _ = load_files(store, bundled_files(), validate=False)
    >>> del store
    >>> with QueryPool(path, workers=1, timeout=5) as pool:
    ...     answer = pool.run(QueryJob("ASK { ?s ?p ?o }", solutions_format="JSON"))
    ...     b"".join(answer.chunks)
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
        self._admitted = threading.BoundedSemaphore(workers + max_queued) if max_queued is not None else None
        self._deadlines: dict[Worker, float] = {}
        self._context = multiprocessing.get_context("spawn")
        self.size = workers
        # the worker idle the shortest time goes first: its block cache is warm (each worker fills its
        # own, ~55 MB at a million triples), and a light load keeps the others' caches empty
        self._idle: LifoQueue[Worker] = LifoQueue()
        self._all: set[Worker] = set()
        self._lock = threading.Lock()
        self._waiting = 0  # queries blocked in take_worker
        self._start_workers()

    def _start_workers(self) -> None:
        """Start every worker at once (each takes ~0.3 s to import and open), then wait for them all."""
        self._welcome([Worker(self._context, self.store_path) for _ in range(self.size)])

    def _add_worker(self) -> None:
        self._welcome([Worker(self._context, self.store_path)])

    def _welcome(self, workers: list[Worker]) -> None:
        for worker in workers:
            worker.expect("ready")
            with self._lock:
                self._all.add(worker)
            self._idle.put(worker)

    def _retire(self, worker: Worker) -> None:
        with self._lock:
            self._all.discard(worker)
        worker.kill()

    def run(self, job: QueryJob) -> QueryAnswer:
        """Run a query; the answer's chunks stream while the query's deadline holds.

        Raises :class:`RemoteAccessError` (SERVICE to an endpoint not allowed), :class:`QuerySyntaxError`,
        :class:`NotAcceptableError`, :class:`QueryTimeoutError` or :class:`BusyError` before the first chunk. A deadline passed while streaming ends the
        stream with :class:`QueryTimeoutError` (the client has a truncated body).
        """
        refuse_remote_access(job.query, allowed_services=self.allowed_services)
        self.admit()
        worker = self.take_worker()
        deadline = self.dispatch(worker, job)
        try:
            message = self._receive(worker, deadline)
        except BaseException:
            self.finish(worker, healthy=False)
            raise
        if message[0] == "error":
            self.finish(worker, healthy=True)
            raise worker_error(message[1], message[2])
        return QueryAnswer(kind=message[1], chunks=self._stream(worker, deadline), truncated=message[2])

    # The steps of :meth:`run`, for callers that wait for the worker's messages their own way (an event loop).

    def admit(self) -> None:
        """Count one more query in, or refuse it at once (:class:`BusyError`) when workers and queue are full."""
        if self._admitted is not None and not self._admitted.acquire(blocking=False):
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
        if self._waiting:
            return None
        try:
            return self._idle.get_nowait()
        except Empty:
            return None

    def take_worker(self) -> Worker:
        """An idle worker for an admitted query, waiting for one if need be.

        Waiting longer than ``queue_wait`` raises :class:`BusyError` and gives the admission back.
        """
        with self._lock:
            self._waiting += 1
        try:
            return self._idle.get(timeout=self.queue_wait)
        except Empty:
            self.leave()
            raise BusyError(
                f"all {self.size} query workers stayed busy for {self.queue_wait:g} s",
                retry_after=self._retry_after(),
            ) from None
        finally:
            with self._lock:
                self._waiting -= 1

    def dispatch(self, worker: Worker, job: QueryJob) -> float:
        """Hand ``job`` to ``worker``; return its deadline (``time.monotonic()`` seconds)."""
        deadline = time.monotonic() + self.timeout
        self._deadlines[worker] = deadline
        worker.connection.send(job)
        return deadline

    def _retry_after(self) -> int:
        """Whole seconds until the first running query ends or is stopped: a worker is free by then."""
        deadlines = list(self._deadlines.values())
        soonest = min(deadlines) if deadlines else time.monotonic()
        return max(1, math.ceil(soonest - time.monotonic()))

    def leave(self) -> None:
        """Give back an admission that never got (or no longer holds) a worker."""
        if self._admitted is not None:
            self._admitted.release()

    def finish(self, worker: Worker, *, healthy: bool) -> None:
        """Hand a worker back after a job (or replace one left mid-answer: ~0.3 s) and admit the next query."""
        self._deadlines.pop(worker, None)
        try:
            if healthy:
                self._idle.put(worker)
            else:
                self._replace(worker)
        finally:
            self.leave()

    def _stream(self, worker: Worker, deadline: float) -> Iterator[bytes]:
        finished = False
        try:
            while True:
                tag, payload = self._receive(worker, deadline)
                if tag == "end":
                    finished = True
                    return
                yield payload
        finally:
            # A client that stops reading early leaves the worker mid-answer: replace it.
            self.finish(worker, healthy=finished)

    def _receive(self, worker: Worker, deadline: float) -> tuple[Any, ...]:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not worker.connection.poll(remaining):
            raise QueryTimeoutError(self.timeout)
        try:
            message: tuple[Any, ...] = worker.connection.recv()
        except EOFError:
            raise StancegraphError("a query worker died while answering") from None
        return message

    def _replace(self, worker: Worker) -> None:
        self._retire(worker)
        self._add_worker()

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """Have every worker close the store (after its running query), yield for a write, then reopen."""
        released: list[Worker] = []
        try:
            while len(released) < self.size:
                worker = self._idle.get()
                released.append(worker)
                worker.connection.send("release")
                worker.expect("released")
            yield
        finally:
            for worker in released:
                with contextlib.suppress(OSError, ValueError):
                    worker.connection.send("reopen")
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


class PooledStore(Store):
    """The dataset behind a :class:`QueryPool`: every read bounded by the pool's deadline.

    Reads run in the workers and come back as SPARQL results JSON or N-Triples;
    writes pause the workers, open the store for writing in this process, and
    resume them on the new data. This is what the service runs on, so the JSON
    API, the viewer and /sparql all share the same limits.
    """

    def __init__(self, pool: QueryPool) -> None:
        self.pool = pool
        self.description = f"on-disk store {pool.store_path} ({pool.size} query workers)"

    def _execute(self, query: str, *, expect_graph: bool) -> QueryResult:
        answer = self.pool.run(QueryJob(query, solutions_format="JSON", graph_format="N_TRIPLES"))
        return parse_answer(b"".join(answer.chunks), graph=answer.kind == "graph")

    def engine(self) -> ox.Store:
        """A read-only view of the store in this process; drop it before the write (which pauses readers)."""
        return ox.Store.read_only(str(self.pool.store_path))

    def add_quads(self, quads: Iterable[ox.Quad]) -> None:
        batch = list(quads)
        self._write(lambda writer: writer.extend(batch))

    def apply_update(self, update: str) -> None:
        self._write(lambda writer: writer.update(update))

    def add_store(self, scratch: ox.Store) -> None:
        data = scratch.dump(format=ox.RdfFormat.N_QUADS)

        def load(writer: ox.Store) -> None:
            writer.load(data, format=ox.RdfFormat.N_QUADS)
            writer.optimize()  # a big transactional load otherwise reads markedly slower

        self._write(load)

    def _write(self, change: Callable[[ox.Store], None]) -> None:
        """Pause the readers, write in one transaction, then let readers see the result.

        Not flushed, as :class:`~graph.store.LocalStore` does not: readers reopen from the log too.
        """
        with self.pool.paused():
            writer = ox.Store(str(self.pool.store_path))
            try:
                change(writer)
            finally:
                del writer

    def close(self) -> None:
        self.pool.close()
