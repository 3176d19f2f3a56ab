"""``/sparql`` answered in front of the app's generic layers, and short answers sent as they are.

Every request to the app passes FastAPI's own layers (the server-error
handler, telemetry, its body limit, the exception handlers, an exit stack),
our middlewares (HEAD, CORS, the body limit, the answer cache, compression)
and the router's walk over the routes before ``/sparql``'s endpoint runs: in
this process, ~80 of the ~130 µs of Python an ``ASK {}`` cost, the worker
aside (the app called in-process, with an executor that answers at once).
:class:`SparqlEntry`, outermost, calls the two endpoints itself:

* a ``GET``, ``HEAD`` or ``POST`` with no ``Origin``, with the answer cache
  off, a body (if any) of a declared length within the limit, and an answer
  that is whole and either shorter than compression's threshold or for a
  client that takes none of the encodings compression offers: no layer has
  work to do on it but CORS, which adds ``Origin`` to ``Vary``, and
  compression, which adds ``Accept-Encoding`` to a long answer's ``Vary``
  when its type is one it compresses. The answer goes out as two ASGI
  messages with exactly the headers the layers would have given it
  (``tests/test_sparql_entry.py`` compares the two paths). Compression's own
  rules decide (its parser of ``Accept-Encoding``, its list of types), so
  that the two paths cannot part when they change;
* any other ``GET``, ``HEAD`` or ``POST`` to ``/sparql`` passes our middlewares,
  which do what they do everywhere (a long answer computed in front of them
  is handed to them to send), but not FastAPI's layers or the router;
* the rest (other paths and methods, a request telemetry observes) goes the
  usual way.

Errors are the app's: its exception handlers, looked up as Starlette looks
them up, write the same problem+json; an unexpected one is answered as
FastAPI's outermost layer answers it (a 500, sent past the middlewares) and
raised on to the server, which logs it. The routes stay, for the OpenAPI
description and the 405 for other methods.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette_compress import CompressMiddleware
from starlette_compress._utils import classify_start_message, parse_accept_encoding

from stancegraph.api.head import HeadAsGetMiddleware
from stancegraph.api.limits import BodyLimitMiddleware

Endpoint = Callable[[Request], Awaitable[Response]]
Handler = Callable[[Request, Exception], Any]

PATH = "/sparql"
#: A response computed in front of the middlewares, in the scope they pass on, for the innermost app to send.
_ANSWERED = "stancegraph.answered"
#: The middlewares whose work on a short answer to a request without ``Origin`` the raw path knows.
_KNOWN = frozenset({HeadAsGetMiddleware, CORSMiddleware, BodyLimitMiddleware, CompressMiddleware})


class SparqlEntry:
    """The app's outermost ASGI callable: ``/sparql`` requests here, the rest to ``generic`` (the usual stack)."""

    def __init__(self, app: FastAPI, generic: ASGIApp, endpoints: Mapping[str, Endpoint]) -> None:
        self.app = app
        self.generic = generic
        self.endpoints = dict(endpoints)  # by method: GET (HEAD is answered as GET) and POST
        handlers: dict[Any, Handler] = dict(app.exception_handlers)
        # as FastAPI splits them: 500/Exception's is the outermost layer's, the others the exception layer's
        last_resort = handlers.pop(Exception, None) or handlers.pop(500, None)
        self.handlers = handlers
        # Our own instances of the middlewares (the generic stack has its own): the only state they keep
        # is the answer cache's requests in flight, and a /sparql request meets these ones every time.
        self.middlewares = _around(self._answer, app.user_middleware)
        self.layers = ServerErrorMiddleware(self.middlewares, handler=last_resort, debug=app.debug)
        self.direct = ServerErrorMiddleware(self._direct, handler=last_resort, debug=app.debug)
        self.raw = _raw_limits(app.user_middleware)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope.get("method")
        if (
            scope["type"] != "http"
            or scope["path"] != PATH
            or scope.get("root_path")
            or scope.get("fastapi.telemetry") is not None
            or method not in ("GET", "HEAD", "POST")
        ):
            await self.generic(scope, receive, send)
            return
        scope["app"] = self.app  # as Starlette does: the endpoints read the app's state
        if self._nothing_for_the_layers(scope, method):
            await self.direct(scope, receive, send)
        else:
            await self.layers(scope, receive, send)

    def _nothing_for_the_layers(self, scope: Scope, method: str) -> bool:
        """No cache, no ``Origin``, and no body or one whose declared length the body limit lets through."""
        if self.raw is None:
            return False
        length = b"" if method != "POST" else None
        for name, value in scope["headers"]:
            if name == b"origin":
                return False
            if name == b"content-length":
                length = value
        return length is not None and (not length or (length.isdigit() and int(length) <= self.raw.max_body))

    async def _direct(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer in front of the middlewares; a whole answer they would not change but for ``Vary`` goes out
        as is, any other through them."""
        method, limits = scope["method"], self.raw
        assert limits is not None  # as _nothing_for_the_layers found
        response = await self._respond({**scope, "method": "GET"} if method == "HEAD" else scope, receive)
        whole = _whole(response)
        long = whole and len(response.body) >= limits.compressed_from
        if whole and not (long and limits.compresses_for(scope)):
            # CORS adds Origin to every answer's Vary; compression, Accept-Encoding to a long one's it could
            # have compressed
            added = [b"Accept-Encoding", b"Origin"] if long and _compressible(response) else [b"Origin"]
            headers = _with_vary(response.raw_headers, added)
            await send({"type": "http.response.start", "status": response.status_code, "headers": headers})
            await send({"type": "http.response.body", "body": b"" if method == "HEAD" else response.body})
            return
        scope[_ANSWERED] = response
        await self.middlewares(scope, receive, send)

    async def _answer(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The middlewares' innermost app: send the response computed in front of them, or compute it."""
        response = scope.pop(_ANSWERED, None) or await self._respond(scope, receive)
        await response(scope, receive, send)

    async def _respond(self, scope: Scope, receive: Receive) -> Response:
        """The endpoint's response, or the app's handler's for what it raised (unhandled errors go on up)."""
        request = Request(scope, receive)
        try:
            return await self.endpoints[scope["method"]](request)
        except Exception as error:
            handler = self.handlers.get(error.status_code) if isinstance(error, HTTPException) else None
            handler = handler or next(
                (self.handlers[c] for c in type(error).__mro__ if c in self.handlers), None
            )
            if handler is None:
                raise
            response = handler(request, error)
            if inspect.isawaitable(response):
                response = await response
            assert isinstance(response, Response)
            return response


@dataclass(frozen=True)
class _RawLimits:
    """What the middlewares are set to, as far as the raw path must know."""

    compressed_from: int  # compression's minimum size: shorter answers go out as they are
    max_body: int  # the body limit
    encodings: frozenset[str]  # the ones compression is set to use

    def compresses_for(self, scope: Scope) -> bool:
        """Whether compression would encode a long answer to this request (it takes one of ours)."""
        accepted = [value.decode("latin-1") for name, value in scope["headers"] if name == b"accept-encoding"]
        return bool(accepted) and not parse_accept_encoding(",".join(accepted)).isdisjoint(self.encodings)


def _raw_limits(middleware: list[Middleware]) -> _RawLimits | None:
    """The settings the raw path needs, or ``None`` (no raw path) with the cache on or a layer it does not know."""
    classes = [m.cls for m in middleware]
    if len(classes) != len(_KNOWN) or set(classes) != _KNOWN:
        return None
    options: dict[object, dict[str, Any]] = {m.cls: dict(m.kwargs) for m in middleware}
    compress = options[CompressMiddleware]
    return _RawLimits(
        compressed_from=int(compress["minimum_size"]),
        max_body=int(options[BodyLimitMiddleware]["max_bytes"]),
        # as CompressMiddleware's defaults have them
        encodings=frozenset(code for code, switch in _SWITCHES.items() if compress.get(switch, True)),
    )


#: The keyword of CompressMiddleware that turns each encoding on or off.
_SWITCHES = {"zstd": "zstd", "br": "brotli", "gzip": "gzip"}


def _around(app: ASGIApp, middleware: list[Middleware]) -> ASGIApp:
    """``app`` inside ``middleware``, the first outermost (as Starlette stacks them)."""
    for cls, args, kwargs in reversed(middleware):
        app = cls(app, *args, **kwargs)
    return app


def _whole(response: Response) -> bool:
    """Whether the response is sent as :class:`Response` sends it: its headers, then its body, then nothing."""
    return type(response).__call__ is Response.__call__ and response.background is None


def _compressible(response: Response) -> bool:
    """Whether compression takes the response's status and type (it adds to ``Vary`` when it does)."""
    return classify_start_message({"status": response.status_code, "headers": response.raw_headers}) != "skip"


def _with_vary(headers: list[tuple[bytes, bytes]], added: list[bytes]) -> list[tuple[bytes, bytes]]:
    """The headers with ``added`` joined to ``Vary`` (one field, where the first was), as the layers join them."""
    values = [value for name, value in headers if name == b"vary"]
    if not values:
        return [*headers, (b"vary", b", ".join(added))]
    merged = b", ".join([*values, *added])
    first = next(i for i, (name, _) in enumerate(headers) if name == b"vary")
    return [
        (name, merged) if i == first else (name, value)
        for i, (name, value) in enumerate(headers)
        if i == first or name != b"vary"
    ]
