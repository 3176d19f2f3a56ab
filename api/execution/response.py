"""An :class:`~.answer.Answer` as an HTTP response: whole when it is short, streamed when it is long."""

from __future__ import annotations

import logging

from starlette.responses import Response, StreamingResponse
from starlette.types import Send

from stancegraph.api.execution.answer import Answer, prepended
from stancegraph.api.execution.errors import QueryTimeoutError

logger = logging.getLogger(__name__)


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
    return _AnswerStream(prepended((first, second), chunks), media_type=media_type, headers=headers)


class _AnswerStream(StreamingResponse):
    """A long answer, streamed. One the deadline stops ends without its last chunk.

    Its ``200`` has gone out, so the cut can only show in the body's framing: the
    server closes the connection mid-body and clients raise an error (tested). An
    exception would do the same, with a traceback in the log for what is a limit
    doing its job; returning early logs one line.
    """

    async def stream_response(self, send: Send) -> None:
        try:
            await super().stream_response(send)
        except QueryTimeoutError as error:
            logger.warning("a streamed answer was cut short: %s", error)
