"""SHACL validation of data against ``ontology/shapes.ttl``, in Oxigraph.

The data is validated together with the vocabulary, so that the validator
knows every sg:Person is an sg:Actor. The shapes are compiled to one SPARQL
SELECT per constraint (:mod:`graph.shacl`), so that validating a store grows
with the data rather than with its square, as pyshacl did; and a change is
validated on the nodes it touches only (:func:`validate_change`).
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache

import pyoxigraph as ox

from stancegraph.graph.errors import ShapeViolationError
from stancegraph.graph.shacl import Result, compiled_constraints
from stancegraph.graph.shacl_text import Term, value_text
from stancegraph.graph.validation_scope import change_scope
from stancegraph.ontology import VOCABULARY_FILE


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
def vocabulary_quads() -> tuple[ox.Quad, ...]:
    """The vocabulary as quads in the default graph."""
    return tuple(ox.parse(path=str(VOCABULARY_FILE), format=ox.RdfFormat.TURTLE))


def _violation(result: Result) -> Violation:
    return Violation(
        focus=value_text(result.focus),
        path=result.path,
        message=result.message,
        severity=result.severity,
        value=None if result.value is None else value_text(result.value),
    )


def validate_store(store: ox.Store, *, focus: Collection[Term] | None = None) -> ValidationReport:
    """Validate what ``store`` holds (the union of its graphs, vocabulary included) in place.

    With ``focus``, only those nodes are validated: the rest of the store is
    read, never checked. The whole store is validated on every core: the
    constraints' queries are independent, and pyoxigraph lets go of the GIL
    while it evaluates them.
    """
    constraints = compiled_constraints()
    if focus is None:
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            found = list(pool.map(lambda constraint: list(constraint.results(store)), constraints))
    else:
        found = [list(constraint.results(store, focus)) for constraint in constraints]
    violations = sorted(
        {_violation(result) for results in found for _, result in results},
        key=lambda v: (v.focus, v.path or "", v.message, v.value or ""),
    )
    return ValidationReport(conforms=not violations, violations=violations)


def validate_change(
    store: ox.Store, added: Collection[ox.Quad], removed: Collection[ox.Quad]
) -> ValidationReport:
    """The violations ``store`` would have with ``removed`` taken out and ``added`` put in.

    Assumes the store conforms now, so only what the change can reach is
    validated, in a scratch store a few hundred triples large
    (:mod:`graph.validation_scope`); the store itself is only read. A change to
    the class tree can reach every node: then the whole changed store is
    validated, on a copy.
    """
    scope = change_scope(store, added, removed)
    if scope is None:
        after = ox.Store()
        after.load(store.dump(format=ox.RdfFormat.N_QUADS), format=ox.RdfFormat.N_QUADS)
        for quad in removed:
            after.remove(quad)
        after.extend(added)
        return validate_store(after)
    scratch, focus = scope
    return validate_store(scratch, focus=focus)


def validate_quads(quads: Iterable[ox.Quad]) -> ValidationReport:
    """Validate data, in whatever graphs it sits, together with the vocabulary."""
    store = ox.Store()
    store.extend(quads)
    store.extend(vocabulary_quads())
    return validate_store(store)


def require_valid(data: Iterable[ox.Quad] | ox.Store) -> ValidationReport:
    """Validate quads, or a store in place, and raise :class:`ShapeViolationError` if they do not conform."""
    report = validate_store(data) if isinstance(data, ox.Store) else validate_quads(data)
    if not report.conforms:
        raise ShapeViolationError(report, report.summary())
    return report


def require_valid_change(
    store: ox.Store, added: Collection[ox.Quad], removed: Collection[ox.Quad]
) -> ValidationReport:
    """:func:`validate_change`, raising :class:`ShapeViolationError` if the change would break a shape."""
    report = validate_change(store, added, removed)
    if not report.conforms:
        raise ShapeViolationError(report, report.summary())
    return report
