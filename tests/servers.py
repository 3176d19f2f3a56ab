"""Starting real servers for tests: free loopback ports, bounded waits, clean shutdown.

``python -m tests.servers virtuoso DIR`` starts Virtuoso with the bundled data for as long as it
runs and prints its query URL and the data's graph: `.ci/run` starts it so, the tests' fixtures
with :func:`virtuoso_server`, the benchmark with other data; one way to start it everywhere.
"""

from __future__ import annotations

import contextlib
import gc
import http.server
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pyoxigraph as ox

from stancegraph.graph.export import export
from stancegraph.graph.loading import bundled_store


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def closed_store(location: Path, quads: Iterable[ox.Quad] | None = None) -> Path:
    """An on-disk store holding ``quads`` (the bundled data if none), closed again so that a server
    or a child process can open it (a pyoxigraph store closes when it is collected)."""
    store = ox.Store(str(location))
    store.extend(bundled_store().all_quads() if quads is None else quads)
    store.flush()
    del store
    gc.collect()
    return location


def wait_until_up(url: str, *, seconds: float = 30.0) -> None:
    """Poll ``url`` until it answers, or fail after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            httpx.get(url, timeout=1.0)
            return
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up within {seconds} s")


def bundled_ntriples(workdir: Path) -> Path:
    """``stancegraph export --format ntriples`` of the bundled data, as ``workdir/bundled.nt``."""
    data = workdir / "bundled.nt"
    with data.open("wb") as handle:
        export(bundled_store(), "ntriples", handle)
    return data


@contextlib.contextmanager
def oxigraph_server(workdir: Path) -> Iterator[str]:
    """`oxigraph serve` (the PyPI `oxigraph` package) on loopback with the bundled data; yields its query URL."""
    program = shutil.which("oxigraph")
    if program is None:
        raise RuntimeError("the `oxigraph` server is not installed: pip install -e '.[test]'")
    data = bundled_ntriples(workdir)
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
        stop(process)


#: The graph the bundled data is loaded into on Virtuoso, which keeps graphs of its own beside it.
BUNDLED_GRAPH = "https://w3id.org/stancegraph/graph/bundled"
#: Two graphs to split the bundled data over, as data kept one graph per source is.
PART_GRAPHS = ("https://w3id.org/stancegraph/graph/part-1", "https://w3id.org/stancegraph/graph/part-2")

VIRTUOSO_INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
DirsAllowed = {dir}
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty_buffers}
CheckpointInterval = 0
[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {dir}
ServerThreads = 10
MaxKeepAlives = 10
[SPARQL]
; above any row limit of ours, or Virtuoso cuts answers short without saying so
ResultSetMaxRows = 100000000
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime = 0
"""


@dataclass(frozen=True)
class Virtuoso:
    """A running Virtuoso: its SPARQL endpoint, and how to load files into a graph of it."""

    url: str
    directory: Path
    sql_port: int
    isql: str
    pid: int  # the server's process, for benchmarks that count its CPU time

    def load(self, path: Path, graph: str) -> None:
        """Bulk-load an RDF file of :attr:`directory` into ``graph`` (``ld_dir`` + ``rdf_loader_run``)."""
        script = (
            f"ld_dir('{self.directory}', '{path.name}', '{graph}');\nrdf_loader_run();\ncheckpoint;\n"
            "SELECT ll_file, ll_error FROM DB.DBA.load_list WHERE ll_error IS NOT NULL;\n"
        )
        done = subprocess.run(
            [self.isql, f"127.0.0.1:{self.sql_port}", "dba", "dba"],
            input=script,
            capture_output=True,
            text=True,
            timeout=3600,
            check=False,
        )
        if done.returncode != 0 or "0 Rows." not in done.stdout:
            raise RuntimeError(f"Virtuoso could not load {path}: {done.stdout[-2000:]} {done.stderr[-2000:]}")


def virtuoso_programs() -> tuple[str, str] | None:
    """Virtuoso's server and its SQL client (Debian's ``virtuoso-opensource`` names), if installed."""
    server, isql = shutil.which("virtuoso-t"), shutil.which("isql-vt") or shutil.which("isql")
    return (server, isql) if server and isql else None


@contextlib.contextmanager
def virtuoso_server(workdir: Path, *, buffers: int = 10_000) -> Iterator[Virtuoso]:
    """Virtuoso on loopback with an empty database in ``workdir``; stopped, its files left to the caller.

    ``buffers``: 8 kB pages of cache (10,000 is 80 MB; a million triples want ~100,000).
    """
    programs = virtuoso_programs()
    if programs is None:
        raise RuntimeError("Virtuoso is not installed: apt-get install virtuoso-opensource")
    server, isql = programs
    workdir.mkdir(parents=True, exist_ok=True)
    sql_port, http_port = free_port(), free_port()
    ini = workdir / "virtuoso.ini"
    ini.write_text(
        VIRTUOSO_INI.format(
            dir=workdir,
            sql_port=sql_port,
            http_port=http_port,
            buffers=buffers,
            dirty_buffers=buffers * 3 // 4,
        )
    )
    process = subprocess.Popen(
        [server, "+configfile", str(ini), "+foreground"],
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{http_port}/sparql"
        wait_until_up(f"{url}?query=ASK%7B%7D", seconds=120)
        yield Virtuoso(url, workdir, sql_port, isql, process.pid)
    finally:
        stop(process, seconds=60)


@contextlib.contextmanager
def virtuoso_with_bundled_data(workdir: Path, graphs: tuple[str, ...] = (BUNDLED_GRAPH,)) -> Iterator[str]:
    """Virtuoso holding the bundled data in ``graphs``: all of it in one, or split line by line over
    several (as data kept one graph per source is); yields its query URL.

    One instance never holds the data twice: with the same triples in other graphs too, Virtuoso 7.2
    answered ``documents.rq`` with rows missing (docs/scale-out-engines.md).
    """
    with virtuoso_server(workdir) as virtuoso:
        lines = bundled_ntriples(workdir).read_bytes().splitlines(keepends=True)
        for index, graph in enumerate(graphs):
            part = workdir / f"part-{index + 1}.nt"
            part.write_bytes(b"".join(lines[index :: len(graphs)]))
            virtuoso.load(part, graph)
        yield virtuoso.url


def _serve_until_stopped(
    start: Callable[[Path], contextlib.AbstractContextManager[str]], workdir: Path
) -> None:
    """Start a server, print its URL, and stop it when this process is told to (SIGTERM, SIGINT)."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with start(workdir) as url:
        print(url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            signal.pause()


@contextlib.contextmanager
def loopback_http_server(handler: type[http.server.BaseHTTPRequestHandler]) -> Iterator[str]:
    """Serve ``handler`` on a free loopback port in a thread; yields the base URL, stops on exit."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class QuietHandler(http.server.BaseHTTPRequestHandler):
    """A request handler that does not log every request to stderr."""

    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def recording_http_server() -> Iterator[tuple[str, list[str]]]:
    """A loopback HTTP server that records every request path it gets; yields (base URL, paths)."""
    seen: list[str] = []

    class Handler(QuietHandler):
        def do_GET(self) -> None:
            seen.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.end_headers()
            self.wfile.write(b'{"head":{"vars":[]},"results":{"bindings":[{}]}}')

        do_POST = do_GET

    with loopback_http_server(Handler) as url:
        yield url, seen


def stop(process: subprocess.Popen[Any], *, seconds: float = 30.0) -> None:
    """Ask a server process to stop (SIGTERM), and kill it if it has not within ``seconds``."""
    process.terminate()
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


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


if __name__ == "__main__":
    SERVERS = {"virtuoso": virtuoso_with_bundled_data, "oxigraph": oxigraph_server}
    if len(sys.argv) != 3 or sys.argv[1] not in SERVERS:
        sys.exit(f"usage: python -m tests.servers {{{','.join(SERVERS)}}} WORKDIR")
    _serve_until_stopped(SERVERS[sys.argv[1]], Path(sys.argv[2]))
