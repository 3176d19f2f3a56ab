"""HTTP clients of a SPARQL endpoint, one small query at a time: what each costs per request.

    python -m benchmarks.endpoint_clients             # against Virtuoso with the bundled data
    python -m benchmarks.endpoint_clients --oxigraph  # against `oxigraph serve` (quicker to start)

The same query (a clause's supporters and opponents, ~3 kB of SPARQL XML) goes
to one endpoint through each client by turns, in rounds of 20 requests, so that
whatever else the machine does touches all alike. On the event loop the relay
runs on (uvloop, as uvicorn picks it): ``httpx.AsyncClient`` (the relay's
client until December 2026), httpcore's pool under it, h11 over asyncio
streams, and the relay's own client (``api/execution/endpoint_client.py``).
Blocking, from a thread as the JSON API's store asks: ``httpx.Client`` and the
standard library's ``http.client`` (``graph.store.RemoteStore``). Prints the
median wall time and this process's CPU time per request; the numbers go to
docs/scale-out-engines.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import h11
import httpcore
import httpx
import uvloop

if __package__ in (None, ""):  # run as `python benchmarks/endpoint_clients.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stancegraph.api.execution.endpoint_client import EndpointClient
from stancegraph.graph.store import RemoteStore
from tests.servers import BUNDLED_GRAPH, oxigraph_server, virtuoso_with_bundled_data

QUERY = (Path(__file__).resolve().parent / "queries" / "clause-sides.rq").read_text(encoding="utf-8")
ACCEPT = "application/sparql-results+xml"
PER_ROUND = 20


async def measure(
    contestants: Mapping[str, Callable[[], Awaitable[object]]], rounds: int
) -> dict[str, tuple[float, float]]:
    """Each contestant's median seconds and mean CPU seconds per request, by turns (a blocking client's
    call is wrapped in a coroutine that never suspends)."""
    wall: dict[str, list[float]] = {name: [] for name in contestants}
    cpu = dict.fromkeys(contestants, 0.0)
    names = list(contestants)
    for round_ in range(rounds):
        for name in names[round_ % len(names) :] + names[: round_ % len(names)]:
            started, cpu_started = time.perf_counter(), time.process_time()
            for _ in range(PER_ROUND):
                await contestants[name]()
            wall[name].append((time.perf_counter() - started) / PER_ROUND)
            cpu[name] += (time.process_time() - cpu_started) / PER_ROUND
    return {name: (statistics.median(wall[name]), cpu[name] / rounds) for name in names}


class H11Client:
    """h11's state machine over asyncio streams, one kept connection: a pure-Python lower bound."""

    def __init__(self, url: str, form: bytes) -> None:
        self._address = urlsplit(url)
        self._form = form
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        self._connection = h11.Connection(h11.CLIENT)

    async def post(self) -> bytes:
        if self._streams is None:
            self._streams = await asyncio.open_connection(self._address.hostname, self._address.port)
        reader, writer = self._streams
        connection = self._connection
        headers = [
            ("Host", self._address.netloc),
            ("Accept", ACCEPT),
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Content-Length", str(len(self._form))),
        ]
        data = connection.send(h11.Request(method="POST", target=self._address.path, headers=headers))
        writer.write((data or b"") + (connection.send(h11.Data(data=self._form)) or b""))
        connection.send(h11.EndOfMessage())
        parts: list[bytes] = []
        while not isinstance(event := connection.next_event(), h11.EndOfMessage):
            if event is h11.NEED_DATA:
                connection.receive_data(await reader.read(65536))
            elif isinstance(event, h11.Response) and event.status_code != 200:
                raise RuntimeError(f"h11: status {event.status_code}")
            elif isinstance(event, h11.Data):
                parts.append(bytes(event.data))
        connection.start_next_cycle()
        return b"".join(parts)


async def relay_side(
    url: str, form: dict[str, str | list[str]], rounds: int
) -> dict[str, tuple[float, float]]:
    encoded = urlencode(form, doseq=True).encode()
    httpx_client = httpx.AsyncClient(timeout=30)
    pool = httpcore.AsyncConnectionPool()
    h11_client = H11Client(url, encoded)
    ours = EndpointClient(url, timeout=30)
    pool_headers = [(b"Accept", ACCEPT.encode()), (b"Content-Type", b"application/x-www-form-urlencoded")]

    async def via_httpx() -> bytes:  # as relay.py used it: a streamed response
        request = httpx_client.build_request("POST", url, data=form, headers={"Accept": ACCEPT})
        response = await httpx_client.send(request, stream=True)
        body = b"".join([chunk async for chunk in response.aiter_bytes()])
        await response.aclose()
        return body

    async def via_httpcore() -> bytes:
        async with pool.stream("POST", url, headers=pool_headers, content=encoded) as response:
            return b"".join([chunk async for chunk in response.aiter_stream()])

    async def via_ours() -> bytes:
        response = await ours.post(urlencode(form, doseq=True).encode(), accept=ACCEPT)
        return await response.read()

    contestants: dict[str, Callable[[], Awaitable[bytes]]] = {
        "httpx.AsyncClient": via_httpx,
        "httpcore.AsyncConnectionPool": via_httpcore,
        "h11 over asyncio streams": h11_client.post,
        "the relay's EndpointClient (httptools)": via_ours,
    }
    answers = {name: await send() for name, send in contestants.items()}
    if len(set(answers.values())) != 1:
        raise RuntimeError("the clients read different answers")
    try:
        return await measure(contestants, rounds)
    finally:
        await httpx_client.aclose()
        await pool.aclose()
        await ours.aclose()


async def store_side(
    url: str, form: dict[str, str | list[str]], rounds: int
) -> dict[str, tuple[float, float]]:
    client = httpx.Client(timeout=30)
    store = RemoteStore(url, graphs=form.get("default-graph-uri", []))

    async def via_httpx() -> bytes:
        return client.post(url, data=form, headers={"Accept": ACCEPT}).content

    async def via_store() -> object:
        return store.select(QUERY)

    contestants = {
        "httpx.Client (body only)": via_httpx,
        "RemoteStore.select (http.client; parsed into rows)": via_store,
    }
    try:
        return await measure(contestants, rounds)
    finally:
        client.close()
        store.close()


def table(results: dict[str, tuple[float, float]]) -> str:
    first_wall, first_cpu = next(iter(results.values()))
    lines = ["| client | ms per request | ratio | client CPU ms | CPU ratio |", "|---|---:|---:|---:|---:|"]
    for name, (wall, cpu) in results.items():
        lines.append(
            f"| {name} | {wall * 1000:.2f} | {wall / first_wall:.2f} | {cpu * 1000:.2f} | {cpu / first_cpu:.2f} |"
        )
    return "\n".join(lines)


@contextlib.contextmanager
def endpoint(oxigraph: bool) -> Iterator[tuple[str, dict[str, str | list[str]]]]:
    """The endpoint's URL, and the form each request sends."""
    with tempfile.TemporaryDirectory(prefix="stancegraph-clients-") as directory:
        if oxigraph:
            with oxigraph_server(Path(directory)) as url:
                yield url, {"query": QUERY}
        else:
            with virtuoso_with_bundled_data(Path(directory)) as url:
                yield (
                    url,
                    {
                        "query": QUERY,
                        "default-graph-uri": [BUNDLED_GRAPH],
                        "named-graph-uri": [BUNDLED_GRAPH],
                    },
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--oxigraph", action="store_true", help="against `oxigraph serve`, not Virtuoso")
    parser.add_argument("--rounds", type=int, default=40)
    options = parser.parse_args()
    with endpoint(options.oxigraph) as (url, form):
        print(
            f"{'oxigraph serve' if options.oxigraph else 'Virtuoso'}, {PER_ROUND * options.rounds} requests each, by turns"
        )
        print(table(uvloop.run(relay_side(url, form, options.rounds))))
        print()
        print(table(uvloop.run(store_side(url, form, options.rounds))))


if __name__ == "__main__":
    main()
