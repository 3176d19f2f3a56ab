"""A million-row SELECT with no row limit: it starts at once and streams in constant memory."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

MILLION_ROWS = (
    "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }"  # about a million rows on the bundled data (n triples: n x n)
)
PAGE = os.sysconf("SC_PAGE_SIZE")


def _rss(pid: int) -> int:
    """Resident bytes of one process (0 if it has gone)."""
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
    except (FileNotFoundError, ProcessLookupError):
        return 0


def _children(pid: int) -> list[int]:
    tasks = Path(f"/proc/{pid}/task")
    found = []
    for task in tasks.iterdir():
        children = task / "children"
        if children.exists():
            found += [int(child) for child in children.read_text().split()]
    return found


def _server_rss() -> int:
    """This process (it runs the server in a thread) plus its children (the query workers)."""
    me = os.getpid()
    return _rss(me) + sum(_rss(child) for child in _children(me))


def test_a_million_rows_start_at_once_and_stream_in_constant_memory(serve: Callable[..., str]) -> None:
    url = serve(max_result_rows=0, query_timeout=120)
    triples = httpx.get(f"{url}/api/stats").json()["triples"]
    peak = before = _server_rss()
    sampling = True

    def sample() -> None:
        nonlocal peak
        while sampling:
            peak = max(peak, _server_rss())
            time.sleep(0.01)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        started = time.perf_counter()
        with httpx.stream(
            "GET",
            f"{url}/sparql",
            params={"query": MILLION_ROWS},
            headers={"Accept": "text/tab-separated-values"},
            timeout=120,
        ) as response:
            assert response.status_code == 200
            assert "stancegraph-row-limit" not in response.headers  # no limit: nothing read ahead
            lines = 0
            first_byte = None
            for chunk in response.iter_bytes():
                first_byte = first_byte or time.perf_counter() - started
                lines += chunk.count(b"\n")
            whole = time.perf_counter() - started
    finally:
        sampling = False
        sampler.join()
    assert lines == 1 + triples * triples
    # streamed: the first rows arrive long before the last (benchmarks/stream.py times it quietly)
    assert first_byte is not None and first_byte < whole / 10
    assert peak - before < 50 * 1024 * 1024, f"the server grew by {(peak - before) / 2**20:.0f} MB"
