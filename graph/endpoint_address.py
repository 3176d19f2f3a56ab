"""A SPARQL endpoint's URL as its HTTP clients need it: where to connect, what to ask for, who asks.

Two clients talk to an endpoint, each as lean as its caller allows: the
library's :class:`~stancegraph.graph.store.RemoteStore` (blocking, from the
JSON API's threads and the CLI) and the service's relay (on the event loop).
Both read the URL here once, so they connect, authenticate and name
themselves alike.

>>> address = EndpointAddress.of("https://reader:p%40ss@example.org/sparql?db=x")
>>> address.host, address.port, address.target, address.host_header, address.authorization
('example.org', 443, '/sparql?db=x', 'example.org', 'Basic cmVhZGVyOnBAc3M=')
"""

from __future__ import annotations

import base64
import os
import socket
import ssl
from dataclasses import dataclass
from functools import cache
from urllib.parse import unquote, urlsplit

import certifi

from stancegraph.graph.errors import StoreError

#: How the clients name themselves to the endpoint.
USER_AGENT = "stancegraph"
#: Linux's option to acknowledge at once what arrived (``None`` elsewhere).
QUICKACK: int | None = getattr(socket, "TCP_QUICKACK", None)


def acknowledge_at_once(connection: socket.socket | None) -> None:
    """Have the system acknowledge what arrives on ``connection`` at once, until its next write (Linux).

    Virtuoso writes an answer's headers, then a body of more than a few kB in a second write, with
    Nagle's algorithm on: the body waits for the headers' ACK. On a kept-alive connection Linux
    takes the query-answer exchange for an interactive one and delays its ACKs, by 40 ms at least,
    so every such answer waited 40 ms (a 64 kB one: 56 ms instead of 14; docs/scale-out-engines.md).
    ``RemoteStore`` calls it after each request is written; the relay's client after each read that
    leaves an answer unfinished (the quick mode lasts only until the next write).
    """
    if QUICKACK is not None and connection is not None:
        connection.setsockopt(socket.IPPROTO_TCP, QUICKACK, 1)


def tls_context() -> ssl.SSLContext:
    """Certificates checked as httpx checks them: against ``SSL_CERT_FILE`` or ``SSL_CERT_DIR`` if set
    (a private authority's), else certifi's roots. One context per setting, shared."""
    return _tls_context(os.environ.get("SSL_CERT_FILE") or None, os.environ.get("SSL_CERT_DIR") or None)


@cache
def _tls_context(file: str | None, directory: str | None) -> ssl.SSLContext:
    if file is None and directory is None:
        file = certifi.where()
    return ssl.create_default_context(cafile=file, capath=None if file else directory)


@dataclass(frozen=True)
class EndpointAddress:
    """Where to connect (``tls`` for ``https``), the request target, the ``Host`` header, and Basic
    credentials from the URL's user info, if any."""

    host: str
    port: int
    tls: bool
    target: str
    host_header: str
    authorization: str | None

    @classmethod
    def of(cls, url: str) -> EndpointAddress:
        address = urlsplit(url)
        if address.scheme not in ("http", "https") or not address.hostname:
            raise StoreError(f"{url}: an endpoint URL starts with http:// or https://")
        authorization = None
        if address.username is not None:
            credentials = f"{unquote(address.username)}:{unquote(address.password or '')}"
            authorization = f"Basic {base64.b64encode(credentials.encode()).decode()}"
        return cls(
            host=address.hostname,
            port=address.port or (443 if address.scheme == "https" else 80),
            tls=address.scheme == "https",
            target=(address.path or "/") + (f"?{address.query}" if address.query else ""),
            host_header=address.netloc.rpartition("@")[2],
            authorization=authorization,
        )

    def headers(self) -> dict[str, str]:
        """The headers every request to the endpoint carries (a form POSTed): all but ``Accept`` and the length."""
        headers = {
            "Host": self.host_header,
            "User-Agent": USER_AGENT,
            "Content-Type": "application/x-www-form-urlencoded",
        }
        if self.authorization is not None:
            headers["Authorization"] = self.authorization
        return headers
