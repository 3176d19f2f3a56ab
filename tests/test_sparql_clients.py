"""Two SPARQL clients nobody here wrote, pointed at our /sparql: both must get correct answers."""

from __future__ import annotations

from typing import Any
from xml.dom.minidom import Document, Text

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, JSONLD, N3, TSV, TURTLE, XML, SPARQLWrapper

# Every test here runs on both backends (tests/conftest.py).
pytestmark = pytest.mark.backends("local", "remote")

PREFIXES = """PREFIX sg: <https://w3id.org/stancegraph/ns#>
PREFIX id: <https://w3id.org/stancegraph/id/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
AMNESTY_OPPONENTS = (
    PREFIXES + "SELECT ?label WHERE { ?a sg:opposes id:plan-28-amnesty ; rdfs:label ?label } ORDER BY ?label"
)
OPPONENTS = ["Europe", "Ukraine", "United States"]
ASK_YES = PREFIXES + "ASK { id:europe sg:opposes id:plan-28-amnesty }"
ASK_NO = PREFIXES + "ASK { id:russia sg:opposes id:plan-28-amnesty }"
DRAFT_LABELS = PREFIXES + "CONSTRUCT { ?d rdfs:label ?l } WHERE { ?d a sg:Draft ; rdfs:label ?l }"
DRAFTS = {"28-point peace plan", "European counter-proposal", "19-point Geneva draft"}


def _wrapper(server_url: str, query: str, return_format: str, method: str = "GET") -> SPARQLWrapper:
    client = SPARQLWrapper(f"{server_url}/sparql")
    client.setQuery(query)
    client.setReturnFormat(return_format)
    client.setMethod(method)
    return client


def _json(result: object) -> dict[str, Any]:
    """SPARQLWrapper's answer for JSON: a dict."""
    assert isinstance(result, dict), type(result)
    return result


def _texts(result: object, tag: str) -> list[str]:
    """SPARQLWrapper's answer for XML is a DOM: the text of every ``tag`` element in it."""
    assert isinstance(result, Document), type(result)
    texts = [node.firstChild for node in result.getElementsByTagName(tag)]
    assert all(isinstance(text, Text) for text in texts), texts
    return [text.data for text in texts if isinstance(text, Text)]


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sparqlwrapper_select_json(server_url: str, method: str) -> None:
    result = _wrapper(server_url, AMNESTY_OPPONENTS, JSON, method).queryAndConvert()
    assert [row["label"]["value"] for row in _json(result)["results"]["bindings"]] == OPPONENTS


def test_sparqlwrapper_select_xml(server_url: str) -> None:
    document = _wrapper(server_url, AMNESTY_OPPONENTS, XML).queryAndConvert()
    assert _texts(document, "literal") == OPPONENTS


@pytest.mark.parametrize(
    ("return_format", "cell"),
    [(CSV, "{}"), (TSV, '"{}"@en')],  # TSV writes RDF terms, CSV plain values
)
def test_sparqlwrapper_select_csv_and_tsv(server_url: str, return_format: str, cell: str) -> None:
    text = _wrapper(server_url, AMNESTY_OPPONENTS, return_format).queryAndConvert()
    assert isinstance(text, bytes | str), type(text)
    lines = (text.decode() if isinstance(text, bytes) else text).splitlines()
    assert lines[1:] == [cell.format(label) for label in OPPONENTS]


@pytest.mark.parametrize(("query", "expected"), [(ASK_YES, True), (ASK_NO, False)])
@pytest.mark.parametrize("return_format", [JSON, XML])
def test_sparqlwrapper_ask(server_url: str, query: str, expected: bool, return_format: str) -> None:
    result = _wrapper(server_url, query, return_format).queryAndConvert()
    answer = _json(result)["boolean"] if return_format == JSON else _texts(result, "boolean") == ["true"]
    assert answer is expected


@pytest.mark.parametrize("return_format", [XML, TURTLE, N3, JSONLD])
def test_sparqlwrapper_construct(server_url: str, return_format: str) -> None:
    result = _wrapper(server_url, DRAFT_LABELS, return_format).queryAndConvert()
    if not isinstance(result, Graph):
        assert isinstance(result, bytes | str), type(result)
        result = Graph().parse(data=result, format="json-ld" if return_format == JSONLD else "turtle")
    graph = result
    assert {str(label) for label in graph.objects()} == DRAFTS


@pytest.fixture
def rdflib_graph(server_url: str) -> Graph:
    return Graph(SPARQLStore(f"{server_url}/sparql"))


def test_rdflib_sparqlstore_select(rdflib_graph: Graph) -> None:
    rows = rdflib_graph.query(AMNESTY_OPPONENTS)
    assert [str(row[0]) for row in rows] == OPPONENTS  # type: ignore[index]


def test_rdflib_sparqlstore_ask(rdflib_graph: Graph) -> None:
    assert rdflib_graph.query(ASK_YES).askAnswer is True
    assert rdflib_graph.query(ASK_NO).askAnswer is False


def test_rdflib_sparqlstore_construct(rdflib_graph: Graph) -> None:
    graph = rdflib_graph.query(DRAFT_LABELS).graph
    assert graph is not None
    assert {str(label) for label in graph.objects()} == DRAFTS


def test_rdflib_sparqlstore_triple_patterns(rdflib_graph: Graph) -> None:
    """rdflib turns graph.triples() into its own SELECTs against our endpoint."""
    label = URIRef("http://www.w3.org/2000/01/rdf-schema#label")
    labels = set(rdflib_graph.objects(URIRef("https://w3id.org/stancegraph/id/europe"), label))
    assert labels == {Literal("Europe", lang="en")}
