"""The analysis as JSON: alignment, coalitions, contested targets, centrality and the graph as of a date.

Each route takes the projection of the store (built once per data version:
:mod:`api.projection_cache`) and hands it to :mod:`graph.analysis`; the
response models are that module's result types (FastAPI validates and
documents them through Pydantic), so the library and the API cannot drift
apart. Every result cites the IRIs of its positions.
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Annotated

import networkx as nx
from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from stancegraph.api.dependencies import StoreDep
from stancegraph.api.problems import PROBLEM_RESPONSES
from stancegraph.api.projection_cache import ProjectionCache
from stancegraph.graph import analysis
from stancegraph.graph.errors import NotFoundError
from stancegraph.graph.payload import StanceGraph, graph_payload
from stancegraph.graph.projection import STANCES_ONLY, stance_graph
from stancegraph.graph.terms import resource

router = APIRouter(prefix="/api", tags=["analysis"], responses=PROBLEM_RESPONSES)


def get_projection(request: Request, store: StoreDep) -> nx.MultiDiGraph:
    """The stances of the whole store, without their evidence (the measures cite positions by id):
    the one the last analysis request built, while the data is the same (:mod:`api.projection_cache`)."""
    projections: ProjectionCache | None = request.app.state.projections
    build = partial(stance_graph, store, STANCES_ONLY)
    return build() if projections is None else projections.get(build)


def get_evidenced_projection(store: StoreDep) -> nx.MultiDiGraph:
    """The whole projection with every stance's evidence, for answers that draw the graph."""
    return stance_graph(store)


ProjectionDep = Annotated[nx.MultiDiGraph, Depends(get_projection)]
EvidencedProjectionDep = Annotated[nx.MultiDiGraph, Depends(get_evidenced_projection)]


class ActorAlignment(BaseModel):
    """One actor's alignment with every actor it shares a target with, closest first."""

    actor: analysis.Node
    pairs: list[analysis.Alignment]


class Timeline(StanceGraph):
    """The stance graph as it stood on a date: only positions dated on or before it."""

    as_of: dt.date
    include_undated: Annotated[bool, Field(description="Whether positions without a date were kept.")]
    undated: Annotated[
        list[str], Field(description="IRIs of the positions that carry no date (kept or left out).")
    ]


@router.get("/alignment", summary="Alignment of every pair of actors, as a matrix and as pairs")
def alignment(graph: ProjectionDep) -> analysis.AlignmentMatrix:
    """Alignment = agreements / targets both actors took a stance on; null where they share none."""
    return analysis.alignment_matrix(graph)


@router.get("/alignment/{actor_id}", summary="One actor's alignment with the others")
def actor_alignment(actor_id: str, graph: ProjectionDep) -> ActorAlignment:
    """Closest first; 404 if the id names no actor."""
    try:
        iri = resource(actor_id).value
    except ValueError:  # not even an IRI (found by fuzzing): it names nothing
        raise NotFoundError("actor", actor_id) from None
    pairs = analysis.alignment_of(graph, actor_id)
    return ActorAlignment(actor=analysis.node(graph, iri), pairs=pairs)


@router.get("/coalitions", summary="Groups of actors that side together")
def coalitions(graph: ProjectionDep) -> list[analysis.Coalition]:
    """Louvain communities (fixed seed) on the actor graph weighted by agreements minus disagreements."""
    return analysis.coalitions(graph)


@router.get("/contested", summary="Targets ranked by how divided the actors are")
def contested(graph: ProjectionDep) -> list[analysis.TargetSides]:
    """Division = min(supporters, opposers) / (supporters + opposers): 0.5 is an even split."""
    return analysis.contested(graph)


@router.get("/centrality", summary="Actors ranked by how much they connect the others")
def centrality(graph: ProjectionDep) -> analysis.Centrality:
    """Betweenness on the actor–target graph: high for an actor bridging otherwise separate camps.

    Exact on small graphs; on big ones estimated from a fixed-seed sample of source nodes
    (``exact`` false, ``sources`` of ``nodes``), so a request ends in seconds at any size.
    """
    return analysis.centrality(graph)


@router.get("/timeline", summary="The stance graph as of a date")
def timeline(
    graph: EvidencedProjectionDep,
    as_of: Annotated[dt.date, Query(description="YYYY-MM-DD: keep positions dated on or before this day.")],
    include_undated: Annotated[bool, Query(description="Keep positions that carry no date.")] = False,
) -> Timeline:
    """Undated positions are left out unless ``include_undated``; their IRIs are listed either way."""
    sliced = analysis.as_of(graph, as_of, include_undated=include_undated)
    return {
        **graph_payload(sliced),
        "as_of": as_of,
        "include_undated": include_undated,
        "undated": sliced.graph["undated"],
    }
