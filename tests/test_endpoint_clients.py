"""The two clients of an endpoint, the relay's (``api/execution/endpoint_client.py``, for /sparql) and the
library's (``graph.store.RemoteStore``, for the JSON API and the CLI): connections kept alive and reused,
opened again when the endpoint closed one, closed at the end, credentials from the URL, and every way
HTTP/1.1 frames an answer read to its end.

The endpoint is a loopback HTTP server that answers every query with the same one-row SPARQL XML
result, framed as the path it is reached at says, and records the connection (client port) and the
credentials of each request.
"""

from __future__ import annotations

import asyncio
import base64
import http.server
import shutil
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from stancegraph.api.execution.endpoint_client import EndpointClient
from stancegraph.api.server import running
from stancegraph.api.settings import Settings
from stancegraph.graph.errors import EndpointError, StoreError
from stancegraph.graph.store import RemoteStore
from tests.servers import QuietHandler, loopback_http_server

ANSWER = (
    b'<?xml version="1.0"?><sparql xmlns="http://www.w3.org/2005/sparql-results#">'
    b'<head><variable name="s"/></head><results><result><binding name="s"><uri>urn:a</uri></binding>'
    b"</result></results></sparql>"
)
XML = "application/sparql-results+xml"
QUERY = {"query": "SELECT ?s WHERE { ?s ?p ?o }"}


@dataclass
class Endpoint:
    """The endpoint's base URL and what it saw: the client port of each request, the credentials
    sent, and the ports whose connections ended."""

    url: str
    ports: list[int] = field(default_factory=list)
    credentials: list[str | None] = field(default_factory=list)
    ended: list[int] = field(default_factory=list)
    answering: int = 0
    most_at_once: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


@pytest.fixture(scope="module")
def endpoint() -> Iterator[Endpoint]:
    seen = Endpoint("")

    class Handler(QuietHandler):
        protocol_version = "HTTP/1.1"  # kept alive unless an answer says otherwise

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            with seen.lock:
                seen.ports.append(self.client_address[1])
                seen.credentials.append(self.headers.get("Authorization"))
                seen.answering += 1
                seen.most_at_once = max(seen.most_at_once, seen.answering)
            try:
                self.answer(self.path.rsplit("/", 1)[-1])
            finally:
                with seen.lock:
                    seen.answering -= 1

        def answer(self, framing: str) -> None:
            if framing == "slow":
                time.sleep(0.2)
            self.send_response(200)
            self.send_header("Content-Type", XML)
            if framing == "chunked":
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for part in (ANSWER[:50], ANSWER[50:]):
                    self.wfile.write(b"%x\r\n%b\r\n" % (len(part), part))
                self.wfile.write(b"0\r\n\r\n")
                return
            if framing == "until-closed":  # neither a length nor chunks: the body ends with the connection
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(ANSWER)
                self.close_connection = True
                return
            self.send_header("Content-Length", str(len(ANSWER)))
            self.end_headers()
            self.wfile.write(ANSWER)
            # "closed-when-idle": kept alive by the answer's headers, then closed before the next request
            self.close_connection = framing == "closed-when-idle"

        def finish(self) -> None:
            super().finish()
            with seen.lock:
                seen.ended.append(self.client_address[1])

    with loopback_http_server(Handler) as url:
        seen.url = url
        yield seen


def _ask(url: str, times: int) -> None:
    """Relayed: the endpoint's answer through the service's /sparql."""
    for _ in range(times):
        response = httpx.post(f"{url}/sparql", data=QUERY, headers={"Accept": XML}, timeout=10)
        assert response.status_code == 200, response.text
        assert response.content == ANSWER


def _select(store: RemoteStore, times: int) -> None:
    """Through the library: the endpoint's answer as rows."""
    for _ in range(times):
        assert store.select(QUERY["query"]) == [{"s": ox.NamedNode("urn:a")}]


@pytest.mark.parametrize(
    ("framing", "connections"),
    [("length", 1), ("chunked", 1), ("until-closed", 5), ("closed-when-idle", 5)],
)
def test_answers_however_framed_and_connections_reused_while_the_endpoint_keeps_them(
    serve: Callable[..., str], endpoint: Endpoint, framing: str, connections: int
) -> None:
    url = serve(endpoint=f"{endpoint.url}/{framing}")
    before = len(endpoint.ports)
    _ask(url, 5)
    assert len(set(endpoint.ports[before:])) == connections
    store = RemoteStore(f"{endpoint.url}/{framing}", timeout=10)
    before = len(endpoint.ports)
    _select(store, 5)
    store.close()
    assert len(set(endpoint.ports[before:])) == connections


def test_credentials_in_the_url_go_as_basic_authentication(
    serve: Callable[..., str], endpoint: Endpoint
) -> None:
    address = endpoint.url.replace("http://", "http://reader:p%40ss@")
    before = len(endpoint.credentials)
    _ask(serve(endpoint=f"{address}/length"), 1)
    _select(RemoteStore(f"{address}/length", timeout=10), 1)
    assert endpoint.credentials[before:] == 2 * [f"Basic {base64.b64encode(b'reader:p@ss').decode()}"]


def test_the_connections_close_when_the_service_stops(endpoint: Endpoint) -> None:
    """Both clients: /sparql's and the JSON API's store (asked through the library here)."""
    with running(Settings(host="127.0.0.1", port=0, endpoint=f"{endpoint.url}/length")) as url:
        before = len(endpoint.ports)
        _ask(url, 2)
        [relayed] = set(endpoint.ports[before:])
        assert relayed not in endpoint.ended
    store = RemoteStore(f"{endpoint.url}/length", timeout=10)
    before = len(endpoint.ports)
    _select(store, 2)
    [read] = set(endpoint.ports[before:])
    assert read not in endpoint.ended
    store.close()
    for _ in range(100):  # the endpoint's handler threads notice the end of the connections
        if relayed in endpoint.ended and read in endpoint.ended:
            break
        threading.Event().wait(0.05)
    assert relayed in endpoint.ended and read in endpoint.ended


def test_the_relays_client_sends_at_most_so_many_requests_at_once(endpoint: Endpoint) -> None:
    """Past its limit, a request waits for a turn (within the deadline), as it waited for httpx's pool."""

    async def main() -> tuple[list[bytes], BaseException | None, bytes]:
        client = EndpointClient(f"{endpoint.url}/slow", timeout=10, at_once=2)
        hurried = EndpointClient(f"{endpoint.url}/length", timeout=0.2, at_once=1)

        async def read(client: EndpointClient) -> bytes:
            response = await client.post(b"query=ASK%7B%7D", accept=XML)
            return await response.read()

        try:
            answers = await asyncio.gather(*(read(client) for _ in range(6)))
            held = await hurried.post(b"query=ASK%7B%7D", accept=XML)  # its turn is held until it is read
            try:
                await read(hurried)
                waited = None
            except TimeoutError as error:
                waited = error
            return answers, waited, await held.read()
        finally:
            await client.aclose()
            await hurried.aclose()

    with endpoint.lock:
        endpoint.most_at_once = 0
    answers, waited, held = asyncio.run(main())
    assert answers == 6 * [ANSWER] and endpoint.most_at_once == 2
    assert isinstance(waited, TimeoutError) and held == ANSWER


def test_an_url_no_request_can_go_to_stops_the_start() -> None:
    with pytest.raises(StoreError, match="starts with http:// or https://"):
        Settings(endpoint="localhost:7878/sparql")
    with pytest.raises(StoreError, match="starts with http:// or https://"):
        RemoteStore("ftp://example.org/sparql")


@pytest.fixture(scope="module")
def tls_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """An ``https://`` endpoint on loopback with a certificate of its own; yields its URL and the certificate."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    directory = tmp_path_factory.mktemp("tls")
    key, certificate = directory / "key.pem", directory / "certificate.pem"
    request = [
        "openssl",
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=127.0.0.1",
    ]
    subprocess.run(
        [*request, "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(certificate)],
        check=True,
        capture_output=True,
    )

    class Handler(QuietHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(200)
            self.send_header("Content-Type", XML)
            self.send_header("Content-Length", str(len(ANSWER)))
            self.end_headers()
            self.wfile.write(ANSWER)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}/sparql", certificate
    finally:
        server.shutdown()
        server.server_close()


def test_https_is_spoken_and_the_certificate_checked(
    tls_endpoint: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unknown to certifi's roots, the endpoint's certificate is refused (502, naming it); trusted through
    ``SSL_CERT_FILE`` (as httpx reads it), both clients read its answers."""
    url, certificate = tls_endpoint
    with running(Settings(host="127.0.0.1", port=0, endpoint=url)) as relay:
        response = httpx.post(f"{relay}/sparql", data=QUERY, headers={"Accept": XML}, timeout=10)
        assert response.status_code == 502 and url in response.json()["detail"]
        assert "CERTIFICATE_VERIFY_FAILED" in response.json()["detail"]
    with pytest.raises(EndpointError, match="CERTIFICATE_VERIFY_FAILED"):
        RemoteStore(url, timeout=10).select(QUERY["query"])
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate))
    with running(Settings(host="127.0.0.1", port=0, endpoint=url)) as relay:
        _ask(relay, 2)
    _select(RemoteStore(url, timeout=10), 2)
