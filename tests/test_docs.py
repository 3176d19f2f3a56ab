"""The README and docs/ stay true.

* Every CLI command is described in docs/cli.md, every route in the page that owns it, every
  setting in docs/service.md.
* Every ```console example that runs ``stancegraph`` (but ``serve``) is run on the bundled data and
  its output compared; ``stancegraph`` lines in ```sh blocks are run and must succeed; ``$ curl``
  examples are replayed against the real service; every ``>>>`` example in a ```python block runs
  as a doctest.
* Every relative link points to an existing file, and every ``#anchor`` to a heading.
* The README stays a front door: under 250 lines.
"""

from __future__ import annotations

import doctest
import re
import shlex
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import click
import httpx
import pytest
from click.testing import CliRunner

from stancegraph.api.app import create_app
from stancegraph.api.settings import Settings
from stancegraph.cli import main

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```[ \t]*$", re.M | re.S)


def text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def name(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


# --- Commands, routes and settings, each in the page that owns it ---------------------------------


def commands(group: click.Group, prefix: str = "stancegraph") -> list[str]:
    found = []
    for command_name, command in group.commands.items():
        if command.hidden:
            continue
        found.append(f"{prefix} {command_name}")
        if isinstance(command, click.Group):
            found += commands(command, f"{prefix} {command_name}")
    return found


@pytest.mark.parametrize("command", commands(main))
def test_every_command_is_in_the_cli_page(command: str) -> None:
    assert command in text(ROOT / "docs/cli.md"), f"`{command}` is not described in docs/cli.md"


def routes() -> list[str]:
    """Every path of the OpenAPI description (the service puts all its routes there) and /docs."""
    return sorted({*create_app().openapi()["paths"], "/docs"})


#: Which page owns a route: the first pattern that matches its path. Add a line for a new area.
ROUTE_OWNERS = [
    (r"^/api/(alignment|coalitions|contested|centrality|timeline)\b", "docs/analysis.md"),
    (r"^/api/sources\b", "docs/curation.md"),
    (r"^/viewer\b", "docs/viewer.md"),
    (r"^/curate\b", "docs/curation-page.md"),
    (r"^/(api/)?matrix\b", "docs/matrix.md"),
    (r"", "docs/service.md"),
]


def owner(path: str) -> str:
    return next(page for pattern, page in ROUTE_OWNERS if re.search(pattern, path))


@pytest.mark.parametrize("path", routes())
def test_every_route_is_in_the_page_that_owns_it(path: str) -> None:
    pattern = re.escape(path).replace(r"\{", "{").replace(r"\}", "}")
    pattern = re.sub(r"\{[^}]+\}", r"[^ /`]+", pattern)
    page = owner(path)
    assert re.search(rf"(?:^|[\s`(|]|8000){pattern}(?![\w-])", text(ROOT / page), re.M), (
        f"{path} is not described in {page}"
    )


@pytest.mark.parametrize("variable", sorted(Settings.env_vars().values()))
def test_every_setting_is_in_the_service_page(variable: str) -> None:
    assert f"`{variable}`" in text(ROOT / "docs/service.md"), f"{variable} is not in docs/service.md"


# --- Examples run ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Example:
    """One command of a code block, with the output the page shows for it (console blocks only)."""

    line: int
    argv: tuple[str, ...]
    pipe: tuple[str, ...]
    expected: tuple[str, ...]
    check_output: bool

    @property
    def head(self) -> int | None:
        """N of a `| head -N` after the command."""
        return int(self.pipe[-1].lstrip("-")) if self.pipe and self.pipe[0] == "head" else None


@dataclass(frozen=True)
class Block:
    page: Path
    line: int
    language: str
    body: str

    @property
    def id(self) -> str:
        return f"{name(self.page)}:{self.line}"


def blocks(*languages: str) -> Iterator[Block]:
    for page in PAGES:
        source = text(page)
        for match in FENCE.finditer(source):
            if match[1] in languages:
                line = source.count("\n", 0, match.start(2)) + 1
                yield Block(page, line, match[1], match[2])


def _split(command: str) -> list[str] | None:
    """The words of a shell command, or None while a quote is still open."""
    try:
        return shlex.split(command, comments=True)
    except ValueError:
        return None


def _examples(block: Block, program: str = "stancegraph") -> list[Example]:
    """The block's commands of `program` (`stancegraph` but `serve`; `curl`).

    In ```console, `$ ` starts a command and the lines up to the next `$ ` are its output.
    """
    console = block.language == "console"
    lines = block.body.splitlines()
    examples: list[Example] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        start = index
        if console and not line.startswith("$ "):
            index += 1
            continue
        command = line[2:] if console else line
        words = _split(command)
        while (words is None or command.endswith("\\")) and index + 1 < len(lines):
            index += 1
            command = command.removesuffix("\\") + "\n" + lines[index]
            words = _split(command)
        index += 1
        output = []
        while console and index < len(lines) and not lines[index].startswith("$ "):
            output.append(lines[index].rstrip())
            index += 1
        if not words or words[0] != program or words[1:2] == ["serve"]:
            continue
        pipe: list[str] = []
        if "|" in words:
            pipe = words[words.index("|") + 1 :]
            words = words[: words.index("|")]
            understood = r"head -n? ?\d+" if program == "stancegraph" else r"head -n? ?\d+|jq .*"
            assert re.fullmatch(understood, " ".join(pipe), re.S), (
                f"{block.id}: only `| head -N` (and `| jq` after curl) is understood in an example: {command}"
            )
        assert not {">", ">>", "<", "&", "&&", ";", "|"} & set(words), (
            f"{block.id}: a shell construct: {command}"
        )
        examples.append(Example(block.line + start, tuple(words), tuple(pipe), tuple(output), console))
    return examples


def _matches(expected: tuple[str, ...], actual: list[str]) -> bool:
    """Equal line by line; a `...` line stands for any lines (none included)."""
    if "..." not in expected:
        return list(expected) == actual
    chunks: list[list[str]] = [[]]
    for line in expected:
        if line == "...":
            chunks.append([])
        else:
            chunks[-1].append(line)
    first, *middle, last = chunks
    if actual[: len(first)] != first:
        return False
    position = len(first)
    for chunk in middle:
        found = next(
            (i for i in range(position, len(actual) - len(chunk) + 1) if actual[i : i + len(chunk)] == chunk),
            None,
        )
        if found is None:
            return False
        position = found + len(chunk)
    return len(actual) - len(last) >= position and actual[len(actual) - len(last) :] == last


def _lines(output: str, head: int | None) -> list[str]:
    lines = [line.rstrip() for line in output.splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return lines[:head] if head is not None else lines


def _shows(where: str, example: Example, outputs: list[str], printed: str) -> None:
    """Assert that one of `outputs` is what the page shows for `example`."""
    candidates = [_lines(output, example.head) for output in outputs]
    assert any(_matches(example.expected, actual) for actual in candidates), (
        f"{where}\nthe page shows:\n" + "\n".join(example.expected) + "\nit prints:\n" + printed
    )


RUN_BLOCKS = [block for block in blocks("console", "sh", "shell", "bash") if _examples(block)]


@pytest.mark.parametrize("block", RUN_BLOCKS, ids=[block.id for block in RUN_BLOCKS])
def test_examples_print_what_the_page_shows(
    block: Block, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each block runs in a scratch directory of its own (with graph/ and tests/ at hand), in order."""
    for folder in ("graph", "tests", "ontology"):
        (tmp_path / folder).symlink_to(ROOT / folder)
    monkeypatch.chdir(tmp_path)
    for variable in ("STANCEGRAPH_STORE", "STANCEGRAPH_ENDPOINT"):
        monkeypatch.delenv(variable, raising=False)
    for example in _examples(block):
        where = f"{name(block.page)}:{example.line}: {shlex.join(example.argv)}"
        result = CliRunner().invoke(main, list(example.argv[1:]), prog_name="stancegraph")
        fails = bool(example.expected) and example.expected[0].startswith("stancegraph: error:")
        assert (result.exit_code != 0) == fails, f"{where}\nexit {result.exit_code}\n{result.output}"
        if example.check_output:
            # What the page shows is the standard output, or both streams as a terminal shows them.
            _shows(where, example, [result.stdout, result.output], result.output)


CURL_BLOCKS = [block for block in blocks("console") if _examples(block, "curl")]


def _request(argv: tuple[str, ...], base_url: str) -> httpx.Request:
    """The request a curl command line makes (the options these pages use: -s, -G, -H, --data-urlencode)."""
    url, as_get = "", False
    headers: dict[str, str] = {}
    form: list[tuple[str, str]] = []
    words = iter(argv[1:])
    for word in words:
        if word == "-G":
            as_get = True
        elif word == "-H":
            key, _, value = next(words).partition(":")
            headers[key.strip()] = value.strip()
        elif word == "--data-urlencode":
            key, _, value = next(words).partition("=")
            form.append((key, value))
        elif word != "-s":
            assert not word.startswith("-"), f"curl option {word} is not understood here"
            url = word.replace("http://127.0.0.1:8000", base_url)
    if form and not as_get:
        return httpx.Request("POST", url, headers=headers, data=dict(form))
    # httpx replaces a URL's query string with ``params``, even an empty one: add to it instead
    return httpx.Request("GET", httpx.URL(url).copy_merge_params(form), headers=headers)


@pytest.mark.parametrize("block", CURL_BLOCKS, ids=[block.id for block in CURL_BLOCKS])
def test_curl_examples_print_what_the_page_shows(block: Block, local_url: str) -> None:
    """`$ curl` examples with their output are replayed against the real service on the bundled data."""
    with httpx.Client(timeout=30) as client:
        for example in _examples(block, "curl"):
            where = f"{name(block.page)}:{example.line}: {shlex.join(example.argv)}"
            response = client.send(_request(example.argv, local_url))
            assert response.is_success, f"{where}\n{response.status_code} {response.text}"
            body = response.text.replace(local_url, "http://127.0.0.1:8000")
            if example.pipe[:1] == ("jq",):
                if shutil.which("jq") is None:
                    continue
                body = subprocess.run(
                    example.pipe, input=body, capture_output=True, text=True, check=True, timeout=30
                ).stdout
            _shows(where, example, [body], body)


DOCTEST_BLOCKS = [block for block in blocks("python", "pycon") if ">>>" in block.body]


@pytest.mark.parametrize("block", DOCTEST_BLOCKS, ids=[block.id for block in DOCTEST_BLOCKS])
def test_python_examples_run(block: Block) -> None:
    test = doctest.DocTestParser().get_doctest(block.body, {}, block.id, str(block.page), block.line)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    failures: list[str] = []
    runner.run(test, out=failures.append)
    assert runner.failures == 0, "".join(failures)


def test_examples_are_found() -> None:
    """The parser sees the examples this test is for (a broken fence would silently skip them)."""
    argv = {example.argv for block in RUN_BLOCKS for example in _examples(block)}
    assert ("stancegraph", "stats") in argv
    assert ("stancegraph", "analyse", "alignment", "--actor", "us") in argv
    assert any(block.page.name == "README.md" for block in RUN_BLOCKS)
    assert any(block.page.name == "README.md" for block in CURL_BLOCKS)
    assert DOCTEST_BLOCKS


# --- Links ----------------------------------------------------------------------------------------


def slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    heading = re.sub(r"[`*_]|<[^>]+>", "", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", heading).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    found: dict[str, int] = {}
    result = set()
    for match in re.finditer(r"^#{1,6}\s+(.+?)\s*#*$", FENCE.sub("", text(path)), re.M):
        base = slug(match[1])
        count = found.get(base, 0)
        found[base] = count + 1
        result.add(base if count == 0 else f"{base}-{count}")
    return result


def links() -> list[tuple[str, str]]:
    found = []
    for page in PAGES:
        prose = re.sub(r"`[^`\n]*`", "", FENCE.sub("", text(page)))
        for target in re.findall(r"\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)", prose):
            if not re.match(r"[a-z][a-z0-9+.-]*:", target):
                found.append((name(page), target))
    return found


@pytest.mark.parametrize(("page", "target"), links())
def test_relative_links_resolve(page: str, target: str) -> None:
    file, _, anchor = target.partition("#")
    path = (ROOT / page).parent / file if file else ROOT / page
    assert path.exists(), f"{page}: {target} names no file"
    if anchor:
        assert path.suffix == ".md", f"{page}: {target}: an anchor into a file that is not Markdown"
        assert anchor in anchors(path), f"{page}: {target}: no such heading in {name(path.resolve())}"


# --- The README is a front door -------------------------------------------------------------------


def test_the_readme_is_short() -> None:
    assert len(text(ROOT / "README.md").splitlines()) < 250


def test_the_readme_installs_from_the_lock() -> None:
    first = next(block for block in blocks("sh") if block.page.name == "README.md")
    assert all(line.startswith("pip install -c constraints.txt ") for line in first.body.splitlines())
