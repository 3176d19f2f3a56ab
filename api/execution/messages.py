"""What a producer says while it answers a job, and what a worker process is told.

A producer (a worker process, through its pipe, as :func:`to_wire` writes
them, in lists: a short answer crosses as one; a thread, through a
:class:`~.threads.ThreadExecutor`'s queue, as they are) answers a job with
:class:`Start`, then :class:`Chunk` after :class:`Chunk`, then :class:`End`; or with a
:class:`Failure` in place of any of them. :func:`~.answer.read_answer` reads
them, whichever producer wrote them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, StrEnum
from typing import Any

from stancegraph.api.execution.errors import NotAcceptableError
from stancegraph.graph.errors import QuerySyntaxError, StancegraphError


class Kind(StrEnum):
    """The kind of a query's result: what decides its formats (a ``str``, so ``kind == "graph"`` holds)."""

    SELECT = "select"
    ASK = "ask"
    GRAPH = "graph"


@dataclass(frozen=True, slots=True)
class Start:
    """The answer begins: its kind, and whether the job's row limit cut it."""

    kind: Kind
    truncated: bool = False


@dataclass(frozen=True, slots=True)
class Chunk:
    """The next bytes of the serialised answer."""

    data: bytes


@dataclass(frozen=True, slots=True)
class End:
    """The answer is complete."""


class Failed(Enum):
    """What kind of failure a worker reports; each becomes its domain error in :meth:`Failure.error`."""

    SYNTAX = "syntax"
    NOT_ACCEPTABLE = "not-acceptable"
    INTERNAL = "internal"


@dataclass(frozen=True, slots=True)
class Failure:
    """The job failed: before :class:`Start` (nothing was sent) or after it (the answer stops short)."""

    failed: Failed
    text: str

    def error(self) -> BaseException:
        """The domain error to raise for it."""
        if self.failed is Failed.SYNTAX:
            return QuerySyntaxError(self.text)
        if self.failed is Failed.NOT_ACCEPTABLE:
            return NotAcceptableError(self.text)
        return StancegraphError(self.text)


@dataclass(frozen=True, slots=True)
class Raised:
    """A thread's exception, handed to the event loop as it is (never pickled: threads only)."""

    exception: BaseException

    def error(self) -> BaseException:
        return self.exception


Message = Start | Chunk | End | Failure | Raised

# A message crosses a worker's pipe as a tuple of built-in values, tagged: pickle rebuilds such a
# tuple in about a microsecond, where a class instance costs it 5-20 (it looks the class up by name),
# which on a trivial query was a tenth of the whole round trip (ASK {}: ~0.35 ms).
_START, _CHUNK, _END, _FAILURE = range(4)
_KINDS = {kind.value: kind for kind in Kind}
_FAILED = {failed.value: failed for failed in Failed}


def to_wire(message: Message) -> tuple[object, ...]:
    """A message as the worker process sends it (see :func:`from_wire`).

    >>> from_wire(to_wire(Start(Kind.ASK))), from_wire(to_wire(Chunk(b"true")))
    (Start(kind=<Kind.ASK: 'ask'>, truncated=False), Chunk(data=b'true'))
    """
    if isinstance(message, Chunk):
        return (_CHUNK, message.data)
    if isinstance(message, Start):
        return (_START, message.kind.value, message.truncated)
    if isinstance(message, End):
        return (_END,)
    if isinstance(message, Failure):
        return (_FAILURE, message.failed.value, message.text)
    raise TypeError(f"{type(message).__name__} does not cross a process boundary")


def from_wire(wire: tuple[Any, ...]) -> Message:
    """The message a worker sent, from its :func:`to_wire` form."""
    tag = wire[0]
    if tag == _CHUNK:
        return Chunk(wire[1])
    if tag == _START:
        return Start(_KINDS[wire[1]], wire[2])
    if tag == _END:
        return End()
    return Failure(_FAILED[wire[1]], wire[2])


class Command(Enum):
    """What the pool tells a worker process besides a job."""

    RELEASE = "release"  # close the store (a write is coming) and say RELEASED
    REOPEN = "reopen"  # open it again and say READY
    STOP = "stop"


class Status(Enum):
    """What a worker process says besides answers."""

    READY = "ready"  # the store is open: send jobs
    RELEASED = "released"  # the store is closed until REOPEN
