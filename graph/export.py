"""Writing the dataset out for other tools: RDF serialisations, graph formats and a table of positions."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import BinaryIO

import networkx as nx
import pyoxigraph as ox

from stancegraph.graph.errors import NotFoundError, UnsupportedFormatError
from stancegraph.graph.projection import STANCE_RELATIONS, stance_graph
from stancegraph.graph.store import Store
from stancegraph.graph.terms import local_id, resource
from stancegraph.ontology import PREFIXES

RDF_FORMATS: dict[str, ox.RdfFormat] = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}
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


# Formats drawn from the projection rather than serialised from the triples.
WRITERS: dict[str, Callable[[Store, BinaryIO], None]] = {
    "graphml": lambda store, out: nx.write_graphml(_flat(stance_graph(store)), out),
    "gexf": lambda store, out: nx.write_gexf(_flat(stance_graph(store)), out),
    "positions-csv": write_positions_csv,
}
FORMATS = [*RDF_FORMATS, *WRITERS]


def export(store: Store, format_name: str, out: BinaryIO, *, document: str | None = None) -> None:
    """Write the dataset to ``out`` in one of :data:`FORMATS`.

    With ``document`` (RDF formats only) just what that source document backs, see
    :func:`document_triples`: the slice an analyst hands on with the article it comes from.
    """
    if format_name in RDF_FORMATS:
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
