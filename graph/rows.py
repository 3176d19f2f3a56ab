"""Reading the rows of a SELECT answer as typed Python values, in one place.

A :data:`Row` maps each bound variable to a pyoxigraph term; an unbound one
(an ``OPTIONAL`` that matched nothing) is absent. Each reader says what the caller expects
to find, so a query that stops returning what its reader promises fails here, by name:
``KeyError`` for a variable that must be bound and is not, ``TypeError`` for a term of the
wrong kind (a blank node where an IRI belongs). The ``optional_*`` readers give ``None`` for
an unbound variable.

>>> row = {"actor": ox.NamedNode("http://e/us"), "label": ox.Literal("United States"),
...        "count": ox.Literal("12", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))}
>>> iri(row, "actor"), text(row, "label"), integer(row, "count"), optional_text(row, "note")
('http://e/us', 'United States', 12, None)
"""

from __future__ import annotations

from collections.abc import Iterator

import pyoxigraph as ox

from stancegraph.graph.terms import PlainValue, python_value

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
Row = dict[str, Term]


def solution_rows(solutions: ox.QuerySolutions) -> Iterator[Row]:
    """Each solution as a :data:`Row`, as pyoxigraph parses or computes it.

    Its terms are read in the variables' order, not looked up by name: by name,
    rows took twice as long (7,592 rows of SPARQL XML: 0.24 s against 0.12 s, of
    which parsing is 0.09 s), most of what the JSON API spent on an endpoint's
    answer for an analysis route.

    >>> answer = ox.parse_query_results('?a\\t?b\\n<http://e/x>\\t\\n', format=ox.QueryResultsFormat.TSV)
    >>> list(solution_rows(answer))
    [{'a': <NamedNode value=http://e/x>}]
    """
    names = [variable.value for variable in solutions.variables]
    for solution in solutions:
        yield {name: term for name, term in zip(names, solution, strict=True) if term is not None}


def text(row: Row, name: str) -> str:
    """The lexical form of the term bound to ``name``: an IRI, or a literal's value.

    >>> text({"x": ox.Literal("2025-11-20")}, "x")
    '2025-11-20'
    """
    term = row[name]
    if isinstance(term, ox.Triple):
        raise TypeError(f"?{name} is a triple, not an IRI or a literal")
    return term.value


def optional_text(row: Row, name: str) -> str | None:
    """:func:`text`, or ``None`` when ``name`` is unbound."""
    return text(row, name) if name in row else None


def node(row: Row, name: str) -> ox.NamedNode:
    """The IRI bound to ``name``, as a term (to pin in another query).

    >>> node({"x": ox.BlankNode("b")}, "x")
    Traceback (most recent call last):
    TypeError: ?x must be an IRI, not _:b
    """
    term = row[name]
    if not isinstance(term, ox.NamedNode):
        raise TypeError(f"?{name} must be an IRI, not {term}")
    return term


def iri(row: Row, name: str) -> str:
    """The IRI bound to ``name``, as text."""
    return node(row, name).value


def number(row: Row, name: str) -> int | float | None:
    """The number bound to ``name`` (an integer when it is whole); ``None`` when unbound or not a number.

    >>> number({"x": ox.Literal("2.50", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal"))}, "x")
    2.5
    """
    value = python_value(row.get(name))
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def optional_integer(row: Row, name: str) -> int | None:
    """The whole number bound to ``name``; ``None`` when unbound or not a whole number."""
    value = number(row, name)
    return value if isinstance(value, int) else None


def integer(row: Row, name: str) -> int:
    """The whole number bound to ``name`` (a count); ``TypeError`` when it is anything else."""
    value = optional_integer(row, name)
    if value is None:
        raise TypeError(f"?{name} must be a whole number, not {row.get(name)}")
    return value


def optional_boolean(row: Row, name: str) -> bool | None:
    """The boolean bound to ``name``; ``None`` when unbound or not a boolean."""
    value = python_value(row.get(name))
    return value if isinstance(value, bool) else None


def plain(row: Row) -> dict[str, PlainValue]:
    """Every binding as a JSON-friendly value (:func:`graph.terms.python_value`), for rows read as records."""
    return {name: python_value(term) for name, term in row.items()}
