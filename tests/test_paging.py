"""Pages cut by the engine: exact totals for short lists, a lower bound past the counting limit."""

from __future__ import annotations

import httpx
import pytest
from starlette.requests import Request

from stancegraph.api.catalog import Catalog
from stancegraph.api.pagination import PageRequest, page_of
from stancegraph.graph.queries import keys_query, query_names
from stancegraph.graph.rows import integer
from stancegraph.graph.store import LocalStore
from stancegraph.ontology import ID, SG

pytestmark = pytest.mark.backends("local", "remote")


def _request(query: str) -> Request:
    return Request(
        {
            "type": "http",
            "method": "GET",
            "scheme": "http",
            "server": ("testserver", 80),
            "path": "/api/positions",
            "query_string": query.encode(),
            "headers": [],
        }
    )


@pytest.fixture
def us_positions(bundled: LocalStore) -> int:
    """How many positions the US takes in the bundled data, counted without the catalog."""
    rows = bundled.select(
        f"SELECT (COUNT(*) AS ?n) WHERE {{ ?p <{SG.actor.value}> <{ID.term('us').value}> }}"
    )
    count = int(rows[0]["n"].value)  # type: ignore[union-attr]
    assert count >= 4, "the test needs an actor with at least four positions"
    return count


def test_every_page_of_a_short_list_has_the_exact_total(bundled: LocalStore, us_positions: int) -> None:
    catalog = Catalog(bundled)
    seen = []
    for offset in range(0, us_positions + 2, 2):
        window = catalog.position_window(limit=2, offset=offset, actor=ID.term("us"))
        assert (window.total, window.exact) == (us_positions, True)
        seen += [position.id for position in window.items]
    assert len(seen) == len(set(seen)) == us_positions


def test_past_the_counting_limit_the_total_is_a_lower_bound(bundled: LocalStore, us_positions: int) -> None:
    catalog = Catalog(bundled, count_up_to=2)
    first = catalog.position_window(limit=1, offset=0, actor=ID.term("us"))
    assert (first.total, first.exact) == (2, False)
    # Deeper than the limit, the bound grows with the pages read, so it never undercounts them.
    deep = catalog.position_window(limit=1, offset=2, actor=ID.term("us"))
    assert (deep.total, deep.exact) == (3, False) and len(deep.items) == 1
    # The last page is short: its end is the exact total again.
    last = catalog.position_window(limit=us_positions, offset=1, actor=ID.term("us"))
    assert (last.total, last.exact) == (us_positions, True)


def test_a_lower_bound_total_keeps_a_next_link_while_pages_are_full(bundled: LocalStore) -> None:
    catalog = Catalog(bundled, count_up_to=2)
    window = catalog.position_window(limit=2, offset=2, actor=ID.term("us"))
    assert not window.exact and len(window.items) == 2
    page = page_of(_request("actor=us&limit=2&offset=2"), window, PageRequest(limit=2, offset=2))
    assert page.total_exact is False and page.next is not None and "offset=4" in page.next


def _ids(http: httpx.Client, path: str, **params: str | int) -> tuple[list[str], int]:
    page = http.get(path, params=params).json()
    return [item["id"] for item in page["items"]], page["total"]


@pytest.mark.parametrize("path", ["/api/actors", "/api/clauses", "/api/documents"])
def test_small_pages_walk_the_same_list_as_one_big_page(http: httpx.Client, path: str) -> None:
    everything, total = _ids(http, path, limit=500)
    walked: list[str] = []
    for offset in range(0, total, 3):
        ids, page_total = _ids(http, path, limit=3, offset=offset)
        assert page_total == total
        walked += ids
    assert walked == everything and len(everything) == total > 3


def test_kinds_are_matched_by_name_in_any_case(http: httpx.Client) -> None:
    drafts, total = _ids(http, "/api/documents", kind="dRaFt")
    assert total == 3 and set(drafts) == {
        "plan-28-point",
        "european-counter-proposal",
        "plan-19-point-geneva",
    }
    states, _ = _ids(http, "/api/actors", kind="STATE")
    assert {"us", "russia", "ukraine"} <= set(states)
    kinds = {actor["kind"] for actor in http.get("/api/actors", params={"kind": "state"}).json()["items"]}
    assert kinds == {"State"}
    assert _ids(http, "/api/actors", kind="no-such-kind") == ([], 0)


@pytest.mark.parametrize(
    "name", [name for name in query_names() if name.endswith("-keys") and name != "stance-keys"]
)
def test_keys_queries_page_and_count_from_their_named_file(bundled: LocalStore, name: str) -> None:
    query = keys_query(name)
    every = bundled.select(query.page({}, limit=10_000, offset=0))
    assert len(every) > 3
    assert integer(bundled.select(query.count({}, up_to=10_000))[0], "total") == len(every)
    assert integer(bundled.select(query.count({}, up_to=2))[0], "total") == 2
    assert bundled.select(query.page({}, limit=2, offset=1)) == every[1:3]


def test_a_query_of_another_shape_is_no_keys_query() -> None:
    with pytest.raises(ValueError, match=r"stance-keys\.rq must SELECT DISTINCT one"):
        keys_query("stance-keys")
    with pytest.raises(ValueError, match="limit"):
        keys_query("claim-keys").page({}, limit=-1, offset=0)
