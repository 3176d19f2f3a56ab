"""Adding a new source by hand: a curation of actors, drafts, clauses, positions and claims.

Analysts write the next article's facts in YAML (see docs/curation.md). :func:`curate` takes that
text (or JSON, or a parsed mapping) and the source's plain text, never a file, and adds the facts
only after every check passes: the curation's structure (:mod:`graph.curation_schema`), its
references and names that look like an actor we already have (:mod:`graph.curation_rdf`), every
quote placed in the source text (:mod:`graph.quote_selectors`), and the SHACL shapes. It is planned
and written as every other write is (:mod:`graph.writes`): the quads it adds, with the truthy edges
derived from them, validated where they can break a shape, then applied in one transaction, so
adding a source costs what the source adds, not the size of the store. Everything goes into the
named graph of the curation's source (``graph/sources.py``), its provenance too, so that
``drop-source`` retracts it whole. :func:`add_file` is the same from a file.

Adding the same curation twice adds nothing the second time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from stancegraph.graph.curation_rdf import DCT, PROV, RDF, RDFS, XSD, build
from stancegraph.graph.curation_schema import Curation, CurationError, parse_curation
from stancegraph.graph.quote_selectors import anchor_quotes
from stancegraph.graph.sources import in_graph, source_graph, vocabulary_in_graph
from stancegraph.graph.store import Store
from stancegraph.graph.validation import ValidationReport
from stancegraph.graph.writes import apply, plan_addition
from stancegraph.ontology import ID


@dataclass(frozen=True)
class CurationReport:
    """What a curation adds (or would add, on a dry run), what it found already there, and the shapes' verdict."""

    where: str
    source_import: str
    dry_run: bool
    created: dict[str, tuple[str, ...]]
    matched: dict[str, str]
    present: tuple[str, ...]
    quads: tuple[ox.Quad, ...]
    validation: ValidationReport | None  # None when nothing is added: nothing to validate

    @property
    def added(self) -> int:
        return len(self.quads)

    def lines(self) -> list[str]:
        """The report as a curator reads it, one line per fact group."""
        verb = "would add" if self.dry_run else "added"
        lines = [f"{self.where}: {verb} {self.added} triple(s)"]
        lines += [f"  new {section}: {', '.join(ids)}" for section, ids in self.created.items() if ids]
        lines += [f"  matched actor {label!r} to existing id {iri}" for label, iri in self.matched.items()]
        if self.present:
            lines.append(f"  already present, left as they are: {', '.join(self.present)}")
        return lines


def curate(
    store: Store,
    curation: str | Mapping[str, Any],
    *,
    source_text: str | None = None,
    dry_run: bool = False,
    where: str = "the curation",
) -> CurationReport:
    """Check a curation and add its facts to ``store``, all of them or none.

    ``curation`` is YAML (or JSON) text, or the mapping it parses to. ``source_text`` is the source
    document as plain text: every quote must occur in it (whitespace aside) and gets a selector
    there. A curation naming a file in ``source.text`` needs ``source_text``, since nothing is read
    from files here (:func:`add_file` reads it). ``dry_run`` runs every check, SHACL included, and
    writes nothing. ``where`` names the curation in messages ("the request", a file's name).
    Problems raise :class:`~graph.curation_schema.CurationError` (structure, references, lookalike
    actors, quotes) or :class:`~graph.errors.ShapeViolationError` (SHACL); the store is then unchanged.
    """
    parsed = parse_curation(curation, where=where)
    problems: list[str] = []
    if source_text is not None:
        parsed, problems = anchor_quotes(parsed, source_text)
    elif parsed.source.text is not None:
        problems.append(
            "source.text: names a file, which is not read here; send the source's plain text with "
            "the curation instead (source_text)"
        )
    digest = _digest(curation)
    source_import = ID.term(f"import-{digest[:16]}")
    built = build(store, parsed, source_import)
    if built.problems or problems:
        raise CurationError(where, built.problems + problems)

    graph = source_graph(built.source)
    facts = in_graph(built.quads, graph)
    engine = store.engine()  # dropped before the write: a pooled store's is a read-only view
    wanted = [quad for quad in facts if quad not in engine]
    if wanted and not store.rows("node-groups", node=source_import):
        wanted += in_graph(_import_quads(source_import, parsed, digest), graph)
    if wanted and next(iter(engine), None) is None:  # no count: that reads the whole store
        wanted += vocabulary_in_graph()
    del engine
    changes = plan_addition(store, wanted) if wanted else None
    if changes is not None and not dry_run:
        apply(store, changes)
    added = frozenset() if changes is None else changes.added
    in_order = [quad for quad in dict.fromkeys(wanted) if quad in added]
    return CurationReport(
        where=where,
        source_import=source_import.value,
        dry_run=dry_run,
        created={section: tuple(ids) for section, ids in built.created.items()},
        matched=dict(built.matched),
        present=tuple(built.present),
        quads=(*in_order, *sorted(added - set(in_order), key=str)),  # the derived edges last
        validation=None if changes is None else changes.report,
    )


def add_file(
    store: Store, path: Path, *, source_text: Path | None = None, dry_run: bool = False
) -> CurationReport:
    """:func:`curate` a YAML file: ``source_text`` (else the file's ``source.text``, relative to the
    file) is the source's plain text. Problems name the file."""
    where = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CurationError(where, [f"cannot read the file ({error})"]) from None
    text_path = source_text
    if text_path is None:  # problems in the file are curate's to report, as for any curation
        named = parse_curation(text, where=where).source.text
        text_path = None if named is None else path.parent / named
    source = None
    if text_path is not None:
        try:
            source = text_path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CurationError(where, [f"source.text: cannot read {text_path} ({error})"]) from None
    return curate(store, text, source_text=source, dry_run=dry_run, where=where)


def _digest(curation: str | Mapping[str, Any]) -> str:
    """The curation's SHA-256: of its text, or of a mapping written as canonical JSON."""
    text = (
        curation
        if isinstance(curation, str)
        else json.dumps(curation, sort_keys=True, ensure_ascii=False, default=str)
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _import_quads(node: ox.NamedNode, curation: Curation, digest: str) -> list[ox.Quad]:
    """Provenance: the curation (by its source and content hash) and when it was added."""
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    label = f"curation of {curation.source.label.strip()}"
    return [
        ox.Quad(node, RDF.type, PROV.Entity),
        ox.Quad(node, RDFS.label, ox.Literal(label, language="en")),
        ox.Quad(node, DCT.identifier, ox.Literal(f"sha256:{digest}")),
        ox.Quad(node, DCT.created, ox.Literal(now, datatype=XSD.dateTime)),
    ]
