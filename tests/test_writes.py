"""Validated, atomic, durable writes: a refused or interrupted write changes nothing; an acknowledged one stays."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from stancegraph.graph.errors import QuerySyntaxError, ShapeViolationError
from stancegraph.graph.graph_changes import add_to_graph, drop_graph, replace_graph
from stancegraph.graph.loading import bundled_files, load_files
from stancegraph.graph.sparql_guard import RemoteAccessError
from stancegraph.graph.store import LocalStore, open_disk_store
from stancegraph.graph.writes import apply, plan_graph_change, plan_update
from tests.servers import closed_store, recording_http_server

PREFIXES = """
PREFIX : <https://w3id.org/stancegraph/id/>
PREFIX sg: <https://w3id.org/stancegraph/ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dct: <http://purl.org/dc/terms/>
"""
NEW_POSITION = (
    PREFIXES
    + """
INSERT DATA {
  :position-nato-opposes-no-troops a sg:Position ;
    rdfs:label "NATO opposes the ban on its troops (test)"@en ;
    sg:actor :nato ; sg:target :plan-28-no-nato-troops ; sg:stance sg:Opposition ;
    sg:quote "NATO troops are forbidden in Ukraine"@en ;
    dct:source :roff-us-russian-peace-plan ; sg:certainty sg:Stated .
}"""
)
RDFS_COMMENT = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment")
NATO_OPPOSES = PREFIXES + "ASK { :nato sg:opposes :plan-28-no-nato-troops }"


@pytest.fixture
def store(tmp_path: Path) -> LocalStore:
    disk = open_disk_store(tmp_path / "store")
    load_files(disk, bundled_files())
    return disk


def snapshot(store: LocalStore) -> set[ox.Quad]:
    return set(store.all_quads())


def test_an_inserted_position_brings_its_truthy_edge(store: LocalStore) -> None:
    changes = plan_update(store, NEW_POSITION)
    apply(store, changes)
    assert store.ask(NATO_OPPOSES)
    assert len(changes.added) == 9 and not changes.removed  # 8 triples of the position + 1 derived edge


def test_deleting_a_position_deletes_its_truthy_edge(store: LocalStore) -> None:
    europe = PREFIXES + "ASK { :europe sg:opposes :plan-28-amnesty }"
    assert store.ask(europe)
    apply(store, plan_update(store, PREFIXES + "DELETE WHERE { :position-europe-opposes-amnesty ?p ?o }"))
    assert not store.ask(europe)


@pytest.mark.parametrize(
    ("update", "error", "message"),
    [
        (
            PREFIXES + "INSERT DATA { :someone a sg:Person }",
            ShapeViolationError,
            "exactly one English rdfs:label",
        ),
        (
            PREFIXES + "DELETE WHERE { :position-europe-opposes-amnesty sg:quote ?q }",
            ShapeViolationError,
            "exactly one verbatim evidence quote",
        ),
        ("INSERT DATA { <urn:a> <urn:b> ", QuerySyntaxError, "error at 1:"),
        ("INSERT DATA { GRAPH <urn:g> { <urn:a> a <urn:C> } }", ShapeViolationError, "English rdfs:label"),
    ],
)
def test_a_refused_update_changes_nothing(store: LocalStore, update: str, error: type, message: str) -> None:
    before = snapshot(store)
    with pytest.raises(error, match=message):
        apply(store, plan_update(store, update))
    assert snapshot(store) == before


def test_a_write_to_a_named_graph_lands_in_that_graph_and_can_be_taken_back(store: LocalStore) -> None:
    """A source's facts live in a graph of their own: a write keeps them there, and removes them from there."""
    graph = "https://w3id.org/stancegraph/graph/test"
    note = f'GRAPH <{graph}> {{ :nato rdfs:comment "A note from one source"@en }}'
    quad = ox.Quad(
        ox.NamedNode("https://w3id.org/stancegraph/id/nato"),
        ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment"),
        ox.Literal("A note from one source", language="en"),
        ox.NamedNode(graph),
    )
    before = snapshot(store)
    apply(store, plan_update(store, PREFIXES + f"INSERT DATA {{ {note} }}"))
    assert snapshot(store) == before | {quad}
    apply(store, plan_update(store, PREFIXES + f"DELETE DATA {{ {note} }}"))
    assert snapshot(store) == before


def test_a_graph_store_delete_drops_the_graph_and_a_put_keeps_it(store: LocalStore) -> None:
    """Emptied by a Graph Store ``DELETE``, a graph is gone by name as after ``DROP GRAPH``; a ``PUT`` refills it."""
    graph = ox.NamedNode("https://w3id.org/stancegraph/graph/test")
    note = ox.Triple(ox.NamedNode("https://w3id.org/stancegraph/id/nato"), RDFS_COMMENT, ox.Literal("a note"))
    apply(store, plan_graph_change(store, add_to_graph(graph, [note])))
    apply(store, plan_graph_change(store, replace_graph(graph, [note])))
    assert graph in set(store.oxigraph.named_graphs())
    apply(store, plan_graph_change(store, drop_graph(graph)))
    assert graph not in set(store.oxigraph.named_graphs())
    assert not list(store.oxigraph.quads_for_pattern(None, None, None, graph))


def test_a_truthy_edge_written_by_hand_is_taken_back(store: LocalStore) -> None:
    """Derived edges follow the positions: one inserted alone is re-derived away, so nothing changes."""
    changes = plan_update(store, PREFIXES + "INSERT DATA { :nato sg:supports :plan-28-amnesty }")
    assert not changes


@pytest.mark.parametrize(
    "operation",
    ["LOAD <{base}/data.ttl>", "INSERT { ?s ?p ?o } WHERE { SERVICE <{base}/sparql> { ?s ?p ?o } }"],
)
def test_remote_fetches_in_updates_are_refused_before_any_request(store: LocalStore, operation: str) -> None:
    before = snapshot(store)
    with recording_http_server() as (base, seen):
        with pytest.raises(RemoteAccessError):
            plan_update(store, operation.replace("{base}", base))
        assert seen == []
    assert snapshot(store) == before


WRITER = textwrap.dedent(
    """
    import sys
    import pyoxigraph as ox
    from stancegraph.graph.store import open_disk_store
    from stancegraph.graph.writes import apply, plan_update
    store = open_disk_store(__import__("pathlib").Path(sys.argv[1]))
    for i in range(10_000):
        label = f"acknowledged {i}"
        update = f'INSERT DATA {{ <https://w3id.org/stancegraph/id/nato> <http://www.w3.org/2004/02/skos/core#altLabel> "{label}"@en }}'
        apply(store, plan_update(store, update))
        print(i, flush=True)
    """
)


def test_kill_9_right_after_acknowledged_writes_loses_none(tmp_path: Path) -> None:
    location = closed_store(tmp_path / "store")
    child = subprocess.Popen([sys.executable, "-c", WRITER, str(location)], stdout=subprocess.PIPE, text=True)
    acknowledged = []
    assert child.stdout is not None
    deadline = time.monotonic() + 120
    while len(acknowledged) < 8 and time.monotonic() < deadline:
        acknowledged.append(int(child.stdout.readline()))
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    reopened = ox.Store(str(location))
    labels = {
        q.object.value
        for q in reopened.quads_for_pattern(
            ox.NamedNode("https://w3id.org/stancegraph/id/nato"),
            ox.NamedNode("http://www.w3.org/2004/02/skos/core#altLabel"),
            None,
        )
    }
    assert {f"acknowledged {i}" for i in acknowledged} <= labels
    assert len(labels) <= len(acknowledged) + 1  # at most the one in flight when killed


BULK_LOADER = textwrap.dedent(
    """
    import sys
    import pyoxigraph as ox
    store = ox.Store(sys.argv[1])
    quads = [ox.Quad(ox.NamedNode(f"urn:bulk:{i}"), ox.NamedNode("urn:bulk:p"), ox.Literal(str(i))) for i in range(400_000)]
    print("start", flush=True)
    store.extend(quads)
    store.flush()
    print("done", flush=True)
    """
)


def test_kill_9_during_a_bulk_write_leaves_all_or_nothing(tmp_path: Path) -> None:
    location = tmp_path / "bulk"
    child = subprocess.Popen(
        [sys.executable, "-c", BULK_LOADER, str(location)], stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "start"
    time.sleep(0.3)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    count = len(ox.Store(str(location)))
    assert count in (0, 400_000)
