"""``stancegraph analyse ...``: the analysis measures from the command line.

Tables and CSV show one line per result; ``--format json`` gives the whole
result, including the IRIs of the positions each one rests on.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable, Sequence
from typing import Any

import click

from stancegraph.cli.options import output_option, store_options
from stancegraph.cli.output import render_records
from stancegraph.graph import analysis
from stancegraph.graph.projection import STANCES_ONLY, stance_graph
from stancegraph.graph.store import Store
from stancegraph.graph.terms import resource


def _labels(nodes: Sequence[analysis.Node]) -> str:
    return "; ".join(node.label for node in nodes)


def _print(results: Sequence[Any], flatten: Callable[[Any], dict[str, object]], output_format: str) -> None:
    if output_format == "json":
        click.echo(
            json.dumps([dataclasses.asdict(result) for result in results], ensure_ascii=False, indent=2)
        )
        return
    records = [flatten(result) for result in results]
    columns = list(records[0]) if records else ["(none)"]
    click.echo(render_records(records, columns, output_format))


@click.group()
def analyse() -> None:
    """Alignment, coalitions, contested clauses, brokers, timelines and draft diffs.

    Each measure's definition is in docs/analysis.md.
    """


@analyse.command()
@click.option("--actor", help="Only the pairs of this actor (its id, e.g. 'us').")
@store_options
@output_option
def alignment(actor: str | None, store: Store, output_format: str) -> None:
    """How often two actors take the same stance on the targets both took one on.

    \b
    Example:
      stancegraph analyse alignment --actor us
    """
    graph = stance_graph(store, STANCES_ONLY)
    results = analysis.alignment_of(graph, resource(actor).value) if actor else analysis.alignment(graph)

    def flatten(item: analysis.Alignment) -> dict[str, object]:
        return {
            "actor": item.actor.label,
            "other": item.other.label,
            "agree": item.agreements,
            "disagree": item.disagreements,
            "shared": item.shared,
            "score": round(item.score, 3),
        }

    _print(results, flatten, output_format)


@analyse.command()
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the community detection.")
@store_options
@output_option
def coalitions(seed: int, store: Store, output_format: str) -> None:
    """Groups of actors that side together, with what binds and what splits them.

    \b
    Example:
      stancegraph analyse coalitions
    """

    def flatten(item: analysis.Coalition) -> dict[str, object]:
        return {
            "members": _labels(item.members),
            "binds": _labels([sides.target for sides in item.binds]),
            "splits": _labels([sides.target for sides in item.splits]),
        }

    _print(analysis.coalitions(stance_graph(store, STANCES_ONLY), seed=seed), flatten, output_format)


@analyse.command()
@store_options
@output_option
def contested(store: Store, output_format: str) -> None:
    """Clauses and drafts ranked by how divided the actors are on them.

    \b
    Example:
      stancegraph analyse contested --format csv
    """

    def flatten(item: analysis.TargetSides) -> dict[str, object]:
        return {
            "target": item.target.label,
            "division": round(item.division, 3),
            "supporters": _labels(item.supporters),
            "opponents": _labels(item.opponents),
        }

    _print(analysis.contested(stance_graph(store, STANCES_ONLY)), flatten, output_format)


@analyse.command()
@store_options
@output_option
def centrality(store: Store, output_format: str) -> None:
    """Which actors connect otherwise separate camps (betweenness on the actor–target graph).

    Exact on small graphs; past a size, estimated from a fixed-seed sample of
    source nodes (the line after the table says which).

    \b
    Example:
      stancegraph analyse centrality
    """

    def flatten(item: analysis.Broker) -> dict[str, object]:
        return {
            "actor": item.actor.label,
            "betweenness": round(item.betweenness, 3),
            "targets": len(item.targets),
        }

    result = analysis.centrality(stance_graph(store, STANCES_ONLY))
    if output_format == "json":
        click.echo(json.dumps(dataclasses.asdict(result), ensure_ascii=False, indent=2))
        return
    _print(result.brokers, flatten, output_format)
    if output_format == "table":
        click.echo(_sources(result), err=True)


def _sources(result: analysis.Centrality) -> str:
    """What the scores count: every node's shortest paths, or a sample's (then they are estimates)."""
    if result.exact:
        return f"exact: shortest paths from all {result.nodes:,} nodes"
    return (
        f"estimated: shortest paths from {result.sources:,} of {result.nodes:,} nodes"
        f" (sampled, seed {result.seed})"
    )


@analyse.command()
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), required=True)
@click.option("--include-undated", is_flag=True, help="Keep positions the source gives no date for.")
@store_options
@output_option
def timeline(as_of: dt.datetime, include_undated: bool, store: Store, output_format: str) -> None:
    """The stances that held on a day (positions dated on or before it), each with its draft.

    The draft column is the draft a position belongs to (sg:asOfDraft): an
    undated stance read from a later draft shows where a view moved.

    \b
    Example:
      stancegraph analyse timeline --as-of 2025-11-20
    """
    graph = analysis.as_of(stance_graph(store), as_of.date(), include_undated=include_undated)
    records = [
        {
            "actor": graph.nodes[actor]["label"],
            "stance": data["relation"],
            "target": graph.nodes[target]["label"],
            "date": data.get("date"),
            "draft": graph.nodes[data["as_of_draft"]]["label"] if data.get("as_of_draft") else None,
            "certainty": data["certainty"],
            "position": data["position"],
        }
        for actor, target, data in graph.edges(data=True)
        if data["relation"] in ("supports", "opposes")
    ]
    columns = ["actor", "stance", "target", "date", "draft", "certainty", "position"]
    # Each actor's dated stances first, in order, then the undated ones draft by draft.
    records.sort(key=lambda r: (str(r["actor"]), r["date"] is None, str(r["date"]), str(r["draft"])))
    click.echo(render_records(records, columns, output_format))
    if output_format == "table" and graph.graph["undated"]:
        state = "included" if include_undated else "left out (use --include-undated)"
        click.echo(f"{len(graph.graph['undated'])} undated position(s) {state}", err=True)


@analyse.command()
@click.argument("old")
@click.argument("new")
@store_options
@output_option
def diff(old: str, new: str, store: Store, output_format: str) -> None:
    """What draft NEW added, removed, reworded and kept of draft OLD (which it revises).

    \b
    Example:
      stancegraph analyse diff plan-28-point european-counter-proposal
    """
    result = analysis.draft_diff(store, old, new)
    if output_format == "json":
        click.echo(json.dumps(dataclasses.asdict(result), ensure_ascii=False, indent=2))
        return
    records = [
        {
            "change": change.kind,
            "old clause": change.previous.label if change.previous else None,
            "old wording": change.previous_wording,
            "new clause": change.new.label if change.new else None,
            "new wording": change.new_wording,
            "certainty": change.certainty,
        }
        for change in (*result.added, *result.removed, *result.reworded, *result.kept)
    ]
    columns = ["change", "old clause", "old wording", "new clause", "new wording", "certainty"]
    click.echo(render_records(records, columns, output_format))
