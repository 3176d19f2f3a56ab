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
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from stancegraph.api.execution.channel import NOTHING
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
        self._release: Release | None = release
        self._received: deque[Message] = deque()  # the rest of the worker's last packet
        try:
            self.deadline = pool.dispatch(worker, job)
        except OSError:  # it died between queries: replaced, and this query fails as if it died answering
            self.finish(healthy=False)
            raise StancegraphError("a query worker died before it could answer") from None

    async def receive(self) -> Message:
        """The worker's next message, waited for until the deadline.

        A worker sends its messages in packets (lists of them: a short answer is
        one packet), which are read whole and handed out one message at a time.
        """
        if self._past_deadline():
            raise QueryTimeoutError(self.limit)
        received = self._received
        if not received:
            try:
                packet = await self._packet()
            except EOFError:
                raise StancegraphError("a query worker died while answering") from None
            received.extend(map(from_wire, packet))
        return received.popleft()

    @abstractmethod
    def _past_deadline(self) -> bool:
        """Whether the deadline has passed: then no message is handed out, even one already read."""

    @abstractmethod
    async def _packet(self) -> Any:
        """The worker's next packet; :class:`QueryTimeoutError` at the deadline, :class:`EOFError` if it died."""

    def finish(self, *, healthy: bool) -> None:
        if self._release is not None:
            release, self._release = self._release, None
            self._released(healthy=healthy)
            release(self.worker, healthy=healthy)

    def _released(self, *, healthy: bool) -> None:  # noqa: B027 - only a loop lease has something to tidy
        """What a lease of this kind tidies when the worker goes back."""


class BlockingLease(Lease):
    """Waits in the calling thread; its :meth:`receive` never suspends (see :func:`~.answer.run_blocking`)."""

    def _past_deadline(self) -> bool:
        return time.monotonic() >= self.deadline

    async def _packet(self) -> Any:
        try:
            return self.worker.channel.receive(self.deadline - time.monotonic())
        except TimeoutError:
            raise QueryTimeoutError(self.limit) from None


class LoopLease(Lease):
    """Waits on the event loop (its :class:`Watches` say when the worker's packet is in), with a watchdog for the deadline.

    The deadline has a timer of its own because an answer streams only as fast as
    its client reads: a client that stops reading (without leaving) would hold the
    worker, blocked on its full pipe, for as long as it liked. At the deadline the
    worker is replaced, and the answer ends as a stream cut short.
    """

    def __init__(
        self, pool: QueryPool, worker: Worker, job: QueryJob, release: Release, watches: Watches
    ) -> None:
        self.expired = False
        self._watches = watches
        self._ready: asyncio.Future[None] | None = None  # while _packet() waits for the worker
        self._watchdog: asyncio.TimerHandle | None = None
        super().__init__(pool, worker, job, release)
        self._watchdog = asyncio.get_running_loop().call_later(
            max(0.0, self.deadline - time.monotonic()), self._expire
        )

    def _expire(self) -> None:
        self.expired = True
        if self._ready is not None:
            _settle(self._ready)  # _packet() raises, and the reader gives the worker back
        else:
            self.finish(healthy=False)

    def _released(self, *, healthy: bool) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
        if not healthy:  # the worker is killed next, off the loop: stop watching it first
            self._watches.forget(self.worker)

    def _past_deadline(self) -> bool:
        return self.expired

    async def _packet(self) -> Any:
        channel = self.worker.channel
        while (packet := channel.take()) is NOTHING:
            self._ready = self._watches.next_packet(self.worker)
            try:
                await self._ready
            finally:
                self._ready = None
            if self.expired:
                raise QueryTimeoutError(self.limit)
        return packet


class Watches:
    """The worker sockets an event loop watches: each from its first loop lease on, while loop leases hold it.

    Adding a reader to the loop and removing it again for every query cost the
    loop ~25 µs of CPU on a query of 200 (uvloop makes and closes a poll handle,
    with an ``epoll_ctl`` each way); a watch stays, and only the wait for the
    next packet is made per query. The loop watches a duplicate of the socket's
    descriptor, which only it closes: a worker killed in another thread closes
    its own descriptor, and the number can be reused at once, while the loop
    still had it. A watch ends (on the loop) when the socket turns readable with
    no loop lease waiting on it: the worker died between queries, or a thread
    (a blocking lease, or the pool pausing) reads it now.
    """

    def __init__(self) -> None:
        self._watching: dict[Worker, _Watch] = {}

    def next_packet(self, worker: Worker) -> asyncio.Future[None]:
        """A future done once ``worker``'s next packet has been read (raising :class:`EOFError` if it died)."""
        loop = asyncio.get_running_loop()
        watch = self._watching.get(worker)
        if watch is None or watch.loop is not loop:
            if watch is not None:  # the executor is used from another loop than before
                watch.stop()
            watch = self._watching[worker] = _Watch(loop, worker, self._watching)
        return watch.next_packet()

    def forget(self, worker: Worker) -> None:
        """Stop watching ``worker`` (its socket is about to close)."""
        watch = self._watching.get(worker)
        if watch is not None:
            watch.stop()

    def close(self) -> None:
        for watch in list(self._watching.values()):
            watch.stop()


class _Watch:
    """One worker's socket watched by ``loop``, through a descriptor of its own; see :class:`Watches`."""

    def __init__(
        self, loop: asyncio.AbstractEventLoop, worker: Worker, watching: dict[Worker, _Watch]
    ) -> None:
        self.loop = loop
        self._worker = worker
        self._watching = watching
        self._descriptor = os.dup(worker.channel.fd)
        self._waiter: asyncio.Future[None] | None = None
        loop.add_reader(self._descriptor, self._readable)

    def next_packet(self) -> asyncio.Future[None]:
        self._waiter = self.loop.create_future()
        return self._waiter

    def _readable(self) -> None:
        waiter = self._waiter
        if waiter is None or waiter.done():  # no loop lease waits: the worker died idle, or a thread reads it
            self._close()
            return
        try:
            if not self._worker.channel.read(self._descriptor):
                return  # a packet in part: the rest comes next
        except EOFError:
            self._close()
            waiter.set_exception(EOFError())
            return
        self._waiter = None
        waiter.set_result(None)

    def stop(self) -> None:
        """Stop watching: at once on the watch's own loop (or once that loop is closed), else by that loop."""
        try:
            here = asyncio.get_running_loop() is self.loop
        except RuntimeError:  # no loop runs in this thread
            here = False
        if here or self.loop.is_closed():
            self._close()
        else:
            self.loop.call_soon_threadsafe(self._close)

    def _close(self) -> None:
        if self._watching.get(self._worker) is self:
            del self._watching[self._worker]
        if self._descriptor >= 0:
            if not self.loop.is_closed():
                self.loop.remove_reader(self._descriptor)
            os.close(self._descriptor)
            self._descriptor = -1


def _settle(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
