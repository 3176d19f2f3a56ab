"""Starting real servers for tests: free loopback ports, bounded waits, clean shutdown."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from stancegraph.graph.export import export
from stancegraph.graph.loading import bundled_store


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, *, seconds: float = 30.0) -> None:
    """Poll ``url`` until it answers, or fail after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            httpx.get(url, timeout=1.0)
            return
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up within {seconds} s")


@contextlib.contextmanager
def oxigraph_server(workdir: Path) -> Iterator[str]:
    """`oxigraph serve` (the PyPI `oxigraph` package) on loopback with the bundled data; yields its query URL."""
    program = shutil.which("oxigraph")
    if program is None:
        raise RuntimeError("the `oxigraph` server is not installed: pip install -e '.[test]'")
    data = workdir / "bundled.nt"
    with data.open("wb") as handle:
        export(bundled_store(), "ntriples", handle)
    location = workdir / "oxigraph"
    subprocess.run(
        [program, "load", "--location", str(location), "--file", str(data)], check=True, capture_output=True
    )
    port = free_port()
    process = subprocess.Popen(
        [program, "serve-read-only", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}/query"
        wait_until_up(f"{url}?query=ASK%7B%7D")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextlib.contextmanager
def recording_http_server() -> Iterator[tuple[str, list[str]]]:
    """A loopback HTTP server that records every request path it gets; yields (base URL, paths)."""
    import http.server
    import threading

    seen: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.end_headers()
            self.wfile.write(b'{"head":{"vars":[]},"results":{"bindings":[{}]}}')

        do_POST = do_GET

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def stalled_request(url: str, path: str, *, headers: dict[str, str]) -> Iterator[socket.socket]:
    """Send ``GET path`` on a raw connection and never read the answer (until the block ends).

    A client that stops reading without leaving: the server's writes back up once
    the socket buffers (a few MB on loopback) are full.
    """
    address = urlsplit(url)
    lines = [f"GET {path} HTTP/1.1", f"Host: {address.netloc}", *(f"{k}: {v}" for k, v in headers.items())]
    with socket.create_connection((address.hostname, address.port)) as connection:
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        connection.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        yield connection
