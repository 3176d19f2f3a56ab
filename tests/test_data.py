"""The bundled data: faithful to its one source, typed, labelled, and conforming to the shapes."""

from __future__ import annotations

import os
from pathlib import Path

import pyoxigraph as ox
import pytest

from stancegraph.graph.loading import bundled_files, prepare
from stancegraph.graph.store import LocalStore
from stancegraph.graph.validation import validate_quads
from stancegraph.ontology import SG

REPO = Path(__file__).resolve().parents[1]
SOURCE_TEXT = Path(
    os.environ.get("STANCEGRAPH_SOURCE_TEXT", REPO.parent / "shared" / "sources" / "000_e6b12d46779fca22.txt")
)
RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
XSD = "http://www.w3.org/2001/XMLSchema#"
SG_PREFIX = f"PREFIX sg: <{SG}>\n"


def collapse(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def data_only() -> LocalStore:
    """The bundled data files alone, as written by hand (no vocabulary, no derived edges)."""
    store = ox.Store()
    for path in bundled_files():
        store.load(path=str(path))  # the format from the extension: TriG
    return LocalStore(store, "data files")


def test_every_quote_is_verbatim_in_the_source(bundled: LocalStore) -> None:
    assert SOURCE_TEXT.is_file(), f"the article text is needed to check the quotes: {SOURCE_TEXT}"
    article = collapse(SOURCE_TEXT.read_text(encoding="utf-8"))
    quotes = bundled.select(SG_PREFIX + "SELECT ?node ?quote WHERE { ?node sg:quote ?quote }")
    assert len(quotes) > 50
    missing = [
        (row["node"].value, row["quote"].value)
        for row in quotes
        if collapse(row["quote"].value) not in article
    ]
    assert missing == []


def test_the_data_conforms_to_the_shapes(bundled: LocalStore) -> None:
    report = validate_quads(bundled.oxigraph.quads_for_pattern(None, None, None))
    assert report.conforms, report.summary()


def test_every_subject_is_typed_and_has_exactly_one_english_label(data_only: LocalStore) -> None:
    subjects = {q.subject for q in data_only.oxigraph.quads_for_pattern(None, None, None)}
    for subject in subjects:
        labels = [q.object for q in data_only.oxigraph.quads_for_pattern(subject, RDFS_LABEL, None)]
        assert [label.language for label in labels] == ["en"], subject
        assert any(data_only.oxigraph.quads_for_pattern(subject, RDF_TYPE, None)), subject


def test_truthy_edges_are_derived_not_written(data_only: LocalStore, bundled: LocalStore) -> None:
    for edge in ("supports", "opposes", "revises", "keeps", "removes", "adds"):
        assert not list(data_only.oxigraph.quads_for_pattern(None, SG.term(edge), None)), edge
    positions = len(bundled.select(SG_PREFIX + "SELECT ?p WHERE { ?p a sg:Position }"))
    truthy = bundled.select(
        SG_PREFIX + "SELECT ?a ?t WHERE { { ?a sg:supports ?t } UNION { ?a sg:opposes ?t } }"
    )
    assert positions == 14
    assert len(truthy) == positions  # one (actor, stance, target) per position in this data


@pytest.mark.parametrize(
    ("predicate", "datatype"),
    [
        ("https://w3id.org/stancegraph/ns#personnelCap", "integer"),
        ("https://w3id.org/stancegraph/ns#pointCount", "integer"),
        ("https://w3id.org/stancegraph/ns#pointNumber", "integer"),
        ("https://w3id.org/stancegraph/ns#profitSharePercent", "decimal"),
        ("https://schema.org/value", "decimal"),
        ("https://w3id.org/stancegraph/ns#leakedOn", "date"),
        ("https://w3id.org/stancegraph/ns#isPublic", "boolean"),
    ],
)
def test_numbers_and_dates_are_typed(data_only: LocalStore, predicate: str, datatype: str) -> None:
    objects = [q.object for q in data_only.oxigraph.quads_for_pattern(None, ox.NamedNode(predicate), None)]
    assert objects
    assert {o.datatype.value for o in objects} == {XSD + datatype}


def test_only_the_first_point_has_a_number(bundled: LocalStore) -> None:
    rows = bundled.select(SG_PREFIX + "SELECT DISTINCT ?n WHERE { ?c sg:pointNumber ?n }")
    assert [row["n"].value for row in rows] == ["1"]


@pytest.mark.parametrize(
    "label",
    [
        "United States",
        "Russia",
        "Ukraine",
        "Europe",
        "NATO",
        "G8",
        "Kremlin",
        "Ukrainian Armed Forces",
        "Chatham House",
        "Financial Times",
        "Charlotte Roff",
        "Trump",
        "Putin",
        "JD Vance",
        "Steve Witkoff",
        "Jared Kushner",
        "Orysia Lutsevych",
        "unnamed senior Ukrainian official",
    ],
)
def test_every_actor_the_article_names_is_there(bundled: LocalStore, label: str) -> None:
    query = (
        'ASK { ?a a ?kind ; <%s> "%s"@en . ?kind <http://www.w3.org/2000/01/rdf-schema#subClassOf>* <%s> }'
    )
    assert bundled.ask(query % (RDFS_LABEL.value, label, SG.Actor.value))


def test_the_authors_judgements_are_her_claims_not_stances(bundled: LocalStore) -> None:
    roff = "https://w3id.org/stancegraph/id/charlotte-roff"
    assert not bundled.ask(f"ASK {{ ?p <{SG.actor.value}> <{roff}> }}")
    claims = bundled.select(f"SELECT ?c WHERE {{ ?c <{SG.claimant.value}> <{roff}> }}")
    assert len(claims) >= 10


def test_prepare_is_what_the_bundled_store_holds(bundled: LocalStore) -> None:
    canonical = ox.Store()  # Oxigraph stores literals canonically (50.0 -> 50): compare like with like
    canonical.extend(prepare(bundled_files()))
    prepared = set(canonical.quads_for_pattern(None, None, None))
    held = set(bundled.oxigraph.quads_for_pattern(None, None, None))
    assert prepared <= held


ID_ = "https://w3id.org/stancegraph/id/"
CERTAINTIES = {
    # position: (as of which draft, certainty), each re-read against its quote
    "position-us-supports-plan-28": ("plan-28-point", "Stated"),
    "position-russia-supports-plan-28": ("plan-28-point", "Stated"),
    "position-europe-supports-counter-proposal": ("european-counter-proposal", "Stated"),
    "position-europe-opposes-amnesty": ("european-counter-proposal", "Stated"),
    "position-putin-opposes-european-counter-proposal": ("european-counter-proposal", "Stated"),
    "position-us-supports-plan-19": ("plan-19-point-geneva", "Stated"),
    "position-ukraine-supports-plan-19": ("plan-19-point-geneva", "Stated"),
    # "it is believed": read from the unpublished 19-point draft
    "position-us-opposes-amnesty": ("plan-19-point-geneva", "Believed"),
    "position-ukraine-opposes-amnesty": ("plan-19-point-geneva", "Believed"),
    "position-us-opposes-nato-bar": ("plan-19-point-geneva", "Believed"),
    "position-ukraine-opposes-nato-bar": ("plan-19-point-geneva", "Believed"),
    "position-us-supports-security-guarantees": ("plan-19-point-geneva", "Believed"),
    "position-ukraine-supports-security-guarantees": ("plan-19-point-geneva", "Believed"),
    # the article relays Russia's refusal in its own words; it quotes no Russian
    "position-russia-opposes-plan-19": ("plan-19-point-geneva", "Reported"),
}


def test_every_position_has_its_draft_and_a_certainty_its_quote_bears(bundled: LocalStore) -> None:
    rows = bundled.select(
        SG_PREFIX + "SELECT ?p ?draft ?certainty WHERE { ?p a sg:Position ; sg:certainty ?certainty ."
        " OPTIONAL { ?p sg:asOfDraft ?draft } }"
    )
    found = {
        row["p"].value.removeprefix(ID_): (
            row["draft"].value.removeprefix(ID_) if "draft" in row else None,
            row["certainty"].value.removeprefix(str(SG)),
        )
        for row in rows
    }
    assert found == CERTAINTIES


def test_the_us_view_moves_with_the_drafts(bundled: LocalStore) -> None:
    """The US backs the 28-point plan on the day it leaked; its opposition to the amnesty is read,
    undated, from the later 19-point draft: a change of view, not two stances at once."""
    rows = bundled.select(
        SG_PREFIX + "SELECT ?target ?stance ?draft ?date WHERE {"
        " ?p sg:actor <https://w3id.org/stancegraph/id/us> ; sg:target ?target ; sg:stance ?stance ;"
        " sg:asOfDraft ?draft . OPTIONAL { ?p <http://purl.org/dc/terms/date> ?date } }"
    )
    stances = {
        row["target"].value.removeprefix(ID_): (
            row["stance"].value.removeprefix(str(SG)),
            row["draft"].value.removeprefix(ID_),
            row["date"].value if "date" in row else None,
        )
        for row in rows
    }
    assert stances["plan-28-point"] == ("Support", "plan-28-point", "2025-11-20")
    assert stances["plan-28-amnesty"] == ("Opposition", "plan-19-point-geneva", None)
    assert stances["plan-28-nato-membership-bar"] == ("Opposition", "plan-19-point-geneva", None)
    assert bundled.ask(
        "ASK { <https://w3id.org/stancegraph/id/plan-19-point-geneva>"
        " <http://www.w3.org/ns/prov#wasRevisionOf> <https://w3id.org/stancegraph/id/plan-28-point> }"
    )


def test_over_one_million_killed_is_a_lower_bound(bundled: LocalStore) -> None:
    claim = "<https://w3id.org/stancegraph/id/claim-roff-killed>"
    rows = bundled.select(SG_PREFIX + f"SELECT ?n WHERE {{ {claim} sg:minimumQuantity ?n }}")
    assert [(row["n"].value, row["n"].datatype.value) for row in rows] == [("1000000", XSD + "integer")]
    assert not bundled.ask(SG_PREFIX + f"ASK {{ {claim} sg:quantity ?exact }}")
