"""The README stays true: every command and every route it should describe is in it."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from stancegraph.api.app import create_app
from stancegraph.cli import main

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def commands(group: click.Group, prefix: str = "stancegraph") -> list[str]:
    found = []
    for name, command in group.commands.items():
        if command.hidden:
            continue
        found.append(f"{prefix} {name}")
        if isinstance(command, click.Group):
            found += commands(command, f"{prefix} {name}")
    return found


@pytest.mark.parametrize("command", commands(main))
def test_every_command_is_in_the_readme(command: str) -> None:
    assert command in README


def routes() -> list[str]:
    """Every path of the OpenAPI description (the service puts all its routes there) and /docs."""
    return sorted({*create_app().openapi()["paths"], "/docs"})


@pytest.mark.parametrize("path", routes())
def test_every_route_is_in_the_readme(path: str) -> None:
    pattern = re.escape(path).replace(r"\{", "{").replace(r"\}", "}")
    pattern = re.sub(r"\{[^}]+\}", r"[^ /`]+", pattern)
    assert re.search(rf"(?:^|[\s`(|]|8000){pattern}(?![\w-])", README, re.M), (
        f"{path} is not described in README.md"
    )
