"""Adding a new source by hand: a YAML file of actors, drafts, clauses, positions and claims.

Analysts write the next article's facts in YAML (see docs/curation.md);
:func:`add_file` turns them into RDF and writes them only after every check passes:
the file's structure (:mod:`graph.curation_schema`), its references and names that
look like an actor we already have (:mod:`graph.curation_rdf`), every quote against
the source text (:mod:`graph.quote_selectors`), and the SHACL shapes together with
what the store holds. Then everything is written in one transaction, or nothing,
into the named graph of the file's source (``graph/sources.py``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from stancegraph.graph.curation_rdf import DCT, PROV, RDF, RDFS, XSD, Built, build
from stancegraph.graph.curation_schema import Curation, CurationError, parse_curation
from stancegraph.graph.loading import derive_edges
from stancegraph.graph.quote_selectors import QuoteProblem, anchor
from stancegraph.graph.sources import in_graph, source_graph, vocabulary_in_graph
from stancegraph.graph.store import LocalStore
from stancegraph.graph.validation import require_valid
from stancegraph.ontology import ID


@dataclass(frozen=True)
class CurationReport:
    """What a curation file adds (or would add, on a dry run) and what it found already there."""

    path: Path
    source_import: str
    dry_run: bool
    created: dict[str, tuple[str, ...]]
    matched: dict[str, str]
    present: tuple[str, ...]
    quads: tuple[ox.Quad, ...]
    quads_before: int
    quads_after: int

    @property
    def added(self) -> int:
        return len(self.quads)

    def lines(self) -> list[str]:
        """The report as a curator reads it, one line per fact group."""
        verb = "would add" if self.dry_run else "added"
        lines = [f"{self.path}: {verb} {self.added} triple(s)"]
        lines += [f"  new {section}: {', '.join(ids)}" for section, ids in self.created.items() if ids]
        lines += [f"  matched actor {label!r} to existing id {iri}" for label, iri in self.matched.items()]
        if self.present:
            lines.append(f"  already present, left as they are: {', '.join(self.present)}")
        return lines


def anchor_quotes(curation: Curation, text: str) -> tuple[Curation, list[str]]:
    """The curation with a selector on every quote, placed in ``text``, and the quotes that cannot be."""
    problems: list[str] = []
    sections = {}
    for section in ("drafts", "clauses", "changes", "positions", "claims"):
        entries = []
        for index, entry in enumerate(getattr(curation, section)):
            if entry.quote is not None:
                try:
                    entry = entry.model_copy(update={"selector": anchor(text, entry.quote, entry.selector)})
                except QuoteProblem as problem:
                    problems.append(f"{section}[{index}].{problem.field}: {problem}")
            entries.append(entry)
        sections[section] = tuple(entries)
    return curation.model_copy(update=sections), problems


def _read(path: Path) -> tuple[bytes, Curation]:
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CurationError(str(path), [f"cannot read the file ({error})"]) from None
    return raw, parse_curation(text, where=str(path))


def add_file(
    store: LocalStore, path: Path, *, source_text: Path | None = None, dry_run: bool = False
) -> CurationReport:
    """Check a curation file and add its facts to ``store``, all of them or none.

    ``source_text`` (else the file's ``source.text``, relative to the file) is the
    source document as plain text: every quote must occur in it, whitespace aside.
    ``dry_run`` runs every check, SHACL included, and writes nothing. Problems raise
    :class:`CurationError` (structure, references, lookalike actors, quotes) or
    :class:`~graph.errors.ShapeViolationError` (SHACL); the store is then unchanged.
    """
    raw, curation = _read(path)
    digest = hashlib.sha256(raw).hexdigest()
    problems: list[str] = []
    text_path = source_text or (path.parent / curation.source.text if curation.source.text else None)
    if text_path is not None:
        try:
            curation, problems = anchor_quotes(curation, text_path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as error:
            problems = [f"source.text: cannot read {text_path} ({error})"]
    built = build(store, curation, ID.term(f"import-{digest[:16]}"))
    if built.problems or problems:
        raise CurationError(str(path), built.problems + problems)
    return _write(store, path, built, ID.term(f"import-{digest[:16]}"), digest, dry_run=dry_run)


def _import_quads(node: ox.NamedNode, path: Path, digest: str) -> list[ox.Quad]:
    """Provenance: the curation file (by name and content hash) and when it was added."""
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return [
        ox.Quad(node, RDF.type, PROV.Entity),
        ox.Quad(node, RDFS.label, ox.Literal(f"curation file {path.name}", language="en")),
        ox.Quad(node, DCT.identifier, ox.Literal(f"sha256:{digest}")),
        ox.Quad(node, DCT.created, ox.Literal(now, datatype=XSD.dateTime)),
    ]


def _write(
    store: LocalStore, path: Path, built: Built, source_import: ox.NamedNode, digest: str, *, dry_run: bool
) -> CurationReport:
    """Validate what the file adds together with the store, then write it in one transaction.

    Everything the file says goes into its source's graph, the import's provenance too,
    so that ``drop-source`` retracts the file whole.
    """
    graph = source_graph(built.source)
    facts = in_graph(built.quads, graph)
    new = [q for q in dict.fromkeys([*facts, *derive_edges(facts)]) if q not in store.oxigraph]
    if new and not store.rows("node-groups", node=source_import):
        new += in_graph(_import_quads(source_import, path, digest), graph)
    before = len(store.oxigraph)
    if new:
        if before == 0:
            new.extend(vocabulary_in_graph())
        require_valid([*store.oxigraph.quads_for_pattern(None, None, None), *new])
        if not dry_run:
            store.add_quads(new)
    return CurationReport(
        path=path,
        source_import=source_import.value,
        dry_run=dry_run,
        created={section: tuple(ids) for section, ids in built.created.items()},
        matched=dict(built.matched),
        present=tuple(built.present),
        quads=tuple(new),
        quads_before=before,
        quads_after=len(store.oxigraph),
    )
