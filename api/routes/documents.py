"""``/api/documents``: the drafts (and the article and statements), their clauses, and diffs between drafts."""

from __future__ import annotations

from typing import Annotated

import pyoxigraph as ox
from fastapi import Path, Query, Request

from stancegraph.api.catalog import Catalog
from stancegraph.api.dependencies import CatalogDep
from stancegraph.api.models import ChangeKind, ClauseChange, Document, DocumentDetail, DocumentDiff, Page, Ref
from stancegraph.api.pagination import PageDep, page_of
from stancegraph.api.problems import ProblemError
from stancegraph.api.routes import api_router, one
from stancegraph.ontology import SG

router = api_router("documents")
DocumentId = Annotated[str, Path(description="The document's id, e.g. `plan-28-point`.")]


@router.get("", response_model=Page[Document])
def list_documents(
    request: Request,
    catalog: CatalogDep,
    page: PageDep,
    kind: Annotated[
        str | None,
        Query(description="Only this kind: Draft, AnalysisArticle or Statement (case-insensitive)."),
    ] = None,
) -> Page[Document]:
    """Every document, by label. An unknown kind matches nothing."""
    return page_of(request, catalog.document_window(limit=page.limit, offset=page.offset, kind=kind), page)


@router.get("/{id}", response_model=DocumentDetail)
def get_document(catalog: CatalogDep, id: DocumentId) -> DocumentDetail:
    """One document: for a draft, its clauses, authors, what it revises, what revises it and what it changed."""
    node = catalog.resource(id)
    document = one(catalog.documents(document=node), "document", id)
    return DocumentDetail(
        **document.model_dump(),
        creators=catalog.creators(node),
        revised_by=[_ref(d) for d in catalog.revisions(node)],
        clauses=catalog.clauses(draft=node),
        changes=catalog.changes(draft=node),
        positions=catalog.positions(target=node),
    )


def _ref(document: Document) -> Ref:
    return Ref(id=document.id, iri=document.iri, label=document.label)


_INVERSE = {ChangeKind.added: ChangeKind.removed, ChangeKind.removed: ChangeKind.added}


def _changes_between(catalog: Catalog, earlier: Document, later: Document) -> list[ClauseChange]:
    """What ``later`` recorded changing in ``earlier`` (and the clauses it added)."""
    return [
        change
        for change in catalog.changes(draft=ox.NamedNode(later.iri))
        if change.previous is None or change.previous.draft.iri == earlier.iri
    ]


def _inverted(change: ClauseChange) -> ClauseChange:
    return change.model_copy(
        update={
            "kind": _INVERSE.get(change.kind, change.kind),
            "previous": change.new,
            "new": change.previous,
        }
    )


@router.get("/{a}/diff/{b}", response_model=DocumentDiff)
def diff_documents(
    catalog: CatalogDep,
    a: Annotated[str, Path(description="The draft to compare from, e.g. `plan-28-point`.")],
    b: Annotated[str, Path(description="The draft to compare to, e.g. `european-counter-proposal`.")],
) -> DocumentDiff:
    """Clauses added, removed, reworded (with old and new wording) and kept from draft `a` to draft `b`.

    Built from the recorded clause changes, so one draft must revise the other;
    asked the other way round, the changes are read backwards (`inverted`).
    """
    base = one(catalog.documents(document=catalog.node("draft", a, SG.Draft)), "draft", a)
    revision = one(catalog.documents(document=catalog.node("draft", b, SG.Draft)), "draft", b)
    if a == b:
        changes: list[ClauseChange] = []
        inverted = False
    elif any(r.iri == base.iri for r in revision.revision_of):
        changes, inverted = _changes_between(catalog, base, revision), False
    elif any(r.iri == revision.iri for r in base.revision_of):
        changes, inverted = [_inverted(c) for c in _changes_between(catalog, revision, base)], True
    else:
        raise ProblemError(
            404,
            f"no diff between {a!r} and {b!r}: neither draft is recorded as a revision of the other",
            slug="no-lineage",
        )
    by_kind = {kind: [c for c in changes if c.kind == kind] for kind in ChangeKind}
    return DocumentDiff(
        base=_ref(base),
        revision=_ref(revision),
        inverted=inverted,
        added=by_kind[ChangeKind.added],
        removed=by_kind[ChangeKind.removed],
        reworded=by_kind[ChangeKind.reworded],
        kept=by_kind[ChangeKind.kept],
    )
