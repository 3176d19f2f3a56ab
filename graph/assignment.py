"""Reading a file into source graphs: which source's graph each triple of a triple file goes to.

TriG and N-Quads files name their graphs, and keep them. The triples of a
Turtle, N-Triples, JSON-LD or RDF/XML file (and of a TriG file's default graph)
are assigned to source graphs by this rule:

1. A file that cites exactly one source (one object of ``dct:source``) puts all
   its triples in that source's graph: a file per article needs nothing more.
2. Otherwise a subject with ``dct:source X`` goes, with all its triples, to X's
   graph, and X's own triples go there too.
3. The vocabulary's own terms (subjects in the ``sg:`` namespace) go to the
   vocabulary graph.
4. A subject that cites no source goes to the graph of every source whose
   triples point at it, and so on along such subjects: an actor two sources'
   positions name is in both graphs, and outlives either.
5. Anything still left (a file that cites no source, a node nothing points at)
   is a :class:`SourceAssignmentError` naming some of its subjects: give them a
   ``dct:source``, or write the file as TriG with one graph per source.

Sources need stancegraph ids: ``id/ID`` goes to ``graph/ID`` (``graph/sources.py``).
Truthy edges written in the file are dropped: the loader derives them again,
into the graph of the node they come from. All of it runs in Oxigraph as a few
SPARQL updates over the whole file, never a Python object per triple.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox

from stancegraph.graph.errors import SourceAssignmentError
from stancegraph.graph.queries import bind_values, load_query
from stancegraph.graph.rdf_files import load_into
from stancegraph.graph.sources import source_graph
from stancegraph.ontology import GRAPH, ID, SG, VOCABULARY_GRAPH

_BASES = {"idBase": ox.Literal(str(ID)), "graphBase": ox.Literal(str(GRAPH))}
_VOCABULARY: dict[str, ox.NamedNode | ox.Literal] = {
    "vocabularyBase": ox.Literal(str(SG).rstrip("#")),
    "vocabularyGraph": VOCABULARY_GRAPH,
}


def read_into_graphs(
    store: ox.Store, path: Path, *, on_progress: Callable[[int], None] | None = None
) -> None:
    """Parse a file into ``store``: its named graphs as they are, its other triples into source graphs.

    ``store``'s default graph must be empty: it holds the file while its triples are assigned.
    """
    load_into(store, path, on_progress=on_progress)
    assign_default_graph(store, str(path))


def assign_default_graph(store: ox.Store, origin: str) -> None:
    """Move every triple of ``store``'s default graph into source graphs by the module's rule.

    ``origin`` names the data in the error (a file name). After an error ``store`` is half
    assigned: the loaders only ever do this in a store they throw away on failure.
    """
    store.update(load_query("forget-written-edges"))
    if not store.query("ASK { ?s ?p ?o }"):
        return
    cited = [row["source"] for row in store.query(load_query("cited-sources"))]  # type: ignore[union-attr]
    if len(cited) == 1:
        if not isinstance(cited[0], ox.NamedNode):
            raise SourceAssignmentError(f"{origin}: dct:source must name a document, not {cited[0]}")
        store.update(f"ADD DEFAULT TO {source_graph(cited[0])}")
    else:
        store.update(bind_values(load_query("assign-cited"), _BASES))
        store.update(bind_values(load_query("assign-vocabulary"), _VOCABULARY))
        size = -1
        while size != (size := len(store)):
            store.update(load_query("assign-referenced"))
        left = [row["subject"] for row in store.query(load_query("unassigned"))]  # type: ignore[union-attr]
        if left:
            raise SourceAssignmentError(
                f"{origin}: cannot tell which source says {', '.join(map(str, left))}"
                f"{' and more' if len(left) == 5 else ''}: give them a dct:source with a stancegraph id, "
                "or write the file as TriG with one graph per source"
            )
    store.update("CLEAR DEFAULT")
