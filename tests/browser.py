"""Shared by the browser tests: Debian's chromium under Playwright, a page that records what it does, and
axe-core's check. Loaded as a plugin by ``tests/conftest.py``, so its fixtures serve every test file.

Every page records its requests, console errors and dialogs: a test fails if the page talks to any
host but the loopback server (or, opened from disk, to anything at all), logs an error, or lets data
run as code. Screenshots go to ``artifacts/screenshots/``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

SCREENSHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

LAPTOP = {"width": 1366, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = os.environ.get("STANCEGRAPH_CHROMIUM") or shutil.which("chromium")
    if executable is None:
        pytest.fail("no chromium: install Debian's chromium package or set STANCEGRAPH_CHROMIUM")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class Visit:
    """An open page (the viewer, the matrix, ...) and everything it did."""

    page: Page
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def evaluate(self, script: str, argument: Any = None) -> Any:
        return self.page.evaluate(script, argument)

    def visible(self) -> dict[str, list[dict[str, Any]]]:
        """The nodes and edges not hidden, with the fields the filters look at."""
        return self.evaluate(
            """() => ({
                nodes: stancegraph.nodes.get({filter: (n) => !n.hidden, fields: ['id', 'category', 'draft']}),
                edges: stancegraph.edges.get({
                    filter: (e) => !e.hidden,
                    fields: ['id', 'from', 'to', 'relation', 'stance', 'certainty', 'document'],
                }),
            })"""
        )

    def screenshot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=SCREENSHOTS / f"{name}.png")

    def assert_clean(self, *, allowed_origin: str | None) -> None:
        """No error, no dialog, and no request anywhere but ``allowed_origin`` (or the file itself)."""
        assert self.errors == []
        assert self.dialogs == []
        if allowed_origin is None:
            assert all(url.startswith("file://") for url in self.requests), self.requests
        else:
            origins = {f"{urlsplit(url).scheme}://{urlsplit(url).netloc}" for url in self.requests}
            assert origins == {allowed_origin}, self.requests


OpenPage = Callable[..., Visit]


@pytest.fixture
def open_page(browser: Browser) -> Iterator[OpenPage]:
    """Open a URL in a fresh browser context, record what the page does, and wait for it: the viewer's
    layout to settle, or the selector ``wait_for`` on any other page."""
    contexts = []

    def open_(
        url: str,
        *,
        viewport: dict[str, int] = LAPTOP,
        timeout_ms: float = 30_000,
        wait_for: str | None = None,
    ) -> Visit:
        context = browser.new_context(viewport=viewport)  # type: ignore[arg-type]
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(timeout_ms)
        visit = Visit(page)
        page.on("request", lambda request: visit.requests.append(request.url))
        page.on("requestfailed", lambda request: visit.errors.append(f"failed: {request.url}"))
        page.on("pageerror", lambda error: visit.errors.append(f"page error: {error}"))
        page.on("console", lambda message: message.type == "error" and visit.errors.append(message.text))
        page.on("dialog", lambda dialog: (visit.dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(url)
        if wait_for is None:  # the viewer: its layout has settled
            page.evaluate("stancegraph.ready")
        else:  # another page: this selector is there
            page.wait_for_selector(wait_for)
        return visit

    yield open_
    for context in contexts:
        context.close()


# ---------------------------------------------------------------- accessibility

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")
#: A short description of an element, to name the controls a keyboard test reached.
DESCRIBE = """(e) => e === document.body ? 'body'
    : `${e.tagName.toLowerCase()}#${e.id || ''}[${e.name || e.getAttribute('role') || ''}=${e.value || ''}]`"""


def axe_violations(visit: Visit) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now (DevTools evaluation: no CSP)."""
    visit.page.evaluate(AXE.read_text(encoding="utf-8"))
    result = visit.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['impact']} {v['id']}: {[node['target'] for node in v['nodes']]}"
        for v in result["violations"]
        if v["impact"] in BLOCKING
    ]


def assert_tab_reaches(visit: Visit, controls: list[str], *, spare: int = 3) -> None:
    """Tab through the page: every control in ``controls`` (as :data:`DESCRIBE` names them) gets focus,
    and everything that gets focus shows an outline."""
    reached, unmarked = [], []
    for _ in range(len(controls) + spare):
        visit.page.keyboard.press("Tab")
        focused, outline = visit.evaluate(
            f"() => [({DESCRIBE})(document.activeElement), getComputedStyle(document.activeElement).outlineStyle]"
        )
        reached.append(focused)
        if focused != "body" and outline == "none":
            unmarked.append(focused)
    assert set(controls) <= set(reached), set(controls) - set(reached)
    assert unmarked == []
