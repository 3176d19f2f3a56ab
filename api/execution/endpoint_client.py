"""The relay's HTTP/1.1 client for its one endpoint: httptools' parser in an asyncio protocol.

The relay needs little of a general HTTP client: one origin, a form POSTed,
the status and headers, then the body as it arrives, over connections kept
alive. httpx does all that and much more, and on a small answer the more is
most of the cost: in front of Virtuoso, a 3 kB answer took 4.8 ms and 1.8 ms
of CPU through ``httpx.AsyncClient`` against 1.7 ms and 0.17 ms here
(docs/scale-out-engines.md#relay-overhead). httptools (the parser uvicorn uses,
in C) reads the answer; the request is written in one piece.

What it does: ``http`` and ``https`` and Basic credentials from the URL's
user info (``graph.endpoint_address``, shared with the library's client),
chunked and length-delimited bodies and bodies ended by closing, a read
paused while the relay has not taken what came
(a slow client slows the endpoint instead of filling memory), one retry of a
request whose kept-alive connection the endpoint had closed while it was idle
(every request the relay sends is a query, safe to repeat), every read that
leaves the answer unfinished acknowledged at once (a delayed ACK held
Virtuoso's longer bodies 40 ms:
``graph.endpoint_address.acknowledge_at_once``). The deadline
applies to connecting and to every wait for the endpoint's next bytes, as
httpx's did. What it does not: proxies, redirects (an error status, as before),
compression (none is asked for), cookies.
"""

from __future__ import annotations

import asyncio
import socket
from collections import deque
from collections.abc import AsyncIterator

import httptools

from stancegraph.graph.endpoint_address import EndpointAddress, acknowledge_at_once, tls_context

#: Bytes the endpoint may send ahead of the relay reading them before the socket is no longer read.
READ_AHEAD = 1 << 20
#: Idle connections kept for the next requests (httpx's default).
KEPT_ALIVE = 20
#: Requests (so connections) open at once, at most (httpx's default): more wait, within the deadline.
AT_ONCE = 100


class EndpointUnreachable(ConnectionError):
    """Connecting failed, or the connection broke (or spoke no HTTP) before the answer ended."""


class _Connection(asyncio.Protocol):
    """One connection to the endpoint, answering one request at a time."""

    def __init__(self) -> None:
        self._transport: asyncio.Transport | None = None
        self._socket: socket.socket | None = None
        self._parser = httptools.HttpResponseParser(self)
        self._waiter: asyncio.Future[None] | None = None
        self._body: deque[bytes] = deque()
        self._buffered = 0
        self._paused = False
        self._ends_at_close = False
        self._keep_alive = False
        self.status = 0
        self.headers: dict[str, str] = {}
        self.head_read = self.complete = self.closed = self.heard = False
        self.error: EndpointUnreachable | None = None

    # ---- asyncio
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]
        self._socket = transport.get_extra_info("socket")

    def data_received(self, data: bytes) -> None:
        """Parse what came; unless the answer is whole, acknowledge it at once (the endpoint may be waiting
        for the ACK to send the rest). A whole one needs no ACK soon: a system call saved (~2% of the
        relay's CPU on a small answer)."""
        self.heard = True
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as error:
            self._broken(EndpointUnreachable(f"the endpoint's answer is not HTTP/1.1 ({error})"))
            return
        if not self.complete:
            acknowledge_at_once(self._socket)
        if self._buffered > READ_AHEAD and not self._paused and self._transport is not None:
            self._transport.pause_reading()
            self._paused = True

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.head_read and self._ends_at_close and not self.complete and self.error is None:
            self.complete = True  # neither a length nor chunks: the body ends where the connection does
        elif not self.complete and self.error is None:
            self.error = EndpointUnreachable(
                f"the connection broke ({exc})" if exc else "the endpoint closed the connection"
            )
        self._wake()

    # ---- httptools
    def on_header(self, name: bytes, value: bytes) -> None:
        key = name.decode("latin-1").lower()
        text = value.decode("latin-1")
        self.headers[key] = f"{self.headers[key]}, {text}" if key in self.headers else text

    def on_headers_complete(self) -> None:
        self.status = self._parser.get_status_code()
        self.head_read = True
        chunked = "chunked" in self.headers.get("transfer-encoding", "").lower()
        self._ends_at_close = not chunked and "content-length" not in self.headers
        self._keep_alive = self._parser.should_keep_alive()  # the parser forgets it once the answer ends
        self._wake()

    def on_body(self, body: bytes) -> None:
        self._body.append(body)
        self._buffered += len(body)
        self._wake()

    def on_message_complete(self) -> None:
        self.complete = True
        self._wake()

    # ---- the client's side
    def send(self, request: bytes) -> None:
        """Write a request; its answer's state starts afresh."""
        assert self._transport is not None
        self._parser = httptools.HttpResponseParser(self)
        self.status, self.headers = 0, {}
        self.head_read = self.complete = self.heard = False
        self._transport.write(request)

    async def head(self, timeout: float) -> None:
        """Wait for the status line and headers."""
        while not self.head_read and self.error is None:
            await self._wait(timeout)
        if not self.head_read and self.error is not None:
            raise self.error

    async def next_chunk(self, timeout: float) -> bytes | None:
        """The body's bytes that came since the last call (waiting for some), or ``None`` at its end."""
        while not self._body and not self.complete and self.error is None:
            await self._wait(timeout)
        if self._body:
            chunk = self._body.popleft() if len(self._body) == 1 else b"".join(self._body)
            self._body.clear()
            self._buffered = 0
            if self._paused and self._transport is not None:
                self._paused = False
                self._transport.resume_reading()
            return chunk
        if self.error is not None:
            raise self.error
        return None

    @property
    def reusable(self) -> bool:
        """Whether the next request can go on this connection (its answer read to the end, kept alive)."""
        return self.complete and not self.closed and not self._body and self._keep_alive

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
        self.closed = True

    def _broken(self, error: EndpointUnreachable) -> None:
        self.error = error
        self.close()
        self._wake()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def _wait(self, timeout: float) -> None:
        """Until the endpoint's next bytes (or its end), at most ``timeout`` seconds (then TimeoutError).

        A timer that fails the future, rather than ``asyncio.timeout``, which cancels the task: one
        call scheduled, no cancellation to undo (it showed in the relay's profile).
        """
        loop = asyncio.get_running_loop()
        self._waiter = waiter = loop.create_future()
        timer = loop.call_later(timeout, _expire, waiter)
        try:
            await waiter
        finally:
            timer.cancel()
            self._waiter = None


def _expire(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError())


class EndpointResponse:
    """The endpoint's answer: its status and headers (names in lower case), then its body."""

    def __init__(self, client: EndpointClient, connection: _Connection) -> None:
        self._client, self._connection = client, connection
        self.status = connection.status
        self.headers = connection.headers
        self._open = True

    async def chunks(self) -> AsyncIterator[bytes]:
        """The body as it arrives; the connection goes back to the client at its end."""
        try:
            while (chunk := await self._connection.next_chunk(self._client.timeout)) is not None:
                yield chunk
        finally:
            await self.aclose()

    async def read(self) -> bytes:
        """The whole body."""
        return b"".join([chunk async for chunk in self.chunks()])

    async def aclose(self) -> None:
        """Done with the answer: a connection whose answer was not read to its end is closed."""
        if self._open:
            self._open = False
            self._client.release(self._connection)


class EndpointClient:
    """Connections kept alive to one endpoint URL, and form POSTs to it."""

    def __init__(self, url: str, *, timeout: float, at_once: int = AT_ONCE) -> None:
        self.timeout = timeout
        self._address = EndpointAddress.of(url)
        lines = [f"POST {self._address.target} HTTP/1.1"]
        lines += [f"{name}: {value}" for name, value in self._address.headers().items()]
        self._head = ("\r\n".join(lines) + "\r\n").encode()
        self._idle: list[_Connection] = []
        self._open: set[_Connection] = set()
        self._turns = asyncio.Semaphore(at_once)

    async def post(self, form: bytes, *, accept: str) -> EndpointResponse:
        """POST a form-encoded body; the answer once its status and headers are in.

        The request holds one of ``at_once`` turns until its answer is closed.
        """
        request = b"%bAccept: %b\r\nContent-Length: %d\r\n\r\n%b" % (
            self._head,
            accept.encode("latin-1"),
            len(form),
            form,
        )
        if self._turns.locked():
            async with asyncio.timeout(self.timeout):
                await self._turns.acquire()
        else:
            await self._turns.acquire()  # returns at once
        try:
            return await self._send(request)
        except BaseException:
            self._turns.release()
            raise

    async def _send(self, request: bytes) -> EndpointResponse:
        while self._idle:
            connection = self._idle.pop()
            if connection.closed:
                continue
            try:
                return await self._exchange(connection, request)
            except EndpointUnreachable:
                if connection.heard:  # it answered something: not a connection closed while idle
                    raise
        return await self._exchange(await self._connect(), request)

    async def _exchange(self, connection: _Connection, request: bytes) -> EndpointResponse:
        try:
            connection.send(request)
            await connection.head(self.timeout)
        except BaseException:
            self._forget(connection)
            raise
        return EndpointResponse(self, connection)

    async def _connect(self) -> _Connection:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self.timeout):
                _, connection = await loop.create_connection(
                    _Connection,
                    self._address.host,
                    self._address.port,
                    ssl=tls_context() if self._address.tls else None,
                )
        except OSError as error:  # refused, no such host, TLS failed...
            raise EndpointUnreachable(str(error) or type(error).__name__) from None
        self._open.add(connection)
        return connection

    def release(self, connection: _Connection) -> None:
        """Take a connection back, and its request's turn: kept for the next request if its answer was
        read to the end."""
        if connection.reusable and len(self._idle) < KEPT_ALIVE:
            self._idle.append(connection)
        else:
            self._forget(connection)
        self._turns.release()

    def _forget(self, connection: _Connection) -> None:
        connection.close()
        self._open.discard(connection)

    async def aclose(self) -> None:
        """Close every connection, idle or answering."""
        for connection in self._open:
            connection.close()
        self._open.clear()
        self._idle.clear()
