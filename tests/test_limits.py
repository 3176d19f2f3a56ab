"""Bounded work: the query deadline on the default (bundled) data, and the length, body, row and queue limits."""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable, Iterator
from urllib.parse import quote

import httpx
import pytest

from stancegraph.api.settings import Settings, SettingsError
from tests.problems import problem
from tests.servers import stalled_request

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
ASK = "ASK { ?s ?p ?o }"
LABELS = "SELECT ?s ?l WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l }"


@pytest.fixture(scope="module")
def bounded(serve: Callable[..., str]) -> str:
    """The default bundled data with a short deadline, a small row limit and small request limits."""
    return serve(query_timeout=1.5, max_result_rows=5, max_query_length=2000, max_body_bytes=4000)


# ---------------------------------------------------------------- the deadline


def test_a_runaway_query_on_the_bundled_data_is_stopped_and_others_keep_their_latency(bounded: str) -> None:
    outcome: dict[str, object] = {}

    def runaway() -> None:
        started = time.monotonic()
        outcome["response"] = httpx.get(f"{bounded}/sparql", params={"query": RUNAWAY}, timeout=30)
        outcome["seconds"] = time.monotonic() - started

    def latency() -> float:
        started = time.monotonic()
        assert httpx.get(f"{bounded}/api/stats", timeout=10).status_code == 200
        return time.monotonic() - started

    baseline = statistics.median(latency() for _ in range(5))
    thread = threading.Thread(target=runaway)
    thread.start()
    during = []
    while thread.is_alive():
        during.append(latency())
    thread.join()
    body = problem(outcome["response"], 504, "1.5 s limit")  # type: ignore[arg-type]
    assert body["limit_seconds"] == 1.5
    assert 1.5 <= float(outcome["seconds"]) < 5  # type: ignore[arg-type]
    assert during and statistics.median(during) < max(0.25, 5 * baseline)
    after = statistics.median(latency() for _ in range(5))
    assert after < max(0.25, 5 * baseline)


def test_a_stream_cut_by_the_deadline_ends_in_an_error_not_a_complete_looking_body(
    serve: Callable[..., str],
) -> None:
    """Once rows are streaming the status is sent, so the cut must show in the body's framing."""
    url = serve(query_timeout=1.0, max_result_rows=0)
    many_rows = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }"  # a million rows: longer than a second to write
    received = 0
    request = {"params": {"query": many_rows}, "headers": {"Accept": "text/csv"}, "timeout": 30}
    with (
        pytest.raises(httpx.RemoteProtocolError, match="incomplete"),
        httpx.stream("GET", f"{url}/sparql", **request) as response,  # type: ignore[arg-type]
    ):
        assert response.status_code == 200
        for chunk in response.iter_bytes():
            received += len(chunk)
    assert received > 0
    assert httpx.get(f"{url}/sparql", params={"query": ASK}).json()["boolean"] is True


def test_a_client_that_stops_reading_holds_its_worker_only_until_the_deadline(
    serve: Callable[..., str],
) -> None:
    """Its answer backs up into the worker's pipe; the deadline must free the worker all the same."""
    url = serve(query_workers=1, query_timeout=1.5, max_result_rows=0, cache_bytes=0)
    many_rows = quote("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }")  # hundreds of MB as CSV
    with stalled_request(url, f"/sparql?query={many_rows}", headers={"Accept": "text/csv"}):
        time.sleep(3)  # past the deadline, its one worker blocked on a full pipe
        started = time.monotonic()
        answer = httpx.get(f"{url}/sparql", params={"query": ASK}, timeout=30)
        assert answer.status_code == 200 and answer.json()["boolean"] is True
        assert time.monotonic() - started < 10  # a worker blocked for good would leave it waiting 30 s


def test_the_default_deadline_is_ten_seconds_and_threads_are_an_opt_in() -> None:
    assert Settings().query_timeout == 10.0
    assert Settings().query_executor == "processes"
    assert Settings.from_env({"STANCEGRAPH_QUERY_EXECUTOR": "threads"}).query_executor == "threads"
    with pytest.raises(SettingsError, match="STANCEGRAPH_QUERY_EXECUTOR"):
        Settings.from_env({"STANCEGRAPH_QUERY_EXECUTOR": "fibres"})


def test_the_threads_opt_in_still_answers(serve: Callable[..., str]) -> None:
    url = serve(query_executor="threads")
    assert httpx.get(f"{url}/sparql", params={"query": ASK}).json()["boolean"] is True
    assert httpx.get(f"{url}/api/stats").json()["drafts"] == 3


# ---------------------------------------------------------------- result rows


@pytest.mark.parametrize(
    "accept", ["application/sparql-results+json", "text/csv", "application/sparql-results+xml"]
)
def test_a_select_over_the_row_limit_is_cut_and_says_so(bounded: str, accept: str) -> None:
    response = httpx.get(f"{bounded}/sparql", params={"query": LABELS}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["stancegraph-truncated"] == "true"
    assert response.headers["stancegraph-row-limit"] == "5"
    if accept == "text/csv":
        assert len(response.text.strip().splitlines()) == 1 + 5
    elif accept.endswith("json"):
        assert len(response.json()["results"]["bindings"]) == 5
    else:
        assert response.text.count("<result>") == 5


def test_answers_within_the_limit_are_whole_and_unmarked(bounded: str, server_url: str) -> None:
    query = LABELS + " ORDER BY ?s LIMIT 5"
    cut = httpx.get(f"{bounded}/sparql", params={"query": query})
    whole = httpx.get(f"{server_url}/sparql", params={"query": query})
    assert "stancegraph-truncated" not in cut.headers
    assert cut.json() == whole.json()
    ask = httpx.get(f"{bounded}/sparql", params={"query": ASK})
    assert "stancegraph-truncated" not in ask.headers and "stancegraph-row-limit" not in ask.headers


def test_a_construct_over_the_row_limit_is_cut_to_that_many_triples(bounded: str) -> None:
    response = httpx.get(
        f"{bounded}/sparql",
        params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"},
        headers={"Accept": "application/n-triples"},
    )
    assert response.headers["stancegraph-truncated"] == "true"
    assert len(response.text.strip().splitlines()) == 5


@pytest.mark.parametrize("rows", [4, 5, 6])
@pytest.mark.parametrize(
    ("template", "accept"),
    [
        ("SELECT ?n WHERE {{ VALUES ?n {{ {} }} }}", "text/tab-separated-values"),
        ("SELECT ?n WHERE {{ VALUES ?n {{ {} }} }}", "application/sparql-results+json"),
        ("CONSTRUCT {{ <urn:s> <urn:p> ?n }} WHERE {{ VALUES ?n {{ {} }} }}", "application/n-triples"),
        ("CONSTRUCT {{ <urn:s> <urn:p> ?n }} WHERE {{ VALUES ?n {{ {} }} }}", "text/turtle"),
    ],
)
def test_the_row_limit_is_exact_in_every_format(
    bounded: str, server_url: str, template: str, accept: str, rows: int
) -> None:
    """At the limit (5) an answer is whole and unmarked; one row more and it is cut to 5 and marked."""
    query = template.format(" ".join(str(n) for n in range(rows)))
    cut = httpx.get(f"{bounded}/sparql", params={"query": query}, headers={"Accept": accept})
    limited = query.replace("} }", f"}} }} LIMIT {min(rows, 5)}", 1) if rows > 5 else query
    whole = httpx.get(f"{server_url}/sparql", params={"query": limited}, headers={"Accept": accept})
    assert cut.headers.get("stancegraph-truncated") == ("true" if rows > 5 else None)
    assert cut.headers["content-type"] == whole.headers["content-type"]
    assert cut.content == whole.content


def test_a_select_of_no_variables_is_one_empty_row(bounded: str) -> None:
    response = httpx.get(f"{bounded}/sparql", params={"query": "SELECT * {}"})
    assert "stancegraph-truncated" not in response.headers
    assert response.json()["results"]["bindings"] == [{}]


def test_truncated_values_keep_their_exact_terms(bounded: str, server_url: str) -> None:
    """Cutting re-serialises the first rows; literals with languages, types, escapes survive unchanged."""
    query = (
        'SELECT ?l ?n ?t ?b WHERE { VALUES (?l ?n) { ("a\\tb\\n\\"c\\""@en 1) ("x"^^<urn:t> 2.5) '
        '("é" UNDEF) ("4" 4) ("5" 5) ("6" 6) } BIND(<<( <urn:a> <urn:b> ?l )>> AS ?t) }'
    )
    cut = httpx.get(f"{bounded}/sparql", params={"query": query}).json()
    whole = httpx.get(f"{server_url}/sparql", params={"query": query}).json()
    assert cut["results"]["bindings"] == whole["results"]["bindings"][:5]


# ---------------------------------------------------------------- query length and body size


def test_a_query_over_the_length_limit_is_refused_before_parsing(bounded: str) -> None:
    long = "ASK {}" + " " * 2001
    problem(httpx.get(f"{bounded}/sparql", params={"query": long}), 414, "2000-character limit")
    body = problem(
        httpx.post(f"{bounded}/sparql", content=long, headers={"Content-Type": "application/sparql-query"}),
        413,
        "STANCEGRAPH_MAX_QUERY_LENGTH",
    )
    assert body["limit"] == 2000


def test_a_body_over_the_size_limit_is_413_whether_announced_or_streamed(bounded: str) -> None:
    big = b"query=" + b"A" * 5000
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    problem(httpx.post(f"{bounded}/sparql", content=big, headers=form), 413, "4000-byte limit")

    def chunked() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        for start in range(0, len(big), 1000):
            yield big[start : start + 1000]

    problem(
        httpx.post(f"{bounded}/sparql", content=chunked(), headers=form), 413, "STANCEGRAPH_MAX_BODY_BYTES"
    )
    assert httpx.get(f"{bounded}/sparql", params={"query": ASK}).status_code == 200


# ---------------------------------------------------------------- concurrent queries


def test_beyond_the_workers_and_the_queue_a_query_is_503_with_retry_after(serve: Callable[..., str]) -> None:
    url = serve(query_workers=1, max_queued_queries=1, query_timeout=3.0)
    responses: list[httpx.Response] = []

    def runaway(number: int) -> None:
        # distinct texts: identical queries in flight would share one run instead of queueing
        query = f"{RUNAWAY} # {number}"
        responses.append(httpx.get(f"{url}/sparql", params={"query": query}, timeout=30))

    threads = [threading.Thread(target=runaway, args=(n,)) for n in range(2)]  # one runs, one waits
    for thread in threads:
        thread.start()
        time.sleep(0.3)
    refused = httpx.get(f"{url}/sparql", params={"query": ASK}, timeout=10)
    body = problem(refused, 503, "1 queries are running and 1 waiting")
    assert 1 <= int(refused.headers["retry-after"]) <= 3
    assert body["type"].endswith("/busy")  # type: ignore[union-attr]
    for thread in threads:
        thread.join()
    # the running one passes its deadline; the waiting one then runs into its own, unless its wait
    # for a worker (as long as a deadline) ran out first
    statuses = sorted(r.status_code for r in responses)
    assert statuses in ([504, 504], [503, 504])
    assert httpx.get(f"{url}/sparql", params={"query": ASK}).json()["boolean"] is True
