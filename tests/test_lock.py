"""The suite runs on the versions in the lock, so the day's registry cannot decide whether main is green.

``constraints.txt`` pins every package the runtime and the test extras need (``.ci/refresh-lock``
refreshes it on purpose). ``.ci/run`` and the README install with ``-c constraints.txt``; this test
fails when what is installed drifts from it, and when ``pyproject.toml`` asks for a package the lock
does not pin.
"""

from __future__ import annotations

import os
import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[1]
LOCK = Path(os.environ.get("STANCEGRAPH_LOCK", REPO / "constraints.txt"))
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;#]+)")


def pins() -> dict[str, str]:
    found = {}
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        if match := PIN.match(line):
            found[canonicalize_name(match[1])] = match[2]
    return found


def test_every_dependency_of_the_project_and_its_tests_is_pinned() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = [*project["dependencies"], *project["optional-dependencies"]["test"]]
    locked = pins()
    for requirement in map(Requirement, wanted):
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{name} is not in {LOCK.name}: run .ci/refresh-lock -P {name}"
        assert requirement.specifier.contains(locked[name], prereleases=True), (
            f"{LOCK.name} pins {name}=={locked[name]}, outside pyproject.toml's {requirement.specifier}"
        )


@pytest.mark.parametrize(("name", "version"), sorted(pins().items()))
def test_the_installed_version_is_the_locked_one(name: str, version: str) -> None:
    try:
        installed = metadata.version(name)
    except metadata.PackageNotFoundError:
        pytest.fail(f"{name} is locked but not installed: pip install -c constraints.txt -e '.[test]'")
    assert installed == version, (
        f"{name} {installed} is installed, the lock says {version}: pip install -c constraints.txt -e '.[test]'"
    )
