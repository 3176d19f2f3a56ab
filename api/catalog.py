"""From named queries to response models, in one place for the JSON API and the HTML pages.

A :class:`Catalog` wraps a store for one request: each method runs one named
query (``graph/queries/*.rq``) with some variables pinned and turns its rows
into models. Labels that a query does not return are looked up once each.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import pyoxigraph as ox

from stancegraph.api.models import (
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
from stancegraph.graph.errors import NotFoundError
from stancegraph.graph.kinds import node_kinds
from stancegraph.graph.queries import bind_values, inject_pattern, keys_query, load_query, values_block
from stancegraph.graph.rows import (
    integer,
    iri,
    node,
    number,
    optional_boolean,
    optional_integer,
    optional_text,
    text,
)
from stancegraph.graph.store import Row, Store
from stancegraph.graph.terms import local_id
from stancegraph.ontology import ID, SG

T = TypeVar("T")
EXACT_TOTAL_UP_TO = 10_000
"""Lists are counted up to here and no further: counting costs Oxigraph about 0.6 µs an item
(14 ms for the 23,000 positions of the busiest actor in a million triples), and past
ten thousand a page's reader needs to know "more than ten thousand", not the exact number."""


@dataclass(frozen=True)
class Window(Generic[T]):
    """Some items of a longer list, and how long the list is.

    ``exact`` is false when the list is longer than the catalog counts
    (:data:`EXACT_TOTAL_UP_TO`): ``total`` is then a lower bound.
    """

    items: list[T]
    total: int
    exact: bool = True


def _by_draft(changes: list[ClauseChange]) -> list[ClauseChange]:
    """Changes by the later draft's label, then their own (clause-changes.rq leaves sorting to us)."""
    return sorted(changes, key=lambda change: (change.draft.label, change.label))


def _group(rows: list[Row], key: str) -> list[list[Row]]:
    """Rows that describe the same resource (several values of one property), in first-seen order."""
    groups: dict[str, list[Row]] = {}
    for row in rows:
        groups.setdefault(iri(row, key), []).append(row)
    return list(groups.values())


class Catalog:
    """The dataset as API models. Cheap to create: make one per request."""

    def __init__(self, store: Store, *, count_up_to: int = EXACT_TOTAL_UP_TO) -> None:
        self.store = store
        self.count_up_to = count_up_to
        self._labels: dict[str, str] = {}

    # ---------------------------------------------------------------- naming

    def label(self, iri: str) -> str:
        if iri not in self._labels:
            rows = self.store.rows("label", resource=ox.NamedNode(iri))
            self._labels[iri] = text(rows[0], "label") if rows else local_id(iri)
        return self._labels[iri]

    def ref(self, row: Row, name: str, label_name: str | None = None) -> Ref:
        """The resource bound to ``name``, labelled by ``label_name`` (default ``nameLabel``) when the query gives it.

        A label the query leaves out costs one more query, so the named queries
        return the label of every resource they bind (the row's own is ``?label``).
        """
        resource = iri(row, name)
        label = optional_text(row, label_name or f"{name}Label")
        if label is not None:
            self._labels.setdefault(resource, label)
        return Ref(
            id=local_id(resource), iri=resource, label=self.label(resource) if label is None else label
        )

    def optional_ref(self, row: Row, name: str) -> Ref | None:
        return self.ref(row, name) if name in row else None

    def iri(self, kind: str, identifier: str) -> ox.NamedNode:
        """The IRI an id stands for, whether or not anything is there; :class:`NotFoundError` if it cannot be one.

        For a detail route: the query for the item finds it or comes back empty
        (a 404 then), so checking that it exists first would be a query more.
        """
        try:
            return ID.term(identifier)
        except ValueError:
            raise NotFoundError(kind, identifier) from None

    def node(self, kind: str, identifier: str, group: ox.NamedNode) -> ox.NamedNode:
        """The IRI of an actor, draft or clause (``group``), or :class:`NotFoundError`."""
        node = self.iri(kind, identifier)
        if not node_kinds(self.store, nodes=[node], groups=[group]):
            raise NotFoundError(kind, identifier)
        return node

    def source(self, identifier: str) -> ox.NamedNode:
        """The IRI of a document of any kind (what positions and claims cite), or :class:`NotFoundError`."""
        node = self.iri("source", identifier)
        if not self.store.ask(bind_values(load_query("is-document"), {"source": node})):
            raise NotFoundError("source", identifier)
        return node

    def resource(self, identifier: str) -> ox.NamedNode:
        """The IRI of anything with a label, or :class:`NotFoundError`."""
        node = self.iri("resource", identifier)
        if not self.store.rows("label", resource=node):
            raise NotFoundError("resource", identifier)
        return node

    # ---------------------------------------------------------------- models

    def _evidence(self, row: Row) -> dict[str, Any]:
        return {
            "quote": optional_text(row, "quote"),
            "source": self.ref(row, "source"),
            "certainty": Certainty.of(iri(row, "certainty")),
        }

    def _window(
        self, keys: str, *, limit: int, offset: int, **pins: ox.NamedNode | ox.Literal | None
    ) -> tuple[list[ox.NamedNode], int, bool]:
        """One page of the keys a ``*-keys`` query finds, in the store's order; how many it finds; exactly?

        Paging happens in the engine, on the keys alone, and only the page's
        keys are then described, so a busy actor costs as much as a quiet one.
        A page shorter than asked for is the last one, and its end is the
        total; otherwise the engine counts, up to ``count_up_to``. A page past
        the end is known empty from the count alone, without sorting up to it:
        engines bound how far they sort (Virtuoso refuses ``OFFSET`` + ``LIMIT``
        past 10,000 sorted rows), so the answer would otherwise depend on the engine.
        """
        query = keys_query(keys)

        def counted() -> int:
            return integer(self.store.select(query.count(pins, up_to=self.count_up_to + 1))[0], "total")

        total = counted() if offset > 0 else None
        if total is not None and total <= min(offset, self.count_up_to):
            return [], total, True
        page = [
            node(row, query.key) for row in self.store.select(query.page(pins, limit=limit, offset=offset))
        ]
        if 0 < len(page) < limit or (offset == 0 and not page):
            return page, offset + len(page), True
        total = counted() if total is None else total
        if total > self.count_up_to:  # a lower bound, and never less than what the pages so far hold
            return page, max(self.count_up_to, offset + len(page)), False
        return page, total, True

    def kind(self, group: ox.NamedNode, name: str) -> ox.NamedNode | None:
        """The class under ``group`` whose local name is ``name`` (any case), or ``None``."""
        for row in self.store.rows("kinds", group=group):
            kind = node(row, "kind")
            if local_id(kind.value).rsplit("#", 1)[-1].lower() == name.lower():
                return kind
        return None

    def _kind_pin(self, group: ox.NamedNode, name: str | None) -> tuple[bool, ox.NamedNode | None]:
        """Whether a list filtered by kind ``name`` can hold anything, and the class to pin (none: no filter).

        An unknown kind matches nothing, as the API promises.
        """
        if not name:
            return True, None
        pinned = self.kind(group, name)
        return pinned is not None, pinned

    def node_window(
        self, group: ox.NamedNode, *, limit: int, offset: int, kind: str | None = None
    ) -> Window[Actor]:
        """A page of actors, drafts or clauses (``group``) by label; ``kind`` (a class name) keeps one kind."""
        known, pinned = self._kind_pin(group, kind)
        if not known:
            return Window([], 0)
        # A pinned kind is under the group already (kind() found it there), so the group stays unpinned:
        # with both ends of its class path bound, Virtuoso 7.2 answers this query with one row.
        keys, total, exact = self._window(
            "node-keys", limit=limit, offset=offset, group=None if pinned else group, kind=pinned
        )
        order = {key.value: i for i, key in enumerate(keys)}
        rows = node_kinds(self.store, nodes=keys, groups=[group])
        rows.sort(key=lambda row: order[iri(row, "node")])
        return Window([self._node(row) for row in rows], total, exact)

    def clause_window(self, *, limit: int, offset: int, draft: ox.NamedNode | None = None) -> Window[Clause]:
        """A page of clauses by draft, point number and label; pin ``draft`` to keep one draft's."""
        keys, total, exact = self._window("clause-keys", limit=limit, offset=offset, draft=draft)
        return Window([self._clause(row) for row in self._described("clauses", "clause", keys)], total, exact)

    def document_window(self, *, limit: int, offset: int, kind: str | None = None) -> Window[Document]:
        """A page of documents by label; ``kind`` (a class name under sg:Document) keeps one kind."""
        known, pinned = self._kind_pin(SG.Document, kind)
        if not known:
            return Window([], 0)
        keys, total, exact = self._window("document-keys", limit=limit, offset=offset, kind=pinned)
        described = self._described("documents", "document", keys)
        return Window([self._document(rows) for rows in _group(described, "document")], total, exact)

    def revisions(self, document: ox.NamedNode) -> list[Document]:
        """The documents recorded as revisions of ``document``."""
        keys = [node(row, "document") for row in self.store.rows("revisions", revised=document)]
        described = self._described("documents", "document", keys)
        return [self._document(rows) for rows in _group(described, "document")]

    def _described(self, name: str, key: str, keys: list[ox.NamedNode]) -> list[Row]:
        """The rows of the named query for these keys, in the keys' order."""
        if not keys:
            return []
        order = {pinned.value: i for i, pinned in enumerate(keys)}
        rows = self.store.select(inject_pattern(load_query(name), values_block(key, keys)))
        return sorted(rows, key=lambda row: order[iri(row, key)])

    def position_window(
        self, *, limit: int, offset: int, **pins: ox.NamedNode | ox.Literal | None
    ) -> Window[Position]:
        """A page of positions; pin ``actor``, ``target``, ``stance``, ``certainty`` or ``document``,
        or ``asOf`` (a day) with ``undated`` (a boolean) as position-keys.rq says."""
        keys, total, exact = self._window("position-keys", limit=limit, offset=offset, **pins)
        rows = self._described("position-page", "position", keys)
        return Window(
            [self._position(row, "draft" if "draft" in row else "target") for row in rows], total, exact
        )

    def claim_window(self, *, limit: int, offset: int, **pins: ox.NamedNode | None) -> Window[Claim]:
        """A page of claims, each with everything it is about; pin ``claimant``, ``about`` or ``certainty``."""
        keys, total, exact = self._window("claim-keys", limit=limit, offset=offset, **pins)
        described = self._described("claims", "claim", keys)
        return Window([self._claim(rows) for rows in _group(described, "claim")], total, exact)

    def _position(self, row: Row, document: str) -> Position:
        return Position(
            **self.ref(row, "position", "label").model_dump(),
            **self._evidence(row),
            actor=self.ref(row, "actor"),
            stance=Stance.of(iri(row, "stance")),
            target=self.ref(row, "target"),
            document=self.ref(row, document),
            date=optional_text(row, "date"),
            note=optional_text(row, "note"),
        )

    def positions(self, **pins: ox.NamedNode | None) -> list[Position]:
        """Positions; pin ``actor``, ``target``, ``stance``, ``certainty`` or ``document``."""
        return [self._position(row, "document") for row in self.store.rows("positions", **pins)]

    def nodes(self, group: ox.NamedNode, node: ox.NamedNode | None = None) -> list[Actor]:
        """Actors, drafts or clauses (``group``) with their most specific kind; or just ``node``."""
        chosen = None if node is None else [node]
        return [self._node(row) for row in node_kinds(self.store, nodes=chosen, groups=[group])]

    def _node(self, row: Row) -> Actor:
        return Actor(
            **self.ref(row, "node", "label").model_dump(),
            kind=iri(row, "kind").rsplit("#", 1)[-1],
            kind_label=optional_text(row, "kindLabel") or "",
        )

    def claims(self, **pins: ox.NamedNode | None) -> list[Claim]:
        """Claims, each with everything it is about; pin ``claimant`` or ``claim``."""
        return [self._claim(rows) for rows in _group(self.store.rows("claims", **pins), "claim")]

    def _claim(self, rows: list[Row]) -> Claim:
        """One claim from its rows (one per thing it is about)."""
        return Claim(
            **self.ref(rows[0], "claim", "label").model_dump(),
            **self._evidence(rows[0]),
            claimant=self.ref(rows[0], "claimant"),
            about=list({ref.iri: ref for ref in (self.ref(row, "about") for row in rows)}.values()),
            date=optional_text(rows[0], "date"),
            reported_by=self.optional_ref(rows[0], "reportedBy"),
            occasion=self.optional_ref(rows[0], "occasion"),
            quantity=number(rows[0], "quantity"),
        )

    def clauses(self, **pins: ox.NamedNode | None) -> list[Clause]:
        """Clauses; pin ``clause`` or ``draft``."""
        return [self._clause(row) for row in self.store.rows("clauses", **pins)]

    def _clause(self, row: Row) -> Clause:
        return Clause(
            **self.ref(row, "clause", "label").model_dump(),
            **self._evidence(row),
            draft=self.ref(row, "draft"),
            point_number=optional_integer(row, "pointNumber"),
            wording=optional_text(row, "wording"),
        )

    def _version(self, row: Row, name: str, draft: str) -> ClauseVersion | None:
        if name not in row:
            return None
        return ClauseVersion(
            **self.ref(row, name).model_dump(),
            draft=self.ref(row, draft),
            wording=optional_text(row, f"{name}Wording"),
        )

    def changes(self, **pins: ox.NamedNode | None) -> list[ClauseChange]:
        """Clause changes; pin ``draft`` (the later draft) to filter."""
        return _by_draft([self._change(row) for row in self.store.rows("clause-changes", **pins)])

    def _change(self, row: Row) -> ClauseChange:
        return ClauseChange(
            **self.ref(row, "change", "label").model_dump(),
            **self._evidence(row),
            kind=ChangeKind.of(iri(row, "kind")),
            draft=self.ref(row, "draft"),
            previous=self._version(row, "previous", "previousDraft"),
            new=self._version(row, "new", "draft"),
        )

    def lineage(self, clause: ox.NamedNode) -> list[ClauseChange]:
        """Every change on the line of drafts through ``clause``, followed both ways, oldest draft first."""
        keys = [node(row, "change") for row in self.store.rows("lineage", clause=clause)]
        found = [self._change(row) for row in self._described("clause-changes", "change", keys)]
        return sorted(found, key=lambda c: (c.previous is None, c.draft.label, c.label))

    def documents(self, **pins: ox.NamedNode | None) -> list[Document]:
        """Documents of every kind; pin ``document``."""
        return [self._document(rows) for rows in _group(self.store.rows("documents", **pins), "document")]

    def _document(self, rows: list[Row]) -> Document:
        row = rows[0]
        return Document(
            **self.ref(row, "document", "label").model_dump(),
            kind=iri(row, "kind").rsplit("#", 1)[-1],
            kind_label=optional_text(row, "kindLabel") or "",
            title=optional_text(row, "title"),
            point_count=optional_integer(row, "pointCount"),
            leaked_on=optional_text(row, "leakedOn"),
            date=optional_text(row, "date"),
            is_public=optional_boolean(row, "isPublic"),
            revision_of=list(
                {r.iri: r for r in (self.ref(x, "revisionOf") for x in rows if "revisionOf" in x)}.values()
            ),
            certainty=Certainty.of(iri(row, "certainty")) if "certainty" in row else None,
            quote=optional_text(row, "quote"),
            source=self.optional_ref(row, "source"),
        )

    def creators(self, document: ox.NamedNode) -> list[Ref]:
        return [self.ref(row, "creator") for row in self.store.rows("creators", document=document)]
