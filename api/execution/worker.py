"""A worker process: one read-only opener of the on-disk store, answering one job at a time.

pyoxigraph has no query timeout and cannot cancel a query that has started: a
thread running a cross product of all triples runs until it is done. A process
can be killed, so the pool (``pool``) runs each query in one of these and
kills it at the deadline.
"""

from __future__ import annotations

import contextlib
from multiprocessing.connection import Connection
from multiprocessing.context import SpawnContext
from pathlib import Path

import pyoxigraph as ox

from stancegraph.api.execution.answering import answer_job
from stancegraph.api.execution.channel import Channel
from stancegraph.api.execution.job import QueryJob
from stancegraph.api.execution.messages import Chunk, Command, End, Failed, Failure, Message, Status, to_wire
from stancegraph.graph.errors import StancegraphError


def _worker_main(store_path: str, connection: Connection) -> None:
    """A worker's life: open the store read-only, then answer one job at a time until told to stop.

    :attr:`Command.RELEASE` closes the store and waits for :attr:`Command.REOPEN` (a write happens in between).
    """
    channel = Channel(connection)
    store = ox.Store.read_only(store_path)
    channel.send(Status.READY)
    while True:
        try:
            message = channel.receive()
        except EOFError:  # the pool went away (closed, or replaced this worker): nothing to answer
            return
        if message is Command.STOP:
            return
        if message is Command.RELEASE:
            del store
            channel.send(Status.RELEASED)
            if channel.receive() is not Command.REOPEN:
                return
            store = ox.Store.read_only(store_path)
            channel.send(Status.READY)
            continue
        send = _Packets(channel)
        try:
            answer_job(store, QueryJob.from_wire(message), send)  # type: ignore[arg-type]
        except Exception as error:  # a worker must answer every job, whatever happened
            send(Failure(Failed.INTERNAL, f"{type(error).__name__}: {error}"))


class _Packets:
    """One job's messages into the pipe, as lists (packets): a short answer goes as one.

    An answer is :class:`~.messages.Start`, its chunks and its end. Each send
    through the pipe wakes the event loop once and costs both sides a pickle
    and a system call or two, so the first messages are held until the answer ends
    or its second chunk is in: what :func:`~.response.respond` waits for before
    it answers anyway. A short answer then crosses in one packet rather than
    three; a long one's later chunks go one by one, as they are written.

    >>> from multiprocessing import Pipe
    >>> from stancegraph.api.execution.messages import Kind, Start
    >>> ours, theirs = (Channel(end) for end in Pipe())
    >>> send = _Packets(theirs)
    >>> for message in (Start(Kind.SELECT), Chunk(b"a"), Chunk(b"b"), Chunk(b"c"), End()):
    ...     send(message)
    >>> ours.receive(), ours.receive(), ours.receive()
    ([(0, 'select', False), (1, b'a'), (1, b'b')], [(1, b'c')], [(2,)])
    """

    def __init__(self, channel: Channel) -> None:
        self._channel = channel
        self._held: list[tuple[object, ...]] | None = []  # None once the held messages went
        self._chunks = 0

    def __call__(self, message: Message) -> None:
        wire = to_wire(message)
        if self._held is None:
            self._channel.send([wire])
            return
        self._held.append(wire)
        self._chunks += isinstance(message, Chunk)
        if self._chunks == 2 or isinstance(message, End | Failure):
            self._channel.send(self._held)
            self._held = None


class Worker:
    """The pool's handle on one worker process: its socket, and how to wait for it, stop it or kill it."""

    def __init__(self, context: SpawnContext, store_path: Path) -> None:
        self.store_path = store_path
        ours, child = context.Pipe()
        self.process = context.Process(target=_worker_main, args=(str(store_path), child), daemon=True)
        self.process.start()
        child.close()
        self.channel = Channel(ours, blocking=False)

    def expect(self, status: Status) -> None:
        """Wait for the worker to say ``status``; a worker that cannot is killed."""
        try:
            ok = self.channel.receive(60) is status
        except (EOFError, OSError, TimeoutError):
            ok = False
        if not ok:
            self.kill()
            raise StancegraphError(f"a query worker could not open {self.store_path}")

    def tell(self, command: Command) -> None:
        """Send ``command``; a worker already gone is not told."""
        with contextlib.suppress(OSError, ValueError):
            self.channel.send(command)

    def kill(self) -> None:
        self.process.kill()
        self.process.join(5)
        self.channel.close()

    def stop(self) -> None:
        self.tell(Command.STOP)
        self.process.join(5)
        if self.process.is_alive():
            self.kill()
        self.channel.close()
