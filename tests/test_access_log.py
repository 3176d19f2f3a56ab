"""`stancegraph serve`'s access log (api.access_log): one line per request, in uvicorn's words, on a real server."""

from __future__ import annotations

import io
import logging
import re

import httpx
import uvicorn.config
import uvicorn.logging

from stancegraph.api.access_log import AccessLog
from stancegraph.api.app import create_app
from stancegraph.api.server import running
from stancegraph.api.settings import Settings

UVICORN_ACCESS_FORMAT = uvicorn.config.LOGGING_CONFIG["formatters"]["access"]["fmt"]


def test_one_line_per_request_as_uvicorns_access_log_writes_it() -> None:
    lines = io.StringIO()
    settings = Settings(host="127.0.0.1", port=0, cache_bytes=0)
    with (
        running(settings, app=AccessLog(create_app(settings), stream=lines)) as url,
        httpx.Client() as client,
    ):
        client.get(f"{url}/sparql", params={"query": "ASK {}"})
        client.head(f"{url}/api/stats")
        client.get(f'{url}/nowhere"quoted')
        client.post(f"{url}/sparql", content="ASK {}", headers={"Content-Type": "text/plain"})
        client.get(f"{url}/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})  # streamed
    written = lines.getvalue().splitlines()
    # the line uvicorn's formatter writes for the same request, without colours
    formatter = uvicorn.logging.AccessFormatter(UVICORN_ACCESS_FORMAT, use_colors=False)
    port = re.match(r"INFO: +127\.0\.0\.1:(\d+) ", written[0])
    assert port is not None
    client_address = f"127.0.0.1:{port.group(1)}"
    expected = [
        ("GET", "/sparql?query=ASK+%7B%7D", 200),
        ("HEAD", "/api/stats", 200),
        ("GET", "/nowhere%22quoted", 404),
        ("POST", "/sparql", 415),
        ("GET", "/sparql?query=SELECT+%2A+WHERE+%7B+%3Fs+%3Fp+%3Fo+%7D", 200),
    ]
    assert written == [
        formatter.format(_record(client_address, method, path, status)) for method, path, status in expected
    ]


def _record(client: str, method: str, path: str, status: int) -> logging.LogRecord:
    """The record uvicorn logs for a request (``RequestResponseCycle.send``)."""
    arguments = (client, method, path, "1.1", status)
    return logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 0, '%s - "%s %s HTTP/%s" %d', arguments, None
    )
