"""HTTP caching, invalidation on write, compression and streaming, against the real server."""

from __future__ import annotations

import gzip
import http.client
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote, urlsplit

import brotli
import httpx
import pytest

from tests.servers import stalled_request

TOKEN = "caching-test-token-0123456789"
LABELS = (
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> SELECT ?s ?l WHERE { ?s rdfs:label ?l } ORDER BY ?s"
)


@pytest.fixture(scope="module")
def writable(serve: Callable[..., str]) -> str:
    """A server of its own (its writes must not leak into other tests), writes enabled."""
    return serve(write_token=TOKEN, cache_bytes=8 * 1024 * 1024)


def test_reads_carry_an_etag_and_a_matching_if_none_match_gets_304(server_url: str) -> None:
    with httpx.Client(base_url=server_url) as client:
        first = client.get("/api/actors/us")
        etag = first.headers["etag"]
        assert first.status_code == 200 and etag.startswith('"')
        assert "cache-control" in first.headers
        again = client.get("/api/actors/us", headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b""
        assert again.headers["etag"] == etag
        other = client.get("/sparql", params={"query": LABELS}, headers={"Accept": "text/csv"})
        csv = client.get(
            "/sparql", params={"query": LABELS}, headers={"Accept": "application/sparql-results+json"}
        )
        assert other.headers["etag"] != csv.headers["etag"]  # the representation is part of the tag


def test_a_repeated_query_is_answered_from_the_cache(server_url: str) -> None:
    query = {"query": LABELS + " LIMIT 7"}
    with httpx.Client(base_url=server_url) as client:
        first = client.get("/sparql", params=query)
        second = client.get("/sparql", params=query)
        posted = client.post("/sparql", data=query)
        posted_again = client.post("/sparql", data=query)
    assert second.headers.get("x-cache") == "hit" and first.headers.get("x-cache") != "hit"
    assert second.content == first.content and second.headers["content-type"] == first.headers["content-type"]
    assert posted_again.headers.get("x-cache") == "hit" and posted_again.content == posted.content


@pytest.mark.remote
def test_behind_an_endpoint_answers_are_cached_only_when_allowed_and_only_for_so_long(
    serve: Callable[..., str], remote_endpoint: str
) -> None:
    query = {"query": LABELS + " LIMIT 3"}
    with httpx.Client(base_url=serve(endpoint=remote_endpoint)) as uncached:
        answers = [uncached.get("/sparql", params=query) for _ in range(2)]
    assert all("etag" not in a.headers and a.headers.get("x-cache") != "hit" for a in answers)
    with httpx.Client(base_url=serve(endpoint=remote_endpoint, endpoint_cache_seconds=3600)) as cached:
        first, second = (cached.get("/sparql", params=query) for _ in range(2))
        revalidated = cached.get("/sparql", params=query, headers={"If-None-Match": first.headers["etag"]})
    assert second.headers["x-cache"] == "hit" and second.content == first.content
    assert revalidated.status_code == 304
    with httpx.Client(base_url=serve(endpoint=remote_endpoint, endpoint_cache_seconds=0.5)) as brief:
        first = brief.get("/sparql", params=query)
        time.sleep(0.6)  # past the lifetime: entries and ETags have expired
        later = brief.get("/sparql", params=query, headers={"If-None-Match": first.headers["etag"]})
    assert later.status_code == 200 and later.headers.get("x-cache") != "hit"
    assert later.headers["etag"] != first.headers["etag"] and later.content == first.content


# About a second on the bundled data: long enough for requests sent together to overlap.
SLOW_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { VALUES ?k { 1 2 3 4 5 } ?a ?b ?c . ?d ?e ?f }"


def test_a_cut_answer_from_the_cache_still_says_it_was_cut(serve: Callable[..., str]) -> None:
    """The row limit's headers describe the answer, so a hit carries them as the first answer did."""
    url = serve(max_result_rows=5)
    query = {"query": "SELECT * WHERE { ?s ?p ?o }"}
    first, again = (httpx.get(f"{url}/sparql", params=query) for _ in range(2))
    assert again.headers["x-cache"] == "hit"
    for header in ("stancegraph-row-limit", "stancegraph-truncated"):
        assert again.headers[header] == first.headers[header], header


def _at_once(url: str, query: str, clients: int) -> list[httpx.Response]:
    with ThreadPoolExecutor(clients) as pool:
        return list(
            pool.map(
                lambda _: httpx.get(f"{url}/sparql", params={"query": query}, timeout=60), range(clients)
            )
        )


def test_identical_queries_sent_at_once_run_once_and_share_the_answer(serve: Callable[..., str]) -> None:
    answers = _at_once(serve(cache_bytes=8 * 1024 * 1024), SLOW_COUNT, 6)
    assert [a.status_code for a in answers] == [200] * 6
    assert len({a.content for a in answers}) == 1 and b'"n"' in answers[0].content
    sources = [a.headers["x-cache"] for a in answers]
    assert sources.count("miss") == 1, sources  # the engine ran once; the others waited for it
    assert "shared" in sources and set(sources) <= {"miss", "shared", "hit"}, sources
    assert len({a.headers["etag"] for a in answers}) == 1


def test_an_answer_too_big_to_share_is_answered_for_each(serve: Callable[..., str]) -> None:
    """Followers are released as soon as the answer outgrows an entry, and each gets it whole."""
    url = serve(cache_bytes=8 * 1024)  # entries up to 1 kB
    answers = _at_once(url, LABELS, 4)
    assert [a.status_code for a in answers] == [200] * 4
    assert len({a.content for a in answers}) == 1 and len(answers[0].content) > 1024
    assert [a.headers["x-cache"] for a in answers] == ["miss"] * 4


def test_a_follower_does_not_wait_for_a_first_client_that_stopped_reading(serve: Callable[..., str]) -> None:
    url = serve(cache_bytes=128 * 1024 * 1024, query_timeout=3.0, max_result_rows=0)  # entries up to 16 MB
    rows = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } LIMIT 30000"  # ~7 MB: more than the socket buffers
    headers = {"Accept": "text/csv", "Accept-Encoding": "identity"}  # the same key for both
    path = f"/sparql?query={quote(rows)}"
    with stalled_request(url, path, headers=headers):
        time.sleep(0.5)  # the first request is answering, into a client that does not read
        started = time.monotonic()
        address = urlsplit(url)
        follower = http.client.HTTPConnection(address.hostname or "", address.port, timeout=30)
        follower.request("GET", path, headers=headers)
        answer = follower.getresponse()
        body = answer.read()
        follower.close()
    assert answer.status == 200 and answer.getheader("x-cache") == "miss"  # it ran on its own
    assert body.count(b"\n") == 30001
    assert time.monotonic() - started < 10  # waited the deadline (3 s) for the share, then ran


def test_volatile_queries_are_never_cached(server_url: str) -> None:
    query = {"query": "SELECT (RAND() AS ?r) WHERE {}"}
    with httpx.Client(base_url=server_url) as client:
        answers = [client.get("/sparql", params=query) for _ in range(2)]
    assert all("etag" not in a.headers and a.headers.get("x-cache") != "hit" for a in answers)


def test_a_write_invalidates_at_once(writable: str) -> None:
    ask = {"query": 'ASK { <urn:cache:a> <urn:cache:b> "written" }'}
    with httpx.Client(base_url=writable) as client:
        before = client.get("/sparql", params=ask)
        assert b"false" in before.content
        assert client.get("/sparql", params=ask).headers.get("x-cache") == "hit"
        write = client.post(
            "/sparql",
            data={"update": 'INSERT DATA { <urn:cache:a> <urn:cache:b> "written" }'},
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        assert write.status_code == 200, write.text
        after = client.get("/sparql", params=ask, headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200 and b"true" in after.content
    assert after.headers["etag"] != before.headers["etag"]


def test_read_after_write_from_several_clients_never_sees_stale_data(writable: str) -> None:
    errors: list[str] = []
    lock = threading.Lock()

    def worker(client_number: int) -> None:
        with httpx.Client(base_url=writable, timeout=30) as client:
            for i in range(4):
                value = f"client {client_number} write {i}"
                ask = {"query": f'ASK {{ <urn:raw:s> <urn:raw:p> "{value}" }}'}
                client.get("/sparql", params=ask)  # prime the cache with the old answer
                response = client.post(
                    "/sparql",
                    data={"update": f'INSERT DATA {{ <urn:raw:s> <urn:raw:p> "{value}" }}'},
                    headers={"Authorization": f"Bearer {TOKEN}"},
                )
                seen = client.get("/sparql", params=ask)
                if response.status_code != 200 or b"true" not in seen.content:
                    with lock:
                        errors.append(f"{value}: write {response.status_code}, read {seen.content[:60]!r}")

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(worker, range(4)))
    assert errors == []


LARGE_ANSWERS = {  # name: (path, query parameters, Accept): each answer is several kB
    "json-api": ("/api/graph", {}, "application/json"),
    "sparql-results-json": ("/sparql", {"query": "SELECT * { ?s ?p ?o }"}, "application/sparql-results+json"),
    "sparql-results-csv": ("/sparql", {"query": "SELECT * { ?s ?p ?o }"}, "text/csv"),
    "turtle": ("/sparql", {"query": "CONSTRUCT WHERE { ?s ?p ?o }"}, "text/turtle"),
    "n-quads": ("/store", {}, "application/n-quads"),
}


@pytest.mark.parametrize("answer", list(LARGE_ANSWERS))
@pytest.mark.parametrize(
    ("accept_encoding", "encoding"), [("gzip", "gzip"), ("br, gzip", "br"), ("identity", None)]
)
def test_large_answers_are_compressed_as_the_client_accepts(
    server_url: str, answer: str, accept_encoding: str, encoding: str | None
) -> None:
    """Every format we answer in, not only the JSON a compression library knows by default."""
    path, params, accept = LARGE_ANSWERS[answer]
    with httpx.Client(base_url=server_url, timeout=30) as client:
        plain = client.get(path, params=params, headers={"Accept": accept, "Accept-Encoding": "identity"})
        request = client.build_request(
            "GET", path, params=params, headers={"Accept": accept, "Accept-Encoding": accept_encoding}
        )
        response = client.send(request, stream=True)
        raw = response.read() if encoding is None else b"".join(response.iter_raw())
    assert plain.status_code == response.status_code == 200
    assert response.headers["content-type"].startswith(accept)
    assert response.headers.get("content-encoding") == encoding
    decoded = {"gzip": gzip.decompress, "br": brotli.decompress, None: lambda b: b}[encoding](raw)
    assert decoded == plain.content
    if encoding:
        assert len(raw) < len(plain.content) / 3


def test_a_big_select_streams_and_the_client_can_stop_early(serve: Callable[..., str]) -> None:
    url = serve(max_result_rows=0, query_timeout=60)  # no row limit: nothing is read ahead
    query = {"query": "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }"}  # ~1,000,000 rows on the bundled data
    with (
        httpx.Client(base_url=url, timeout=60) as client,
        client.stream(
            "GET", "/sparql", params=query, headers={"Accept": "text/tab-separated-values"}
        ) as response,
    ):
        assert response.status_code == 200
        received = 0
        for chunk in response.iter_raw():
            received += len(chunk)
            if received > 2_000_000:
                break
    assert received > 2_000_000
    with httpx.Client(base_url=url, timeout=30) as client:  # the server is still fine
        assert client.get("/api/stats").status_code == 200


def test_a_compressed_answer_is_kept_compressed_and_sent_again_as_is(
    serve: Callable[..., str], local_url: str
) -> None:
    """The cache keeps what went out (compressed), so a hit is not compressed again;
    each encoding is its own representation, with its own ETag.

    The cache is sized so that one entry may take half the plain JSON: the brotli answer fits and is
    hit, the plain one does not (a cache that kept the JSON and compressed each time would miss both).
    """
    plain_size = len(httpx.get(f"{local_url}/api/graph", headers={"Accept-Encoding": "identity"}).content)
    url = serve(cache_bytes=8 * (plain_size // 2))  # an entry may take an eighth of the cache
    with httpx.Client(base_url=url, timeout=30) as client:
        first, again = (client.get("/api/graph", headers={"Accept-Encoding": "br"}) for _ in range(2))
        plain, plain_again = (
            client.get("/api/graph", headers={"Accept-Encoding": "identity"}) for _ in range(2)
        )
    assert first.headers["content-encoding"] == again.headers["content-encoding"] == "br"
    assert again.headers["x-cache"] == "hit" and first.headers.get("x-cache") != "hit"
    assert again.content == first.content == plain.content  # httpx decodes: the same JSON each time
    assert "content-encoding" not in plain.headers and plain_again.headers.get("x-cache") != "hit"
    assert plain.headers["etag"] != first.headers["etag"] == again.headers["etag"]
    assert "Accept-Encoding" in again.headers["vary"]
