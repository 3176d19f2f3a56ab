"""One named graph per source: loading into them, reading their union, asking which source, retracting one."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from stancegraph.graph.derivation import derived_edges
from stancegraph.graph.errors import NotFoundError, ShapeViolationError, SourceAssignmentError
from stancegraph.graph.export import export
from stancegraph.graph.loading import build_store, bundled_files, load_files, scratch_store
from stancegraph.graph.sources import drop_source, source_graphs
from stancegraph.graph.store import LocalStore, open_disk_store
from stancegraph.ontology import GRAPH, ID, SG, VOCABULARY_GRAPH
from tests.test_cli import run, store_contents

ROFF = GRAPH.term("roff-us-russian-peace-plan")
SECOND = GRAPH.term("second-article")
LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
PREFIXES = """
@prefix : <https://w3id.org/stancegraph/id/> .
@prefix sg: <https://w3id.org/stancegraph/ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dct: <http://purl.org/dc/terms/> .
"""
# A second source that names an actor of the first (Europe) and backs one of its edges again.
SECOND_ARTICLE = (
    PREFIXES
    + """
:second-article a sg:AnalysisArticle ; rdfs:label "A second article (fictional, for tests)"@en .
:europe a sg:StateUnion ; rdfs:label "Europe"@en .
:position-second-europe-opposes-amnesty a sg:Position ;
    rdfs:label "Europe opposes the amnesty (second article)"@en ;
    sg:actor :europe ; sg:target :plan-28-amnesty ; sg:stance sg:Opposition ;
    sg:quote "No amnesty."@en ; dct:source :second-article ; sg:certainty sg:Stated .
"""
)
WHICH_SOURCE = f"SELECT ?g WHERE {{ GRAPH ?g {{ <{ID}europe> <{SG}opposes> <{ID}plan-28-amnesty> }} }}"


def graphs_of(store: LocalStore, subject: ox.NamedNode, predicate: ox.NamedNode) -> set[ox.NamedNode]:
    return {q.graph_name for q in store.oxigraph.quads_for_pattern(subject, predicate, None)}


@pytest.fixture
def two_sources(tmp_path: Path) -> LocalStore:
    """A disk store with the bundled article and a second article that shares a node and an edge with it."""
    second = tmp_path / "second.ttl"
    second.write_text(SECOND_ARTICLE, encoding="utf-8")
    store = open_disk_store(tmp_path / "store")
    load_files(store, [*bundled_files(), second])
    return store


def test_the_bundled_data_is_in_its_source_graph_and_queries_see_the_union(bundled: LocalStore) -> None:
    assert set(bundled.oxigraph.named_graphs()) == {ROFF, VOCABULARY_GRAPH}
    assert not list(bundled.oxigraph.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    assert bundled.ask(f"ASK {{ <{ID}europe> <{SG}opposes> <{ID}plan-28-amnesty> }}")  # no GRAPH needed
    assert bundled.ask(f"ASK {{ <{SG}Position> a ?class }}")  # the vocabulary, from its own graph
    assert bundled.count() == len(bundled.oxigraph)  # one source: no triple is held twice
    assert [(g.source, g.graph) for g in source_graphs(bundled)] == [
        ("roff-us-russian-peace-plan", ROFF.value),
        (None, VOCABULARY_GRAPH.value),
    ]


def test_derived_edges_go_into_the_graph_of_their_node(bundled: LocalStore) -> None:
    assert graphs_of(bundled, ID.term("us"), SG.supports) == {ROFF}
    position = ID.term("position-europe-opposes-amnesty")
    edges = derived_edges(bundled.oxigraph, [position])
    assert edges == [ox.Quad(ID.term("europe"), SG.opposes, ID.term("plan-28-amnesty"), ROFF)]
    assert derived_edges(bundled.oxigraph, []) == []


def test_graph_tells_which_source_says_it(two_sources: LocalStore, bundled: LocalStore) -> None:
    assert {row["g"] for row in bundled.select(WHICH_SOURCE)} == {ROFF}
    assert {row["g"] for row in two_sources.select(WHICH_SOURCE)} == {ROFF, SECOND}


def test_a_turtle_file_citing_one_source_goes_whole_into_its_graph(two_sources: LocalStore) -> None:
    assert graphs_of(two_sources, ID.term("second-article"), LABEL) == {SECOND}
    assert graphs_of(two_sources, ID.term("europe"), SG.opposes) == {ROFF, SECOND}
    assert graphs_of(two_sources, ID.term("europe"), LABEL) == {ROFF, SECOND}  # the shared node, in both
    assert two_sources.count() < len(two_sources.oxigraph)  # ... and counted once


def test_dropping_a_source_keeps_what_another_source_backs(two_sources: LocalStore) -> None:
    first_before, second_before = set(two_sources.quads(ROFF)), set(two_sources.quads(SECOND))
    removed = drop_source(two_sources, "second-article")
    assert removed == len(second_before) and SECOND not in set(two_sources.oxigraph.named_graphs())
    assert set(two_sources.quads(ROFF)) == first_before
    assert two_sources.ask(f'ASK {{ <{ID}europe> ?label "Europe"@en }}')  # the shared node
    assert two_sources.ask(
        f"ASK {{ <{ID}europe> <{SG}opposes> <{ID}plan-28-amnesty> }}"
    )  # the first backs it
    assert not two_sources.ask(f"ASK {{ <{ID}position-second-europe-opposes-amnesty> ?p ?o }}")


def test_dropping_the_only_source_takes_its_edges(tmp_path: Path) -> None:
    store = open_disk_store(tmp_path / "store")
    load_files(store, bundled_files())
    drop_source(store, "roff-us-russian-peace-plan")
    assert set(store.oxigraph.named_graphs()) == {VOCABULARY_GRAPH}
    assert not store.ask(f"ASK {{ <{ID}us> ?p ?o }}")
    assert not store.ask(f"ASK {{ ?actor <{SG}supports> ?target }}")


def test_dropping_a_source_another_relies_on_is_refused(two_sources: LocalStore) -> None:
    """The second article's position is on a clause only the first describes: it would point at nothing."""
    before = set(two_sources.oxigraph)
    with pytest.raises(ShapeViolationError) as refused:
        drop_source(two_sources, "roff-us-russian-peace-plan")
    assert "position-second-europe-opposes-amnesty" in str(refused.value.report.violations)
    assert set(two_sources.oxigraph) == before


@pytest.mark.parametrize(
    "identifier", ["no-such-source", "vocabulary", "http://example.org/elsewhere", "a b"]
)
def test_dropping_an_unknown_source_changes_nothing(two_sources: LocalStore, identifier: str) -> None:
    before = set(two_sources.oxigraph)
    with pytest.raises(NotFoundError, match="no source with id"):
        drop_source(two_sources, identifier)
    assert set(two_sources.oxigraph) == before


def test_a_file_citing_several_sources_is_split_by_source(tmp_path: Path) -> None:
    path = tmp_path / "two.ttl"
    path.write_text(
        PREFIXES
        + """
        :a a sg:AnalysisArticle ; rdfs:label "a"@en .
        :claim-a a sg:Claim ; sg:claimant :someone ; dct:source :a .
        :claim-b a sg:Claim ; sg:claimant :someone ; dct:source :b .
        :someone a sg:Person ; rdfs:label "someone"@en ; sg:memberOf :club .
        :club rdfs:label "a club"@en .
        sg:Claim rdfs:label "claim"@en .
        """,
        encoding="utf-8",
    )
    store = LocalStore(scratch_store([path]), "scratch")
    a, b = GRAPH.term("a"), GRAPH.term("b")
    assert graphs_of(store, ID.term("a"), LABEL) == {a}  # the cited source, in its own graph
    assert graphs_of(store, ID.term("claim-b"), SG.claimant) == {b}
    assert graphs_of(store, ID.term("someone"), LABEL) == {a, b}  # named by both
    assert graphs_of(store, ID.term("club"), LABEL) == {a, b}  # reached through someone
    assert graphs_of(store, SG.Claim, LABEL) == {VOCABULARY_GRAPH}  # not copied into every graph with claims
    assert not list(store.oxigraph.quads_for_pattern(None, None, None, ox.DefaultGraph()))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (":orphan rdfs:label 'nobody cites a source'@en .", "cannot tell which source says"),
        (
            ":x dct:source :a . :y dct:source :b . :orphan rdfs:label 'no one points here'@en .",
            "<https://w3id.org/stancegraph/id/orphan>",
        ),
        (":x dct:source <http://example.org/elsewhere> .", "a source needs a stancegraph id"),
    ],
)
def test_a_file_whose_triples_have_no_source_is_refused(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "loose.ttl"
    path.write_text(PREFIXES + text, encoding="utf-8")
    with pytest.raises(SourceAssignmentError, match=message):
        scratch_store([path])


@pytest.mark.parametrize(("format_name", "suffix"), [("trig", "trig"), ("nquads", "nq")])
def test_dataset_exports_round_trip_with_their_graphs(
    tmp_path: Path, bundled: LocalStore, format_name: str, suffix: str
) -> None:
    out = tmp_path / f"export.{suffix}"
    with out.open("wb") as handle:
        export(bundled, format_name, handle)
    reloaded = open_disk_store(tmp_path / "store")
    load_files(reloaded, [out])
    assert set(reloaded.oxigraph) == set(bundled.oxigraph)


def test_one_sources_graph_exports_alone(two_sources: LocalStore, tmp_path: Path) -> None:
    out = tmp_path / "second.trig"
    with out.open("wb") as handle:
        export(two_sources, "trig", handle, document="second-article")
    assert set(ox.parse(path=str(out))) == set(two_sources.quads(SECOND))


def test_a_built_store_is_optimised_and_whole(tmp_path: Path, bundled: LocalStore) -> None:
    report = build_store(tmp_path / "built", bundled_files())
    built = open_disk_store(tmp_path / "built", read_only=True)
    assert report.quads_after == built.count() == bundled.count()
    assert set(built.oxigraph) == set(bundled.oxigraph)


# ---------------------------------------------------------------- the command line


def test_drop_source_from_the_command_line(tmp_path: Path) -> None:
    store = tmp_path / "store"
    assert run("load", "--store", str(store), *map(str, bundled_files())).returncode == 0
    stats = run("stats", "--sources", "--store", str(store), "--format", "csv").stdout.splitlines()
    assert stats[0] == "source,graph,triples"
    assert stats[1].startswith(f"roff-us-russian-peace-plan,{ROFF.value},")
    assert stats[2].startswith(f",{VOCABULARY_GRAPH.value},")
    before = store_contents(store)
    unknown = run("drop-source", "no-such-source", "--store", str(store))
    assert unknown.returncode == 1
    assert unknown.stderr.strip().splitlines() == ["stancegraph: error: no source with id 'no-such-source'"]
    assert store_contents(store) == before
    dropped = run("drop-source", "roff-us-russian-peace-plan", "--store", str(store))
    assert dropped.returncode == 0, dropped.stderr
    assert "dropped source roff-us-russian-peace-plan" in dropped.stdout
    answer = run("query", "--store", str(store), "ASK { ?a sg:opposes ?t }")
    assert answer.stdout.strip() == "false"


def test_drop_source_refuses_to_leave_another_source_dangling(tmp_path: Path) -> None:
    second, store = tmp_path / "second.ttl", tmp_path / "store"
    second.write_text(SECOND_ARTICLE, encoding="utf-8")
    assert run("load", "--store", str(store), *map(str, bundled_files()), str(second)).returncode == 0
    before = store_contents(store)
    refused = run("drop-source", "roff-us-russian-peace-plan", "--store", str(store))
    assert refused.returncode == 1
    first, *violations = refused.stderr.strip().splitlines()
    assert first.startswith("stancegraph: error: 2 shape violation(s)")
    assert any("position-second-europe-opposes-amnesty" in line for line in violations)
    assert "Traceback" not in refused.stderr
    assert store_contents(store) == before


def test_drop_source_needs_an_existing_store(tmp_path: Path) -> None:
    result = run("drop-source", "roff-us-russian-peace-plan", "--store", str(tmp_path / "none"))
    assert result.returncode == 1 and "no store directory here" in result.stderr
    assert not (tmp_path / "none").exists()


def test_graph_in_a_query_tells_the_source_from_the_command_line() -> None:
    result = run("query", "--format", "csv", WHICH_SOURCE)
    assert result.stdout.splitlines() == ["g", ROFF.value]
