"""An unknown query parameter on ``/api`` is a 422 naming it, not silently ignored.

A typo (``?stnace=opposes``) or a filter a route does not have (``?as_of=`` where
no date applies) would otherwise answer with everything, which reads as an
answer to the question asked. Each route's parameters are those FastAPI
collected from its signature and dependencies, so the check follows the
OpenAPI description and needs no list of its own.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from stancegraph.api.problems import invalid_parameter


def declared_parameters(dependant: Dependant) -> set[str]:
    """The query parameters of a route's dependency tree, by the names clients send.

    A walk of a few objects per request (microseconds): no cache to keep in step with the routes.
    """
    names = {field.alias for field in dependant.query_params}
    for child in dependant.dependencies:
        names |= declared_parameters(child)
    return names


async def only_declared_parameters(request: Request) -> None:
    """Refuse the request when its query string holds a parameter its route does not read."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    known = declared_parameters(route.dependant)
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        listed = ", ".join(sorted(known)) or "none"
        raise invalid_parameter(unknown[0], f"unknown parameter; this route takes: {listed}")
