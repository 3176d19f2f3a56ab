"""The SPARQL-compiled shapes report exactly what pyshacl reports, and a change is validated as the whole store would be.

pyshacl is the reference: the same data (dumped from Oxigraph, so that both
engines see the same canonical literals) goes through both, and the reports
must be equal as sets of (focus, path, message, severity, value).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyshacl import validate as pyshacl_validate
from rdflib.namespace import SH

from stancegraph.graph.errors import ShapeViolationError
from stancegraph.graph.loading import bundled_store
from stancegraph.graph.shacl import Check, compiled_constraints
from stancegraph.graph.store import LocalStore
from stancegraph.graph.validation import require_valid, validate_change, validate_store, vocabulary_quads
from stancegraph.ontology import SHAPES_FILE

DATA = Path(__file__).resolve().parent / "data"
BROKEN = sorted((DATA / "broken").glob("*.ttl"))
Row = tuple[str, str | None, str, str, str | None]


def store_of(*paths: Path) -> ox.Store:
    """The vocabulary, tests/data/base.ttl and the files, in one store."""
    store = ox.Store()
    store.extend(vocabulary_quads())
    for path in (DATA / "base.ttl", *paths):
        store.load(path=path, format=ox.RdfFormat.TURTLE)
    return store


def _in_any_order(message: str) -> str:
    """pyshacl lists an sh:in in set order, which changes from run to run: compare the items sorted."""
    return re.sub(r"not in list \[(.*)\]", lambda m: f"not in list {sorted(m[1].split(', '))}", message)


def pyshacl_report(store: ox.Store) -> set[Row]:
    triples = ox.serialize((quad.triple for quad in store), format=ox.RdfFormat.N_TRIPLES)
    data = rdflib.Graph().parse(data=triples, format="nt")  # every graph merged into one
    _conforms, results, _text = pyshacl_validate(
        data, shacl_graph=_shapes(), inference="none", abort_on_first=False, allow_warnings=False
    )

    def text(result: rdflib.term.Node, key: rdflib.URIRef) -> str | None:
        node = results.value(result, key)
        return None if node is None else str(node)

    return {
        (
            str(results.value(result, SH.focusNode)),
            text(result, SH.resultPath),
            _in_any_order(str(results.value(result, SH.resultMessage))),
            str(results.value(result, SH.resultSeverity)).rsplit("#", 1)[-1],
            text(result, SH.value),
        )
        for result in results.subjects(rdflib.RDF.type, SH.ValidationResult)
    }


@cache
def _shapes() -> rdflib.Graph:
    return rdflib.Graph().parse(SHAPES_FILE, format="turtle")


def our_report(store: ox.Store) -> set[Row]:
    return {
        (v.focus, v.path, _in_any_order(v.message), v.severity, v.value)
        for v in validate_store(store).violations
    }


@pytest.mark.parametrize("path", BROKEN, ids=lambda path: path.stem)
def test_each_broken_file_gets_the_report_pyshacl_gives(path: Path) -> None:
    store = store_of(path)
    expected = pyshacl_report(store)
    assert expected, f"{path.name} breaks nothing"
    assert our_report(store) == expected


def test_the_bundled_data_conforms_for_both_engines(bundled: LocalStore) -> None:
    assert our_report(bundled.oxigraph) == pyshacl_report(bundled.oxigraph) == set()


def _checks_broken(paths: Iterable[Path]) -> set[Check]:
    return {
        check
        for path in paths
        for constraint in compiled_constraints()
        for check, _ in constraint.results(store_of(path))
    }


def _vacuous(check: Check) -> bool:
    """A minimum count on the very property that makes a node a focus node (sh:targetSubjectsOf) cannot fail."""
    shapes = _shapes()
    shape = rdflib.URIRef(next(c.shape for c in compiled_constraints() if check in c.checks))
    return check.component == "MinCount" and (shape, SH.targetSubjectsOf, rdflib.URIRef(check.path)) in shapes


def test_the_broken_corpus_breaks_every_constraint_of_every_shape() -> None:
    every = {check for constraint in compiled_constraints() for check in constraint.checks}
    never = every - _checks_broken(BROKEN) - {check for check in every if _vacuous(check)}
    assert not never, "add a file to tests/data/broken/ that breaks: " + "; ".join(
        f"{c.component} {c.path} ({c.message})" for c in never
    )


def test_facts_in_named_graphs_are_validated_as_one_union() -> None:
    flat = store_of(DATA / "broken" / "positions.ttl")
    spread = ox.Store()
    for index, quad in enumerate(flat):
        graph = ox.NamedNode(f"https://w3id.org/stancegraph/graph/source-{index % 3}")
        spread.add(ox.Quad(quad.subject, quad.predicate, quad.object, graph))
    assert validate_store(spread).violations == validate_store(flat).violations


def test_bad_data_is_refused_with_a_readable_error() -> None:
    quads = list(store_of(DATA / "broken" / "positions.ttl"))
    with pytest.raises(ShapeViolationError) as refused:
        require_valid(quads)
    assert str(refused.value).startswith(
        "17 shape violation(s): Violation: <https://w3id.org/stancegraph/id/b-position>"
    )
    assert "a position needs exactly one sg:actor that is an sg:Actor" in {
        v.message for v in refused.value.report.violations
    }


def _after(store: ox.Store, added: Iterable[ox.Quad], removed: Iterable[ox.Quad]) -> ox.Store:
    after = ox.Store()
    after.extend(store)
    for quad in removed:
        after.remove(quad)
    after.extend(added)
    return after


def assert_change_validated_as_whole(store: ox.Store, added: list[ox.Quad], removed: list[ox.Quad]) -> None:
    expected = validate_store(_after(store, added, removed)).violations
    assert validate_change(store, added, removed).violations == expected


@pytest.fixture(scope="module")
def conforming() -> ox.Store:
    """The bundled data and tests/data/base.ttl: a store that conforms, to change."""
    store = store_of()
    store.extend(bundled_store().oxigraph)
    assert validate_store(store).conforms
    return store


@pytest.mark.parametrize("path", BROKEN, ids=lambda path: path.stem)
def test_adding_a_broken_file_is_validated_as_the_whole_store_would_be(
    conforming: ox.Store, path: Path
) -> None:
    added = list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
    assert_change_validated_as_whole(conforming, added, [])


GRAPHS = (ox.DefaultGraph(), ox.NamedNode("https://w3id.org/stancegraph/graph/a-source"))


@st.composite
def changes(draw: st.DrawFn, store: ox.Store) -> tuple[list[ox.Quad], list[ox.Quad]]:
    """A few quads removed; a few added: recombined from the data's own terms, or a node copied under a new name."""
    quads = sorted(store, key=str)
    removed = draw(st.lists(st.sampled_from(quads), max_size=6, unique=True))
    subjects = sorted({q.subject for q in quads}, key=str)
    predicates = sorted({q.predicate for q in quads}, key=str)
    objects = sorted({q.object for q in quads}, key=str)
    recombined = st.builds(
        ox.Quad,
        st.sampled_from(subjects),
        st.sampled_from(predicates),
        st.sampled_from(objects),
        st.sampled_from(GRAPHS),
    )
    added = draw(st.lists(recombined, max_size=6))
    if draw(st.booleans()):
        original = draw(st.sampled_from(subjects))
        copy = ox.NamedNode(f"{original.value}-copy")
        facts = sorted(store.quads_for_pattern(original, None, None), key=str)
        added += [
            ox.Quad(copy, q.predicate, q.object) for q in draw(st.lists(st.sampled_from(facts), unique=True))
        ]
    return added, removed


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_random_change_is_validated_as_the_whole_store_would_be(
    conforming: ox.Store, data: st.DataObject
) -> None:
    added, removed = data.draw(changes(conforming))
    assert_change_validated_as_whole(conforming, added, removed)


def test_a_change_to_the_class_tree_is_validated_as_the_whole_store_would_be(conforming: ox.Store) -> None:
    """sg:Person no longer an sg:Actor: every position of a person breaks, far from the change."""
    person_is_actor = list(
        conforming.quads_for_pattern(
            ox.NamedNode("https://w3id.org/stancegraph/ns#Person"),
            ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#subClassOf"),
            ox.NamedNode("https://w3id.org/stancegraph/ns#Actor"),
            None,
        )
    )  # in every graph that holds the vocabulary
    assert person_is_actor
    assert_change_validated_as_whole(conforming, [], person_is_actor)
    assert not validate_change(conforming, [], person_is_actor).conforms


def test_a_triple_removed_from_one_graph_but_kept_in_another_is_still_there(conforming: ox.Store) -> None:
    label = next(
        conforming.quads_for_pattern(None, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), None)
    )
    elsewhere = ox.Quad(label.subject, label.predicate, label.object, GRAPHS[1])
    store = _after(conforming, [elsewhere], [])
    assert validate_change(store, [], [label]).conforms
    assert not validate_change(store, [], [label, elsewhere]).conforms
