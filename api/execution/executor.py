"""The interface every route runs queries through, whichever engine answers."""

from __future__ import annotations

from abc import ABC, abstractmethod

from stancegraph.api.execution.answer import Answer
from stancegraph.api.execution.job import QueryJob


class Executor(ABC):
    """Runs jobs without blocking the event loop.

    Three implementations: :class:`~.processes.PoolExecutor` (worker processes,
    each query stopped at its deadline), :class:`~.threads.ThreadExecutor`
    (threads of this process) and :class:`~.relay.ProxyExecutor` (a remote
    endpoint). A slow client slows the producer instead of filling memory, and
    a client that goes away stops it. Executors take jobs as given: ``/sparql``
    has refused ``SERVICE`` and ``LOAD`` to addresses not allowed before a job
    gets here.
    """

    @abstractmethod
    async def execute(self, job: QueryJob) -> Answer:
        """Start ``job``; return once the kind of result is known and the first bytes are ready.

        Errors found before any byte is written (syntax, no acceptable format,
        timeouts) are raised here, so they become proper error responses.
        """

    async def aclose(self) -> None:  # noqa: B027 - most executors hold nothing to release
        """Release threads, processes or connections."""
