"""The producer's side: answer one job on a pyoxigraph store, as messages.

Shared by the worker processes and by in-process threads, so both stream
alike; ``send`` puts a message on the pipe or the thread's queue.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import IO, cast

import pyoxigraph as ox

from stancegraph.api.execution.job import QueryJob
from stancegraph.api.execution.messages import Chunk, End, Failed, Failure, Kind, Message, Start
from stancegraph.graph.datasets import query_arguments

CHUNK_BYTES = 64 * 1024
Send = Callable[[Message], None]


class ChunkWriter:
    """A binary file-like object that hands what pyoxigraph writes to ``send`` in chunks of CHUNK_BYTES.

    The answerers send chunks as :class:`Chunk` messages; the relay (``transcoding``) puts them on a queue.
    """

    def __init__(self, send: Callable[[bytes], None]) -> None:
        self._send = send
        self._buffer = bytearray()

    def write(self, data: bytes) -> int:
        self._buffer += data
        if len(self._buffer) >= CHUNK_BYTES:
            self.flush()
        return len(data)

    def flush(self) -> None:
        if self._buffer:
            self._send(bytes(self._buffer))
            self._buffer.clear()


def _chunk_writer(send: Send) -> IO[bytes]:
    """An answer's writer: each chunk goes out as a :class:`Chunk` message."""
    # the type as a string: IO[bytes] would build a generic alias on every query
    return cast("IO[bytes]", ChunkWriter(lambda data: send(Chunk(data))))


class _EnoughLines(Exception):
    """Raised into pyoxigraph's serialiser to stop it: the lines wanted are in."""


class _LineBuffer:
    """A binary file-like object that keeps what is written until it holds more than ``lines`` lines."""

    def __init__(self, lines: int) -> None:
        self.lines = lines
        self.parts: list[bytes] = []
        self._seen = 0

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        self._seen += data.count(b"\n")
        if self._seen > self.lines:
            raise _EnoughLines
        return len(data)

    def flush(self) -> None:
        pass

    def first(self) -> tuple[bytes, bool]:
        """The first ``lines`` lines, and whether more were written."""
        text = b"".join(self.parts)
        kept = text.split(b"\n", self.lines)
        if len(kept) <= self.lines or kept[self.lines] == b"":  # no more than ``lines`` whole lines
            return text, False
        return b"\n".join(kept[: self.lines]) + b"\n", True


def _first_lines(result: ox.QuerySolutions | ox.QueryTriples, lines: int) -> tuple[bytes, bool]:
    """The result in a line format (SPARQL TSV, N-Triples) up to ``lines`` lines, and whether it went on.

    pyoxigraph writes the lines and stops evaluating once one more has come: no
    row passes through Python (handling each row here cost ~20 µs).
    """
    buffer = _LineBuffer(lines)
    with contextlib.suppress(_EnoughLines):
        if isinstance(result, ox.QueryTriples):
            result.serialize(cast(IO[bytes], buffer), ox.RdfFormat.N_TRIPLES)
        else:
            result.serialize(cast(IO[bytes], buffer), ox.QueryResultsFormat.TSV)
    return buffer.first()


def _write_first(result: ox.QuerySolutions | ox.QueryTriples, limit: int, name: str, send: Send) -> None:
    """Send the first ``limit`` solutions (or triples) in the format ``name``, marked if there were more.

    The lines are written as they are when the client asked for that line format,
    and otherwise parsed back and written again by pyoxigraph, exactly as the
    whole result would have been.
    """
    graph = isinstance(result, ox.QueryTriples)
    lines, truncated = _first_lines(result, limit if graph else limit + 1)  # TSV has a header line
    send(Start(Kind.GRAPH if graph else Kind.SELECT, truncated))
    writer = _chunk_writer(send)
    if name == ("N_TRIPLES" if graph else "TSV"):
        writer.write(lines)
    elif graph:
        ox.serialize(ox.parse(lines, format=ox.RdfFormat.N_TRIPLES), writer, getattr(ox.RdfFormat, name))
    else:
        solutions = ox.parse_query_results(lines, format=ox.QueryResultsFormat.TSV)
        solutions.serialize(writer, getattr(ox.QueryResultsFormat, name))
    writer.flush()


def answer_job(store: ox.Store, job: QueryJob, send: Send) -> None:
    """Answer one job on ``store``: :class:`Start`, chunks and :class:`End`, or a :class:`Failure`.

    With ``job.max_rows``, the first rows are read before the first byte is
    sent, so :class:`Start` can say whether the answer is truncated.
    """
    if job.dump_format is not None:
        send(Start(Kind.GRAPH))
        writer = _chunk_writer(send)
        store.dump(writer, getattr(ox.RdfFormat, job.dump_format))
        writer.flush()
        send(End())
        return
    try:
        result = store.query(
            job.query,
            prefixes=job.prefixes or None,
            base_iri=job.base_iri,
            **query_arguments(job.query, job.dataset, union_default_graph=job.union_default_graph),
        )
    except SyntaxError as error:
        send(Failure(Failed.SYNTAX, str(error)))
        return
    if isinstance(result, ox.QueryTriples):
        kind, name = Kind.GRAPH, job.graph_format
    else:
        kind, name = (Kind.ASK if isinstance(result, ox.QueryBoolean) else Kind.SELECT), job.solutions_format
    if name is None:
        send(Failure(Failed.NOT_ACCEPTABLE, f"no acceptable format for a {kind} result"))
        return
    if isinstance(result, ox.QueryBoolean):  # a few bytes: written at once, without a writer to call back
        body = result.serialize(format=getattr(ox.QueryResultsFormat, name))
        assert body is not None  # no output given: the bytes are returned
        send(Start(kind))
        send(Chunk(body))
    elif job.max_rows is not None:
        _write_first(result, job.max_rows, name, send)
    else:
        send(Start(kind))
        writer = _chunk_writer(send)
        if isinstance(result, ox.QueryTriples):
            result.serialize(writer, getattr(ox.RdfFormat, name))
        else:
            result.serialize(writer, getattr(ox.QueryResultsFormat, name))
        writer.flush()
    send(End())
