"""graph/betweenness.py gives networkx's betweenness, exact and sampled, on sparse matrices."""

from __future__ import annotations

import networkx as nx
import pytest

from stancegraph.graph.betweenness import betweenness, sampled_sources


def graphs() -> list[nx.Graph]:
    """Connected and not, with ties of shortest paths, a bipartite one like the actor–target graph."""
    split = nx.disjoint_union(nx.gnm_random_graph(40, 90, seed=1), nx.path_graph(5))
    bipartite = nx.bipartite.random_graph(30, 80, 0.08, seed=2)
    return [nx.gnm_random_graph(60, 150, seed=0), split, bipartite, nx.grid_2d_graph(6, 7), nx.star_graph(4)]


@pytest.mark.parametrize("graph", graphs(), ids=["random", "two-components", "bipartite", "grid", "star"])
def test_exact_betweenness_is_networkx(graph: nx.Graph) -> None:
    reference = nx.betweenness_centrality(graph, normalized=True)
    assert betweenness(graph) == pytest.approx(reference, abs=1e-12)


@pytest.mark.parametrize("graph", graphs()[:3], ids=["random", "two-components", "bipartite"])
def test_sampled_betweenness_is_networkx_with_the_same_seed(graph: nx.Graph) -> None:
    ours = betweenness(graph, sampled_sources(graph, 12, seed=3))
    assert ours == pytest.approx(nx.betweenness_centrality(graph, k=12, normalized=True, seed=3), abs=1e-12)


def test_no_node_lies_between_two_others_in_a_graph_of_two() -> None:
    assert betweenness(nx.path_graph(2)) == {0: 0.0, 1: 0.0}


def test_sources_in_many_batches_add_up_to_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    graph = graphs()[0]
    whole = betweenness(graph)
    monkeypatch.setattr("stancegraph.graph.betweenness.CELLS", 7 * graph.number_of_nodes())  # 7 a batch
    assert betweenness(graph) == pytest.approx(whole, abs=1e-12)
