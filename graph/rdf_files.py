"""Reading RDF files: the format from the file name, parse errors that name the file and line."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from pyoxigraph import Quad, RdfFormat, Store

from stancegraph.graph.errors import RdfSyntaxError, UnsupportedFormatError

FORMATS_BY_SUFFIX: dict[str, RdfFormat] = {
    ".ttl": RdfFormat.TURTLE,
    ".turtle": RdfFormat.TURTLE,
    ".nt": RdfFormat.N_TRIPLES,
    ".ntriples": RdfFormat.N_TRIPLES,
    ".nq": RdfFormat.N_QUADS,
    ".trig": RdfFormat.TRIG,
    ".n3": RdfFormat.N3,
    ".rdf": RdfFormat.RDF_XML,
    ".owl": RdfFormat.RDF_XML,
    ".xml": RdfFormat.RDF_XML,
    ".jsonld": RdfFormat.JSON_LD,
}


def rdf_format_for(path: Path) -> RdfFormat:
    """The RDF format a file name announces, or a clear error listing the ones we read."""
    try:
        return FORMATS_BY_SUFFIX[path.suffix.lower()]
    except KeyError:
        known = ", ".join(sorted(FORMATS_BY_SUFFIX))
        raise UnsupportedFormatError(
            f"{path}: unknown RDF format {path.suffix or '(no extension)'!r}; use one of {known}"
        ) from None


class _CountingReader(io.RawIOBase):
    """A file wrapper that reports how many bytes the parser has read, for a progress bar."""

    def __init__(self, raw: BinaryIO, on_read: Callable[[int], None]) -> None:
        self._raw = raw
        self._on_read = on_read

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        count = self._raw.readinto(buffer)  # type: ignore[attr-defined]
        if count:
            self._on_read(count)
        return count or 0


def read_quads(path: Path) -> list[Quad]:
    """Parse a whole RDF file into a list of quads (for small files and tests)."""
    scratch = Store()
    load_into(scratch, path)
    return list(scratch)


def load_into(
    scratch: Store, path: Path, *, on_progress: Callable[[int], None] | None = None, bulk: bool = False
) -> None:
    """Parse a file into a scratch store, in Rust: no Python object per triple, errors with file and line.

    ``on_progress`` is called with the number of bytes read since the last call. ``bulk`` uses
    Oxigraph's bulk loader (fast, not transactional: only for a store being built from scratch).
    Graphs a TriG or N-Quads file names are kept; other formats fill the default graph.
    """
    rdf_format = rdf_format_for(path)
    if not path.is_file():
        raise RdfSyntaxError(str(path), "no such file")
    try:
        with path.open("rb") as raw:
            source: BinaryIO = raw
            if on_progress is not None:
                source = io.BufferedReader(_CountingReader(raw, on_progress))  # type: ignore[assignment]
            load = scratch.bulk_load if bulk else scratch.load
            load(input=source, format=rdf_format, base_iri=path.resolve().as_uri())
    except SyntaxError as error:
        raise RdfSyntaxError(str(path), str(error.msg if hasattr(error, "msg") else error)) from None
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise RdfSyntaxError(str(path), str(error)) from None
