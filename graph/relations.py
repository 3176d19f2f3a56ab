"""What explains an actor besides its stances: roles and memberships, claims, and drafting.

The stance projection (:mod:`graph.projection`) draws who supports or opposes
what; an envoy, a think tank or a newspaper takes no stance and so floated
unconnected in the viewer. The data says why they are there: Witkoff is the
United States' envoy, Kushner Trump's son-in-law, Lutsevych speaks for Chatham
House, the Financial Times reported an official's claim, the United States
and Russia drafted the 28-point plan. :func:`add_relations` adds these as
edges among the nodes a projection already holds, each in a ``layer`` the
viewer can switch on and off, with the quote, source and certainty the data
gives for it. Nothing is inferred: every edge is one triple or one claim.

Analysis never sees these edges (its measures read stance relations only),
and the viewer is their only reader, so they are added on request
(:func:`viewer_graph`), not by :func:`graph.projection.stance_graph` itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import networkx as nx

from stancegraph.graph.projection import BATCH, Scope, rows_for, stance_graph
from stancegraph.graph.rows import plain
from stancegraph.graph.store import Row, Store
from stancegraph.graph.terms import PlainValue, local_id

ROLES, CLAIMS, DRAFTING = "roles", "claims", "drafting"
LAYERS = (ROLES, CLAIMS, DRAFTING)
# The relation names edges carry: the property's local name, or our verb for a claim and a draft.
CLAIMS_ABOUT, REPORTED, DRAFTED = "claimsAbout", "reported", "drafted"


def viewer_graph(store: Store, scope: Scope) -> nx.MultiDiGraph:
    """The stance projection of ``scope`` with the relations among its nodes: what a viewer draws."""
    graph = stance_graph(store, scope)
    add_relations(graph, store)
    return graph


def add_relations(graph: nx.MultiDiGraph, store: Store) -> None:
    """Add the roles, claims and drafting edges whose two ends are both nodes of ``graph``.

    Each edge has ``layer`` (``roles``, ``claims`` or ``drafting``), ``relation``,
    an ``id`` unique in the graph, and the evidence the data gives: ``quote``,
    ``source``/``source_label``, ``certainty``, ``date``; memberships add
    ``role``, claims ``claim`` and ``claim_label``. Edges come in a stable order.
    """
    actors = sorted(iri for iri, data in graph.nodes(data=True) if data["group"] == "actor")
    drafts = sorted(iri for iri, data in graph.nodes(data=True) if data["group"] == "draft")
    edges = [
        *_roles(_batched(store, "actor-relations", "source", actors)),
        *_claims(_batched(store, "claim-edges", "claimant", actors)),
        *_drafting(_batched(store, "drafting-edges", "draft", drafts)),
    ]
    for source, target, data in sorted(edges, key=lambda edge: str(edge[2]["id"])):
        if source in graph and target in graph and not graph.has_edge(source, target, data["id"]):
            graph.add_edge(source, target, key=data["id"], **data)


def _batched(store: Store, query: str, variable: str, iris: list[str]) -> list[dict[str, PlainValue]]:
    """The plain rows of ``query`` for these IRIs of ``variable``, a VALUES block of :data:`BATCH` at a time."""
    rows: list[Row] = [
        row
        for start in range(0, len(iris), BATCH)
        for row in rows_for(store, query, values=(variable, iris[start : start + BATCH]))
    ]
    return [plain(row) for row in rows]


Edge = tuple[str, str, dict[str, object]]


def _evidence(
    row: Mapping[str, object], *, source: str = "evidence", label: str = "evidenceLabel"
) -> dict[str, object]:
    return {
        "quote": row.get("quote"),
        "source": row.get(source),
        "source_label": row.get(label),
        "certainty": row.get("certaintyLabel"),
        "date": row.get("date"),
    }


def _name(iri: object) -> str:
    """A property's local name: ``org:memberOf`` and ``sg:sonInLawOf`` alike."""
    return str(iri).rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _roles(rows: Iterable[Mapping[str, object]]) -> Iterable[Edge]:
    for row in rows:
        source, target, relation = str(row["source"]), str(row["target"]), _name(row["relation"])
        membership = row.get("membership")
        identifier = (
            local_id(str(membership)) if membership else f"{relation}:{local_id(source)}:{local_id(target)}"
        )
        yield (
            source,
            target,
            {"layer": ROLES, "relation": relation, "id": identifier, "role": row.get("roleLabel")}
            | _evidence(row),
        )


def _claims(rows: Iterable[Mapping[str, object]]) -> Iterable[Edge]:
    """Claimant -> each thing the claim is about; and whoever reported it -> the claimant, once per claim."""
    for row in rows:
        claim, claimant = str(row["claim"]), str(row["claimant"])
        common = {"layer": CLAIMS, "claim": local_id(claim), "claim_label": row["label"]} | _evidence(
            row, source="source", label="sourceLabel"
        )
        about = str(row["about"])
        yield (
            claimant,
            about,
            common | {"relation": CLAIMS_ABOUT, "id": f"{local_id(claim)}:{local_id(about)}"},
        )
        if row.get("reportedBy"):
            reporter = str(row["reportedBy"])
            yield reporter, claimant, common | {"relation": REPORTED, "id": f"{local_id(claim)}:reported"}


def _drafting(rows: Iterable[Mapping[str, object]]) -> Iterable[Edge]:
    for row in rows:
        creator, draft = str(row["creator"]), str(row["draft"])
        identifier = f"{DRAFTED}:{local_id(creator)}:{local_id(draft)}"
        yield creator, draft, {"layer": DRAFTING, "relation": DRAFTED, "id": identifier} | _evidence(row)
