"""SERVICE and LOAD are refused unless allowed, and a refused one sends no request anywhere."""

from __future__ import annotations

import contextlib

import pyoxigraph as ox
import pytest

from stancegraph.graph.sparql_guard import RemoteAccessError, refuse_remote_access, remote_calls
from tests.servers import recording_http_server


@pytest.mark.parametrize(
    ("text", "calls"),
    [
        ("SELECT * WHERE { SERVICE <http://a.example/q> { ?s ?p ?o } }", [("SERVICE", "http://a.example/q")]),
        (
            "select * where { service silent <http://a.example/q> { ?s ?p ?o } }",
            [("SERVICE", "http://a.example/q")],
        ),
        ("SELECT * WHERE { SERVICE ?endpoint { ?s ?p ?o } }", [("SERVICE", None)]),
        ("PREFIX ex: <http://a.example/> SELECT * WHERE { SERVICE ex:q { ?s ?p ?o } }", [("SERVICE", None)]),
        ("LOAD <http://a.example/data.ttl>", [("LOAD", "http://a.example/data.ttl")]),
        ("LOAD SILENT <http://a.example/d.ttl> INTO GRAPH <urn:g>", [("LOAD", "http://a.example/d.ttl")]),
        ('SELECT ?service WHERE { ?service ?p "SERVICE <http://x> LOAD <y>" }', []),
        ("SELECT * WHERE { ?s <http://a.example/LOAD> ex:service } # SERVICE <http://x>", []),
        ('SELECT * WHERE { ?s ?p """multi\nline SERVICE <http://x> {""" }', []),
    ],
)
def test_remote_calls_are_found_by_tokens_not_substrings(
    text: str, calls: list[tuple[str, str | None]]
) -> None:
    assert [(call.keyword, call.target) for call in remote_calls(text)] == calls


def test_only_allowed_services_pass() -> None:
    query = "SELECT * WHERE { SERVICE <http://a.example/q> { ?s ?p ?o } }"
    with pytest.raises(RemoteAccessError, match="not allowed"):
        refuse_remote_access(query)
    refuse_remote_access(query, allowed_services={"http://a.example/q"})
    with pytest.raises(RemoteAccessError, match="LOAD is disabled"):
        refuse_remote_access("LOAD <http://a.example/q>", allowed_services={"http://a.example/q"})


def test_pyoxigraph_would_fetch_so_the_guard_must_run_first() -> None:
    """Why the guard exists: left alone, pyoxigraph makes the request."""
    with recording_http_server() as (base, seen), contextlib.suppress(RuntimeError, OSError):
        list(ox.Store().query(f"SELECT * WHERE {{ SERVICE <{base}/sparql> {{ ?s ?p ?o }} }}"))
    assert seen, "pyoxigraph no longer follows SERVICE: the guard may be redundant, keep it anyway"
