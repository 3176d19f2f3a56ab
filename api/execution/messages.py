"""What a producer says while it answers a job, and what a worker process is told.

A producer (a worker process, through its pipe; a thread, through a
:class:`~.threads.ThreadExecutor`'s queue) answers a job with :class:`Start`,
then :class:`Chunk` after :class:`Chunk`, then :class:`End`; or with a
:class:`Failure` in place of any of them. :func:`~.answer.read_answer` reads
them, whichever producer wrote them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, StrEnum

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

    def __reduce__(self) -> tuple[type[Chunk], tuple[bytes]]:
        # a chunk crosses the pipe per 64 kB of answer: rebuilt from its bytes alone, it unpickles
        # several times faster than with the generic state a slotted dataclass pickles by default
        return Chunk, (self.data,)


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


class Command(Enum):
    """What the pool tells a worker process besides a job."""

    RELEASE = "release"  # close the store (a write is coming) and say RELEASED
    REOPEN = "reopen"  # open it again and say READY
    STOP = "stop"


class Status(Enum):
    """What a worker process says besides answers."""

    READY = "ready"  # the store is open: send jobs
    RELEASED = "released"  # the store is closed until REOPEN
