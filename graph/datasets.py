"""Which RDF dataset a SPARQL operation runs on, as the SPARQL 1.1 Protocol says.

A query's dataset comes from the request's ``default-graph-uri`` and
``named-graph-uri`` if it names any; else from its own ``FROM`` and ``FROM
NAMED``; else it is the service's: here, a default graph that is the union of
every graph (each source document's facts live in a graph of their own, and a
question about actors should not have to know that).

An update's dataset for its ``WHERE`` comes from ``using-graph-uri`` and
``using-named-graph-uri``. Oxigraph takes no such argument for updates, so
they become ``USING``/``USING NAMED`` clauses in each ``DELETE``/``INSERT ...
WHERE`` operation, which is what the protocol defines them to mean; an update
that says ``USING`` or ``WITH`` itself conflicts with them (a 400).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from stancegraph.graph.errors import StancegraphError
from stancegraph.graph.sparql_lexer import tokens

# Most queries say no FROM at all; only those that may are lexed.
_MAYBE_FROM = re.compile("from", re.IGNORECASE)


class DatasetConflictError(StancegraphError):
    """An update with ``using-graph-uri``/``using-named-graph-uri`` that also says ``USING`` or ``WITH``."""


@dataclass(frozen=True)
class Dataset:
    """The graphs an operation may read: ``None`` for both means the service's own dataset."""

    default_graph: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None

    @property
    def given(self) -> bool:
        return self.default_graph is not None or self.named_graphs is not None


def declares_dataset(query: str) -> bool:
    """Whether a query says ``FROM`` or ``FROM NAMED`` (outside strings, IRIs and comments).

    >>> declares_dataset("SELECT * FROM <urn:g> { ?s ?p ?o }"), declares_dataset('ASK { ?from ?p "FROM" }')
    (True, False)
    """
    return bool(_MAYBE_FROM.search(query)) and any(t.is_keyword("FROM") for t in tokens(query))


def query_arguments(query: str, dataset: Dataset, *, union_default_graph: bool = True) -> dict[str, Any]:
    """pyoxigraph ``Store.query`` arguments for running ``query`` on ``dataset``.

    A protocol dataset replaces the query's own entirely: a graph it does not list is
    not there (so only ``named-graph-uri`` means an empty default graph). Without one,
    a query that names no graphs itself gets the union of all graphs as its default
    graph (when ``union_default_graph``), and pyoxigraph follows ``FROM`` otherwise.

    >>> query_arguments("ASK {}", Dataset(named_graphs=("urn:g",)))
    {'default_graph': [], 'named_graphs': [<NamedNode value=urn:g>]}
    >>> query_arguments("ASK {}", Dataset())
    {'use_default_graph_as_union': True}
    """
    if dataset.given:
        return {
            "default_graph": [ox.NamedNode(iri) for iri in dataset.default_graph or ()],
            "named_graphs": [ox.NamedNode(iri) for iri in dataset.named_graphs or ()],
        }
    if union_default_graph and not declares_dataset(query):
        return {"use_default_graph_as_union": True}
    return {}


def with_using(update: str, default_graphs: Sequence[str], named_graphs: Sequence[str]) -> str:
    """``update`` with ``USING <g>`` and ``USING NAMED <g>`` in every ``DELETE``/``INSERT ... WHERE``.

    The clauses go right before each such operation's ``WHERE``: the one at the top
    level that follows a ``}`` (a ``DELETE WHERE`` shorthand has no place for them,
    and takes the service's dataset).

    >>> with_using("INSERT { ?s a <urn:c> } WHERE { ?s ?p ?o }", ["urn:g"], [])
    'INSERT { ?s a <urn:c> } USING <urn:g> WHERE { ?s ?p ?o }'
    >>> with_using("WITH <urn:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", [], ["urn:n"])
    Traceback (most recent call last):
    ...
    graph.datasets.DatasetConflictError: the update says WITH, and using-graph-uri or using-named-graph-uri were given too: the protocol allows one or the other
    """
    if not default_graphs and not named_graphs:
        return update
    clauses = "".join(f"USING <{iri}> " for iri in default_graphs)
    clauses += "".join(f"USING NAMED <{iri}> " for iri in named_graphs)
    found = list(tokens(update))
    places = []
    depth = 0
    for index, token in enumerate(found):
        if token.is_keyword("USING", "WITH"):
            raise DatasetConflictError(
                f"the update says {token.text.upper()}, and using-graph-uri or using-named-graph-uri were "
                "given too: the protocol allows one or the other"
            )
        if token.text == "{":
            depth += 1
        elif token.text == "}":
            depth -= 1
        elif depth == 0 and token.is_keyword("WHERE") and index and found[index - 1].text == "}":
            places.append(token.start)
    for place in reversed(places):
        update = update[:place] + clauses + update[place:]
    return update
