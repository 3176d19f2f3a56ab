"""The JSON of ``/api/graph``, which is also what the viewer draws: its one definition, and how a
projection becomes it.

The service serves these types as they are (FastAPI documents and checks them through
pydantic, each field with its description), and the viewer, the timeline and
``stancegraph view`` render them, so a field added here reaches every reader and
none can drop it. They are TypedDicts, not models: the viewer reads and the tests build them as
plain JSON objects. ``typing_extensions.TypedDict`` because pydantic needs it before Python 3.12.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal, NotRequired

import networkx as nx
from pydantic import Field
from typing_extensions import TypedDict

from stancegraph.graph.analysis import coalition_groups
from stancegraph.graph.terms import local_id

STANCES = ("supports", "opposes")
STANCE_LAYER = "stances"
LINEAGE = "lineage"


class GraphNode(TypedDict):
    """A node of ``/api/graph``: an actor, a draft or a clause."""

    id: Annotated[str, Field(description="Local name of the IRI; use it in /api/... and /id/... URLs.")]
    iri: Annotated[str, Field(description="The resource's full IRI.")]
    label: Annotated[str, Field(description="Its human-readable label.")]
    group: Annotated[Literal["actor", "draft", "clause"], Field(description="actor, draft or clause.")]
    kind: Annotated[str, Field(description="Most specific class, e.g. State, Draft, Clause.")]
    kind_label: Annotated[str, Field(description="That class's label, e.g. 'state'.")]
    draft: Annotated[str | None, Field(description="For a clause: the id of its draft.")]
    coalition: Annotated[
        int | None,
        Field(
            description="For an actor: its coalition's index in /api/coalitions (largest first); "
            "null for an actor with no stance, and for drafts and clauses."
        ),
    ]


class GraphEdge(TypedDict):
    """An edge of ``/api/graph``: a stance (with its evidence), a lineage link (evidence fields null),
    or a relation of :mod:`graph.relations` (a role, a claim, a drafting; with the evidence the data gives)."""

    id: Annotated[
        str,
        Field(
            description="The position's id for stances; relation:source:target for lineage; the membership's "
            "id, claim:about, claim:reported or drafted:actor:draft for the relation layers."
        ),
    ]
    source: Annotated[str, Field(description="Id of the node the edge leaves.")]
    target: Annotated[str, Field(description="Id of the node the edge enters.")]
    relation: Annotated[
        str,
        Field(
            description="supports or opposes; isPartOf, wasRevisionOf, revises, keeps, removes or adds "
            "(lineage); memberOf, foundingMemberOf, formerMemberOf, sonInLawOf, familyOf or "
            "subOrganizationOf (roles); claimsAbout or reported (claims); drafted (drafting)."
        ),
    ]
    layer: Annotated[
        str,
        Field(
            description="stances, lineage, roles (roles and memberships), claims or drafting (who drafted a draft)."
        ),
    ]
    role: NotRequired[
        Annotated[str | None, Field(description="For a membership: the role's label, e.g. 'envoy'.")]
    ]
    claim: NotRequired[Annotated[str | None, Field(description="For a claims edge: the claim's id.")]]
    claim_label: NotRequired[
        Annotated[str | None, Field(description="For a claims edge: the claim's label.")]
    ]
    quote: Annotated[str | None, Field(description="Verbatim quote from the source that supports the edge.")]
    source_document: Annotated[str | None, Field(description="Id of the document the quote comes from.")]
    source_label: Annotated[str | None, Field(description="That document's label.")]
    date: Annotated[
        str | None, Field(description="ISO 8601 date (or year-month) of the stance or claim, if known.")
    ]
    certainty: Annotated[
        Literal["stated", "reported", "believed"] | None,
        Field(
            description="stated (the source says so), reported (it reports someone saying so) or believed."
        ),
    ]
    document: Annotated[str | None, Field(description="Id of the draft a stance is about.")]
    position: Annotated[str | None, Field(description="Id of the position behind a stance edge.")]


class StanceGraph(TypedDict):
    """Actors, drafts and clauses, with stance and lineage edges (and, from ``/api/graph``, the
    roles, claims and drafting that relate them): what a graph viewer draws.

    Coalitions are computed here so that the viewer, served or opened from a file, needs no
    second request.
    """

    nodes: list[GraphNode]
    edges: list[GraphEdge]
    truncated: NotRequired[
        Annotated[
            bool,
            Field(
                description="True when `max_nodes` or `max_edges` left some out: the most connected nodes "
                "are kept, then the stances among them by position IRI."
            ),
        ]
    ]


def graph_payload(graph: nx.MultiDiGraph) -> StanceGraph:
    """The ``/api/graph`` JSON for a projection from :func:`graph.projection.stance_graph`.

    Ids are the short ids of ``/id/{id}``; an edge's ``source``/``target`` are node
    ids and ``source_document`` is the evidence's source (a document id).
    """
    groups = {member.iri: i for i, group in enumerate(coalition_groups(graph)) for member in group}
    nodes: list[GraphNode] = [
        {
            "id": data["id"],
            "iri": iri,
            "label": str(data["label"]),
            "group": data["group"],
            "kind": data["kind"],
            "kind_label": str(data["kind_label"]),
            "draft": local_id(str(data["draft"])) if data.get("draft") else None,
            "coalition": groups.get(iri),
        }
        for iri, data in graph.nodes(data=True)
    ]
    edges = [
        _edge(source, target, key, data) for source, target, key, data in graph.edges(keys=True, data=True)
    ]
    return {"nodes": nodes, "edges": edges, "truncated": bool(graph.graph.get("truncated", False))}


def _edge(source: str, target: str, key: object, data: Mapping[str, Any]) -> GraphEdge:
    """One edge of the payload: a stance is keyed by its position, a relation brings its own id."""
    relation = data["relation"]
    stance = relation in STANCES
    layer = STANCE_LAYER if stance else data.get("layer", LINEAGE)
    if stance:
        identifier = local_id(str(key))
    elif layer == LINEAGE:
        identifier = f"{relation}:{local_id(source)}:{local_id(target)}"
    else:
        identifier = str(data["id"])
    evidence = data.get("source")
    return {
        "id": identifier,
        "source": local_id(source),
        "target": local_id(target),
        "relation": relation,
        "layer": layer,
        "quote": data.get("quote"),
        "source_document": local_id(str(evidence)) if evidence else None,
        "source_label": data.get("source_label"),
        "date": data.get("date"),
        "certainty": data.get("certainty"),
        "document": local_id(str(data["document"])) if stance else None,
        "position": local_id(str(data["position"])) if stance else None,
        "role": data.get("role"),
        "claim": data.get("claim"),
        "claim_label": data.get("claim_label"),
    }
