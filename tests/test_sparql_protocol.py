"""/sparql over real HTTP: the three ways to send a query, every format, negotiation, and every error."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urljoin

import httpx
import pyoxigraph as ox
import pytest

from stancegraph.api.negotiation import GRAPHS, SOLUTIONS, best_match
from stancegraph.graph.loading import bundled_files, load_files
from stancegraph.graph.store import open_disk_store
from tests.competency_questions import CompetencyQuestion, competency_questions
from tests.test_competency import cells, projected

# Every test here that uses `server_url` or `http` runs on every backend (tests/conftest.py). Tests on a
# server of their own run once: their own row limit or CORS origins (on the local worker pool), the relay
# to an endpoint we control (`proxy`, in front of the local backend), failing endpoints, `--store`.
pytestmark = pytest.mark.backends("local", "remote", "virtuoso")

SELECT = "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> SELECT ?s ?label WHERE { ?s rdfs:label ?label } ORDER BY ?s LIMIT 5"
ASK = "ASK { <https://w3id.org/stancegraph/id/europe> <https://w3id.org/stancegraph/ns#opposes> <https://w3id.org/stancegraph/id/plan-28-amnesty> }"
CONSTRUCT = "CONSTRUCT { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l } WHERE { ?s a <https://w3id.org/stancegraph/ns#Draft> ; <http://www.w3.org/2000/01/rdf-schema#label> ?l }"
PROBLEM = "application/problem+json"

# ---------------------------------------------------------------- Accept parsing, as a table

FIREFOX = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
CHROME = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"
SAFARI = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
SPARQLWRAPPER_JSON = "application/sparql-results+json,application/json,text/javascript,application/javascript"
SPARQLWRAPPER_XML = "application/sparql-results+xml"
SPARQLWRAPPER_TURTLE = "application/turtle,text/turtle"
SPARQLWRAPPER_N3 = "application/turtle,text/turtle,text/rdf+n3,application/n-triples,application/n3,text/n3"
SPARQLWRAPPER_JSONLD = "application/ld+json,application/x-json+ld"
RDFLIB_XML = "application/rdf+xml, application/sparql-results+xml"
YASGUI_SELECT = "application/sparql-results+json,*/*;q=0.9"
YASGUI_GRAPH = "text/turtle,*/*;q=0.9"

SOLUTION_CASES = [
    (None, "application/sparql-results+json"),
    ("*/*", "application/sparql-results+json"),
    ("", "application/sparql-results+json"),
    (FIREFOX, "application/sparql-results+xml"),  # application/xml;q=0.9 beats */*;q=0.8
    (CHROME, "application/sparql-results+xml"),
    (SAFARI, "application/sparql-results+xml"),
    (SPARQLWRAPPER_JSON, "application/sparql-results+json"),
    (SPARQLWRAPPER_XML, "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    (RDFLIB_XML, "application/sparql-results+xml"),
    (YASGUI_SELECT, "application/sparql-results+json"),
    ("text/csv;q=0.5, application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/*;q=0.5, text/csv;q=0", "application/sparql-results+xml"),  # via text/xml; CSV refused
    ("application/json;q=0.2, text/csv;q=0.9", "text/csv"),
    ("text/plain", None),
    ("image/png, text/turtle", None),
    ("application/sparql-results+json;q=0", None),
    ("garbage,,;q=x", "application/sparql-results+json"),  # nothing parseable: as if no header
]
GRAPH_CASES = [
    (None, "text/turtle"),
    ("*/*", "text/turtle"),
    (FIREFOX, "application/rdf+xml"),
    (SPARQLWRAPPER_TURTLE, "text/turtle"),
    (SPARQLWRAPPER_N3, "text/turtle"),
    (SPARQLWRAPPER_JSONLD, "application/ld+json"),
    ("application/rdf+xml", "application/rdf+xml"),
    (RDFLIB_XML, "application/rdf+xml"),
    ("application/n-triples", "application/n-triples"),
    (YASGUI_GRAPH, "text/turtle"),
    ("application/json", "application/ld+json"),
    ("text/csv", None),
    ("application/sparql-results+json", None),
]


@pytest.mark.parametrize(("accept", "expected"), SOLUTION_CASES)
def test_negotiation_table_for_solutions(accept: str | None, expected: str | None) -> None:
    chosen = SOLUTIONS.negotiate(accept)
    assert (chosen.media_type if chosen else None) == expected


@pytest.mark.parametrize(("accept", "expected"), GRAPH_CASES)
def test_negotiation_table_for_graphs(accept: str | None, expected: str | None) -> None:
    chosen = GRAPHS.negotiate(accept)
    assert (chosen.media_type if chosen else None) == expected


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("a/b, c/d", "a/b"),  # equal q: the client's order
        ("c/d, a/b", "c/d"),
        ("*/*", "a/b"),  # only wildcards: the server's order
        ("a/*;q=0.4, c/d;q=0.5", "c/d"),
        ("a/b;q=0.5, */*", "c/d"),
    ],
)
def test_best_match_ties_and_wildcards(accept: str, expected: str) -> None:
    assert best_match(accept, ["a/b", "c/d"]) == expected


# ---------------------------------------------------------------- three ways to send a query


def _send(http: httpx.Client, how: str, query: str, accept: str, **params: str) -> httpx.Response:
    headers = {"Accept": accept}
    if how == "get":
        return http.get("/sparql", params={"query": query, **params}, headers=headers)
    if how == "form":
        return http.post("/sparql", data={"query": query, **params}, headers=headers)
    return http.post(
        "/sparql",
        content=query.encode(),
        params=params,
        headers={**headers, "Content-Type": "application/sparql-query"},
    )


@pytest.mark.parametrize("how", ["get", "form", "direct"])
def test_each_way_of_sending_gets_the_same_answer(http: httpx.Client, how: str) -> None:
    response = _send(http, how, SELECT, "application/sparql-results+json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/sparql-results+json"
    rows = list(ox.parse_query_results(response.content, format=ox.QueryResultsFormat.JSON))  # type: ignore[arg-type]
    assert len(rows) == 5
    assert "Accept" in response.headers["vary"]


@pytest.mark.parametrize(
    ("accept", "media_type", "fmt"),
    [
        ("application/sparql-results+json", "application/sparql-results+json", ox.QueryResultsFormat.JSON),
        ("application/sparql-results+xml", "application/sparql-results+xml", ox.QueryResultsFormat.XML),
        ("text/csv", "text/csv; charset=utf-8", None),  # pyoxigraph cannot read CSV back (it is lossy)
        ("text/tab-separated-values", "text/tab-separated-values; charset=utf-8", ox.QueryResultsFormat.TSV),
    ],
)
def test_select_in_every_results_format(
    http: httpx.Client, accept: str, media_type: str, fmt: ox.QueryResultsFormat | None
) -> None:
    response = _send(http, "get", SELECT, accept)
    assert response.status_code == 200
    assert response.headers["content-type"] == media_type
    if fmt is None:
        assert response.text.splitlines()[0] == "s,label" and len(response.text.splitlines()) == 6
    else:
        assert len(list(ox.parse_query_results(response.content, format=fmt))) == 5  # type: ignore[arg-type]


@pytest.mark.parametrize("accept", ["application/sparql-results+json", "application/sparql-results+xml"])
def test_ask(http: httpx.Client, accept: str) -> None:
    response = _send(http, "form", ASK, accept)
    fmt = SOLUTIONS.negotiate(accept)
    assert fmt is not None
    assert bool(ox.parse_query_results(response.content, format=fmt.format))  # type: ignore[arg-type]


@pytest.mark.parametrize("fmt", list(GRAPHS.formats()), ids=lambda f: f.media_type)
def test_construct_in_every_rdf_format(http: httpx.Client, fmt: object) -> None:
    media_type = fmt.media_type  # type: ignore[attr-defined]
    response = _send(http, "direct", CONSTRUCT, media_type)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    assert len(list(ox.parse(response.content, format=fmt.rdf_format))) == 3  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("parameter", "value", "media_type"),
    [
        ("format", "csv", "text/csv"),
        ("format", "text/tab-separated-values", "text/tab-separated-values"),
        ("output", "xml", "application/sparql-results+xml"),
        ("results", "json", "application/sparql-results+json"),
    ],
)
def test_format_parameter_overrides_accept(
    http: httpx.Client, parameter: str, value: str, media_type: str
) -> None:
    response = _send(http, "get", SELECT, "text/html", **{parameter: value})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type


def test_sparqlwrapper_style_repeated_format_values(http: httpx.Client) -> None:
    """SPARQLWrapper sends format=tsv&format=text/tab-separated-values; the first one we know wins."""
    response = http.get(
        "/sparql", params=[("query", SELECT), ("format", "tsv"), ("format", "text/tab-separated-values")]
    )
    assert response.headers["content-type"].startswith("text/tab-separated-values")


def test_format_json_means_json_ld_for_a_graph(http: httpx.Client) -> None:
    response = _send(http, "get", CONSTRUCT, "*/*", format="json")
    assert response.headers["content-type"] == "application/ld+json"


def test_form_body_is_decoded_once(http: httpx.Client) -> None:
    """A literal %41 in the query stays %41 (decoding twice would make it A)."""
    response = http.post("/sparql", data={"query": 'SELECT ("%41" AS ?x) {}'}, headers={"Accept": "text/csv"})
    assert response.text.splitlines()[1] == "%41"


def test_large_results_stream(serve: Callable[..., str]) -> None:
    """With no row limit, an answer streams in chunks from its first row."""
    query = "SELECT ?a ?b ?c ?d WHERE { ?a ?b ?c . ?d a ?e } LIMIT 100000"
    url = serve(max_result_rows=0)
    started = time.perf_counter()
    with httpx.stream(
        "GET", f"{url}/sparql", params={"query": query}, headers={"Accept": "text/tab-separated-values"}
    ) as response:
        assert response.status_code == 200
        assert "content-length" not in response.headers  # chunked: not buffered whole
        chunks = response.iter_bytes()
        first = next(chunks)
        first_byte = time.perf_counter() - started
        body = first + b"".join(chunks)
    assert body.count(b"\n") == 100001
    assert first_byte < 5


def test_a_slow_query_does_not_block_the_event_loop(http: httpx.Client, server_url: str) -> None:
    """A quick query sent while a slow one runs is answered before the slow one ends: were the event
    loop blocked by the slow one, the quick one could only be answered after it."""
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . FILTER(STR(?c) < STR(?f)) }"
    ended: dict[str, float] = {}

    def run_slow() -> None:
        with httpx.Client(timeout=120) as client:
            client.get(f"{server_url}/sparql", params={"query": slow})
        ended["slow"] = time.monotonic()

    thread = threading.Thread(target=run_slow)
    thread.start()
    time.sleep(0.1)
    assert http.get("/sparql", params={"query": ASK}).status_code == 200
    ended["quick"] = time.monotonic()
    thread.join()
    assert ended["quick"] < ended["slow"], "the quick query waited for the slow one to end"


def test_dataset_parameters_are_honoured(http: httpx.Client) -> None:
    everything = "ASK { ?s ?p ?o }"
    assert http.get("/sparql", params={"query": everything}).json()["boolean"] is True
    elsewhere = http.get(
        "/sparql", params={"query": everything, "default-graph-uri": "http://example.org/none"}
    )
    assert elsewhere.json()["boolean"] is False
    named = "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    response = http.post("/sparql", data={"query": named, "named-graph-uri": "http://example.org/none"})
    assert response.json()["results"]["bindings"] == []


@pytest.mark.parametrize("question", competency_questions(), ids=lambda q: q.name)
def test_competency_questions_through_sparql(http: httpx.Client, question: CompetencyQuestion) -> None:
    response = http.post(
        "/sparql", data={"query": question.query}, headers={"Accept": "application/sparql-results+json"}
    )
    assert response.status_code == 200
    solutions = ox.parse_query_results(response.content, format=ox.QueryResultsFormat.JSON)
    variables = projected(question.query)
    rows = [{name: s[name] for name in variables if s[name] is not None} for s in solutions]  # type: ignore[union-attr]
    assert cells(rows, variables) == question.answer, question.question


# ---------------------------------------------------------------- errors, each with status, media type and message


def _problem(response: httpx.Response, status: int, *words: str) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["status"] == status and body["title"] and body["instance"]
    for word in words:
        assert word in body["detail"], body["detail"]
    assert "Traceback" not in response.text
    return body  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("query", "accept", "format_"),
    [
        (CONSTRUCT, "text/csv", None),
        (CONSTRUCT, None, "csv"),
        (SELECT, "text/turtle", None),
        (ASK, "application/rdf+xml", None),
        (SELECT, "image/png", None),
        (SELECT, None, "pdf"),
    ],
)
def test_unservable_types_are_406(
    http: httpx.Client, query: str, accept: str | None, format_: str | None
) -> None:
    params = {"query": query, **({"format": format_} if format_ else {})}
    response = http.get("/sparql", params=params, headers={"Accept": accept} if accept else {})
    body = _problem(response, 406, "text/csv", "text/turtle")
    assert body["available"]


def test_syntax_error_is_400_with_message_and_position(http: httpx.Client, backend: str) -> None:
    response = http.get("/sparql", params={"query": "SELECT ?s WHERE {\n  ?s ?p \n}"})
    if backend == "virtuoso":  # the endpoint's own words, which give a line but no column
        body = _problem(response, 400, "syntax error")
        assert body["endpoint_message"].startswith("Virtuoso 37000 Error SP030: SPARQL compiler, line 3")
        return
    body = _problem(response, 400, "expected")
    assert body["line"] == 3 and isinstance(body["column"], int)
    assert re.search(rf"\b3:{body['column']}\b", str(body["detail"]))


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"query": ASK, "timeout": "5", "debug": "on"}, ("debug", "timeout")),
        ({"query": "  "}, ("empty",)),
        ({"query": ASK, "default-graph-uri": "not an iri"}, ("default-graph-uri",)),
    ],
)
def test_bad_parameters_are_400_naming_them(
    http: httpx.Client, params: dict[str, str], words: tuple[str, ...]
) -> None:
    _problem(http.get("/sparql", params=params), 400, *words)


def test_two_queries_are_400(http: httpx.Client) -> None:
    _problem(http.get("/sparql", params=[("query", ASK), ("query", ASK)]), 400, "one query")


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        ("update=INSERT DATA { <http://a> <http://b> <http://c> }", "application/x-www-form-urlencoded"),
        ("INSERT DATA { <http://a> <http://b> <http://c> }", "application/sparql-update"),
    ],
)
def test_updates_are_403(http: httpx.Client, data: str, content_type: str) -> None:
    response = http.post("/sparql", content=data.encode(), headers={"Content-Type": content_type})
    _problem(response, 403, "Update")
    assert (
        http.get("/sparql", params={"query": "ASK { <http://a> <http://b> <http://c> }"}).json()["boolean"]
        is False
    )


def test_service_calls_are_403(http: httpx.Client) -> None:
    query = "SELECT * WHERE { SERVICE <http://169.254.169.254/> { ?s ?p ?o } }"
    _problem(http.get("/sparql", params={"query": query}), 403, "SERVICE")


def test_other_body_types_are_415(http: httpx.Client) -> None:
    _problem(
        http.post("/sparql", content=b"{}", headers={"Content-Type": "application/json"}),
        415,
        "application/sparql-query",
    )


def test_other_methods_are_405(http: httpx.Client) -> None:
    response = http.put("/sparql", content=b"x")
    _problem(response, 405, "PUT")
    assert "GET" in response.headers["allow"]


# ---------------------------------------------------------------- without a query: description or editor

SD = "http://www.w3.org/ns/sparql-service-description#"


@pytest.mark.parametrize("accept", [None, "text/turtle", "application/ld+json", SPARQLWRAPPER_N3])
def test_service_description(http: httpx.Client, server_url: str, accept: str | None) -> None:
    response = http.get("/sparql", headers={"Accept": accept} if accept else {})
    fmt = GRAPHS.format_for(response.headers["content-type"])
    assert fmt is not None
    triples = list(ox.parse(response.content, format=fmt.rdf_format))
    endpoint = [t.object for t in triples if t.predicate == ox.NamedNode(SD + "endpoint")]
    assert endpoint == [ox.NamedNode(f"{server_url}/sparql")]
    formats = {t.object.value for t in triples if t.predicate == ox.NamedNode(SD + "resultFormat")}
    assert "http://www.w3.org/ns/formats/SPARQL_Results_CSV" in formats
    assert "http://www.w3.org/ns/formats/Turtle" in formats
    features = {t.object.value for t in triples if t.predicate == ox.NamedNode(SD + "feature")}
    assert features == {SD + "UnionDefaultGraph"}


def test_csv_service_description_is_406(http: httpx.Client) -> None:
    _problem(http.get("/sparql", headers={"Accept": "text/csv"}), 406, "RDF")


@pytest.mark.parametrize("accept", [FIREFOX, CHROME, SAFARI])
def test_a_browser_gets_the_editor_from_our_own_files(
    http: httpx.Client, server_url: str, accept: str
) -> None:
    response = http.get("/sparql", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    page = response.text
    loaded = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert any("yasgui.min.js" in url for url in loaded)
    for url in loaded:
        assert urljoin(f"{server_url}/sparql", url).startswith(server_url), url
    for url in loaded:
        if url.endswith((".js", ".css")):
            assert http.get(urljoin("/sparql", url)).status_code == 200
    assert "Who opposes the amnesty" in page and "plan-28-amnesty" in page
    assert http.get("/static/vendor/yasgui/LICENSE").status_code == 200


def test_cors_on_reads(http: httpx.Client) -> None:
    origin = {"Origin": "https://yasgui.example"}
    assert (
        http.get("/sparql", params={"query": ASK}, headers=origin).headers["access-control-allow-origin"]
        == "*"
    )
    preflight = http.options(
        "/sparql",
        headers={
            **origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 200
    assert "POST" in preflight.headers["access-control-allow-methods"]


def test_cors_origins_are_configurable(serve: Callable[..., str]) -> None:
    url = serve(cors_origins=("https://allowed.example",))
    allowed = httpx.get(f"{url}/api/stats", headers={"Origin": "https://allowed.example"})
    other = httpx.get(f"{url}/api/stats", headers={"Origin": "https://other.example"})
    assert allowed.headers["access-control-allow-origin"] == "https://allowed.example"
    assert "access-control-allow-origin" not in other.headers


# ---------------------------------------------------------------- in front of another endpoint (--endpoint)


@pytest.fixture(scope="module")
def proxy(serve: Callable[..., str], local_url: str) -> str:
    """Our service relaying to another instance of itself (the local backend): a real SPARQL endpoint we control."""
    return serve(endpoint=f"{local_url}/sparql")


@pytest.mark.parametrize(
    ("query", "accept", "media_type"),
    [
        (SELECT, "text/csv", "text/csv"),
        (SELECT, SPARQLWRAPPER_JSON, "application/sparql-results+json"),
        (CONSTRUCT, "application/n-triples", "application/n-triples"),
        (CONSTRUCT, FIREFOX, "application/rdf+xml"),
    ],
)
def test_proxy_relays_with_the_negotiated_type(
    proxy: str, local_url: str, query: str, accept: str, media_type: str
) -> None:
    relayed = httpx.get(f"{proxy}/sparql", params={"query": query}, headers={"Accept": accept})
    direct = httpx.get(f"{local_url}/sparql", params={"query": query}, headers={"Accept": accept})
    assert relayed.status_code == 200
    assert relayed.headers["content-type"].split(";")[0] == media_type
    assert relayed.content == direct.content


def test_proxy_reports_the_endpoints_errors(proxy: str) -> None:
    _problem(httpx.get(f"{proxy}/sparql", params={"query": "SELEC"}), 400, "1:6")
    _problem(httpx.get(f"{proxy}/sparql", params={"query": CONSTRUCT}, headers={"Accept": "text/csv"}), 406)
    assert httpx.get(f"{proxy}/api/actors/us").json()["label"] == "United States"


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    yield listener.getsockname()[1]
    listener.close()


def test_a_slow_endpoint_is_504(serve: Callable[..., str], silent_port: int) -> None:
    url = serve(endpoint=f"http://127.0.0.1:{silent_port}/sparql", endpoint_timeout=0.5)
    _problem(httpx.get(f"{url}/sparql", params={"query": ASK}, timeout=10), 504, "did not answer")


def test_a_down_endpoint_is_502(serve: Callable[..., str]) -> None:
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    url = serve(endpoint=f"http://127.0.0.1:{port}/sparql")
    _problem(httpx.get(f"{url}/sparql", params={"query": ASK}), 502, "cannot reach")
    _problem(httpx.get(f"{url}/api/stats"), 502, "cannot reach")


# ---------------------------------------------------------------- on an on-disk store (--store): worker processes


@pytest.fixture(scope="module")
def disk_server(serve: Callable[..., str], tmp_path_factory: pytest.TempPathFactory) -> str:
    path: Path = tmp_path_factory.mktemp("served") / "store"
    store = open_disk_store(path)
    load_files(store, bundled_files())
    store.close()
    del store
    return serve(store=path, query_workers=2, query_timeout=1.0)


def test_disk_store_answers_like_memory(disk_server: str, local_url: str) -> None:
    """--store DIR answers like the bundled data (the local backend; the remote one: tests/test_backends.py)."""
    for query, accept in [(SELECT, "text/csv"), (CONSTRUCT, "application/n-triples"), (ASK, "*/*")]:
        on_disk = httpx.get(f"{disk_server}/sparql", params={"query": query}, headers={"Accept": accept})
        in_memory = httpx.get(f"{local_url}/sparql", params={"query": query}, headers={"Accept": accept})
        assert (
            on_disk.status_code == 200
            and on_disk.headers["content-type"] == in_memory.headers["content-type"]
        )
        assert sorted(on_disk.text.splitlines()) == sorted(in_memory.text.splitlines())
    assert httpx.get(f"{disk_server}/api/stats").json() == httpx.get(f"{local_url}/api/stats").json()


def test_disk_store_stops_a_runaway_query(disk_server: str) -> None:
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    _problem(httpx.get(f"{disk_server}/sparql", params={"query": runaway}, timeout=30), 504, "limit")
    assert httpx.get(f"{disk_server}/sparql", params={"query": ASK}).json()["boolean"] is True
