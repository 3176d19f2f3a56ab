"""Options every data-reading command shares, so each command gets them the same way."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

import click
import pyoxigraph as ox

from stancegraph.cli.output import OUTPUT_FORMATS
from stancegraph.graph.loading import open_store

F = TypeVar("F", bound=Callable[..., Any])


class GraphIri(click.ParamType):
    """An absolute IRI naming a graph; the environment variable lists several, comma-separated."""

    name = "IRI"
    envvar_list_splitter = ","

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value).strip()
        try:
            ox.NamedNode(text)
        except ValueError:
            self.fail(f"{text!r} is not an absolute IRI", param, ctx)
        return text


def graph_option(command: F) -> F:
    """``--graph IRI`` (repeatable): the graphs that hold the data on an endpoint."""
    return click.option(
        "--graph",
        "graphs",
        type=GraphIri(),
        multiple=True,
        envvar="STANCEGRAPH_GRAPHS",
        help="With --endpoint: a graph holding the data, repeatable; queries see only these graphs, "
        "merged as the default graph [env STANCEGRAPH_GRAPHS, comma-separated].",
    )(command)


def store_options(command: F) -> F:
    """``--store`` / ``--endpoint`` on a command, turned into an open :class:`~graph.store.Store` argument."""

    @click.option(
        "--store",
        "store_path",
        type=click.Path(path_type=Path, file_okay=False),
        envvar="STANCEGRAPH_STORE",
        help="On-disk Oxigraph store directory [env STANCEGRAPH_STORE].",
    )
    @click.option(
        "--endpoint",
        envvar="STANCEGRAPH_ENDPOINT",
        help="Remote SPARQL 1.1 query endpoint URL [env STANCEGRAPH_ENDPOINT].",
    )
    @graph_option
    @functools.wraps(command)
    def wrapper(
        *args: Any, store_path: Path | None, endpoint: str | None, graphs: tuple[str, ...], **kwargs: Any
    ) -> Any:
        if graphs and not endpoint:
            raise click.UsageError("--graph names where the data is on an endpoint: give --endpoint too")
        store = open_store(
            path=store_path, endpoint=endpoint, graphs=graphs, read_only=store_path is not None
        )
        try:
            return command(*args, store=store, **kwargs)
        finally:
            store.close()

    return wrapper  # type: ignore[return-value]


def target_store_option(purpose: str) -> Callable[[F], F]:
    """A required ``--store DIR`` for commands that write to an on-disk store."""
    return click.option(
        "--store",
        "store_path",
        type=click.Path(path_type=Path, file_okay=False),
        envvar="STANCEGRAPH_STORE",
        required=True,
        help=f"On-disk store directory {purpose} [env STANCEGRAPH_STORE].",
    )


def output_option(command: F) -> F:
    """``--format table|json|csv``."""
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(OUTPUT_FORMATS),
        default="table",
        show_default=True,
        help="How to print the results.",
    )(command)


def write_atomically(out: Path, write: Callable[[BinaryIO], object]) -> None:
    """Write a file through ``OUT.partial`` and rename it, so a failure never leaves half a file.

    An unwritable path is one error line (click.FileError), not a traceback.
    """
    partial = out.with_name(out.name + ".partial")
    try:
        with partial.open("wb") as handle:
            write(handle)
        partial.replace(out)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise click.FileError(str(out), error.strerror) from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
