"""``/store``: the SPARQL 1.1 Graph Store HTTP Protocol, on the default graph and on named graphs.

Each source document's facts live in a graph of their own, and queries read
the union of all graphs as their default graph. So:

* ``GET ?default`` (and ``HEAD``) is that union, as queries see it;
  ``GET ?graph=IRI`` is one named graph (404 if the store has no such graph);
* ``PUT``, ``POST`` and ``DELETE ?default`` act on the store's *own* default
  graph (replace, add to, empty it; the vocabulary stays), never on a source
  graph: a union cannot be written to, and the place a triple with no graph
  goes is the store's default graph (:mod:`graph.graph_changes`);
* ``PUT``, ``POST`` and ``DELETE ?graph=IRI`` replace, add to and drop that
  named graph; dropping a source's graph retracts the source (404 if there is
  no such graph).

Writes need the write token and go through the validated writer: a change
whose result breaks the shapes is a 422 and leaves the store as it was.
Bodies are RDF graphs in any type we serve; answers follow ``Accept``.
"""

from __future__ import annotations

import json
from typing import Annotated

import pyoxigraph as ox
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from stancegraph.api.dependencies import get_executor
from stancegraph.api.execution import Executor, respond
from stancegraph.api.negotiation import GRAPHS
from stancegraph.api.problems import PROBLEM_RESPONSES, ProblemError
from stancegraph.api.writing import WriteAccess, WriterDep, WriteResult
from stancegraph.graph.errors import RdfSyntaxError
from stancegraph.graph.graph_changes import Target, add_to_graph, drop_graph, replace_graph
from stancegraph.graph.queries import bind_values, load_query
from stancegraph.graph.query_pool import QueryJob

router = APIRouter(prefix="/store", tags=["Graph Store"], responses=PROBLEM_RESPONSES)

Default = Annotated[
    str | None,
    Query(
        description="Present (`?default`): the default graph. Read: the union of all graphs, as queries "
        "see it. Written: the store's own default graph (source graphs are left alone)."
    ),
]
Graph = Annotated[
    str | None,
    Query(description="A named graph's IRI, e.g. a source's `https://w3id.org/stancegraph/graph/ID`."),
]


def _target(default: str | None, graph: str | None) -> Target:
    """The graph a request names: ``?default`` or ``?graph=IRI``, exactly one of them (400 otherwise)."""
    if graph is not None and default is not None:
        raise ProblemError(400, "name one graph: ?default or ?graph=IRI, not both", slug="no-graph")
    if graph is not None:
        try:
            return ox.NamedNode(graph)
        except ValueError:
            raise ProblemError(
                400,
                f"graph: {graph!r} is not an absolute IRI",
                slug="invalid-parameter",
                parameters=["graph"],
            ) from None
    if default is None:
        raise ProblemError(
            400,
            "say which graph: /store?default (the union of all graphs) or /store?graph=IRI",
            slug="no-graph",
        )
    return ox.DefaultGraph()


async def _require_graph(executor: Executor, target: Target) -> None:
    """404 for a named graph the store does not have."""
    if isinstance(target, ox.DefaultGraph):
        return
    answer = await executor.execute(
        QueryJob(bind_values(load_query("graph-exists"), {"graph": target}), solutions_format="JSON")
    )
    if not json.loads(b"".join([chunk async for chunk in answer.chunks]))["boolean"]:
        raise ProblemError(404, f"there is no graph {target} here", slug="no-such-graph", graph=target.value)


async def _triples(request: Request) -> list[ox.Triple]:
    """The request body as triples, parsed by its Content-Type."""
    content_type = request.headers.get("content-type", "")
    rdf = GRAPHS.format_for(content_type)
    if rdf is None:
        raise ProblemError(
            415,
            f"send RDF as one of {', '.join(GRAPHS.served())}, not {content_type or 'no content type'}",
            slug="unsupported-media-type",
        )
    body = await request.body()
    base = str(request.url.replace(query=""))
    try:
        return [quad.triple for quad in ox.parse(body, format=rdf.rdf_format, base_iri=base)]
    except (SyntaxError, ValueError) as error:
        raise RdfSyntaxError("the request body", str(error)) from None


@router.get("", summary="Read a graph (Graph Store Protocol)", response_class=Response)
async def read_graph(request: Request, default: Default = None, graph: Graph = None) -> Response:
    """The default graph (the union of all graphs) or one named graph, as Turtle by default (any RDF type
    we serve by `Accept`). Bounded by the query deadline."""
    target = _target(default, graph)
    chosen = GRAPHS.negotiate(request.headers.get("accept"))
    if chosen is None:
        raise ProblemError(
            406, f"a graph is RDF: accept one of {', '.join(GRAPHS.served())}", slug="not-acceptable"
        )
    executor = await get_executor(request)
    await _require_graph(executor, target)
    query = (
        load_query("union-triples")
        if isinstance(target, ox.DefaultGraph)
        else bind_values(load_query("graph-triples"), {"graph": target})
    )
    answer = await executor.execute(QueryJob(query, graph_format=chosen.attribute))
    return await respond(answer, media_type=chosen.media_type, headers={"Vary": "Accept"})


router.add_api_route("", read_graph, methods=["HEAD"], include_in_schema=False)


@router.put("", summary="Replace a graph (needs the write token)")
async def put_graph(
    request: Request, _: WriteAccess, writer: WriterDep, default: Default = None, graph: Graph = None
) -> WriteResult:
    """Replace the graph's triples with the body's (creating a named graph), if the result conforms to the
    shapes. `?default` replaces the store's own default graph; the vocabulary stays."""
    target = _target(default, graph)
    return await writer.change(replace_graph(target, await _triples(request)))


@router.post("", summary="Add to a graph (needs the write token)")
async def post_graph(
    request: Request, _: WriteAccess, writer: WriterDep, default: Default = None, graph: Graph = None
) -> WriteResult:
    """Add the body's triples to the graph (creating a named graph), if the result conforms to the shapes."""
    target = _target(default, graph)
    return await writer.change(add_to_graph(target, await _triples(request)))


@router.delete("", summary="Delete a graph (needs the write token)")
async def delete_graph(
    request: Request, _: WriteAccess, writer: WriterDep, default: Default = None, graph: Graph = None
) -> WriteResult:
    """Drop a named graph (a source's graph: the source is retracted), or empty the store's own default
    graph (the vocabulary stays), if what remains conforms to the shapes."""
    target = _target(default, graph)
    await _require_graph(await get_executor(request), target)
    return await writer.change(drop_graph(target))
