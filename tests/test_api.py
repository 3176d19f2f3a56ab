"""The JSON API over real HTTP: every route, paging, problems, and agreement with the competency answers."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from typing import Any

import httpx
import pytest

from stancegraph.graph.payload import GraphEdge, GraphNode, StanceGraph, graph_payload
from stancegraph.graph.projection import WHOLE
from stancegraph.graph.relations import viewer_graph
from stancegraph.graph.store import LocalStore

# Every test here that uses `server_url` or `http` runs on both backends (tests/conftest.py); only
# `stancegraph serve` itself is started once, on the bundled data.
pytestmark = pytest.mark.backends("local", "remote")

PROBLEM = "application/problem+json"


def _problem(response: httpx.Response, status: int, *words: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    for word in words:
        assert word in body["detail"], body["detail"]
    return body


def _every(http: httpx.Client, url: str, **params: str | int) -> list[dict[str, Any]]:
    """Follow ``next`` links to the end; check the totals add up."""
    items: list[dict[str, Any]] = []
    page = http.get(url, params=params).json()
    total = page["total"]
    while True:
        assert page["total"] == total
        items.extend(page["items"])
        if page["next"] is None:
            break
        page = http.get(page["next"]).json()
    assert len(items) == total
    return items


@pytest.mark.parametrize(
    "path", ["/api/actors", "/api/clauses", "/api/documents", "/api/positions", "/api/claims"]
)
def test_lists_paginate_with_next_links(http: httpx.Client, path: str) -> None:
    everything = http.get(path, params={"limit": 500}).json()
    paged = _every(http, path, limit=3)
    assert paged == everything["items"]
    assert everything["total"] > 3
    for item in paged:
        assert {"id", "iri", "label"} <= item.keys()
        assert str(item["iri"]).endswith(f"/{item['id']}")


def test_next_links_keep_the_filters(http: httpx.Client, server_url: str) -> None:
    page = http.get("/api/positions", params={"stance": "opposes", "limit": 2}).json()
    assert page["next"].startswith(server_url) and "stance=opposes" in page["next"]
    assert page["previous"] is None
    second = http.get(page["next"]).json()
    assert second["previous"] is not None and second["offset"] == 2
    assert all(p["stance"] == "opposes" for p in _every(http, "/api/positions", stance="opposes", limit=2))


def test_actor_with_positions_and_claims(http: httpx.Client) -> None:
    putin = http.get("/api/actors/putin").json()
    assert putin["label"] == "Putin" and putin["kind"] == "Person"
    assert [(p["stance"], p["target"]["id"]) for p in putin["positions"]["items"]] == [
        ("opposes", "european-counter-proposal")
    ]
    assert {c["id"] for c in putin["claims"]["items"]} == {
        "claim-putin-europe-no-desire",
        "claim-putin-unacceptable-demands",
    }
    assert "claim-official-us-influenced-by-russia" in {c["id"] for c in putin["claims_about"]["items"]}
    # each embedded list says how long it is and links to all of it
    for name in ("positions", "claims", "claims_about"):
        embedded = putin[name]
        assert embedded["total"] == len(embedded["items"])
        assert http.get(embedded["all"]).json()["items"] == embedded["items"]


def test_details_embed_a_bounded_excerpt(http: httpx.Client) -> None:
    """A busy actor's detail embeds its first positions, not all of them; the link pages through the rest."""
    embedded = http.get("/api/actors/charlotte-roff").json()["claims"]
    assert (
        embedded["total"] == len(_every(http, "/api/claims", claimant="charlotte-roff"))
        and embedded["all"] == "/api/claims?claimant=charlotte-roff"
    )
    assert len(embedded["items"]) <= 50


def test_clause_with_supporters_opponents_and_lineage(http: httpx.Client) -> None:
    amnesty = http.get("/api/clauses/plan-28-amnesty").json()
    assert amnesty["draft"]["id"] == "plan-28-point"
    assert amnesty["supporters"] == {
        "items": [],
        "total": 0,
        "total_exact": True,
        "all": "/api/positions?clause=plan-28-amnesty&stance=supports",
    }
    assert amnesty["opponents"]["total"] == 3
    assert {(p["actor"]["label"], p["certainty"]) for p in amnesty["opponents"]["items"]} == {
        ("Europe", "stated"),
        ("Ukraine", "believed"),
        ("United States", "believed"),
    }
    assert {(c["kind"], c["draft"]["id"]) for c in amnesty["lineage"]} == {
        ("removed", "european-counter-proposal"),
        ("removed", "plan-19-point-geneva"),
    }
    reconfirmed = http.get("/api/clauses/european-sovereignty").json()
    assert [(c["previous"]["id"], c["new"]["id"]) for c in reconfirmed["lineage"]] == [
        ("plan-28-sovereignty", "european-sovereignty")
    ]


def test_document_with_clauses_creators_and_revisions(http: httpx.Client) -> None:
    plan = http.get("/api/documents/plan-28-point").json()
    assert plan["point_count"] == 28 and plan["leaked_on"] == "2025-11-20"
    assert {c["label"] for c in plan["creators"]} == {"United States", "Russia"}
    assert {d["id"] for d in plan["revised_by"]} == {"european-counter-proposal", "plan-19-point-geneva"}
    assert len(plan["clauses"]) == 11
    geneva = http.get("/api/documents/plan-19-point-geneva").json()
    assert [r["id"] for r in geneva["revision_of"]] == ["plan-28-point"]
    assert geneva["is_public"] is False and geneva["certainty"] == "believed"
    assert {c["kind"] for c in geneva["changes"]} == {"removed", "added"}


def test_diff_28_point_to_european_counter_proposal(http: httpx.Client) -> None:
    diff = http.get("/api/documents/plan-28-point/diff/european-counter-proposal").json()
    assert diff["base"]["id"] == "plan-28-point" and diff["inverted"] is False
    [reworded] = diff["reworded"]
    assert reworded["previous"]["wording"] == "Ukraine’s sovereignty will be confirmed"
    assert reworded["new"]["wording"] == "Ukraine’s sovereignty will be reconfirmed"
    [removed] = diff["removed"]
    assert removed["previous"]["id"] == "plan-28-amnesty" and removed["new"] is None
    assert "absolves all war crimes" in removed["quote"]
    assert diff["added"] == [] and diff["kept"] == []


def test_diff_read_backwards(http: httpx.Client) -> None:
    diff = http.get("/api/documents/european-counter-proposal/diff/plan-28-point").json()
    assert diff["inverted"] is True
    assert [c["new"]["id"] for c in diff["added"]] == ["plan-28-amnesty"]
    assert diff["reworded"][0]["new"]["wording"] == "Ukraine’s sovereignty will be confirmed"


def test_diff_between_unrelated_drafts_is_404(http: httpx.Client) -> None:
    _problem(http.get("/api/documents/european-counter-proposal/diff/plan-19-point-geneva"), 404, "revision")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"clause": "plan-28-amnesty", "stance": "opposes"}, {"europe", "ukraine", "us"}),
        ({"clause": "plan-28-amnesty", "certainty": "believed"}, {"ukraine", "us"}),
        ({"document": "plan-19-point-geneva", "stance": "supports"}, {"us", "ukraine"}),
        ({"actor": "russia"}, {"russia"}),
    ],
)
def test_position_filters(http: httpx.Client, params: dict[str, str], expected: set[str]) -> None:
    positions = _every(http, "/api/positions", **params)
    assert {p["actor"]["id"] for p in positions} == expected
    for position in positions:
        assert position["quote"] and position["source"]["label"] and position["certainty"]


@pytest.mark.parametrize(("verb", "alias"), [("supports", "support"), ("opposes", "opposition")])
def test_stances_are_verbs_and_the_old_nouns_are_aliases(http: httpx.Client, verb: str, alias: str) -> None:
    by_verb = _every(http, "/api/positions", stance=verb)
    assert by_verb and {p["stance"] for p in by_verb} == {verb}
    assert _every(http, "/api/positions", stance=alias) == by_verb
    everything = _every(http, "/api/positions", limit=500)
    assert sorted(p["id"] for p in everything if p["stance"] == verb) == sorted(p["id"] for p in by_verb)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"as_of": "2025-11-19"}, set()),
        ({"as_of": "2025-11-20"}, {"2025-11-20"}),
        ({"as_of": "2025-11-19", "include_undated": "true"}, {None}),
        ({"as_of": "2030-01-01", "include_undated": "true"}, {"2025-11-20", None}),
    ],
)
def test_positions_as_of_a_day_agree_with_the_timeline(
    http: httpx.Client, params: dict[str, str], expected: set[str | None]
) -> None:
    positions = _every(http, "/api/positions", **params)
    assert {p["date"] for p in positions} == expected
    timeline = http.get("/api/timeline", params=params).json()
    stances = {e["position"] for e in timeline["edges"] if e["relation"] in ("supports", "opposes")}
    assert {p["id"] for p in positions} == stances


def test_as_of_combines_with_the_other_filters(http: httpx.Client) -> None:
    dated = _every(http, "/api/positions", as_of="2025-11-20", stance="support")
    assert len(dated) == 2 and all(p["stance"] == "supports" and p["date"] for p in dated)
    assert _every(http, "/api/positions", as_of="2025-11-20", stance="opposes") == []


def test_positions_carry_their_evidence(http: httpx.Client) -> None:
    [position] = _every(http, "/api/positions", actor="us", clause="plan-28-amnesty")
    assert position["quote"] == "removes the clause allowing amnesty for war crimes"
    assert position["source"]["id"] == "roff-us-russian-peace-plan"
    assert position["certainty"] == "believed" and position["date"] is None


def test_claims_filters(http: httpx.Client) -> None:
    roff = _every(http, "/api/claims", claimant="charlotte-roff")
    assert len(roff) == 17 and all(c["claimant"]["id"] == "charlotte-roff" for c in roff)
    about = _every(http, "/api/claims", about="plan-28-amnesty")
    assert {c["id"] for c in about} == {"claim-roff-amnesty-war-crimes", "claim-roff-children"}
    children = next(c for c in about if c["id"] == "claim-roff-children")
    assert {a["id"] for a in children["about"]} == {"plan-28-amnesty", "ukraine", "russia"}
    assert {c["id"] for c in _every(http, "/api/claims", certainty="reported")} >= {
        "claim-vance-europe-security"
    }


ROFF = "roff-us-russian-peace-plan"  # the bundled data's one source


@pytest.mark.parametrize("path", ["/api/positions", "/api/claims"])
def test_the_source_filter_keeps_what_one_source_cites(http: httpx.Client, path: str) -> None:
    everything = _every(http, path)
    cited = _every(http, path, source=ROFF)
    assert cited and {item["source"]["id"] for item in cited} == {ROFF}
    assert {item["id"] for item in cited} == {
        item["id"] for item in everything if item["source"]["id"] == ROFF
    }
    # a document that is a source of nothing: an empty list, not an error
    assert _every(http, path, source="plan-28-point") == []


def test_the_source_filter_combines_with_the_others(http: httpx.Client) -> None:
    combined = _every(http, "/api/positions", source=ROFF, actor="russia")
    assert combined == _every(http, "/api/positions", actor="russia")


@pytest.mark.parametrize("path", ["/api/positions", "/api/claims"])
def test_an_unknown_source_is_404_and_a_malformed_one_422(http: httpx.Client, path: str) -> None:
    body = _problem(http.get(path, params={"source": "no-such-source"}), 404, "'no-such-source'")
    assert body["kind"] == "source"
    _problem(http.get(path, params={"source": "russia"}), 404, "'russia'")  # an actor is not a source
    malformed = _problem(http.get(path, params={"source": "a b<c>"}), 422, "source:")
    assert [e["parameter"] for e in malformed["errors"]] == ["source"]


def test_graph_for_the_viewer(http: httpx.Client) -> None:
    graph = http.get("/api/graph").json()
    nodes = {n["id"]: n for n in graph["nodes"]}
    assert (
        nodes["plan-28-amnesty"]["group"] == "clause" and nodes["plan-28-amnesty"]["draft"] == "plan-28-point"
    )
    assert nodes["us"]["group"] == "actor" and nodes["plan-28-point"]["group"] == "draft"
    stance = next(e for e in graph["edges"] if e["id"] == "position-europe-opposes-amnesty")
    assert (stance["source"], stance["relation"], stance["target"]) == (
        "europe",
        "opposes",
        "plan-28-amnesty",
    )
    assert stance["certainty"] == "stated" and stance["source_document"] == "roff-us-russian-peace-plan"
    assert all(e["source"] in nodes and e["target"] in nodes for e in graph["edges"])
    assert {e["relation"] for e in graph["edges"]} >= {
        "supports",
        "opposes",
        "isPartOf",
        "wasRevisionOf",
        "revises",
    }
    assert {e["layer"] for e in graph["edges"]} == {"stances", "lineage", "roles", "claims", "drafting"}
    envoy = next(e for e in graph["edges"] if e["id"] == "witkoff-us-envoy")
    assert (envoy["source"], envoy["relation"], envoy["role"], envoy["target"]) == (
        "steve-witkoff",
        "memberOf",
        "envoy",
        "us",
    )
    assert envoy["quote"] == "US envoy Steve Witkoff"


def test_stats(http: httpx.Client) -> None:
    stats = http.get("/api/stats").json()
    assert stats["drafts"] == 3 and stats["positions"] == 14 and stats["triples"] > 900


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "path",
    [
        "/api/actors/nobody",
        "/api/clauses/nobody",
        "/api/documents/nobody",
        "/api/actors/plan-28-point",
        "/api/actors/a%20b",
    ],
)
def test_unknown_ids_are_404_naming_them(http: httpx.Client, path: str) -> None:
    identifier = path.rsplit("/", 1)[1].replace("%20", " ")
    body = _problem(http.get(path), 404, repr(identifier))
    assert body["id"] == identifier


@pytest.mark.parametrize(
    ("path", "params", "parameter"),
    [
        ("/api/positions", {"stance": "maybe"}, "stance"),
        ("/api/positions", {"certainty": "sure"}, "certainty"),
        ("/api/positions", {"actor": "nobody"}, "actor"),
        ("/api/positions", {"clause": "plan-28-point"}, "clause"),
        ("/api/clauses", {"document": "us"}, "document"),
        ("/api/claims", {"about": "nothing-at-all"}, "about"),
        ("/api/actors", {"limit": 0}, "limit"),
        ("/api/actors", {"limit": 501}, "limit"),
        ("/api/actors", {"offset": -1}, "offset"),
        ("/api/positions", {"as_of": "2025-13-01"}, "as_of"),
        ("/api/positions", {"stnace": "opposes"}, "stnace"),
        ("/api/actors", {"q": "x"}, "q"),
        ("/api/actors/us", {"verbose": "1"}, "verbose"),
        ("/api/graph", {"documents": "plan-28-point"}, "documents"),
        ("/api/timeline", {"as_of": "2025-11-20", "undated": "1"}, "undated"),
        ("/api/coalitions", {"seed": "1"}, "seed"),
    ],
)
def test_bad_parameters_are_422_naming_them(
    http: httpx.Client, path: str, params: dict[str, str | int], parameter: str
) -> None:
    body = _problem(http.get(path, params=params), 422, f"{parameter}:")
    assert [e["parameter"] for e in body["errors"]] == [parameter]


def test_head_answers_wherever_get_does(http: httpx.Client) -> None:
    """Every GET path of the OpenAPI description, and the pages outside it: GET's status and headers, no body."""
    spec = http.get("/openapi.json").json()
    paths = [path for path, operations in spec["paths"].items() if "get" in operations and "{" not in path]
    for path in [*paths, "/", "/viewer", "/docs", "/id/us", "/api/actors/us", "/static/favicon.svg"]:
        head, get = http.head(path), http.get(path)
        assert (path, head.status_code) == (path, get.status_code)
        assert head.content == b""
        for header in ("content-type", "etag", "location"):
            assert head.headers.get(header) == get.headers.get(header), (path, header)
        # The length is GET's, but not always the same twice: blank node labels (/sparql's description) vary.
        assert ("content-length" in head.headers) == ("content-length" in get.headers), path


def test_other_problems(http: httpx.Client) -> None:
    _problem(http.get("/api/actors", headers={"Accept": "text/csv"}), 406, "application/json")
    _problem(http.post("/api/actors"), 405, "POST")
    _problem(http.get("/api/nothing"), 404, "/api/nothing")


# ---------------------------------------------------------------- the API agrees with the competency answers


def test_api_agrees_with_competency_question_08(http: httpx.Client) -> None:
    """Who opposes the amnesty, and how sure is the source? (tests/competency/08-...)"""
    opponents = http.get("/api/clauses/plan-28-amnesty").json()["opponents"]["items"]
    assert {(p["actor"]["label"], p["certainty"]) for p in opponents} == {
        ("Europe", "stated"),
        ("Ukraine", "believed"),
        ("United States", "believed"),
    }


def test_api_agrees_with_competency_question_15(http: httpx.Client) -> None:
    """Which drafts revise the 28-point plan? (tests/competency/15-...)"""
    revised_by = http.get("/api/documents/plan-28-point").json()["revised_by"]
    assert {d["label"] for d in revised_by} == {"European counter-proposal", "19-point Geneva draft"}


# ---------------------------------------------------------------- OpenAPI and docs


def test_openapi_describes_the_models(http: httpx.Client) -> None:
    spec = http.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    for model in ("Position", "ClauseDetail", "DocumentDiff", "StanceGraph", "Problem", "Stats"):
        assert model in schemas
    position = schemas["Position"]["properties"]
    assert position["quote"]["description"] and position["certainty"]
    for path in (
        "/api/actors",
        "/api/actors/{id}",
        "/api/documents/{a}/diff/{b}",
        "/api/positions",
        "/sparql",
        "/id/{name}",
    ):
        assert path in spec["paths"]
    responses = spec["paths"]["/api/actors/{id}"]["get"]["responses"]
    assert PROBLEM in responses["404"]["content"]


def test_openapi_of_the_graph_lists_every_field_of_the_viewers_payload(
    http: httpx.Client, bundled: LocalStore
) -> None:
    """``/api/graph`` serves :mod:`graph.payload`'s types as they are: every field the viewer draws
    from is documented and served (``coalition`` once went missing from a second definition)."""
    spec = http.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    route = spec["paths"]["/api/graph"]["get"]["responses"]["200"]
    assert route["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/StanceGraph"
    payload = graph_payload(viewer_graph(bundled, WHOLE))
    served = http.get("/api/graph").json()
    for shape, produced, answered in (
        (StanceGraph, [payload], [served]),
        (GraphNode, payload["nodes"], served["nodes"]),
        (GraphEdge, payload["edges"], served["edges"]),
    ):
        declared = shape.__required_keys__ | shape.__optional_keys__
        documented = schemas[shape.__name__]["properties"]
        assert set().union(*(item.keys() for item in produced)) <= declared == documented.keys()
        assert all(item.keys() == produced[0].keys() for item in answered)
        assert all(
            documented[name].get("description") for name in documented if name not in ("nodes", "edges")
        )


def test_docs_use_no_cdn(http: httpx.Client, server_url: str) -> None:
    page = http.get("/docs").text
    for url in re.findall(r"""(?:src|href)=["']([^"']+)""", page):
        assert url.startswith("/"), url
        assert http.get(url).status_code == 200
    assert "cdn" not in page


# ---------------------------------------------------------------- stancegraph serve


def test_serve_command_logs_one_line_per_request() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "STANCEGRAPH_PORT": str(port)}
    process = subprocess.Popen(
        [sys.executable, "-c", "from stancegraph.cli import main; main()", "serve", "--host", "127.0.0.1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/api/stats")
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and process.poll() is None, "the server did not start"
                time.sleep(0.1)
        assert response.json()["drafts"] == 3
        home = httpx.get(f"http://127.0.0.1:{port}/", follow_redirects=False)
    finally:
        process.terminate()
        log, _ = process.communicate(timeout=10)
    assert len(re.findall(r'"GET /api/stats HTTP/1.1" 200', log)) == 1
    assert f"the viewer at http://127.0.0.1:{port}/viewer" in log  # the first thing a newcomer needs
    assert home.status_code == 307 and home.headers["location"] == "/viewer"
