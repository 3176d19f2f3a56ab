"""The SPARQL 1.1 service description of ``/sparql`` (W3C ``sd:`` vocabulary), as RDF triples.

It lists what a client may rely on: the endpoint, SPARQL 1.1 Query, every
result format we write, and a default dataset whose default graph is the
union of all its graphs (``sd:UnionDefaultGraph``: each source's facts are
in a graph of their own, and a query that names no dataset reads them all).
"""

from __future__ import annotations

import pyoxigraph as ox

from stancegraph.api.negotiation import GRAPHS, SOLUTIONS
from stancegraph.ontology import PREFIXES

SD = "http://www.w3.org/ns/sparql-service-description#"
RDF_TYPE = ox.NamedNode(PREFIXES["rdf"] + "type")
DCT_TITLE = ox.NamedNode(PREFIXES["dct"] + "title")


def _sd(name: str) -> ox.NamedNode:
    return ox.NamedNode(SD + name)


def service_description(endpoint: str) -> list[ox.Triple]:
    """Triples describing the endpoint at ``endpoint``.

    >>> triples = service_description("http://localhost:8000/sparql")
    >>> any(t.object == _sd("SPARQL11Query") for t in triples)
    True
    >>> [t.object for t in triples if t.predicate == _sd("feature")] == [_sd("UnionDefaultGraph")]
    True
    """
    service, dataset, graph = ox.BlankNode(), ox.BlankNode(), ox.BlankNode()
    triples = [
        ox.Triple(service, RDF_TYPE, _sd("Service")),
        ox.Triple(service, _sd("endpoint"), ox.NamedNode(endpoint)),
        ox.Triple(service, _sd("supportedLanguage"), _sd("SPARQL11Query")),
        ox.Triple(service, _sd("feature"), _sd("UnionDefaultGraph")),
        ox.Triple(service, DCT_TITLE, ox.Literal("stancegraph: who supports and who opposes which clause")),
        ox.Triple(service, _sd("defaultDataset"), dataset),
        ox.Triple(dataset, RDF_TYPE, _sd("Dataset")),
        ox.Triple(dataset, _sd("defaultGraph"), graph),
        ox.Triple(graph, RDF_TYPE, _sd("Graph")),
    ]
    for table in (SOLUTIONS, GRAPHS):
        triples.extend(
            ox.Triple(service, _sd("resultFormat"), ox.NamedNode(f.format.iri)) for f in table.formats()
        )
    return triples
