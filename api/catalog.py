"""From named queries to response models, in one place for the JSON API and the HTML pages.

A :class:`Catalog` wraps a store for one request: each method runs one named
query (``graph/queries/*.rq``) with some variables pinned and turns its rows
into models. Labels that a query does not return are looked up once each.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyoxigraph as ox

from api.models import (
    Actor,
    Certainty,
    ChangeKind,
    Claim,
    Clause,
    ClauseChange,
    ClauseVersion,
    Document,
    Position,
    Ref,
    Stance,
)
from graph.errors import NotFoundError
from graph.store import Row, Store
from graph.terms import local_id, python_value
from ontology import ID


def _text(row: Row, name: str) -> str | None:
    term = row.get(name)
    return None if term is None else str(python_value(term))


def _number(row: Row, name: str) -> int | float | None:
    value = python_value(row.get(name))
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def _group(rows: list[Row], key: str) -> list[list[Row]]:
    """Rows that describe the same resource (several values of one property), in first-seen order."""
    groups: dict[str, list[Row]] = {}
    for row in rows:
        groups.setdefault(row[key].value, []).append(row)  # type: ignore[union-attr]
    return list(groups.values())


class Catalog:
    """The dataset as API models. Cheap to create: make one per request."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._labels: dict[str, str] = {}

    # ---------------------------------------------------------------- naming

    def label(self, iri: str) -> str:
        if iri not in self._labels:
            rows = self.store.rows("label", resource=ox.NamedNode(iri))
            self._labels[iri] = rows[0]["label"].value if rows else local_id(iri)  # type: ignore[union-attr]
        return self._labels[iri]

    def ref(self, row: Row, name: str) -> Ref:
        """The resource bound to ``name``, labelled by ``nameLabel`` when the query gives it."""
        iri = row[name].value  # type: ignore[union-attr]
        label = row.get(f"{name}Label")
        if label is not None:
            self._labels.setdefault(iri, label.value)  # type: ignore[union-attr]
        return Ref(id=local_id(iri), iri=iri, label=label.value if label is not None else self.label(iri))  # type: ignore[union-attr]

    def optional_ref(self, row: Row, name: str) -> Ref | None:
        return self.ref(row, name) if name in row else None

    def iri(self, kind: str, identifier: str, exists: Callable[[ox.NamedNode], bool]) -> ox.NamedNode:
        """The IRI for ``identifier``, or :class:`NotFoundError` if it names no ``kind``."""
        try:
            node = ID.term(identifier)
        except ValueError:
            raise NotFoundError(kind, identifier) from None
        if not exists(node):
            raise NotFoundError(kind, identifier)
        return node

    def node(self, kind: str, identifier: str, group: ox.NamedNode) -> ox.NamedNode:
        """The IRI of an actor, draft or clause (``group``), or :class:`NotFoundError`."""
        return self.iri(
            kind, identifier, lambda node: bool(self.store.rows("node-kinds", node=node, group=group))
        )

    def resource(self, identifier: str) -> ox.NamedNode:
        """The IRI of anything with a label, or :class:`NotFoundError`."""
        return self.iri("resource", identifier, lambda node: bool(self.store.rows("label", resource=node)))

    # ---------------------------------------------------------------- models

    def _evidence(self, row: Row) -> dict[str, Any]:
        return {
            "quote": _text(row, "quote"),
            "source": self.ref(row, "source"),
            "certainty": Certainty.of(row["certainty"].value),  # type: ignore[union-attr]
        }

    def positions(self, **pins: ox.NamedNode | None) -> list[Position]:
        """Positions; pin ``actor``, ``target``, ``stance``, ``certainty`` or ``document``."""
        return [
            Position(
                **self.ref(row, "position").model_dump(),
                **self._evidence(row),
                actor=self.ref(row, "actor"),
                stance=Stance.of(row["stance"].value),  # type: ignore[union-attr]
                target=self.ref(row, "target"),
                document=self.ref(row, "document"),
                date=_text(row, "date"),
                note=_text(row, "note"),
            )
            for row in self.store.rows("positions", **pins)
        ]

    def nodes(self, group: ox.NamedNode, **pins: ox.NamedNode | None) -> list[Actor]:
        """Actors, drafts or clauses (``group``) with their most specific kind; pin ``node``."""
        return [
            Actor(
                **self.ref(row, "node").model_dump(),
                kind=row["kind"].value.rsplit("#", 1)[-1],  # type: ignore[union-attr]
                kind_label=_text(row, "kindLabel") or "",
            )
            for row in self.store.rows("node-kinds", group=group, **pins)
        ]

    def claims(self, **pins: ox.NamedNode | None) -> list[Claim]:
        """Claims, each with everything it is about; pin ``claimant`` or ``claim``."""
        return [
            Claim(
                **self.ref(rows[0], "claim").model_dump(),
                **self._evidence(rows[0]),
                claimant=self.ref(rows[0], "claimant"),
                about=list({ref.iri: ref for ref in (self.ref(row, "about") for row in rows)}.values()),
                date=_text(rows[0], "date"),
                reported_by=self.optional_ref(rows[0], "reportedBy"),
                occasion=self.optional_ref(rows[0], "occasion"),
                quantity=_number(rows[0], "quantity"),
            )
            for rows in _group(self.store.rows("claims", **pins), "claim")
        ]

    def claims_about(self, about: ox.NamedNode) -> list[Claim]:
        """Claims about one resource, each still listing everything it is about."""
        claims = dict.fromkeys(row["claim"] for row in self.store.rows("claims", about=about))
        return [claim for node in claims for claim in self.claims(claim=node)]  # type: ignore[arg-type]

    def clauses(self, **pins: ox.NamedNode | None) -> list[Clause]:
        """Clauses; pin ``clause`` or ``draft``."""
        return [
            Clause(
                **self.ref(row, "clause").model_dump(),
                **self._evidence(row),
                draft=self.ref(row, "draft"),
                point_number=_number(row, "pointNumber"),  # type: ignore[arg-type]
                wording=_text(row, "wording"),
            )
            for row in self.store.rows("clauses", **pins)
        ]

    def _version(self, row: Row, name: str, draft: str) -> ClauseVersion | None:
        if name not in row:
            return None
        return ClauseVersion(
            **self.ref(row, name).model_dump(),
            draft=self.ref(row, draft),
            wording=_text(row, f"{name}Wording"),
        )

    def changes(self, **pins: ox.NamedNode | None) -> list[ClauseChange]:
        """Clause changes; pin ``draft`` (the later draft) to filter."""
        return [
            ClauseChange(
                **self.ref(row, "change").model_dump(),
                **self._evidence(row),
                kind=ChangeKind.of(row["kind"].value),  # type: ignore[union-attr]
                draft=self.ref(row, "draft"),
                previous=self._version(row, "previous", "previousDraft"),
                new=self._version(row, "new", "draft"),
            )
            for row in self.store.rows("clause-changes", **pins)
        ]

    def lineage(self, clause: ox.NamedNode) -> list[ClauseChange]:
        """Every change on the line of drafts through ``clause``, followed both ways, oldest draft first."""
        changes = self.changes()  # ?previous and ?new sit in OPTIONALs, so pinning them would not filter
        line, frontier = {clause.value}, [clause.value]
        while frontier:
            iri = frontier.pop()
            for change in changes:
                sides = {side.iri for side in (change.previous, change.new) if side is not None}
                if iri in sides:
                    frontier.extend(sides - line)
                    line |= sides
        found = [c for c in changes if {s.iri for s in (c.previous, c.new) if s is not None} & line]
        return sorted(found, key=lambda c: (c.previous is None, c.draft.label, c.label))

    def documents(self, **pins: ox.NamedNode | None) -> list[Document]:
        """Documents of every kind; pin ``document``."""
        return [self._document(rows) for rows in _group(self.store.rows("documents", **pins), "document")]

    def _document(self, rows: list[Row]) -> Document:
        row = rows[0]
        public = python_value(row.get("isPublic"))
        return Document(
            **self.ref(row, "document").model_dump(),
            kind=row["kind"].value.rsplit("#", 1)[-1],  # type: ignore[union-attr]
            kind_label=_text(row, "kindLabel") or "",
            title=_text(row, "title"),
            point_count=_number(row, "pointCount"),  # type: ignore[arg-type]
            leaked_on=_text(row, "leakedOn"),
            date=_text(row, "date"),
            is_public=public if isinstance(public, bool) else None,
            revision_of=list(
                {r.iri: r for r in (self.ref(x, "revisionOf") for x in rows if "revisionOf" in x)}.values()
            ),
            certainty=Certainty.of(row["certainty"].value) if "certainty" in row else None,  # type: ignore[union-attr]
            quote=_text(row, "quote"),
            source=self.optional_ref(row, "source"),
        )

    def creators(self, document: ox.NamedNode) -> list[Ref]:
        return [self.ref(row, "creator") for row in self.store.rows("creators", document=document)]
