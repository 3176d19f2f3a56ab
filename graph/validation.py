"""SHACL validation of data against ``ontology/shapes.ttl`` with pyshacl.

The data is validated together with the vocabulary, so that the validator
knows every sg:Person is an sg:Actor. pyshacl wants rdflib graphs; it gets them
through oxrdflib, so the quads never leave Oxigraph's representation.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

import pyoxigraph as ox
import rdflib
from oxrdflib import OxigraphStore
from pyshacl import validate as shacl_validate
from rdflib.namespace import SH

from graph.errors import ShapeViolationError
from ontology import SHAPES_FILE, VOCABULARY_FILE


@dataclass(frozen=True)
class Violation:
    """One SHACL result, in words a curator can act on."""

    focus: str
    path: str | None
    message: str
    severity: str
    value: str | None = None

    def __str__(self) -> str:
        where = f" {self.path}" if self.path else ""
        value = f" (value: {self.value})" if self.value else ""
        return f"{self.severity}: <{self.focus}>{where}: {self.message}{value}"


@dataclass
class ValidationReport:
    """Whether the data conforms, and every violation if not."""

    conforms: bool
    violations: list[Violation] = field(default_factory=list)

    def summary(self) -> str:
        if self.conforms:
            return "conforms to the stancegraph shapes"
        first = "; ".join(str(v) for v in self.violations[:3])
        more = f" (and {len(self.violations) - 3} more)" if len(self.violations) > 3 else ""
        return f"{len(self.violations)} shape violation(s): {first}{more}"


@cache
def _shapes_graph() -> rdflib.Graph:
    return rdflib.Graph().parse(SHAPES_FILE, format="turtle")


@cache
def vocabulary_quads() -> tuple[ox.Quad, ...]:
    """The vocabulary as quads in the default graph."""
    return tuple(ox.parse(path=str(VOCABULARY_FILE), format=ox.RdfFormat.TURTLE))


def _as_rdflib_graph(quads: Iterable[ox.Quad]) -> rdflib.Graph:
    store = ox.Store()
    store.extend(ox.Quad(q.subject, q.predicate, q.object) for q in quads)
    store.extend(vocabulary_quads())
    return rdflib.Graph(store=OxigraphStore(store=store), identifier=rdflib.graph.DATASET_DEFAULT_GRAPH_ID)


def validate_quads(quads: Iterable[ox.Quad]) -> ValidationReport:
    """Validate data (all in one graph) against the shapes."""
    conforms, results, _text = shacl_validate(
        _as_rdflib_graph(quads),
        shacl_graph=_shapes_graph(),
        inference="none",
        abort_on_first=False,
        allow_warnings=False,
    )
    violations = [
        Violation(
            focus=str(results.value(result, SH.focusNode)),
            path=_optional(results.value(result, SH.resultPath)),
            message=str(results.value(result, SH.resultMessage) or "constraint not met"),
            severity=str(results.value(result, SH.resultSeverity)).rsplit("#", 1)[-1],
            value=_optional(results.value(result, SH.value)),
        )
        for result in results.subjects(rdflib.RDF.type, SH.ValidationResult)
    ]
    violations.sort(key=lambda v: (v.focus, v.path or "", v.message))
    return ValidationReport(conforms=bool(conforms), violations=violations)


def require_valid(quads: Iterable[ox.Quad]) -> ValidationReport:
    """Validate and raise :class:`ShapeViolationError` with the report if the data does not conform."""
    report = validate_quads(quads)
    if not report.conforms:
        raise ShapeViolationError(report, report.summary())
    return report


def _optional(node: object) -> str | None:
    return None if node is None else str(node)
