"""The one answer type, and the one loop that reads a producer's messages into it.

Every executor returns an :class:`Answer`. The worker processes' and the
threads' answers are read by :func:`read_answer` from a :class:`MessageSource`
(a lease on a worker, or a thread's queue); the relay builds its answers from
the endpoint's bytes. A blocking caller (:meth:`QueryPool.run
<.pool.QueryPool.run>`, for the JSON API's store) runs the same loop over a
source whose waits block rather than suspend: such a coroutine never yields
to an event loop, so :func:`run_blocking` steps it to its end in the caller's
thread.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol, TypeVar

from stancegraph.api.execution.messages import Chunk, End, Failure, Kind, Message, Raised, Start
from stancegraph.graph.errors import StancegraphError

T = TypeVar("T")


@dataclass
class Answer:
    """A query's answer: its kind and its serialised bytes, as they are written.

    ``truncated``: the answer holds only the first ``max_rows`` rows the job allowed.
    """

    kind: Kind
    chunks: AsyncIterator[bytes]
    truncated: bool = False

    def blocking_chunks(self) -> Iterator[bytes]:
        """The chunks, read in this thread: only for an answer whose source blocks (``QueryPool.run``'s).

        Closing the iterator early gives the producer up, as leaving an async answer does.
        """
        chunks = self.chunks
        try:
            while True:
                try:
                    yield run_blocking(anext(chunks))
                except StopAsyncIteration:
                    return
        finally:
            close = getattr(chunks, "aclose", None)
            if close is not None:
                run_blocking(close())

    def blocking_body(self) -> bytes:
        """All of it, read in this thread (see :meth:`blocking_chunks`)."""
        return b"".join(self.blocking_chunks())


class MessageSource(Protocol):
    """Where one job's messages come from: a lease on a worker process, or a thread's queue."""

    async def receive(self) -> Message:
        """The next message (raises :class:`~.errors.QueryTimeoutError` past the deadline)."""
        ...

    def finish(self, *, healthy: bool) -> None:
        """Done with the producer: ``healthy`` when it finished its job, else it is abandoned mid-answer."""
        ...


async def read_answer(source: MessageSource) -> Answer:
    """The answer, once its kind is known and its first bytes are in.

    Errors found before any byte is written (syntax, no acceptable format, the
    deadline) are raised here, so that they become proper error responses.
    """
    try:
        start = await source.receive()
        first = await source.receive() if isinstance(start, Start) else start
    except BaseException:
        source.finish(healthy=False)
        raise
    if not isinstance(start, Start) or not isinstance(first, Chunk | End):
        source.finish(healthy=True)  # the producer ended its job with the failure
        raise _error(first)
    return Answer(kind=start.kind, chunks=_chunks(source, first), truncated=start.truncated)


async def _chunks(source: MessageSource, message: Message) -> AsyncIterator[bytes]:
    healthy = False
    try:
        while isinstance(message, Chunk):
            yield message.data
            message = await source.receive()
        healthy = True  # the producer finished its job, with End or a failure
        if not isinstance(message, End):
            raise _error(message)
    finally:
        # a client that stops reading early leaves the producer mid-answer: the source gives it up
        source.finish(healthy=healthy)


def _error(message: Message) -> BaseException:
    if isinstance(message, Failure | Raised):
        return message.error()
    return StancegraphError(f"a query worker sent {type(message).__name__} out of turn")


async def prepended(head: Iterable[bytes], rest: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """The chunks of ``head`` (already read), then those of ``rest``."""
    for chunk in head:
        yield chunk
    async for chunk in rest:
        yield chunk


def run_blocking(awaitable: Awaitable[T]) -> T:
    """Run ``awaitable`` to its end in this thread, without an event loop.

    Only for coroutines that never suspend: every wait in them blocks instead
    (a :class:`~.lease.BlockingLease`'s). One that did suspend is an error.
    """
    steps = awaitable.__await__()
    try:
        steps.send(None)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    steps.close()
    raise RuntimeError("a blocking answer waited on an event loop")
