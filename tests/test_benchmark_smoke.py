"""The benchmark runs end to end on tiny data, so it cannot rot between the runs that matter.

Its numbers are not checked (the machine is shared and noisy); that every
installed contestant starts, answers every request and agrees with oxigraph is.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from benchmarks.contestants import CONTESTANTS, NotInstalled
from benchmarks.loading import WAYS
from benchmarks.run import API_PATHS, QUERY_DIR, row_start

REPO = Path(__file__).resolve().parents[1]


def installed() -> list[str]:
    names = []
    for contestant in CONTESTANTS:
        try:
            contestant.available()
        except NotInstalled:
            continue
        names.append(contestant.name)
    return names


def test_the_smoke_run_benchmarks_every_installed_contestant() -> None:
    assert shutil.which("oxigraph"), (
        "the baseline `oxigraph` server is not installed: pip install -e '.[test]'"
    )
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--smoke"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    assert "cores" in out and "pyoxigraph" in out, "the machine is printed"
    assert all(way in out for way in WAYS), "every way of loading is measured"
    lines = out.splitlines()
    expected = installed()
    for contestant in CONTESTANTS:
        if contestant.name not in expected:
            assert f"skipped {contestant.name}:" in out
            continue
        requests = [path.stem for path in QUERY_DIR.glob("*.rq")]
        if contestant.name.startswith("stancegraph"):
            requests += list(API_PATHS)
        for request in requests:
            for mode in ("sequential", "8 clients"):
                start = row_start(request, mode, contestant.name)
                assert any(line.startswith(start) for line in lines), f"no row {start!r} in\n{out}"
