"""Paging through lists: ``limit`` (at most the configured maximum) and ``offset``, with links."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends, Query, Request

from api.dependencies import SettingsDep
from api.models import Page
from api.problems import invalid_parameter

T = TypeVar("T")
DEFAULT_LIMIT = 50


@dataclass(frozen=True)
class PageRequest:
    limit: int
    offset: int


def page_request(
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


def paginate(request: Request, items: list[T], page: PageRequest) -> Page[T]:
    """One page of ``items``, with absolute links to its neighbours that keep the other parameters."""
    end = page.offset + page.limit
    following = request.url.include_query_params(offset=end, limit=page.limit) if end < len(items) else None
    preceding = (
        request.url.include_query_params(offset=max(page.offset - page.limit, 0), limit=page.limit)
        if page.offset > 0
        else None
    )
    return Page[T](
        items=items[page.offset : end],
        total=len(items),
        limit=page.limit,
        offset=page.offset,
        next=str(following) if following else None,
        previous=str(preceding) if preceding else None,
    )
