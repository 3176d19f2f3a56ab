"""The stance matrix: ``/api/matrix`` (JSON and CSV) and ``/api/matrix/cell`` over HTTP, and the
``/matrix`` page in real Chromium, on the bundled data and on a small synthetic graph.

The counts are checked against ``/api/positions`` for the same filters, the sorts against the
analysis routes, and the page against the API it draws (:mod:`tests.browser` records requests,
console errors and dialogs).
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from click.testing import CliRunner
from playwright.sync_api import Page

from stancegraph.api.server import running
from stancegraph.api.settings import Settings
from stancegraph.cli import main
from stancegraph.graph.loading import bundled_files
from stancegraph.graph.synth import write_synthetic
from tests.browser import LAPTOP, PHONE, OpenPage, Visit, axe_violations
from tests.hostile import hostile_turtle

HOSTILE_LABEL = "<img src=x onerror=alert(1)>"
LINEAGE = ["plan-28-point", "european-counter-proposal", "plan-19-point-geneva"]
Params = dict[str, str | list[str]]


def _load(folder: Path, *files: Path) -> Path:
    """An on-disk store of these files, loaded through the CLI (which lets go of it before serving)."""
    loaded = CliRunner().invoke(main, ["load", "--store", str(folder / "store"), *map(str, files)])
    assert loaded.exit_code == 0, loaded.output
    return folder / "store"


@pytest.fixture(scope="module")
def bundled_url() -> Iterator[str]:
    with running(Settings(port=0)) as url:
        yield url


@pytest.fixture(scope="module")
def synth_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A small synthetic graph (60 actors, 400 clauses, 5 drafts) with a hostile actor label."""
    folder = tmp_path_factory.mktemp("synth")
    data = folder / "synth.nq"
    write_synthetic(data, actors=60, clauses=400, drafts=5, seed=3, hostile_labels=True)
    with running(Settings(port=0, store=_load(folder, data))) as url:
        yield url


@pytest.fixture(scope="module")
def hostile_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The bundled data plus a state whose label and quote try to run script."""
    folder = tmp_path_factory.mktemp("hostile")
    turtle = folder / "hostile.ttl"
    turtle.write_text(
        hostile_turtle(
            label=HOSTILE_LABEL, position_label="</script><b>x</b>", quote="<b onmouseover=alert(3)>q</b>"
        ),
        encoding="utf-8",
    )
    with running(Settings(port=0, store=_load(folder, *bundled_files(), turtle))) as url:
        yield url


@pytest.fixture(scope="module", params=["bundled", "synth"])
def url(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue(f"{request.param}_url"))


def get(base: str, path: str, params: Params | None = None) -> httpx.Response:
    return httpx.get(f"{base}{path}", params=params or {}, timeout=120)


def matrix(base: str, params: Params | None = None) -> dict[str, Any]:
    response = get(base, "/api/matrix", params)
    assert response.status_code == 200, response.text
    payload: dict[str, Any] = response.json()
    return payload


def cells(payload: dict[str, Any]) -> Iterator[tuple[str, str, int, int, int]]:
    """(actor id, target id, stance code, certainty index, count) of every non-empty cell."""
    table = payload["cells"]
    for r, actor in enumerate(payload["rows"]["ids"]):
        for i in range(table["offsets"][r], table["offsets"][r + 1]):
            column = payload["columns"]["ids"][table["columns"][i]]
            yield actor, column, table["stances"][i], table["certainties"][i], table["counts"][i]


def positions_total(base: str, params: Params) -> int:
    total: int = get(base, "/api/positions", {**params, "limit": "1"}).json()["total"]
    return total


# ---------------------------------------------------------------- the API


def test_shape_lineage_and_sparse_rows(url: str) -> None:
    payload = matrix(url)
    drafts, columns, rows, table = payload["drafts"], payload["columns"], payload["rows"], payload["cells"]
    assert payload["certainties"] == ["stated", "reported", "believed"]
    assert (
        sum(d["columns"] for d in drafts)
        == len(columns["ids"])
        == len(columns["labels"])
        == len(columns["drafts"])
    )
    for index, draft in enumerate(drafts):
        assert columns["ids"][draft["first"]] == draft["id"]  # the draft itself heads its group
        assert set(columns["drafts"][draft["first"] : draft["first"] + draft["columns"]]) == {index}
        earlier = {d["id"] for d in drafts[:index]}
        assert set(draft["revision_of"]) <= earlier  # a draft comes after the drafts it revises
    assert len(table["offsets"]) == len(rows["ids"]) + 1
    assert len(table["columns"]) == len(table["stances"]) == len(table["certainties"]) == len(table["counts"])
    for r in range(len(rows["ids"])):
        row = table["columns"][table["offsets"][r] : table["offsets"][r + 1]]
        assert row == sorted(set(row)) and row, "each row holds a cell, columns ascending"
    assert set(table["stances"]) <= {1, 2, 3} and min(table["counts"]) >= 1


def test_bundled_drafts_come_in_lineage_order(bundled_url: str) -> None:
    assert [d["id"] for d in matrix(bundled_url)["drafts"]] == LINEAGE


FILTERS: list[tuple[Params, Params]] = [  # the matrix's filters, and /api/positions' for the same positions
    ({}, {}),
    ({"certainty": "stated"}, {"certainty": "stated"}),
    ({"stance": "opposes"}, {"stance": "opposes"}),
    ({"as_of": "2025-11-20"}, {"as_of": "2025-11-20", "include_undated": "true"}),
    ({"as_of": "2025-12-01", "undated": "hidden"}, {"as_of": "2025-12-01"}),
    ({"undated": "hidden"}, {"as_of": "9999-12-31"}),  # as the viewer: every dated position
    ({"certainty": "reported", "stance": "supports"}, {"certainty": "reported", "stance": "supports"}),
]


@pytest.mark.parametrize(("ours", "theirs"), FILTERS, ids=lambda p: urlencode(p, doseq=True) or "all")
def test_counts_equal_api_positions(url: str, ours: Params, theirs: Params) -> None:
    payload = matrix(url, ours)
    assert payload["positions"] == sum(payload["cells"]["counts"]) == positions_total(url, theirs)


def test_each_draft_counts_as_api_positions(url: str) -> None:
    for draft in matrix(url)["drafts"]:
        payload = matrix(url, {"draft": draft["id"]})
        assert [d["id"] for d in payload["drafts"]] == [draft["id"]]
        assert payload["positions"] == positions_total(url, {"document": draft["id"]})


def test_a_cell_counts_its_positions_and_lists_their_evidence(url: str) -> None:
    payload = matrix(url, {"certainty": "stated"})
    clause_cells = [c for c in cells(payload) if c[1] not in {d["id"] for d in payload["drafts"]}]
    for actor, target, stance, _, count in clause_cells[:12]:
        assert positions_total(url, {"actor": actor, "clause": target, "certainty": "stated"}) == count
        evidence = get(
            url, "/api/matrix/cell", {"actor": actor, "target": target, "certainty": "stated"}
        ).json()
        assert len(evidence) == count
        assert {p["stance"] for p in evidence} == {
            1: {"supports"},
            2: {"opposes"},
            3: {"supports", "opposes"},
        }[stance]
        assert all(p["quote"] and p["source"]["id"] and p["certainty"] == "stated" for p in evidence)


def test_cell_evidence_on_a_whole_draft_has_every_field(bundled_url: str) -> None:
    evidence = get(bundled_url, "/api/matrix/cell", {"actor": "us", "target": "plan-28-point"}).json()
    assert [p["id"] for p in evidence] == ["position-us-supports-plan-28"]
    assert (
        evidence[0]["date"] == "2025-11-20" and evidence[0]["note"] == "Dated by the day the plan was leaked."
    )
    assert evidence[0]["source"]["id"] == "roff-us-russian-peace-plan"


def test_no_draft_or_no_certainty_chosen_is_an_empty_matrix(bundled_url: str) -> None:
    assert matrix(bundled_url, {"draft": ""})["columns"]["ids"] == []
    assert matrix(bundled_url, {"certainty": ""})["positions"] == 0
    assert matrix(bundled_url, {"stance": ""})["positions"] == 0


def test_rows_sort_by_name(url: str) -> None:
    labels = matrix(url)["rows"]["labels"]
    assert labels == sorted(labels, key=str.casefold)


def test_rows_sort_by_coalition_as_api_coalitions(bundled_url: str) -> None:
    payload = matrix(bundled_url, {"sort": "coalition"})
    groups = [{m["id"] for m in c["members"]} for c in get(bundled_url, "/api/coalitions").json()]
    ids, found = payload["rows"]["ids"], payload["rows"]["coalitions"]
    assert found == sorted(found)  # grouped, largest group first
    for actor, index in zip(ids, found, strict=True):
        assert actor in groups[index]


def test_rows_sort_by_alignment_as_api_alignment(url: str) -> None:
    actor = matrix(url)["rows"]["ids"][0]
    payload = matrix(url, {"sort": "alignment", "with": actor})
    pairs = get(url, f"/api/alignment/{actor}").json()["pairs"]
    scores = dict(zip(payload["rows"]["ids"], payload["rows"]["alignment"], strict=True))
    assert payload["rows"]["ids"][0] == actor
    assert payload["rows"]["ids"][1 : len(pairs) + 1] == [p["other"]["id"] for p in pairs]
    assert all(scores[p["other"]["id"]] == pytest.approx(p["score"]) for p in pairs)
    assert all(scores[a] is None for a in payload["rows"]["ids"][len(pairs) + 1 :])


def test_csv_is_one_line_per_cell_with_the_filters(url: str) -> None:
    draft = matrix(url)["drafts"][-1]["id"]
    params: Params = {"draft": draft, "certainty": ["stated", "reported"]}
    payload = matrix(url, params)
    response = get(url, "/api/matrix", {**params, "format": "csv"})
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    lines = list(csv.reader(io.StringIO(response.text)))
    assert lines[0] == [
        "actor_id",
        "actor",
        "target_id",
        "target",
        "draft",
        "stance",
        "certainty",
        "positions",
    ]
    words = {1: "supports", 2: "opposes", 3: "both"}
    expected = [[a, t, words[s], payload["certainties"][c], str(n)] for a, t, s, c, n in cells(payload)]
    assert [[row[0], row[2], row[5], row[6], row[7]] for row in lines[1:]] == expected
    assert {row[4] for row in lines[1:]} <= {payload["drafts"][0]["label"]}


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"draft": "nope"}, "draft"),
        ({"draft": "us"}, "draft"),
        ({"sort": "alignment"}, "with"),
        ({"sort": "alignment", "with": "nope"}, "with"),
        ({"certainty": "sure"}, "certainty"),
        ({"undated": "maybe"}, "undated"),
        ({"as_of": "2025-13-01"}, "as_of"),
        ({"format": "xml"}, "format"),
        ({"colour": "coalition"}, "colour"),
    ],
)
def test_bad_parameters_are_422_naming_them(bundled_url: str, params: Params, parameter: str) -> None:
    response = get(bundled_url, "/api/matrix", params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["parameter"] == parameter


def test_cell_of_an_unknown_target_is_422(bundled_url: str) -> None:
    response = get(bundled_url, "/api/matrix/cell", {"actor": "us", "target": "nope"})
    assert response.status_code == 422 and "target" in response.json()["detail"]


# ---------------------------------------------------------------- the page


def open_matrix(open_page: OpenPage, url: str, **options: Any) -> Visit:
    visit = open_page(url, wait_for="body[data-ready]", **options)
    return visit


def shown_cells(visit: Visit) -> list[dict[str, Any]]:
    """The grid cells in the DOM, with their row, column, text and accessible name."""
    return visit.evaluate(
        """() => [...document.querySelectorAll('#matrix [role=gridcell]')].map((c) => ({
            row: Number(c.dataset.row), col: Number(c.dataset.col), text: c.textContent,
            name: c.getAttribute('aria-label')}))"""
    )


def reload_done(page: Page, before: str | None) -> None:
    page.wait_for_function("(b) => document.body.dataset.ready !== b", arg=before)


@pytest.mark.browser
def test_page_draws_what_the_api_says(open_page: OpenPage, bundled_url: str) -> None:
    visit = open_matrix(open_page, f"{bundled_url}/matrix")
    payload = matrix(bundled_url)
    drawn = {(c["row"], c["col"]): c for c in shown_cells(visit)}
    table = payload["cells"]
    marks = {1: "✓", 2: "✗", 3: "±"}
    for r in range(len(payload["rows"]["ids"])):
        for i in range(table["offsets"][r], table["offsets"][r + 1]):
            cell = drawn[r, table["columns"][i]]
            assert cell["text"].startswith(marks[table["stances"][i]])  # readable without colour
            assert payload["certainties"][table["certainties"][i]] in cell["name"]
            assert payload["rows"]["labels"][r] in cell["name"]
    filled = sum(1 for c in drawn.values() if c["text"])
    assert filled == len(table["columns"])
    status = visit.page.locator("#status").inner_text()
    assert f"{payload['positions']} positions" in status
    visit.screenshot("matrix")
    visit.assert_clean(allowed_origin=bundled_url)


@pytest.mark.browser
def test_only_what_is_on_screen_is_drawn_and_scrolling_draws_the_rest(
    open_page: OpenPage, synth_url: str
) -> None:
    visit = open_matrix(open_page, f"{synth_url}/matrix")
    payload = matrix(synth_url)
    first = shown_cells(visit)
    rows = {c["row"] for c in first}
    columns = {c["col"] for c in first}
    assert len(first) == len(rows) * len(columns)
    assert len(rows) < len(payload["rows"]["ids"]) and len(columns) < len(payload["columns"]["ids"])
    visit.evaluate(
        "() => { const g = document.getElementById('matrix'); g.scrollTop = g.scrollHeight; g.scrollLeft = g.scrollWidth; }"
    )
    visit.page.wait_for_function(
        "(n) => [...document.querySelectorAll('#matrix [role=gridcell]')].some((c) => Number(c.dataset.row) === n - 1)",
        arg=len(payload["rows"]["ids"]),
    )
    last = shown_cells(visit)
    assert max(c["col"] for c in last) == len(payload["columns"]["ids"]) - 1
    assert len(last) <= len(first) + len(rows) + len(columns) + 1
    visit.assert_clean(allowed_origin=synth_url)


@pytest.mark.browser
def test_clicking_a_cell_opens_its_evidence(open_page: OpenPage, bundled_url: str) -> None:
    visit = open_matrix(open_page, f"{bundled_url}/matrix")
    payload = matrix(bundled_url)
    row, col = payload["rows"]["ids"].index("us"), payload["columns"]["ids"].index("plan-28-point")
    visit.page.click(f'#matrix [data-row="{row}"][data-col="{col}"]')
    panel = visit.page.locator("#panel")
    panel.get_by_text("1 position").wait_for()
    text = panel.inner_text()
    for expected in (
        "the US and Russia’s proposal",
        "The US-Russian peace plan",
        "2025-11-20",
        "stated",
        "Dated by the day",
    ):
        assert expected in text
    link = panel.get_by_role("link", name="position-us-supports-plan-28")
    href = link.get_attribute("href")
    assert href == "/id/position-us-supports-plan-28"
    assert httpx.get(f"{bundled_url}{href}", headers={"Accept": "text/html"}).status_code == 200
    visit.assert_clean(allowed_origin=bundled_url)


def focused(visit: Visit) -> tuple[int, int]:
    cell = visit.evaluate("() => [document.activeElement.dataset.row, document.activeElement.dataset.col]")
    return int(cell[0]), int(cell[1])


@pytest.mark.browser
def test_the_grid_is_usable_from_the_keyboard(open_page: OpenPage, synth_url: str) -> None:
    visit = open_matrix(open_page, f"{synth_url}/matrix")
    page = visit.page
    payload = matrix(synth_url)
    page.focus('#matrix [tabindex="0"]')  # the one tab stop
    assert focused(visit) == (0, 0)
    assert page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle") != "none"
    for key, expected in [
        ("ArrowRight", (0, 1)),
        ("ArrowDown", (1, 1)),
        ("ArrowLeft", (1, 0)),
        ("ArrowUp", (0, 0)),
    ]:
        page.keyboard.press(key)
        assert focused(visit) == expected
    page.keyboard.press("End")
    assert focused(visit) == (
        0,
        len(payload["columns"]["ids"]) - 1,
    )  # scrolled there, still drawn and focused
    page.keyboard.press("Control+End")
    assert focused(visit) == (len(payload["rows"]["ids"]) - 1, len(payload["columns"]["ids"]) - 1)
    page.keyboard.press("Control+Home")
    row, col = next(
        (r, c)
        for r in range(len(payload["rows"]["ids"]))
        for c in [payload["cells"]["columns"][payload["cells"]["offsets"][r]]]
    )
    for _ in range(row):
        page.keyboard.press("ArrowDown")
    for _ in range(col):
        page.keyboard.press("ArrowRight")
    assert focused(visit) == (row, col)
    page.keyboard.press("Enter")
    page.locator("#panel h3").wait_for()
    assert "position" in page.locator("#panel h3").inner_text()
    page.keyboard.press("Escape")
    assert page.locator("#panel").is_hidden()
    assert focused(visit) == (row, col)  # focus went back to the cell
    visit.assert_clean(allowed_origin=synth_url)


@pytest.mark.browser
def test_filters_live_in_the_url_and_carry_over_to_the_viewer_and_back(
    open_page: OpenPage, bundled_url: str
) -> None:
    fragment = "draft=european-counter-proposal&draft=plan-19-point-geneva&certainty=stated"
    visit = open_matrix(open_page, f"{bundled_url}/matrix#{fragment}")
    page = visit.page
    payload = matrix(bundled_url, {"draft": LINEAGE[1:], "certainty": "stated"})
    assert page.locator("#status").inner_text().endswith(f"{payload['positions']} positions")
    assert not page.get_by_role("checkbox", name="28-point peace plan").is_checked()
    assert not page.get_by_role("checkbox", name="believed").is_checked()
    headers = page.locator("#matrix [role=columnheader]").all_inner_texts()
    assert "28-point peace plan" not in headers and "European counter-proposal" in headers
    before = page.evaluate("document.body.dataset.ready")
    page.get_by_role("checkbox", name="reported").check()
    reload_done(page, before)
    assert re.search(r"certainty=stated&certainty=reported", page.url)
    href = page.get_by_role("link", name="Graph viewer").get_attribute("href")
    assert href == f"/viewer#{fragment}&certainty=reported"
    viewer = open_page(f"{bundled_url}{href}")
    assert not viewer.page.get_by_role("checkbox", name="28-point peace plan").is_checked()
    assert not viewer.page.get_by_role("checkbox", name="believed", exact=True).is_checked()
    back = viewer.page.get_by_role("link", name="Stance matrix").get_attribute("href")
    again = open_matrix(open_page, f"{bundled_url}{back}")
    assert again.page.locator("#status").inner_text() == page.locator("#status").inner_text()
    for visit_ in (visit, viewer, again):
        visit_.assert_clean(allowed_origin=bundled_url)


@pytest.mark.browser
def test_sorting_from_the_page(open_page: OpenPage, bundled_url: str) -> None:
    visit = open_matrix(open_page, f"{bundled_url}/matrix")
    page = visit.page
    before = page.evaluate("document.body.dataset.ready")
    page.get_by_label("Actor to align with").select_option("russia")
    reload_done(page, before)
    assert "sort=alignment&with=russia" in page.url
    heads = page.locator("#matrix [role=rowheader] span:first-child").all_inner_texts()
    assert heads == matrix(bundled_url, {"sort": "alignment", "with": "russia"})["rows"]["labels"]
    visit.assert_clean(allowed_origin=bundled_url)


def _download(visit: Visit, name: str) -> bytes:
    with visit.page.expect_download() as info:
        visit.page.get_by_role("link" if name == "CSV" else "button", name=name).click()
    return Path(info.value.path()).read_bytes()


@pytest.mark.browser
def test_exports_csv_and_png_of_the_current_matrix(open_page: OpenPage, hostile_url: str) -> None:
    visit = open_matrix(open_page, f"{hostile_url}/matrix#certainty=stated")
    exported = _download(visit, "CSV").decode("utf-8")
    expected = get(hostile_url, "/api/matrix", {"certainty": "stated", "format": "csv"}).text
    assert exported == expected and HOSTILE_LABEL in exported
    png = _download(visit, "Download this view as PNG")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    size = visit.evaluate(
        "() => { const g = document.getElementById('matrix'); return [g.clientWidth, g.clientHeight]; }"
    )
    assert [int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")] == size
    visit.assert_clean(allowed_origin=hostile_url)


@pytest.mark.browser
def test_hostile_labels_stay_text(open_page: OpenPage, hostile_url: str, synth_url: str) -> None:
    for base in (hostile_url, synth_url):
        visit = open_matrix(open_page, f"{base}/matrix")
        labels = visit.page.locator("#matrix [role=rowheader]").all_inner_texts()
        if base == hostile_url:
            assert HOSTILE_LABEL in labels
            row = matrix(base)["rows"]["labels"].index(HOSTILE_LABEL)
            visit.page.click(f'#matrix .cell.s2[data-row="{row}"]')
            visit.page.locator("#panel h3").wait_for()
            assert "<b onmouseover=alert(3)>q</b>" in visit.page.locator("#panel").inner_text()
        assert visit.evaluate("() => document.querySelectorAll('img, #matrix b, #panel b').length") == 0
        assert visit.dialogs == []
        visit.assert_clean(allowed_origin=base)


@pytest.mark.browser
def test_phone_width_is_usable(open_page: OpenPage, bundled_url: str) -> None:
    visit = open_matrix(open_page, f"{bundled_url}/matrix", viewport=PHONE)
    page = visit.page
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    grid = page.locator("#matrix").bounding_box()
    assert grid is not None and grid["width"] >= PHONE["width"] - 2 and grid["height"] > 500
    page.get_by_role("button", name="Filters & sort").click()
    assert page.get_by_role("checkbox", name="European counter-proposal").is_visible()
    page.get_by_role("button", name="Filters & sort").click()
    page.locator("#matrix .cell.s1").first.click()
    page.locator("#panel h3").wait_for()
    visit.screenshot("matrix-phone")
    visit.assert_clean(allowed_origin=bundled_url)


def _open_filters(page: Page) -> None:
    page.get_by_role("button", name="Filters & sort").click()


def _open_a_cell(page: Page) -> None:
    page.locator("#matrix .cell.s1").first.click()
    page.locator("#panel h3").wait_for()


@pytest.mark.browser
@pytest.mark.parametrize(
    ("viewport", "then"),
    [(LAPTOP, None), (LAPTOP, _open_a_cell), (PHONE, _open_filters), (PHONE, _open_a_cell)],
    ids=["laptop", "laptop-evidence", "phone-filters", "phone-evidence"],
)
def test_no_serious_or_critical_accessibility_violations(
    open_page: OpenPage, bundled_url: str, viewport: dict[str, int], then: Callable[[Page], None] | None
) -> None:
    visit = open_matrix(open_page, f"{bundled_url}/matrix", viewport=viewport)
    if then:
        then(visit.page)
    assert axe_violations(visit) == []
    visit.assert_clean(allowed_origin=bundled_url)


@pytest.mark.browser
def test_the_benchmark_runs_on_tiny_data() -> None:
    """``benchmarks/matrix.py --smoke`` end to end, so it cannot rot; its numbers are not checked."""
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.matrix", "--smoke"],
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    for table in ("| matrix |", "| graph (viewer) |", "first screen in Chromium", "redraw per scroll step"):
        assert table in done.stdout
