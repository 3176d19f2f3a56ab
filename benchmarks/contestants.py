"""The servers under test, each started as a subprocess on a free loopback port and stopped after.

A contestant whose program is not installed is skipped with the reason; one that
is installed but does not come up is an error, so a broken peer cannot hide.

Our service runs three times: cache off (the engine, in worker processes, as
deployed), cache on (a repeated query), and with the in-process thread executor
(``STANCEGRAPH_QUERY_EXECUTOR=threads``, cache off) to weigh the worker
processes' cost against their deadline. Each runs with no row limit
(:data:`MAX_RESULT_ROWS`), so the streamed-rows scenario is not cut at the
default cap; the queries of the latency tables return far fewer rows.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from benchmarks.loading import OXIGRAPH_STORE, STANCEGRAPH_STORE, STANCEGRAPH_THREADS_STORE
from tests.servers import stop


class NotInstalled(Exception):
    """The contestant's program is not on this machine; the message says how to get it."""


class StartError(Exception):
    """The program is there but the server did not come up; the message points to its log."""


@dataclass(frozen=True)
class Server:
    """A running contestant: where to send SPARQL, and where its JSON API lives (ours only)."""

    name: str
    sparql_url: str
    api_url: str | None = None
    pid: int | None = None  # the server process, to measure its (and its children's) memory and CPU


@dataclass(frozen=True)
class Contestant:
    """How to start one contestant on the benchmark data."""

    name: str
    program: str
    available: Callable[[], None]
    start: Callable[[Path, int], tuple[list[str], Server]]
    env: dict[str, str] = dataclasses.field(default_factory=dict)
    deadline_setting: str | None = None  # the variable that sets its query deadline, if it has one
    prepare: Callable[[Path], None] | None = None  # run on the workdir before it starts


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ask_url(server: Server) -> str:
    """A cheap SPARQL request that only succeeds once the data is loaded and the server is idle."""
    return f"{server.sparql_url}?query=ASK%7B%7D"


def wait_until_up(server: Server, *, seconds: float, process: subprocess.Popen[bytes] | None = None) -> None:
    """Poll the server with ``ASK {}`` until it answers 200, it dies, or ``seconds`` pass."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise StartError(f"{server.name} exited with code {process.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(ask_url(server), timeout=5.0).status_code == 200:
                return
        time.sleep(0.2)
    raise StartError(f"{server.name} did not answer within {seconds:.0f} s")


def _require(program: str, hint: str) -> None:
    if shutil.which(program) is None:
        raise NotInstalled(f"`{program}` is not installed ({hint})")


def _require_stancegraph_serve() -> None:
    _require("stancegraph", "pip install -e .")
    help_run = subprocess.run(["stancegraph", "serve", "--help"], capture_output=True, timeout=60)
    if help_run.returncode != 0:
        raise NotInstalled("this stancegraph has no `serve` command yet")


def _oxigraph(workdir: Path, port: int) -> tuple[list[str], Server]:
    location = workdir / OXIGRAPH_STORE
    command = ["oxigraph", "serve-read-only", "--location", str(location), "--bind", f"127.0.0.1:{port}"]
    command.append("--union-default-graph")  # as stancegraph reads its graphs per source
    return command, Server("oxigraph serve", f"http://127.0.0.1:{port}/query")


def _stancegraph_serve(name: str, store_name: str) -> Callable[[Path, int], tuple[list[str], Server]]:
    """Our service on the store, configured through the contestant's environment."""

    def start(workdir: Path, port: int) -> tuple[list[str], Server]:
        store = workdir / store_name
        command = ["stancegraph", "serve", "--store", str(store), "--host", "127.0.0.1", "--port", str(port)]
        base = f"http://127.0.0.1:{port}"
        return command, Server(name, f"{base}/sparql", api_url=f"{base}/api")

    return start


def _copy_store(workdir: Path) -> None:
    """A fresh copy of the loaded store for the thread executor (see STANCEGRAPH_THREADS_STORE)."""
    shutil.rmtree(workdir / STANCEGRAPH_THREADS_STORE, ignore_errors=True)
    shutil.copytree(workdir / STANCEGRAPH_STORE, workdir / STANCEGRAPH_THREADS_STORE)


# No row limit: the default (10,000) would cut the streamed-rows scenario's million rows, and any
# limit is checked by reading one row past it before the first byte (with 2,000,000, a million
# rows waited 82 s and held 2.5 GB); 0 streams from the first row, as oxigraph serve does.
MAX_RESULT_ROWS = 0


def stancegraph_contestant(name: str, **settings: str) -> Contestant:
    """``stancegraph serve`` on the loaded store, with ``settings`` as its ``STANCEGRAPH_*`` environment."""
    env = {"STANCEGRAPH_MAX_RESULT_ROWS": str(MAX_RESULT_ROWS)}
    env |= {f"STANCEGRAPH_{key.upper()}": value for key, value in settings.items()}
    in_processes = settings.get("query_executor", "processes") == "processes"
    return Contestant(
        name,
        "stancegraph",
        _require_stancegraph_serve,
        _stancegraph_serve(name, STANCEGRAPH_STORE if in_processes else STANCEGRAPH_THREADS_STORE),
        env=env,
        deadline_setting="STANCEGRAPH_QUERY_TIMEOUT" if in_processes else None,
        prepare=None if in_processes else _copy_store,
    )


def _rdflib_endpoint(workdir: Path, port: int) -> tuple[list[str], Server]:
    command = [
        "rdflib-endpoint",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        str(workdir / "data.nq"),
    ]
    # rdflib-endpoint answers SPARQL at the root, not at /sparql
    return command, Server("rdflib-endpoint", f"http://127.0.0.1:{port}/")


# oxigraph first: every other contestant's latency is given as a ratio to it
CONTESTANTS = (
    Contestant(
        "oxigraph serve", "oxigraph", lambda: _require("oxigraph", "pip install -e '.[test]'"), _oxigraph
    ),
    stancegraph_contestant("stancegraph", cache_bytes="0"),
    stancegraph_contestant("stancegraph (cached)", cache_bytes=str(64 * 1024 * 1024)),
    stancegraph_contestant("stancegraph (threads)", cache_bytes="0", query_executor="threads"),
    Contestant(
        "rdflib-endpoint",
        "rdflib-endpoint",
        lambda: _require("rdflib-endpoint", "pip install rdflib-endpoint"),
        _rdflib_endpoint,
    ),
)


@contextlib.contextmanager
def running(
    contestant: Contestant,
    workdir: Path,
    *,
    startup_seconds: float,
    env: dict[str, str] | None = None,
    log_suffix: str = "",
) -> Iterator[Server]:
    """Start the contestant (``env`` added to its own), wait until it answers, and always stop it afterwards."""
    command, server = contestant.start(workdir, free_port())
    environment = os.environ | contestant.env | (env or {})
    log_name = re.sub(r"[^A-Za-z0-9]+", "-", contestant.name + log_suffix).strip("-")
    log_path = workdir / f"{log_name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=environment
        )
        try:
            try:
                wait_until_up(server, seconds=startup_seconds, process=process)
            except StartError as error:
                raise StartError(f"{error}; see {log_path}") from None
            yield dataclasses.replace(server, pid=process.pid)
        finally:
            stop(process, seconds=15)
