"""One query's hold on a worker process: the job sent, its messages read until the deadline, the worker given back.

The same lease serves both callers of the pool. :class:`LoopLease` waits for
the worker's messages on the event loop (``/sparql``, through
:class:`~.processes.PoolExecutor`); :class:`BlockingLease` waits in the
caller's thread (the JSON API's store, through :meth:`~.pool.QueryPool.run`).
Both are read by :func:`~.answer.read_answer`.
"""

from __future__ import annotations

import asyncio
import os
import select
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

from stancegraph.api.execution.errors import QueryTimeoutError
from stancegraph.api.execution.job import QueryJob
from stancegraph.api.execution.messages import Message, from_wire
from stancegraph.api.execution.worker import Worker
from stancegraph.graph.errors import StancegraphError

if TYPE_CHECKING:
    from stancegraph.api.execution.pool import QueryPool

Release = Callable[..., None]  # release(worker, healthy=...): a worker back, or replaced if not healthy


class Lease(ABC):
    """Sends ``job`` to ``worker`` on creation; gives the worker back once, by :meth:`finish`."""

    def __init__(self, pool: QueryPool, worker: Worker, job: QueryJob, release: Release) -> None:
        self.worker = worker
        self.limit = pool.timeout
        self.deadline = pool.dispatch(worker, job)
        self._release: Release | None = release
        self._received: deque[Message] = deque()  # the rest of the worker's last packet

    async def receive(self) -> Message:
        """The worker's next message, waited for until the deadline.

        A worker sends its messages in packets (lists of them: a short answer is
        one packet), which are read whole and handed out one message at a time.
        """
        received = self._received
        await self._wait(ready=bool(received))
        if not received:
            try:
                packet = self.worker.connection.recv()  # a whole packet follows its first bytes
            except EOFError:
                raise StancegraphError("a query worker died while answering") from None
            received.extend(map(from_wire, packet))
        return received.popleft()

    @abstractmethod
    async def _wait(self, *, ready: bool) -> None:
        """Return once a message is ready (at once when ``ready``); raise :class:`QueryTimeoutError` at the deadline."""

    def finish(self, *, healthy: bool) -> None:
        if self._release is not None:
            release, self._release = self._release, None
            self._released()
            release(self.worker, healthy=healthy)

    def _released(self) -> None:  # noqa: B027 - only a loop lease has something (its timer) to tidy
        """What a lease of this kind tidies when the worker goes back."""


class BlockingLease(Lease):
    """Waits in the calling thread; its :meth:`receive` never suspends (see :func:`~.answer.run_blocking`)."""

    async def _wait(self, *, ready: bool) -> None:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0 or (not ready and not self.worker.connection.poll(remaining)):
            raise QueryTimeoutError(self.limit)


class LoopLease(Lease):
    """Waits on the event loop (``add_reader`` on the worker's pipe), with a watchdog for the deadline.

    The deadline has a timer of its own because an answer streams only as fast as
    its client reads: a client that stops reading (without leaving) would hold the
    worker, blocked on its full pipe, for as long as it liked. At the deadline the
    worker is replaced, and the answer ends as a stream cut short.
    """

    def __init__(self, pool: QueryPool, worker: Worker, job: QueryJob, release: Release) -> None:
        super().__init__(pool, worker, job, release)
        self.expired = False
        self._ready: asyncio.Future[bool] | None = None  # while _wait() waits for the worker
        self._watchdog = asyncio.get_running_loop().call_later(
            max(0.0, self.deadline - time.monotonic()), self._expire
        )

    def _expire(self) -> None:
        self.expired = True
        if self._ready is not None:
            _settle(self._ready, False)  # _wait() raises, and the reader gives the worker back
        else:
            self.finish(healthy=False)

    def _released(self) -> None:
        self._watchdog.cancel()

    async def _wait(self, *, ready: bool) -> None:
        if not ready and not self.expired and not _readable(descriptor := self.worker.connection.fileno()):
            loop = asyncio.get_running_loop()
            self._ready = loop.create_future()
            loop.add_reader(descriptor, _settle, self._ready, True)
            try:
                await self._ready
            finally:
                self._ready = None
                loop.remove_reader(descriptor)
                os.set_blocking(descriptor, True)  # uvloop made it non-blocking; recv() reads whole messages
        if self.expired:
            raise QueryTimeoutError(self.limit)


def _readable(descriptor: int) -> bool:
    """Whether a read would not block: the connection's ``poll(0)`` builds a selector each time, select() does not."""
    return bool(select.select((descriptor,), (), (), 0)[0])


def _settle(future: asyncio.Future[bool], value: bool) -> None:
    if not future.done():
        future.set_result(value)
