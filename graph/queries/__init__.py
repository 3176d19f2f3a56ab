"""The SPARQL the code needs, one named ``.rq`` file per query, loaded by name.

Queries stay readable and testable on their own (run any of them with
``stancegraph query graph/queries/NAME.rq``), and no SPARQL is spelled inside
Python strings.

What makes a query fast on Oxigraph, measured on a million triples (each
``.rq`` file says what it measured):

* Page, then describe: a ``*-keys`` query finds one page of IRIs, and the
  describing query gets them as a ``VALUES`` block put first in its ``WHERE``.
* Start from what is bound: label and type patterns joined before the bound
  key, or an ``ORDER BY`` on labels, turn milliseconds into seconds.
* An ``OPTIONAL`` of one pattern (or a one-step path such as
  ``dct:source/rdfs:label``) is looked up per row; a group of several
  patterns may be evaluated on its own and joined (6 s for the documents'
  quote and source), and a longer path inside one can be slower still.
  Measure both shapes: no rule held for every query.
* A class hierarchy is walked from the class: ``?x a/rdfs:subClassOf* sg:Document``
  (29 ms), not ``?x a ?class . ?class rdfs:subClassOf* sg:Document`` (8 s).

Queries run on the union of the sources' graphs, and Oxigraph's union is a
bag: a triple two sources hold (an actor both name) matches once per graph.
Queries that list rows therefore say ``DISTINCT``, and counts count distinct
nodes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path

import pyoxigraph as ox

from stancegraph.graph.errors import QueryNotFoundError

QUERY_DIR = Path(__file__).resolve().parent


def query_names() -> list[str]:
    """Every named query, sorted."""
    return sorted(path.stem for path in QUERY_DIR.glob("*.rq"))


@cache
def load_query(name: str) -> str:
    """The text of the query ``NAME.rq``.

    >>> "SELECT" in load_query("stats")
    True
    """
    path = QUERY_DIR / f"{name}.rq"
    if not name.replace("-", "").isalnum() or not path.is_file():
        raise QueryNotFoundError(f"no query named {name!r}; known: {', '.join(query_names())}")
    return path.read_text(encoding="utf-8")


_ONLY_IF = re.compile(r"^.*#\s*only if \?(\w+)\s*$", re.MULTILINE)
_FIRST_GROUP = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)


def bind_values(
    query: str, bindings: Mapping[str, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None]
) -> str:
    """Pin variables to values by opening the first ``WHERE {`` with a ``VALUES`` block.

    This is plain SPARQL 1.1, so it works the same on every endpoint (unlike
    engine-specific substitution APIs). ``None`` values are left unbound.

    >>> bind_values("SELECT ?s WHERE { ?s ?p ?o }", {"s": ox.NamedNode("http://e/a")})
    'SELECT ?s WHERE { VALUES (?s) { (<http://e/a>) }  ?s ?p ?o }'
    """
    pinned = {name: value for name, value in bindings.items() if value is not None}
    if not pinned:
        return query
    names = " ".join(f"?{name}" for name in pinned)
    values = " ".join(str(value) for value in pinned.values())
    return inject_pattern(query, f"VALUES ({names}) {{ ({values}) }}")


def only_pinned(
    query: str, pins: Mapping[str, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None]
) -> str:
    r"""Drop the lines marked ``# only if ?name`` whose variable is not pinned, and pin the rest.

    A filter line costs its lookups even when nothing is pinned, so a query
    keeps only the filters asked for.

    >>> only_pinned("SELECT DISTINCT ?p WHERE {\n  ?p <http://e/a> ?a .  # only if ?a\n}", {"a": None})
    'SELECT DISTINCT ?p WHERE {\n\n}'
    """
    kept = _ONLY_IF.sub(lambda line: line[0] if pins.get(line[1]) is not None else "", query)
    return bind_values(kept, pins)


def values_block(name: str, iris: Iterable[str]) -> str:
    """``VALUES ?name { <iri> ... }``: one variable pinned to several IRIs (put first with :func:`inject_pattern`).

    >>> values_block("s", ["http://e/a", "http://e/b"])
    'VALUES ?s { <http://e/a> <http://e/b> }'
    """
    return f"VALUES ?{name} {{ {' '.join(f'<{iri}>' for iri in iris)} }}"


def inject_pattern(query: str, pattern: str) -> str:
    """Put a graph pattern first in the query's first ``WHERE {`` group."""
    match = _FIRST_GROUP.search(query)
    if match is None:
        raise ValueError("the query needs a WHERE clause")
    return f"{query[: match.end()]} {pattern} {query[match.end() :]}"
