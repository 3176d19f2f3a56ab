"""The stancegraph vocabulary as Python constants, and where its Turtle files live.

The Turtle files (``stancegraph.ttl`` for the vocabulary, ``shapes.ttl`` for the
SHACL shapes) are the source of truth; this module only names things so that
Python code does not spell IRIs by hand.
"""

from pathlib import Path

from pyoxigraph import NamedNode

ONTOLOGY_DIR = Path(__file__).resolve().parent
VOCABULARY_FILE = ONTOLOGY_DIR / "stancegraph.ttl"
SHAPES_FILE = ONTOLOGY_DIR / "shapes.ttl"


class Namespace(str):
    """An IRI prefix whose attributes are the IRIs under it, as pyoxigraph terms.

    >>> SG.Position
    <NamedNode value=https://w3id.org/stancegraph/ns#Position>
    """

    __slots__ = ()

    def __getattr__(self, name: str) -> NamedNode:
        if name.startswith("__"):
            raise AttributeError(name)
        return NamedNode(self + name)

    def term(self, name: str) -> NamedNode:
        """The IRI for a local name that is not a Python identifier (``ID.term("plan-28-point")``)."""
        return NamedNode(self + name)


SG = Namespace("https://w3id.org/stancegraph/ns#")
ID = Namespace("https://w3id.org/stancegraph/id/")
#: Named graphs: ``GRAPH.ID`` holds what the source document ``ID.ID`` says (see ``graph/sources.py``).
GRAPH = Namespace("https://w3id.org/stancegraph/graph/")
#: The graph that holds the vocabulary (``stancegraph.ttl``), apart from every source's data.
VOCABULARY_GRAPH = GRAPH.vocabulary
#: The words for certainty (curation files, API parameters, payloads), surest first, and their IRIs.
CERTAINTIES: dict[str, NamedNode] = {"stated": SG.Stated, "reported": SG.Reported, "believed": SG.Believed}
#: The words for a stance, and their IRIs.
STANCES: dict[str, NamedNode] = {"supports": SG.Support, "opposes": SG.Opposition}

PREFIXES: dict[str, str] = {
    "sg": str(SG),
    "id": str(ID),
    "graph": str(GRAPH),
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dct": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "org": "http://www.w3.org/ns/org#",
    "schema": "https://schema.org/",
    "oa": "http://www.w3.org/ns/oa#",
}

__all__ = [
    "GRAPH",
    "ID",
    "ONTOLOGY_DIR",
    "PREFIXES",
    "SG",
    "SHAPES_FILE",
    "VOCABULARY_FILE",
    "VOCABULARY_GRAPH",
    "Namespace",
]
