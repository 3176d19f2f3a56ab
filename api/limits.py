"""The limits on what one request may ask of the server, besides the query deadline.

* Request bodies above ``max_body_bytes`` are refused with 413 before the
  route runs when ``Content-Length`` says so, and the moment the count passes
  the limit when it does not (chunked uploads): nothing buffers a huge body.
* Queries and updates longer than ``max_query_length`` characters: 413
  (POST) or 414 (GET), before any parsing.
* Answers longer than ``max_result_rows`` rows (or triples) are cut there,
  and say so in headers (see :data:`TRUNCATED`); 0 sets no limit.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from stancegraph.api.problems import ProblemError, problem_response

#: ``true`` on an answer cut at the row limit (absent otherwise).
TRUNCATED = "Stancegraph-Truncated"
#: The row limit that applied to a SELECT, CONSTRUCT or DESCRIBE answer.
ROW_LIMIT = "Stancegraph-Row-Limit"
TRUNCATION_HEADERS = (TRUNCATED, ROW_LIMIT)


def _too_large(max_bytes: int) -> ProblemError:
    return ProblemError(
        413,
        f"the request body is larger than the {max_bytes}-byte limit (STANCEGRAPH_MAX_BODY_BYTES)",
        slug="body-too-large",
        limit=max_bytes,
    )


class BodyLimitMiddleware:
    """Refuse request bodies over ``max_bytes`` with 413, as early as the request allows."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.strip().isdigit() and int(declared) > self.max_bytes:
            error = _too_large(self.max_bytes)
            response = problem_response(
                Request(scope), error.status, error.detail, slug=error.slug, **error.extensions
            )
            await response(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _too_large(self.max_bytes)  # inside the route: becomes the 413 problem
            return message

        await self.app(scope, counted, send)


def check_length(text: str, *, what: str, limit: int, in_url: bool) -> None:
    """Refuse a query or update over ``limit`` characters (414 in a URL, 413 in a body)."""
    if len(text) > limit:
        raise ProblemError(
            414 if in_url else 413,
            f"the {what} is {len(text)} characters long, over the {limit}-character limit "
            "(STANCEGRAPH_MAX_QUERY_LENGTH)",
            slug="query-too-long",
            limit=limit,
        )
