"""Hostile input: no request to other hosts, escaped HTML, fuzzed routes and loaders, malformed inputs answered well.

* ``SERVICE`` and ``LOAD`` aimed at a loopback port we watch: refused, and the port hears nothing.
* A hostile label and quote, written through the graph store, come out escaped on every HTML page.
* schemathesis against ``/openapi.json``: no 5xx, no response that breaks its declared schema.
* hypothesis: the loaders on random and nearly-valid bytes raise our errors only and change nothing;
  the API's query parameters never make a 5xx.
* ``tests/data/malformed``: each malformed query or RDF file is a 4xx with a message that helps.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error, response_schema_conformance

from stancegraph.api.server import running
from stancegraph.api.settings import Settings
from stancegraph.graph.errors import StancegraphError
from stancegraph.graph.loading import bundled_store, load_files
from tests.conftest import REMOTE_BACKENDS
from tests.hostile import hostile_turtle
from tests.servers import recording_http_server
from tests.test_write_api import AUTH, TOKEN, make_store

MALFORMED = Path(__file__).parent / "data" / "malformed"
RDF_TYPES = {
    ".ttl": "text/turtle",
    ".nt": "application/n-triples",
    ".rdf": "application/rdf+xml",
    ".jsonld": "application/ld+json",
}
HOSTILE_LABEL = '<script>alert("label")</script>'
HOSTILE_QUOTE = "\"'><img src=x onerror=alert(1)></script><script>alert(2)</script>"
HOSTILE_TURTLE = hostile_turtle(label=HOSTILE_LABEL, position_label=HOSTILE_LABEL, quote=HOSTILE_QUOTE)
RAW = re.compile(r"<script>alert|<img src=x")


@pytest.fixture(scope="module")
def writable(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    location = make_store(tmp_path_factory.mktemp("fuzz") / "store")
    with running(Settings(port=0, store=location, write_token=TOKEN, query_workers=2)) as url:
        yield url


# ---------------------------------------------------------------- no requests to other hosts


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <{base}/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { SERVICE SILENT <{base}/sparql> { ?s ?p ?o } }",
        "PREFIX x: <{base}/> SELECT * WHERE { SERVICE x:sparql { ?s ?p ?o } }",
        "SELECT * WHERE { BIND(<{base}/sparql> AS ?e) SERVICE ?e { ?s ?p ?o } }",
        "select * where { service <{base}/sparql> { ?s ?p ?o } }",
    ],
)
def test_a_service_call_to_a_port_we_watch_is_refused_and_sends_nothing(server_url: str, query: str) -> None:
    with recording_http_server() as (base, seen):
        sent = query.replace("{base}", base)
        for response in (
            httpx.get(f"{server_url}/sparql", params={"query": sent}),
            httpx.post(f"{server_url}/sparql", data={"query": sent}),
        ):
            assert response.status_code == 403, response.text
            assert "SERVICE" in response.json()["detail"]
        assert seen == []


@pytest.mark.parametrize(
    "update",
    [
        "LOAD <{base}/data.ttl>",
        "LOAD SILENT <{base}/data.ttl> INTO GRAPH <urn:g>",
        "INSERT { ?s ?p ?o } WHERE { SERVICE <{base}/sparql> { ?s ?p ?o } }",
    ],
)
def test_a_load_or_service_in_an_update_is_refused_and_sends_nothing(writable: str, update: str) -> None:
    with recording_http_server() as (base, seen):
        response = httpx.post(
            f"{writable}/sparql", data={"update": update.replace("{base}", base)}, headers=AUTH
        )
        assert response.status_code == 403, response.text
        assert seen == []


# ---------------------------------------------------------------- escaped HTML


@pytest.fixture(scope="module")
def hostile(writable: str) -> str:
    """The writable server with a hostile actor and position, written through the graph store."""
    response = httpx.post(
        f"{writable}/store?default", content=HOSTILE_TURTLE, headers={**AUTH, "Content-Type": "text/turtle"}
    )
    assert response.status_code == 200, response.text
    return writable


@pytest.mark.parametrize(
    "path",
    [
        "/id/hostile",
        "/id/position-hostile-opposes-amnesty",
        "/id/plan-28-amnesty",
        "/viewer",
        "/curate",
        "/sparql",
        "/docs",
        "/api/actors/hostile",
        "/sparql?query=SELECT%20*%20WHERE%20%7B%20%3Fs%20%3Fp%20%22%3Cscript%3Ealert%22%20%7D",
    ],
)
def test_hostile_labels_and_quotes_are_escaped_on_every_page(hostile: str, path: str) -> None:
    response = httpx.get(f"{hostile}{path}", headers={"Accept": "text/html,*/*;q=0.8"})
    assert response.status_code in (200, 400, 404), response.text
    if response.headers["content-type"].startswith("text/html"):
        assert not RAW.search(response.text), path
        assert "Content-Security-Policy" in response.headers
    if path.startswith("/id/hostile"):
        assert "&lt;script&gt;alert(&#34;label&#34;)&lt;/script&gt;" in response.text


def test_the_viewer_carries_the_hostile_strings_as_inert_data(hostile: str) -> None:
    page = httpx.get(f"{hostile}/viewer").text
    assert "</script><script>alert(2)" not in page
    assert page.count("<script") == page.count("</script>")


# ---------------------------------------------------------------- schemathesis against /openapi.json


@pytest.fixture(scope="module")
def api_schema(server_url: str) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(f"{server_url}/openapi.json")


schema = schemathesis.pytest.from_fixture("api_schema")

#: The routes that must be fuzzed in every run that selects the fuzz test (tests/conftest.py checks it:
#: a plugin that breaks or generates nothing must not pass as green).
MUST_FUZZ = frozenset({"/sparql", "/store", "/api/sources", "/api/positions", "/id/{name}"})
#: The (method, path) of every case the fuzz test ran in this session.
FUZZED: set[tuple[str, str]] = set()


@schema.parametrize()
@pytest.mark.backends("local", "virtuoso")
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_the_api_never_fails_and_keeps_to_its_schema(case: schemathesis.Case, backend: str) -> None:
    """No 5xx, every answer as declared. In front of another engine, the engine may fail a request
    we relay (Virtuoso sorts at most 10,000 rows by default, so ``/api/actors?offset=10643`` fails
    there): that is a 502 (or 504) problem document that names the endpoint and quotes it."""
    FUZZED.add((case.method, case.path))
    response = case.call(timeout=30)
    if backend in REMOTE_BACKENDS and response.status_code in (502, 504):
        assert response.headers["content-type"] == "application/problem+json"
        assert "/sparql" in response.json()["detail"]  # the endpoint's URL, with its own message
        return
    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])


# ---------------------------------------------------------------- hypothesis: loaders and parameters

TURTLE_PIECES = st.sampled_from(
    [
        "@prefix ex: <http://example.org/> .",
        "ex:a",
        "ex:b",
        "<http://example.org/c>",
        '"literal"',
        '"x"@en',
        '"1"^^<http://www.w3.org/2001/XMLSchema#integer>',
        ";",
        ",",
        ".",
        "[",
        "]",
        "(",
        ")",
        "_:b",
        "a",
        "<",
        '"',
        "\\u00",
        "\n",
        "#",
        "@base",
        "GRAPH",
        "{",
        "}",
    ]
)


@given(
    content=st.one_of(st.binary(max_size=300), st.lists(TURTLE_PIECES, max_size=25).map(" ".join)),
    suffix=st.sampled_from([*sorted(RDF_TYPES), ".nq", ".trig", ".n3"]),
)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_loading_any_bytes_is_all_or_nothing_and_never_a_traceback(
    tmp_path: Path, content: bytes | str, suffix: str
) -> None:
    path = tmp_path / f"input{suffix}"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    store = bundled_store()
    before = set(store.all_quads())
    try:
        report = load_files(store, [path])
    except StancegraphError:  # RdfSyntaxError, ShapeViolationError...: ours, with a message
        assert set(store.all_quads()) == before
        return
    assert before <= set(store.all_quads()) and report.quads_after >= len(before)


PARAMETER_VALUES = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        ["plan-28-amnesty", "europe", "support", "opposition", "believed", "-1", "0", "999999", "%00"]
    ),
    st.integers(min_value=-(10**12), max_value=10**12).map(str),
)


@pytest.fixture(scope="module")
def client(server_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server_url, timeout=30) as session:
        yield session


@given(
    path=st.sampled_from(
        ["/api/positions", "/api/claims", "/api/actors", "/api/clauses", "/api/documents", "/sparql"]
    ),
    parameters=st.dictionaries(
        st.sampled_from(
            [
                "actor",
                "clause",
                "document",
                "stance",
                "certainty",
                "claimant",
                "about",
                "kind",
                "limit",
                "offset",
                "query",
                "format",
                "default-graph-uri",
                "x",
            ]
        ),
        PARAMETER_VALUES,
        max_size=4,
    ),
)
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_query_parameters_never_make_a_server_error(
    client: httpx.Client, path: str, parameters: dict[str, str]
) -> None:
    response = client.get(path, params=parameters)
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["detail"]


# ---------------------------------------------------------------- the malformed corpus


@pytest.mark.parametrize("path", sorted((MALFORMED / "sparql").iterdir()), ids=lambda p: p.name)
def test_each_malformed_query_is_a_4xx_that_helps(server_url: str, path: Path) -> None:
    response = httpx.post(
        f"{server_url}/sparql",
        content=path.read_bytes(),
        headers={"Content-Type": "application/sparql-query"},
    )
    _helpful(response)


@pytest.mark.parametrize("path", sorted((MALFORMED / "rdf").iterdir()), ids=lambda p: p.name)
def test_each_malformed_rdf_file_is_a_4xx_that_helps_and_changes_nothing(writable: str, path: Path) -> None:
    before = httpx.get(f"{writable}/api/stats").json()["triples"]
    response = httpx.post(
        f"{writable}/store?default",
        content=path.read_bytes(),
        headers={**AUTH, "Content-Type": RDF_TYPES[path.suffix]},
    )
    body = _helpful(response)
    assert "the request body" in body["detail"]
    assert httpx.get(f"{writable}/api/stats").json()["triples"] == before


def _helpful(response: httpx.Response) -> dict[str, str]:
    """A 4xx problem whose detail says what is wrong (more than a status phrase), without internals."""
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, str] = response.json()
    assert len(body["detail"]) > 20 and body["detail"] != body["title"]
    assert "Traceback" not in response.text and "/work/" not in response.text
    return body


def test_the_fuzzing_covers_every_route(api_schema: schemathesis.BaseSchema) -> None:
    """Every operation in the schema is generated for (a route hidden from it escapes the fuzzing)."""
    operations = {result.ok().path for result in api_schema.get_all_operations()}
    assert operations >= MUST_FUZZ
