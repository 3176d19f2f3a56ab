"""A SPARQL Update planned as a difference changes exactly what running it would change.

Where stancegraph's dataset agrees with Oxigraph's own (data in the store's default graph and in
named graphs addressed by ``GRAPH``), the planned difference applied to a copy must leave the
same quads as Oxigraph running the update on another copy. Where they differ on purpose (a
pattern without ``GRAPH`` sees the union; a triple deleted without ``GRAPH`` goes from every
graph), the tests say what stancegraph does.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from stancegraph.graph.datasets import with_using
from stancegraph.graph.errors import QuerySyntaxError
from stancegraph.graph.update_delta import update_delta

G1, G2 = "<urn:g:one>", "<urn:g:two>"
DATA = f"""
INSERT DATA {{
  <urn:a> <urn:p> "1" , "2" ; <urn:q> <urn:b> .
  <urn:b> <urn:p> "3" .
  GRAPH {G1} {{ <urn:c> <urn:p> "4" ; <urn:q> <urn:a> . }}
  GRAPH {G2} {{ <urn:d> <urn:p> "5" . }}
}}"""

SAME_AS_OXIGRAPH = [
    'INSERT DATA { <urn:x> <urn:p> "new" }',
    'INSERT DATA { GRAPH <urn:g:three> { <urn:x> <urn:p> "new" } }',
    'PREFIX e: <urn:> INSERT DATA { e:x e:p "prefixed" . GRAPH <urn:g:one> { e:y e:p 1 } }',
    'DELETE DATA { GRAPH <urn:g:one> { <urn:c> <urn:p> "4" } }',
    'DELETE DATA { GRAPH <urn:g:one> { <urn:c> <urn:p> "not there" } }',
    "DELETE WHERE { GRAPH <urn:g:one> { <urn:c> ?p ?o } }",
    "DELETE WHERE { GRAPH ?g { ?s <urn:p> ?o } }",
    "WITH <urn:g:one> DELETE { ?s <urn:p> ?o } INSERT { ?s <urn:r> ?o } WHERE { ?s <urn:p> ?o }",
    "WITH <urn:g:one> INSERT { ?s <urn:r> _:fresh } WHERE { ?s <urn:p> ?o }",
    "INSERT { GRAPH <urn:g:copy> { ?s ?p ?o } } USING <urn:g:two> WHERE { ?s ?p ?o }",
    "INSERT { GRAPH ?g { ?s <urn:seen> true } } WHERE { GRAPH ?g { ?s <urn:p> ?o } }",
    "DELETE { GRAPH ?g { ?s ?p ?o } } USING NAMED <urn:g:two> WHERE { GRAPH ?g { ?s ?p ?o } }",
    "CLEAR GRAPH <urn:g:one>",
    "DROP SILENT GRAPH <urn:g:missing>",
    "CLEAR NAMED",
    "DROP ALL",
    "CLEAR DEFAULT",
    "ADD <urn:g:one> TO <urn:g:two>",
    "COPY GRAPH <urn:g:one> TO GRAPH <urn:g:two>",
    "MOVE <urn:g:one> TO DEFAULT",
    "COPY DEFAULT TO <urn:g:one>",
    "CREATE GRAPH <urn:g:new>",
    'BASE <urn:base/> INSERT DATA { <x> <p> "relative" }',
    'INSERT DATA { <urn:x> <urn:p> "a" } ; INSERT DATA { GRAPH <urn:g:one> { <urn:x> <urn:p> "b" } }',
    'DELETE DATA { GRAPH <urn:g:two> { <urn:d> <urn:p> "5" } } ; INSERT DATA { GRAPH <urn:g:two> { <urn:d> <urn:p> "5" } }',
    "CLEAR ALL ; INSERT DATA { <urn:only> <urn:p> 1 }",
    # a pattern after a change of the same request sees that change (on a copy: UpdateDelta.copied)
    'INSERT DATA { <urn:x> <urn:p> "a" } ; DELETE WHERE { <urn:x> ?p ?o }',
    "CLEAR ALL ; INSERT DATA { GRAPH <urn:g:one> { <urn:d1> a <urn:Doc> } } ;"
    " INSERT { GRAPH <urn:g:out> { ?s a <urn:Done> } } WHERE { GRAPH ?g { ?s a <urn:Doc> } }",
    '# a comment ; with a semicolon\nINSERT DATA { <urn:x> <urn:p> "a ; b } c" }',
]


def filled() -> ox.Store:
    store = ox.Store()
    store.update(DATA)
    return store


def applied(store: ox.Store, update: str) -> set[ox.Quad]:
    delta = update_delta(store, update)
    after = set(store) - delta.removed
    assert not (delta.added & set(store)), "an added quad was there already"
    assert delta.removed <= set(store), "a removed quad was not there"
    return after | delta.added


@pytest.mark.parametrize("update", SAME_AS_OXIGRAPH)
def test_the_difference_is_what_oxigraph_would_do(update: str) -> None:
    store = filled()
    reference = filled()
    reference.update(update)
    assert shape(applied(store, update)) == shape(set(reference))
    assert shape(set(store)) == shape(set(filled())), "planning wrote to the store"


def shape(quads: set[ox.Quad]) -> list[str]:
    """The quads with every blank node label alike: fresh nodes are named differently on each run."""
    return sorted(
        str(q)
        if "_:" not in str(q)
        else " ".join(
            "_:b" if isinstance(term, ox.BlankNode) else str(term)
            for term in (q.subject, q.predicate, q.object, q.graph_name)
        )
        for q in quads
    )


def test_a_pattern_without_graph_sees_the_union() -> None:
    store = filled()
    after = applied(store, "INSERT { ?s <urn:seen> true } WHERE { ?s <urn:p> ?o }")
    seen = {q.subject.value for q in after if q.predicate.value == "urn:seen"}
    assert seen == {"urn:a", "urn:b", "urn:c", "urn:d"}
    assert all(isinstance(q.graph_name, ox.DefaultGraph) for q in after if q.predicate.value == "urn:seen")


def test_a_triple_deleted_without_graph_goes_from_every_graph() -> None:
    store = filled()
    store.add(
        ox.Quad(ox.NamedNode("urn:a"), ox.NamedNode("urn:p"), ox.Literal("1"), ox.NamedNode("urn:g:two"))
    )
    after = applied(store, 'DELETE DATA { <urn:a> <urn:p> "1" }')
    assert not any(q.subject.value == "urn:a" and q.object == ox.Literal("1") for q in after)
    after = applied(store, "DELETE WHERE { <urn:c> ?p ?o }")
    assert not any(q.subject.value == "urn:c" for q in after)


def test_the_protocol_dataset_is_the_where_dataset() -> None:
    """using-graph-uri arrives as USING (graph.datasets.with_using): the pattern reads that graph only."""
    update = with_using("INSERT { ?s <urn:seen> true } WHERE { ?s <urn:p> ?o }", ["urn:g:two"], [])
    after = applied(filled(), update)
    assert {q.subject.value for q in after if q.predicate.value == "urn:seen"} == {"urn:d"}


@pytest.mark.parametrize("update", ["INSERT DATA { <urn:a> ", "DELETE WHERE { ?s ?p }", "FROB GRAPH <urn:g>"])
def test_bad_syntax_is_the_parser_s_message(update: str) -> None:
    with pytest.raises(QuerySyntaxError, match="error at"):
        update_delta(filled(), update)
