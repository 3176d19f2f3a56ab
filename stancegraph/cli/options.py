"""Options every data-reading command shares, so each command gets them the same way."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

import click

from stancegraph.cli.output import OUTPUT_FORMATS
from stancegraph.graph.loading import open_store

F = TypeVar("F", bound=Callable[..., Any])


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
    @functools.wraps(command)
    def wrapper(*args: Any, store_path: Path | None, endpoint: str | None, **kwargs: Any) -> Any:
        store = open_store(path=store_path, endpoint=endpoint, read_only=store_path is not None)
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
