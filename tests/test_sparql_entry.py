"""``/sparql`` answered in front of the generic layers (api.sparql_entry) answers exactly as through them.

Two real servers on loopback serve the same settings and data: the app as it is, and the same app
with every request sent down the stack :class:`~stancegraph.api.sparql_entry.SparqlEntry` stands in
front of (FastAPI's layers, the middlewares, the router). Each request goes to both; status,
headers (but ``Date``, and the ETag's value: each server's data version is its own) and body must
be the same, whichever way the entry took it: sent raw, through the middlewares, or not at all.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.types import Receive, Scope, Send

from stancegraph.api.app import create_app
from stancegraph.api.server import running
from stancegraph.api.settings import Settings
from stancegraph.api.sparql_entry import SparqlEntry

ASK = "ASK {}"
LABELS = "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> SELECT ?s ?l WHERE { ?s rdfs:label ?l } ORDER BY ?s ?l"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
JSON = "application/sparql-results+json"
FORM = "application/x-www-form-urlencoded"
MAX_BODY = 4096
SETTINGS: dict[str, Any] = {
    "host": "127.0.0.1",
    "port": 0,
    "query_workers": 1,
    "max_queued_queries": 0,
    "query_timeout": 1.0,
    "max_body_bytes": MAX_BODY,
    "max_query_length": 2000,
    "max_result_rows": 50,
    "cors_origins": ("https://allowed.example",),
}


class _Generic:
    """The app with every request sent down the generic stack, as if there were no :class:`SparqlEntry`."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)  # the lifespan, which builds the stack
            return
        entry = self.app.middleware_stack
        assert isinstance(entry, SparqlEntry)
        scope["app"] = self.app
        await entry.generic(scope, receive, send)


@pytest.fixture(scope="module", params=[0, 1 << 20], ids=["cache-off", "cache-on"])
def servers(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    """(the app as it is, the app without its entry), with the answer cache off or on."""
    settings = Settings(**SETTINGS, cache_bytes=request.param)
    with ExitStack() as stack:
        entry = stack.enter_context(running(settings))
        generic = stack.enter_context(running(settings, app=_Generic(create_app(settings))))
        yield entry, generic


def _seen(response: httpx.Response, server: str) -> tuple[int, dict[str, str], bytes]:
    """What a client sees, but what is each server's own: the date, the ETag, its address, blank nodes."""
    headers = {n: v.replace(server, "(this server)") for n, v in response.headers.items() if n != "date"}
    if "etag" in headers:
        headers["etag"] = "(this server's)"
    body = re.sub(rb"_:[0-9a-f]+", b"_:b", response.content.replace(server.encode(), b"(this server)"))
    if body != response.content:
        headers["content-length"] = "(of this server's answer)"
    return response.status_code, headers, body


def _both(
    servers: tuple[str, str], method: str, path: str = "/sparql", without: str = "", **request: Any
) -> httpx.Response:
    """Send the request to both servers (``without`` a header httpx would send); assert they answer alike;
    return the entry's answer."""
    answers = []
    with httpx.Client(timeout=30) as client:
        for url in servers:
            built = client.build_request(method, f"{url}{path}", **request)
            if without:
                del built.headers[without]
            answers.append(client.send(built))
    assert _seen(answers[0], servers[0]) == _seen(answers[1], servers[1])
    return answers[0]


_ALIKE = {
    "GET ASK": ("GET", {"params": {"query": ASK}, "headers": {"Accept": JSON}}),
    "HEAD ASK": ("HEAD", {"params": {"query": ASK}, "headers": {"Accept": JSON}}),
    "ASK as CSV by format=": ("GET", {"params": {"query": ASK, "format": "csv"}}),
    "POST form": ("POST", {"data": {"query": ASK}, "headers": {"Accept": JSON}}),
    "POST sparql-query": (
        "POST",
        {"content": ASK, "headers": {"Accept": JSON, "Content-Type": "application/sparql-query"}},
    ),
    "long, gzip": ("GET", {"params": {"query": LABELS}, "headers": {"Accept": JSON}}),
    "long, identity": (
        "GET",
        {"params": {"query": LABELS}, "headers": {"Accept": JSON, "Accept-Encoding": "identity"}},
    ),
    "HEAD long": ("HEAD", {"params": {"query": LABELS}, "headers": {"Accept": JSON}}),
    # a long answer to a client that takes no encoding compression uses goes out raw, with its Vary
    "long, no Accept-Encoding": (
        "GET",
        {"params": {"query": LABELS}, "headers": {"Accept": JSON}, "without": "accept-encoding"},
    ),
    "long, empty Accept-Encoding": (
        "GET",
        {"params": {"query": LABELS}, "headers": {"Accept": JSON, "Accept-Encoding": ""}},
    ),
    "long, zstd (not offered)": (
        "POST",
        {"data": {"query": LABELS}, "headers": {"Accept": JSON, "Accept-Encoding": "zstd"}},
    ),
    "long, gzip refused": (
        "GET",
        {"params": {"query": LABELS}, "headers": {"Accept": JSON, "Accept-Encoding": "gzip;q=0, *;q=0"}},
    ),
    "long, gzip by wildcard": (
        "GET",
        {"params": {"query": LABELS}, "headers": {"Accept": JSON, "Accept-Encoding": "*"}},
    ),
    "HEAD long, identity": (
        "HEAD",
        {"params": {"query": LABELS}, "headers": {"Accept": JSON, "Accept-Encoding": "identity"}},
    ),
    "long Turtle, identity": (
        "GET",
        {
            "params": {"query": "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 40"},
            "headers": {"Accept": "text/turtle", "Accept-Encoding": "identity"},
        },
    ),
    "long CSV, identity": (
        "GET",
        {"params": {"query": LABELS, "format": "csv"}, "headers": {"Accept-Encoding": "identity"}},
    ),
    "truncated CONSTRUCT": (
        "GET",
        {"params": {"query": "CONSTRUCT WHERE { ?s ?p ?o }"}, "headers": {"Accept": "text/turtle"}},
    ),
    "allowed Origin": ("GET", {"params": {"query": ASK}, "headers": {"Origin": "https://allowed.example"}}),
    "other Origin": ("GET", {"params": {"query": ASK}, "headers": {"Origin": "https://other.example"}}),
    "preflight": (
        "OPTIONS",
        {
            "headers": {
                "Origin": "https://allowed.example",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "Content-Type",
            }
        },
    ),
    "malformed query": ("GET", {"params": {"query": "SELECT WHERE {"}}),
    "empty query": ("POST", {"data": {"query": " "}}),
    "unknown parameter": ("GET", {"params": {"query": ASK, "limit": "3"}}),
    "not acceptable": ("GET", {"params": {"query": ASK}, "headers": {"Accept": "image/png"}}),
    "unsupported content type": ("POST", {"content": ASK, "headers": {"Content-Type": "text/plain"}}),
    "body over the limit": ("POST", {"data": {"query": ASK + " " * MAX_BODY}}),
    "chunked body over the limit": (
        "POST",
        {"content": [b"query=ASK", b"+" * MAX_BODY], "headers": {"Content-Type": FORM}},
    ),
    "update without a token": ("POST", {"data": {"update": "CLEAR ALL"}}),
    "update by GET": ("GET", {"params": {"update": "CLEAR ALL"}}),
    "query too long for the URL": ("GET", {"params": {"query": "ASK {} #" + "x" * 3000}}),
    "query too long for the body": ("POST", {"data": {"query": "ASK {} #" + "x" * 3000}}),
    "not a query, by POST": ("POST", {"data": {"format": "json"}}),
    "service description": ("GET", {"headers": {"Accept": "text/turtle"}}),
    "query editor": ("GET", {"headers": {"Accept": "text/html"}}),
    "PUT": ("PUT", {"content": ASK}),
    "trailing slash": ("GET", {"path": "/sparql/", "params": {"query": ASK}}),
    "a deadline passed": ("GET", {"params": {"query": RUNAWAY}}),
}


@pytest.mark.parametrize("name", list(_ALIKE))
def test_the_same_answer_either_way(servers: tuple[str, str], name: str) -> None:
    method, request = _ALIKE[name]
    _both(servers, method, **request)


def test_an_etag_is_answered_with_304_either_way(servers: tuple[str, str]) -> None:
    for url in servers:
        first = httpx.get(f"{url}/sparql", params={"query": ASK})
        if "etag" not in first.headers:
            pytest.skip("the answer cache is off")
        again = httpx.get(
            f"{url}/sparql", params={"query": ASK}, headers={"If-None-Match": first.headers["etag"]}
        )
        assert (again.status_code, again.content) == (304, b"")


def test_busy_is_503_with_retry_after_either_way(servers: tuple[str, str]) -> None:
    """With the one worker busy and no queue, a query is refused alike (``Retry-After`` counts down)."""
    refusals = []
    for url in servers:
        runaway = threading.Thread(
            target=httpx.get, args=(f"{url}/sparql",), kwargs={"params": {"query": RUNAWAY}, "timeout": 30}
        )
        runaway.start()
        time.sleep(0.3)
        # a query no test sent before, so that the cache (when on) has no answer for it
        refusals.append(httpx.get(f"{url}/sparql", params={"query": f"{ASK} # while busy"}, timeout=10))
        runaway.join()
    for refused in refusals:
        assert refused.status_code == 503
        refused.headers["retry-after"] = "(a count)"
    assert _seen(refusals[0], servers[0]) == _seen(refusals[1], servers[1])
