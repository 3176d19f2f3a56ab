"""Running SPARQL off the event loop and streaming the serialised answer back.

An :class:`Executor` takes a :class:`~graph.query_pool.QueryJob` (the query,
the dataset, and the format the client accepts for each kind of result) and
returns an :class:`Answer`: the kind of result and its bytes as they are
written. Three executors share this shape:

* :class:`PoolExecutor` hands the job to a :class:`~graph.query_pool.QueryPool`
  of worker processes, which can kill a query that passes its deadline, and
  reads their answers on the event loop;
* :class:`ThreadExecutor` runs pyoxigraph in worker threads (it releases the
  GIL), for the in-memory and on-disk stores, without a deadline;
* :class:`~api.proxy.ProxyExecutor` relays the job to a remote endpoint.

A slow client slows the producer instead of filling memory, and a client that
goes away stops it: a worker process blocks on its full pipe (and is replaced
if the client leaves), a thread talks to the loop through a :class:`_Pipe`
with a bounded number of chunks in flight.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, cast

import pyoxigraph as ox
from starlette.responses import Response, StreamingResponse
from starlette.types import Send

from stancegraph.graph.errors import StancegraphError
from stancegraph.graph.query_pool import (
    QueryJob,
    QueryPool,
    QueryTimeoutError,
    Worker,
    answer_job,
    worker_error,
)

CHUNKS_IN_FLIGHT = 8
logger = logging.getLogger(__name__)


@dataclass
class Answer:
    """A query's answer: ``kind`` is ``select``, ``ask`` or ``graph``; ``chunks`` its serialised bytes.

    ``truncated``: the answer holds only the first ``max_rows`` rows the job allowed.
    """

    kind: str
    chunks: AsyncIterator[bytes]
    truncated: bool = False


async def respond(answer: Answer, *, media_type: str, headers: dict[str, str]) -> Response:
    """The answer as one response: whole when it fits in a chunk or two, streamed when it is longer.

    Most answers are a few rows. Sending those as a plain response skips the
    streaming machinery (a task listening for the client going away, one send
    per chunk through every middleware), which was a good part of the ~4 ms a
    one-row query cost over HTTP; a long answer still streams, after at most
    two chunks (128 kB) have been read.
    """
    chunks = answer.chunks
    first = await anext(chunks, None)
    second = await anext(chunks, None) if first is not None else None
    if second is None:
        return Response(first or b"", media_type=media_type, headers=headers)
    assert first is not None
    return _AnswerStream(_prepended((first, second), chunks), media_type=media_type, headers=headers)


class _AnswerStream(StreamingResponse):
    """A long answer, streamed. One the deadline stops ends without its last chunk.

    Its ``200`` has gone out, so the cut can only show in the body's framing: the
    server closes the connection mid-body and clients raise an error (tested). An
    exception would do the same, with a traceback in the log for what is a limit
    doing its job; returning early logs one line.
    """

    async def stream_response(self, send: Send) -> None:
        try:
            await super().stream_response(send)
        except QueryTimeoutError as error:
            logger.warning("a streamed answer was cut short: %s", error)


async def _prepended(head: tuple[bytes, ...], rest: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    for chunk in head:
        yield chunk
    async for chunk in rest:
        yield chunk


class Executor(ABC):
    """Runs jobs without blocking the event loop."""

    @abstractmethod
    async def execute(self, job: QueryJob) -> Answer:
        """Start ``job``; return once the kind of result is known and the first bytes are ready.

        Errors found before any byte is written (syntax, no acceptable format,
        timeouts) are raised here, so they become proper error responses.
        """

    async def aclose(self) -> None:  # noqa: B027 - most executors hold nothing to release
        """Release threads, processes or connections."""


class _ConsumerGone(Exception):
    """The client stopped reading: the worker thread abandons the answer."""


class _Pipe:
    """Messages from a worker thread to the event loop, at most ``depth`` in flight.

    The thread side speaks the message protocol of :mod:`graph.query_pool`
    (``("start", kind, truncated)``, ``("chunk", bytes)``, ``("end", None)``,
    ``("error", kind, text)``), plus ``("raise", exception)``.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, depth: int = CHUNKS_IN_FLIGHT) -> None:
        self._loop = loop
        # A deque and one waiter rather than an asyncio.Queue: one pipe is made per query, and
        # building a Queue was ~6% of the event loop's time on a millisecond query (py-spy).
        self._messages: deque[tuple[Any, ...]] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self._slots = threading.Semaphore(depth)
        self._closed = threading.Event()

    def send(self, message: tuple[Any, ...]) -> None:
        """Thread side: hand over one message, waiting while ``depth`` are unread."""
        self._slots.acquire()
        if self._closed.is_set():
            self._slots.release()
            raise _ConsumerGone
        self._loop.call_soon_threadsafe(self._deliver, message)

    def _deliver(self, message: tuple[Any, ...]) -> None:
        self._messages.append(message)
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def receive(self) -> tuple[Any, ...]:
        while not self._messages:
            self._waiter = self._loop.create_future()
            await self._waiter
        self._slots.release()
        return self._messages.popleft()

    def close(self) -> None:
        """Loop side: stop reading; a thread waiting to send is woken and gives up."""
        self._closed.set()
        self._slots.release()


def _raise_error(message: tuple[Any, ...]) -> None:
    if message[0] == "raise":
        raise message[1]
    raise worker_error(message[1], message[2])


async def _chunks(pipe: _Pipe, first: bytes | None) -> AsyncIterator[bytes]:
    try:
        if first is None:
            return
        yield first
        while True:
            message = await pipe.receive()
            if message[0] == "end":
                return
            if message[0] != "chunk":
                _raise_error(message)
            yield message[1]
    finally:
        pipe.close()


class ThreadExecutor(Executor):
    """Queries a pyoxigraph store in threads of this process. No deadline: a thread cannot be stopped.

    Only behind ``STANCEGRAPH_QUERY_EXECUTOR=threads``, an explicit opt-in.
    """

    def __init__(self, store: ox.Store, *, workers: int = 4) -> None:
        self._store = store
        self._threads = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sparql")

    def _work(self, job: QueryJob, pipe: _Pipe) -> None:
        """In a worker thread: answer ``job`` down ``pipe``; the loop hears of every failure."""
        try:
            answer_job(self._store, job, cast(Connection, pipe))
        except _ConsumerGone:
            return
        except BaseException as error:
            try:
                pipe.send(("raise", error))
            except _ConsumerGone:
                return

    async def execute(self, job: QueryJob) -> Answer:
        pipe = _Pipe(asyncio.get_running_loop())
        asyncio.get_running_loop().run_in_executor(self._threads, self._work, job, pipe)
        try:
            start = await pipe.receive()
            if start[0] != "start":
                _raise_error(start)
            first = await pipe.receive()
            if first[0] not in ("chunk", "end"):
                _raise_error(first)
        except BaseException:
            pipe.close()
            raise
        return Answer(
            kind=start[1], chunks=_chunks(pipe, first[1] if first[0] == "chunk" else None), truncated=start[2]
        )

    async def aclose(self) -> None:
        self._threads.shutdown(wait=False, cancel_futures=True)


class PoolExecutor(Executor):
    """Queries through worker processes, each query bounded by the pool's deadline.

    The event loop sends the job and reads the worker's messages itself, waiting
    on the worker's pipe with ``add_reader``. Doing that in a thread per query
    (as :class:`ThreadExecutor` must) cost the loop ~0.8 ms a query in thread
    hand-offs and lock contention: a trivial ``ASK {}`` took 1.17 ms of the
    loop's CPU, against 0.37 ms for the same request answered on the loop (wrk).
    Threads remain for what blocks: waiting for a busy pool's next free worker,
    and replacing a worker killed at the deadline or left mid-answer (~0.3 s).
    Like the other executors it takes jobs as given: ``/sparql`` has refused
    ``SERVICE`` and ``LOAD`` to addresses not allowed before a job gets here.
    """

    def __init__(self, pool: QueryPool) -> None:
        self._pool = pool
        # a thread for every query the pool admits, as each may wait for a worker; replacements apart,
        # so that waiters never hold up the replacement they wait for
        admitted = pool.size + (pool.max_queued if pool.max_queued is not None else pool.size)
        self._waiting = ThreadPoolExecutor(max_workers=admitted, thread_name_prefix="pool-wait")
        self._replacing = ThreadPoolExecutor(max_workers=pool.size, thread_name_prefix="pool-replace")

    async def execute(self, job: QueryJob) -> Answer:
        pool = self._pool
        pool.admit()
        worker = pool.idle_worker() or await self._wait_for_worker()
        lease = _Lease(worker, pool.dispatch(worker, job), pool.timeout, self._release)
        try:
            start = await lease.receive()
            first = start if start[0] == "error" else await lease.receive()
        except BaseException:
            lease.give_back(healthy=False)
            raise
        if first[0] == "error":
            lease.give_back(healthy=True)
            raise worker_error(first[1], first[2])
        return Answer(kind=start[1], chunks=self._chunks(lease, first), truncated=start[2])

    async def _wait_for_worker(self) -> Worker:
        waiting = self._waiting.submit(self._pool.take_worker)
        try:
            return await asyncio.wrap_future(waiting)
        except asyncio.CancelledError:
            waiting.add_done_callback(self._hand_back)
            raise

    def _hand_back(self, waiting: Future[Worker]) -> None:
        """A worker found for a request that left goes back; an admission that found none is given back."""
        if waiting.cancelled():
            self._pool.leave()
        elif waiting.exception() is None:
            self._release(waiting.result(), healthy=True)

    async def _chunks(self, lease: _Lease, message: tuple[Any, ...]) -> AsyncIterator[bytes]:
        healthy = False
        try:
            while message[0] == "chunk":
                yield message[1]
                message = await lease.receive()
            healthy = True  # the worker finished its job, with "end" or an error
            if message[0] == "error":
                raise worker_error(message[1], message[2])
        finally:
            # a client that stops reading early leaves the worker mid-answer: it is replaced
            lease.give_back(healthy=healthy)

    def _release(self, worker: Worker, *, healthy: bool) -> None:
        if healthy:
            self._pool.finish(worker, healthy=True)
        else:
            self._replacing.submit(self._pool.finish, worker, healthy=False)

    async def aclose(self) -> None:
        self._waiting.shutdown(wait=False, cancel_futures=True)
        self._replacing.shutdown(wait=True)  # the pool closes next: no replacement may start after


class _Lease:
    """One query's hold on a worker, given back once: by its answer, or by the deadline.

    The deadline has a timer of its own because an answer streams only as fast as
    its client reads: a client that stops reading (without leaving) would hold the
    worker, blocked on its full pipe, for as long as it liked. At the deadline the
    worker is replaced, and the answer ends as a stream cut short.
    """

    def __init__(self, worker: Worker, deadline: float, limit: float, release: Callable[..., None]) -> None:
        self.worker, self.deadline, self.limit = worker, deadline, limit
        self.expired = False
        self._ready: asyncio.Future[bool] | None = None  # while receive() waits for the worker
        self._release: Callable[..., None] | None = release
        self._watchdog = asyncio.get_running_loop().call_later(
            max(0.0, deadline - time.monotonic()), self._expire
        )

    def _expire(self) -> None:
        self.expired = True
        if self._ready is not None:
            _settle(self._ready, False)  # receive() raises, and its caller gives the worker back
        else:
            self.give_back(healthy=False)

    def give_back(self, *, healthy: bool) -> None:
        if self._release is not None:
            release, self._release = self._release, None
            self._watchdog.cancel()
            release(self.worker, healthy=healthy)

    async def receive(self) -> tuple[Any, ...]:
        """The worker's next message, waited for on the loop until the deadline."""
        connection = self.worker.connection
        if not self.expired and not connection.poll(0):
            loop = asyncio.get_running_loop()
            self._ready = loop.create_future()
            descriptor = connection.fileno()
            loop.add_reader(descriptor, _settle, self._ready, True)
            try:
                await self._ready
            finally:
                self._ready = None
                loop.remove_reader(descriptor)
                os.set_blocking(descriptor, True)  # uvloop made it non-blocking; recv() reads whole messages
        if self.expired:
            raise QueryTimeoutError(self.limit)
        try:
            message: tuple[Any, ...] = connection.recv()  # a whole message follows its first bytes at once
        except EOFError:
            raise StancegraphError("a query worker died while answering") from None
        return message


def _settle(future: asyncio.Future[bool], value: bool) -> None:
    if not future.done():
        future.set_result(value)
