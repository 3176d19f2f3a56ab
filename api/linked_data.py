"""``/id/{name}``: every resource IRI dereferences to its description.

Turtle, N-Triples, RDF/XML, JSON-LD or N3 by ``Accept`` (or ``format=``), and
for a browser an HTML page: label, types, every property with links to the
neighbours, the positions it takes or that are taken on it (with quotes), and
links to the viewer and the JSON API. All data is escaped by the template engine.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Annotated

import pyoxigraph as ox
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from stancegraph.api.dependencies import CatalogDep, StoreDep
from stancegraph.api.negotiation import GRAPHS, HTML, Format
from stancegraph.api.pages import render
from stancegraph.api.problems import PROBLEM_RESPONSES, ProblemError
from stancegraph.graph.errors import NotFoundError
from stancegraph.graph.kinds import node_kinds
from stancegraph.graph.terms import local_id
from stancegraph.ontology import ID, PREFIXES, SG

router = APIRouter(tags=["linked data"], responses=PROBLEM_RESPONSES)
RDFS_LABEL = PREFIXES["rdfs"] + "label"
RDF_TYPE = PREFIXES["rdf"] + "type"
JSON_TWINS = {SG.Actor: "actors", SG.Draft: "documents", SG.Clause: "clauses"}


def curie(iri: str) -> str:
    """A prefixed name for ``iri`` when a known prefix covers it.

    >>> curie("https://w3id.org/stancegraph/ns#quote")
    'sg:quote'
    """
    best = max((ns for ns in PREFIXES.values() if iri.startswith(ns)), key=len, default=None)
    if best is None:
        return iri
    prefix = next(name for name, ns in PREFIXES.items() if ns == best)
    return f"{prefix}:{iri[len(best) :]}"


@dataclass(frozen=True)
class Value:
    """One object or subject on the page: text to show, and where it links (inside this service only)."""

    text: str
    href: str | None = None
    note: str | None = None


def _value(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple, labels: dict[str, str]) -> Value:
    if isinstance(term, ox.NamedNode):
        if term.value.startswith(ID):
            return Value(labels.get(term.value, local_id(term.value)), href=f"/id/{local_id(term.value)}")
        return Value(labels.get(term.value, curie(term.value)), note=curie(term.value))
    if isinstance(term, ox.Literal):
        note = term.language or (
            None if term.datatype.value.endswith("#string") else curie(term.datatype.value)
        )
        return Value(term.value, note=note)
    return Value(str(term))


def _page(
    request: Request, name: str, node: ox.NamedNode, triples: list[ox.Triple], catalog: CatalogDep
) -> Response:
    labels = {
        t.subject.value: t.object.value
        for t in triples
        if t.predicate.value == RDFS_LABEL
        and isinstance(t.subject, ox.NamedNode)
        and isinstance(t.object, ox.Literal)
    }
    outgoing: dict[str, list[Value]] = defaultdict(list)
    incoming: list[tuple[str, Value]] = []
    for triple in triples:
        if triple.subject == node and triple.predicate.value not in (RDFS_LABEL, RDF_TYPE):
            outgoing[curie(triple.predicate.value)].append(_value(triple.object, labels))
        elif triple.object == node:
            incoming.append((curie(triple.predicate.value), _value(triple.subject, labels)))
    types = [_value(t.object, labels) for t in triples if t.subject == node and t.predicate.value == RDF_TYPE]
    groups = {row["group"] for row in node_kinds(catalog.store, nodes=[node])}
    twin = next((f"/api/{path}/{name}" for group, path in JSON_TWINS.items() if group in groups), None)
    if twin is None and catalog.documents(document=node):
        twin = f"/api/documents/{name}"
    return render(
        request,
        "resource.html",
        {
            "name": name,
            "iri": node.value,
            "label": labels.get(node.value, name),
            "types": types,
            "properties": sorted(outgoing.items()),
            "incoming": sorted(incoming, key=lambda item: (item[0], item[1].text)),
            "positions": [*catalog.positions(actor=node), *catalog.positions(target=node)],
            "json_twin": twin,
            "in_viewer": bool(groups),
        },
    )


@router.get("/id/{name}", summary="Dereference a resource IRI")
def describe(
    request: Request,
    store: StoreDep,
    catalog: CatalogDep,
    name: Annotated[str, Path(description="The local name of the IRI, e.g. `plan-28-amnesty`.")],
    format: Annotated[
        str | None, Query(description="Overrides Accept: turtle, ntriples, rdfxml, jsonld, n3 or html.")
    ] = None,
) -> Response:
    """What the graph says of a resource and of its neighbours' names: RDF by `Accept`, HTML for browsers."""
    try:
        node = ID.term(name)
    except ValueError:
        raise NotFoundError("resource", name) from None
    triples = store.triples("describe", resource=node)
    if not triples:
        raise NotFoundError("resource", name)
    accept = request.headers.get("accept")
    if format is not None:
        choice: Format | str | None = HTML if format.lower() == "html" else GRAPHS.named(format)
    else:
        choice = GRAPHS.negotiate_with(accept, [HTML])
    if choice == HTML:
        return _page(request, name, node, triples, catalog)
    if not isinstance(choice, Format):
        asked = f"format={format}" if format is not None else f"Accept: {accept}"
        raise ProblemError(
            406,
            f"a resource is described as {', '.join([*GRAPHS.served(), HTML])}, not {asked}",
            slug="not-acceptable",
        )
    body = ox.serialize(triples, format=choice.rdf_format, prefixes=PREFIXES)
    return Response(body, media_type=choice.media_type, headers={"Vary": "Accept"})
