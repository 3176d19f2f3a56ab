"""The shapes catch what they promise to catch: each broken variant of the data is refused."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from stancegraph.graph.loading import derive_edges
from stancegraph.graph.store import LocalStore
from stancegraph.graph.validation import validate_quads

PREFIXES = """
@prefix : <https://w3id.org/stancegraph/id/> .
@prefix sg: <https://w3id.org/stancegraph/ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


def quads(turtle: str) -> list[ox.Quad]:
    return list(ox.parse(PREFIXES + turtle, format=ox.RdfFormat.TURTLE))


def without(store: LocalStore, subject: str, predicate: str) -> list[ox.Quad]:
    return [
        q
        for q in store.oxigraph.quads_for_pattern(None, None, None)
        if not (q.subject.value.endswith(subject) and q.predicate.value.endswith(predicate))
    ]


def focus_and_messages(data: list[ox.Quad]) -> list[tuple[str, str]]:
    report = validate_quads(data)
    assert not report.conforms
    return [(v.focus.rsplit("/", 1)[-1], v.message) for v in report.violations]


def test_a_hand_written_truthy_edge_without_a_position_is_refused(bundled: LocalStore) -> None:
    data = [
        *bundled.oxigraph.quads_for_pattern(None, None, None),
        *quads(":russia sg:supports :plan-28-amnesty ."),
    ]
    assert (
        "russia",
        "truthy stance edge https://w3id.org/stancegraph/ns#supports "
        "https://w3id.org/stancegraph/id/plan-28-amnesty has no sg:Position behind it",
    ) in focus_and_messages(data)


def test_a_position_whose_truthy_edge_is_missing_is_refused(bundled: LocalStore) -> None:
    data = [
        q
        for q in bundled.oxigraph.quads_for_pattern(None, None, None)
        if not (q.subject.value.endswith("/europe") and q.predicate.value.endswith("#opposes"))
    ]
    problems = focus_and_messages(data)
    assert (
        "position-europe-opposes-amnesty",
        "the position has no matching truthy sg:supports / sg:opposes edge",
    ) in problems


@pytest.mark.parametrize(
    ("subject", "predicate", "message"),
    [
        ("position-us-supports-plan-28", "#quote", "a position needs exactly one verbatim evidence quote"),
        (
            "position-us-supports-plan-28",
            "#actor",
            "a position needs exactly one sg:actor that is an sg:Actor",
        ),
        ("plan-28-amnesty", "isPartOf", "a clause belongs to exactly one draft (dct:isPartOf)"),
        ("claim-trump-gratitude", "#claimant", "a claim needs exactly one sg:claimant actor"),
        ("european-counter-proposal", "creator", "a draft needs at least one dct:creator actor"),
        ("ukraine", "label", "every node needs exactly one English rdfs:label"),
    ],
)
def test_a_missing_required_property_is_refused(
    bundled: LocalStore, subject: str, predicate: str, message: str
) -> None:
    assert (subject, message) in focus_and_messages(without(bundled, subject, predicate))


def test_a_second_label_or_a_label_in_another_language_is_refused(bundled: LocalStore) -> None:
    data = [*bundled.oxigraph.quads_for_pattern(None, None, None), *quads(':nato rdfs:label "OTAN"@fr .')]
    assert ("nato", "every node needs exactly one English rdfs:label") in focus_and_messages(data)


def test_an_untyped_date_is_refused(bundled: LocalStore) -> None:
    data = [
        *bundled.oxigraph.quads_for_pattern(None, None, None),
        *quads(':claim-roff-hope dct:date "last week" .'),
    ]
    problems = focus_and_messages(data)
    assert any(focus == "claim-roff-hope" and "xsd:date" in message for focus, message in problems)


def test_a_removal_that_names_a_new_clause_is_refused(bundled: LocalStore) -> None:
    extra = quads(":change-geneva-amnesty sg:newClause :geneva-security-guarantees .")
    data = [*bundled.oxigraph.quads_for_pattern(None, None, None), *extra, *derive_edges(extra)]
    assert ("change-geneva-amnesty", "a removal has no sg:newClause") in focus_and_messages(data)


def test_a_change_to_a_clause_of_an_unrelated_draft_is_refused(bundled: LocalStore) -> None:
    extra = quads("""
        :bad-change a sg:ClauseChange ; rdfs:label "bad"@en ; sg:inDraft :european-counter-proposal ;
            sg:changeKind sg:Removed ; sg:previousClause :geneva-security-guarantees ;
            sg:quote "x"@en ; dct:source :roff-us-russian-peace-plan ; sg:certainty sg:Stated .
    """)
    data = [*bundled.oxigraph.quads_for_pattern(None, None, None), *extra, *derive_edges(extra)]
    assert (
        "bad-change",
        "sg:previousClause must belong to a draft that sg:inDraft revises",
    ) in focus_and_messages(data)


def test_a_stance_outside_the_scheme_is_refused(bundled: LocalStore) -> None:
    data = [
        *without(bundled, "position-russia-opposes-plan-19", "#stance"),
        *quads(":position-russia-opposes-plan-19 sg:stance sg:Maybe ."),
    ]
    assert (
        "position-russia-opposes-plan-19",
        "a position's sg:stance is sg:Support or sg:Opposition",
    ) in focus_and_messages(data)


def test_a_position_of_something_other_than_a_draft_is_refused(bundled: LocalStore) -> None:
    data = [
        *bundled.oxigraph.quads_for_pattern(None, None, None),
        *quads(":position-us-opposes-amnesty sg:asOfDraft :plan-28-amnesty ."),
    ]
    assert (
        "position-us-opposes-amnesty",
        "a position belongs to at most one draft (sg:asOfDraft), an sg:Draft",
    ) in focus_and_messages(data)


def test_a_number_both_exact_and_a_lower_bound_is_refused(bundled: LocalStore) -> None:
    data = [
        *bundled.oxigraph.quads_for_pattern(None, None, None),
        *quads(":claim-roff-killed sg:quantity 1000000 ."),
    ]
    assert (
        "claim-roff-killed",
        "a claim gives a number exactly (sg:quantity) or as a lower bound (sg:minimumQuantity), not both",
    ) in focus_and_messages(data)
