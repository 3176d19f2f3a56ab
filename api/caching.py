"""HTTP caching for reads: strong ETags, 304s, Cache-Control, and a bounded answer cache.

A read's answer depends only on the request and on the data, so its ETag is
a hash of the data version (:class:`api.result_cache.ResultCache`) and of
what the request asks: method, path, query string (so the dataset a query
names, too), body, and the headers that choose the representation (Accept,
Accept-Encoding) or resolve relative IRIs (Host). The cache sits
outside compression, so it keeps each answer as it was sent, compressed or
not, and a hit is not compressed again (the 2 MB /api/graph took 28–35 ms
from the cache when it was). A client that sends the ETag back
gets ``304`` without the query running; a repeated request is answered from
memory. Any acknowledged write bumps the data version, so neither can serve an
answer from before it.

Answers stream through untouched while a copy is kept (up to the entry
limit), so caching never delays the first byte. Identical requests that
arrive while the first is still being answered wait for it and share its
reply instead of running the query again. ``X-Cache`` says which a reply
was: ``miss`` (computed), ``hit`` (from the cache) or ``shared``. Requests whose answer can
change without a write (SPARQL's ``NOW()``, ``RAND()``, ``UUID()``,
``STRUUID()``, ``BNODE()``) and writes themselves are passed through.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import unquote_plus

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from stancegraph.api.result_cache import CachedAnswer, ResultCache

_VOLATILE = re.compile(r"\b(NOW|RAND|UUID|STRUUID|BNODE)\s*\(", re.IGNORECASE)
_READ_CONTENT_TYPES = ("application/x-www-form-urlencoded", "application/sparql-query")
MAX_CACHED_BODY = 1024 * 1024  # a read request body (a POSTed query) worth keying on


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return ""


def _matches(if_none_match: str, etag: str) -> bool:
    candidates = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in candidates or etag in candidates


class CachingMiddleware:
    """ETag/304 and an in-memory answer cache for GET reads and POSTed SPARQL queries."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        cache: ResultCache,
        cache_control: str = "no-cache",
        paths: Iterable[str] = ("/sparql", "/api/", "/id/", "/viewer"),
        exclude: Iterable[str] = ("/viewer/static/",),
        share_wait: float = 10.0,
    ) -> None:
        self.app = app
        self.share_wait = share_wait
        self.cache = cache
        self.cache_control = cache_control
        self.paths = tuple(paths)
        self.exclude = tuple(exclude)  # answers that set their own validators (content-hashed files)
        self._in_flight: dict[str, asyncio.Future[_Reply | None]] = {}  # by cache key: see _answer_once

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith(self.paths) or path.startswith(self.exclude):
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        body = b""
        if method == "POST":
            content_type = _header(scope, b"content-type").split(";", 1)[0].strip().lower()
            if scope["path"] != "/sparql" or content_type not in _READ_CONTENT_TYPES:
                await self.app(scope, receive, send)
                return
            buffered, receive = await _buffer_body(receive)
            if buffered is None:  # too big to key on: let the app refuse or answer it
                await self.app(scope, receive, send)
                return
            body = buffered
            if content_type != "application/sparql-query" and b"update=" in body:
                await self.app(scope, receive, send)
                return
        elif method not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        version = self.cache.version
        key = self.cache.key(
            method,
            scope["path"],
            scope["query_string"].decode("latin-1"),
            body.decode("utf-8", "replace"),
            _header(scope, b"accept"),
            _header(scope, b"content-type"),
            _header(scope, b"accept-encoding"),
            _header(scope, b"host"),  # relative IRIs in a query resolve against the endpoint's address
        )
        etag = f'"{key}"'
        validators = [(b"etag", etag.encode()), (b"cache-control", self.cache_control.encode())]
        # Only answers that passed the volatility check below are ever kept, so a hit needs no check.
        cached = self.cache.get(key)
        if cached is None and _volatile(scope, body):
            await self.app(scope, receive, send)
            return
        if _matches(_header(scope, b"if-none-match"), etag):
            await send({"type": "http.response.start", "status": 304, "headers": validators})
            await send({"type": "http.response.body", "body": b""})
            return
        if cached is not None:
            headers = [
                (b"content-type", cached.media_type.encode()),
                (b"content-length", str(len(cached.body)).encode()),
                (b"vary", b"Accept, Accept-Encoding"),
                (b"x-cache", b"hit"),
                *([(b"content-encoding", cached.encoding.encode())] if cached.encoding else []),
                *cached.headers,
                *validators,
            ]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": b"" if method == "HEAD" else cached.body})
            return
        await self._answer_once(scope, receive, send, _Entry(key, version, validators))

    async def _answer_once(self, scope: Scope, receive: Receive, send: Send, entry: _Entry) -> None:
        """Answer, unless an identical request is being answered: then wait for its reply and share it.

        A dashboard opened in many tabs, or a notebook fanning out, sends the same
        query many times at once, before any answer is cached; each would run the
        query. Followers get the first one's reply instead. If that reply cannot be
        shared (longer than a cache entry, or cut short), each follower is told at
        once and answers on its own, so nobody waits for nothing; nor for longer than
        ``share_wait`` (the query deadline), as the first reply goes out as fast as its
        own client reads it.
        """
        running = self._in_flight.get(entry.key)
        if running is not None:
            try:
                reply = await asyncio.wait_for(asyncio.shield(running), self.share_wait)
            except TimeoutError:  # the first one's client reads slowly (or not at all): don't wait on it
                reply = None
            if reply is not None:
                await _send_reply(send, reply, x_cache=b"shared")
                return
            await self._answer_and_keep(scope, receive, send, entry, share=None)
            return
        share: asyncio.Future[_Reply | None] = asyncio.get_running_loop().create_future()
        self._in_flight[entry.key] = share
        try:
            await self._answer_and_keep(scope, receive, send, entry, share=share)
        finally:
            del self._in_flight[entry.key]
            if not share.done():
                share.set_result(None)

    async def _answer_and_keep(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        entry: _Entry,
        *,
        share: asyncio.Future[_Reply | None] | None,
    ) -> None:
        """Pass the app's answer through, with validators, keeping a copy (up to an entry) to cache and share."""
        reply = _Reply(status=0, headers=[])
        recording = True

        async def send_and_copy(message: Message) -> None:
            nonlocal recording
            if message["type"] == "http.response.start":
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.lower() not in (b"etag", b"cache-control")
                ]
                if message["status"] == 200:
                    headers += entry.validators
                reply.status, reply.headers = message["status"], headers
                message = {**message, "headers": [*headers, (b"x-cache", b"miss")]}
            elif message["type"] == "http.response.body" and recording:
                reply.parts.append(message.get("body", b""))
                reply.size += len(reply.parts[-1])
                if reply.size > self.cache.max_entry_bytes:
                    recording, reply.parts = False, []
                    if share is not None:
                        share.set_result(None)
                elif not message.get("more_body", False):
                    self._finished(reply, scope["method"], entry)
                    if share is not None:
                        share.set_result(reply)
            await send(message)

        await self.app(scope, receive, send_and_copy)

    def _finished(self, reply: _Reply, method: str, entry: _Entry) -> None:
        """A whole answer went out: keep it if it is a 200 with a body."""
        if reply.status != 200 or method == "HEAD":
            return
        media_type, encoding = (
            next((v.decode("latin-1") for k, v in reply.headers if k.lower() == name), "")
            for name in (b"content-type", b"content-encoding")
        )
        own = tuple((k, v) for k, v in reply.headers if k.lower().startswith(b"stancegraph-"))
        self.cache.put(entry.key, CachedAnswer(media_type, reply.body, encoding, own), version=entry.version)


@dataclass(frozen=True)
class _Entry:
    """Where a request's answer goes in the cache: its key (the ETag), the data version, the validators."""

    key: str
    version: str
    validators: list[tuple[bytes, bytes]]


@dataclass
class _Reply:
    """A response as the app sent it (status, headers with validators, body so far)."""

    status: int
    headers: list[tuple[bytes, bytes]]
    parts: list[bytes] = field(default_factory=list)
    size: int = 0

    @property
    def body(self) -> bytes:
        return b"".join(self.parts)


async def _send_reply(send: Send, reply: _Reply, *, x_cache: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": reply.status,
            "headers": [*reply.headers, (b"x-cache", x_cache)],
        }
    )
    await send({"type": "http.response.body", "body": reply.body})


def _volatile(scope: Scope, body: bytes) -> bool:
    """Whether the request's SPARQL may answer differently without a write (``NOW()``, ``RAND()``...)."""
    text = unquote_plus(scope["query_string"].decode("latin-1")) + unquote_plus(
        body.decode("utf-8", "replace")
    )
    return _VOLATILE.search(text) is not None


async def _buffer_body(receive: Receive) -> tuple[bytes | None, Receive]:
    """Read a request body (up to :data:`MAX_CACHED_BODY`) and give the app a receive that replays it."""
    parts: list[bytes] = []
    size = 0
    more = True
    messages: list[Message] = []
    failure: Exception | None = None
    while more:
        try:
            message = await receive()
        except Exception as error:  # e.g. the body limit: the route must see it, to answer 413
            failure = error
            break
        messages.append(message)
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        parts.append(chunk)
        size += len(chunk)
        more = message.get("more_body", False)
        if size > MAX_CACHED_BODY:
            break

    async def replay() -> Message:
        if messages:
            return messages.pop(0)
        if failure is not None:
            raise failure
        return await receive()

    complete = failure is None and not more and size <= MAX_CACHED_BODY
    return (b"".join(parts) if complete else None), replay
