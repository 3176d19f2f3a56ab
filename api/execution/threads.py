"""Queries in threads of this process: pyoxigraph releases the GIL, but a thread cannot be stopped."""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from concurrent.futures import ThreadPoolExecutor

import pyoxigraph as ox

from stancegraph.api.execution.answer import Answer, read_answer
from stancegraph.api.execution.answering import answer_job
from stancegraph.api.execution.executor import Executor
from stancegraph.api.execution.job import QueryJob
from stancegraph.api.execution.messages import Message, Raised

CHUNKS_IN_FLIGHT = 8


class _ConsumerGone(Exception):
    """The client stopped reading: the worker thread abandons the answer."""


class _Pipe:
    """Messages from a worker thread to the event loop, at most ``depth`` in flight.

    The thread side sends what :func:`~.answering.answer_job` says, plus
    :class:`~.messages.Raised` for whatever else went wrong; the loop side is a
    :class:`~.answer.MessageSource`.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, depth: int = CHUNKS_IN_FLIGHT) -> None:
        self._loop = loop
        # A deque and one waiter rather than an asyncio.Queue: one pipe is made per query, and
        # building a Queue was ~6% of the event loop's time on a millisecond query (py-spy).
        self._messages: deque[Message] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self._slots = threading.Semaphore(depth)
        self._closed = threading.Event()

    def send(self, message: Message) -> None:
        """Thread side: hand over one message, waiting while ``depth`` are unread."""
        self._slots.acquire()
        if self._closed.is_set():
            self._slots.release()
            raise _ConsumerGone
        self._loop.call_soon_threadsafe(self._deliver, message)

    def _deliver(self, message: Message) -> None:
        self._messages.append(message)
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def receive(self) -> Message:
        while not self._messages:
            self._waiter = self._loop.create_future()
            await self._waiter
        self._slots.release()
        return self._messages.popleft()

    def finish(self, *, healthy: bool) -> None:
        """Loop side: stop reading; a thread waiting to send is woken and gives up."""
        self._closed.set()
        self._slots.release()


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
            answer_job(self._store, job, pipe.send)
        except _ConsumerGone:
            return
        except BaseException as error:
            try:
                pipe.send(Raised(error))
            except _ConsumerGone:
                return

    async def execute(self, job: QueryJob) -> Answer:
        pipe = _Pipe(asyncio.get_running_loop())
        asyncio.get_running_loop().run_in_executor(self._threads, self._work, job, pipe)
        return await read_answer(pipe)

    async def aclose(self) -> None:
        self._threads.shutdown(wait=False, cancel_futures=True)
