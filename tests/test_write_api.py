"""Writes over HTTP: only with the token, validated, atomic, and durable once answered (kill -9 included)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import networkx as nx
import pyoxigraph as ox
import pytest

from stancegraph.api.app import create_app
from stancegraph.api.server import running
from stancegraph.api.settings import Settings
from tests.problems import problem
from tests.servers import closed_store, free_port, stop, wait_until_up

TOKEN = "test-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
PREFIXES = """
PREFIX : <https://w3id.org/stancegraph/id/>
PREFIX sg: <https://w3id.org/stancegraph/ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dct: <http://purl.org/dc/terms/>
"""
POSITION = """
:position-nato-opposes-no-troops a sg:Position ;
    rdfs:label "NATO opposes the ban on its troops (test)"@en ;
    sg:actor :nato ; sg:target :plan-28-no-nato-troops ; sg:stance sg:Opposition ;
    sg:quote "NATO troops are forbidden in Ukraine"@en ;
    dct:source :roff-us-russian-peace-plan ; sg:certainty sg:Stated .
"""
INSERT = PREFIXES + "INSERT DATA {" + POSITION + "}"
POSITION_TURTLE = (
    "@prefix : <https://w3id.org/stancegraph/id/> . @prefix sg: <https://w3id.org/stancegraph/ns#> .\n"
    "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> . @prefix dct: <http://purl.org/dc/terms/> .\n"
    + POSITION
)
NATO_OPPOSES = PREFIXES + "ASK { :nato sg:opposes :plan-28-no-nato-troops }"
BREAKS_SHAPES = PREFIXES + "INSERT DATA { :someone a sg:Person }"
CLI = "from stancegraph.cli import main; main()"


def make_store(location: Path) -> Path:
    """An on-disk store holding the bundled data, closed again so a server can open it."""
    return closed_store(location)


@pytest.fixture
def writable(tmp_path: Path) -> Iterator[str]:
    """A server with writes on, over a store of its own (each test may change it)."""
    settings = Settings(port=0, store=make_store(tmp_path / "store"), write_token=TOKEN, query_workers=2)
    with running(settings) as url:
        yield url


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server with writes on that no test may change: for the refusals."""
    location = make_store(tmp_path_factory.mktemp("guarded") / "store")
    with running(Settings(port=0, store=location, write_token=TOKEN, query_workers=2)) as url:
        yield url


def ask(url: str, query: str) -> bool:
    return bool(httpx.get(f"{url}/sparql", params={"query": query}).json()["boolean"])


def count(url: str) -> int:
    return int(httpx.get(f"{url}/api/stats").json()["triples"])


WRITES: list[tuple[str, str, dict[str, str], str]] = [
    ("POST", "/sparql", {"Content-Type": "application/sparql-update"}, INSERT),
    ("POST", "/sparql", {"Content-Type": "application/x-www-form-urlencoded"}, urlencode({"update": INSERT})),
    ("POST", "/store?default", {"Content-Type": "text/turtle"}, POSITION_TURTLE),
    ("PUT", "/store?default", {"Content-Type": "text/turtle"}, "<urn:x:a> <urn:x:b> <urn:x:c> ."),
    ("DELETE", "/store?default", {}, ""),
    ("POST", "/api/sources", {"Content-Type": "application/yaml"}, "source: {label: A test}"),
]
WRITE_IDS = ["update-body", "update-form", "store-post", "store-put", "store-delete", "sources"]


# ---------------------------------------------------------------- who may write


@pytest.mark.parametrize(("method", "path", "headers", "body"), WRITES, ids=WRITE_IDS)
def test_writes_are_off_without_a_token(
    server_url: str, method: str, path: str, headers: dict[str, str], body: str
) -> None:
    before = count(server_url)
    response = httpx.request(method, f"{server_url}{path}", headers={**headers, **AUTH}, content=body)
    problem(response, 403, "STANCEGRAPH_WRITE_TOKEN")
    assert count(server_url) == before and not ask(server_url, NATO_OPPOSES)


@pytest.mark.parametrize(("method", "path", "headers", "body"), WRITES, ids=WRITE_IDS)
@pytest.mark.parametrize("authorization", [None, "Bearer wrong-token-0123456789", f"Basic {TOKEN}", "Bearer"])
def test_a_missing_or_wrong_token_is_401_and_changes_nothing(
    guarded: str, method: str, path: str, headers: dict[str, str], body: str, authorization: str | None
) -> None:
    before = count(guarded)
    sent = {**headers, **({"Authorization": authorization} if authorization else {})}
    response = httpx.request(method, f"{guarded}{path}", headers=sent, content=body)
    problem(response, 401, "Bearer")
    assert response.headers["www-authenticate"].startswith('Bearer realm="stancegraph"')
    assert count(guarded) == before and not ask(guarded, NATO_OPPOSES)


# ---------------------------------------------------------------- what a write does


def test_an_update_is_visible_to_the_next_read(writable: str) -> None:
    response = httpx.post(f"{writable}/sparql", data={"update": INSERT}, headers=AUTH)
    assert response.status_code == 200, response.text
    assert response.json() == {"added": 9, "removed": 0}  # 8 triples and the derived sg:opposes edge
    assert ask(writable, NATO_OPPOSES)
    positions = httpx.get(f"{writable}/api/positions", params={"actor": "nato"}).json()["items"]
    assert "position-nato-opposes-no-troops" in {p["id"] for p in positions}


def _must_not_build() -> nx.MultiDiGraph:
    raise AssertionError("the projection was built again")


def test_the_analysis_shares_one_projection_until_a_write(tmp_path: Path) -> None:
    """Analysis routes after the first use the projection it built (frozen); a write drops it, and the
    next analysis answer sees the write."""
    settings = Settings(port=0, store=make_store(tmp_path / "store"), write_token=TOKEN, query_workers=2)
    app = create_app(settings)
    with running(settings, app=app) as url:
        before = httpx.get(f"{url}/api/contested").json()
        kept = app.state.projections.get(_must_not_build)
        assert httpx.get(f"{url}/api/coalitions").status_code == 200
        assert app.state.projections.get(_must_not_build) is kept
        with pytest.raises(nx.NetworkXError):
            kept.add_node("https://w3id.org/stancegraph/id/someone")  # frozen: no route can spoil it
        update = {**AUTH, "Content-Type": "application/sparql-update"}
        assert httpx.post(f"{url}/sparql", content=INSERT, headers=update).status_code == 200
        after = httpx.get(f"{url}/api/contested").json()
    assert "nato" not in _opponents(before).get("plan-28-no-nato-troops", set())
    assert "nato" in _opponents(after)["plan-28-no-nato-troops"]


def _opponents(contested: list[dict[str, Any]]) -> dict[str, set[str]]:
    """Each target's opponents' ids, from ``/api/contested``."""
    return {sides["target"]["id"]: {actor["id"] for actor in sides["opponents"]} for sides in contested}


def test_an_update_that_breaks_the_shapes_is_refused_with_the_report(writable: str) -> None:
    before = httpx.get(f"{writable}/store?default", headers={"Accept": "application/n-triples"}).text
    response = httpx.post(
        f"{writable}/sparql",
        content=BREAKS_SHAPES,
        headers={**AUTH, "Content-Type": "application/sparql-update"},
    )
    body = problem(response, 422, "shape violation")
    violations = body["violations"]
    assert isinstance(violations, list) and violations
    assert any("label" in v["message"] and v["focus"].endswith("/someone") for v in violations)
    after = httpx.get(f"{writable}/store?default", headers={"Accept": "application/n-triples"}).text
    assert sorted(after.splitlines()) == sorted(before.splitlines())


@pytest.mark.parametrize(
    ("update", "status", "words"),
    [
        ("INSERT DATA { <urn:a> <urn:b> ", 400, ["error at 1:"]),
        ("INSERT DATA { GRAPH <urn:g> { <urn:a> a <urn:C> } }", 422, ["shape violation"]),
        ("LOAD <http://127.0.0.1:9/data.ttl>", 403, ["LOAD is disabled"]),
        ("   ", 400, ["empty"]),
    ],
)
def test_a_bad_update_is_4xx_and_changes_nothing(
    writable: str, update: str, status: int, words: list[str]
) -> None:
    before = count(writable)
    response = httpx.post(f"{writable}/sparql", data={"update": update}, headers=AUTH)
    problem(response, status, *words)
    assert count(writable) == before


@pytest.mark.parametrize(
    ("form", "words"),
    [
        (
            {"update": "WITH <urn:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", "using-graph-uri": "urn:g"},
            ["WITH"],
        ),
        (
            {
                "update": "DELETE { ?s ?p ?o } USING <urn:g> WHERE { ?s ?p ?o }",
                "using-named-graph-uri": "urn:g",
            },
            ["USING"],
        ),
        ({"update": INSERT, "default-graph-uri": "urn:g"}, ["default-graph-uri", "update"]),
        ({"query": "ASK {}", "using-graph-uri": "urn:g"}, ["using-graph-uri", "query"]),
        ({"update": INSERT, "using-graph-uri": "not an iri"}, ["absolute IRI"]),
    ],
)
def test_an_update_takes_its_dataset_from_one_place(
    guarded: str, form: dict[str, str], words: list[str]
) -> None:
    """``using-graph-uri`` or ``USING``/``WITH``, never both (the protocol's rule); the query parameters are a query's."""
    problem(httpx.post(f"{guarded}/sparql", data=form, headers=AUTH), 400, *words)
    assert not ask(guarded, NATO_OPPOSES)


def test_using_graph_uri_is_the_update_s_default_graph(writable: str) -> None:
    """The WHERE reads the graphs named, and only them: the bundled data is in none of them."""
    source = "https://w3id.org/stancegraph/graph/test"
    into = f"INSERT {{ GRAPH <{source}> {{ ?s ?p ?o }} }} WHERE {{ ?s ?p ?o }}"
    copied = httpx.post(
        f"{writable}/sparql", data={"update": into, "using-graph-uri": "urn:empty"}, headers=AUTH
    )
    assert copied.json() == {"added": 0, "removed": 0}


def test_updates_are_post_only(writable: str) -> None:
    problem(httpx.get(f"{writable}/sparql", params={"update": INSERT}, headers=AUTH), 400, "POST")
    problem(
        httpx.post(f"{writable}/sparql", data={"update": INSERT, "query": "ASK {}"}, headers=AUTH),
        400,
        "one query",
    )
    assert not ask(writable, NATO_OPPOSES)


# ---------------------------------------------------------------- the Graph Store Protocol


def test_the_graph_store_reads_adds_replaces_and_deletes(writable: str) -> None:
    """GET ?default reads the union; PUT, POST and DELETE ?default write the store's own default graph."""
    store = f"{writable}/store?default"
    turtle = httpx.get(store)
    assert turtle.status_code == 200 and turtle.headers["content-type"].startswith("text/turtle")
    triples = list(ox.parse(turtle.content, format=ox.RdfFormat.TURTLE))
    assert len(triples) == count(writable)
    assert httpx.head(store).status_code == 200
    positions = httpx.get(f"{writable}/api/stats").json()["positions"]
    added = httpx.post(store, content=POSITION_TURTLE, headers={**AUTH, "Content-Type": "text/turtle"})
    assert added.json() == {"added": 9, "removed": 0}
    assert ask(writable, NATO_OPPOSES)
    again = httpx.post(store, content=POSITION_TURTLE, headers={**AUTH, "Content-Type": "text/turtle"})
    assert again.json() == {"added": 0, "removed": 0}
    # PUT what the default graph holds: nothing changes
    same = httpx.put(store, content=POSITION_TURTLE, headers={**AUTH, "Content-Type": "text/turtle"})
    assert same.json() == {"added": 0, "removed": 0}
    # DELETE empties the store's own default graph: the new position and its edge; the sources stay
    deleted = httpx.delete(store, headers=AUTH)
    assert deleted.json() == {"added": 0, "removed": 9}
    assert not ask(writable, NATO_OPPOSES) and count(writable) == len(triples)
    assert httpx.get(f"{writable}/api/stats").json()["positions"] == positions


SOURCE_GRAPH = "https://w3id.org/stancegraph/graph/test-statement"
# A source's own facts (positions need their truthy edges derived across graphs: the graphs branch's work).
SOURCE_TURTLE = (
    "@prefix : <https://w3id.org/stancegraph/id/> . @prefix sg: <https://w3id.org/stancegraph/ns#> .\n"
    "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
    ':test-mediator a sg:Person ; rdfs:label "A test mediator"@en .\n'
    ':nato rdfs:comment "Named in one test source"@en .\n'
)
MEDIATOR = PREFIXES + 'ASK { :test-mediator a sg:Person ; rdfs:label "A test mediator"@en }'


def test_a_named_graph_is_written_read_and_dropped_whole(writable: str) -> None:
    """A source's facts in a graph of their own: queries see them in the default graph (the union), the
    store's own default graph does not hold them, and dropping the graph retracts them all."""
    graph = {"graph": SOURCE_GRAPH}
    turtle = {**AUTH, "Content-Type": "text/turtle"}
    before = count(writable)
    put = httpx.put(f"{writable}/store", params=graph, content=SOURCE_TURTLE, headers=turtle)
    assert put.json() == {"added": 3, "removed": 0}
    read = httpx.get(f"{writable}/store", params=graph, headers={"Accept": "application/n-triples"})
    assert read.status_code == 200 and len(read.text.strip().splitlines()) == 3
    assert ask(writable, MEDIATOR)  # the union
    in_graph = httpx.get(f"{writable}/sparql", params={"query": MEDIATOR, "default-graph-uri": SOURCE_GRAPH})
    assert in_graph.json()["boolean"] is True
    own_default = httpx.get(f"{writable}/store?default", headers={"Accept": "application/n-triples"}).text
    assert "test-mediator" in own_default  # GET ?default is the union too
    again = httpx.put(f"{writable}/store", params=graph, content=SOURCE_TURTLE, headers=turtle)
    assert again.json() == {"added": 0, "removed": 0}
    dropped = httpx.delete(f"{writable}/store", params=graph, headers=AUTH)
    assert dropped.json() == {"added": 0, "removed": 3}
    assert not ask(writable, MEDIATOR) and count(writable) == before
    problem(httpx.get(f"{writable}/store", params=graph), 404, SOURCE_GRAPH)
    problem(httpx.delete(f"{writable}/store", params=graph, headers=AUTH), 404, SOURCE_GRAPH)


def test_the_whole_dataset_goes_in_and_out_as_trig_and_n_quads(writable: str) -> None:
    """/store with no graph named: GET dumps every graph, POST adds quads to theirs, PUT replaces them all."""
    trig = httpx.get(f"{writable}/store", headers={"Accept": "application/trig"})
    assert trig.status_code == 200 and trig.headers["content-type"] == "application/trig"
    before = list(ox.parse(trig.content, format=ox.RdfFormat.TRIG))
    nquads = httpx.get(f"{writable}/store", headers={"Accept": "application/n-quads"})
    assert set(ox.parse(nquads.content, format=ox.RdfFormat.N_QUADS)) == set(before)
    source = ox.serialize(
        [
            ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode(SOURCE_GRAPH))
            for q in ox.parse(SOURCE_TURTLE.encode(), format=ox.RdfFormat.TURTLE)
        ],
        format=ox.RdfFormat.TRIG,
    )
    added = httpx.post(
        f"{writable}/store", content=source, headers={**AUTH, "Content-Type": "application/trig"}
    )
    assert added.json() == {"added": 3, "removed": 0}
    assert httpx.get(f"{writable}/store", params={"graph": SOURCE_GRAPH}).status_code == 200
    put_back = httpx.put(
        f"{writable}/store", content=trig.content, headers={**AUTH, "Content-Type": "application/trig"}
    )
    assert put_back.json() == {"added": 0, "removed": 3}
    after = httpx.get(f"{writable}/store", headers={"Accept": "application/n-quads"}).content
    assert set(ox.parse(after, format=ox.RdfFormat.N_QUADS)) == set(before)


@pytest.mark.parametrize(
    ("method", "headers", "body", "status", "words"),
    [
        ("GET", {"Accept": "text/turtle"}, "", 406, ["application/trig", "?default"]),
        ("POST", {"Content-Type": "text/turtle"}, "<urn:a> <urn:b> <urn:c> .", 415, ["application/trig"]),
        (
            "POST",
            {"Content-Type": "application/trig"},
            "<urn:g> { <urn:a> <urn:b> ",
            400,
            ["the request body"],
        ),
        (
            "PUT",
            {"Content-Type": "application/n-quads"},
            "<urn:a> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/stancegraph/ns#Person> <urn:g> .",
            422,
            ["shape violation"],
        ),
    ],
)
def test_bad_dataset_requests_change_nothing(
    writable: str, method: str, headers: dict[str, str], body: str, status: int, words: list[str]
) -> None:
    before = count(writable)
    response = httpx.request(method, f"{writable}/store", content=body, headers={**AUTH, **headers})
    body_json = problem(response, status)
    assert all(word in str(body_json["detail"]) for word in words), body_json["detail"]
    assert count(writable) == before


def test_writes_to_the_default_graph_leave_the_source_graphs_alone(writable: str) -> None:
    """PUT and DELETE ?default act on the store's own default graph: a source graph keeps its facts."""
    graph = {"graph": SOURCE_GRAPH}
    turtle = {**AUTH, "Content-Type": "text/turtle"}
    httpx.post(f"{writable}/store", params=graph, content=SOURCE_TURTLE, headers=turtle)
    assert httpx.delete(f"{writable}/store?default", headers=AUTH).status_code == 200
    assert ask(writable, MEDIATOR)
    read = httpx.get(f"{writable}/store", params=graph, headers={"Accept": "application/n-triples"})
    assert len(read.text.strip().splitlines()) == 3


def test_a_named_graph_write_that_breaks_the_shapes_changes_nothing(writable: str) -> None:
    before = count(writable)
    response = httpx.post(
        f"{writable}/store",
        params={"graph": SOURCE_GRAPH},
        content="<urn:a> a <https://w3id.org/stancegraph/ns#Person> .",
        headers={**AUTH, "Content-Type": "text/turtle"},
    )
    problem(response, 422, "shape violation")
    assert count(writable) == before
    problem(httpx.get(f"{writable}/store", params={"graph": SOURCE_GRAPH}), 404, "no graph")


@pytest.mark.parametrize(
    ("method", "query", "status", "words"),
    [
        ("GET", "graph=urn:g", 404, ["no graph <urn:g>"]),
        ("DELETE", "graph=urn:g", 404, ["no graph <urn:g>"]),
        ("GET", "graph=not%20an%20iri", 400, ["absolute IRI"]),
        ("PUT", "graph=urn:g&default", 400, ["not both"]),
        ("DELETE", "", 400, ["?default", "?graph="]),
        ("GET", "default&graph=urn:g", 400, ["not both"]),
    ],
)
def test_the_graph_store_names_one_graph_that_exists(
    writable: str, method: str, query: str, status: int, words: list[str]
) -> None:
    response = httpx.request(
        method,
        f"{writable}/store?{query}",
        content="<urn:a> <urn:b> <urn:c> .",
        headers={**AUTH, "Content-Type": "text/turtle"},
    )
    problem(response, status, *words)


@pytest.mark.parametrize(
    ("content_type", "body", "status", "words"),
    [
        ("text/turtle", "<urn:a> <urn:b> ", 400, ["the request body", "line 1"]),
        ("application/n-triples", "<urn:a> <urn:b> <urn:c>", 400, ["the request body"]),
        ("text/plain", "<urn:a> <urn:b> <urn:c> .", 415, ["text/turtle"]),
        ("text/turtle", "<urn:a> a <https://w3id.org/stancegraph/ns#Person> .", 422, ["shape violation"]),
    ],
)
def test_graph_store_writes_of_bad_data_change_nothing(
    writable: str, content_type: str, body: str, status: int, words: list[str]
) -> None:
    before = count(writable)
    response = httpx.post(
        f"{writable}/store?default", content=body, headers={**AUTH, "Content-Type": content_type}
    )
    problem(response, status, *words)
    assert count(writable) == before


# ---------------------------------------------------------------- curation over HTTP

CURATION = """
source:
  label: "A statement by NATO (test)"
  kind: statement
actors:
  - {id: nato, label: NATO}
positions:
  - actor: nato
    stance: opposes
    target: plan-28-no-nato-troops
    quote: "NATO troops will not be kept out of Ukraine by decree"
    certainty: stated
"""
SOURCE_TEXT = "We say: NATO troops will not be kept out of Ukraine by decree. That is all."


def test_a_curation_file_is_added_with_its_quotes_checked(writable: str) -> None:
    before = count(writable)
    submission = {"curation": CURATION, "source_text": SOURCE_TEXT}
    dry = httpx.post(f"{writable}/api/sources?dry_run=true", json=submission, headers=AUTH)
    assert dry.status_code == 200, dry.text
    assert dry.json()["dry_run"] and dry.json()["added"] > 0 and count(writable) == before
    assert dry.json()["lines"][0] == f"the request: would add {dry.json()['added']} triple(s)"
    assert dry.json()["shacl"] == "conforms to the stancegraph shapes"
    added = httpx.post(f"{writable}/api/sources", json=submission, headers=AUTH)
    assert added.status_code == 200, added.text
    report = added.json()
    assert count(writable) == before + report["added"]
    assert ask(writable, NATO_OPPOSES)
    # the TriG shown before writing is what was written (but for the time the import was recorded)
    created = ox.NamedNode("http://purl.org/dc/terms/created")
    shown, written = (
        {q for q in ox.parse(r["trig"], format=ox.RdfFormat.TRIG) if q.predicate != created}
        for r in (dry.json(), report)
    )
    assert shown == written and len(written) == report["added"] - 1
    where = 'ASK { ?position oa:prefix "We say: " ; oa:start 8 ; oa:end 61 ; oa:suffix ". That is all." }'
    assert ask(writable, "PREFIX oa: <http://www.w3.org/ns/oa#> " + where)  # the quote, placed in the text
    again = httpx.post(f"{writable}/api/sources", json=submission, headers=AUTH).json()
    assert again["added"] == 0 and again["shacl"] is None and again["trig"] == ""


@pytest.mark.parametrize(
    ("submission", "words"),
    [
        ({"curation": CURATION, "source_text": "Nothing of the sort."}, ["not found in"]),
        ({"curation": CURATION.replace("stance: opposes", "stance: backs")}, ["must be one of"]),
        ({"curation": "source: [unclosed"}, ["not valid YAML"]),
        (
            {
                "curation": CURATION.replace(
                    "certainty: stated", "certainty: stated\n    selector: {start: 0, end: 5}"
                ),
                "source_text": SOURCE_TEXT,
            },
            ["positions[0].selector: characters 0-5 of the source text are 'We sa', not the quote"],
        ),
        (
            {"curation": CURATION, "source_text": SOURCE_TEXT + " " + SOURCE_TEXT},
            ["positions[0].quote: the quote occurs 2 times"],
        ),
        (
            {"curation": CURATION.replace("target: plan-28-no-nato-troops", "target: nato")},
            ["positions[0].target: 'nato' is not a clause or draft"],
        ),
    ],
)
def test_a_refused_curation_file_lists_its_problems_and_changes_nothing(
    writable: str, submission: dict[str, str], words: list[str]
) -> None:
    before = count(writable)
    response = httpx.post(f"{writable}/api/sources", json=submission, headers=AUTH)
    assert response.status_code in (400, 422), response.text
    body = response.json()
    for word in words:
        assert word in body["detail"]
    assert "/tmp" not in body["detail"]
    assert count(writable) == before


def test_a_curation_that_breaks_a_shape_is_refused_and_changes_nothing(writable: str) -> None:
    before = count(writable)
    curation = CURATION.replace("kind: statement", "kind: statement\n  date: 2025-11-31")
    response = httpx.post(
        f"{writable}/api/sources", content=curation, headers={**AUTH, "Content-Type": "application/yaml"}
    )
    problem(response, 422, "not valid YAML: day is out of range for month")
    curation = CURATION.replace(
        "  - {id: nato, label: NATO}",
        "  - {id: nato, label: NATO}\ndrafts:\n  - {label: A draft by nobody (test), certainty: stated}",
    )
    response = httpx.post(
        f"{writable}/api/sources", content=curation, headers={**AUTH, "Content-Type": "application/yaml"}
    )
    problem(response, 422, "a draft needs at least one dct:creator actor")
    assert count(writable) == before


def test_a_curation_file_may_not_name_a_server_file(writable: str) -> None:
    curation = CURATION.replace("  kind: statement", "  kind: statement\n  text: /etc/hostname")
    response = httpx.post(
        f"{writable}/api/sources", content=curation, headers={**AUTH, "Content-Type": "application/yaml"}
    )
    body = problem(response, 422, "source.text")
    assert body["problems"]


# ---------------------------------------------------------------- durability: kill -9


def _serve_process(location: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "STANCEGRAPH_WRITE_TOKEN": TOKEN, "STANCEGRAPH_QUERY_WORKERS": "1"}
    command = [sys.executable, "-c", CLI, "serve", "--store", str(location), "--port", str(port)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_until_up(f"http://127.0.0.1:{port}/api/stats")
    return process


def _kill(process: subprocess.Popen[bytes]) -> None:
    os.kill(process.pid, signal.SIGKILL)
    process.wait(10)


def test_kill_9_right_after_an_acknowledged_write_loses_nothing(tmp_path: Path) -> None:
    location = make_store(tmp_path / "store")
    port = free_port()
    server = _serve_process(location, port)
    try:
        url = f"http://127.0.0.1:{port}"
        response = httpx.post(f"{url}/sparql", data={"update": INSERT}, headers=AUTH, timeout=60)
        assert response.status_code == 200, response.text
    finally:
        _kill(server)  # no shutdown, no flush on exit: only what was durable survives
    time.sleep(0.5)  # the orphaned workers notice their pipe closed and exit
    restarted = _serve_process(location, port)
    try:
        assert ask(f"http://127.0.0.1:{port}", NATO_OPPOSES)
    finally:
        stop(restarted)


def test_kill_9_during_a_bulk_load_leaves_the_store_as_it_was_or_fully_loaded(tmp_path: Path) -> None:
    location = make_store(tmp_path / "store")
    bulk = tmp_path / "bulk.nq"  # in a source's graph: a triple file with no dct:source is refused
    with bulk.open("w") as handle:
        for i in range(300_000):
            handle.write(f'<urn:bulk:{i}> <urn:bulk:p> "{i}" <https://w3id.org/stancegraph/graph/bulk> .\n')
    before = len(ox.Store.read_only(str(location)))
    command = [sys.executable, "-c", CLI, "load", "--store", str(location), "--no-validate", str(bulk)]
    loader = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.5)  # parsing done or nearly: the kill lands during the parse or the write
    _kill(loader)
    reopened = ox.Store(str(location))
    after = len(reopened)
    assert after in (before, before + 300_000)
    assert reopened.query(
        "ASK { <https://w3id.org/stancegraph/id/nato> ?p ?o }", use_default_graph_as_union=True
    )
