"""Answers the raw graph does not give at a glance: who aligns, who sides together, what divides them.

Every measure works on the networkx projection (:func:`graph.projection.stance_graph`)
and every result cites the IRIs of the positions (or clause changes) it rests on,
so an analyst can always go back to the quotes.

Only direct stances count: backing a draft is not read as backing each of its
clauses. The data shows why: the United States co-proposed the 28-point plan yet
opposes its amnesty and its NATO bar.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import networkx as nx

from stancegraph.graph.betweenness import betweenness, sampled_sources
from stancegraph.graph.errors import NotFoundError, StancegraphError
from stancegraph.graph.rows import iri, optional_text, text
from stancegraph.graph.store import Row, Store, Term
from stancegraph.graph.terms import as_date, local_id, resource

SIGNS = {"supports": 1, "opposes": -1}
MIXED = 0
# centrality: sources × edges one answer may visit, about 5 s at 1M triples (docs/analysis.md says why)
CENTRALITY_WORK = 100_000_000


class LineageError(StancegraphError):
    """Two drafts that the data does not link by a revision, so there is no diff to give."""


@dataclass(frozen=True)
class Node:
    """An actor, draft or clause as results name it: its IRI, short id and label."""

    iri: str
    id: str
    label: str


@dataclass(frozen=True)
class Stance:
    """One actor's stance on one target: +1 supports, -1 opposes, 0 mixed (positions both ways)."""

    actor: str
    target: str
    sign: int
    positions: tuple[str, ...]


@dataclass(frozen=True)
class SharedTarget:
    """A target two actors both took a stance on, and whether they took the same one."""

    target: Node
    agree: bool
    positions: tuple[str, ...]


@dataclass(frozen=True)
class Alignment:
    """How often two actors take the same stance on the targets both took a stance on."""

    actor: Node
    other: Node
    agreements: int
    disagreements: int
    shared: int
    score: float
    targets: tuple[SharedTarget, ...]
    positions: tuple[str, ...]


@dataclass(frozen=True)
class AlignmentMatrix:
    """Alignment scores of every pair of actors; ``None`` where two actors share no target."""

    actors: tuple[Node, ...]
    scores: tuple[tuple[float | None, ...], ...]
    pairs: tuple[Alignment, ...]


@dataclass(frozen=True)
class TargetSides:
    """Who supports and who opposes one target, and how divided they are."""

    target: Node
    supporters: tuple[Node, ...]
    opponents: tuple[Node, ...]
    mixed: tuple[Node, ...]
    division: float
    positions: tuple[str, ...]


@dataclass(frozen=True)
class Coalition:
    """Actors that side together, with what binds them, splits them and separates them from the rest."""

    members: tuple[Node, ...]
    binds: tuple[TargetSides, ...]
    splits: tuple[TargetSides, ...]
    separates: tuple[TargetSides, ...]
    positions: tuple[str, ...]


@dataclass(frozen=True)
class Broker:
    """An actor's betweenness on the actor–target graph, with the targets and positions behind it."""

    actor: Node
    betweenness: float
    targets: tuple[Node, ...]
    positions: tuple[str, ...]


@dataclass(frozen=True)
class Centrality:
    """The brokers, and how many nodes their betweenness counts the shortest paths from.

    ``exact`` when every node of the actor–target graph was a source; otherwise
    ``sources`` of the ``nodes`` were, drawn with ``seed``, and the scores are estimates.
    """

    brokers: tuple[Broker, ...]
    nodes: int
    sources: int
    exact: bool
    seed: int | None


@dataclass(frozen=True)
class ClauseDiff:
    """One clause added, removed, reworded or kept by a later draft, with the evidence for it."""

    change: str
    kind: str
    previous: Node | None
    previous_wording: str | None
    new: Node | None
    new_wording: str | None
    quote: str
    certainty: str


@dataclass(frozen=True)
class DraftDiff:
    """What a draft changed in the one it revises, and who is behind each of the two."""

    old: Node
    new: Node
    old_creators: tuple[Node, ...]
    new_creators: tuple[Node, ...]
    added: tuple[ClauseDiff, ...]
    removed: tuple[ClauseDiff, ...]
    reworded: tuple[ClauseDiff, ...]
    kept: tuple[ClauseDiff, ...]
    changes: tuple[str, ...]


def node(graph: nx.MultiDiGraph, iri: str) -> Node:
    """The :class:`Node` for an IRI of the projection."""
    data = graph.nodes[iri]
    return Node(iri=iri, id=data["id"], label=str(data["label"]))


def _nodes(graph: nx.MultiDiGraph, iris: Iterable[str]) -> tuple[Node, ...]:
    return tuple(sorted((node(graph, iri) for iri in iris), key=lambda n: (n.label, n.iri)))


def _stance_edges(graph: nx.MultiDiGraph) -> Iterable[tuple[str, str, str, dict[str, object]]]:
    for actor, target, key, data in graph.edges(keys=True, data=True):
        if data.get("relation") in SIGNS:
            yield actor, target, key, data


def stances(graph: nx.MultiDiGraph) -> dict[tuple[str, str], Stance]:
    """Each actor's stance on each target it took one on, keyed by (actor IRI, target IRI).

    An actor with positions both ways on one target is *mixed* (sign 0): it counts
    as neither agreeing nor disagreeing with anyone on that target.
    """
    signs: dict[tuple[str, str], set[int]] = defaultdict(set)
    positions: dict[tuple[str, str], list[str]] = defaultdict(list)
    for actor, target, key, data in _stance_edges(graph):
        signs[actor, target].add(SIGNS[str(data["relation"])])
        positions[actor, target].append(key)
    return {
        pair: Stance(
            pair[0], pair[1], next(iter(found)) if len(found) == 1 else MIXED, tuple(sorted(positions[pair]))
        )
        for pair, found in signs.items()
    }


def _actors_with_stances(table: dict[tuple[str, str], Stance]) -> set[str]:
    return {actor for actor, _ in table}


def _by_actor(table: dict[tuple[str, str], Stance]) -> dict[str, dict[str, Stance]]:
    grouped: dict[str, dict[str, Stance]] = defaultdict(dict)
    for (actor, target), stance in table.items():
        grouped[actor][target] = stance
    return grouped


def _compare(
    graph: nx.MultiDiGraph, actor: str, other: str, mine: dict[str, Stance], theirs: dict[str, Stance]
) -> Alignment | None:
    shared = [
        SharedTarget(
            target=node(graph, target),
            agree=mine[target].sign == theirs[target].sign,
            positions=mine[target].positions + theirs[target].positions,
        )
        for target in sorted(mine.keys() & theirs.keys())
        if mine[target].sign != MIXED and theirs[target].sign != MIXED
    ]
    if not shared:
        return None
    agreements = sum(item.agree for item in shared)
    return Alignment(
        actor=node(graph, actor),
        other=node(graph, other),
        agreements=agreements,
        disagreements=len(shared) - agreements,
        shared=len(shared),
        score=agreements / len(shared),
        targets=tuple(shared),
        positions=tuple(sorted(p for item in shared for p in item.positions)),
    )


def alignment(graph: nx.MultiDiGraph) -> list[Alignment]:
    """Every pair of actors that took a stance on at least one common target.

    Alignment of two actors = agreements / shared targets, where the shared targets
    are the clauses and drafts both took a (non-mixed) stance on and an agreement is
    the same stance. Pairs with no target in common have no score and are left out.
    """
    grouped = _by_actor(stances(graph))
    actors = sorted(grouped, key=lambda iri: (str(graph.nodes[iri]["label"]), iri))
    pairs = (_compare(graph, a, b, grouped[a], grouped[b]) for a, b in itertools.combinations(actors, 2))
    return [pair for pair in pairs if pair is not None]


def alignment_of(graph: nx.MultiDiGraph, actor: str) -> list[Alignment]:
    """One actor's alignment with each other actor it shares a target with, closest first.

    ``actor`` is an IRI or a short id; an unknown actor is a :class:`NotFoundError`.
    """
    iri = resource(actor).value
    if iri not in graph or graph.nodes[iri].get("group") != "actor":
        raise NotFoundError("actor", actor)
    grouped = _by_actor(stances(graph))
    mine = grouped.get(iri, {})
    pairs = (_compare(graph, iri, other, mine, theirs) for other, theirs in grouped.items() if other != iri)
    found = [pair for pair in pairs if pair is not None]
    return sorted(found, key=lambda pair: (-pair.score, -pair.shared, pair.other.label))


def alignment_matrix(graph: nx.MultiDiGraph) -> AlignmentMatrix:
    """The alignment scores as a symmetric matrix over the actors that took any stance."""
    pairs = alignment(graph)
    actors = _nodes(graph, _actors_with_stances(stances(graph)))
    index = {actor.iri: i for i, actor in enumerate(actors)}
    scores: list[list[float | None]] = [[None] * len(actors) for _ in actors]
    for pair in pairs:
        i, j = index[pair.actor.iri], index[pair.other.iri]
        scores[i][j] = scores[j][i] = pair.score
    return AlignmentMatrix(actors=actors, scores=tuple(map(tuple, scores)), pairs=tuple(pairs))


def _sides(graph: nx.MultiDiGraph, table: dict[tuple[str, str], Stance]) -> dict[str, TargetSides]:
    by_target: dict[str, list[Stance]] = defaultdict(list)
    for stance in table.values():
        by_target[stance.target].append(stance)
    sides = {}
    for target, found in by_target.items():
        support = [s.actor for s in found if s.sign > 0]
        oppose = [s.actor for s in found if s.sign < 0]
        taking = len(support) + len(oppose)
        sides[target] = TargetSides(
            target=node(graph, target),
            supporters=_nodes(graph, support),
            opponents=_nodes(graph, oppose),
            mixed=_nodes(graph, (s.actor for s in found if s.sign == MIXED)),
            division=min(len(support), len(oppose)) / taking if taking else 0.0,
            positions=tuple(sorted(p for s in found for p in s.positions)),
        )
    return sides


def contested(graph: nx.MultiDiGraph) -> list[TargetSides]:
    """Every target with a stance on it, most divided first.

    Division = min(supporters, opponents) / (supporters + opponents), counting actors:
    0 when everyone who took a stance took the same one, 0.5 for an even split.
    Ties go to the target more actors took a stance on.
    """
    sides = _sides(graph, stances(graph)).values()
    return sorted(
        sides,
        key=lambda s: (-s.division, -(len(s.supporters) + len(s.opponents)), s.target.label),
    )


def coalition_groups(graph: nx.MultiDiGraph, *, seed: int = 0) -> list[tuple[Node, ...]]:
    """The members of each coalition, in the order of :func:`coalitions`, without explaining them.

    Two actors are linked with weight agreements minus disagreements (as :func:`alignment`
    counts them); Louvain community detection (fixed ``seed``) runs on the positive links, so
    an actor that agrees with no one forms a group of its own.
    This is the cheap part: the viewer colours by it on graphs of any size.
    """
    return _coalition_groups(graph, stances(graph), seed)


def agreement_weights(table: dict[tuple[str, str], Stance]) -> dict[tuple[str, str], int]:
    """Agreements minus disagreements of each pair of actors (keyed in IRI order) that share a target.

    Counted target by target, from the stances on it: the same numbers as :func:`alignment`'s
    pairs, without comparing every pair of actors (half a million at a thousand actors) or
    building the evidence of each.
    """
    by_target: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for (actor, target), stance in table.items():
        if stance.sign != MIXED:
            by_target[target].append((actor, stance.sign))
    weights: dict[tuple[str, str], int] = defaultdict(int)
    for taken in by_target.values():
        taken.sort()
        for (actor, sign), (other, other_sign) in itertools.combinations(taken, 2):
            weights[actor, other] += sign * other_sign
    return weights


def _coalition_groups(
    graph: nx.MultiDiGraph, table: dict[tuple[str, str], Stance], seed: int
) -> list[tuple[Node, ...]]:
    weights = agreement_weights(table)
    # Louvain's result depends on the order of the graph's nodes and links: both go in sorted (the
    # nodes once came from a set, whose order changes from process to process with string hashing)
    actors = sorted(_by_actor(table), key=lambda iri: (str(graph.nodes[iri]["label"]), iri))
    signed = nx.Graph()
    signed.add_nodes_from(actors)
    for actor, other in itertools.combinations(actors, 2):
        weight = weights.get((actor, other) if actor < other else (other, actor), 0)
        if weight > 0:
            signed.add_edge(actor, other, weight=weight)
    groups = [
        _nodes(graph, group) for group in nx.community.louvain_communities(signed, weight="weight", seed=seed)
    ]
    return sorted(groups, key=lambda members: (-len(members), members[0].label))


def coalitions(graph: nx.MultiDiGraph, *, seed: int = 0) -> list[Coalition]:
    """Groups of actors that side together, largest first, with the targets that bind, split and separate them."""
    table = stances(graph)
    sides = _sides(graph, table)
    by_target: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for (actor, target), stance in table.items():
        by_target[target].append((actor, stance.sign))
    by_label = sorted(sides.items(), key=lambda item: item[1].target.label)  # once, not per coalition
    return [_coalition(members, by_target, by_label) for members in _coalition_groups(graph, table, seed)]


def _coalition(
    members: tuple[Node, ...],
    by_target: dict[str, list[tuple[str, int]]],
    sides: list[tuple[str, TargetSides]],
) -> Coalition:
    inner = {member.iri for member in members}
    binds, splits, separates = [], [], []
    for target, side in sides:
        taken = by_target[target]
        inside = {sign for actor, sign in taken if actor in inner}
        outside = {sign for actor, sign in taken if actor not in inner}
        taking = sum(actor in inner for actor, _ in taken)
        if inside == {1} or inside == {-1}:
            if taking >= 2:
                binds.append(side)
            if -next(iter(inside)) in outside:
                separates.append(side)
        elif {1, -1} <= inside:
            splits.append(side)
    cited = {p for side in (*binds, *splits, *separates) for p in side.positions}
    return Coalition(
        members=members,
        binds=tuple(binds),
        splits=tuple(splits),
        separates=tuple(separates),
        positions=tuple(sorted(cited)),
    )


def centrality(graph: nx.MultiDiGraph, *, work: int = CENTRALITY_WORK, seed: int = 0) -> Centrality:
    """Actors ranked by betweenness on the undirected actor–target graph, highest first.

    Betweenness is the share of shortest paths between other nodes that pass
    through an actor (normalised to 0–1): high for an actor whose stances connect
    actors who otherwise share no target, such as a mediator between camps.

    Exact betweenness follows the shortest paths from every node, so its cost grows
    with nodes × edges. Up to ``work`` it is exact; past it, the paths are followed
    from ``work`` / edges nodes only (at least 2), drawn with a fixed ``seed`` so the
    same graph gets the same answer: an estimate, and the result says so. The time
    stays about the same at any size; docs/analysis.md gives the measurements.
    """
    table = stances(graph)
    bipartite = nx.Graph()
    bipartite.add_edges_from(sorted(table))  # the sampled sources depend on the order of the nodes
    nodes, edges = bipartite.number_of_nodes(), bipartite.number_of_edges()
    sources = nodes if nodes * edges <= work else min(nodes, max(2, work // edges))
    scores = betweenness(bipartite, None if sources == nodes else sampled_sources(bipartite, sources, seed))
    grouped = _by_actor(table)
    brokers = [
        Broker(
            actor=node(graph, actor),
            betweenness=scores[actor],
            targets=_nodes(graph, bipartite.neighbors(actor)),
            positions=tuple(sorted(p for stance in grouped[actor].values() for p in stance.positions)),
        )
        for actor in grouped
    ]
    return Centrality(
        brokers=tuple(sorted(brokers, key=lambda b: (-b.betweenness, b.actor.label))),
        nodes=nodes,
        sources=sources,
        exact=sources == nodes,
        seed=None if sources == nodes else seed,
    )


def as_of(graph: nx.MultiDiGraph, day: dt.date, *, include_undated: bool = False) -> nx.MultiDiGraph:
    """The projection as it stood on ``day``: only positions dated on or before it.

    Undated positions are left out by default, because nothing says they already
    held on ``day``; ``include_undated`` keeps them. Either way their IRIs are in
    ``result.graph["undated"]``, so nothing disappears unseen. A month or a year
    counts from its first day (a position of ``2025-11`` holds on 2025-11-01).
    Nodes and lineage edges are kept: only stances change over time here.
    """
    sliced = graph.copy()
    undated = []
    for actor, target, key, data in list(_stance_edges(graph)):
        date = as_date(str(data["date"])) if data.get("date") else None
        if date is None:
            undated.append(key)
            if not include_undated:
                sliced.remove_edge(actor, target, key)
        elif date > day:
            sliced.remove_edge(actor, target, key)
    sliced.graph.update(as_of=day.isoformat(), undated=sorted(undated), include_undated=include_undated)
    return sliced


def draft_diff(store: Store, old: str, new: str) -> DraftDiff:
    """What draft ``new`` added, removed, reworded and kept of draft ``old``, which it must revise.

    The diff comes from the sg:ClauseChange nodes (each cited by IRI with its quote),
    not from comparing texts: the drafts are known only as far as a source describes them.
    """
    old_iri, new_iri = resource(old), resource(new)
    documents = {
        old: store.rows("documents", document=old_iri),
        new: store.rows("documents", document=new_iri),
    }
    for name, rows in documents.items():
        if not rows or not any(text(row, "kind").endswith("#Draft") for row in rows):
            raise NotFoundError("draft", name)
    if old_iri not in {row.get("revisionOf") for row in documents[new]}:
        raise LineageError(f"{new!r} is not a revision of {old!r}; give the earlier draft first")
    diffs = [_clause_diff(row) for row in store.rows("clause-changes", draft=new_iri)]
    by_kind: dict[str, list[ClauseDiff]] = defaultdict(list)
    for diff in diffs:
        by_kind[diff.kind].append(diff)
    return DraftDiff(
        old=_document_node(documents[old]),
        new=_document_node(documents[new]),
        old_creators=_creators(store, old_iri),
        new_creators=_creators(store, new_iri),
        added=tuple(by_kind["added"]),
        removed=tuple(by_kind["removed"]),
        reworded=tuple(by_kind["reworded"]),
        kept=tuple(by_kind["kept"]),
        changes=tuple(sorted(diff.change for diff in diffs)),
    )


def _document_node(rows: list[Row]) -> Node:
    return _ref(rows[0], "document", "label")


def _creators(store: Store, document: Term) -> tuple[Node, ...]:
    rows = store.rows("creators", document=document)
    return tuple(_ref(row, "creator") for row in rows)


def _ref(row: Row, name: str, label: str | None = None) -> Node:
    """The node a row names in ``name``, labelled by ``label`` (default ``{name}Label``)."""
    node = iri(row, name)
    return Node(iri=node, id=local_id(node), label=text(row, label or f"{name}Label"))


def _clause_diff(row: Row) -> ClauseDiff:
    return ClauseDiff(
        change=iri(row, "change"),
        kind=text(row, "kind").rsplit("#", 1)[-1].lower(),
        previous=_ref(row, "previous") if "previous" in row else None,
        previous_wording=optional_text(row, "previousWording"),
        new=_ref(row, "new") if "new" in row else None,
        new_wording=optional_text(row, "newWording"),
        quote=text(row, "quote"),
        certainty=text(row, "certaintyLabel"),
    )
