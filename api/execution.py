"""Running SPARQL off the event loop and streaming the serialised answer back.

An :class:`Executor` takes a :class:`~graph.query_pool.QueryJob` (the query,
the dataset, and the format the client accepts for each kind of result) and
returns an :class:`Answer`: the kind of result and its bytes as they are
written. Three executors share this shape:

* :class:`ThreadExecutor` runs pyoxigraph in worker threads (it releases the
  GIL), for the in-memory and on-disk stores;
* :class:`PoolExecutor` hands the job to a :class:`~graph.query_pool.QueryPool`
  of worker processes, which can kill a query that passes its deadline;
* :class:`~api.proxy.ProxyExecutor` relays the job to a remote endpoint.

The threaded ones talk to the loop through a :class:`_Pipe` with a bounded
number of chunks in flight, so a slow client slows the serialiser instead of
filling memory, and a client that goes away stops it.
"""

from __future__ import annotations

import asyncio
import threading
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import AsyncIterator, Generator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, cast

import pyoxigraph as ox
from starlette.responses import Response, StreamingResponse

from graph.query_pool import QueryJob, QueryPool, answer_job, worker_error

CHUNKS_IN_FLIGHT = 8


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
    return StreamingResponse(_prepended((first, second), chunks), media_type=media_type, headers=headers)


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


class _Threaded(Executor):
    """Runs ``_work`` in a thread pool of its own and streams what it sends."""

    def __init__(self, workers: int) -> None:
        self._threads = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sparql")

    @abstractmethod
    def _work(self, job: QueryJob, pipe: _Pipe) -> None:
        """In a worker thread: answer ``job`` by sending messages down ``pipe``."""

    def _guarded(self, job: QueryJob, pipe: _Pipe) -> None:
        try:
            self._work(job, pipe)
        except _ConsumerGone:
            return
        except BaseException as error:  # the loop must hear of every failure
            try:
                pipe.send(("raise", error))
            except _ConsumerGone:
                return

    async def execute(self, job: QueryJob) -> Answer:
        pipe = _Pipe(asyncio.get_running_loop())
        asyncio.get_running_loop().run_in_executor(self._threads, self._guarded, job, pipe)
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


class ThreadExecutor(_Threaded):
    """Queries a pyoxigraph store in this process. No deadline: a thread cannot be stopped.

    Only behind ``STANCEGRAPH_QUERY_EXECUTOR=threads``, an explicit opt-in.
    """

    def __init__(self, store: ox.Store, *, workers: int = 4) -> None:
        super().__init__(workers)
        self._store = store

    def _work(self, job: QueryJob, pipe: _Pipe) -> None:
        answer_job(self._store, job, cast(Connection, pipe))


class PoolExecutor(_Threaded):
    """Queries through worker processes, each query bounded by the pool's deadline."""

    def __init__(self, pool: QueryPool) -> None:
        # A thread per query the pool admits (running or queued), and one more that hears its refusals:
        # so the pool, not this thread pool's unbounded queue, decides who waits.
        super().__init__(pool.size + (pool.max_queued if pool.max_queued is not None else pool.size) + 1)
        self._pool = pool

    def _work(self, job: QueryJob, pipe: _Pipe) -> None:
        answer = self._pool.run(job)
        try:
            pipe.send(("start", answer.kind, answer.truncated))
            for chunk in answer.chunks:
                pipe.send(("chunk", chunk))
            pipe.send(("end", None))
        finally:
            if isinstance(answer.chunks, Generator):
                answer.chunks.close()  # an abandoned answer hands its worker back (or replaces it) now
