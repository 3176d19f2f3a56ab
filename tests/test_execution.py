"""Query execution's worker processes bound every query: a runaway query is stopped, the others never notice."""

from __future__ import annotations

import asyncio
import gc
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import uvloop

from stancegraph.api.execution.errors import NotAcceptableError, QueryTimeoutError
from stancegraph.api.execution.job import QueryJob
from stancegraph.api.execution.pool import QueryPool
from stancegraph.api.execution.pooled_store import PooledStore
from stancegraph.api.execution.processes import PoolExecutor
from stancegraph.api.execution.transcoding import RowBound
from stancegraph.graph.errors import QuerySyntaxError, StancegraphError
from stancegraph.graph.loading import bundled_files, load_files
from stancegraph.graph.store import open_disk_store

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
LABELS = (
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> SELECT ?s ?l WHERE { ?s rdfs:label ?l } ORDER BY ?s"
)


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pool") / "store"
    store = open_disk_store(path)
    load_files(store, bundled_files(), validate=False)
    store.close()
    del store
    gc.collect()
    return path


@pytest.fixture(scope="module")
def pool(store_path: Path) -> Iterator[QueryPool]:
    with QueryPool(store_path, workers=2, timeout=2.0) as running:
        yield running


def answer_bytes(pool: QueryPool, query: str, **formats: str) -> bytes:
    return pool.run(QueryJob(query, **formats)).blocking_body()


def test_answers_are_pyoxigraphs_own_serialisation(pool: QueryPool, store_path: Path) -> None:
    direct = (
        ox.Store.read_only(str(store_path))
        .query(LABELS, use_default_graph_as_union=True)
        .serialize(format=ox.QueryResultsFormat.JSON)
    )
    assert answer_bytes(pool, LABELS, solutions_format="JSON") == direct


def test_a_job_sees_the_union_of_the_sources_graphs_unless_it_names_a_dataset(pool: QueryPool) -> None:
    ask = "ASK { <https://w3id.org/stancegraph/id/europe> ?p ?o }"
    assert b"true" in answer_bytes(pool, ask, solutions_format="JSON")
    source = "https://w3id.org/stancegraph/graph/roff-us-russian-peace-plan"
    named = pool.run(QueryJob(ask, solutions_format="JSON", default_graph=(source,))).blocking_body()
    assert b"true" in named
    nowhere = pool.run(QueryJob(ask, solutions_format="JSON", default_graph=("urn:none",))).blocking_body()
    assert b"false" in nowhere


def test_a_runaway_query_is_stopped_and_others_keep_their_latency(pool: QueryPool) -> None:
    outcome: dict[str, object] = {}

    def runaway() -> None:
        started = time.monotonic()
        try:
            answer_bytes(pool, RUNAWAY, solutions_format="JSON")
        except QueryTimeoutError as error:
            outcome["error"] = error
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(0.3)
    latencies = []
    while thread.is_alive():
        started = time.monotonic()
        assert b"NATO" in answer_bytes(pool, LABELS, solutions_format="JSON")
        latencies.append(time.monotonic() - started)
    thread.join()
    assert isinstance(outcome["error"], QueryTimeoutError)
    assert "2 s limit" in str(outcome["error"])
    seconds = float(outcome["seconds"])  # type: ignore[arg-type]
    assert 2.0 <= seconds < 2.0 * 5  # stopped at its deadline, not run to its end
    assert latencies and sorted(latencies)[len(latencies) // 2] < seconds / 4  # the others kept going
    # and afterwards the pool is whole again
    assert b"NATO" in answer_bytes(pool, LABELS, solutions_format="JSON")
    assert b"NATO" in answer_bytes(pool, LABELS, solutions_format="JSON")


def test_a_syntax_error_carries_the_parsers_position(pool: QueryPool) -> None:
    with pytest.raises(QuerySyntaxError, match=r"error at 1:\d+"):
        pool.run(QueryJob("SELECT ?x WHERE { ?x }", solutions_format="JSON"))


def test_a_result_kind_without_an_acceptable_format_is_refused(pool: QueryPool) -> None:
    with pytest.raises(NotAcceptableError):
        pool.run(QueryJob("CONSTRUCT WHERE { ?s ?p ?o }", solutions_format="CSV"))
    assert answer_bytes(pool, "ASK {}", solutions_format="JSON") == b'{"head":{},"boolean":true}'


def test_a_client_that_stops_reading_early_frees_its_worker(pool: QueryPool) -> None:
    answer = pool.run(QueryJob("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }", solutions_format="TSV"))
    assert answer.kind == "select"
    chunks = answer.blocking_chunks()
    first = next(chunks)
    assert first.startswith(b"?a\t?b\t?c")
    chunks.close()
    for _ in range(4):
        assert b"NATO" in answer_bytes(pool, LABELS, solutions_format="CSV")


def test_writes_happen_while_the_workers_are_paused(store_path: Path) -> None:
    with QueryPool(store_path, workers=1, timeout=5) as pool:
        ask = 'ASK { <urn:x:a> <urn:x:b> "written" }'
        assert b"false" in answer_bytes(pool, ask, solutions_format="JSON")
        with pool.paused():
            writer = open_disk_store(store_path)
            writer.add_quads(
                [ox.Quad(ox.NamedNode("urn:x:a"), ox.NamedNode("urn:x:b"), ox.Literal("written"))]
            )
            writer.close()
            del writer
            gc.collect()
        assert b"true" in answer_bytes(pool, ask, solutions_format="JSON")
        with pool.paused():
            writer = open_disk_store(store_path)
            writer.oxigraph.remove(
                ox.Quad(ox.NamedNode("urn:x:a"), ox.NamedNode("urn:x:b"), ox.Literal("written"))
            )
            writer.close()
            del writer
            gc.collect()


EVERYTHING = (
    "SELECT * WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o"  # some 200 kB as JSON: chunks and packets in parts
)


LOOPS = pytest.mark.parametrize(
    "loop_factory", [asyncio.new_event_loop, uvloop.new_event_loop], ids=["asyncio", "uvloop"]
)


def run_on(
    loop_factory: Callable[[], asyncio.AbstractEventLoop], scenario: Coroutine[Any, Any, None]
) -> None:
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        runner.run(scenario)


async def loop_answer(executor: PoolExecutor, query: str) -> bytes:
    answer = await executor.execute(QueryJob(query, solutions_format="JSON"))
    return b"".join([chunk async for chunk in answer.chunks])


@LOOPS
def test_the_event_loop_and_blocking_callers_take_turns_on_the_same_worker(
    store_path: Path, loop_factory: Callable[[], asyncio.AbstractEventLoop]
) -> None:
    """The loop keeps watching a worker between its queries; a blocking caller's query in between is read whole."""
    direct = (
        ox.Store.read_only(str(store_path))
        .query(EVERYTHING, use_default_graph_as_union=True)
        .serialize(format=ox.QueryResultsFormat.JSON)
    )
    assert direct is not None and len(direct) > 3 * 64 * 1024

    async def turns(pool: QueryPool) -> None:
        executor = PoolExecutor(pool)
        try:
            for _ in range(2):
                assert await loop_answer(executor, EVERYTHING) == direct
                assert await loop_answer(executor, "ASK {}") == b'{"head":{},"boolean":true}'
                # in this thread: the loop, blocked, never sees the worker's answer come in
                assert answer_bytes(pool, EVERYTHING, solutions_format="JSON") == direct
                # in another thread, while the loop runs: the loop sees it come, and leaves it to that thread
                other = await asyncio.to_thread(answer_bytes, pool, EVERYTHING, solutions_format="JSON")
                assert other == direct
        finally:
            await executor.aclose()

    with QueryPool(store_path, workers=1, timeout=5) as pool:
        run_on(loop_factory, turns(pool))


@LOOPS
def test_an_executor_used_from_one_event_loop_after_another_still_answers(
    store_path: Path, loop_factory: Callable[[], asyncio.AbstractEventLoop]
) -> None:
    """A worker watched by a loop that has closed is watched anew by the next one (as each TestClient runs its own)."""

    async def ask(executor: PoolExecutor) -> None:
        for _ in range(3):
            assert await loop_answer(executor, "ASK {}") == b'{"head":{},"boolean":true}'

    with QueryPool(store_path, workers=1, timeout=5) as pool:
        executor = PoolExecutor(pool)
        run_on(loop_factory, ask(executor))  # the loop closes still watching the worker
        run_on(loop_factory, ask(executor))
        run_on(loop_factory, executor.aclose())


@LOOPS
def test_a_worker_killed_between_queries_fails_one_query_and_is_replaced(
    store_path: Path, loop_factory: Callable[[], asyncio.AbstractEventLoop]
) -> None:
    async def scenario(pool: QueryPool, process: multiprocessing.process.BaseProcess) -> None:
        executor = PoolExecutor(pool)
        try:
            assert await loop_answer(executor, "ASK {}") == b'{"head":{},"boolean":true}'  # now watched
            assert process.pid is not None
            os.kill(process.pid, signal.SIGKILL)
            process.join(5)
            await asyncio.sleep(0.1)  # the loop sees the socket close, with no query waiting on it
            with pytest.raises(StancegraphError, match="worker died"):
                await loop_answer(executor, "ASK {}")
            for _ in range(3):  # the replacement (started in a thread) answers the next ones
                assert await loop_answer(executor, "ASK {}") == b'{"head":{},"boolean":true}'
        finally:
            await executor.aclose()

    before = set(multiprocessing.active_children())
    with QueryPool(store_path, workers=1, timeout=5) as pool:
        (process,) = set(multiprocessing.active_children()) - before
        run_on(loop_factory, scenario(pool, process))
        assert len(set(multiprocessing.active_children()) - before) == 1


def test_the_pooled_store_answers_like_the_local_one(store_path: Path, bundled) -> None:
    pooled = PooledStore(QueryPool(store_path, workers=1, timeout=5))
    try:
        assert pooled.rows("positions") == bundled.rows("positions")
        assert set(
            pooled.triples("describe", resource=ox.NamedNode("https://w3id.org/stancegraph/id/nato"))
        ) == set(bundled.triples("describe", resource=ox.NamedNode("https://w3id.org/stancegraph/id/nato")))
        assert pooled.ask("ASK { ?s ?p ?o }")
        before = pooled.count()
        extra = ox.Quad(ox.NamedNode("urn:x:s"), ox.NamedNode("urn:x:p"), ox.Literal("o"))
        pooled.add_quads([extra])
        assert pooled.count() == before + 1
        assert pooled.ask('ASK { <urn:x:s> <urn:x:p> "o" }')
        scratch = ox.Store()  # a whole graph at once, as load_files adds its prepared files
        in_graph = ox.Quad(extra.subject, extra.predicate, ox.Literal("p"), ox.NamedNode("urn:x:g"))
        scratch.add(in_graph)
        pooled.add_store(scratch)
        assert pooled.count() == before + 2
        assert pooled.ask('ASK { GRAPH <urn:x:g> { <urn:x:s> <urn:x:p> "p" } }')
    finally:
        pooled.close()
        writer = open_disk_store(store_path)
        writer.oxigraph.remove(extra)
        writer.oxigraph.remove_graph(ox.NamedNode("urn:x:g"))
        writer.close()
        del writer
        gc.collect()


TRICKY = (
    'PREFIX ex: <http://example.org/> SELECT ?s ?l WHERE { VALUES (?s ?l) { (ex:a "<result> {x} :result") '
    '(ex:b "line\\none") (ex:c UNDEF) (UNDEF UNDEF) (ex:d "}") } }'
)


@pytest.mark.parametrize(
    ("media_type", "name"),
    [("application/sparql-results+xml", "XML"), ("application/sparql-results+json", "JSON")],
)
def test_the_relays_row_bound_never_counts_fewer_rows_than_an_answer_holds(
    media_type: str, name: str
) -> None:
    """The relay sends an answer within the row limit as it came, trusting this bound: it may only overcount."""
    store = ox.Store()
    for split in (1, 3, 7, 64 * 1024):
        body = store.query(TRICKY).serialize(format=getattr(ox.QueryResultsFormat, name))
        bound = RowBound.of(media_type)
        assert bound is not None
        for start in range(0, len(body), split):
            bound.add(body[start : start + split])
        assert bound.rows >= 5 and bound.ends_whole(body)
        assert not bound.ends_whole(body[: len(body) // 2])
    graph = b'<http://e/a> <http://e/b> "two\\nlines" .\n<http://e/a> <http://e/b> <http://e/c> .'
    triples = RowBound.of("application/n-triples")
    assert triples is not None and triples.add(graph) >= 2 and triples.ends_whole(graph)
