"""What a query is before anyone runs it: its form, and whether it names its own dataset.

A relay needs both. Its ``Accept`` header must offer only formats for the
query's form, because engines disagree on a mixed list: Virtuoso 7.2 answers a
CONSTRUCT asked for ``application/sparql-results+xml, application/n-triples``
with a 406, and a SELECT asked for N-Triples with the solutions written as RDF,
so the response's ``Content-Type`` cannot tell which kind came back. And the
service's default dataset (the graphs that hold the data) must not override a
query's own ``FROM``: protocol parameters win over the query's dataset.
"""

from __future__ import annotations

from stancegraph.graph.sparql_lexer import tokens

#: The query forms, by the kind of result each gives.
KINDS = {"SELECT": "select", "ASK": "ask", "CONSTRUCT": "graph", "DESCRIBE": "graph"}
#: The words an update's operations start with.
UPDATES = {"INSERT", "DELETE", "WITH", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD"}


def first_keyword(query: str) -> str | None:
    """The first keyword after the prologue (``BASE`` and ``PREFIX`` declarations), upper-cased.

    A query form's (:data:`KINDS`), or an update operation's (:data:`UPDATES`: some engines run an
    update sent as a query), or something else, which the engine will refuse.

    >>> first_keyword("PREFIX ex: <http://e/> insert data { ex:a ex:b ex:c }")
    'INSERT'
    >>> first_keyword("# ASK\\nSELECT * {}"), first_keyword("SELEC *"), first_keyword("{}")
    ('SELECT', 'SELEC', None)
    """
    for token in tokens(query):
        if token.is_keyword("PREFIX", "BASE") or token.kind == "iri" or token.text.endswith(":"):
            continue
        return token.text.upper() if token.kind == "word" else None
    return None


def result_kind(query: str) -> str | None:
    """``select``, ``ask`` or ``graph`` from the keyword after the prologue; ``None`` if it is not a query.

    >>> result_kind("PREFIX ex: <http://e/> BASE <http://b/> construct { ?s ex:p ?o } WHERE { ?s ex:q ?o }")
    'graph'
    >>> result_kind("# ASK {}\\nSELECT * {}"), result_kind("SELEC *")
    ('select', None)
    """
    return KINDS.get(first_keyword(query) or "")


def names_dataset(query: str) -> bool:
    """Whether the query has a ``FROM`` or ``FROM NAMED`` clause of its own.

    >>> names_dataset("SELECT * FROM <http://e/g> WHERE { ?s ?p ?o }")
    True
    >>> names_dataset('SELECT ?from WHERE { ?from <http://e/p> "FROM" } # FROM <x>')
    False
    """
    # most queries do not say FROM anywhere, and need no lexing (the relay asks this of each one)
    if "FROM" not in query.upper():
        return False
    return any(token.is_keyword("FROM") for token in tokens(query))
