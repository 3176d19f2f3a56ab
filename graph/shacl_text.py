"""Terms written the way pyshacl writes them in validation results, so that both engines agree word for word.

pyshacl renders a node in a default message with its ``stringify_node`` (a prefixed
name if the graph binds the namespace, ``<iri>`` if not, ``Literal("lex", datatype=…)``
for literals, ``[ p o ]`` for a blank node shape), and a result's ``sh:value`` as
rdflib's ``str``, which normalises literals (``"2025-11-20T00:00:00Z"`` becomes
``2025-11-20T00:00:00+00:00``). Going through rdflib terms here is what makes the
texts equal; it only runs for violations, so it costs nothing on valid data.

>>> data_text(ox.NamedNode("http://www.w3.org/2001/XMLSchema#date"))
'xsd:date'
>>> data_text(ox.Literal("everything"))
'Literal("everything")'
>>> value_text(ox.Literal("true", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean")))
'true'
"""

from __future__ import annotations

from functools import cache

import pyoxigraph as ox
import rdflib
from rdflib.namespace import NamespaceManager

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


def to_rdflib(term: Term) -> rdflib.term.Node:
    """The rdflib twin of an Oxigraph term (what pyshacl sees when it reads the same data)."""
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return rdflib.Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        plain = datatype == "http://www.w3.org/2001/XMLSchema#string"
        return rdflib.Literal(term.value, datatype=None if plain else rdflib.URIRef(datatype))
    raise TypeError(f"RDF-star triples are not validated: {term}")


@cache
def data_namespaces() -> NamespaceManager:
    """The prefixes of a fresh rdflib graph: the data graph pyshacl is given binds no others."""
    return rdflib.Graph().namespace_manager


def value_text(term: Term) -> str:
    """A result's ``sh:value`` or focus node as text (``str`` of the rdflib term)."""
    return str(to_rdflib(term))


def data_text(term: Term) -> str:
    """A data node as pyshacl writes it in a default message."""
    return node_text(to_rdflib(term), data_namespaces(), None)


def node_text(node: rdflib.term.Node, namespaces: NamespaceManager, graph: rdflib.Graph | None) -> str:
    """pyshacl's ``stringify_node``: ``graph`` describes blank nodes (the shapes graph), if any."""
    if isinstance(node, rdflib.Literal):
        return _literal_text(node, namespaces)
    if isinstance(node, rdflib.BNode) and graph is not None:
        return _blank_text(node, namespaces, graph)
    if isinstance(node, rdflib.URIRef):
        return node.n3(namespace_manager=namespaces)
    return str(node)


def _literal_text(literal: rdflib.Literal, namespaces: NamespaceManager) -> str:
    lexical = str(literal)
    value = None if literal.value is None else str(literal.value)
    text = f'"{lexical}" = {value}' if value is not None and value != lexical else f'"{lexical}"'
    if literal.language:
        text += f", lang={literal.language}"
    if literal.datatype:
        text += f", datatype={node_text(literal.datatype, namespaces, None)}"
    return f"Literal({text})"


def _blank_text(node: rdflib.BNode, namespaces: NamespaceManager, graph: rdflib.Graph) -> str:
    """``( a b )`` for a list, ``[ p o ; q r ]`` (sorted) for any other blank node."""
    if (node, rdflib.RDF.first, None) in graph:
        return "( " + " ".join(node_text(item, namespaces, graph) for item in graph.items(node)) + " )"
    parts = {}
    for predicate in set(graph.predicates(node)):
        objects = sorted(node_text(o, namespaces, graph) for o in graph.objects(node, predicate))
        parts[predicate.n3(namespace_manager=namespaces)] = ", ".join(objects)
    if not parts:
        return "[ ]"
    return "[ " + " ; ".join(f"{p} {o}" for p, o in sorted(parts.items())) + " ]"
