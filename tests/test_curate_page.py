"""The curation page (/curate) in Chromium against the real server, over a store of its own with writes on.

A curator pastes a source, selects passages with the keyboard and the mouse, makes them the quotes
of a position and a claim, sees the dry run, and adds them; then they are in the JSON API,
in SPARQL and in the viewer's data. A wrong quote, a lookalike actor and a missing or wrong token
each give a clear message on the page and write nothing (the store's triple count is unchanged).

Chromium logs every 4xx answer to fetch() as a console error ("Failed to load resource"), whatever
the page does with it; where a test provokes a refusal, exactly those lines are expected and no
other error is allowed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pyoxigraph as ox
import pytest
from playwright.sync_api import Page, expect

from stancegraph.api.server import running
from stancegraph.api.settings import Settings
from stancegraph.ontology import ID, SG
from tests.browser import (
    DESCRIBE,
    LAPTOP,
    PHONE,
    OpenPage,
    Visit,
    assert_tab_reaches,
    axe_violations,
)
from tests.hostile import HOSTILE_LABEL, HOSTILE_QUOTE, hostile_turtle
from tests.servers import closed_store
from tests.test_write_api import AUTH, TOKEN, ask, count

pytestmark = pytest.mark.browser

SOURCE_LABEL = "A statement on the plan (fictional, for tests)"
POSITION_QUOTE = "we reject the clause that keeps NATO troops out of Ukraine"
CLAIM_QUOTE = "Europe called the 28-point plan a reward for aggression."
LEAD = "NATO's secretary general said: "
SOURCE_TEXT = f"{CLAIM_QUOTE}\n{LEAD}{POSITION_QUOTE}.\nThat is all (a fictional statement, for tests).\n"
CLAIM_LABEL = "Europe: the 28-point plan rewards aggression (test)"
NATO_OPPOSES = f"""PREFIX sg: <https://w3id.org/stancegraph/ns#> PREFIX : <https://w3id.org/stancegraph/id/>
ASK {{ ?p sg:actor :nato ; sg:stance sg:Opposition ; sg:target :plan-28-no-nato-troops ;
          sg:quote "{POSITION_QUOTE}"@en . :nato sg:opposes :plan-28-no-nato-troops }}"""

SELECTED = """PREFIX oa: <http://www.w3.org/ns/oa#> PREFIX : <https://w3id.org/stancegraph/id/>
ASK {{ :{id} oa:start {start} ; oa:end {end} ; oa:suffix ?suffix }}"""


@pytest.fixture
def writable(tmp_path: Path) -> Iterator[str]:
    """The service with writes on, over a store of its own (each test may change it)."""
    settings = Settings(port=0, store=closed_store(tmp_path / "store"), write_token=TOKEN, query_workers=2)
    with running(settings) as url:
        yield url


def curate(open_page: OpenPage, url: str, *, viewport: dict[str, int] = LAPTOP) -> Visit:
    """The curation page, with its choices read from the graph."""
    visit = open_page(f"{url}/curate", viewport=viewport, wait_for="#source-text")
    visit.evaluate("stancegraphCurate.ready")
    expect(visit.page.locator("#graph-status")).to_contain_text("to choose from")
    return visit


def paste_source(page: Page, text: str = SOURCE_TEXT) -> None:
    page.fill("#source-label", SOURCE_LABEL)
    page.select_option("#source-kind", "statement")
    page.fill("#source-text", text)


def select_with_keyboard(page: Page, start: int, length: int) -> None:
    """Select ``length`` characters from ``start`` as a keyboard user does (arrows cross line ends)."""
    page.focus("#source-text")
    page.keyboard.press("Control+Home")
    for _ in range(start):
        page.keyboard.press("ArrowRight")
    for _ in range(length):
        page.keyboard.press("Shift+ArrowRight")


def select_first_line_with_mouse(page: Page) -> None:
    """Triple-click the first line of the source text: the browser selects that line whole."""
    x, y = page.evaluate(
        """() => {
            const area = document.getElementById('source-text');
            window.scrollTo(0, 0);  // the text box is near the top; the page may get shorter as it clicks
            const box = area.getBoundingClientRect();
            const style = getComputedStyle(area);
            return [box.left + 40, box.top + parseFloat(style.paddingTop) + parseFloat(style.lineHeight) / 2];
        }"""
    )
    page.mouse.click(x, y, click_count=3)


def add_position(page: Page, *, keys_before: int = 0) -> None:
    """Select the position's quote (``keys_before`` more arrow presses into the text) and add it."""
    select_with_keyboard(page, keys_before + SOURCE_TEXT.index(POSITION_QUOTE), len(POSITION_QUOTE))
    expect(page.locator("#selection blockquote")).to_have_text(POSITION_QUOTE)
    page.check("input[name=section][value=positions]")
    page.select_option("#position-actor", label="NATO")
    page.check("input[name=stance][value=opposes]")
    page.select_option("#position-target", label="28-point plan: no NATO troops in Ukraine")
    page.check("input[name=certainty][value=stated]")
    page.click("text=Add with the selected quote")
    expect(page.locator("#entry-status")).to_have_text("Added position 1.")


def add_claim(page: Page) -> None:
    select_first_line_with_mouse(page)
    expect(page.locator("#selection blockquote")).to_have_text(CLAIM_QUOTE)
    page.check("input[name=section][value=claims]")
    page.select_option("#claim-claimant", label="Europe")
    page.select_option("#claim-about", label="28-point peace plan (the whole draft)")
    page.check("input[name=certainty][value=reported]")
    page.fill("#entry-label", CLAIM_LABEL)
    page.click("text=Add with the selected quote")
    expect(page.locator("#entry-status")).to_have_text("Added claim 1.")


def check(page: Page, token: str | None = TOKEN) -> None:
    if token is not None:
        page.fill("#token", token)
    page.click("#check")
    page.locator("#result .passed, #result .failed").wait_for()


def refusals(visit: Visit, status: int) -> list[str]:
    """The console errors that are not Chromium's own log line of the ``status`` answers provoked."""
    logged = f"Failed to load resource: the server responded with a status of {status}"
    return [error for error in visit.errors if not error.startswith(logged)]


def items(url: str, path: str, **params: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = httpx.get(f"{url}{path}", params=params, timeout=30).json()["items"]
    return found


# ---------------------------------------------------------------- the whole way


def test_a_curator_adds_a_position_and_a_claim_from_a_pasted_source(
    open_page: OpenPage, writable: str
) -> None:
    visit = curate(open_page, writable, viewport={"width": 1400, "height": 900})
    page = visit.page
    paste_source(page)
    add_position(page)
    add_claim(page)
    entries = page.locator("#entry-list > li")
    expect(entries).to_have_count(2)
    expect(entries.nth(0)).to_contain_text(
        "Position 1: NATO opposes 28-point plan: no NATO troops in Ukraine"
    )
    expect(entries.nth(1)).to_contain_text(f"Claim 1: {CLAIM_LABEL}: Europe about 28-point peace plan")

    before = count(writable)
    check(page)
    result = page.locator("#result")
    expect(result).to_contain_text("Every check passed")
    expect(result).to_contain_text("nothing is written yet")
    expect(result).to_contain_text("SHACL: conforms to the stancegraph shapes")
    would_add = int(re.search(r"would add (\d+) triple", result.inner_text())[1])  # type: ignore[index]
    trig = page.locator("pre.triples").text_content() or ""  # folded away under a summary
    assert len(list(ox.parse(trig.encode(), format=ox.RdfFormat.TRIG))) == would_add
    assert f'"{POSITION_QUOTE}"@en' in trig and "id:nato sg:opposes id:plan-28-no-nato-troops" in trig
    assert count(writable) == before and not ask(writable, NATO_OPPOSES)
    page.locator("#result").evaluate("(e) => { e.blur(); e.scrollIntoView({block: 'end'}); }")
    visit.screenshot("curate")  # docs/curate.png

    expect(page.locator("#submit")).to_be_enabled()
    page.click("#submit")
    expect(result.locator(".added")).to_contain_text(f"Added {would_add} triple(s) to the graph.")
    assert count(writable) == before + would_add
    expect(page.locator("#entry-list > li")).to_have_count(0)  # added: the work in progress is done

    positions = items(writable, "/api/positions", actor="nato", clause="plan-28-no-nato-troops")
    assert [(p["stance"], p["quote"], p["certainty"], p["source"]["label"]) for p in positions] == [
        ("opposes", POSITION_QUOTE, "stated", SOURCE_LABEL)
    ]
    claims = [c for c in items(writable, "/api/claims", claimant="europe") if c["label"] == CLAIM_LABEL]
    assert [(c["quote"], c["certainty"], c["source"]["label"]) for c in claims] == [
        (CLAIM_QUOTE, "reported", SOURCE_LABEL)
    ]
    assert ask(writable, NATO_OPPOSES)
    start = SOURCE_TEXT.index(POSITION_QUOTE)  # where it was selected, as a Web Annotation selector
    assert ask(writable, SELECTED.format(id=positions[0]["id"], start=start, end=start + len(POSITION_QUOTE)))
    assert ask(writable, SELECTED.format(id=claims[0]["id"], start=0, end=len(CLAIM_QUOTE)))
    graph = httpx.get(f"{writable}/api/graph", timeout=30).json()
    assert positions[0]["id"] in {edge["position"] for edge in graph["edges"]}
    assert (claims[0]["id"], "europe", "plan-28-point") in {
        (edge["claim"], edge["source"], edge["target"]) for edge in graph["edges"]
    }
    page.get_by_role("link", name=positions[0]["id"]).click()
    expect(page.locator("h1")).to_contain_text("NATO opposes")
    visit.assert_clean(allowed_origin=writable)


CLAUSE_TEXT = (
    "Europe's draft adds a point: reconstruction is paid for from frozen assets.\n"
    "We support that point.\n(A fictional statement, for tests.)\n"
)
CLAUSE_LABEL = "European counter-proposal: reconstruction from frozen assets (test)"


def select_text(page: Page, passage: str) -> None:
    select_with_keyboard(page, CLAUSE_TEXT.index(passage), len(passage))
    expect(page.locator("#selection blockquote")).to_have_text(passage)


def test_a_new_clause_its_change_and_a_position_on_it_go_in_together(
    open_page: OpenPage, writable: str
) -> None:
    visit = curate(open_page, writable)
    page = visit.page
    paste_source(page, CLAUSE_TEXT)
    select_text(page, "reconstruction is paid for from frozen assets")
    page.check("input[name=section][value=clauses]")
    page.select_option("#clause-draft", label="European counter-proposal")
    page.fill("#entry-label", CLAUSE_LABEL)
    page.fill("#clause-wording", "reconstruction is paid for from frozen assets")
    page.click("text=Add with the selected quote")
    select_text(page, "Europe's draft adds a point")
    page.check("input[name=section][value=changes]")
    page.select_option("#change-draft", label="European counter-proposal")
    page.select_option("#change-kind", "added")
    page.select_option("#change-new", label=CLAUSE_LABEL)  # the new clause, offered at once
    page.click("text=Add with the selected quote")
    select_text(page, "We support that point")
    page.check("input[name=section][value=positions]")
    page.select_option("#position-actor", label="Europe")
    page.check("input[name=stance][value=supports]")
    page.select_option("#position-target", label=CLAUSE_LABEL)
    page.select_option("#position-draft", label="European counter-proposal")
    page.click("text=Add with the selected quote")
    expect(page.locator("#entry-list > li")).to_have_count(3)
    expect(page.locator("#entry-list > li").nth(2)).to_contain_text("as of European counter-proposal")

    check(page)
    expect(page.locator("#result .passed")).to_contain_text("Every check passed")
    page.click("#submit")
    expect(page.locator("#result .added")).to_contain_text("Added")
    clause = "european-counter-proposal-reconstruction-from-frozen-assets-test"
    detail = httpx.get(f"{writable}/api/clauses/{clause}", timeout=30).json()
    assert detail["draft"]["id"] == "european-counter-proposal"
    assert [p["actor"]["id"] for p in detail["supporters"]["items"]] == ["europe"]
    position = detail["supporters"]["items"][0]["id"]
    assert ask(writable, f"ASK {{ <{ID}{position}> <{SG}asOfDraft> <{ID}european-counter-proposal> }}")
    changes = httpx.get(f"{writable}/api/documents/european-counter-proposal", timeout=30).json()["changes"]
    assert [(c["kind"], c["new"]["id"]) for c in changes if c["new"] and c["new"]["id"] == clause] == [
        ("added", clause)
    ]
    visit.assert_clean(allowed_origin=writable)


# ---------------------------------------------------------------- refusals write nothing


def test_a_quote_no_longer_in_the_edited_text_is_refused(open_page: OpenPage, writable: str) -> None:
    visit = curate(open_page, writable)
    page = visit.page
    paste_source(page)
    add_position(page)
    page.fill("#source-text", SOURCE_TEXT.replace("NATO troops out", "foreign troops out"))
    expect(page.locator("#entry-list .warning")).to_have_text(
        "This quote is no longer in the text: the check will refuse it."
    )
    before = count(writable)
    check(page)
    failed = page.locator("#result .failed")
    expect(failed).to_contain_text("The checks refused this source (422): nothing was written.")
    expect(failed).to_contain_text("Position 1, quote: not found in the source text")
    expect(page.locator("#submit")).to_be_disabled()
    assert count(writable) == before and not ask(writable, NATO_OPPOSES)
    assert refusals(visit, 422) == [] and len(visit.errors) == 1
    visit.errors.clear()
    visit.assert_clean(allowed_origin=writable)


def test_a_new_actor_like_an_existing_one_is_refused_until_the_curator_says_which(
    open_page: OpenPage, writable: str
) -> None:
    visit = curate(open_page, writable)
    page = visit.page
    paste_source(page)
    page.click("#new-actor summary")
    page.fill("#actor-label", "United State")
    page.select_option("#actor-kind", "state")
    page.click("text=Add the actor")
    select_with_keyboard(page, SOURCE_TEXT.index(POSITION_QUOTE), len(POSITION_QUOTE))
    page.select_option("#position-actor", label="United State")
    page.select_option("#position-target", label="28-point plan: no NATO troops in Ukraine")
    page.click("text=Add with the selected quote")
    before = count(writable)
    check(page)
    failed = page.locator("#result .failed")
    expect(failed).to_contain_text("The checks refused this source (422): nothing was written.")
    expect(failed).to_contain_text("Actor 1: 'United State' looks like actor 'United States' (id us)")
    expect(failed).to_contain_text("choose that actor from the lists instead")
    assert count(writable) == before
    assert "United State" not in {actor["label"] for actor in items(writable, "/api/actors")}
    assert refusals(visit, 422) == []


@pytest.mark.parametrize("token", [None, "", "wrong-token-0123456789"], ids=["unset", "empty", "wrong"])
def test_a_missing_or_wrong_token_is_a_clear_message_and_writes_nothing(
    open_page: OpenPage, writable: str, token: str | None
) -> None:
    visit = curate(open_page, writable)
    page = visit.page
    paste_source(page)
    add_position(page)
    before = count(writable)
    check(page, token)
    failed = page.locator("#result .failed")
    if token == "wrong-token-0123456789":
        expect(failed).to_contain_text(
            "The server did not accept the write token (401): nothing was written."
        )
        expect(failed).to_contain_text("Enter this server's write token (STANCEGRAPH_WRITE_TOKEN)")
        assert refusals(visit, 401) == [] and len(visit.errors) == 1
    else:
        expect(failed).to_contain_text("Not sent: nothing was written.")
        expect(failed).to_contain_text("Enter the write token")
        expect(page.locator("#token")).to_be_focused()
        assert not any("/api/sources" in url for url in visit.requests)
        assert visit.errors == []
    expect(page.locator("#submit")).to_be_disabled()
    assert count(writable) == before and not ask(writable, NATO_OPPOSES)


def test_writes_off_is_a_clear_message(open_page: OpenPage, local_url: str) -> None:
    visit = curate(open_page, local_url)
    page = visit.page
    paste_source(page)
    add_position(page)
    before = count(local_url)
    check(page, "any-token-0123456789abcdef")
    expect(page.locator("#result .failed")).to_contain_text("This server does not take writes (403)")
    expect(page.locator("#result .failed")).to_contain_text("STANCEGRAPH_WRITE_TOKEN")
    assert count(local_url) == before
    assert refusals(visit, 403) == []


# ---------------------------------------------------------------- work in progress


def test_the_work_survives_a_reload_and_the_token_stays_in_its_tab(
    open_page: OpenPage, writable: str
) -> None:
    visit = curate(open_page, writable)
    page = visit.page
    paste_source(page, "")
    windows_file = SOURCE_TEXT.replace("\n", "\r\n").encode()  # a text box holds \n line ends
    page.set_input_files(
        "#source-file", files=[{"name": "s.txt", "mimeType": "text/plain", "buffer": windows_file}]
    )
    expect(page.locator("#entry-status")).to_have_text("Loaded s.txt.")
    expect(page.locator("#source-text")).to_have_value(SOURCE_TEXT)
    add_position(page)
    add_claim(page)
    page.fill("#token", TOKEN)
    page.reload()
    page.evaluate("stancegraphCurate.ready")
    expect(page.locator("#source-text")).to_have_value(SOURCE_TEXT)
    expect(page.locator("#source-label")).to_have_value(SOURCE_LABEL)
    expect(page.locator("#source-kind")).to_have_value("statement")
    expect(page.locator("#entry-list > li")).to_have_count(2)
    expect(page.locator("#token")).to_have_value(TOKEN)  # the same tab: sessionStorage
    page.locator("#entry-list > li").nth(0).get_by_role("button", name="Show in text").click()
    expect(page.locator("#selection blockquote")).to_have_text(POSITION_QUOTE)
    saved = page.evaluate("() => JSON.stringify({...localStorage})")
    assert POSITION_QUOTE in saved and TOKEN not in saved

    other_tab = page.context.new_page()  # another tab of the same browser: the work, not the token
    other_tab.goto(f"{writable}/curate")
    other_tab.evaluate("stancegraphCurate.ready")
    expect(other_tab.locator("#entry-list > li")).to_have_count(2)
    expect(other_tab.locator("#token")).to_have_value("")

    check(page)  # what was kept is what is sent
    expect(page.locator("#result .passed")).to_contain_text("Every check passed")
    page.fill("#entry-label", "")
    page.locator("#entry-list > li").nth(1).get_by_role("button", name="Remove").click()
    expect(page.locator("#submit")).to_be_disabled()  # changed since the check
    expect(page.locator("#stale")).to_be_visible()
    page.click("#start-over")
    page.click("#discard")
    page.reload()
    page.evaluate("stancegraphCurate.ready")
    expect(page.locator("#source-text")).to_have_value("")
    expect(page.locator("#entry-list > li")).to_have_count(0)
    visit.assert_clean(allowed_origin=writable)


def test_the_selection_is_recorded_as_a_text_quote_selector(open_page: OpenPage, writable: str) -> None:
    visit = curate(open_page, writable)
    page = visit.page
    emoji = "🇺🇦 "  # a flag is two characters outside the BMP: offsets count characters, not UTF-16 units
    paste_source(page, emoji + SOURCE_TEXT)
    add_position(page, keys_before=2)  # the flag is one arrow press, the space another
    entry = page.evaluate("() => JSON.parse(localStorage.getItem('stancegraph.curate.work')).entries[0]")
    text = emoji + SOURCE_TEXT
    start = text.index(POSITION_QUOTE)
    assert entry["quote"] == POSITION_QUOTE
    assert entry["selector"] == {
        "prefix": text[start - 32 : start],
        "suffix": text[start + len(POSITION_QUOTE) : start + len(POSITION_QUOTE) + 32],
        "start": start,
        "end": start + len(POSITION_QUOTE),
    }
    page.fill("#source-text", "New first line.\n" + text)  # the quote moves; its selector follows
    moved = page.evaluate("() => JSON.parse(localStorage.getItem('stancegraph.curate.work')).entries[0]")
    assert moved["selector"]["start"] == start + len("New first line.\n")
    sent = page.evaluate("() => stancegraphCurate.curationDocument().positions[0]")
    assert sent["quote"] == POSITION_QUOTE and sent["selector"] == moved["selector"]
    check(page)  # the server counts the offsets as the page does, past the flag too
    expect(page.locator("#result .passed")).to_contain_text("Every check passed")
    visit.assert_clean(allowed_origin=writable)


# ---------------------------------------------------------------- hostile data, accessibility, phones


def test_hostile_labels_and_text_stay_text(open_page: OpenPage, writable: str) -> None:
    turtle = hostile_turtle(label=HOSTILE_LABEL, position_label=HOSTILE_QUOTE, quote=HOSTILE_QUOTE)
    loaded = httpx.post(
        f"{writable}/store?default",
        content=turtle,
        headers={**AUTH, "Content-Type": "text/turtle"},
        timeout=30,
    )
    assert loaded.status_code in (200, 204), loaded.text
    visit = curate(open_page, writable)
    page = visit.page
    assert page.locator("#position-actor option[value=hostile]").inner_text() == HOSTILE_LABEL
    page.fill("#source-label", HOSTILE_LABEL)
    page.fill("#source-text", f"Intro. {HOSTILE_QUOTE} End.")
    page.click("#new-actor summary")
    page.fill("#actor-label", HOSTILE_LABEL)  # a new actor named like the hostile one: refused, quoted
    page.click("text=Add the actor")
    select_with_keyboard(page, len("Intro. "), len(HOSTILE_QUOTE))
    expect(page.locator("#selection blockquote")).to_have_text(HOSTILE_QUOTE)
    page.select_option("#position-actor", value=HOSTILE_LABEL)  # the new one
    page.select_option("#position-target", value="plan-28-amnesty")
    page.fill("#entry-label", HOSTILE_QUOTE)
    page.click("text=Add with the selected quote")
    expect(page.locator("#entry-list")).to_contain_text(HOSTILE_QUOTE)
    check(page)
    expect(page.locator("#result .failed")).to_contain_text(
        f"looks like actor '{HOSTILE_LABEL}' (id hostile)"
    )
    page.wait_for_timeout(200)  # let any injected handler fire
    assert (
        page.evaluate("() => document.querySelectorAll('main img, main b, [onerror], [onmouseover]').length")
        == 0
    )
    assert visit.dialogs == []
    assert refusals(visit, 422) == []


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_no_serious_or_critical_accessibility_violations(
    open_page: OpenPage, writable: str, viewport: dict[str, int]
) -> None:
    visit = curate(open_page, writable, viewport=viewport)
    page = visit.page
    assert axe_violations(visit) == []
    paste_source(page)
    add_position(page)
    page.check("input[name=section][value=claims]")
    page.click("text=Add with the selected quote")  # a claim needs a claimant and a label: the errors show
    expect(page.locator("#entry-errors li").first).to_be_visible()
    page.click("#new-actor summary")
    check(page)
    assert axe_violations(visit) == []
    assert page.evaluate("() => document.scrollingElement.scrollWidth") <= viewport["width"]
    visit.assert_clean(allowed_origin=writable)


def test_tab_reaches_every_control_with_a_visible_focus(open_page: OpenPage, writable: str) -> None:
    visit = curate(open_page, writable)
    page = visit.page
    paste_source(page)
    add_position(page)
    page.click("#new-actor summary")
    controls = visit.evaluate(
        f"""() => [...document.querySelectorAll('main input, main select, main textarea, main button, main summary')]
            .filter((e) => e.checkVisibility() && !e.matches(':disabled'))
            .filter((e) => e.type !== 'radio' || e.checked)
            .map({DESCRIBE})"""
    )
    page.evaluate("() => document.activeElement.blur()")
    assert_tab_reaches(visit, controls, spare=12)
    visit.assert_clean(allowed_origin=writable)


def test_the_page_is_linked_from_the_viewer_and_the_other_pages(writable: str) -> None:
    for path in ("/viewer", "/sparql"):
        assert 'href="/curate"' in httpx.get(f"{writable}{path}", headers={"Accept": "text/html"}).text
    assert httpx.get(f"{writable}/", follow_redirects=True).url.path == "/viewer"
    page = httpx.get(f"{writable}/curate")
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert "script-src 'self';" in page.headers["content-security-policy"]
