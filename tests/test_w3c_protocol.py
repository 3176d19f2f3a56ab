"""The W3C SPARQL 1.1 Protocol test suite, against the real service with writes on.

The 34 tests of ``sparql/sparql11/protocol/manifest.ttl`` in w3c/rdf-tests are
prose: HTTP requests and what their responses must be. Each is encoded here as
one case, in the manifest's order, with its name and intent quoted. A test's
``ut:graphData`` is the dataset it starts from (data1-3.nt in named graphs):
those run on a store filled with it before the service starts. The update
tests bring their own data, on a store that starts empty.

``/sparql/`` in the manifest is our ``/sparql``; every request carries the
write token, which only updates need.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from tests.problems import PROBLEM
from tests.servers import closed_store

TOKEN = "w3c-protocol-token-0123456789"
DATA = "http://kasei.us/2009/09/sparql/data/"
DATA0 = "default-graph-uri=http%3A%2F%2Fkasei.us%2F2009%2F09%2Fsparql%2Fdata%2Fdata0.rdf"
D1, D2, D3 = (f"http%3A%2F%2Fkasei.us%2F2009%2F09%2Fsparql%2Fdata%2Fdata{n}.rdf" for n in (1, 2, 3))
QUERY = "application/sparql-query"
UPDATE = "application/sparql-update"
FORM = "application/x-www-form-urlencoded"
PREFIXES = "PREFIX dc: <http://purl.org/dc/terms/>\nPREFIX foaf: <http://xmlns.com/foaf/0.1/>\n"
THREE_DOCUMENTS = (
    f"INSERT DATA {{\n    GRAPH <{DATA}data1.rdf> {{ <{DATA}data1.rdf> a foaf:Document }}\n"
    f"    GRAPH <{DATA}data2.rdf> {{ <{DATA}data2.rdf> a foaf:Document }}\n"
    f"    GRAPH <{DATA}data3.rdf> {{ <{DATA}data3.rdf> a foaf:Document }}\n}} ;\n"
)
RESULT_TYPES = {
    "boolean": ("application/sparql-results+json", "application/sparql-results+xml"),
    "tabular": (
        "application/sparql-results+json",
        "application/sparql-results+xml",
        "text/csv",
        "text/tab-separated-values",
    ),
    "RDF": ("application/rdf+xml", "text/turtle", "application/n-triples", "application/xhtml+xml"),
}
# stancegraph validates every write against its shapes, and sgs:LabelledNode wants one English
# rdfs:label on every node with an rdf:type; these updates insert `<dataN.rdf> a foaf:Document` alone.
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
FOAF_DOCUMENT = ox.NamedNode("http://xmlns.com/foaf/0.1/Document")
UNLABELLED = (
    "the update inserts typed nodes without an English rdfs:label, which stancegraph's validated writes "
    "refuse with 422 (sgs:LabelledNode); test_the_dataset_updates_with_labels runs them with labels"
)


class RefusedByShapes(AssertionError):
    """The service refused a write with 422 because the result would break its shapes."""


@dataclass(frozen=True)
class Exchange:
    """One request of a test and what its response must be."""

    method: str
    path: str  # after /sparql
    body: bytes | None = None
    content_type: str | None = None
    status: int = 2  # the first digit of the status: 2 (2xx, 3xx allowed) or 4
    format: str | None = None  # "boolean", "tabular" or "RDF"
    boolean: bool | None = None


def _post(path: str, body: str, content_type: str | None, **expect: object) -> Exchange:
    return Exchange("POST", path, body.encode(), content_type, **expect)  # type: ignore[arg-type]


def _ask(body: str) -> Exchange:
    """The query that checks what an update did: it must answer true."""
    return _post("", body, QUERY, format="boolean", boolean=True)


TESTS: dict[str, tuple[Exchange, ...]] = {
    # query_post_form: "query via URL-encoded POST"
    "query_post_form": (_post(f"?{DATA0}", "query=ASK%20%7B%7D", FORM, format="boolean", boolean=True),),
    # query_dataset_default_graphs_get: "GET query with protocol-specified default graph"
    "query_dataset_default_graphs_get": (
        Exchange(
            "GET",
            "?query=ASK%20%7B%20%3Chttp%3A%2F%2Fkasei.us%2F2009%2F09%2Fsparql%2Fdata%2Fdata1.rdf%3E%20a%20"
            "%3Ftype%20.%20%3Chttp%3A%2F%2Fkasei.us%2F2009%2F09%2Fsparql%2Fdata%2Fdata2.rdf%3E%20a%20%3Ftype"
            f"%20.%20%7D&default-graph-uri={D1}&default-graph-uri={D2}",
            format="boolean",
            boolean=True,
        ),
    ),
    # query_dataset_default_graphs_post: "POST query with protocol-specified default graphs"
    "query_dataset_default_graphs_post": (
        _post(
            f"?default-graph-uri={D1}&default-graph-uri={D2}",
            f"ASK {{ <{DATA}data1.rdf> a ?type . <{DATA}data2.rdf> a ?type . }}",
            QUERY,
            format="boolean",
            boolean=True,
        ),
    ),
    # query_dataset_named_graphs_post: "POST query with protocol-specified named graphs"
    "query_dataset_named_graphs_post": (
        _post(
            f"?named-graph-uri={D1}&named-graph-uri={D2}",
            f"ASK {{ GRAPH ?g1 {{ <{DATA}data1.rdf> a ?type }} GRAPH ?g2 {{ <{DATA}data2.rdf> a ?type }} }}",
            QUERY,
            format="boolean",
            boolean=True,
        ),
    ),
    # query_dataset_named_graphs_get: "GET query with protocol-specified named graphs"
    "query_dataset_named_graphs_get": (
        Exchange(
            "GET",
            "?query=ASK%20%7B%20GRAPH%20%3Fg1%20%7B%20%3Chttp%3A%2F%2Fkasei.us%2F2009%2F09%2Fsparql%2Fdata"
            "%2Fdata1.rdf%3E%20a%20%3Ftype%20%7D%20GRAPH%20%3Fg2%20%7B%20%3Chttp%3A%2F%2Fkasei.us%2F2009%2F09"
            f"%2Fsparql%2Fdata%2Fdata2.rdf%3E%20a%20%3Ftype%20%7D%20%7D&named-graph-uri={D1}&named-graph-uri={D2}",
            format="boolean",
            boolean=True,
        ),
    ),
    # query_dataset_full: "query with protocol-specified dataset (both named and default graphs)"
    "query_dataset_full": (
        _post(
            f"?default-graph-uri={D3}&named-graph-uri={D1}&named-graph-uri={D2}",
            f"ASK {{\n  <{DATA}data3.rdf> a ?type\n  GRAPH ?g1 {{ <{DATA}data1.rdf> a ?type }}\n"
            f"  GRAPH ?g2 {{ <{DATA}data2.rdf> a ?type }}\n}}",
            QUERY,
            format="boolean",
            boolean=True,
        ),
    ),
    # query_multiple_dataset: "query specifying dataset in both query string and protocol; test for use
    # of protocol-specified dataset"
    "query_multiple_dataset": (
        _post(
            f"?named-graph-uri={D1}&named-graph-uri={D2}",
            f"ASK FROM <{DATA}data3.rdf> {{ GRAPH ?g1 {{ <{DATA}data1.rdf> a ?type }} "
            f"GRAPH ?g2 {{ <{DATA}data2.rdf> a ?type }} }}",
            QUERY,
            format="boolean",
            boolean=True,
        ),
    ),
    # query_get: "query via GET"
    "query_get": (Exchange("GET", f"?query=ASK%20%7B%7D&{DATA0}", format="boolean", boolean=True),),
    # query_content_type_select: "query appropriate content type (expect one of: XML, JSON, CSV, TSV)"
    "query_content_type_select": (_post(f"?{DATA0}", "SELECT (1 AS ?value) {}", QUERY, format="tabular"),),
    # query_content_type_ask: "query appropriate content type (expect one of: XML, JSON)"
    "query_content_type_ask": (_post(f"?{DATA0}", "ASK {}", QUERY, format="boolean"),),
    # query_content_type_describe: "query appropriate content type (expect one of: RDF/XML, Turtle,
    # N-Triples, RDFa)"
    "query_content_type_describe": (
        _post(f"?{DATA0}", "DESCRIBE <http://example.org/>", QUERY, format="RDF"),
    ),
    # query_content_type_construct: "query appropriate content type (expect one of: RDF/XML, Turtle,
    # N-Triples, RDFa)"
    "query_content_type_construct": (
        _post(f"?{DATA0}", "CONSTRUCT { <s> <p> 1 } WHERE {}", QUERY, format="RDF"),
    ),
    # update_dataset_default_graph: "update with protocol-specified default graph"
    "update_dataset_default_graph": (
        _post(
            f"?using-graph-uri={D1}",
            PREFIXES + f"CLEAR ALL ;\nINSERT DATA {{\n    GRAPH <{DATA}data1.rdf> {{\n"
            f"        <{DATA}data1.rdf> a foaf:Document\n    }}\n}} ;\n"
            "INSERT {\n    GRAPH <http://example.org/protocol-update-dataset-test/> {\n"
            "        ?s a dc:BibliographicResource\n    }\n}\nWHERE {\n    ?s a foaf:Document\n}",
            UPDATE,
        ),
        _ask(
            "ASK {\n    GRAPH <http://example.org/protocol-update-dataset-test/> {\n"
            f"        <{DATA}data1.rdf> a <http://purl.org/dc/terms/BibliographicResource>\n    }}\n}}"
        ),
    ),
    # update_dataset_default_graphs: "update with protocol-specified default graphs"
    "update_dataset_default_graphs": (
        _post(
            f"?using-graph-uri={D1}&using-graph-uri={D2}",
            PREFIXES + "DROP ALL ;\n" + THREE_DOCUMENTS + "INSERT {\n    GRAPH "
            "<http://example.org/protocol-update-dataset-graphs-test/> {\n        ?s a dc:BibliographicResource"
            "\n    }\n}\nWHERE {\n    ?s a foaf:Document\n}",
            UPDATE,
        ),
        _ask(
            "ASK {\n    GRAPH <http://example.org/protocol-update-dataset-graphs-test/> {\n"
            f"        <{DATA}data1.rdf> a <http://purl.org/dc/terms/BibliographicResource> .\n"
            f"        <{DATA}data2.rdf> a <http://purl.org/dc/terms/BibliographicResource> .\n    }}\n"
            "    FILTER NOT EXISTS {\n        GRAPH <http://example.org/protocol-update-dataset-graphs-test/> {\n"
            f"            <{DATA}data3.rdf> a <http://purl.org/dc/terms/BibliographicResource> .\n"
            "        }\n    }\n}"
        ),
    ),
    # update_dataset_named_graphs: "update with protocol-specified named graphs"
    "update_dataset_named_graphs": (
        _post(
            f"?using-named-graph-uri={D1}&using-named-graph-uri={D2}",
            PREFIXES + "DROP ALL ;\n" + THREE_DOCUMENTS + "INSERT {\n    GRAPH "
            "<http://example.org/protocol-update-dataset-named-graphs-test/> {\n        ?s a "
            "dc:BibliographicResource\n    }\n}\nWHERE {\n    GRAPH ?g {\n        ?s a foaf:Document\n    }\n}",
            UPDATE,
        ),
        _ask(
            "ASK {\n    GRAPH <http://example.org/protocol-update-dataset-named-graphs-test/> {\n"
            f"        <{DATA}data1.rdf> a <http://purl.org/dc/terms/BibliographicResource> .\n"
            f"        <{DATA}data2.rdf> a <http://purl.org/dc/terms/BibliographicResource> .\n    }}\n"
            "    FILTER NOT EXISTS {\n        GRAPH <http://example.org/protocol-update-dataset-named-graphs-test/>"
            f" {{\n            <{DATA}data3.rdf> a <http://purl.org/dc/terms/BibliographicResource> .\n"
            "        }\n    }\n}"
        ),
    ),
    # update_dataset_full: "update with protocol-specified dataset (both named and default graphs)"
    "update_dataset_full": (
        _post(
            f"?using-graph-uri={D1}&using-named-graph-uri={D2}",
            PREFIXES + "DROP ALL ;\n" + THREE_DOCUMENTS + "INSERT {\n    GRAPH "
            "<http://example.org/protocol-update-dataset-full-test/> {\n        ?s <http://example.org/in> ?in\n"
            "    }\n}\nWHERE {\n    {\n        GRAPH ?g { ?s a foaf:Document }\n        BIND(?g AS ?in)\n    }\n"
            '    UNION\n    {\n        ?s a foaf:Document .\n        BIND("default" AS ?in)\n    }\n}',
            UPDATE,
        ),
        _ask(
            "ASK {\n    GRAPH <http://example.org/protocol-update-dataset-full-test/> {\n"
            f'        <{DATA}data1.rdf> <http://example.org/in> "default" .\n'
            f"        <{DATA}data2.rdf> <http://example.org/in> <{DATA}data2.rdf> .\n    }}\n"
            "    FILTER NOT EXISTS {\n        GRAPH <http://example.org/protocol-update-dataset-full-test/> {\n"
            f"            <{DATA}data3.rdf> ?p ?o\n        }}\n    }}\n}}"
        ),
    ),
    # update_post_form: "update via URL-encoded POST"
    "update_post_form": (_post("", "update=CLEAR+ALL", FORM),),
    # update_post_direct: "update via POST directly"
    "update_post_direct": (_post("", "CLEAR ALL", UPDATE),),
    # update_base_uri: "test for service-defined BASE URI ("which MAY be the service endpoint")"
    "update_base_uri": (
        _post(
            "",
            "CLEAR SILENT GRAPH <http://example.org/protocol-base-test/> ;\nINSERT DATA { GRAPH "
            "<http://example.org/protocol-base-test/> { <http://example.org/s> <http://example.org/p> <test> } }",
            UPDATE,
        ),
        _ask(
            "ASK {\n    GRAPH <http://example.org/protocol-base-test/> {\n        <http://example.org/s> "
            '<http://example.org/p> ?o\n        FILTER (isIRI(?o) && STR(?o) != "test")\n    }\n}'
        ),
    ),
    # query_post_direct: "query via POST directly"
    "query_post_direct": (_post("", "ASK {}", QUERY, format="boolean", boolean=True),),
    # bad_query_method: "invoke query operation with a method other than GET or POST"
    "bad_query_method": (Exchange("PUT", f"?query=ASK%20%7B%7D&{DATA0}", content_type=FORM, status=4),),
    # bad_multiple_queries: "invoke query operation with more than one query string"
    "bad_multiple_queries": (Exchange("GET", "?query=ASK%20%7B%7D&query=SELECT%20%2A%20%7B%7D", status=4),),
    # bad_query_wrong_media_type: "invoke query operation with a POST with media type that's not
    # url-encoded or application/sparql-query"
    "bad_query_wrong_media_type": (_post("", "ASK {}", "text/plain", status=4),),
    # bad_query_missing_form_type: "invoke query operation with url-encoded body, but without
    # application/x-www-form-urlencoded media type"
    "bad_query_missing_form_type": (_post("", "query=ASK%20%7B%7D", None, status=4),),
    # bad_query_missing_direct_type: "invoke query operation with SPARQL body, but without
    # application/sparql-query media type"
    "bad_query_missing_direct_type": (_post("", "ASK {}", None, status=4),),
    # bad_query_non_utf8: "invoke query operation with direct POST, but with a non-UTF8 encoding (UTF-16)"
    "bad_query_non_utf8": (
        Exchange("POST", "", "ASK {}".encode("utf-16"), f"{QUERY}; charset=UTF-16", status=4),
    ),
    # bad_query_syntax: "invoke query operation with invalid query syntax (4XX result)"
    "bad_query_syntax": (Exchange("GET", "?query=ASK%20%7B", status=4),),
    # bad_update_get: "invoke update operation with GET"
    "bad_update_get": (Exchange("GET", "?update=CLEAR%20ALL", status=4),),
    # bad_multiple_updates: "invoke update operation with more than one update string"
    "bad_multiple_updates": (_post("", "update=CLEAR%20NAMED&update=CLEAR%20DEFAULT", FORM, status=4),),
    # bad_update_wrong_media_type: "invoke update operation with a POST with media type that's not
    # url-encoded or application/sparql-update"
    "bad_update_wrong_media_type": (_post("", "CLEAR NAMED", "text/plain", status=4),),
    # bad_update_missing_form_type: "invoke update operation with url-encoded body, but without
    # application/x-www-form-urlencoded media type"
    "bad_update_missing_form_type": (_post("", "update=CLEAR%20NAMED", None, status=4),),
    # bad_update_non_utf8: "invoke update operation with direct POST, but with a non-UTF8 encoding"
    "bad_update_non_utf8": (
        Exchange("POST", "", "CLEAR NAMED".encode("utf-16"), f"{UPDATE}; charset=UTF-16", status=4),
    ),
    # bad_update_syntax: "invoke update operation with invalid update syntax"
    "bad_update_syntax": (_post("", "update=CLEAR%20XYZ", FORM, status=4),),
    # bad_update_dataset_conflict: "invoke update with both using-graph-uri/using-named-graph-uri parameter
    # and USING/WITH clause"
    "bad_update_dataset_conflict": (
        _post(
            "?using-named-graph-uri=http%3A%2F%2Fexample%2Fpeople",
            "PREFIX foaf:  <http://xmlns.com/foaf/0.1/>\nWITH <http://example/addresses>\n"
            "DELETE { ?person foaf:givenName 'Bill' }\nINSERT { ?person foaf:givenName 'William' }\n"
            "WHERE {\n    ?person foaf:givenName 'Bill'\n}",
            UPDATE,
            status=4,
        ),
    ),
}
#: The tests with ut:graphData (data1-3.nt in named graphs): they read it.
WITH_GRAPH_DATA = {
    "query_dataset_default_graphs_get",
    "query_dataset_default_graphs_post",
    "query_dataset_named_graphs_post",
    "query_dataset_named_graphs_get",
    "query_dataset_full",
    "query_multiple_dataset",
}
REFUSED_BY_THE_SHAPES = {
    "update_dataset_default_graph",
    "update_dataset_default_graphs",
    "update_dataset_named_graphs",
    "update_dataset_full",
}


def _store(location: Path, *, graph_data: bool) -> Path:
    """A fresh on-disk store, holding the tests' ``ut:graphData`` (dataN.nt in graph dataN.rdf) if asked."""
    documents = [ox.NamedNode(f"{DATA}data{n}.rdf") for n in (1, 2, 3)] if graph_data else []
    return closed_store(
        location, [ox.Quad(document, RDF_TYPE, FOAF_DOCUMENT, document) for document in documents]
    )


@pytest.fixture(scope="module")
def with_graph_data(serve: Callable[..., str], tmp_path_factory: pytest.TempPathFactory) -> str:
    """The service on a store holding data1-3 in their named graphs, writes on."""
    return serve(
        store=_store(tmp_path_factory.mktemp("w3c-data") / "store", graph_data=True), write_token=TOKEN
    )


@pytest.fixture(scope="module")
def empty(serve: Callable[..., str], tmp_path_factory: pytest.TempPathFactory) -> str:
    """The service on an empty store, writes on: for the tests that write their own data."""
    return serve(
        store=_store(tmp_path_factory.mktemp("w3c-empty") / "store", graph_data=False), write_token=TOKEN
    )


def exchange(base: str, step: Exchange) -> None:
    """Send one request and check its response as the manifest says."""
    headers = {"Authorization": f"Bearer {TOKEN}"}
    if step.content_type is not None:
        headers["Content-Type"] = step.content_type
    response = httpx.request(step.method, f"{base}/sparql{step.path}", content=step.body, headers=headers)
    if response.status_code == 422 and response.json()["type"].endswith("/shape-violation"):
        raise RefusedByShapes(response.json()["detail"])
    allowed = (2, 3) if step.status == 2 else (4,)
    assert response.status_code // 100 in allowed, f"{response.status_code}: {response.text}"
    if step.status == 4:
        assert response.headers["content-type"] == PROBLEM
    if step.format is None:
        return
    media_type = response.headers["content-type"].split(";")[0]
    assert media_type in RESULT_TYPES[step.format]
    if step.boolean is not None:
        answer = ox.parse_query_results(
            response.content, format=ox.QueryResultsFormat.from_media_type(media_type)
        )
        assert isinstance(answer, ox.QueryBoolean) and bool(answer) is step.boolean


def _case(name: str) -> object:
    marks = (
        [pytest.mark.xfail(reason=UNLABELLED, raises=RefusedByShapes, strict=True)]
        if name in REFUSED_BY_THE_SHAPES
        else []
    )
    return pytest.param(name, id=name, marks=marks)


@pytest.mark.parametrize("name", [_case(name) for name in TESTS])
def test_w3c_protocol(name: str, request: pytest.FixtureRequest) -> None:
    base = request.getfixturevalue("with_graph_data" if name in WITH_GRAPH_DATA else "empty")
    for step in TESTS[name]:
        exchange(base, step)


def test_the_manifest_has_34_tests() -> None:
    assert len(TESTS) == 34


LABELS = (
    f'INSERT DATA {{ <{DATA}data1.rdf> <http://www.w3.org/2000/01/rdf-schema#label> "data 1"@en . '
    f'<{DATA}data2.rdf> <http://www.w3.org/2000/01/rdf-schema#label> "data 2"@en . '
    f'<{DATA}data3.rdf> <http://www.w3.org/2000/01/rdf-schema#label> "data 3"@en }} ;\n'
)


@pytest.mark.parametrize("name", sorted(REFUSED_BY_THE_SHAPES))
def test_the_dataset_updates_with_labels(name: str, empty: str) -> None:
    """The four updates our shapes refuse, with the English labels they want added: the datasets hold."""
    update, check = TESTS[name]
    assert update.body is not None
    text = update.body.decode()
    at = text.index("INSERT DATA")
    labelled = text[:at] + LABELS + text[at:]
    exchange(empty, Exchange(update.method, update.path, labelled.encode(), update.content_type))
    exchange(empty, check)
