"""The built wheel installs one import name, ``stancegraph``, beside packages called ``api`` and ``graph``."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel pip builds from this checkout (build isolation: setuptools comes from PyPI)."""
    out = tmp_path_factory.mktemp("wheel")
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert build.returncode == 0, build.stderr
    (built,) = out.glob("stancegraph-*.whl")
    return built


def test_the_wheel_holds_real_files_under_stancegraph_only(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names if not name.startswith("stancegraph-")}
    assert tops == {"stancegraph"}
    for part in ("graph/store.py", "api/app.py", "ontology/shapes.ttl", "graph/data/peace-plan-2025.trig"):
        assert f"stancegraph/{part}" in names  # the symlinked folders, as files


def test_it_installs_beside_packages_named_api_and_graph(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    # The dependencies come from this interpreter's site-packages; the venv's own come first.
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert purelib != sysconfig.get_path("purelib")
    for clash in ("api", "graph", "ontology"):  # other distributions' top-level packages
        (Path(purelib) / clash).mkdir()
        (Path(purelib) / clash / "__init__.py").write_text(f"NAME = 'somebody else\\'s {clash}'\n")
    install = subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)],
        capture_output=True,
        text=True,
    )
    assert install.returncode == 0, install.stderr
    for clash in ("api", "graph", "ontology"):  # untouched by the install
        assert "somebody else" in (Path(purelib) / clash / "__init__.py").read_text()
    check = subprocess.run(
        [
            python,
            "-c",
            "import api, graph, stancegraph.api.app as app; print(api.NAME, graph.NAME, app.__file__)",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert check.returncode == 0, check.stderr
    assert "somebody else's api somebody else's graph" in check.stdout and purelib in check.stdout
    stats = subprocess.run(
        [venv / "bin" / "stancegraph", "stats", "--format", "csv"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert stats.returncode == 0, stats.stderr
    assert "actors" in stats.stdout
