"""``/sparql`` in front of another SPARQL endpoint: the same protocol, relayed.

The job's formats become the ``Accept`` header sent on, the endpoint's
``Content-Type`` says which kind of result came back, and its bytes stream
through untouched. An endpoint that is down answers 502, one that is slow 504.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx

from api.execution import Answer, Executor
from api.negotiation import GRAPHS, SOLUTIONS, Format
from graph.errors import EndpointError, EndpointTimeoutError, QuerySyntaxError
from graph.query_pool import NotAcceptableError, QueryJob


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
        solutions, graphs = (
            SOLUTIONS.by_attribute(job.solutions_format),
            GRAPHS.by_attribute(job.graph_format),
        )
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
            kind = await self._kind(response, solutions, graphs)
        except BaseException:
            await response.aclose()
            raise
        return Answer(kind=kind, chunks=self._relay(response))

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
