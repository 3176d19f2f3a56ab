"""A streamed million rows: how soon the first byte comes, how long the rest takes, what it costs the server.

One ``SELECT ?s ?p ?o`` of up to a million rows, read as it arrives (not
kept), with the server's resident memory (its whole process tree: our service
answers in worker processes) sampled every 10 ms. The answer is asked for
uncompressed (``Accept-Encoding: identity``): ``oxigraph serve`` does not
compress, and the point is the engine and the streaming, not brotli.

Each server streams twice. Most of what the first stream adds is the
engine's block cache filling, which stays and is reused; the second,
identical stream measures what a request costs once that is warm. Our service
hands each query to the worker process that has waited longest, so its second
stream may land on a worker whose cache is still cold: the result says when
the process that grew was not the one that grew the first time.

The memory before is the tree's PSS (a page shared by n processes counts
1/n in each), because summing RSS over the server and its workers counts the
interpreter and libraries they share once per process (429 MB of RSS against
317 MB of PSS for our service's six processes); growth is sampled as RSS
(see :class:`~benchmarks.procfs.RssSampler`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import httpx

from benchmarks.contestants import Server
from benchmarks.measure import SELECT_RESULTS
from benchmarks.procfs import RssSampler, cpu_seconds, machine_busy_seconds, process_tree, pss_bytes

ROW_MARK = b'{"s":'  # every solution of the JSON results starts so; inside a string " is escaped
TRUNCATED_HEADER = "Stancegraph-Truncated"  # api.limits.TRUNCATED: the answer was cut at the row cap


def stream_query(rows: int) -> str:
    return f"SELECT ?s ?p ?o WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }} LIMIT {rows}"


@dataclass
class StreamResult:
    """One streamed answer; times in seconds, sizes in bytes (``None``: not measured, see ``error``)."""

    contestant: str
    status: int | None = None
    first_byte: float | None = None
    total: float | None = None
    bytes: int = 0
    rows: int = 0
    complete: bool = False  # the body ended as a whole JSON results document
    truncated: bool = False  # the server said it cut the answer at its row cap
    pss_before: int = 0  # the tree's, when the stream started
    rss_growth: int | None = None  # the tree's peak RSS during the stream minus its RSS at the start
    grew_in: int | None = None  # the process whose RSS rose most
    samples: int = 0
    error: str | None = None
    note: str = ""  # how the server was configured, if not as in the rest of the run
    deadline: bool = False  # the server stops a query at a deadline of its own
    other_cores: float | None = None  # CPU the rest of the machine used meanwhile (not server, not us)
    warm: StreamResult | None = None  # the same stream again, right after this one

    @property
    def warm_grew_elsewhere(self) -> bool:
        """The warm stream's growth was in another process than this one's (a worker with a cold cache)."""
        if self.warm is None or self.grew_in is None or self.warm.grew_in is None:
            return False
        return self.warm.grew_in != self.grew_in

    @property
    def cut_short(self) -> bool:
        """The server gave up on the answer: before the first byte (504) or in the middle of the body."""
        return self.status == 504 or (self.status == 200 and not self.complete)


def stream(
    server: Server, rows: int, *, timeout: float, note: str = "", deadline: bool = False
) -> StreamResult:
    """POST the query, read the answer chunk by chunk, and sample the server's RSS meanwhile."""
    result = StreamResult(server.name, note=note, deadline=deadline)
    headers = {"Accept": SELECT_RESULTS, "Accept-Encoding": "identity"}
    carry = b""
    tail = b""
    machine, ours = machine_busy_seconds(), time.process_time()
    server_cpu = cpu_seconds(server.pid)[0] if server.pid else 0.0
    result.pss_before = pss_bytes(process_tree(server.pid)) if server.pid else 0
    with httpx.Client(timeout=timeout) as client, RssSampler(server.pid or 0) as rss:
        start = time.perf_counter()
        try:
            with client.stream(
                "POST", server.sparql_url, data={"query": stream_query(rows)}, headers=headers
            ) as response:
                result.status = response.status_code
                result.truncated = response.headers.get(TRUNCATED_HEADER) == "true"
                for chunk in response.iter_raw():
                    if not chunk:
                        continue
                    if result.first_byte is None:
                        result.first_byte = time.perf_counter() - start
                    result.bytes += len(chunk)
                    window = carry + chunk
                    result.rows += window.count(ROW_MARK)
                    carry = window[-(len(ROW_MARK) - 1) :]
                    tail = (tail + chunk)[-16:]
                result.total = time.perf_counter() - start
        except httpx.TimeoutException:
            result.error = f"no byte for {timeout:g} s"
        except httpx.HTTPError as error:
            result.error = f"request failed: {error}"
    wall = time.perf_counter() - start
    if server.pid and wall > 0:
        used = (cpu_seconds(server.pid)[0] - server_cpu) + (time.process_time() - ours)
        result.other_cores = max(0.0, (machine_busy_seconds() - machine - used) / wall)
    result.samples = rss.samples
    if server.pid:
        result.rss_growth, result.grew_in = rss.growth, rss.grew_in
    result.complete = result.status == 200 and tail.rstrip().endswith(b"]}}")
    if result.error is None and result.status != 200:
        result.error = f"HTTP {result.status}"
    elif result.error is None and not result.complete:
        result.error = "the body ended mid-answer"
    return result
