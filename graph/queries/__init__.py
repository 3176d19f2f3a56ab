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
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from graph.errors import QueryNotFoundError

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
