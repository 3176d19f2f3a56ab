"""A relayed answer read in the format the endpoint wrote and written in the one the client asked for.

pyoxigraph parses from a blocking file object, and the endpoint's bytes arrive
on the event loop, so the parsing runs in a thread that pulls the bytes from
the loop as it needs them (:class:`LoopReader`): a long answer is read only as
far as the row limit, and never held whole. What the thread writes goes back
through a bounded queue (:func:`transcode`), so a slow client slows the
reading instead of filling memory, and a client that leaves stops it.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from itertools import islice
from typing import IO, cast

import pyoxigraph as ox

from stancegraph.api.execution.answering import CHUNK_BYTES, ChunkWriter
from stancegraph.api.negotiation import Format
from stancegraph.graph.store import ask_answer


def _tsv_term(term: object) -> str:
    """A term in SPARQL TSV syntax (N-Triples, with RDF 1.2's ``<<( )>>`` for triple terms)."""
    if isinstance(term, ox.Triple):
        return f"<<( {_tsv_term(term.subject)} {_tsv_term(term.predicate)} {_tsv_term(term.object)} )>>"
    return str(term)


def _first_solutions(solutions: ox.QuerySolutions, limit: int) -> tuple[ox.QuerySolutions, bool]:
    """At most ``limit`` solutions, and whether there were more.

    pyoxigraph cannot serialise part of a result, so the first ``limit`` are written as SPARQL TSV
    (terms are N-Triples, which pyoxigraph writes itself) and parsed back into a result object,
    which then serialises to any format exactly as the original would have. (The local store's
    workers cut in the engine's own serialiser instead; a relayed answer has already been parsed.)
    """
    names = [variable.value for variable in solutions.variables]
    rows = list(islice(solutions, limit + 1))
    lines = ["\t".join(f"?{name}" for name in names)]
    lines += ["\t".join("" if row[n] is None else _tsv_term(row[n]) for n in names) for row in rows[:limit]]
    text = "\n".join(lines) + "\n"
    again = ox.parse_query_results(text.encode(), format=ox.QueryResultsFormat.TSV)
    assert isinstance(again, ox.QuerySolutions)
    return again, len(rows) > limit


CHUNKS_IN_FLIGHT = 8


class ReadFailure(Exception):
    """Reading the endpoint's bytes failed; ``cause`` is what the HTTP client raised."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause


class LoopReader(io.RawIOBase):
    """A blocking file, for a worker thread, over an async stream of bytes owned by the event loop.

    ``keep``: remember every byte read, so that an answer already in the client's
    format can go out exactly as the endpoint wrote it.
    """

    def __init__(self, chunks: AsyncIterator[bytes], loop: asyncio.AbstractEventLoop, *, keep: bool) -> None:
        self._chunks, self._loop = chunks, loop
        self._pending = b""
        self._ended = False
        self.kept = bytearray() if keep else None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while not self._pending and not self._ended:
            try:
                chunk = asyncio.run_coroutine_threadsafe(_next(self._chunks), self._loop).result()
            except Exception as error:
                raise ReadFailure(error) from None
            self._ended = chunk is None
            self._pending = chunk or b""
            if self.kept is not None:
                self.kept += self._pending
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size

    def whole(self) -> bytes:
        """Everything the endpoint sent (read to its end first): only with ``keep``."""
        assert self.kept is not None
        while self.read(CHUNK_BYTES):
            pass
        return bytes(self.kept)


class Body(io.BytesIO):
    """An answer already read whole, for :func:`cut` to read as it reads a :class:`LoopReader`."""

    def whole(self) -> bytes:
        return self.getvalue()


def _file(reader: LoopReader | Body) -> IO[bytes]:
    """The reader as the binary file pyoxigraph's stubs ask for (a RawIOBase is one at run time)."""
    return cast(IO[bytes], reader)


async def _next(chunks: AsyncIterator[bytes]) -> bytes | None:
    return await anext(chunks, None)


#: Per format: what no row of an answer can be written without (a SPARQL XML ``result`` element,
#: with or without a prefix; a SPARQL JSON binding object; an N-Triples line), and what a whole
#: answer ends with. Counted in the bytes, the marks bound the rows from above: one that also
#: appears in a literal only loosens the bound.
ROW_MARKS: dict[str, tuple[tuple[bytes, ...], bytes]] = {
    "application/sparql-results+xml": ((b"<result", b":result"), b"sparql>"),
    "application/sparql-results+json": ((b"{",), b"}"),
    "application/n-triples": ((b"\n",), b"."),
}


class RowBound:
    """An upper bound on the rows (or triples) of an answer, from its bytes alone, without parsing it.

    Counting a mark is a scan at memory speed, where parsing an answer to count its
    rows (then sending the bytes as they came) cost a thread and milliseconds.

    >>> bound = RowBound.of("application/n-triples")
    >>> bound.add(b"<a> <b> <c> .\\n<a> <b> <d"), bound.add(b"> .\\n")
    (2, 3)
    >>> bound.ends_whole(b"<a> <b> <c> .\\n<a> <b> <d"), bound.ends_whole(b"<a> <b> <c> .\\n")
    (False, True)
    >>> RowBound.of("application/rdf+xml") is None
    True
    """

    def __init__(self, marks: tuple[bytes, ...], ending: bytes) -> None:
        self._marks, self._ending = marks, ending
        self._overlap = max(len(mark) for mark in marks) - 1  # a mark split across two chunks is still seen
        self._tail = b""
        self.rows = 1  # the last N-Triples line may end without a newline

    @classmethod
    def of(cls, media_type: str) -> RowBound | None:
        """A bound for answers in ``media_type``, or ``None`` when its rows cannot be counted this way."""
        known = ROW_MARKS.get(media_type)
        return cls(*known) if known else None

    def add(self, chunk: bytes) -> int:
        """Count the marks in the next chunk; the bound so far."""
        window = self._tail + chunk
        self.rows += sum(window.count(mark) for mark in self._marks)
        # a shorter mark wholly inside the overlap is counted twice, which only loosens the bound
        self._tail = window[-self._overlap :] if self._overlap else b""
        return self.rows

    def ends_whole(self, body: bytes) -> bool:
        """Whether ``body`` ends as a whole answer does: one cut short by the endpoint is parsed, and fails."""
        end = body.rstrip()
        return end.endswith(self._ending) or (self._ending == b"." and not end)


@dataclass
class Cut:
    """At most ``max_rows`` rows of an answer, written out; ``kind`` tells an ASK from a SELECT."""

    kind: str
    body: bytes
    truncated: bool


def cut(reader: LoopReader | Body, kind: str, sent: Format, wanted: Format, max_rows: int | None) -> Cut:
    """The first ``max_rows`` rows (or triples) of the answer in ``wanted``.

    An answer within the limit that the endpoint wrote in ``wanted`` goes out as it came,
    unless it is an ASK answered as a table, which becomes the boolean it stands for.
    ``max_rows`` ``None``: the answer is known to hold no more rows than the limit (its
    :class:`RowBound`), and is rewritten whole, without the round trip that cutting a result
    takes (two thirds of the time to rewrite a thousand rows of SPARQL XML as JSON).
    """
    if kind == "graph":
        triples = (quad.triple for quad in ox.parse(_file(reader), format=sent.rdf_format))
        output = io.BytesIO()
        if max_rows is None:
            ox.serialize(triples, output, wanted.rdf_format)
            return Cut(kind, output.getvalue(), False)
        first = list(islice(triples, max_rows + 1))
        truncated = len(first) > max_rows
        if not truncated and sent == wanted:
            return Cut(kind, reader.whole(), False)
        ox.serialize(first[:max_rows], output, wanted.rdf_format)
        return Cut(kind, output.getvalue(), truncated)
    parsed = ox.parse_query_results(_file(reader), format=cast(ox.QueryResultsFormat, sent.format))
    result = ask_answer(parsed) if kind == "ask" else parsed
    assert isinstance(result, ox.QuerySolutions | ox.QueryBoolean)
    truncated = False
    if isinstance(result, ox.QueryBoolean):
        kind = "ask"
    elif max_rows is not None:
        result, truncated = _first_solutions(result, max_rows)
    if not truncated and sent == wanted and result is parsed:
        return Cut(kind, reader.whole(), False)
    output = io.BytesIO()
    result.serialize(output, cast(ox.QueryResultsFormat, wanted.format))
    return Cut(kind, output.getvalue(), truncated)


class _Gone(Exception):
    """The client left: the thread stops writing."""


class _QueueWriter(ChunkWriter):
    """A file the thread writes to, handing chunks to the loop through a bounded queue."""

    def __init__(
        self, queue: asyncio.Queue[bytes | BaseException | None], loop: asyncio.AbstractEventLoop
    ) -> None:
        super().__init__(self.put)
        self._queue, self._loop = queue, loop
        self.gone = False

    def put(self, item: bytes | BaseException | None) -> None:
        if self.gone:
            raise _Gone
        asyncio.run_coroutine_threadsafe(self._queue.put(item), self._loop).result()


def transcode(
    reader: LoopReader,
    kind: str,
    sent: Format,
    wanted: Format,
    *,
    threads: Executor,
    failure: Callable[[BaseException], BaseException],
) -> AsyncIterator[bytes]:
    """The whole answer in ``wanted``, streamed: parsed and written in one of ``threads`` as the client reads.

    A failure after the first byte can only cut the stream short; ``failure`` says what it was.
    """
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[bytes | BaseException | None] = asyncio.Queue(CHUNKS_IN_FLIGHT)
    writer = _QueueWriter(queue, loop)

    def work() -> None:
        output = cast(IO[bytes], writer)
        try:
            if kind == "graph":
                ox.serialize(
                    (quad.triple for quad in ox.parse(_file(reader), format=sent.rdf_format)),
                    output,
                    wanted.rdf_format,
                )
            else:
                result = ox.parse_query_results(
                    _file(reader), format=cast(ox.QueryResultsFormat, sent.format)
                )
                result.serialize(output, cast(ox.QueryResultsFormat, wanted.format))
            writer.flush()
            writer.put(None)
        except _Gone:
            return
        except Exception as error:  # whatever it was, the reader must hear of it, or it waits for ever
            try:
                writer.put(failure(error))
            except _Gone:
                return

    async def chunks() -> AsyncIterator[bytes]:
        loop.run_in_executor(threads, work)
        try:
            while (item := await queue.get()) is not None:
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            writer.gone = True
            while not queue.empty():  # a put waiting on a full queue returns, and the next one stops
                queue.get_nowait()

    return chunks()
