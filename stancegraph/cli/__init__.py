"""The ``stancegraph`` command: a thin layer over the library (and, for ``serve``, the service)."""

from stancegraph.cli.commands import main

__all__ = ["main"]
