"""``/store?default``: the SPARQL 1.1 Graph Store HTTP Protocol on the default graph.

All of stancegraph's data is in the default graph, so ``?default`` is the one
graph there is: ``GET`` (and ``HEAD``) reads it in any RDF format we serve;
``PUT`` replaces it, ``POST`` adds to it and ``DELETE`` empties it (keeping
the vocabulary), each for holders of the write token, validated, atomic and
durable when answered. ``?graph=<iri>`` gets a 404 (reads) or 400 (writes)
that says so.
"""

from __future__ import annotations

from typing import Annotated

import pyoxigraph as ox
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from stancegraph.api.dependencies import get_executor
from stancegraph.api.execution import respond
from stancegraph.api.negotiation import GRAPHS
from stancegraph.api.problems import PROBLEM_RESPONSES, ProblemError
from stancegraph.api.writing import WriteAccess, WriterDep, WriteResult
from stancegraph.graph.errors import RdfSyntaxError
from stancegraph.graph.query_pool import QueryJob

router = APIRouter(prefix="/store", tags=["Graph Store"], responses=PROBLEM_RESPONSES)
ALL_TRIPLES = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"

Default = Annotated[
    str | None, Query(description="Present (`?default`): the default graph, where all the data is.")
]
Graph = Annotated[
    str | None,
    Query(description="A named graph's IRI. There are none: every request naming one gets a 4xx."),
]


def _default_graph(default: str | None, graph: str | None, *, reading: bool) -> None:
    """Check the request names the default graph, and only it."""
    if graph is not None:
        raise ProblemError(
            404 if reading else 400,
            f"there is no graph <{graph}> here: stancegraph keeps all its data in the default graph; "
            "use /store?default",
            slug="named-graph",
        )
    if default is None:
        raise ProblemError(
            400, "say which graph: /store?default (all the data is in the default graph)", slug="no-graph"
        )


async def _triples(request: Request) -> list[ox.Quad]:
    """The request body as quads in the default graph, parsed by its Content-Type."""
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
        return [
            ox.Quad(q.subject, q.predicate, q.object)
            for q in ox.parse(body, format=rdf.rdf_format, base_iri=base)
        ]
    except (SyntaxError, ValueError) as error:
        raise RdfSyntaxError("the request body", str(error)) from None


@router.get("", summary="Read the data (Graph Store Protocol)", response_class=Response)
async def read_graph(request: Request, default: Default = None, graph: Graph = None) -> Response:
    """All the data, as Turtle by default (any RDF type we serve by `Accept`). Bounded by the query deadline."""
    _default_graph(default, graph, reading=True)
    chosen = GRAPHS.negotiate(request.headers.get("accept"))
    if chosen is None:
        raise ProblemError(
            406, f"the data is RDF: accept one of {', '.join(GRAPHS.served())}", slug="not-acceptable"
        )
    executor = await get_executor(request)
    answer = await executor.execute(QueryJob(ALL_TRIPLES, graph_format=chosen.attribute))
    return await respond(answer, media_type=chosen.media_type, headers={"Vary": "Accept"})


router.add_api_route("", read_graph, methods=["HEAD"], include_in_schema=False)


@router.put("", summary="Replace the data (needs the write token)")
async def replace_graph(
    request: Request, _: WriteAccess, writer: WriterDep, default: Default = None, graph: Graph = None
) -> WriteResult:
    """Replace all the data with the body (the vocabulary stays), if the result conforms to the shapes."""
    _default_graph(default, graph, reading=False)
    return await writer.replace(await _triples(request))


@router.post("", summary="Add to the data (needs the write token)")
async def add_to_graph(
    request: Request, _: WriteAccess, writer: WriterDep, default: Default = None, graph: Graph = None
) -> WriteResult:
    """Add the body's triples, if the result conforms to the shapes."""
    _default_graph(default, graph, reading=False)
    return await writer.add(await _triples(request))


@router.delete("", summary="Delete the data (needs the write token)")
async def delete_graph(
    _: WriteAccess, writer: WriterDep, default: Default = None, graph: Graph = None
) -> WriteResult:
    """Delete all the data, keeping the vocabulary."""
    _default_graph(default, graph, reading=False)
    return await writer.replace([])
