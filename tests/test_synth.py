"""The synthetic graph: same shape as the real data, counted honestly, reproducible, and skewed."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from stancegraph.graph.loading import derive_edges, prepare
from stancegraph.graph.rdf_files import read_quads
from stancegraph.graph.sources import source_graph
from stancegraph.graph.store import LocalStore
from stancegraph.graph.synth import HOSTILE_LABEL, KINDS, SynthReport, write_synthetic
from stancegraph.graph.validation import validate_quads
from stancegraph.ontology import SG

DCT_SOURCE = ox.NamedNode("http://purl.org/dc/terms/source")
DERIVED = {SG.supports, SG.opposes, SG.revises, SG.keeps, SG.removes, SG.adds}
SIZE = {"actors": 30, "clauses": 100, "drafts": 4}


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SynthReport]:
    out = tmp_path_factory.mktemp("synth") / "graph.nt"
    return out, write_synthetic(out, **SIZE, seed=7)


@pytest.fixture(scope="module")
def store(synthetic: tuple[Path, SynthReport]) -> LocalStore:
    path, _ = synthetic
    oxigraph = ox.Store()
    oxigraph.extend(prepare([path]))
    return LocalStore(oxigraph, "synthetic graph")


def count(store: LocalStore, kind: str) -> int:
    return int(store.select(f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?x a <{SG}{kind}> }}")[0]["n"].value)


def test_a_small_graph_conforms_to_the_shapes(tmp_path: Path) -> None:
    # small on purpose: pyshacl over oxrdflib takes minutes for the 10,000 triples of SIZE
    out = tmp_path / "tiny.nt"
    write_synthetic(out, actors=10, clauses=24, drafts=4, seed=1, hostile_labels=True)
    quads = prepare([out])
    kinds = {q.object for q in quads if q.predicate == SG.changeKind}
    assert kinds == {SG.Kept, SG.Reworded, SG.Removed, SG.Added}, "the sample covers every kind of change"
    report = validate_quads(quads)
    assert report.conforms, report.summary()


def test_the_counts_match_the_report(synthetic: tuple[Path, SynthReport], store: LocalStore) -> None:
    _, report = synthetic
    assert store.count() == report.triples, "no triple is written twice and the loader derives nothing new"
    assert count(store, "Actor") == 0, "actors are typed by their kind only"
    assert sum(count(store, kind) for kind, _ in KINDS) == report.actors == SIZE["actors"]
    assert all(count(store, kind) >= 1 for kind, _ in KINDS)
    assert count(store, "Clause") == report.clauses == SIZE["clauses"]
    assert count(store, "Draft") == report.drafts == SIZE["drafts"]
    assert count(store, "AnalysisArticle") == report.sources
    assert count(store, "ClauseChange") == report.changes
    assert count(store, "Position") == report.positions
    assert count(store, "Claim") == report.claims


def test_the_file_holds_exactly_the_edges_the_loader_derives(synthetic: tuple[Path, SynthReport]) -> None:
    path, _ = synthetic
    quads = read_quads(path)
    written = {q for q in quads if q.predicate in DERIVED}
    qualified = [q for q in quads if q.predicate not in DERIVED]
    assert written
    assert written == set(derive_edges(qualified))


def test_the_same_seed_writes_the_same_bytes(synthetic: tuple[Path, SynthReport], tmp_path: Path) -> None:
    path, _ = synthetic
    again, other = tmp_path / "again.nt", tmp_path / "other.nt"
    write_synthetic(again, **SIZE, seed=7)
    write_synthetic(other, **SIZE, seed=8)
    assert again.read_bytes() == path.read_bytes()
    assert other.read_bytes() != path.read_bytes()


def test_turtle_and_ntriples_hold_the_same_graph(synthetic: tuple[Path, SynthReport], tmp_path: Path) -> None:
    path, report = synthetic
    turtle = tmp_path / "graph.ttl"
    assert write_synthetic(turtle, **SIZE, seed=7) == report
    assert turtle.read_text(encoding="utf-8").startswith("@prefix")
    assert set(read_quads(turtle)) == set(read_quads(path))


def test_a_few_actors_take_most_positions(synthetic: tuple[Path, SynthReport], store: LocalStore) -> None:
    _, report = synthetic
    rows = store.select(
        "SELECT ?actor (COUNT(?p) AS ?n) WHERE { ?p <https://w3id.org/stancegraph/ns#actor> ?actor }"
        " GROUP BY ?actor ORDER BY DESC(?n)"
    )
    top = sum(int(row["n"].value) for row in rows[: report.actors // 10])
    assert top > report.positions / 2


def test_hostile_labels_only_when_asked(synthetic: tuple[Path, SynthReport], tmp_path: Path) -> None:
    path, _ = synthetic
    hostile = tmp_path / "hostile.nt"
    write_synthetic(hostile, **SIZE, seed=7, hostile_labels=True)
    labels = [
        q.object.value
        for q in read_quads(hostile)
        if q.subject == ox.NamedNode("https://w3id.org/stancegraph/id/actor-1")
        and q.predicate.value.endswith("#label")
    ]
    assert len(labels) == 1 and labels[0].endswith(HOSTILE_LABEL)
    assert HOSTILE_LABEL not in path.read_text(encoding="utf-8")


@pytest.mark.parametrize(("actors", "clauses", "drafts"), [(6, 10, 2), (10, 0, 1), (10, 5, 0), (10, 3, 4)])
def test_sizes_it_cannot_honour_are_refused(tmp_path: Path, actors: int, clauses: int, drafts: int) -> None:
    with pytest.raises(ValueError):
        write_synthetic(tmp_path / "g.nt", actors=actors, clauses=clauses, drafts=drafts, seed=0)


def test_trig_and_n_quads_put_every_node_in_its_source_graph(tmp_path: Path) -> None:
    """Written with graphs, the file needs no sorting, and holds what the loader makes of the triples."""
    triples, quads = tmp_path / "graph.nt", tmp_path / "graph.nq"
    write_synthetic(triples, **SIZE, seed=7)
    write_synthetic(quads, **SIZE, seed=7)
    written = read_quads(quads)
    assert all(q.graph_name != ox.DefaultGraph() for q in written)
    cited = [q for q in written if q.predicate == DCT_SOURCE]
    assert cited and all(q.graph_name == source_graph(q.object) for q in cited)
    assert set(prepare([quads])) == set(prepare([triples])) == set(written)  # edges in every backing graph
