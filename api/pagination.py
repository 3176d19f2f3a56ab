"""Paging through lists: ``limit`` (at most the configured maximum) and ``offset``, with links."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, TypeVar
from urllib.parse import urlencode

from fastapi import Depends, Query, Request

from stancegraph.api.catalog import Window
from stancegraph.api.dependencies import SettingsDep
from stancegraph.api.models import Embedded, Page
from stancegraph.api.problems import invalid_parameter

T = TypeVar("T")
DEFAULT_LIMIT = 50


@dataclass(frozen=True)
class PageRequest:
    limit: int
    offset: int


async def page_request(
    settings: SettingsDep,
    limit: Annotated[
        int, Query(ge=1, description="Items per page (at most the server's maximum, 500 by default).")
    ] = DEFAULT_LIMIT,
    offset: Annotated[int, Query(ge=0, description="How many items to skip.")] = 0,
) -> PageRequest:
    if limit > settings.max_page_size:
        raise invalid_parameter("limit", f"must be at most {settings.max_page_size}")
    return PageRequest(limit, offset)


PageDep = Annotated[PageRequest, Depends(page_request)]


def embed(window: Window[T], path: str, **params: str) -> Embedded[T]:
    """What a detail embeds of a list: its first items, its size and the list's URL."""
    return Embedded(
        items=window.items,
        total=window.total,
        total_exact=window.exact,
        all=f"/api/{path}?{urlencode(params)}",
    )


def page_of(request: Request, window: Window[T], page: PageRequest) -> Page[T]:
    """A page the engine already cut, with absolute links to its neighbours that keep the other parameters."""
    end = page.offset + page.limit
    more = end < window.total or (not window.exact and len(window.items) == page.limit)
    following = request.url.include_query_params(offset=end, limit=page.limit) if more else None
    preceding = (
        request.url.include_query_params(offset=max(page.offset - page.limit, 0), limit=page.limit)
        if page.offset > 0
        else None
    )
    # Not Page[T](...): pydantic keeps the models it makes for Page[T] only weakly, so the collector
    # dropped them and a page made a model class again (7% of /api/positions' CPU). The route's response
    # model, Page[Position], checks the items.
    return Page(
        items=window.items,
        total=window.total,
        total_exact=window.exact,
        limit=page.limit,
        offset=page.offset,
        next=str(following) if following else None,
        previous=str(preceding) if preceding else None,
    )
