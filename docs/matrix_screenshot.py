"""Retake ``docs/matrix.png``: the stance matrix of the bundled data at 1400x900, one cell's evidence open.

    python docs/matrix_screenshot.py

Serves the bundled data on a free loopback port and drives Debian's chromium (or ``STANCEGRAPH_CHROMIUM``).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stancegraph.api.server import running
from stancegraph.api.settings import Settings

OUT = Path(__file__).resolve().parent / "matrix.png"


def main() -> None:
    executable = os.environ.get("STANCEGRAPH_CHROMIUM") or shutil.which("chromium") or "chromium"
    with running(Settings(port=0)) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=["--headless", "--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(f"{base}/matrix")
        page.wait_for_selector("body[data-ready]")
        rows = page.evaluate(
            "() => [...document.querySelectorAll('#matrix [role=rowheader]')].map((r) => r.innerText)"
        )
        row = next(i for i, text in enumerate(rows) if text.startswith("United States"))
        page.click(f'#matrix .cell[data-row="{row}"][data-col="0"]')
        page.locator("#panel h3").wait_for()
        page.screenshot(path=str(OUT))
        browser.close()
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
