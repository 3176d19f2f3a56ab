"""``/sparql`` in front of another SPARQL endpoint: the same protocol, relayed.

The job's formats become the ``Accept`` header sent on, the endpoint's
``Content-Type`` says which kind of result came back, and its bytes stream
through untouched. An endpoint that is down answers 502, one that is slow 504.

With a row limit, the answer is asked for in line formats (SPARQL TSV,
N-Triples), read one row past the limit and no further, then written in the
client's format, cut and marked as a local answer would be: the endpoint's
own limits are its business, ours hold whichever engine answers.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from io import BytesIO

import httpx
import pyoxigraph as ox

from stancegraph.api.execution import Answer, Executor
from stancegraph.api.negotiation import GRAPHS, SOLUTIONS, Format
from stancegraph.graph.errors import EndpointError, EndpointTimeoutError, QuerySyntaxError
from stancegraph.graph.query_pool import NotAcceptableError, QueryJob


class ProxyExecutor(Executor):
    """Relays jobs to a remote SPARQL 1.1 endpoint with POST (form-encoded)."""

    def __init__(self, endpoint: str, *, timeout: float) -> None:
        self.endpoint = endpoint
        self.timeout = timeout
        self._client = httpx.AsyncClient(timeout=timeout)

    def _failure(self, error: httpx.HTTPError) -> EndpointError:
        if isinstance(error, httpx.TimeoutException):
            return EndpointTimeoutError(f"{self.endpoint} did not answer within {self.timeout:g} s")
        return EndpointError(f"cannot reach {self.endpoint}: {error}")

    async def execute(self, job: QueryJob) -> Answer:
        if job.dump_format is not None:
            raise NotAcceptableError(f"this server relays to {self.endpoint}: ask it for the whole dataset")
        solutions, graphs = (
            SOLUTIONS.by_attribute(job.solutions_format),
            GRAPHS.by_attribute(job.graph_format),
        )
        if job.max_rows is not None:
            return await self._cut(job, solutions, graphs)
        response, kind = await self._send(job, solutions, graphs)
        return Answer(kind=kind, chunks=self._relay(response))

    async def _send(
        self, job: QueryJob, solutions: Format | None, graphs: Format | None
    ) -> tuple[httpx.Response, str]:
        """POST the job; the streaming response and the kind of result it holds."""
        accept = ", ".join(f.media_type for f in (solutions, graphs) if f is not None)
        form: dict[str, str | list[str]] = {"query": job.query}
        if job.default_graph:
            form["default-graph-uri"] = list(job.default_graph)
        if job.named_graphs:
            form["named-graph-uri"] = list(job.named_graphs)
        request = self._client.build_request("POST", self.endpoint, data=form, headers={"Accept": accept})
        try:
            response = await self._client.send(request, stream=True)
        except httpx.HTTPError as error:
            raise self._failure(error) from None
        try:
            return response, await self._kind(response, solutions, graphs)
        except BaseException:
            await response.aclose()
            raise

    async def _cut(self, job: QueryJob, solutions: Format | None, graphs: Format | None) -> Answer:
        """The first ``job.max_rows`` rows, read as lines and written in the client's format."""
        assert job.max_rows is not None
        lines = [
            LINE_FORMATS["select"] if solutions is not None else None,
            LINE_FORMATS["graph"] if graphs is not None else None,
        ]
        try:
            response, kind = await self._send(job, *lines)
        except NotAcceptableError:  # the line format stood in for the client's: name the client's
            asked = ", ".join(f.media_type for f in (solutions, graphs) if f is not None)
            raise NotAcceptableError(f"{self.endpoint} cannot answer this query as {asked}") from None
        head = 1 if kind == "select" else 0  # TSV starts with the variables
        kept: list[bytes] = []
        truncated = False
        try:
            async for line in response.aiter_lines():
                if len(kept) - head == job.max_rows:
                    truncated = bool(line.strip())
                    break
                kept.append(line.encode())
        except httpx.HTTPError as error:
            raise self._failure(error) from None
        finally:
            await response.aclose()
        wanted = solutions if kind == "select" else graphs
        assert wanted is not None
        kind, body = await asyncio.to_thread(_rewrite, b"\n".join(kept) + b"\n", kind, wanted)
        return Answer(kind=kind, chunks=_once(body), truncated=truncated)

    async def _kind(self, response: httpx.Response, solutions: Format | None, graphs: Format | None) -> str:
        """Which kind of result the endpoint sent, after checking it is a format we asked for."""
        asked = ", ".join(f.media_type for f in (solutions, graphs) if f is not None)
        if response.status_code >= 300:
            text = (await response.aread()).decode("utf-8", errors="replace").strip()
            if response.status_code == 400:
                raise QuerySyntaxError(text[:2000] or f"{self.endpoint} rejected the query")
            if response.status_code == 406:
                raise NotAcceptableError(f"{self.endpoint} cannot answer this query as {asked}")
            raise EndpointError(f"{self.endpoint} answered {response.status_code}: {text[:300]}")
        content_type = response.headers.get("content-type", "")
        if solutions is not None and SOLUTIONS.format_for(content_type) == solutions:
            return "select"
        if graphs is not None and GRAPHS.format_for(content_type) == graphs:
            return "graph"
        raise EndpointError(f"{self.endpoint} answered with {content_type!r} when asked for {asked}")

    async def _relay(self, response: httpx.Response) -> AsyncIterator[bytes]:
        try:
            async for chunk in response.aiter_bytes():
                yield chunk
        except httpx.HTTPError as error:
            raise self._failure(error) from None
        finally:
            await response.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()


LINE_FORMATS = {"select": SOLUTIONS.named("tsv"), "graph": GRAPHS.named("ntriples")}


def _rewrite(lines: bytes, kind: str, wanted: Format) -> tuple[str, bytes]:
    """Rows in a line format (TSV or N-Triples), written in ``wanted``; and the kind (an ASK is told here)."""
    output = BytesIO()
    if kind == "graph":
        triples = [quad.triple for quad in ox.parse(lines, format=ox.RdfFormat.N_TRIPLES)]
        ox.serialize(triples, output, wanted.rdf_format)
        return kind, output.getvalue()
    result = ox.parse_query_results(lines, format=ox.QueryResultsFormat.TSV)
    assert isinstance(wanted.format, ox.QueryResultsFormat)
    result.serialize(output, wanted.format)
    return ("ask" if isinstance(result, ox.QueryBoolean) else "select"), output.getvalue()


async def _once(body: bytes) -> AsyncIterator[bytes]:
    yield body
