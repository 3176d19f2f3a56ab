"""The SPARQL the code needs, one named ``.rq`` file per query, loaded by name.

Queries stay readable and testable on their own (run any of them with
``stancegraph query graph/queries/NAME.rq``), and no SPARQL is spelled inside
Python strings.
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
