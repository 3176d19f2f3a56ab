"""Curation files: a valid one adds exactly its facts, once; every kind of bad one is refused and changes nothing."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import yaml

from stancegraph.graph.analysis import stances
from stancegraph.graph.curation import add_file, curate
from stancegraph.graph.curation_schema import CurationError
from stancegraph.graph.errors import ShapeViolationError
from stancegraph.graph.loading import bundled_store
from stancegraph.graph.projection import stance_graph
from stancegraph.graph.store import LocalStore
from stancegraph.graph.validation import vocabulary_quads
from stancegraph.ontology import GRAPH, ID, PREFIXES, SG, VOCABULARY_GRAPH

DATA = Path(__file__).resolve().parent / "data"
EXAMPLE = DATA / "curation-example.yaml"
SOURCE_TEXT = DATA / "curation-example-source.txt"
PROV_DERIVED = ox.NamedNode(PREFIXES["prov"] + "wasDerivedFrom")
DCT_CREATED = ox.NamedNode(PREFIXES["dct"] + "created")


def vocabulary_only() -> LocalStore:
    store = ox.Store()
    store.extend(vocabulary_quads())
    return LocalStore(store, "vocabulary only")


def contents(store: LocalStore) -> set[ox.Quad]:
    return set(store.oxigraph.quads_for_pattern(None, None, None))


def example() -> dict[str, Any]:
    document = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    document["source"]["text"] = str(SOURCE_TEXT)
    return document


def write(tmp_path: Path, document: dict[str, Any] | str) -> Path:
    path = tmp_path / "curation.yaml"
    text = (
        document
        if isinstance(document, str)
        else yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
    )
    path.write_text(text, encoding="utf-8")
    return path


def test_the_example_adds_exactly_its_facts() -> None:
    store = vocabulary_only()
    before = contents(store)
    report = add_file(store, EXAMPLE)
    assert contents(store) - before == set(report.quads)
    assert len(store.oxigraph) - len(before) == report.added == len(report.quads)
    assert report.created["positions"] == (
        "position-roff-us-russian-peace-plan-us-supports-plan-28-point",
        "position-roff-us-russian-peace-plan-europe-opposes-plan-28-amnesty",
        "position-roff-us-russian-peace-plan-putin-opposes-european-counter-proposal",
    )
    assert len(report.created["actors"]) == 7 and len(report.created["claims"]) == 2
    # The truthy edges are derived, as for any load, so the analysis sees the new stances at once.
    roff = GRAPH.term("roff-us-russian-peace-plan")
    assert ox.Quad(ID.term("europe"), SG.opposes, ID.term("plan-28-amnesty"), roff) in report.quads
    # Everything the file says is in its source's graph, so retracting the source retracts the file.
    assert {q.graph_name for q in report.quads} - {VOCABULARY_GRAPH} == {roff}
    found = {
        (ID.term(a).value, ID.term(t).value)
        for a, t in (
            ("us", "plan-28-point"),
            ("europe", "plan-28-amnesty"),
            ("putin", "european-counter-proposal"),
        )
    }
    assert set(stances(stance_graph(store))) == found


def test_every_new_node_points_to_the_import_which_says_when() -> None:
    store = vocabulary_only()
    report = add_file(store, EXAMPLE)
    source_import = ox.NamedNode(report.source_import)
    derived = {q.subject for q in store.oxigraph.quads_for_pattern(None, PROV_DERIVED, source_import)}
    created = {ID.term(identifier) for ids in report.created.values() for identifier in ids}
    assert derived == created
    (when,) = store.oxigraph.quads_for_pattern(source_import, DCT_CREATED, None)
    assert when.object.datatype.value.endswith("#dateTime")


def test_adding_the_same_file_again_adds_nothing() -> None:
    store = vocabulary_only()
    add_file(store, EXAMPLE)
    after_first = contents(store)
    again = add_file(store, EXAMPLE)
    assert again.added == 0
    assert contents(store) == after_first
    assert "plan-28-point" in again.present
    assert again.matched["United States"] == "us"


def test_a_dry_run_checks_everything_and_writes_nothing() -> None:
    store = vocabulary_only()
    before = contents(store)
    report = add_file(store, EXAMPLE, dry_run=True)
    assert report.added > 0 and report.dry_run
    assert contents(store) == before
    assert "would add" in report.lines()[0]


def test_facts_of_a_new_source_about_existing_actors_and_clauses(tmp_path: Path) -> None:
    store = bundled_store()
    before = contents(store)
    document = {
        "source": {"label": "Example Gazette editorial (fictional, for tests)", "kind": "statement"},
        "actors": [{"label": "Example Gazette", "kind": "news-organisation", "new": True}],
        "positions": [
            {
                "actor": "example-gazette",
                "stance": "opposes",
                "target": "plan-28-amnesty",
                "quote": "No amnesty.",
                "certainty": "stated",
                "date": "2025-12",
            }
        ],
    }
    report = add_file(store, write(tmp_path, document))
    assert contents(store) - before == set(report.quads)
    position = ID.term(
        "position-example-gazette-editorial-fictional-for-tests-example-gazette-opposes-plan-28-amnesty"
    )
    graph = GRAPH.term("example-gazette-editorial-fictional-for-tests")
    assert ox.Quad(position, SG.actor, ID.term("example-gazette"), graph) in report.quads
    date = next(
        store.oxigraph.quads_for_pattern(position, ox.NamedNode(PREFIXES["dct"] + "date"), None)
    ).object
    assert date.datatype.value.endswith("#gYearMonth")


def test_a_lookalike_actor_is_added_when_told_it_is_new_or_matched_when_given_an_id(tmp_path: Path) -> None:
    store = bundled_store()
    source = {"label": "Example Gazette (fictional)"}
    report = add_file(
        store,
        write(
            tmp_path, {"source": source, "actors": [{"label": "United State", "kind": "state", "new": True}]}
        ),
    )
    assert report.created["actors"] == ("united-state",)
    report = add_file(store, write(tmp_path, {"source": source, "actors": [{"label": "U.S.A.", "id": "us"}]}))
    assert report.matched == {"U.S.A.": "us"}
    alt_label = ox.NamedNode(PREFIXES["skos"] + "altLabel")
    graph = GRAPH.term("example-gazette-fictional")  # the new source's word, in its graph
    assert ox.Quad(ID.term("us"), alt_label, ox.Literal("U.S.A.", language="en"), graph) in contents(store)


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    section, index, key = path.split(".")

    def change(document: dict[str, Any]) -> None:
        document[section][int(index)][key] = value

    return change


def _drop(path: str) -> Callable[[dict[str, Any]], None]:
    section, index, key = path.split(".")
    return lambda document: document[section][int(index)].pop(key)


def _add_actor(actor: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    return lambda document: document["actors"].append(actor)


REFUSALS: list[tuple[str, Callable[[dict[str, Any]], None], type[Exception], str]] = [
    (
        "missing field",
        _drop("positions.0.quote"),
        CurationError,
        r"positions\[0\]: missing required field 'quote'",
    ),
    (
        "misspelt field",
        _set("positions.0.qoute", "x"),
        CurationError,
        r"positions\[0\]: unknown field 'qoute'; did you mean 'quote'\?",
    ),
    (
        "bad choice",
        _set("positions.0.stance", "backs"),
        CurationError,
        r"positions\[0\]\.stance: must be one of supports, opposes \(got 'backs'\)",
    ),
    (
        "bad date",
        _set("positions.0.date", "20 Nov"),
        CurationError,
        r"positions\[0\]\.date: must be a date",
    ),
    (
        "unknown reference",
        _set("positions.0.actor", "united-states"),
        CurationError,
        r"positions\[0\]\.actor: 'united-states' names nothing.*did you mean",
    ),
    (
        "a name that is no id",
        _set("positions.0.actor", "United Kingdom"),
        CurationError,
        r"positions\[0\]\.actor: 'United Kingdom' names nothing",
    ),
    (
        "wrong kind of reference",
        _set("positions.0.target", "us"),
        CurationError,
        r"positions\[0\]\.target: 'us' is not a clause or draft",
    ),
    (
        "quote not in the source",
        _set("positions.1.quote", "Europe welcomes the amnesty"),
        CurationError,
        r"positions\[1\]\.quote: not found in the source text: 'Europe welcomes the amnesty'",
    ),
    (
        "same position twice",
        lambda document: document["positions"].append({**document["positions"][0], "note": "again"}),
        CurationError,
        r"positions\[3\]: id 'position-roff-us-russian-peace-plan-us-supports-plan-28-point' is used by another entry",
    ),
    (
        "lookalike within the file",
        _add_actor({"label": "Vladimir Putin", "kind": "person"}),
        CurationError,
        r"actors\[7\]: 'Vladimir Putin' looks like actor 'Putin' \(id putin\)",
    ),
    (
        "shape: point 0",
        _set("clauses.0.point", 0),
        ShapeViolationError,
        r"plan-28-sovereignty> .*pointNumber",
    ),
    (
        "shape: a draft with no creator",
        _drop("drafts.1.creators"),
        ShapeViolationError,
        r"a draft needs at least one dct:creator actor",
    ),
]


@pytest.mark.parametrize(("problem", "change", "error", "message"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_a_bad_file_is_refused_and_changes_nothing(
    tmp_path: Path,
    problem: str,
    change: Callable[[dict[str, Any]], None],
    error: type[Exception],
    message: str,
) -> None:
    store = vocabulary_only()
    before = contents(store)
    document = copy.deepcopy(example())
    change(document)
    with pytest.raises(error, match=message):
        add_file(store, write(tmp_path, document))
    assert contents(store) == before


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("source: {label: [unclosed\n", r"not valid YAML: line 2, column 1"),
        ("source: {label: x, date: 2025-11-31}\n", r"not valid YAML: day is out of range for month"),
        ("- just\n- a list\n", r"the curation must be a mapping"),
        ("positions: []\n", r"source: missing"),
        ("source: {label: x}\nposition: []\n", r"unknown section 'position'"),
        ("source: {label: x}\nactors: {label: y}\n", r"actors: must be a list of entries"),
    ],
)
def test_a_file_that_is_not_a_curation_file_is_refused(tmp_path: Path, text: str, message: str) -> None:
    store = vocabulary_only()
    with pytest.raises(CurationError, match=message):
        add_file(store, write(tmp_path, text))
    assert contents(store) == set(vocabulary_quads())


def test_a_lookalike_of_an_existing_actor_is_refused(tmp_path: Path) -> None:
    store = bundled_store()
    before = contents(store)
    document = {
        "source": {"label": "Example Gazette (fictional)"},
        "actors": [{"label": "United State", "kind": "state"}],
    }
    with pytest.raises(
        CurationError,
        match=r"actors\[0\]: 'United State' looks like actor 'United States' \(id us\)",
    ):
        add_file(store, write(tmp_path, document))
    assert contents(store) == before


def test_source_text_given_by_the_caller_is_the_one_checked(tmp_path: Path) -> None:
    other = tmp_path / "other.txt"
    other.write_text("A different article altogether.", encoding="utf-8")
    with pytest.raises(CurationError, match=r"not found in the source text") as refused:
        add_file(vocabulary_only(), EXAMPLE, source_text=other)
    assert len(refused.value.problems) == 12  # every quote of the example


def test_facts_already_recorded_under_other_ids_are_not_duplicated(tmp_path: Path) -> None:
    """The example re-expresses facts of the bundled article: adding it to that data adds nothing."""
    from stancegraph.graph.loading import bundled_files, load_files
    from stancegraph.graph.store import open_disk_store

    store = open_disk_store(tmp_path / "store")
    load_files(store, bundled_files())
    before = set(store.all_quads())
    report = add_file(store, Path(__file__).parent / "data" / "curation-example.yaml")
    assert report.added == 0
    assert "position-us-supports-plan-28" in report.present
    assert "change-european-amnesty" in report.present
    assert "claim-lutsevych-brainchild-of-kremlin" in report.present
    assert set(store.all_quads()) == before


# ---------------------------------------------------------------- the typed schema: aliases, drafts, selectors

OA = {name: ox.NamedNode(PREFIXES["oa"] + name) for name in ("prefix", "suffix", "start", "end")}


def selector_of(store: LocalStore, node: ox.NamedNode) -> dict[str, str]:
    return {
        name: quad.object.value
        for name, predicate in OA.items()
        for quad in store.oxigraph.quads_for_pattern(node, predicate, None)
    }


def test_every_curated_quote_gets_a_selector_into_its_source_text() -> None:
    store = vocabulary_only()
    add_file(store, EXAMPLE)
    text = SOURCE_TEXT.read_text(encoding="utf-8")
    quoted = {q.subject: q.object.value for q in store.oxigraph.quads_for_pattern(None, SG.quote, None)}
    assert len(quoted) == 12
    for node, quote in quoted.items():
        selector = selector_of(store, node)
        start, end = int(selector["start"]), int(selector["end"])
        assert " ".join(text[start:end].split()) == " ".join(quote.split())
        assert text[:start].endswith(selector["prefix"]) and text[end:].startswith(selector["suffix"])


@pytest.mark.parametrize("alias", ["support", "supports"])
def test_stance_aliases_are_one_vocabulary(tmp_path: Path, alias: str) -> None:
    document = example()
    document["positions"][0]["stance"] = alias
    document["positions"][1]["stance"] = "opposition"
    document["positions"][2]["stance"] = "oppose"
    store = vocabulary_only()
    report = add_file(store, write(tmp_path, document))
    assert report.created["positions"][0].endswith("-us-supports-plan-28-point")
    stances = {q.object for q in store.oxigraph.quads_for_pattern(None, SG.stance, None)}
    assert stances == {SG.Support, SG.Opposition}


def test_a_position_names_the_draft_it_was_read_from(tmp_path: Path) -> None:
    document = example()
    document["positions"][1]["draft"] = "european-counter-proposal"
    store = vocabulary_only()
    report = add_file(store, write(tmp_path, document))
    position = ID.term(report.created["positions"][1])
    (as_of,) = store.oxigraph.quads_for_pattern(position, SG.asOfDraft, None)
    assert as_of.object == ID.term("european-counter-proposal")


def test_a_selector_given_is_checked_and_completed(tmp_path: Path) -> None:
    document = example()
    document["positions"][1]["selector"] = {"start": 799, "end": 849}
    document["claims"][0]["selector"] = {"suffix": " […] Speaking"}
    store = vocabulary_only()
    report = add_file(store, write(tmp_path, document))
    position = ID.term(report.created["positions"][1])
    text = SOURCE_TEXT.read_text(encoding="utf-8")
    assert text[799:849] == "has removed the part which absolves all war crimes"
    assert (
        selector_of(store, position)
        == {
            "prefix": text[799 - 32 : 799],  # 32 characters of context either side, as annotation tools keep
            "suffix": text[849 : 849 + 32],
            "start": "799",
            "end": "849",
        }
    )
    claim = ID.term(report.created["claims"][0])
    assert selector_of(store, claim)["suffix"] == " […] Speaking"  # given: kept as it is


SELECTOR_REFUSALS = [
    (
        {"start": 798, "end": 849},
        r"positions\[1\]\.selector: characters 798-849 of the source text are ' has.*not the quote; the quote is at characters 799-849",
    ),
    (
        {"start": 799, "end": 849, "prefix": "nothing like it"},
        r"positions\[1\]\.selector\.prefix: 'nothing like it' is not the text right before the quote at 799-849",
    ),
    (
        {"suffix": "elsewhere"},
        r"positions\[1\]\.selector: no occurrence of the quote in the source text has this prefix and suffix",
    ),
    ({"start": 799}, r"positions\[1\]\.selector: give both start and end, or neither"),
    ({"start": 849, "end": 799}, r"positions\[1\]\.selector: start \(849\) must be below end \(799\)"),
    ({"start": -1, "end": 3}, r"positions\[1\]\.selector\.start: must be a character offset"),
    ({"begin": 1}, r"positions\[1\]\.selector: unknown field 'begin'"),
    ({}, r"positions\[1\]\.selector: an empty selector"),
]


@pytest.mark.parametrize(("selector", "message"), SELECTOR_REFUSALS)
def test_a_wrong_selector_is_refused_and_changes_nothing(
    tmp_path: Path, selector: dict[str, Any], message: str
) -> None:
    document = example()
    document["positions"][1]["selector"] = selector
    store = vocabulary_only()
    with pytest.raises(CurationError, match=message):
        add_file(store, write(tmp_path, document))
    assert contents(store) == set(vocabulary_quads())


def test_a_quote_found_twice_needs_a_selector_to_say_which(tmp_path: Path) -> None:
    document = example()
    document["claims"][0]["quote"] = "the 28-point plan"
    with pytest.raises(
        CurationError,
        match=r"claims\[0\]\.quote: the quote occurs 2 times in the source text \(at characters 609-626, 981-998\); add a selector",
    ):
        add_file(vocabulary_only(), write(tmp_path, document))
    document["claims"][0]["selector"] = {"start": 981, "end": 998}
    assert add_file(vocabulary_only(), write(tmp_path, document)).created["claims"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            _set("positions.2.draft", "plan-28-amnesty"),
            r"positions\[2\]\.draft: 'plan-28-amnesty' is not a draft",
        ),
        (_set("clauses.1.point", "two"), r"clauses\[1\]\.point: must be a whole number \(got 'two'\)"),
        (_set("drafts.0.leaked_on", "2025-13-01"), r"drafts\[0\]\.leaked_on: must be a date"),
        (_set("actors.6.new", "yes"), r"actors\[6\]\.new: must be true or false \(got 'yes'\)"),
        (_set("claims.1.about", []), r"claims\[1\]\.about: must be text or a list of text"),
        (
            _set("changes.0.kind", "moved"),
            r"changes\[0\]\.kind: must be one of reworded, kept, removed, added",
        ),
        (
            lambda d: d["source"].update(kind="blog"),
            r"source\.kind: must be one of analysis-article, statement, document",
        ),
        (lambda d: d["drafts"].append("a draft"), r"drafts\[2\]: must be a mapping of fields"),
    ],
)
def test_each_problem_names_its_exact_place(
    tmp_path: Path, change: Callable[[dict[str, Any]], None], message: str
) -> None:
    document = example()
    change(document)
    store = vocabulary_only()
    with pytest.raises(CurationError, match=message):
        add_file(store, write(tmp_path, document))
    assert contents(store) == set(vocabulary_quads())


# ---------------------------------------------------------------- the library: text in, no files


def test_curate_takes_the_curation_and_its_source_as_text() -> None:
    document = example()
    del document["source"]["text"]
    text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
    source = SOURCE_TEXT.read_text(encoding="utf-8")
    from_text, from_mapping = vocabulary_only(), vocabulary_only()
    report = curate(from_text, text, source_text=source)
    assert report.lines()[0] == f"the curation: added {report.added} triple(s)"
    assert report.validation is not None and report.validation.conforms
    assert curate(from_mapping, document, source_text=source).created == report.created

    def facts(store: LocalStore) -> set[ox.Quad]:  # the import differs: its hash is of text, or of JSON
        return {
            q for q in contents(store) if q.predicate != PROV_DERIVED and "/import-" not in q.subject.value
        }

    assert facts(from_mapping) == facts(from_text)


def test_curate_reads_no_file_a_curation_names() -> None:
    store = vocabulary_only()
    with pytest.raises(
        CurationError,
        match=r"^the request: 1 problem\(s\): source\.text: names a file, which is not read here",
    ):
        curate(store, EXAMPLE.read_text(encoding="utf-8"), where="the request")
    assert contents(store) == set(vocabulary_quads())


def test_a_dry_run_reports_the_shapes_verdict_and_the_quads_and_writes_nothing() -> None:
    store = vocabulary_only()
    before = len(store.oxigraph)
    dry = curate(
        store,
        EXAMPLE.read_text(encoding="utf-8"),
        source_text=SOURCE_TEXT.read_text(encoding="utf-8"),
        dry_run=True,
    )
    assert len(store.oxigraph) == before
    assert dry.validation is not None and dry.validation.conforms
    real = curate(
        store, EXAMPLE.read_text(encoding="utf-8"), source_text=SOURCE_TEXT.read_text(encoding="utf-8")
    )
    assert {q for q in dry.quads if q.predicate != DCT_CREATED} == {
        q for q in real.quads if q.predicate != DCT_CREATED
    }
    assert len(store.oxigraph) == before + real.added
