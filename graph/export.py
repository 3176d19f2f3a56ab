"""Writing the dataset out for other tools: RDF serialisations, graph formats and a table of positions.

TriG and N-Quads keep each source's named graph; the triple formats write the
union of the graphs (a triple two sources hold, once).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import BinaryIO

import networkx as nx
import pyoxigraph as ox

from stancegraph.graph.errors import NotFoundError, StancegraphError, UnsupportedFormatError
from stancegraph.graph.projection import STANCE_RELATIONS, stance_graph
from stancegraph.graph.sources import source_graph
from stancegraph.graph.store import Store
from stancegraph.graph.terms import local_id, resource
from stancegraph.ontology import PREFIXES

RDF_FORMATS: dict[str, ox.RdfFormat] = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}
# Formats that keep each source's graph; the triple formats above write the union.
DATASET_FORMATS: dict[str, ox.RdfFormat] = {"trig": ox.RdfFormat.TRIG, "nquads": ox.RdfFormat.N_QUADS}
STANCES = tuple(STANCE_RELATIONS.values())
POSITION_COLUMNS = (
    "position",
    "actor",
    "actor_label",
    "stance",
    "target",
    "target_label",
    "draft",
    "quote",
    "source",
    "source_label",
    "date",
    "certainty",
)


def _flat(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """GraphML and GEXF accept only scalar attributes: drop the empty ones."""
    flat = nx.MultiDiGraph()
    for node, data in graph.nodes(data=True):
        flat.add_node(node, **{k: v for k, v in data.items() if v is not None})
    for source, target, key, data in graph.edges(keys=True, data=True):
        flat.add_edge(source, target, key=key, **{k: v for k, v in data.items() if v is not None})
    return flat


def position_rows(store: Store) -> list[dict[str, str]]:
    """One flat row per position, in :data:`POSITION_COLUMNS`: ids, labels and the evidence.

    Ids are short ids (``/id/{id}``); the date is as the source gives it (a day, a
    month or a year), empty when there is none; ``stance`` is the projection's verb.
    """
    graph = stance_graph(store)
    rows = []
    for actor, target, key, data in graph.edges(keys=True, data=True):
        if data["relation"] not in STANCES:
            continue
        rows.append(
            {
                "position": local_id(key),
                "actor": local_id(actor),
                "actor_label": str(graph.nodes[actor]["label"]),
                "stance": str(data["relation"]),
                "target": local_id(target),
                "target_label": str(graph.nodes[target]["label"]),
                "draft": local_id(str(data["document"])),
                "quote": str(data["quote"]),
                "source": local_id(str(data["source"])),
                "source_label": str(data["source_label"]),
                "date": str(data["date"] or ""),
                "certainty": str(data["certainty"]),
            }
        )
    return rows


def write_positions_csv(store: Store, out: BinaryIO) -> None:
    """The positions as UTF-8 CSV with a header row, one line per position."""
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    writer = csv.DictWriter(text, fieldnames=POSITION_COLUMNS)
    writer.writeheader()
    writer.writerows(position_rows(store))
    text.detach()  # leave ``out`` open for the caller


def document_triples(store: Store, document: str) -> list[ox.Triple]:
    """What one source document backs: the document, every resource whose ``dct:source`` it is,
    and the labels of what they point to (the ``source-document`` query).

    ``document`` is a short id or an IRI; one that names no document is a :class:`NotFoundError`.
    """
    try:
        iri = resource(document)
    except ValueError:  # not even an IRI: it names nothing
        raise NotFoundError("document", document) from None
    if not store.rows("documents", document=iri):
        raise NotFoundError("document", document)
    return store.triples("source-document", document=iri)


def _graph_of(document: str) -> ox.NamedNode:
    """The graph of a source given by short id or IRI; a :class:`NotFoundError` if it cannot have one."""
    try:
        return source_graph(resource(document))
    except (ValueError, StancegraphError):
        raise NotFoundError("source", document) from None


# Formats drawn from the projection rather than serialised from the triples.
WRITERS: dict[str, Callable[[Store, BinaryIO], None]] = {
    "graphml": lambda store, out: nx.write_graphml(_flat(stance_graph(store)), out),
    "gexf": lambda store, out: nx.write_gexf(_flat(stance_graph(store)), out),
    "positions-csv": write_positions_csv,
}
FORMATS = [*RDF_FORMATS, *DATASET_FORMATS, *WRITERS]


def export(store: Store, format_name: str, out: BinaryIO, *, document: str | None = None) -> None:
    """Write the dataset to ``out`` in one of :data:`FORMATS`.

    With ``document`` (RDF formats only) just what that source document backs, see
    :func:`document_triples`: the slice an analyst hands on with the article it comes from;
    in TriG or N-Quads, that source's graph.
    """
    if format_name in DATASET_FORMATS:
        quads = store.quads(None if document is None else _graph_of(document))
        if document is not None and not quads:
            raise NotFoundError("source", document)
        rdf_format = DATASET_FORMATS[format_name]
        ox.serialize(quads, out, rdf_format, prefixes=PREFIXES if rdf_format == ox.RdfFormat.TRIG else None)
    elif format_name in RDF_FORMATS:
        if document is None:
            triples = store.construct("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
        else:
            triples = document_triples(store, document)
        rdf_format = RDF_FORMATS[format_name]
        prefixes = PREFIXES if rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML) else None
        ox.serialize(triples, out, rdf_format, prefixes=prefixes)
    elif format_name not in WRITERS:
        raise UnsupportedFormatError(
            f"unknown export format {format_name!r}; use one of {', '.join(FORMATS)}"
        )
    elif document is not None:
        raise UnsupportedFormatError(
            f"one document's slice is RDF: use {', '.join(RDF_FORMATS)}, not {format_name!r}"
        )
    else:
        WRITERS[format_name](store, out)
