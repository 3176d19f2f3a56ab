"""The dataset model over HTTP, on a store of per-source graphs filled with TriG.

The bundled data is in its source's graph, the vocabulary in a graph of its
own, and a second small source (a statement and one position citing it) goes
into a third. Queries
read the union unless a dataset is named; the Graph Store reads one graph or
the union; the cache tells datasets apart; the JSON API filters by source.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from stancegraph.graph.loading import bundled_store
from tests.problems import problem
from tests.servers import closed_store

GRAPH = "https://w3id.org/stancegraph/graph/"
ROFF, SECOND, VOCABULARY = (
    f"{GRAPH}{name}" for name in ("roff-us-russian-peace-plan", "test-statement", "vocabulary")
)
SECOND_SOURCE = f"""
@prefix : <https://w3id.org/stancegraph/id/> .
@prefix sg: <https://w3id.org/stancegraph/ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dct: <http://purl.org/dc/terms/> .
<{SECOND}> {{
  :test-statement a sg:Statement ; rdfs:label "A statement by NATO (test)"@en .
  :position-nato-opposes-no-troops a sg:Position ;
    rdfs:label "NATO opposes the ban on its troops (test)"@en ;
    sg:actor :nato ; sg:target :plan-28-no-nato-troops ; sg:stance sg:Opposition ;
    sg:quote "NATO troops are forbidden in Ukraine"@en ;
    dct:source :test-statement ; sg:certainty sg:Stated .
}}
"""
PREFIXES = "PREFIX : <https://w3id.org/stancegraph/id/>\nPREFIX sg: <https://w3id.org/stancegraph/ns#>\n"
SECOND_POSITION = PREFIXES + "ASK { :position-nato-opposes-no-troops sg:actor :nato }"
ROFF_POSITION = PREFIXES + "ASK { ?position sg:actor :russia }"
GRAPHS = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"


def per_source_store(location: Path) -> Path:
    """An on-disk store of per-source graphs (the bundled ones and a second source), closed again for the service."""
    second = ox.parse(SECOND_SOURCE, format=ox.RdfFormat.TRIG)
    return closed_store(location, [*bundled_store().all_quads(), *second])


@pytest.fixture(scope="module")
def sources(serve: Callable[..., str], tmp_path_factory: pytest.TempPathFactory) -> str:
    """The service (answer cache on) on the per-source store."""
    return serve(store=per_source_store(tmp_path_factory.mktemp("per-source") / "store"))


def ask(url: str, query: str, **dataset: str | list[str]) -> bool:
    response = httpx.get(f"{url}/sparql", params={"query": query, **dataset})
    assert response.status_code == 200, response.text
    return bool(response.json()["boolean"])


def test_the_store_holds_three_graphs_and_nothing_in_its_own_default_graph(sources: str) -> None:
    rows = httpx.get(f"{sources}/sparql", params={"query": GRAPHS}).json()["results"]["bindings"]
    assert [row["g"]["value"] for row in rows] == sorted([ROFF, SECOND, VOCABULARY])


@pytest.mark.parametrize(
    ("query", "dataset", "answer"),
    [
        (SECOND_POSITION, {}, True),  # no dataset: the union
        (ROFF_POSITION, {}, True),
        (SECOND_POSITION, {"default-graph-uri": ROFF}, False),  # the protocol's dataset, exactly
        (ROFF_POSITION, {"default-graph-uri": ROFF}, True),
        (SECOND_POSITION, {"default-graph-uri": [ROFF, SECOND]}, True),  # a merge of several
        (SECOND_POSITION, {"named-graph-uri": SECOND}, False),  # named only: an empty default graph
        (
            f"{PREFIXES}ASK {{ GRAPH ?g {{ :position-nato-opposes-no-troops ?p ?o }} }}",
            {"named-graph-uri": ROFF},
            False,
        ),
        (SECOND_POSITION.replace("ASK", f"ASK FROM <{ROFF}>"), {}, False),  # the query's own FROM
        (SECOND_POSITION.replace("ASK", f"ASK FROM <{SECOND}>"), {}, True),
        (SECOND_POSITION.replace("ASK", f"ASK FROM NAMED <{SECOND}>"), {}, False),  # FROM NAMED alone
        (
            SECOND_POSITION.replace("ASK", f"ASK FROM <{ROFF}>"),
            {"default-graph-uri": SECOND},
            True,
        ),  # protocol wins
    ],
)
def test_a_query_reads_the_dataset_it_names_or_the_union(
    sources: str, query: str, dataset: dict[str, str], answer: bool
) -> None:
    assert ask(sources, query, **dataset) is answer


def test_the_cache_keeps_each_dataset_s_answer_apart(sources: str) -> None:
    query = SECOND_POSITION + " # asked by the cache test alone"
    with httpx.Client(base_url=sources) as client:
        union = [client.get("/sparql", params={"query": query}) for _ in range(2)]
        roff = [client.get("/sparql", params={"query": query, "default-graph-uri": ROFF}) for _ in range(2)]
    assert [r.headers["x-cache"] for r in union] == ["miss", "hit"]
    assert [r.headers["x-cache"] for r in roff] == ["miss", "hit"]
    assert union[1].json()["boolean"] is True and roff[1].json()["boolean"] is False
    assert union[0].headers["etag"] != roff[0].headers["etag"]


def test_the_graph_store_reads_one_source_or_the_union(sources: str) -> None:
    nt = {"Accept": "application/n-triples"}
    second = httpx.get(f"{sources}/store", params={"graph": SECOND}, headers=nt)
    assert second.status_code == 200 and len(second.text.strip().splitlines()) == 10
    union = httpx.get(f"{sources}/store?default", headers=nt).text.strip().splitlines()
    roff = httpx.get(f"{sources}/store", params={"graph": ROFF}, headers=nt).text.strip().splitlines()
    assert set(second.text.strip().splitlines()) < set(union) and set(roff) < set(union)
    assert httpx.head(f"{sources}/store", params={"graph": SECOND}).status_code == 200
    problem(httpx.get(f"{sources}/store", params={"graph": f"{GRAPH}nothing"}), 404, "no graph")


def test_the_api_filters_positions_by_source(sources: str) -> None:
    second = httpx.get(f"{sources}/api/positions", params={"source": "test-statement"}).json()
    assert [p["id"] for p in second["items"]] == ["position-nato-opposes-no-troops"]
    roff = httpx.get(f"{sources}/api/positions", params={"source": "roff-us-russian-peace-plan"}).json()
    assert roff["total"] == httpx.get(f"{sources}/api/positions").json()["total"] - 1


def test_the_whole_dataset_comes_out_with_every_graph_named(sources: str) -> None:
    response = httpx.get(f"{sources}/store", headers={"Accept": "application/n-quads"})
    assert response.headers["content-type"] == "application/n-quads"
    graphs = {quad.graph_name.value for quad in ox.parse(response.content, format=ox.RdfFormat.N_QUADS)}  # type: ignore[union-attr]
    assert graphs == {ROFF, SECOND, VOCABULARY}
