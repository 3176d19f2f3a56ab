"""The ``source=`` filter that positions and claims share: only what one source document backs.

A source is asked for by id, so one that does not exist is a 404 (the other
filters name things that merely narrow a list, and are 422s); an id that
cannot be one of ours at all is a 422 before any query runs. The filter is a
pinned variable of the list's keys query (``?source``), like every filter.
"""

from __future__ import annotations

from typing import Annotated

import pyoxigraph as ox
from fastapi import Query

from stancegraph.api.catalog import Catalog
from stancegraph.api.routes import ID_PATTERN

SourceFilter = Annotated[
    str | None,
    Query(
        description="Only what this source document cites as its evidence (its id, e.g. "
        "`roff-us-russian-peace-plan`). An unknown source is a 404.",
        pattern=ID_PATTERN,
    ),
]


def source_document(catalog: Catalog, source: str | None) -> ox.NamedNode | None:
    """The source's IRI for the keys query, or ``None`` for no filter; NotFoundError (404) if there is none."""
    return None if source is None else catalog.source(source)
