"""``/sparql``: the SPARQL 1.1 Protocol, queries and (for holders of the write token) updates.

* ``GET ?query=``, ``POST`` form-encoded, ``POST application/sparql-query``;
  ``default-graph-uri`` and ``named-graph-uri`` set the dataset, else the
  query's ``FROM``/``FROM NAMED``, else the default graph is the union of all
  graphs (:mod:`graph.datasets`).
* The answer's format comes from ``format=`` (or its aliases ``output=``,
  ``results=``, which SPARQLWrapper sends) if given, else from ``Accept``;
  a type the answer cannot take is a 406, never a mislabelled body.
* Without a query: a SPARQL service description for RDF types, the YASGUI
  editor for browsers.
* Updates (``POST`` with ``update=`` or ``application/sparql-update``) need
  the write token (:mod:`api.writing`) and go through the validated writer;
  ``using-graph-uri``/``using-named-graph-uri`` name the graphs their ``WHERE``
  reads (a 400 with ``USING`` or ``WITH`` in the update itself); unknown
  parameters are a 400.
* Every answer is bounded: the query's length, its deadline, and its rows
  (:mod:`api.limits`); ``SERVICE`` and ``LOAD`` only reach allowed endpoints.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute

from stancegraph.api.dependencies import get_executor
from stancegraph.api.execution.answer import Answer
from stancegraph.api.execution.errors import NotAcceptableError
from stancegraph.api.execution.executor import Executor
from stancegraph.api.execution.job import QueryJob
from stancegraph.api.execution.response import respond
from stancegraph.api.limits import ROW_LIMIT, TRUNCATED, check_length
from stancegraph.api.negotiation import GRAPHS, HTML, SOLUTIONS, Format
from stancegraph.api.pages import editor_page
from stancegraph.api.problems import PROBLEM_RESPONSES, ProblemError
from stancegraph.api.service_description import service_description
from stancegraph.api.settings import Settings
from stancegraph.api.writing import get_writer, require_write_access
from stancegraph.graph.datasets import with_using
from stancegraph.graph.sparql_guard import refuse_remote_access


class _RequestRoute(APIRoute):
    """A route whose endpoint takes the request alone and reads its parameters itself: called as it is.

    FastAPI's handler would still solve the endpoint's (empty) dependencies and
    read the query string for them, about a tenth of the Python a light query
    costs (cProfile, ``ASK {}``). The route stays an ``APIRoute``, so the
    OpenAPI description is as before.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        return self.endpoint  # type: ignore[no-any-return]


router = APIRouter(tags=["SPARQL"], route_class=_RequestRoute)

FORMAT_PARAMETERS = ("format", "output", "results")
DATASET_PARAMETERS = ("default-graph-uri", "named-graph-uri")
UPDATE_PARAMETERS = ("update", "using-graph-uri", "using-named-graph-uri")
QUERY_MEDIA_TYPE = "application/sparql-query"
UPDATE_MEDIA_TYPE = "application/sparql-update"
FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"


@dataclass
class ProtocolRequest:
    """The protocol parameters of one request, however they were sent."""

    query: str | None = None
    update: str | None = None
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    using_graphs: list[str] = field(default_factory=list)
    using_named_graphs: list[str] = field(default_factory=list)
    formats: list[str] = field(default_factory=list)

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[str, str]], *, allowed: Iterable[str]) -> ProtocolRequest:
        """Collect ``pairs``; refuse unknown names, repeated or mixed operations, and updates where not allowed (400)."""
        pairs = list(pairs)
        names = {name for name, _ in pairs}
        if "update" in names and "update" not in allowed:
            raise ProblemError(
                400,
                "send SPARQL Update with POST, form-encoded (update=) or as application/sparql-update",
                slug="update-needs-post",
            )
        unknown = sorted(names - set(allowed))
        if unknown:
            raise ProblemError(
                400,
                f"unknown parameter(s): {', '.join(unknown)}; this endpoint takes {', '.join(allowed)}",
                slug="unknown-parameter",
                parameters=unknown,
            )
        request = cls()
        for name, value in pairs:
            if name in ("query", "update"):
                if request.query is not None or request.update is not None:
                    raise ProblemError(400, "give one query or one update per request", slug="repeated-query")
                setattr(request, name, value)
            elif name in _GRAPH_LISTS:
                _check_iri(name, value)
                getattr(request, _GRAPH_LISTS[name]).append(value)
            else:
                request.formats.append(value)
        if request.query is not None and not request.query.strip():
            raise ProblemError(400, "the query is empty", slug="query-syntax")
        request._check_dataset()
        return request

    def _check_dataset(self) -> None:
        """A query's dataset is named by default-/named-graph-uri, an update's by using-(named-)graph-uri."""
        for operation, wrong, parameters in (
            ("query", self.using_graphs or self.using_named_graphs, "using-graph-uri, using-named-graph-uri"),
            ("update", self.default_graphs or self.named_graphs, "default-graph-uri, named-graph-uri"),
        ):
            if getattr(self, operation) is not None and wrong:
                raise ProblemError(
                    400,
                    f"{parameters} do not go with a {operation}: a query's dataset is named by "
                    "default-graph-uri and named-graph-uri, an update's by using-graph-uri and "
                    "using-named-graph-uri",
                    slug="invalid-parameter",
                )


#: The parameters that name graphs, and the ProtocolRequest list each fills.
_GRAPH_LISTS = {
    "default-graph-uri": "default_graphs",
    "named-graph-uri": "named_graphs",
    "using-graph-uri": "using_graphs",
    "using-named-graph-uri": "using_named_graphs",
}


def _check_iri(parameter: str, value: str) -> None:
    try:
        ox.NamedNode(value)
    except ValueError:
        raise ProblemError(
            400,
            f"{parameter}: {value!r} is not an absolute IRI",
            slug="invalid-parameter",
            parameters=[parameter],
        ) from None


def _named(request: ProtocolRequest, table_solutions: bool) -> Format | None:
    table = SOLUTIONS if table_solutions else GRAPHS
    return next((f for f in map(table.named, request.formats) if f is not None), None)


def _formats(request: ProtocolRequest, accept: str | None) -> tuple[Format | None, Format | None]:
    """The format for a SELECT/ASK answer and for a graph answer, or ``None`` where none is acceptable."""
    if request.formats:
        solutions, graphs = _named(request, True), _named(request, False)
    else:
        solutions, graphs = SOLUTIONS.negotiate(accept), GRAPHS.negotiate(accept)
    if solutions is None and graphs is None:
        raise _not_acceptable(request, accept, "no format asked for can be served")
    return solutions, graphs


def _not_acceptable(request: ProtocolRequest, accept: str | None, reason: str) -> ProblemError:
    asked = f"format={','.join(request.formats)}" if request.formats else f"Accept: {accept or '*/*'}"
    return ProblemError(
        406,
        f"{reason} ({asked}). SELECT and ASK answers are available as {', '.join(SOLUTIONS.served())}; "
        f"CONSTRUCT and DESCRIBE answers as {', '.join(GRAPHS.served())}",
        slug="not-acceptable",
        available={"select": SOLUTIONS.served(), "graph": GRAPHS.served()},
    )


async def answer(request: Request, protocol: ProtocolRequest, executor: Executor) -> Response:
    """Run the query (or describe the service) and stream the answer in the negotiated format."""
    accept = request.headers.get("accept")
    settings: Settings = request.app.state.settings
    if protocol.update is not None:
        return await run_update(request, protocol)
    if protocol.query is None:
        return _without_query(request, protocol, accept)
    check_length(
        protocol.query, what="query", limit=settings.max_query_length, in_url=request.method == "GET"
    )
    refuse_remote_access(protocol.query, allowed_services=settings.allowed_services)
    solutions, graphs = _formats(protocol, accept)
    job = QueryJob(
        protocol.query,
        solutions_format=solutions.attribute if solutions else None,
        graph_format=graphs.attribute if graphs else None,
        default_graph=tuple(protocol.default_graphs) or None,
        named_graphs=tuple(protocol.named_graphs) or None,
        max_rows=settings.max_result_rows or None,
        base_iri=_endpoint(request),
    )
    try:
        result = await executor.execute(job)
    except NotAcceptableError as error:
        raise _not_acceptable(protocol, accept, str(error)) from None
    chosen = graphs if result.kind == "graph" else solutions
    assert chosen is not None
    return await respond(result, media_type=chosen.media_type, headers=_answer_headers(result, settings))


def _answer_headers(result: Answer, settings: Settings) -> dict[str, str]:
    """``Vary``, and for answers made of rows the row limit (if any) and whether it cut this one."""
    headers = {"Vary": "Accept"}
    if result.kind != "ask" and settings.max_result_rows:
        headers[ROW_LIMIT] = str(settings.max_result_rows)
    if result.truncated:
        headers[TRUNCATED] = "true"
    return headers


async def run_update(request: Request, protocol: ProtocolRequest) -> JSONResponse:
    """Apply a SPARQL Update for a holder of the write token; answer what it changed.

    ``using-graph-uri``/``using-named-graph-uri`` become the update's ``USING``
    clauses; relative IRIs resolve against this endpoint's address.
    """
    await require_write_access(request)
    settings: Settings = request.app.state.settings
    assert protocol.update is not None
    check_length(protocol.update, what="update", limit=settings.max_query_length, in_url=False)
    if not protocol.update.strip():
        raise ProblemError(400, "the update is empty", slug="query-syntax")
    update = with_using(protocol.update, protocol.using_graphs, protocol.using_named_graphs)
    writer = await get_writer(request)
    result = await writer.update(update, base_iri=_endpoint(request))
    return JSONResponse(result.model_dump())


#: Endpoint addresses by what they are made of: clients send the same few (building one was ~8 µs).
_ADDRESSES: dict[tuple[object, ...], str] = {}
REMEMBERED_ADDRESSES = 64


def _endpoint(request: Request) -> str:
    """This endpoint's address: the base IRI of queries and updates (the protocol suggests it).

    As :attr:`Request.url <starlette.requests.Request.url>` makes it, from the scheme, the
    server, the path and the ``Host`` header, which are the key of the ones remembered.
    """
    scope = request.scope
    host = next((value for name, value in scope["headers"] if name == b"host"), None)
    key = (scope.get("scheme"), scope.get("server"), scope.get("root_path"), scope["path"], host)
    address = _ADDRESSES.get(key)
    if address is None:
        address = str(request.url).partition("?")[0]
        if len(_ADDRESSES) < REMEMBERED_ADDRESSES:
            _ADDRESSES[key] = address
    return address


def _url_pairs(request: Request) -> list[tuple[str, str]]:
    """The URL's parameters in order, as ``request.query_params.multi_items()`` has them, without its multidict."""
    return parse_qsl(request.scope["query_string"].decode("latin-1"), keep_blank_values=True)


def _without_query(request: Request, protocol: ProtocolRequest, accept: str | None) -> Response:
    choice: Format | str | None = (
        _named(protocol, False) if protocol.formats else GRAPHS.negotiate_with(accept, [HTML])
    )
    if choice == HTML:
        return editor_page(request)
    if not isinstance(choice, Format):
        raise _not_acceptable(protocol, accept, "a service description is RDF")
    body = ox.serialize(service_description(_endpoint(request)), format=choice.rdf_format)
    return Response(body, media_type=choice.media_type, headers={"Vary": "Accept"})


GET_PARAMETERS = ("query", *DATASET_PARAMETERS, *FORMAT_PARAMETERS)


def _parameter(name: str, description: str, *, repeatable: bool = False) -> dict[str, object]:
    schema: dict[str, object] = (
        {"type": "array", "items": {"type": "string"}} if repeatable else {"type": "string"}
    )
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


# The routes read their parameters from the request themselves (ProtocolRequest checks them), so
# they are documented here rather than declared as FastAPI parameters: FastAPI's validation of four
# query parameters and a dependency was a quarter of the CPU a millisecond query cost (py-spy, wrk).
_GET_PARAMETERS = {
    "parameters": [
        _parameter(
            "query", "A SPARQL query. Without it: the service description or, for a browser, a query editor."
        ),
        _parameter(
            "default-graph-uri",
            "A graph for the default graph (repeatable). Without this, named-graph-uri or the query's own "
            "FROM, the default graph is the union of all graphs.",
            repeatable=True,
        ),
        _parameter(
            "named-graph-uri",
            "A named graph the query may use (repeatable). Given alone, the default graph is empty.",
            repeatable=True,
        ),
        _parameter(
            "format",
            "Overrides Accept: json, xml, csv, tsv, turtle, ntriples, rdfxml, jsonld, n3, or a media type. "
            "Aliases: output, results.",
        ),
    ]
}


@router.get(
    "/sparql",
    responses=PROBLEM_RESPONSES,
    openapi_extra=_GET_PARAMETERS,
    summary="Query (SPARQL 1.1 Protocol, GET)",
)
async def sparql_get(request: Request) -> Response:
    """Answer a query given in the URL. The answer's media type follows `Accept` (or `format`)."""
    protocol = ProtocolRequest.from_pairs(_url_pairs(request), allowed=GET_PARAMETERS)
    return await answer(request, protocol, await get_executor(request))


POST_PARAMETERS = (*GET_PARAMETERS, *UPDATE_PARAMETERS)
_POST_BODY = {
    "requestBody": {
        "content": {
            FORM_MEDIA_TYPE: {
                "schema": {
                    "type": "object",
                    "properties": {
                        "query": {"type": "string"},
                        "update": {
                            "type": "string",
                            "description": "A SPARQL Update (needs the write token).",
                        },
                        "default-graph-uri": {"type": "array", "items": {"type": "string"}},
                        "named-graph-uri": {"type": "array", "items": {"type": "string"}},
                        "using-graph-uri": {
                            "type": "array",
                            "items": {"type": "string"},
                            "description": "A graph for an update's WHERE to read as its default graph.",
                        },
                        "using-named-graph-uri": {
                            "type": "array",
                            "items": {"type": "string"},
                            "description": "A named graph an update's WHERE may read.",
                        },
                    },
                }
            },
            QUERY_MEDIA_TYPE: {"schema": {"type": "string"}},
            UPDATE_MEDIA_TYPE: {"schema": {"type": "string"}},
        }
    }
}


@router.post(
    "/sparql",
    responses=PROBLEM_RESPONSES,
    openapi_extra=_POST_BODY,
    summary="Query or update (SPARQL 1.1 Protocol, POST)",
)
async def sparql_post(request: Request) -> Response:
    """Answer a query sent form-encoded or as `application/sparql-query`; apply an update sent
    form-encoded (`update=`) or as `application/sparql-update` (needs `Authorization: Bearer <token>`)."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    url_pairs = _url_pairs(request)
    if media_type == UPDATE_MEDIA_TYPE:
        await require_write_access(request)  # before reading a body nobody may send
    elif media_type not in (FORM_MEDIA_TYPE, QUERY_MEDIA_TYPE):
        raise ProblemError(
            415,
            f"send a query as {FORM_MEDIA_TYPE} or {QUERY_MEDIA_TYPE}, an update as {FORM_MEDIA_TYPE} or "
            f"{UPDATE_MEDIA_TYPE}, not {media_type or 'no content type'}",
            slug="unsupported-media-type",
        )
    try:
        body = (await request.body()).decode("utf-8")
    except UnicodeDecodeError:
        raise ProblemError(400, "the request body is not UTF-8", slug="invalid-body") from None
    if media_type == QUERY_MEDIA_TYPE:
        pairs = [*url_pairs, ("query", body)]
    elif media_type == UPDATE_MEDIA_TYPE:
        pairs = [*url_pairs, ("update", body)]
    else:
        pairs = [*url_pairs, *parse_qsl(body, keep_blank_values=True)]
    protocol = ProtocolRequest.from_pairs(pairs, allowed=POST_PARAMETERS)
    if protocol.query is None and protocol.update is None:
        raise ProblemError(400, "a POST must carry a query or an update", slug="missing-query")
    return await answer(request, protocol, await get_executor(request))
