"""Writing the dataset out for other tools: RDF serialisations and graph formats."""

from __future__ import annotations

from collections.abc import Callable
from typing import BinaryIO

import networkx as nx
import pyoxigraph as ox

from graph.errors import UnsupportedFormatError
from graph.projection import stance_graph
from graph.store import Store
from ontology import PREFIXES

RDF_FORMATS: dict[str, ox.RdfFormat] = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}


def _flat(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """GraphML and GEXF accept only scalar attributes: drop the empty ones."""
    flat = nx.MultiDiGraph()
    for node, data in graph.nodes(data=True):
        flat.add_node(node, **{k: v for k, v in data.items() if v is not None})
    for source, target, key, data in graph.edges(keys=True, data=True):
        flat.add_edge(source, target, key=key, **{k: v for k, v in data.items() if v is not None})
    return flat


GRAPH_WRITERS: dict[str, Callable[[nx.MultiDiGraph, BinaryIO], None]] = {
    "graphml": lambda graph, out: nx.write_graphml(graph, out),
    "gexf": lambda graph, out: nx.write_gexf(graph, out),
}
FORMATS = [*RDF_FORMATS, *GRAPH_WRITERS]


def export(store: Store, format_name: str, out: BinaryIO) -> None:
    """Write the whole dataset to ``out`` in one of :data:`FORMATS`."""
    if format_name in RDF_FORMATS:
        triples = store.construct("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
        rdf_format = RDF_FORMATS[format_name]
        prefixes = PREFIXES if rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML) else None
        ox.serialize(triples, out, rdf_format, prefixes=prefixes)
    elif format_name in GRAPH_WRITERS:
        GRAPH_WRITERS[format_name](_flat(stance_graph(store)), out)
    else:
        raise UnsupportedFormatError(
            f"unknown export format {format_name!r}; use one of {', '.join(FORMATS)}"
        )
