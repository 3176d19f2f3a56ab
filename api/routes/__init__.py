"""The JSON API under ``/api``: one router per kind of resource, all mounted by :func:`routers`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import pyoxigraph as ox
from fastapi import APIRouter, Depends, Request

from stancegraph.api.negotiation import best_match
from stancegraph.api.problems import MEDIA_TYPE, PROBLEM_RESPONSES, ProblemError, invalid_parameter
from stancegraph.graph.errors import NotFoundError


async def accepts_json(request: Request) -> None:
    """A client that refuses JSON gets a 406 rather than a body it said it cannot read."""
    accept = request.headers.get("accept")
    if accept and best_match(accept, ["application/json", MEDIA_TYPE]) is None:
        raise ProblemError(
            406, f"this API answers in application/json only (Accept: {accept})", slug="not-acceptable"
        )


def api_router(name: str) -> APIRouter:
    """A router for ``/api/<name>`` with the shared error responses and JSON check."""
    return APIRouter(
        prefix=f"/api/{name}", tags=[name], responses=PROBLEM_RESPONSES, dependencies=[Depends(accepts_json)]
    )


def pinned(parameter: str, value: str | None, resolve: Callable[[str], ox.NamedNode]) -> ox.NamedNode | None:
    """A filter parameter's IRI; an id that names nothing is a 422 naming the parameter."""
    if value is None:
        return None
    try:
        return resolve(value)
    except NotFoundError as error:
        raise invalid_parameter(parameter, str(error)) from None


#: A resource id as it appears in our IRIs (``https://w3id.org/stancegraph/id/<id>``).
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._~-]*$"

T = TypeVar("T")


def one(items: list[T], kind: str, identifier: str) -> T:
    """The single item a query for one id returns; nothing (the data lacks what the query needs) is a 404."""
    if not items:
        raise NotFoundError(kind, identifier)
    return items[0]


def routers() -> list[APIRouter]:
    from stancegraph.api.routes import (
        actors,
        claims,
        clauses,
        documents,
        graph,
        matrix,
        positions,
        sources,
        stats,
    )

    return [
        module.router
        for module in (actors, clauses, documents, positions, claims, graph, matrix, stats, sources)
    ]
