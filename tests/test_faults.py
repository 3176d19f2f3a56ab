"""Faults outside our control: an endpoint that is down or slow is a prompt 502 or 504, never a hang."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import httpx
import pytest

from tests.servers import QuietHandler, free_port, loopback_http_server

ASK = "ASK { ?s ?p ?o }"
SLEEPY = 5.0


@pytest.fixture(scope="module")
def sleepy_endpoint() -> Iterator[str]:
    """A loopback 'SPARQL endpoint' that accepts every request and answers only after ``SLEEPY`` seconds."""

    class Handler(QuietHandler):
        def do_POST(self) -> None:
            time.sleep(SLEEPY)
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.end_headers()
            self.wfile.write(b'{"head":{},"boolean":true}')

    with loopback_http_server(Handler) as url:
        yield f"{url}/sparql"


@pytest.mark.parametrize("path", ["/sparql?query=ASK%7B%7D", "/api/stats", "/id/europe"])
def test_a_slow_endpoint_is_a_prompt_504(serve: Callable[..., str], sleepy_endpoint: str, path: str) -> None:
    url = serve(endpoint=sleepy_endpoint, endpoint_timeout=0.5)
    started = time.monotonic()
    response = httpx.get(f"{url}{path}", timeout=10)
    assert time.monotonic() - started < SLEEPY  # the deadline, not the endpoint, ended it
    assert response.status_code == 504, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert "did not answer" in response.json()["detail"]


@pytest.mark.parametrize("path", ["/sparql?query=ASK%7B%7D", "/api/stats", "/id/europe"])
def test_a_down_endpoint_is_a_prompt_502(serve: Callable[..., str], path: str) -> None:
    url = serve(endpoint=f"http://127.0.0.1:{free_port()}/sparql", endpoint_timeout=5)
    started = time.monotonic()
    response = httpx.get(f"{url}{path}", timeout=10)
    assert time.monotonic() - started < 5  # refused at once, not waited out to the 5 s deadline
    assert response.status_code == 502, response.text
    assert "cannot reach" in response.json()["detail"]


def test_writes_behind_an_endpoint_are_refused_not_relayed(
    serve: Callable[..., str], sleepy_endpoint: str
) -> None:
    url = serve(endpoint=sleepy_endpoint, write_token="a-token-long-enough-0123")
    response = httpx.post(
        f"{url}/sparql",
        data={"update": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"},
        headers={"Authorization": "Bearer a-token-long-enough-0123"},
        timeout=10,
    )
    assert response.status_code == 403 and "send writes to that endpoint" in response.json()["detail"]


#: What a misbehaving endpoint answers, by the path it is reached at: (status, content type, body).
MISBEHAVIOURS = {
    "/wrong-type": (200, "text/html", b"<html><body>a login page</body></html>"),
    "/malformed": (200, "application/sparql-results+xml", b"<sparql><head><variable name='s'/></head><res"),
    "/failing": (500, "text/plain", b"Virtuoso 42000 Error SR483: out of memory"),
    "/refusing": (400, "text/plain", b"Virtuoso 37000 Error SP030: SPARQL compiler, line 1: syntax error"),
}


@pytest.fixture(scope="module")
def misbehaving_endpoint() -> Iterator[str]:
    """A loopback 'SPARQL endpoint' that answers every query wrongly, one way per path."""

    class Handler(QuietHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            status, media_type, body = MISBEHAVIOURS[self.path]
            self.send_response(status)
            self.send_header("Content-Type", media_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    with loopback_http_server(Handler) as url:
        yield url


@pytest.mark.parametrize(
    ("misbehaviour", "path", "status"),
    [
        ("/wrong-type", "/sparql?query=SELECT%20*%20%7B%7D", 502),
        ("/malformed", "/sparql?query=SELECT%20*%20%7B%7D", 502),
        ("/malformed", "/sparql?query=SELECT%20*%20%7B%7D&format=xml", 502),  # in the client's format
        ("/malformed", "/api/stats", 502),
        ("/failing", "/sparql?query=SELECT%20*%20%7B%7D", 502),
        ("/failing", "/api/stats", 502),
        ("/refusing", "/sparql?query=SELECT%20*%20%7B%7D", 400),  # the client's query: the client's error
        ("/refusing", "/api/stats", 502),  # a query of ours: the endpoint's dialect, not the client's doing
    ],
)
def test_an_endpoint_that_answers_wrongly_is_a_problem_naming_it(
    serve: Callable[..., str], misbehaving_endpoint: str, misbehaviour: str, path: str, status: int
) -> None:
    endpoint = f"{misbehaving_endpoint}{misbehaviour}"
    response = httpx.get(f"{serve(endpoint=endpoint)}{path}", timeout=10)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["endpoint"] == endpoint and endpoint in problem["detail"]
    assert "Traceback" not in response.text
    said = MISBEHAVIOURS[misbehaviour][2].decode()
    if said.startswith("Virtuoso"):
        assert problem["endpoint_message"] == said


def test_an_update_sent_as_a_query_never_reaches_the_endpoint(
    serve: Callable[..., str], misbehaving_endpoint: str
) -> None:
    """Some engines run an update given as ``query=``; the relay sends only query forms on."""
    url = serve(endpoint=f"{misbehaving_endpoint}/failing")
    response = httpx.get(
        f"{url}/sparql", params={"query": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}, timeout=10
    )
    assert response.status_code == 400, response.text
    assert response.json()["type"].endswith("/query-syntax") and "endpoint" not in response.json()
