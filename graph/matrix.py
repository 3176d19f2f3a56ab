"""The stance matrix: every actor (rows) against every draft and clause (columns), one cell per pair.

Columns are grouped by draft in lineage order (a draft before its revisions:
28-point plan, European counter-proposal, 19-point draft); within a group the
draft itself comes first (stances on the whole draft), then its clauses by point.
A cell counts the positions one actor holds on one target under the filters, so
the counts add up to what ``/api/positions`` lists for the same filters.

The payload (:class:`MatrixPayload`) is built for a million triples: the two
axes are parallel arrays of ids and labels, and the cells are a compressed
sparse row table (``offsets[row]`` to ``offsets[row + 1]`` index the row's
columns, stances, certainties and counts), so 80,000 cells cost five short
numbers each instead of an object each, and a page can find the cells of the
rows on screen without scanning the rest.

>>> lineage_order([("b", "a"), ("c", "a"), ("a", None)])
['a', 'b', 'c']
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

import networkx as nx
import pyoxigraph as ox
from typing_extensions import TypedDict

from stancegraph.graph.analysis import alignment_of, coalition_groups
from stancegraph.graph.errors import NotFoundError
from stancegraph.graph.projection import BATCH, STANCE_RELATIONS, rows_for
from stancegraph.graph.queries import inject_pattern, load_query, only_pinned, values_block
from stancegraph.graph.rows import integer, optional_text
from stancegraph.graph.store import Store
from stancegraph.graph.terms import local_id
from stancegraph.ontology import CERTAINTIES

Sort = Literal["name", "coalition", "alignment"]
SORTS: tuple[Sort, ...] = ("name", "coalition", "alignment")
#: Stance codes of a cell: only support, only opposition, or positions both ways.
SUPPORTS, OPPOSES, MIXED = 1, 2, 3
_RELATIONS = {SUPPORTS: "supports", OPPOSES: "opposes"}  # a cell's stance bits as analysis' relations
#: Certainty words, most certain first; a cell shows the most certain of its positions.
CERTAINTY_WORDS = tuple(CERTAINTIES)
#: How a cell marks them, so certainty reads without colour: full, half, empty.
CERTAINTY_MARKS = ("●", "◐", "○")
LAST_DAY = "9999-12-31"  # "as of" no day in particular: every dated position


class MatrixDraft(TypedDict):
    """A column group: one draft, its columns ``first`` to ``first + columns - 1`` (itself, then its clauses)."""

    id: str
    label: str
    revision_of: list[str]
    first: int
    columns: int


class MatrixColumns(TypedDict):
    """The columns, as parallel arrays: a target's id, label, and its group's index in ``drafts``."""

    ids: list[str]
    labels: list[str]
    drafts: list[int]


class MatrixRows(TypedDict):
    """The rows (actors) in the order asked for, as parallel arrays.

    ``coalitions``: the actor's group index in :func:`graph.analysis.coalition_groups` (sort by
    coalition only, else empty). ``alignment``: agreements over shared targets with the chosen
    actor (sort by alignment only, else empty); ``None`` when they share no target.
    """

    ids: list[str]
    labels: list[str]
    coalitions: list[int | None]
    alignment: list[float | None]


class MatrixCells(TypedDict):
    """The non-empty cells, row by row (compressed sparse rows), each row's columns ascending.

    ``stances``: 1 supports, 2 opposes, 3 both (the actor holds positions both ways);
    ``certainties``: index in the payload's ``certainties`` of the most certain position;
    ``counts``: how many positions the cell holds.
    """

    offsets: list[int]
    columns: list[int]
    stances: list[int]
    certainties: list[int]
    counts: list[int]


class MatrixFilterEcho(TypedDict):
    """The filters the matrix was built with, in the viewer's words (``undated``: shown or hidden)."""

    draft: list[str] | None
    stance: list[str] | None
    certainty: list[str] | None
    as_of: str | None
    undated: str


class MatrixPayload(TypedDict):
    """The JSON of ``/api/matrix``, which is what the matrix page draws: defined once, here."""

    filters: MatrixFilterEcho
    sort: str
    with_actor: str | None
    certainties: list[str]
    drafts: list[MatrixDraft]
    columns: MatrixColumns
    rows: MatrixRows
    cells: MatrixCells
    positions: int


@dataclass(frozen=True)
class MatrixFilters:
    """What the matrix keeps, as the viewer filters: ``None`` keeps everything.

    ``drafts``: draft IRIs (the positions on them or their clauses); ``stances``: ``supports``,
    ``opposes`` (both: ``None``; none: ``()``); ``certainties``: certainty words; ``as_of``: positions dated on or before that
    day; ``undated``: whether positions with no date stay (with or without ``as_of``, as in the viewer).
    """

    drafts: tuple[str, ...] | None = None
    stances: tuple[str, ...] | None = None
    certainties: tuple[str, ...] | None = None
    as_of: dt.date | None = None
    undated: bool = True

    def pins(self) -> dict[str, ox.NamedNode | ox.Literal | None]:
        """The pins of matrix-cells.rq and position-keys.rq for one stance and the dates (the sets of
        drafts and certainties are for the caller): the matrix and a cell's evidence filter alike."""
        one = self.stances[0] if self.stances is not None and len(self.stances) == 1 else None
        dates = self.as_of is not None or not self.undated
        return {
            "stance": ox.NamedNode(next(iri for iri, verb in STANCE_RELATIONS.items() if verb == one))
            if one
            else None,
            # as the viewer: undated positions hidden with no day chosen leaves every dated one
            "asOf": ox.Literal(self.as_of.isoformat() if self.as_of else LAST_DAY) if dates else None,
            "undated": ox.Literal(self.undated) if dates else None,
        }

    def echo(self) -> MatrixFilterEcho:
        return {
            "draft": None if self.drafts is None else [local_id(iri) for iri in self.drafts],
            "stance": None if self.stances is None else list(self.stances),
            "certainty": None if self.certainties is None else list(self.certainties),
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "undated": "shown" if self.undated else "hidden",
        }


EVERYTHING = MatrixFilters()


@dataclass(frozen=True)
class _Cell:
    """One non-empty cell as matrix-cells.rq counts it: stances and certainty as the payload codes them."""

    actor: str
    target: str
    stances: int
    certainty: int
    count: int


def _natural(text: str) -> tuple[object, ...]:
    """Sort key that puts ``draft-9`` before ``draft-10``."""
    return tuple(int(part) if part.isdigit() else part.casefold() for part in re.split(r"(\d+)", text))


def lineage_order(drafts: Iterable[tuple[str, str | None]]) -> list[str]:
    """Drafts (with the draft each revises, or None) so that every draft comes before its revisions.

    A depth-first walk from the drafts that revise nothing: each draft is followed by the whole
    line of its revisions before its next sibling. The data gives no order among revisions of one
    draft, so siblings come in id order (numbers in ids compared as numbers).
    """
    parents: dict[str, set[str]] = defaultdict(set)
    for draft, parent in drafts:
        parents[draft]
        if parent is not None and parent != draft:
            parents[draft].add(parent)
    children: dict[str, list[str]] = defaultdict(list)
    for draft, revised in parents.items():
        for parent in revised:
            children[parent].append(draft)
    order: list[str] = []
    seen: set[str] = set()

    def walk(draft: str) -> None:
        if draft in seen:
            return
        seen.add(draft)
        order.append(draft)
        for child in sorted(children[draft], key=_natural):
            walk(child)

    for root in sorted((d for d, revised in parents.items() if not revised & parents.keys()), key=_natural):
        walk(root)
    for rest in sorted(parents.keys() - seen, key=_natural):  # a cycle in the data: still every draft
        walk(rest)
    return order


def drafts_in_lineage(store: Store) -> list[tuple[str, str, list[str]]]:
    """Every draft as (IRI, label, IRIs of the drafts it revises), in lineage order."""
    labels: dict[str, str] = {}
    revises: dict[str, list[str]] = defaultdict(list)
    for row in store.rows("matrix-drafts"):
        draft = str(optional_text(row, "draft"))
        labels[draft] = optional_text(row, "label") or local_id(draft)
        parent = optional_text(row, "revisionOf")
        if parent is not None and parent not in revises[draft]:
            revises[draft].append(parent)
    pairs: list[tuple[str, str | None]] = [(draft, parent) for draft in labels for parent in revises[draft]]
    pairs += [(draft, None) for draft in labels if not revises[draft]]
    return [(draft, labels[draft], sorted(revises[draft])) for draft in lineage_order(pairs)]


def _columns(
    store: Store, drafts: Sequence[tuple[str, str, list[str]]]
) -> tuple[list[MatrixDraft], list[str], list[str], list[int]]:
    """The column groups and the columns' IRIs, labels and group indexes."""
    chosen = [draft for draft, _, _ in drafts]
    clauses: dict[str, list[tuple[float, str, str]]] = defaultdict(list)
    for start in range(0, len(chosen), BATCH):
        for row in rows_for(store, "matrix-clauses", values=("draft", chosen[start : start + BATCH])):
            clause, point = str(optional_text(row, "clause")), optional_text(row, "point")
            label = optional_text(row, "label") or local_id(clause)
            clauses[str(optional_text(row, "draft"))].append(
                (float(point) if point else float("inf"), label, clause)
            )
    groups: list[MatrixDraft] = []
    iris: list[str] = []
    labels: list[str] = []
    indexes: list[int] = []
    for index, (draft, label, revised) in enumerate(drafts):
        members = sorted(set(clauses[draft]), key=lambda item: (item[0], _natural(item[1]), item[2]))
        groups.append(
            {
                "id": local_id(draft),
                "label": label,
                "revision_of": [local_id(iri) for iri in revised],
                "first": len(iris),
                "columns": 1 + len(members),
            }
        )
        iris.extend([draft, *(clause for _, _, clause in members)])
        labels.extend([label, *(clause_label for _, clause_label, _ in members)])
        indexes.extend([index] * (1 + len(members)))
    return groups, iris, labels, indexes


def _cells(store: Store, filters: MatrixFilters, column: dict[str, int]) -> list[_Cell]:
    """The cells of the positions that pass the filters, on the targets that are columns.

    One query over every position, counted per actor and target in the engine: a few times faster
    on a million triples than reading the columns' positions a batch of targets at a time, and it
    leaves one row per cell, not per position, to cross into Python.
    """
    if filters.stances is not None and not filters.stances:
        return []
    query = only_pinned(load_query("matrix-cells"), filters.pins())
    if filters.certainties is not None:
        query = inject_pattern(
            query, values_block("certainty", (CERTAINTIES[c] for c in filters.certainties))
        )
    return [
        _Cell(
            actor=str(optional_text(row, "actor")),
            target=target,
            stances=integer(row, "stances"),
            certainty=integer(row, "rank"),
            count=integer(row, "positions"),
        )
        for row in store.select(query)
        if (target := str(optional_text(row, "target"))) in column
    ]


def _labels(store: Store, actors: list[str]) -> dict[str, str]:
    labels: dict[str, str] = {}
    for start in range(0, len(actors), BATCH):
        for row in rows_for(store, "matrix-actors", values=("actor", actors[start : start + BATCH])):
            labels.setdefault(str(optional_text(row, "actor")), optional_text(row, "label") or "")
    return {actor: labels.get(actor) or local_id(actor) for actor in actors}


def _stance_graph(cells: list[_Cell], labels: dict[str, str], targets: dict[str, str]) -> nx.MultiDiGraph:
    """The cells as the projection :mod:`graph.analysis` measures, so sorting reuses its alignment and
    coalitions: one edge per stance a cell holds (keyed by the stance, as the cell counts positions
    without naming them), which is all the measures read (a stance per actor and target)."""
    graph = nx.MultiDiGraph()
    for actor, label in labels.items():
        graph.add_node(actor, id=local_id(actor), label=label, group="actor")
    for cell in cells:
        if cell.target not in graph:
            graph.add_node(cell.target, id=local_id(cell.target), label=targets[cell.target], group="target")
        for code, relation in _RELATIONS.items():
            if cell.stances & code:
                graph.add_edge(cell.actor, cell.target, key=relation, relation=relation)
    return graph


def _sorted_rows(
    actors: list[str], labels: dict[str, str], graph: nx.MultiDiGraph, sort: Sort, with_actor: str | None
) -> tuple[list[str], list[int | None], list[float | None]]:
    """The actors in the order asked for, with their coalition or alignment when that is the order."""
    by_name = sorted(actors, key=lambda iri: (labels[iri].casefold(), iri))
    if sort == "coalition":
        group = {member.iri: i for i, members in enumerate(coalition_groups(graph)) for member in members}
        ordered = sorted(by_name, key=lambda iri: group.get(iri, len(group)))
        return ordered, [group.get(iri) for iri in ordered], []
    if sort == "alignment":
        if with_actor is None:
            raise NotFoundError("actor to align with", "")
        scores = (
            {pair.other.iri: pair for pair in alignment_of(graph, with_actor)} if with_actor in graph else {}
        )
        rank = {iri: i for i, iri in enumerate(scores)}  # closest first, as alignment_of orders them
        ordered = sorted(by_name, key=lambda iri: (iri != with_actor, rank.get(iri, len(rank))))
        return (
            ordered,
            [],
            [1.0 if iri == with_actor else (scores[iri].score if iri in scores else None) for iri in ordered],
        )
    return by_name, [], []


def stance_matrix(
    store: Store, filters: MatrixFilters = EVERYTHING, *, sort: Sort = "name", with_actor: str | None = None
) -> MatrixPayload:
    """The matrix of the positions that pass ``filters``: rows are the actors holding any of them.

    ``sort``: ``name`` (label), ``coalition`` (the groups of :func:`graph.analysis.coalition_groups`
    among the positions shown, largest first, then by name) or ``alignment`` with ``with_actor``
    (an IRI; :func:`graph.analysis.alignment_of` among the positions shown: that actor first, then
    the closest, actors sharing no target with it last). A draft id in ``filters`` that is not a
    draft is a :class:`NotFoundError`.
    """
    lineage = drafts_in_lineage(store)
    if filters.drafts is not None:
        unknown = set(filters.drafts) - {draft for draft, _, _ in lineage}
        if unknown:
            raise NotFoundError("draft", local_id(min(unknown)))
        lineage = [item for item in lineage if item[0] in filters.drafts]
    groups, targets, target_labels, target_groups = _columns(store, lineage)
    column = {iri: i for i, iri in enumerate(targets)}
    cells = _cells(store, filters, column)
    actors = sorted({cell.actor for cell in cells})
    if with_actor is not None and with_actor not in actors:
        actors.append(with_actor)
    labels = _labels(store, actors)
    graph = (
        _stance_graph(cells, labels, dict(zip(targets, target_labels, strict=True)))
        if sort != "name"
        else nx.MultiDiGraph()
    )
    ordered, coalitions, alignment = _sorted_rows(actors, labels, graph, sort, with_actor)
    return {
        "filters": filters.echo(),
        "sort": sort,
        "with_actor": local_id(with_actor) if with_actor else None,
        "certainties": list(CERTAINTY_WORDS),
        "drafts": groups,
        "columns": {
            "ids": [local_id(iri) for iri in targets],
            "labels": target_labels,
            "drafts": target_groups,
        },
        "rows": {
            "ids": [local_id(iri) for iri in ordered],
            "labels": [labels[iri] for iri in ordered],
            "coalitions": coalitions,
            "alignment": alignment,
        },
        "cells": _table(cells, ordered, column),
        "positions": sum(cell.count for cell in cells),
    }


def _table(cells: list[_Cell], rows: list[str], column: dict[str, int]) -> MatrixCells:
    """The cells as compressed sparse rows in the rows' order."""
    found: dict[str, list[tuple[int, _Cell]]] = defaultdict(list)
    for cell in cells:
        found[cell.actor].append((column[cell.target], cell))
    table: MatrixCells = {"offsets": [0], "columns": [], "stances": [], "certainties": [], "counts": []}
    for actor in rows:
        for index, cell in sorted(found[actor], key=lambda item: item[0]):
            table["columns"].append(index)
            table["stances"].append(cell.stances)
            table["certainties"].append(cell.certainty)
            table["counts"].append(cell.count)
        table["offsets"].append(len(table["columns"]))
    return table


def csv_rows(payload: MatrixPayload) -> Iterator[list[str]]:
    """The matrix as CSV rows: a header, then one line per non-empty cell, in the matrix's order."""
    yield ["actor_id", "actor", "target_id", "target", "draft", "stance", "certainty", "positions"]
    rows, columns, cells, drafts = payload["rows"], payload["columns"], payload["cells"], payload["drafts"]
    words = {SUPPORTS: "supports", OPPOSES: "opposes", MIXED: "both"}
    for r, (actor, label) in enumerate(zip(rows["ids"], rows["labels"], strict=True)):
        for i in range(cells["offsets"][r], cells["offsets"][r + 1]):
            c = cells["columns"][i]
            yield [
                actor,
                label,
                columns["ids"][c],
                columns["labels"][c],
                drafts[columns["drafts"][c]]["label"],
                words[cells["stances"][i]],
                payload["certainties"][cells["certainties"][i]],
                str(cells["counts"][i]),
            ]
