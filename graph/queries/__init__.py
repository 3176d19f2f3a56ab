"""The SPARQL the code needs, one named ``.rq`` file per query, loaded by name.

Queries stay readable and testable on their own (run any of them with
``stancegraph query graph/queries/NAME.rq``), and no SPARQL is spelled inside
Python strings.

What makes a query fast on Oxigraph, measured on a million triples (each
``.rq`` file says what it measured):

* Page, then describe: a ``*-keys`` query finds one page of IRIs (and counts
  them, :class:`KeysQuery`), and the describing query gets them as a ``VALUES``
  block put first in its ``WHERE``.
* Start from what is bound: label and type patterns joined before the bound
  key, or an ``ORDER BY`` on labels, turn milliseconds into seconds.
* An ``OPTIONAL`` of one pattern (or a one-step path such as
  ``dct:source/rdfs:label``) is looked up per row; a group of several
  patterns may be evaluated on its own and joined (6 s for the documents'
  quote and source), and a longer path inside one can be slower still.
  Measure both shapes: no rule held for every query.
* A class hierarchy is walked from the class: ``?x a/rdfs:subClassOf* sg:Document``
  (29 ms), not ``?x a ?class . ?class rdfs:subClassOf* sg:Document`` (8 s).

Values are bound the same way for every store, local or remote: as ``VALUES``
blocks of terms that pyoxigraph writes (:func:`bind_values`, :func:`values_block`),
never as text pasted into a query.

Queries run on the union of the sources' graphs, and Oxigraph's union is a
bag: a triple two sources hold (an actor both name) matches once per graph.
Queries that list rows therefore say ``DISTINCT``, and counts count distinct
nodes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
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


Pins = Mapping[str, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None]


def bind_values(query: str, bindings: Pins) -> str:
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


def only_pinned(query: str, pins: Pins) -> str:
    r"""Drop the lines marked ``# only if ?name`` whose variable is not pinned, and pin the rest.

    A filter line costs its lookups even when nothing is pinned, so a query
    keeps only the filters asked for.

    >>> only_pinned("SELECT DISTINCT ?p WHERE {\n  ?p <http://e/a> ?a .  # only if ?a\n}", {"a": None})
    'SELECT DISTINCT ?p WHERE {\n\n}'
    """
    kept = _ONLY_IF.sub(lambda line: line[0] if pins.get(line[1]) is not None else "", query)
    return bind_values(kept, pins)


def values_block(name: str, nodes: Iterable[ox.NamedNode]) -> str:
    """``VALUES ?name { <iri> ... }``: one variable pinned to several IRIs (put first with :func:`inject_pattern`).

    Each IRI is written by pyoxigraph, which checked it when the term was made, so no text can
    break out of its ``<...>``.

    >>> values_block("s", [ox.NamedNode("http://e/a"), ox.NamedNode("http://e/b")])
    'VALUES ?s { <http://e/a> <http://e/b> }'
    """
    return f"VALUES ?{name} {{ {' '.join(map(str, nodes))} }}"


@dataclass(frozen=True)
class KeysQuery:
    """A ``*-keys`` query (one ``SELECT DISTINCT ?key``, its ``WHERE`` group, an optional
    ``ORDER BY``) read once into its parts, so that a page of its keys and their count are
    both composed from the named file, pinned like any named query (:func:`only_pinned`).

    >>> keys = keys_query("claim-keys")
    >>> keys.key, "LIMIT 50 OFFSET 100" in keys.page({}, limit=50, offset=100)
    ('claim', True)
    """

    name: str
    prologue: str
    key: str
    where: str
    order: str

    def page(self, pins: Pins, *, limit: int, offset: int) -> str:
        """The keys from ``offset`` on, at most ``limit`` of them, in the query's order."""
        if limit < 0 or offset < 0:
            raise ValueError(f"a page needs a limit and an offset of 0 or more, not {limit} and {offset}")
        return f"{self.prologue}{self._select(pins)}\n{self.order}\nLIMIT {limit} OFFSET {offset}"

    def count(self, pins: Pins, *, up_to: int) -> str:
        """``?total``: how many keys there are, counted up to ``up_to`` and no further.

        Counting needs no order, so the ``ORDER BY`` is left out: a sort would cost time and change nothing.
        """
        if up_to < 0:
            raise ValueError(f"a count needs a limit of 0 or more, not {up_to}")
        return f"{self.prologue}SELECT (COUNT(*) AS ?total) WHERE {{ {self._select(pins)}\nLIMIT {up_to} }}"

    def _select(self, pins: Pins) -> str:
        return f"SELECT DISTINCT ?{self.key}\n{only_pinned(self.where, pins)}"


@cache
def keys_query(name: str) -> KeysQuery:
    """The named query ``NAME.rq`` as a :class:`KeysQuery`; ``ValueError`` if it is not of that shape."""
    text = load_query(name)
    prologue, select, rest = text.partition("SELECT DISTINCT ?")
    key, _, body = rest.partition("\n")
    end = body.rfind("}") + 1
    if not select or not key.strip().isidentifier() or not body.lstrip().startswith("WHERE {") or not end:
        raise ValueError(
            f"{name}.rq must SELECT DISTINCT one ?key, then a WHERE group and at most an ORDER BY"
        )
    return KeysQuery(name, prologue, key.strip(), body[:end].strip(), body[end:].strip())


def inject_pattern(query: str, pattern: str) -> str:
    """Put a graph pattern first in the query's first ``WHERE {`` group."""
    match = _FIRST_GROUP.search(query)
    if match is None:
        raise ValueError("the query needs a WHERE clause")
    return f"{query[: match.end()]} {pattern} {query[match.end() :]}"
