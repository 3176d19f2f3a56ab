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
from stancegraph.api.execution.messages import Command, Failed, Failure, Message, Status, to_wire
from stancegraph.graph.errors import StancegraphError


def _worker_main(store_path: str, connection: Connection) -> None:
    """A worker's life: open the store read-only, then answer one job at a time until told to stop.

    :attr:`Command.RELEASE` closes the store and waits for :attr:`Command.REOPEN` (a write happens in between).
    """
    store = ox.Store.read_only(store_path)
    connection.send(Status.READY)

    def send(message: Message) -> None:
        connection.send(to_wire(message))

    while True:
        try:
            job = connection.recv()
        except EOFError:  # the pool went away (closed, or replaced this worker): nothing to answer
            return
        if job is Command.STOP:
            return
        if job is Command.RELEASE:
            del store
            connection.send(Status.RELEASED)
            if connection.recv() is not Command.REOPEN:
                return
            store = ox.Store.read_only(store_path)
            connection.send(Status.READY)
            continue
        try:
            answer_job(store, job, send)
        except Exception as error:  # a worker must answer every job, whatever happened
            send(Failure(Failed.INTERNAL, f"{type(error).__name__}: {error}"))


class Worker:
    """The pool's handle on one worker process: its pipe, and how to wait for it, stop it or kill it."""

    def __init__(self, context: SpawnContext, store_path: Path) -> None:
        self.store_path = store_path
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_worker_main, args=(str(store_path), child), daemon=True)
        self.process.start()
        child.close()

    def expect(self, status: Status) -> None:
        """Wait for the worker to say ``status``; a worker that cannot is killed."""
        try:
            ok = self.connection.poll(60) and self.connection.recv() is status
        except (EOFError, OSError):
            ok = False
        if not ok:
            self.kill()
            raise StancegraphError(f"a query worker could not open {self.store_path}")

    def tell(self, command: Command) -> None:
        """Send ``command``; a worker already gone is not told."""
        with contextlib.suppress(OSError, ValueError):
            self.connection.send(command)

    def kill(self) -> None:
        self.process.kill()
        self.process.join(5)
        self.connection.close()

    def stop(self) -> None:
        self.tell(Command.STOP)
        self.process.join(5)
        if self.process.is_alive():
            self.kill()
        self.connection.close()
