"""Running the service: in the foreground for ``stancegraph serve``, or in a thread for tests and benchmarks.

>>> with running(Settings(port=0)) as url:
...     import httpx
...     httpx.get(f"{url}/api/stats").json()["drafts"]
3
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from starlette.types import ASGIApp

from stancegraph.api.access_log import AccessLog
from stancegraph.api.app import create_app
from stancegraph.api.settings import Settings


def serve(settings: Settings) -> None:
    """Serve until interrupted, logging one line per request."""
    base = f"http://{settings.host}:{settings.port}"
    print(
        f"stancegraph: the viewer at {base}/viewer, SPARQL at {base}/sparql, the API at {base}/docs",
        flush=True,
    )
    # uvicorn's own access log costs ~60 µs a request, before the answer goes out: see api.access_log
    uvicorn.run(
        AccessLog(create_app(settings)),
        host=settings.host,
        port=settings.port,
        access_log=False,
        log_level="info",
    )


@contextmanager
def running(settings: Settings, *, log_level: str = "warning", app: ASGIApp | None = None) -> Iterator[str]:
    """Serve in a background thread; yield the base URL (``port=0`` picks a free port); stop on exit.

    ``app``: what to serve instead of ``create_app(settings)`` (tests serve variants of it).
    """
    sock = socket.socket(socket.AF_INET6 if ":" in settings.host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((settings.host, settings.port))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app or create_app(settings), log_level=log_level, access_log=False)
    )
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="stancegraph-server", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the server did not start; see the log above")
        time.sleep(0.01)
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
