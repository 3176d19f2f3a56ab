"""The benchmark runs end to end on tiny data, so it cannot rot between the runs that matter.

Its numbers are not checked (the machine is shared and noisy); that every
installed contestant starts, answers every request at every concurrency level,
streams the big answer whole and agrees with oxigraph is, and that every table
is printed.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.contestants import CONTESTANTS, NotInstalled
from benchmarks.loading import WAYS
from benchmarks.run import API_PATHS, QUERY_DIR, SMOKE_CLIENTS, row_start
from benchmarks.virtuoso import ROUTES
from tests.servers import virtuoso_programs

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
        timeout=300,  # four servers start and stop; a shared machine can be slow
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    assert "cores" in out and "pyoxigraph" in out, "the machine is printed"
    assert all(way in out for way in WAYS), "every way of loading is measured"
    tables = {section.split("\n", 1)[0].split(" (")[0]: section for section in out.split("\n\n")}
    for title in ("latency", "throughput", "repeated query", "streamed rows"):
        assert title in tables, f"no {title} table in\n{out}"
    expected = installed()
    modes = ("sequential", *(f"{clients} clients" for clients in SMOKE_CLIENTS))
    for contestant in CONTESTANTS:
        if contestant.name not in expected:
            assert f"skipped {contestant.name}:" in out
            continue
        requests = [path.stem for path in QUERY_DIR.glob("*.rq")]
        if contestant.name.startswith("stancegraph"):
            requests += list(API_PATHS)
        for request in requests:
            for mode in modes:
                start = row_start(request, mode, contestant.name)
                assert any(line.startswith(start) for line in tables["latency"].splitlines()), (
                    f"no latency row {start!r} in\n{out}"
                )
                if mode != "sequential":
                    assert any(line.startswith(start) for line in tables["throughput"].splitlines()), (
                        f"no throughput row {start!r} in\n{out}"
                    )
        streamed = [
            line
            for line in tables["streamed rows"].splitlines()
            if line.startswith(f"{contestant.name:<22} ")
        ]
        assert streamed and streamed[0].split()[len(contestant.name.split())] == "200", (
            f"{contestant.name} did not stream the rows:\n{out}"
        )


@pytest.mark.parametrize(
    ("module", "expected"),
    [
        ("benchmarks.loading", ["stancegraph load", "oxigraph load", "time ratio", "1k ("]),
        ("benchmarks.interleaved", ["oxigraph serve ms", *(path.stem for path in QUERY_DIR.glob("*.rq"))]),
    ],
)
def test_the_load_and_interleaved_benchmarks_run(module: str, expected: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", module, "--smoke"], cwd=REPO, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    for text in expected:
        assert text in done.stdout, f"{text!r} not in\n{done.stdout}"


def test_the_virtuoso_benchmark_runs() -> None:
    """Every table of ``benchmarks.virtuoso``, with a row for each query and route, and no failure in it."""
    if virtuoso_programs() is None:
        pytest.skip("Virtuoso is not installed (apt-get install virtuoso-opensource; .ci/run does)")
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.virtuoso", "--smoke"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    for heading in ("| request | format |", "| route | queries |", "| repeated request |"):
        assert heading in done.stdout, f"{heading!r} not in\n{done.stdout}"
    for name in [*(path.stem for path in QUERY_DIR.glob("*.rq")), *ROUTES]:
        assert f"| {name} |" in done.stdout, f"{name} has no row in\n{done.stdout}"
    assert "failed" not in done.stdout, done.stdout
