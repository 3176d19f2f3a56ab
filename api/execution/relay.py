"""``/sparql`` in front of another SPARQL endpoint: the same protocol, relayed.

The endpoint is asked only for the formats engines write most faithfully, and
only those for the query's form (:mod:`graph.query_shape` tells it; a mixed
``Accept`` list confuses Virtuoso): SPARQL results XML, then JSON, for SELECT
and ASK, whatever the client asked for (Virtuoso 7.2's JSON is the 2007 Note's,
with ``"typed-literal"`` terms that SPARQL 1.1 JSON does not have, so it could
not go out as it came; its TSV quotes variable names); N-Triples, then RDF/XML,
for graphs (its Turtle writes decimals as integers). An answer the endpoint
wrote in the client's format goes out byte for byte; any other is parsed and
written in the client's format (``transcoding``).

With a row limit, the answer is read one row past the limit and no further,
then cut and marked as a local answer would be: the endpoint's own limits are
its business, ours hold whichever engine answers. An answer in the client's
format whose bytes show it cannot hold more rows than the limit (a count of
row marks, ``transcoding.RowBound``) goes out as it came, unparsed; one in
another format that the count shows within the limit is rewritten whole, with
nothing to cut (cutting costs a round trip through SPARQL TSV, which took two
thirds of the time); a short one to rewrite is rewritten on the event loop,
without a thread. With the data in named graphs (``Settings.graphs``), a query
that names no dataset of its own sees only those graphs.

Whatever the endpoint does wrong is a problem document naming it: down 502,
slow 504, a query it refuses 400 in its own words, an error status, an
unexpected content type or an answer that does not parse 502.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from urllib.parse import urlencode

from stancegraph.api.execution.answer import Answer, prepended
from stancegraph.api.execution.endpoint_client import EndpointClient, EndpointResponse, EndpointUnreachable
from stancegraph.api.execution.errors import NotAcceptableError
from stancegraph.api.execution.executor import Executor
from stancegraph.api.execution.job import QueryJob
from stancegraph.api.execution.messages import Kind
from stancegraph.api.execution.transcoding import Body, LoopReader, ReadFailure, RowBound, cut, transcode
from stancegraph.api.negotiation import GRAPHS, SOLUTIONS, Format
from stancegraph.graph.errors import (
    EndpointError,
    EndpointRefusedError,
    EndpointTimeoutError,
    QuerySyntaxError,
)
from stancegraph.graph.query_shape import KINDS, UPDATES, first_keyword, names_dataset
from stancegraph.graph.store import dataset_parameters

#: What the endpoint is asked for, by kind of result, in order of preference.
EXCHANGE: dict[str, tuple[Format, ...]] = {
    "select": (
        SOLUTIONS.media_types["application/sparql-results+xml"],
        SOLUTIONS.media_types["application/sparql-results+json"],
    ),
    "graph": (GRAPHS.media_types["application/n-triples"], GRAPHS.media_types["application/rdf+xml"]),
}
EXCHANGE["ask"] = EXCHANGE["select"]
#: The ``Accept`` header that asks for them.
ACCEPT = {
    kind: ", ".join(f"{f.media_type};q={1 - index / 10:g}" for index, f in enumerate(formats))
    for kind, formats in EXCHANGE.items()
}
#: At most this many relayed answers are converted at once (each holds a thread while it streams).
CONVERTING = 32
#: A whole answer up to this size is cut or rewritten on the event loop (a fraction of a millisecond),
#: not in a thread: the hops to a thread and back cost more than the parsing.
PARSED_ON_LOOP = 16 * 1024


class ProxyExecutor(Executor):
    """Relays jobs to a remote SPARQL 1.1 endpoint with POST (form-encoded)."""

    def __init__(self, endpoint: str, *, timeout: float, graphs: Sequence[str] = ()) -> None:
        self.endpoint = endpoint
        self.timeout = timeout
        # encoded once, sent with most queries
        self._dataset = urlencode(dataset_parameters(graphs), doseq=True)
        self._client = EndpointClient(endpoint, timeout=timeout)
        self._threads = ThreadPoolExecutor(max_workers=CONVERTING, thread_name_prefix="relay")

    def failure(self, error: BaseException) -> EndpointError:
        """The domain error for a failed exchange with the endpoint (an HTTP error, or bytes that do not parse)."""
        if isinstance(error, ReadFailure):
            error = error.cause
        if isinstance(error, EndpointError):
            return error
        if isinstance(error, TimeoutError):
            return EndpointTimeoutError(
                f"{self.endpoint} did not answer within {self.timeout:g} s", endpoint=self.endpoint
            )
        if isinstance(error, EndpointUnreachable):
            return EndpointError(f"cannot reach {self.endpoint}: {error}", endpoint=self.endpoint)
        return EndpointError(
            f"{self.endpoint} sent an answer that does not parse: {error}", endpoint=self.endpoint
        )

    async def execute(self, job: QueryJob) -> Answer:
        if job.dump_format is not None:
            raise NotAcceptableError(f"this server relays to {self.endpoint}: ask it for the whole dataset")
        keyword = first_keyword(job.query)  # read once: the lexer is a fifth of the relay's own logic
        if keyword in UPDATES:  # some engines run an update sent as a query
            raise QuerySyntaxError("expected a query, not an update: send updates to the endpoint itself")
        form = KINDS.get(keyword or "")
        kind = Kind(form or "select")  # not a query form: the endpoint says what is wrong
        wanted = (
            GRAPHS.by_attribute(job.graph_format)
            if kind == "graph"
            else SOLUTIONS.by_attribute(job.solutions_format)
        )
        if wanted is None:
            raise NotAcceptableError(f"no acceptable format for a {kind} result")  # as the local store says
        response, sent = await self._send(job, kind)
        # an ASK is read whole, whatever the limit: it may come as a table
        if job.max_rows is None and sent == wanted and kind != "ask":
            return Answer(kind=kind, chunks=self._relay(response))
        if job.max_rows is None and kind != "ask":
            reader = LoopReader(self._relay(response), asyncio.get_running_loop(), keep=False)
            chunks = transcode(reader, kind, sent, wanted, threads=self._threads, failure=self.failure)
            return Answer(kind=kind, chunks=_closing(chunks, response))
        return await self._limited(
            response, kind, sent, wanted, rows=job.max_rows or 1, known=form is not None
        )

    async def _limited(
        self, response: EndpointResponse, kind: Kind, sent: Format, wanted: Format, *, rows: int, known: bool
    ) -> Answer:
        """The answer cut at ``rows`` rows, read whole before its first byte goes out (the truncation is a header).

        ``known``: the query's form was recognised here; the answer of another is always parsed, so that
        :func:`cut` says what kind it is.
        """
        loop = asyncio.get_running_loop()
        stream = self._relay(response)
        try:
            bound = RowBound.of(sent.media_type) if kind != "ask" and known else None
            head, ended = await _head(stream, bound, rows)
            body = b"".join(head) if ended else b""
            within = ended and bound is not None and bound.rows <= rows
            if within and sent == wanted and bound is not None and bound.ends_whole(body):  # as it came
                return Answer(kind=kind, chunks=_once(body))
            limit = None if within and sent != wanted else rows  # rewritten whole: nothing to cut
            if ended and len(body) <= PARSED_ON_LOOP:
                answer = cut(Body(body), kind, sent, wanted, limit)
            else:
                source = (
                    Body(body) if ended else LoopReader(prepended(head, stream), loop, keep=sent == wanted)
                )
                answer = await loop.run_in_executor(self._threads, cut, source, kind, sent, wanted, limit)
        except (ReadFailure, SyntaxError, OSError) as error:
            raise self.failure(error) from None
        finally:
            await stream.aclose()
            await response.aclose()
        return Answer(kind=Kind(answer.kind), chunks=_once(answer.body), truncated=answer.truncated)

    async def _send(self, job: QueryJob, kind: str) -> tuple[EndpointResponse, Format]:
        """POST the job, asking for the formats for ``kind``; the streaming response, once its status is
        checked, and the format it is in."""
        form = _query_form(job.query)
        if job.default_graph or job.named_graphs:
            dataset = {
                "default-graph-uri": job.default_graph or (),
                "named-graph-uri": job.named_graphs or (),
            }
            form += f"&{urlencode(dataset, doseq=True)}"
        elif self._dataset and not names_dataset(job.query):
            form += f"&{self._dataset}"
        try:
            response = await self._client.post(form.encode(), accept=ACCEPT[kind])
        except (TimeoutError, EndpointUnreachable) as error:
            raise self.failure(error) from None
        try:
            return response, await self._check(response, kind)
        except BaseException:
            await response.aclose()
            raise

    async def _check(self, response: EndpointResponse, kind: str) -> Format:
        """The format of the answer; the domain error for an error status or a content type not asked for."""
        if response.status >= 300:
            try:
                said = _message((await response.read()).decode("utf-8", errors="replace"))
            except (TimeoutError, EndpointUnreachable) as error:
                raise self.failure(error) from None
            if response.status == 400:
                raise EndpointRefusedError(self.endpoint, said or "(no message)")
            raise EndpointError(
                f"{self.endpoint} answered {response.status}: {said[:300]}",
                endpoint=self.endpoint,
                remote_message=said,
            )
        content_type = response.headers.get("content-type", "")
        sent = (GRAPHS if kind == "graph" else SOLUTIONS).format_for(content_type)
        if sent in EXCHANGE[kind]:
            return sent
        asked = ", ".join(f.media_type for f in EXCHANGE[kind])
        raise EndpointError(
            f"{self.endpoint} answered with {content_type or 'no content type'!r} when asked for {asked}",
            endpoint=self.endpoint,
        )

    async def _relay(self, response: EndpointResponse) -> AsyncGenerator[bytes, None]:
        try:
            async for chunk in response.chunks():
                yield chunk
        except (TimeoutError, EndpointUnreachable) as error:
            raise self.failure(error) from None
        finally:
            await response.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()
        self._threads.shutdown(wait=False, cancel_futures=True)


def _message(text: str) -> str:
    """What an endpoint said in an error response: a problem document's ``detail``, else its text, shortened."""
    text = text.strip()
    try:
        document = json.loads(text)
    except ValueError:
        return text[:2000]
    detail = document.get("detail") if isinstance(document, dict) else None
    return str(detail)[:2000] if detail else text[:2000]


def _query_form(query: str) -> str:
    """``query=`` and the query, form-encoded: remembered for the short ones, which clients repeat (the
    JSON API's named queries, a dashboard's) and whose encoding was ~2% of a small answer's relay CPU."""
    return _short_query_form(query) if len(query) <= REMEMBERED_QUERY_LENGTH else urlencode({"query": query})


#: Queries up to this many characters have their form remembered (at most 256 of them: 1 MB).
REMEMBERED_QUERY_LENGTH = 4096


@lru_cache(maxsize=256)
def _short_query_form(query: str) -> str:
    return urlencode({"query": query})


async def _closing(chunks: AsyncIterator[bytes], response: EndpointResponse) -> AsyncIterator[bytes]:
    try:
        async for chunk in chunks:
            yield chunk
    finally:
        await response.aclose()


async def _once(body: bytes) -> AsyncIterator[bytes]:
    yield body


async def _head(stream: AsyncIterator[bytes], bound: RowBound | None, rows: int) -> tuple[list[bytes], bool]:
    """The answer's first chunks, and whether they are all of it.

    Read to the end while ``bound`` says the answer holds no more than ``rows``
    rows (it then goes out as it came, or is rewritten whole, with nothing to
    cut) or it is short enough to parse here; past that, the rest is parsed in a
    thread as it arrives.
    """
    head: list[bytes] = []
    size = 0
    while (chunk := await anext(stream, None)) is not None:
        head.append(chunk)
        size += len(chunk)
        within = bound is not None and bound.add(chunk) <= rows
        if size > PARSED_ON_LOOP and not within:
            return head, False
    return head, True
