"""What kind of actor, draft or clause a node is: its most specific class, read cheaply.

Asking SPARQL for the most specific class (a ``FILTER NOT EXISTS`` over a
subclass path) cost Oxigraph about 2 ms a node on a million triples, so the
viewer's 2,000 nodes took 4 s. The class tree is a few dozen rows: it is read
once per call (``class-tree.rq``), the nodes' asserted types with one index
lookup each (``typed-nodes.rq``), and the most specific one is picked here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox

from stancegraph.graph.queries import inject_pattern, load_query, values_block
from stancegraph.graph.rows import optional_text, text
from stancegraph.graph.store import Row, Store
from stancegraph.ontology import SG

GROUPS = (SG.Actor, SG.Draft, SG.Clause)


@dataclass(frozen=True)
class Kind:
    iri: str
    label: str
    group: str
    ancestors: frozenset[str]  # the classes it falls under, itself included


def class_tree(store: Store) -> dict[str, Kind]:
    """Every class under the three groups, by IRI."""
    labels: dict[str, str] = {}
    groups: dict[str, str] = {}
    ancestors: dict[str, set[str]] = {}
    for row in store.rows("class-tree"):
        kind = text(row, "kind")
        labels[kind], groups[kind] = optional_text(row, "kindLabel") or "", text(row, "group")
        ancestors.setdefault(kind, set()).add(text(row, "ancestor"))
    return {kind: Kind(kind, labels[kind], groups[kind], frozenset(ancestors[kind])) for kind in labels}


def node_kinds(
    store: Store, *, nodes: Iterable[ox.NamedNode] | None = None, groups: Iterable[ox.NamedNode] = GROUPS
) -> list[Row]:
    """Rows of ``node``, ``label``, ``group``, ``kind``, ``kindLabel`` and ``draft`` (when a clause has one).

    Every node of ``groups``, or only ``nodes`` (an empty list gives no rows),
    by group and then label, as the viewer and the JSON lists order them.
    A node whose types include no class of the groups is left out.
    """
    wanted = {group.value for group in groups}
    tree = {iri: kind for iri, kind in class_tree(store).items() if kind.group in wanted}
    if not tree:
        return []
    if nodes is None:  # every node of these kinds: one index scan per class
        query = inject_pattern(load_query("typed-nodes"), values_block("type", map(ox.NamedNode, tree)))
    else:  # some nodes: one lookup each (pinning the types too made Oxigraph join 2,000 nodes in 2.4 s)
        chosen = list(nodes)
        if not chosen:
            return []
        query = inject_pattern(load_query("typed-nodes"), values_block("node", chosen))
    seen: dict[str, Row] = {}
    types: dict[str, set[str]] = {}
    for row in store.select(query):
        if text(row, "type") not in tree:
            continue
        node = text(row, "node")
        seen.setdefault(node, row)
        types.setdefault(node, set()).add(text(row, "type"))
    described = []
    for node, row in seen.items():
        kind = _most_specific(types[node], tree)
        described.append(
            {
                "node": row["node"],
                "label": row["label"],
                "group": ox.NamedNode(kind.group),
                "kind": ox.NamedNode(kind.iri),
                "kindLabel": ox.Literal(kind.label),
                **({"draft": row["draft"]} if "draft" in row else {}),
            }
        )
    return sorted(described, key=lambda row: (text(row, "group"), text(row, "label"), text(row, "node")))


def _most_specific(types: set[str], tree: dict[str, Kind]) -> Kind:
    """The type no other type of the node falls under (ties by IRI, so the answer is stable)."""
    kinds = [tree[iri] for iri in sorted(types)]
    narrowest = [
        kind
        for kind in kinds
        if not any(kind.iri in other.ancestors and other is not kind for other in kinds)
    ]
    return narrowest[0]
