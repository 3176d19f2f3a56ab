"""``stancegraph export`` for other tools, run as a user runs it: the CSV of positions and one document's Turtle."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pyoxigraph as ox
import pytest

from stancegraph.graph.export import POSITION_COLUMNS
from stancegraph.graph.store import LocalStore
from stancegraph.graph.terms import local_id, python_value, resource
from tests.test_cli import run

ARTICLE = "roff-us-russian-peace-plan"
SG = "https://w3id.org/stancegraph/ns#"
DCT_SOURCE = ox.NamedNode("http://purl.org/dc/terms/source")
RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")


def positions_of(store: LocalStore) -> dict[str, dict[str, str]]:
    """The positions as the store has them, by short id, with plain values."""
    return {
        local_id(str(python_value(row["position"]))): {
            name: str(python_value(term)) for name, term in row.items()
        }
        for row in store.rows("positions")
    }


def test_positions_csv_has_a_row_per_position_with_its_quote(tmp_path: Path, bundled: LocalStore) -> None:
    out = tmp_path / "positions.csv"
    result = run("export", "--format", "positions-csv", "--out", str(out))
    assert result.returncode == 0, result.stderr
    with out.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert tuple(reader.fieldnames or ()) == POSITION_COLUMNS
        rows = {row["position"]: row for row in reader}

    expected = positions_of(bundled)
    assert len(rows) == len(expected) == 14
    for position, row in rows.items():
        assert row["quote"] == expected[position]["quote"]
        assert row["actor_label"] == expected[position]["actorLabel"]
        assert row["target_label"] == expected[position]["targetLabel"]
    europe = rows["position-europe-opposes-amnesty"]
    assert (europe["actor"], europe["stance"], europe["target"], europe["draft"]) == (
        "europe",
        "opposes",
        "plan-28-amnesty",
        "plan-28-point",
    )
    assert europe["quote"] == "has removed the part which absolves all war crimes"
    assert (europe["source"], europe["date"], europe["certainty"]) == (ARTICLE, "", "stated")
    assert {p for p, row in rows.items() if row["date"]} == {
        "position-us-supports-plan-28",
        "position-russia-supports-plan-28",
    }


def test_positions_csv_to_stdout_matches_the_file(tmp_path: Path) -> None:
    out = tmp_path / "positions.csv"
    assert run("export", "--format", "positions-csv", "--out", str(out)).returncode == 0
    printed = run("export", "--format", "positions-csv").stdout
    assert list(csv.reader(io.StringIO(printed))) == list(csv.reader(out.open(encoding="utf-8", newline="")))


@pytest.mark.parametrize("document", [ARTICLE, str(resource(ARTICLE).value)], ids=["id", "iri"])
def test_turtle_of_a_document_holds_everything_it_backs(bundled: LocalStore, document: str) -> None:
    result = run("export", "--format", "turtle", "--document", document)
    assert result.returncode == 0, result.stderr
    exported = ox.Store()
    exported.load(result.stdout, format=ox.RdfFormat.TURTLE)
    triples = {quad.triple for quad in exported}
    article = resource(ARTICLE)

    cited = {
        t.subject
        for t in bundled.construct("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
        if t.predicate == DCT_SOURCE and t.object == article
    }
    for subject in {article, *cited}:  # the document and all that cites it, every triple
        held = set(bundled.construct(f"CONSTRUCT {{ {subject} ?p ?o }} WHERE {{ {subject} ?p ?o }}"))
        assert held <= triples, subject
    positions = {resource(p) for p in positions_of(bundled)}
    assert positions <= cited
    for position in positions:  # each position's actor is named
        actor = next(t.object for t in triples if t.subject == position and t.predicate.value == f"{SG}actor")
        assert any(t.subject == actor and t.predicate == RDFS_LABEL for t in triples)


def test_turtle_of_a_draft_is_only_that_draft() -> None:
    result = run("export", "--document", "plan-19-point-geneva")
    assert result.returncode == 0, result.stderr
    exported = ox.Store()
    exported.load(result.stdout, format=ox.RdfFormat.TURTLE)
    subjects = {quad.subject for quad in exported.quads_for_pattern(None, None, None)}
    described = {
        s
        for s in subjects
        if any(q.predicate != RDFS_LABEL for q in exported.quads_for_pattern(s, None, None))
    }
    assert described == {resource("plan-19-point-geneva")}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--document", "no-such-document"], "no document with id 'no-such-document'"),
        (["--document", "not an iri <>"], "no document with id"),
        (["--document", "us"], "no document with id 'us'"),  # an actor, not a document
        (["--format", "gexf", "--document", ARTICLE], "one document's slice is RDF"),
    ],
    ids=["unknown", "not-an-iri", "an-actor", "not-rdf"],
)
def test_a_bad_document_export_is_one_error_line(tmp_path: Path, args: list[str], message: str) -> None:
    out = tmp_path / "slice.ttl"
    result = run("export", *args, "--out", str(out))
    assert result.returncode == 1
    assert result.stderr.startswith(f"stancegraph: error: {message}")
    assert len(result.stderr.splitlines()) == 1 and result.stdout == ""
    assert not out.exists()
