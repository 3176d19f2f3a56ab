"""Every error as RFC 9457 ``application/problem+json``, translated here and nowhere else.

Domain exceptions from ``graph/`` map to a status once (``DOMAIN_ERRORS``);
the API raises :class:`ProblemError` for errors that are HTTP's own (403,
406, 415); FastAPI's validation errors become a 422 naming each parameter;
anything unexpected is a 500 whose body says nothing about the code (the
traceback goes to the log).
"""

from __future__ import annotations

import dataclasses
import http
import logging
import re
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException

from stancegraph.api.execution.errors import BusyError, NotAcceptableError, QueryTimeoutError
from stancegraph.graph.curation_schema import CurationError
from stancegraph.graph.datasets import DatasetConflictError
from stancegraph.graph.errors import (
    EndpointError,
    EndpointRefusedError,
    EndpointTimeoutError,
    NotFoundError,
    QuerySyntaxError,
    RdfSyntaxError,
    ShapeViolationError,
    StancegraphError,
    StoreError,
    UnsupportedFormatError,
)
from stancegraph.graph.sparql_guard import RemoteAccessError
from stancegraph.graph.validation import ValidationReport

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://w3id.org/stancegraph/problems/"
log = logging.getLogger("stancegraph.api")


class Problem(BaseModel):
    """An RFC 9457 problem document. Extension members depend on the problem type."""

    model_config = ConfigDict(extra="allow")

    type: str = Field("about:blank", description="A URI naming the kind of problem.")
    title: str = Field(description="A short summary of the kind of problem.")
    status: int = Field(description="The HTTP status code.")
    detail: str | None = Field(None, description="What went wrong with this request, for a person.")
    instance: str | None = Field(None, description="The path of the request that failed.")


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "content": {MEDIA_TYPE: {}}, "description": http.HTTPStatus(status).phrase}
    for status in (400, 404, 406, 422, 500, 502, 503, 504)
}


class ProblemError(Exception):
    """An HTTP error raised on purpose; ``extensions`` become extra members of the problem."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        slug: str | None = None,
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.slug = slug
        self.headers = headers
        self.extensions = extensions


def problem_response(
    request: Request,
    status: int,
    detail: str | None,
    *,
    slug: str | None = None,
    headers: Mapping[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    """The problem+json response for ``status``; ``slug`` names a stancegraph problem type."""
    body = Problem(
        type=f"{TYPE_BASE}{slug}" if slug else "about:blank",
        title=http.HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        instance=request.url.path,
        **extensions,
    )
    return JSONResponse(
        body.model_dump(exclude_none=True), status_code=status, media_type=MEDIA_TYPE, headers=headers
    )


#: Domain exception -> (status, problem slug). Looked up along the class's MRO, so subclasses may refine.
DOMAIN_ERRORS: dict[type[StancegraphError], tuple[int, str]] = {
    NotFoundError: (404, "not-found"),
    QuerySyntaxError: (400, "query-syntax"),
    NotAcceptableError: (406, "not-acceptable"),
    RdfSyntaxError: (400, "rdf-syntax"),
    DatasetConflictError: (400, "dataset-conflict"),
    UnsupportedFormatError: (415, "unsupported-media-type"),
    ShapeViolationError: (422, "shape-violation"),
    CurationError: (422, "curation-refused"),
    RemoteAccessError: (403, "remote-access"),
    QueryTimeoutError: (504, "query-timeout"),
    BusyError: (503, "busy"),
    EndpointTimeoutError: (504, "endpoint-timeout"),
    EndpointError: (502, "endpoint-error"),
    StoreError: (503, "store-unavailable"),
    StancegraphError: (500, "internal"),
}

_POSITION = re.compile(r"\b(\d+):(\d+)\b|\bline (\d+) column (\d+)\b")  # SPARQL's and RDF parsers' styles


def _domain_extensions(error: StancegraphError) -> dict[str, Any]:
    if isinstance(error, NotFoundError):
        return {"id": error.identifier, "kind": error.kind}
    remote: dict[str, Any] = {}
    if isinstance(error, EndpointError | EndpointRefusedError) and error.endpoint:
        remote = {"endpoint": error.endpoint, "endpoint_message": error.remote_message}
    # a position is looked for in the parser's own words: an endpoint's URL has a port (127.0.0.1:8890)
    said = error.remote_message if isinstance(error, EndpointRefusedError) else str(error)
    if isinstance(error, QuerySyntaxError | RdfSyntaxError) and (match := _POSITION.search(said)):
        line, column = (group for group in match.groups() if group is not None)
        return {**remote, "line": int(line), "column": int(column)}
    if remote:
        return remote
    if isinstance(error, ShapeViolationError) and isinstance(error.report, ValidationReport):
        return {"violations": [dataclasses.asdict(v) for v in error.report.violations]}
    if isinstance(error, CurationError):
        return {"problems": error.problems}
    if isinstance(error, QueryTimeoutError):
        return {"limit_seconds": error.seconds}
    return {}


def _domain_headers(error: StancegraphError) -> dict[str, str] | None:
    if isinstance(error, BusyError):
        return {"Retry-After": str(error.retry_after)}
    return None


async def _domain_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StancegraphError)
    status, slug = next(DOMAIN_ERRORS[kind] for kind in type(error).__mro__ if kind in DOMAIN_ERRORS)
    if status >= 500:
        log.warning("%s %s: %s", request.method, request.url.path, error)
    detail = "the server failed to answer; the error is logged" if slug == "internal" else str(error)
    return problem_response(
        request, status, detail, slug=slug, headers=_domain_headers(error), **_domain_extensions(error)
    )


async def _problem_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ProblemError)
    return problem_response(
        request, error.status, error.detail, slug=error.slug, headers=error.headers, **error.extensions
    )


async def _http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    detail = error.detail
    if error.status_code == 404 and detail == "Not Found":
        detail = f"nothing at {request.url.path}"
    elif error.status_code == 405:
        detail = f"{request.method} is not allowed here; allowed: {(error.headers or {}).get('allow', '')}"
    return problem_response(request, error.status_code, detail, headers=error.headers)


async def _validation_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    errors = [
        {
            # the innermost name: a repeated parameter's error is located at an index into it
            "parameter": next((str(p) for p in reversed(item.get("loc", ())) if isinstance(p, str)), ""),
            "in": str(item["loc"][0]) if item.get("loc") else "",
            "message": item.get("msg", ""),
        }
        for item in error.errors()
    ]
    detail = "; ".join(f"{e['parameter']}: {e['message']}" for e in errors)
    return problem_response(request, 422, detail, slug="invalid-parameter", errors=errors)


async def _unexpected(request: Request, error: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=error)
    return problem_response(request, 500, "the server failed to answer; the error is logged", slug="internal")


def install(app: FastAPI) -> None:
    """Route every kind of error in ``app`` to its problem+json response."""
    app.add_exception_handler(StancegraphError, _domain_error)
    app.add_exception_handler(ProblemError, _problem_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected)


def invalid_parameter(parameter: str, message: str, *, location: str = "query") -> RequestValidationError:
    """A 422 for a parameter that passed its type check but not a check against the data."""
    return RequestValidationError([{"loc": (location, parameter), "msg": message, "type": "value_error"}])
