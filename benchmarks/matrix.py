"""The stance matrix at the synthetic scale: its payload, and its first screen in Chromium.

    python -m benchmarks.matrix                    # about one million triples (1,000 actors, 10,000 clauses)
    python -m benchmarks.matrix --store DIR        # a store loaded already
    python -m benchmarks.matrix --smoke            # tiny data, a minute

Measured against the graph viewer in the same run, on the same server and data:
``/api/matrix`` against ``/api/graph`` (the viewer's payload; ``/api/positions?limit=50`` for scale):
time to compute (cold: the first request; warm: from the answer cache), bytes as JSON and as
gzip; then ``/matrix`` against ``/viewer`` in headless Chromium: time from navigation to the
first screen drawn (the viewer: its layout settled), how many cells the page holds in its DOM,
and the time to redraw the grid per scroll step, style and layout included (median and worst of 40
steps across the matrix).
The server's query deadline is raised to 300 s, since both payloads take longer than the default
10 s to compute cold on a million triples on a busy machine.
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

if __package__ in (None, ""):  # run as `python benchmarks/matrix.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stancegraph.api.server import running
from stancegraph.api.settings import Settings
from stancegraph.graph.synth import write_synthetic

PAYLOADS = {
    "matrix": "/api/matrix",
    "graph (viewer)": "/api/graph",
    "positions (50)": "/api/positions?limit=50",
}
PAGES = {"matrix": ("/matrix", "document.body.dataset.ready"), "viewer": ("/viewer", "stancegraph.ready")}
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
SCROLL_STEPS = 40


@dataclass(frozen=True)
class Payload:
    name: str
    cold_s: float
    warm_s: float
    json_bytes: int
    gzip_bytes: int


def make_store(folder: Path, triples: int) -> Path:
    """Synthetic data of about ``triples`` triples, loaded (unvalidated) into an on-disk store."""
    data = folder / "synthetic.nq"
    drafts = 20 if triples >= 100_000 else 4
    report = write_synthetic(
        data, actors=max(30, triples // 1000), clauses=max(drafts, triples // 100), drafts=drafts, seed=0
    )
    store = folder / "store"
    subprocess.run(
        [sys.executable, "-m", "stancegraph", "load", "--no-validate", "--store", str(store), str(data)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    print(
        f"data: {report.triples:,} triples ({report.actors} actors, {report.clauses} clauses,"
        f" {report.drafts} drafts, {report.positions} positions)"
    )
    return store


def payload(client: httpx.Client, name: str, path: str) -> Payload:
    start = time.perf_counter()
    cold = client.get(path)
    cold_s = time.perf_counter() - start
    cold.raise_for_status()
    start = time.perf_counter()
    client.get(path).raise_for_status()
    warm_s = time.perf_counter() - start
    return Payload(name, cold_s, warm_s, len(cold.content), len(gzip.compress(cold.content)))


def first_screens(base: str) -> dict[str, dict[str, float]]:
    """Time to the first screen of each page (answers cached by then), DOM cells and scroll redraws."""
    executable = os.environ.get("STANCEGRAPH_CHROMIUM") or shutil.which("chromium") or "chromium"
    found: dict[str, dict[str, float]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        for name, (path, ready) in PAGES.items():
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.set_default_timeout(600_000)
            page.goto(f"{base}{path}")
            if name == "matrix":
                page.wait_for_selector("body[data-ready]")
            else:
                page.evaluate(ready)
            found[name] = {"first_screen_ms": page.evaluate("() => performance.now()")}
            if name == "matrix":
                found[name] |= page.evaluate(
                    """(steps) => {
                        const grid = document.getElementById('matrix');
                        const times = [];
                        for (let i = 1; i <= steps; i++) {
                            grid.scrollTop = (grid.scrollHeight - grid.clientHeight) * i / steps;
                            grid.scrollLeft = (grid.scrollWidth - grid.clientWidth) * i / steps;
                            const start = performance.now();
                            stancegraph.draw();
                            void grid.querySelector('.cell:last-child')?.offsetLeft; // style and layout too
                            times.push(performance.now() - start);
                        }
                        times.sort((a, b) => a - b);
                        return {
                            dom_cells: document.querySelectorAll('#matrix [role=gridcell]').length,
                            redraw_median_ms: times[times.length >> 1],
                            redraw_worst_ms: times[times.length - 1],
                        };
                    }""",
                    SCROLL_STEPS,
                )
            page.close()
        browser.close()
    return found


def report(payloads: list[Payload], pages: dict[str, dict[str, float]]) -> None:
    matrix = payloads[0]
    print("\npayloads (ratio: matrix / this)")
    print("| payload | cold | warm (cached) | JSON | gzip | cold ratio | JSON ratio |")
    print("|---|---|---|---|---|---|---|")
    for p in payloads:
        print(
            f"| {p.name} | {p.cold_s:.2f} s | {p.warm_s * 1000:.1f} ms | {p.json_bytes / 1e6:.2f} MB"
            f" | {p.gzip_bytes / 1e6:.2f} MB | {matrix.cold_s / p.cold_s:.2f}x | {matrix.json_bytes / p.json_bytes:.2f}x |"
        )
    first = pages["matrix"]["first_screen_ms"]
    peer = pages["viewer"]["first_screen_ms"]
    print("\nfirst screen in Chromium, 1400x900, answers cached (ratio: matrix / viewer)")
    print(
        f"| matrix | {first:.0f} ms | viewer (layout settled) | {peer:.0f} ms | ratio | {first / peer:.2f}x |"
    )
    m = pages["matrix"]
    print(
        f"matrix DOM: {m['dom_cells']:.0f} cells drawn; redraw per scroll step: median"
        f" {m['redraw_median_ms']:.1f} ms, worst {m['redraw_worst_ms']:.1f} ms"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--store", type=Path, help="an on-disk store to serve (default: make synthetic data)")
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--smoke", action="store_true", help="tiny data, to check the benchmark runs")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="matrix-bench-") as scratch:
        store = args.store or make_store(Path(scratch), 20_000 if args.smoke else args.triples)
        with running(Settings(port=0, store=store, query_timeout=300.0)) as base:
            with httpx.Client(base_url=base, timeout=600, headers={"Accept": "application/json"}) as client:
                payloads = [payload(client, name, path) for name, path in PAYLOADS.items()]
            pages = first_screens(base)
    report(payloads, pages)
    return 0


if __name__ == "__main__":
    sys.exit(main())
