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
  no such graph);
* with neither, ``/store`` is the whole dataset, every graph named: ``GET``
  writes it as TriG or N-Quads (pyoxigraph dumps it as it reads), ``PUT``
  replaces it with a TriG or N-Quads body and ``POST`` adds one, each quad
  to its graph (the vocabulary stays); ``DELETE`` must name a graph.

A graph with no triples is not there (Oxigraph would keep listing a graph
whose triples a write removed): reading or dropping one is a 404.

Writes need the write token and go through the validated writer: a change
whose result breaks the shapes is a 422 and leaves the store as it was.
Graph bodies are RDF in any type we serve; answers follow ``Accept``.
"""

from __future__ import annotations

import json
from typing import Annotated

import pyoxigraph as ox
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from stancegraph.api.dependencies import get_executor
from stancegraph.api.execution.executor import Executor
from stancegraph.api.execution.job import QueryJob
from stancegraph.api.execution.response import respond
from stancegraph.api.negotiation import DATASETS, GRAPHS, Format, FormatTable
from stancegraph.api.problems import PROBLEM_RESPONSES, ProblemError
from stancegraph.api.writing import WriteAccess, WriterDep, WriteResult
from stancegraph.graph.errors import RdfSyntaxError
from stancegraph.graph.graph_changes import (
    Target,
    add_quads,
    add_to_graph,
    drop_graph,
    replace_dataset,
    replace_graph,
)
from stancegraph.graph.queries import bind_values, load_query

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


def _target(default: str | None, graph: str | None) -> Target | None:
    """The graph a request names (``?default`` or ``?graph=IRI``, not both: 400); ``None``: the whole dataset."""
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
    return None if default is None else ox.DefaultGraph()


async def _require_graph(executor: Executor, target: Target) -> None:
    """404 for a named graph the store does not have."""
    if isinstance(target, ox.DefaultGraph):
        return
    answer = await executor.execute(
        QueryJob(bind_values(load_query("graph-exists"), {"graph": target}), solutions_format="JSON")
    )
    if not json.loads(b"".join([chunk async for chunk in answer.chunks]))["boolean"]:
        raise ProblemError(404, f"there is no graph {target} here", slug="no-such-graph", graph=target.value)


async def _quads(request: Request, table: FormatTable, what: str) -> list[ox.Quad]:
    """The request body, parsed by its Content-Type, which must be one of ``table``'s (415 otherwise)."""
    content_type = request.headers.get("content-type", "")
    rdf = table.format_for(content_type)
    if rdf is None:
        raise ProblemError(
            415,
            f"send {what} as one of {', '.join(table.served())}, not {content_type or 'no content type'}",
            slug="unsupported-media-type",
        )
    body = await request.body()
    base = str(request.url.replace(query=""))
    try:
        return list(ox.parse(body, format=rdf.rdf_format, base_iri=base))
    except (SyntaxError, ValueError) as error:
        raise RdfSyntaxError("the request body", str(error)) from None


async def _triples(request: Request) -> list[ox.Triple]:
    """A graph's body: triples in any graph type we serve."""
    return [quad.triple for quad in await _quads(request, GRAPHS, "a graph")]


def _dataset_format(accept: str | None) -> Format:
    chosen = DATASETS.negotiate(accept)
    if chosen is None:
        raise ProblemError(
            406,
            f"the whole dataset is served as {', '.join(DATASETS.served())}; for one graph, ask for "
            "/store?default (the union) or /store?graph=IRI",
            slug="not-acceptable",
        )
    return chosen


@router.get("", summary="Read a graph, or the whole dataset (Graph Store Protocol)", response_class=Response)
async def read_graph(request: Request, default: Default = None, graph: Graph = None) -> Response:
    """The default graph (the union of all graphs) or one named graph, as Turtle by default (any RDF type
    we serve by `Accept`); with neither, the whole dataset as TriG or N-Quads. Bounded by the query deadline."""
    target = _target(default, graph)
    if target is None:
        dataset = _dataset_format(request.headers.get("accept"))
        answer = await (await get_executor(request)).execute(QueryJob.dump(dataset.attribute))
        return await respond(answer, media_type=dataset.media_type, headers={"Vary": "Accept"})
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
    shapes. `?default` replaces the store's own default graph; the vocabulary stays. With neither, a TriG or
    N-Quads body replaces the whole dataset (the vocabulary stays)."""
    target = _target(default, graph)
    if target is None:
        return await writer.change(replace_dataset(await _quads(request, DATASETS, "a dataset")))
    return await writer.change(replace_graph(target, await _triples(request)))


@router.post("", summary="Add to a graph (needs the write token)")
async def post_graph(
    request: Request, _: WriteAccess, writer: WriterDep, default: Default = None, graph: Graph = None
) -> WriteResult:
    """Add the body's triples to the graph (creating a named graph), if the result conforms to the shapes.
    With neither `?default` nor `?graph=`, a TriG or N-Quads body adds each quad to its graph."""
    target = _target(default, graph)
    if target is None:
        return await writer.change(add_quads(await _quads(request, DATASETS, "a dataset")))
    return await writer.change(add_to_graph(target, await _triples(request)))


@router.delete("", summary="Delete a graph (needs the write token)")
async def delete_graph(
    request: Request, _: WriteAccess, writer: WriterDep, default: Default = None, graph: Graph = None
) -> WriteResult:
    """Drop a named graph (a source's graph: the source is retracted), or empty the store's own default
    graph (the vocabulary stays), if what remains conforms to the shapes."""
    target = _target(default, graph)
    if target is None:
        raise ProblemError(
            400, "say which graph to delete: /store?default or /store?graph=IRI", slug="no-graph"
        )
    await _require_graph(await get_executor(request), target)
    return await writer.change(drop_graph(target))
