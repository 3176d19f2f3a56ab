"""The graph as networkx sees it: actors, drafts and clauses as nodes, stances and lineage as edges.

The RDF stays the source of truth; this projection is rebuilt from queries
whenever analysis or drawing needs it. Nodes are keyed by IRI.

Drawing needs only part of a big graph: a :class:`Scope` keeps the stances on
one draft or of some actors, and caps the nodes and edges, keeping the nodes
that take part in the most stances. Analysis projects the whole store.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import zip_longest

import networkx as nx
import pyoxigraph as ox

from stancegraph.graph.kinds import node_kinds
from stancegraph.graph.queries import inject_pattern, load_query, only_pinned, values_block
from stancegraph.graph.rows import integer, iri, plain, text
from stancegraph.graph.store import Row, Store
from stancegraph.graph.terms import local_id

GROUPS = {
    "https://w3id.org/stancegraph/ns#Actor": "actor",
    "https://w3id.org/stancegraph/ns#Draft": "draft",
    "https://w3id.org/stancegraph/ns#Clause": "clause",
}
STANCE_RELATIONS = {
    "https://w3id.org/stancegraph/ns#Support": "supports",
    "https://w3id.org/stancegraph/ns#Opposition": "opposes",
}


@dataclass(frozen=True)
class Scope:
    """Which part of the graph to project, and how much of it at most.

    ``draft``: only the stances on this draft and its clauses (with the draft
    and all its clauses as nodes). ``actors``: only these actors' stances.
    ``max_nodes``/``max_edges``: past these, the scope's own draft, clauses
    and actors are kept, then the actors taking the most stances and the
    drafts and clauses receiving the most, in turn (ties by IRI), then the
    first stance edges among them by IRI; the graph's ``truncated`` attribute
    says whether anything was left out. Without a draft or actors, actors and clauses with no stance are
    nodes too.
    """

    draft: ox.NamedNode | None = None
    actors: tuple[ox.NamedNode, ...] = ()
    max_nodes: int | None = None
    max_edges: int | None = None
    evidence: bool = True  # False: stance edges carry position, relation and date only (for analysis)

    @property
    def filtered(self) -> bool:
        return self.draft is not None or bool(self.actors)


WHOLE = Scope()
STANCES_ONLY = Scope(evidence=False)  # the whole graph for the measures, which cite positions by IRI
ACTOR = "https://w3id.org/stancegraph/ns#Actor"
LINEAGE_GROUPS = ("draft", "clause")  # drafting links leave drafts and clauses only
BATCH = 1000  # positions described per query: a VALUES block of about 60 kB
Key = tuple[str, str, str]  # a stance's position, actor and target IRIs


def rows_for(store: Store, name: str, *, values: tuple[str, Iterable[str]] | None = None) -> list[Row]:
    """The rows of a named query, optionally for some values (IRIs) of one variable."""
    if values is None:
        return store.rows(name)
    terms = [ox.NamedNode(value) for value in values[1]]
    if not terms:
        return []
    return store.select(inject_pattern(load_query(name), values_block(values[0], terms)))


def _stance_keys(store: Store, scope: Scope, *, side: tuple[str, Iterable[str]] | None = None) -> list[Key]:
    """(position, actor, target) of every stance in the scope, or of those with one end among ``side``'s nodes."""
    query = only_pinned(load_query("stance-keys"), {"inDraft": scope.draft})
    if scope.actors:
        query = inject_pattern(query, values_block("actor", scope.actors))
    if side is not None:
        query = inject_pattern(query, values_block(side[0], map(ox.NamedNode, side[1])))
    rows = store.select(query)
    return [(iri(row, "position"), iri(row, "actor"), iri(row, "target")) for row in rows]


@dataclass
class _Selection:
    nodes: list[Row]
    positions: list[str] | None  # None: every position in the store
    truncated: bool


def _select(store: Store, scope: Scope) -> _Selection:
    """The nodes and stances to project: everything, or the most connected part of the scope."""
    pinned: set[str] = set()
    keys: list[Key] | None = None
    degrees: Counter[str] = Counter()
    sides: dict[str, str] = {}
    if scope.filtered:
        keys = _stance_keys(store, scope)
        for _, actor, target in keys:
            degrees.update((actor, target))
            sides[actor], sides[target] = "actor", "target"
        pinned = {node.value for node in (scope.draft, *scope.actors) if node is not None}
        if scope.draft is not None:
            pinned.update(iri(row, "clause") for row in store.rows("clauses", draft=scope.draft))
        degrees.update(dict.fromkeys(pinned, 0))
    else:
        # One aggregate counts every node's stances (210 ms on a million triples), so kinds and
        # labels are read only for the nodes kept.
        for row in store.rows("node-degrees"):
            node = iri(row, "node")
            degrees[node] += integer(row, "degree")
            sides[node] = text(row, "side")
        if scope.max_nodes is None or len(degrees) < scope.max_nodes:
            return _whole(store, scope, degrees)
    chosen = _balanced(degrees, sides, pinned, scope.max_nodes)
    nodes = node_kinds(store, nodes=map(ox.NamedNode, chosen))
    if keys is None:
        keys = _stance_keys(store, scope, side=_smaller_side(nodes, degrees))
    positions, cut = _stances_among(keys, set(chosen), scope.max_edges)
    return _Selection(nodes, positions, cut or len(chosen) < len(degrees))


def _balanced(degrees: Counter[str], sides: dict[str, str], pinned: set[str], limit: int | None) -> list[str]:
    """The scope's own nodes first, then the most connected actors and targets in turn.

    Ranking both together would keep only actors (each takes dozens of
    stances, a clause gets a few), and a graph of actors alone has no edges.
    """
    ranked = sorted(degrees, key=lambda node: (-degrees[node], node))
    first = [node for node in ranked if node in pinned]
    actors = [node for node in ranked if node not in pinned and sides.get(node) == "actor"]
    others = [node for node in ranked if node not in pinned and sides.get(node) != "actor"]
    turns = [node for pair in zip_longest(actors, others) for node in pair if node is not None]
    chosen = first + turns
    return chosen if limit is None else chosen[:limit]


def _whole(store: Store, scope: Scope, degrees: Counter[str]) -> _Selection:
    """Every node (those with no stance too), unless ``max_nodes`` or ``max_edges`` cuts."""
    nodes = node_kinds(store)
    positions = sum(degrees[iri(row, "node")] for row in nodes if iri(row, "group") == ACTOR)
    truncated = scope.max_nodes is not None and len(nodes) > scope.max_nodes
    if truncated:
        nodes = sorted(nodes, key=lambda row: (-degrees[iri(row, "node")], iri(row, "node")))[
            : scope.max_nodes
        ]
    if not truncated and (scope.max_edges is None or positions <= scope.max_edges):
        return _Selection(nodes, None, False)
    chosen = {iri(row, "node") for row in nodes}
    kept, cut = _stances_among(
        _stance_keys(store, scope, side=_smaller_side(nodes, degrees)), chosen, scope.max_edges
    )
    return _Selection(nodes, kept, truncated or cut)


def _smaller_side(nodes: list[Row], degrees: Counter[str]) -> tuple[str, list[str]]:
    """Pin the stances' actors or their targets, whichever the chosen nodes have fewer stances on."""
    actors = [iri(row, "node") for row in nodes if iri(row, "group") == ACTOR]
    targets = [iri(row, "node") for row in nodes if iri(row, "group") != ACTOR]
    if sum(degrees[node] for node in actors) <= sum(degrees[node] for node in targets):
        return "actor", actors
    return "target", targets


def _stances_among(keys: list[Key], chosen: set[str], limit: int | None) -> tuple[list[str], bool]:
    """The positions between chosen nodes, the first ``limit`` by IRI; and whether the limit cut."""
    inside = sorted(position for position, actor, target in keys if actor in chosen and target in chosen)
    if limit is not None and len(inside) > limit:
        return inside[:limit], True
    return inside, False


def stance_graph(store: Store, scope: Scope = WHOLE) -> nx.MultiDiGraph:
    """A MultiDiGraph: one edge per position (key: the position's IRI) and per lineage link.

    ``graph.graph["truncated"]`` is true when the scope's caps left nodes or stances out.
    """
    selection = _select(store, scope)
    graph = nx.MultiDiGraph(truncated=selection.truncated)
    for row in map(plain, selection.nodes):
        node = str(row["node"])
        graph.add_node(
            node,
            id=local_id(node),
            label=row["label"],
            group=GROUPS[str(row["group"])],
            kind=local_id(str(row["kind"])).rsplit("#", 1)[-1],
            kind_label=row["kindLabel"],
            draft=row.get("draft"),
        )
    _add_stances(graph, store, selection.positions, evidence=scope.evidence)
    links = sorted(
        (str(row["source"]), str(row["relation"]), str(row["target"]))
        for row in map(plain, store.rows("lineage-edges"))
    )
    for source, relation_iri, target in links:
        if source in graph and target in graph and graph.nodes[source]["group"] in LINEAGE_GROUPS:
            relation = relation_iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
            graph.add_edge(source, target, key=f"{relation}:{target}", relation=relation)
    return graph


def _add_stances(
    graph: nx.MultiDiGraph, store: Store, positions: list[str] | None, *, evidence: bool
) -> None:
    """The stance edges (with their evidence, unless not asked), in position IRI order (a stable layout)."""
    query = "stance-edges" if evidence else "stance-summary"
    if positions is None:
        rows = store.rows(query)
    else:
        rows = [
            row
            for start in range(0, len(positions), BATCH)
            for row in rows_for(store, query, values=("position", positions[start : start + BATCH]))
        ]
    for row in sorted(map(plain, rows), key=lambda row: str(row["position"])):
        actor, target = str(row["actor"]), str(row["target"])
        if actor not in graph or target not in graph:
            continue
        details = (
            {
                "label": row["label"],
                "quote": row["quote"],
                "source": row["source"],
                "source_label": row.get("sourceLabel"),
                "certainty": row.get("certaintyLabel"),
                "document": row["document"],
                "as_of_draft": row.get("asOfDraft"),
            }
            if evidence
            else {}
        )
        graph.add_edge(
            actor,
            target,
            key=str(row["position"]),
            relation=STANCE_RELATIONS[str(row["stance"])],
            position=row["position"],
            date=row.get("date"),
            **details,
        )
