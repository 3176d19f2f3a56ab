"""Analysis results worked out by hand: on the bundled article, and on small graphs built to have one right answer.

The bundled data has five actors with stances (United States, Russia, Ukraine,
Europe, Putin) on six targets. Written out as a table (S supports, O opposes):

==============================  ==  ======  =======  ======  =====
target                          US  Russia  Ukraine  Europe  Putin
==============================  ==  ======  =======  ======  =====
28-point plan                   S   S
19-point Geneva draft           S   O       S
amnesty (28-point)              O           O        O
NATO membership bar (28-point)  O           O
security guarantees (19-point)  S           S
European counter-proposal                            S       O
==============================  ==  ======  =======  ======  =====

Every expected value below is read off this table.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import networkx as nx
import pytest

from stancegraph.graph import analysis
from stancegraph.graph.errors import NotFoundError
from stancegraph.graph.loading import scratch_store
from stancegraph.graph.projection import stance_graph
from stancegraph.graph.sources import vocabulary_in_graph
from stancegraph.graph.store import LocalStore
from stancegraph.graph.synth import write_synthetic
from stancegraph.ontology import ID

US, RUSSIA, UKRAINE, EUROPE, PUTIN = (
    str(ID) + name for name in ("us", "russia", "ukraine", "europe", "putin")
)


@pytest.fixture(scope="module")
def bundled_graph(bundled: LocalStore) -> nx.MultiDiGraph:
    return stance_graph(bundled)


def ids(nodes: tuple[analysis.Node, ...]) -> list[str]:
    return [node.id for node in nodes]


def position(name: str) -> str:
    return f"{ID}position-{name}"


# ---------------------------------------------------------------- the bundled article


def test_alignment_of_every_pair_that_shares_a_target(bundled_graph: nx.MultiDiGraph) -> None:
    pairs = {
        (p.actor.id, p.other.id): (p.agreements, p.disagreements, p.score)
        for p in analysis.alignment(bundled_graph)
    }
    assert pairs == {
        # US and Ukraine agree on all four: the 19-point draft, the amnesty, the NATO bar, the guarantees.
        ("ukraine", "us"): (4, 0, 1.0),
        # Europe stands with both on the amnesty, the only target it shares with them.
        ("europe", "ukraine"): (1, 0, 1.0),
        ("europe", "us"): (1, 0, 1.0),
        # Russia and the US both back the 28-point plan, but Russia refuses the 19-point draft the US backs.
        ("russia", "us"): (1, 1, 0.5),
        ("russia", "ukraine"): (0, 1, 0.0),
        ("europe", "putin"): (0, 1, 0.0),
    }


def test_alignment_cites_the_positions_it_rests_on(bundled_graph: nx.MultiDiGraph) -> None:
    us_ukraine = next(
        p for p in analysis.alignment(bundled_graph) if {p.actor.iri, p.other.iri} == {US, UKRAINE}
    )
    assert [t.target.id for t in us_ukraine.targets] == [
        "geneva-security-guarantees",
        "plan-19-point-geneva",
        "plan-28-amnesty",
        "plan-28-nato-membership-bar",
    ]
    assert set(us_ukraine.positions) == {
        position(f"{actor}-{what}")
        for actor in ("us", "ukraine")
        for what in (
            "supports-security-guarantees",
            "supports-plan-19",
            "opposes-amnesty",
            "opposes-nato-bar",
        )
    }


def test_alignment_of_one_actor_closest_first(bundled_graph: nx.MultiDiGraph) -> None:
    found = analysis.alignment_of(bundled_graph, "us")
    assert [(p.other.id, p.score, p.shared) for p in found] == [
        ("ukraine", 1.0, 4),
        ("europe", 1.0, 1),
        ("russia", 0.5, 2),
    ]
    russia = found[-1]
    assert [(t.target.id, t.agree) for t in russia.targets] == [
        ("plan-19-point-geneva", False),
        ("plan-28-point", True),
    ]


@pytest.mark.parametrize("name", ["nobody", "plan-28-point"])
def test_alignment_of_something_that_is_not_an_actor(bundled_graph: nx.MultiDiGraph, name: str) -> None:
    with pytest.raises(NotFoundError, match=name):
        analysis.alignment_of(bundled_graph, name)


def test_alignment_matrix_is_symmetric_and_empty_where_nothing_is_shared(
    bundled_graph: nx.MultiDiGraph,
) -> None:
    matrix = analysis.alignment_matrix(bundled_graph)
    assert ids(matrix.actors) == ["europe", "putin", "russia", "ukraine", "us"]
    assert matrix.scores == (
        (None, 0.0, None, 1.0, 1.0),
        (0.0, None, None, None, None),
        (None, None, None, 0.0, 0.5),
        (1.0, None, 0.0, None, 1.0),
        (1.0, None, 0.5, 1.0, None),
    )


def test_contested_targets_most_divided_first(bundled_graph: nx.MultiDiGraph) -> None:
    ranked = analysis.contested(bundled_graph)
    top = [(s.target.id, ids(s.supporters), ids(s.opponents), round(s.division, 3)) for s in ranked[:2]]
    assert top == [
        ("european-counter-proposal", ["europe"], ["putin"], 0.5),
        ("plan-19-point-geneva", ["ukraine", "us"], ["russia"], 0.333),
    ]
    # The amnesty is not contested at all in the data: three actors oppose it, none supports it.
    amnesty = next(s for s in ranked if s.target.id == "plan-28-amnesty")
    assert (ids(amnesty.supporters), ids(amnesty.opponents), amnesty.division) == (
        [],
        ["europe", "ukraine", "us"],
        0.0,
    )
    assert ranked[2].target.id == "plan-28-amnesty"  # the undivided target most actors took a stance on
    assert set(ranked[0].positions) == {
        position("europe-supports-counter-proposal"),
        position("putin-opposes-european-counter-proposal"),
    }


def test_coalitions_on_the_bundled_data(bundled_graph: nx.MultiDiGraph) -> None:
    found = analysis.coalitions(bundled_graph)
    assert [ids(c.members) for c in found] == [["europe", "ukraine", "us"], ["putin"], ["russia"]]
    west = found[0]
    assert [s.target.id for s in west.binds] == [
        "plan-19-point-geneva",
        "geneva-security-guarantees",
        "plan-28-nato-membership-bar",
        "plan-28-amnesty",
    ]
    assert west.splits == ()
    assert {s.target.id for s in west.separates} == {"plan-19-point-geneva", "european-counter-proposal"}
    assert position("russia-opposes-plan-19") in west.positions


def test_centrality_finds_the_hub_and_the_only_link_to_putin(bundled_graph: nx.MultiDiGraph) -> None:
    result = analysis.centrality(bundled_graph)
    assert (result.exact, result.nodes, result.sources, result.seed) == (True, 11, 11, None)
    brokers = result.brokers
    assert [b.actor.id for b in brokers] == ["us", "europe", "ukraine", "russia", "putin"]
    # 11 nodes (5 actors, 6 targets), so 45 pairs of other nodes. Europe is the only way to
    # Putin and the counter-proposal: 2 x 8 = 16 pairs. The US carries 18.8 pairs' worth (by hand).
    scores = {b.actor.id: b.betweenness for b in brokers}
    assert scores["europe"] == pytest.approx(16 / 45)
    assert scores["us"] == pytest.approx(18.8 / 45)
    assert scores["putin"] == 0.0
    assert position("europe-opposes-amnesty") in brokers[1].positions


def test_as_of_keeps_only_positions_dated_by_then(bundled_graph: nx.MultiDiGraph) -> None:
    on_leak = analysis.as_of(bundled_graph, dt.date(2025, 11, 20))
    dated = {
        key
        for _, _, key, data in on_leak.edges(keys=True, data=True)
        if data.get("relation") in analysis.SIGNS
    }
    assert dated == {position("us-supports-plan-28"), position("russia-supports-plan-28")}
    assert len(on_leak.graph["undated"]) == 12
    assert on_leak.number_of_nodes() == bundled_graph.number_of_nodes()
    assert [p.score for p in analysis.alignment(on_leak)] == [
        1.0
    ]  # only Russia and the US, both for the plan

    before = analysis.as_of(bundled_graph, dt.date(2025, 11, 19))
    assert analysis.stances(before) == {}
    with_undated = analysis.as_of(bundled_graph, dt.date(2025, 11, 19), include_undated=True)
    assert len(analysis.stances(with_undated)) == 12


def test_draft_diff_of_the_european_counter_proposal(bundled: LocalStore) -> None:
    diff = analysis.draft_diff(bundled, "plan-28-point", "european-counter-proposal")
    assert (ids(diff.old_creators), ids(diff.new_creators)) == (["russia", "us"], ["europe"])
    assert [d.previous.id for d in diff.removed if d.previous] == ["plan-28-amnesty"]
    (reworded,) = diff.reworded
    assert (reworded.previous_wording, reworded.new_wording) == (
        "Ukraine’s sovereignty will be confirmed",
        "Ukraine’s sovereignty will be reconfirmed",
    )
    assert diff.added == diff.kept == ()
    assert diff.changes == (f"{ID}change-european-amnesty", f"{ID}change-european-sovereignty")


def test_draft_diff_of_the_geneva_draft(bundled: LocalStore) -> None:
    diff = analysis.draft_diff(bundled, "plan-28-point", "plan-19-point-geneva")
    assert ids(diff.new_creators) == ["ukraine", "us"]
    assert sorted(d.previous.id for d in diff.removed if d.previous) == [
        "plan-28-amnesty",
        "plan-28-nato-membership-bar",
    ]
    assert [d.new.id for d in diff.added if d.new] == ["geneva-security-guarantees"]
    assert {d.certainty for d in (*diff.removed, *diff.added)} == {"believed"}


@pytest.mark.parametrize(
    ("old", "new", "error", "match"),
    [
        ("european-counter-proposal", "plan-28-point", analysis.LineageError, "not a revision"),
        ("plan-19-point-geneva", "european-counter-proposal", analysis.LineageError, "not a revision"),
        ("plan-28-point", "no-such-draft", NotFoundError, "no-such-draft"),
        ("us", "plan-28-point", NotFoundError, "no draft with id 'us'"),
    ],
)
def test_draft_diff_refuses_unrelated_drafts(
    bundled: LocalStore, old: str, new: str, error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        analysis.draft_diff(bundled, old, new)


# ---------------------------------------------------------------- graphs with one right answer by construction


def projection(stances: list[tuple[str, str, str, str | None]]) -> nx.MultiDiGraph:
    """A graph shaped like ``stance_graph``'s: (actor, supports|opposes, target, date) per position."""
    graph = nx.MultiDiGraph()
    for actor, relation, target, date in stances:
        for name, group in ((actor, "actor"), (target, "clause")):
            graph.add_node(f"{ID}{name}", id=name, label=name, group=group)
        key = f"{ID}position-{actor}-{relation}-{target}"
        graph.add_edge(f"{ID}{actor}", f"{ID}{target}", key=key, relation=relation, date=date)
    return graph


CAMP_A, CAMP_B = ("a1", "a2", "a3"), ("b1", "b2", "b3")


@pytest.fixture
def two_camps() -> nx.MultiDiGraph:
    """Camp A backs x and y and rejects z; camp B does the opposite on all three. w is A's alone."""
    stances = []
    for actors, sign in ((CAMP_A, 1), (CAMP_B, -1)):
        for actor in actors:
            for target, wanted in (("x", 1), ("y", 1), ("z", -1)):
                stances.append((actor, "supports" if wanted * sign > 0 else "opposes", target, None))
    stances.append(("a1", "supports", "w", None))
    stances.append(("a2", "supports", "w", None))
    return projection(stances)


def test_two_camps_are_two_coalitions(two_camps: nx.MultiDiGraph) -> None:
    found = analysis.coalitions(two_camps)
    assert sorted(tuple(ids(c.members)) for c in found) == [CAMP_A, CAMP_B]
    camp_a = next(c for c in found if ids(c.members) == list(CAMP_A))
    assert [s.target.id for s in camp_a.binds] == ["w", "x", "y", "z"]
    assert [s.target.id for s in camp_a.separates] == ["x", "y", "z"]


def test_two_camps_align_inside_and_not_across(two_camps: nx.MultiDiGraph) -> None:
    for pair in analysis.alignment(two_camps):
        same_camp = pair.actor.id[0] == pair.other.id[0]
        assert pair.score == (1.0 if same_camp else 0.0)
    assert analysis.alignment_of(two_camps, "a1")[0].other.id == "a2"  # four shared targets beat three


def test_two_camps_contest_what_they_share(two_camps: nx.MultiDiGraph) -> None:
    ranked = analysis.contested(two_camps)
    assert [(s.target.id, s.division) for s in ranked] == [("x", 0.5), ("y", 0.5), ("z", 0.5), ("w", 0.0)]


def test_a_mixed_actor_neither_agrees_nor_disagrees() -> None:
    graph = projection(
        [
            ("a", "supports", "x", None),
            ("a", "opposes", "x", None),
            ("b", "supports", "x", None),
            ("b", "supports", "y", None),
        ]
    )
    assert analysis.stances(graph)[f"{ID}a", f"{ID}x"].sign == analysis.MIXED
    assert analysis.alignment(graph) == []
    (x, _) = analysis.contested(graph)
    assert (ids(x.supporters), ids(x.mixed), x.division) == (["b"], ["a"], 0.0)


def test_the_mediator_between_separate_camps_is_most_central() -> None:
    """Camps A and B share no target; only m takes stances on both camps' targets."""
    stances = [(actor, "supports", "a-plan", None) for actor in CAMP_A]
    stances += [(actor, "supports", "b-plan", None) for actor in CAMP_B]
    stances += [("m", "supports", "a-plan", None), ("m", "opposes", "b-plan", None)]
    brokers = analysis.centrality(projection(stances)).brokers
    assert brokers[0].actor.id == "m"
    assert brokers[0].betweenness > 0.5
    assert all(b.betweenness == 0.0 for b in brokers[1:])


def test_centrality_past_the_sample_size_is_a_reproducible_estimate_that_says_so() -> None:
    """9 nodes and 8 edges: a budget of 48 source × edge visits samples 6 sources, and still finds m."""
    stances = [(actor, "supports", "a-plan", None) for actor in CAMP_A]
    stances += [(actor, "supports", "b-plan", None) for actor in CAMP_B]
    stances += [("m", "supports", "a-plan", None), ("m", "opposes", "b-plan", None)]
    graph = projection(stances)
    exact = analysis.centrality(graph)
    sampled = analysis.centrality(graph, work=48)
    assert (sampled.exact, sampled.sources, sampled.nodes, sampled.seed) == (False, 6, exact.nodes, 0)
    assert sampled == analysis.centrality(graph, work=48)  # the same sources, the same answer
    assert sampled.brokers[0].actor.id == "m"
    assert sampled.brokers[0].positions == exact.brokers[0].positions
    assert analysis.centrality(graph, work=exact.nodes * 8) == exact  # enough for every node: exact


def test_as_of_reads_months_and_years_from_their_first_day() -> None:
    graph = projection(
        [
            ("a", "supports", "x", "2025-02"),
            ("b", "supports", "x", "2025"),
            ("c", "supports", "x", "2025-03-01"),
            ("d", "supports", "x", "2025-03-02T10:00:00Z"),
            ("e", "supports", "x", None),
        ]
    )
    sliced = analysis.as_of(graph, dt.date(2025, 3, 1))
    assert sorted(actor.rsplit("/", 1)[-1] for actor, _ in analysis.stances(sliced)) == ["a", "b", "c"]
    assert sliced.graph["undated"] == [f"{ID}position-e-supports-x"]


# ---------------------------------------------------------------- the JSON API


@pytest.fixture(scope="module")
def client(local_url: str) -> Iterator[httpx.Client]:
    """The real service over the bundled data."""
    with httpx.Client(base_url=local_url, timeout=30) as http_client:
        yield http_client


def test_api_alignment_matrix(client: httpx.Client) -> None:
    body = client.get("/api/alignment").json()
    assert [actor["id"] for actor in body["actors"]] == ["europe", "putin", "russia", "ukraine", "us"]
    assert body["scores"][4] == [1.0, None, 0.5, 1.0, None]
    assert len(body["pairs"]) == 6


def test_api_alignment_of_one_actor(client: httpx.Client) -> None:
    body = client.get("/api/alignment/ukraine").json()
    assert body["actor"]["label"] == "Ukraine"
    assert [(p["other"]["id"], p["score"]) for p in body["pairs"]] == [
        ("us", 1.0),
        ("europe", 1.0),
        ("russia", 0.0),
    ]
    missing = client.get("/api/alignment/atlantis")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")


def test_api_coalitions_contested_and_centrality(client: httpx.Client) -> None:
    coalitions = client.get("/api/coalitions").json()
    assert [[m["id"] for m in c["members"]] for c in coalitions] == [
        ["europe", "ukraine", "us"],
        ["putin"],
        ["russia"],
    ]
    contested = client.get("/api/contested").json()
    assert (contested[0]["target"]["id"], contested[0]["division"]) == ("european-counter-proposal", 0.5)
    centrality = client.get("/api/centrality").json()
    assert centrality["brokers"][0]["actor"]["id"] == "us"
    assert (centrality["exact"], centrality["nodes"], centrality["sources"]) == (True, 11, 11)


def test_api_timeline(client: httpx.Client) -> None:
    body = client.get("/api/timeline", params={"as_of": "2025-11-20"}).json()
    stances = [edge["position"] for edge in body["edges"] if edge["relation"] in analysis.SIGNS]
    assert sorted(stances) == ["position-russia-supports-plan-28", "position-us-supports-plan-28"]
    assert len(body["undated"]) == 12 and body["include_undated"] is False
    kept = client.get("/api/timeline", params={"as_of": "2025-11-20", "include_undated": "true"}).json()
    assert len([edge for edge in kept["edges"] if edge["relation"] in analysis.SIGNS]) == 14
    assert client.get("/api/timeline", params={"as_of": "20 November"}).status_code == 422


@pytest.fixture(scope="module")
def synthetic_graph(tmp_path_factory: pytest.TempPathFactory) -> nx.MultiDiGraph:
    data = tmp_path_factory.mktemp("synth") / "synthetic.nq"
    write_synthetic(data, actors=60, clauses=400, drafts=4, seed=3)
    store = scratch_store([data])
    store.extend(vocabulary_in_graph())  # the actor kinds are sg:Actor through the vocabulary
    return stance_graph(LocalStore(store, "synthetic data"))


@pytest.mark.parametrize("name", ["bundled_graph", "synthetic_graph"])
def test_agreement_weights_are_alignments_agreements_minus_disagreements(
    name: str, request: pytest.FixtureRequest
) -> None:
    """The coalitions' links, counted target by target, are the pairwise alignment's numbers."""
    graph = request.getfixturevalue(name)
    weights = analysis.agreement_weights(analysis.stances(graph))
    pairs = analysis.alignment(graph)
    assert len(pairs) >= 6  # the bundled data has six pairs; the synthetic graph, hundreds
    expected = {tuple(sorted((p.actor.iri, p.other.iri))): p.agreements - p.disagreements for p in pairs}
    assert {pair: weight for pair, weight in weights.items()} == expected


COALITIONS_OF_A_FILE = """
import sys
from pathlib import Path
from stancegraph.graph import analysis
from stancegraph.graph.loading import scratch_store
from stancegraph.graph.projection import stance_graph
from stancegraph.graph.sources import vocabulary_in_graph
from stancegraph.graph.store import LocalStore
store = scratch_store([Path(sys.argv[1])])
store.extend(vocabulary_in_graph())
graph = stance_graph(LocalStore(store, "synthetic data"))
print([[member.id for member in group] for group in analysis.coalition_groups(graph)])
"""


def test_coalitions_do_not_change_with_the_process(tmp_path: Path) -> None:
    """Louvain depends on the order of the graph: a set's order (string hashing) must not reach it."""
    data = tmp_path / "synthetic.nq"
    write_synthetic(data, actors=1000, clauses=1000, drafts=5, seed=0)
    found = {
        subprocess.run(
            [sys.executable, "-c", COALITIONS_OF_A_FILE, str(data)],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
        ).stdout
        for hash_seed in ("1", "2", "3")
    }
    assert len(found) == 1 and found.pop().startswith("[[")
