"""/api/graph and /viewer in part: one draft, some actors, the most connected nodes, the first stances."""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
import pytest

from stancegraph.graph.projection import WHOLE, Scope, stance_graph
from stancegraph.graph.relations import viewer_graph
from stancegraph.graph.store import LocalStore
from stancegraph.graph.terms import local_id
from stancegraph.ontology import ID

STANCES = {"supports", "opposes"}

pytestmark = pytest.mark.backends("local", "remote")


def _graph(http: httpx.Client, **params: Any) -> dict[str, Any]:
    response = http.get("/api/graph", params=params)
    assert response.status_code == 200, response.text
    graph: dict[str, Any] = response.json()
    return graph


def _stances(graph: dict[str, Any]) -> list[dict[str, Any]]:
    return [edge for edge in graph["edges"] if edge["relation"] in STANCES]


def _degrees(graph: dict[str, Any]) -> Counter[str]:
    degrees: Counter[str] = Counter({node["id"]: 0 for node in graph["nodes"]})
    for edge in _stances(graph):
        degrees.update((edge["source"], edge["target"]))
    return degrees


def test_the_default_view_of_a_small_store_is_the_whole_graph(
    http: httpx.Client, bundled: LocalStore
) -> None:
    whole = viewer_graph(bundled, WHOLE)
    graph = _graph(http)
    assert graph["truncated"] is False
    assert {node["iri"] for node in graph["nodes"]} == set(whole.nodes)
    assert len(graph["edges"]) == whole.number_of_edges()


def test_one_draft_has_its_clauses_and_only_the_stances_on_them(http: httpx.Client) -> None:
    clauses = {
        c["id"]
        for c in http.get("/api/clauses", params={"document": "plan-28-point", "limit": 500}).json()["items"]
    }
    graph = _graph(http, document="plan-28-point")
    ids = {node["id"] for node in graph["nodes"]}
    assert clauses and clauses | {"plan-28-point"} <= ids
    stances = _stances(graph)
    assert stances and all(edge["target"] in clauses | {"plan-28-point"} for edge in stances)
    every = _stances(_graph(http))
    on_draft = [e for e in every if e["target"] in clauses | {"plan-28-point"}]
    assert sorted(e["id"] for e in stances) == sorted(e["id"] for e in on_draft)


def test_some_actors_keep_only_their_stances(http: httpx.Client) -> None:
    graph = _graph(http, actor=["us", "russia"])
    stances = _stances(graph)
    assert {edge["source"] for edge in stances} == {"us", "russia"}
    every = _stances(_graph(http))
    assert len(stances) == sum(1 for edge in every if edge["source"] in {"us", "russia"})


def test_max_nodes_keeps_the_most_connected_actors_and_targets_in_turn(http: httpx.Client) -> None:
    whole = _graph(http)
    full, groups = _degrees(whole), {node["id"]: node["group"] for node in whole["nodes"]}
    graph = _graph(http, max_nodes=6)
    kept = {node["id"] for node in graph["nodes"]}
    assert graph["truncated"] is True and len(kept) == 6
    actors = {node for node in kept if groups[node] == "actor"}
    assert len(actors) == 3, "half the budget goes to actors, half to what they take stances on"
    for side in (lambda n: groups[n] == "actor", lambda n: groups[n] != "actor"):
        dropped = [full[n] for n in set(full) - kept if side(n)]
        assert min(full[n] for n in kept if side(n)) >= max(dropped, default=0)
    assert _stances(graph), "a capped view still shows stances between what it kept"
    assert all(edge["source"] in kept and edge["target"] in kept for edge in graph["edges"])


def test_max_edges_keeps_the_first_stances_by_position(http: httpx.Client, bundled: LocalStore) -> None:
    graph = _graph(http, max_edges=3)
    assert graph["truncated"] is True
    first = sorted(
        key for _, _, key, data in stance_graph(bundled).edges(keys=True, data=True) if "position" in data
    )[:3]
    assert sorted(edge["position"] for edge in _stances(graph)) == [local_id(iri) for iri in first]


def test_unknown_ids_and_bad_caps_are_clear_errors(http: httpx.Client) -> None:
    cases: list[tuple[dict[str, str | int], str]] = [
        ({"actor": "nobody"}, "actor"),
        ({"document": "us"}, "document"),
        ({"max_nodes": 0}, "max_nodes"),
    ]
    for params, parameter in cases:
        response = http.get("/api/graph", params=params)
        assert response.status_code == 422 and response.headers["content-type"].startswith(
            "application/problem+json"
        )
        assert parameter in response.text
    assert _graph(http)["truncated"] is False  # nothing changed for the next reader


def test_the_viewer_says_when_it_shows_part_of_the_graph(http: httpx.Client) -> None:
    assert 'id="truncated"' not in http.get("/viewer").text
    part = http.get("/viewer", params={"max_nodes": 5})
    assert part.status_code == 200 and 'id="truncated"' in part.text


@pytest.mark.parametrize(
    "scope", [Scope(max_nodes=7), Scope(max_edges=4), Scope(draft=ID.term("plan-19-point-geneva"))]
)
def test_a_scoped_graph_is_a_subgraph_of_the_whole(bundled: LocalStore, scope: Scope) -> None:
    whole, part = stance_graph(bundled), stance_graph(bundled, scope)
    assert set(part.nodes) <= set(whole.nodes)
    assert set(part.edges(keys=True)) <= set(whole.edges(keys=True))
    for iri, data in part.nodes(data=True):
        assert data == whole.nodes[iri]


def test_the_measures_get_the_same_answers_without_the_evidence(bundled: LocalStore) -> None:
    from stancegraph.graph import analysis
    from stancegraph.graph.projection import STANCES_ONLY

    whole, light = stance_graph(bundled), stance_graph(bundled, STANCES_ONLY)
    assert set(light.edges(keys=True)) == set(whole.edges(keys=True))
    assert all("quote" not in data for *_, data in light.edges(data=True))
    for measure in (analysis.alignment, analysis.contested, analysis.coalitions, analysis.centrality):
        assert measure(light) == measure(whole), measure.__name__
