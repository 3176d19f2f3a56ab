"""stancegraph in front of Virtuoso against Virtuoso itself: what the relay costs.

    python -m benchmarks.virtuoso                  # a million-triple synthetic graph (~5 min to set up)
    python -m benchmarks.virtuoso --actors 100 --clauses 1000 --rounds 5   # small, a minute
    python -m benchmarks.virtuoso --smoke          # tiny: does it all run?

A synthetic graph (``stancegraph synth``) is bulk-loaded into one graph of a
fresh Virtuoso (``tests.servers``, as CI starts it), and ``stancegraph serve
--endpoint ... --graph ...`` runs in a process of its own. Each benchmark
query (``benchmarks/queries``) goes to Virtuoso directly and through
stancegraph's ``/sparql``, the two taking turns request by request so that
whatever else the machine does touches both alike: in SPARQL XML or
N-Triples (the endpoint's bytes pass through, once the row limit is checked)
and in JSON or Turtle (parsed and rewritten). Each JSON API route goes
through stancegraph by turns with the queries it sends (written down by a
recording bare relay, below), sent straight to Virtuoso one after another.
Then each query repeated, against a second service that may answer from its
cache (``STANCEGRAPH_ENDPOINT_CACHE_SECONDS``; by default there is no cache in
front of an endpoint, since the data can change without a write through it):
the speedup of a cached repeat over Virtuoso answering it. Beside the medians, the CPU time each side spent per request
(Virtuoso answering, stancegraph relaying): on a shared machine the wall
times move with its load, the CPU times much less.

A third side takes the same turns: the bare relay (``benchmarks.bare_relay``:
our server and endpoint client with nothing between them), and with the cache,
the bare cache. They are the floor: what a relay, or a cached answer, costs on
this server and machine before stancegraph does anything. Between requests
every process here sleeps while the others work, and a request that finds its
server's caches gone costs that server about twice the CPU it costs when
requests come back to back; that, and not the code, puts the floor where it
is. Prints Markdown tables; the numbers go to docs, not into comments.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from urllib.parse import urlencode, urlsplit

if __package__ in (None, ""):  # run as `python benchmarks/virtuoso.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.procfs import running_seconds
from stancegraph.graph.endpoint_address import acknowledge_at_once
from stancegraph.graph.query_shape import result_kind
from tests.servers import free_port, stop, virtuoso_server, wait_until_up

GRAPH = "https://w3id.org/stancegraph/graph/synthetic"
QUERIES = Path(__file__).resolve().parent / "queries"
ROOT = Path(__file__).resolve().parents[1]
#: The formats each kind of query is asked in: the first passes through, the second is rewritten.
FORMATS = {
    "select": {"XML": "application/sparql-results+xml", "JSON": "application/sparql-results+json"},
    "graph": {"N-Triples": "application/n-triples", "Turtle": "text/turtle"},
}
ROUTES = [
    "/api/stats",
    "/api/actors?limit=50",
    "/api/positions?limit=50",
    "/api/clauses?limit=50",
    "/api/contested",
]


class Refused(Exception):
    """A request answered with an error status (a query in a dialect Virtuoso does not take)."""


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes


class Client:
    """Kept-alive HTTP/1.1 to each side with the standard library's ``http.client``.

    The client's own cost is in both sides' times, and on a loaded machine it
    also takes CPU from the servers: ``httpx.Client`` spent about 1.5 ms of CPU
    a request here, ``http.client`` about 0.5 ms, which is also what lets a
    cached answer's speedup over Virtuoso show.

    Each request's answer is acknowledged at once (``TCP_QUICKACK``, as the
    relay's own client does): Virtuoso writes a body of more than a few kB after
    its headers with Nagle on, and a delayed ACK held it 40 ms, on either side
    by turns, so the table measured the stall rather than the servers.
    """

    def __init__(self, *, timeout: float) -> None:
        self._timeout = timeout
        self._connections: dict[str, http.client.HTTPConnection] = {}

    def post(self, url: str, form: dict[str, str], *, accept: str) -> Reply:
        return self.send(url, urlencode(form).encode(), accept=accept)

    def send(self, url: str, form: bytes, *, accept: str) -> Reply:
        """POST a form already encoded."""
        headers = {"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"}
        return self._send("POST", url, form, headers)

    def get(self, url: str) -> Reply:
        return self._send("GET", url, None, {})

    def _send(self, method: str, url: str, body: bytes | None, headers: dict[str, str]) -> Reply:
        """Send on the kept connection to the URL's server; once more on a new one if the server had
        closed it while idle (uvicorn does after 5 s, which a JSON API route's turn can outlast)."""
        address = urlsplit(url)
        connection = self._connections.get(address.netloc)
        if connection is None:
            connection = http.client.HTTPConnection(address.netloc, timeout=self._timeout)
            self._connections[address.netloc] = connection
        target = address.path + (f"?{address.query}" if address.query else "")
        reused = connection.sock is not None
        try:
            connection.request(method, target, body=body, headers=headers)
            acknowledge_at_once(connection.sock)
            response = connection.getresponse()
            reply = Reply(response.status, response.read())
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            connection.close()
            if not reused:
                raise
            return self._send(method, url, body, headers)  # a new connection: no second retry
        except (http.client.HTTPException, OSError):
            connection.close()  # reconnects on the next request
            raise
        if response.will_close:
            connection.close()
        return reply

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        for connection in self._connections.values():
            connection.close()


def timed(send: Callable[[], Reply]) -> float:
    """Seconds for one request, read to its end."""
    started = time.perf_counter()
    reply = send()
    elapsed = time.perf_counter() - started
    if reply.status != 200:
        raise Refused(f"{reply.status}: {reply.body.decode(errors='replace').splitlines()[0][:120]}")
    return elapsed


def ms(seconds: list[float]) -> str:
    return f"{statistics.median(seconds) * 1000:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--actors", type=int, default=1000)
    parser.add_argument("--clauses", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=20, help="timed requests per query and side")
    parser.add_argument("--smoke", action="store_true", help="tiny data, two rounds: does it all run?")
    options = parser.parse_args()
    if options.smoke:
        options.actors, options.clauses, options.rounds = 10, 50, 2
    with tempfile.TemporaryDirectory(prefix="stancegraph-virtuoso-") as directory:
        workdir = Path(directory)
        data = workdir / "synthetic.nt"
        started = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "stancegraph",
                "synth",
                "--actors",
                str(options.actors),
                "--clauses",
                str(options.clauses),
                "--out",
                str(data),
            ],
            check=True,
            capture_output=True,
        )
        triples = sum(1 for _ in data.open("rb"))
        print(f"synthetic graph: {triples:,} triples ({time.perf_counter() - started:.0f} s)", flush=True)
        with virtuoso_server(workdir, buffers=200_000) as virtuoso:
            started = time.perf_counter()
            virtuoso.load(data, GRAPH)
            print(f"loaded into Virtuoso in {time.perf_counter() - started:.0f} s", flush=True)
            recording = workdir / "recording.jsonl"
            with (
                relay_service(virtuoso.url) as relay,
                relay_service(virtuoso.url, cache_seconds=3600) as cached,
                bare_relay(virtuoso.url) as bare,
                bare_relay(virtuoso.url, cache=True) as bare_cache,
                bare_relay(virtuoso.url, record=recording) as recording_relay,
                relay_service(recording_relay.url) as recorder,
            ):
                direct = Side(virtuoso.url, virtuoso.pid)
                print(measure(direct, relay, bare, options.rounds))
                print()
                print(measure_routes(direct, relay, recorder, recording, options.rounds))
                print()
                print(measure_repeats(direct, cached, bare_cache, options.rounds))


@contextlib.contextmanager
def relay_service(endpoint: str, *, cache_seconds: float = 0) -> Iterator[Side]:
    """``stancegraph serve --endpoint`` in a process of its own (with an answer cache if ``cache_seconds``)."""
    port = free_port()
    environment = {**os.environ, "STANCEGRAPH_ENDPOINT_CACHE_SECONDS": str(cache_seconds)}
    command = ["serve", "--port", str(port), "--endpoint", endpoint, "--graph", GRAPH]
    service = subprocess.Popen(
        [sys.executable, "-m", "stancegraph", *command],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=environment,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_up(f"{url}/sparql?query=ASK%7B%7D", seconds=60)
        yield Side(url, service.pid, path="/sparql", names_graph=False)
    finally:
        stop(service)


@contextlib.contextmanager
def bare_relay(endpoint: str, *, cache: bool = False, record: Path | None = None) -> Iterator[Side]:
    """``benchmarks.bare_relay`` under uvicorn in a process of its own (remembering answers if ``cache``,
    writing down the requests to ``record`` if given)."""
    port = free_port()
    environment = {**os.environ, "BARE_RELAY_ENDPOINT": endpoint, "BARE_RELAY_CACHE": "1" if cache else "0"}
    if record is not None:
        environment["BARE_RELAY_RECORD"] = str(record)
    command = ["uvicorn", "benchmarks.bare_relay:app", "--port", str(port), "--no-access-log"]
    server = subprocess.Popen(
        [sys.executable, "-m", *command, "--log-level", "warning", "--lifespan", "off"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=environment,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_up(url, seconds=60)
        yield Side(url, server.pid)
    finally:
        stop(server)


@dataclass(frozen=True)
class Side:
    """Where one side's queries go (``url`` and ``path``), and the process whose CPU time they are charged.

    ``names_graph``: its queries name the graph that holds the data, as Virtuoso's (and so the bare
    relay's) must; stancegraph's name it themselves (``--graph``).
    """

    url: str
    pid: int
    path: str = ""
    names_graph: bool = True


def query_senders(client: Client, sides: list[Side], query: str, accept: str) -> list[Callable[[], Reply]]:
    """A request sending ``query`` to each side, asking for ``accept``."""

    def sender(side: Side) -> Callable[[], Reply]:
        form = {"query": query, **({"default-graph-uri": GRAPH} if side.names_graph else {})}
        return partial(client.post, f"{side.url}{side.path}", form, accept=accept)

    return [sender(side) for side in sides]


def by_turns(sides: list[Side], senders: list[Callable[[], Reply]], rounds: int) -> list[Timed]:
    """Each side's request by turns: each side's median and CPU time per request.

    Each round sends once to every side, starting with the next side each
    round, so whatever else the machine does touches all alike. Besides the
    medians, each side's CPU time per request: Virtuoso's for its answer, a
    relay's own for relaying it. On a machine shared with other work the wall
    times move with its load; the CPU times much less.
    """
    times: list[list[float]] = [[] for _ in sides]
    cpu = [0.0 for _ in sides]
    for send in senders:  # warm each
        timed(send)
    for round_ in range(rounds):
        for turn in range(len(sides)):
            index = (round_ + turn) % len(sides)
            before = running_seconds(sides[index].pid)
            times[index].append(timed(senders[index]))
            cpu[index] += running_seconds(sides[index].pid) - before
    return [Timed(statistics.median(each), spent / rounds) for each, spent in zip(times, cpu, strict=True)]


@dataclass(frozen=True)
class Timed:
    """One side's median (seconds) for a query, and its CPU time per request."""

    median: float
    cpu: float

    @property
    def ms(self) -> float:
        return self.median * 1000


def measure(direct: Side, relay: Side, bare: Side, rounds: int) -> str:
    """The Markdown table: each query's median direct, relayed and barely relayed."""
    lines = [
        "| request | format | Virtuoso ms | through stancegraph ms | ratio | + ms | bare relay + ms"
        " | Virtuoso CPU ms | relay CPU ms | bare relay CPU ms |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    sides = [direct, relay, bare]
    with Client(timeout=120) as client:
        for path in sorted(QUERIES.glob("*.rq")):
            query = path.read_text(encoding="utf-8")
            for name, accept in FORMATS["graph" if result_kind(query) == "graph" else "select"].items():
                try:
                    plain, relayed, floor = by_turns(
                        sides, query_senders(client, sides, query, accept), rounds
                    )
                except Refused as refusal:
                    lines.append(f"| {path.stem} | {name} | refused: {refusal} | | | | | | | |")
                    continue
                lines.append(
                    f"| {path.stem} | {name} | {plain.ms:.1f} | {relayed.ms:.1f} | {relayed.ms / plain.ms:.2f}"
                    f" | {relayed.ms - plain.ms:+.1f} | {floor.ms - plain.ms:+.1f} | {plain.cpu * 1000:.2f}"
                    f" | {relayed.cpu * 1000:.2f} | {floor.cpu * 1000:.2f} |"
                )
    return "\n".join(lines)


def measure_routes(direct: Side, relay: Side, recorder: Side, recording: Path, rounds: int) -> str:
    """The Markdown table: each JSON API route through stancegraph against the queries it sends, sent
    straight to Virtuoso one after another (as the route sends them), by turns.

    ``recorder`` is a second service whose endpoint is a recording bare relay: one request to it
    writes down, in ``recording``, which queries the route sends.
    """
    lines = [
        "| route | queries | Virtuoso ms (the same queries) | through stancegraph ms | ratio | + ms"
        " | Virtuoso CPU ms | relay CPU ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    with Client(timeout=600) as client:
        for route in ROUTES:
            recording.write_text("")
            try:
                timed(partial(client.get, f"{recorder.url}{route}"))
            except Refused as refusal:
                lines.append(f"| {route} | failed: {refusal} | | | | | | |")
                continue
            sent = [json.loads(line) for line in recording.read_text(encoding="utf-8").splitlines()]

            def the_same_queries(sent: list[dict[str, str]] = sent) -> Reply:
                for request in sent:
                    reply = client.send(direct.url, request["body"].encode(), accept=request["accept"])
                    if reply.status != 200:
                        return reply
                return reply

            # a route sends several queries: a few rounds are enough
            plain, through = by_turns(
                [direct, relay],
                [the_same_queries, partial(client.get, f"{relay.url}{route}")],
                max(3, rounds // 4),
            )
            lines.append(
                f"| {route} | {len(sent)} | {plain.ms:.1f} | {through.ms:.1f} | {through.ms / plain.ms:.2f}"
                f" | {through.ms - plain.ms:+.1f} | {plain.cpu * 1000:.1f} | {through.cpu * 1000:.1f} |"
            )
    return "\n".join(lines)


def measure_repeats(direct: Side, cached: Side, bare_cache: Side, rounds: int) -> str:
    """Each query (SPARQL XML) repeated: Virtuoso answering it, the cached service and the bare cache, by turns."""
    lines = [
        "| repeated request | Virtuoso ms | stancegraph, cached, ms | speedup | bare cache ms | its speedup |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    sides = [direct, cached, bare_cache]
    with Client(timeout=120) as client:
        for path in sorted(QUERIES.glob("*.rq")):
            query = path.read_text(encoding="utf-8")
            accept = next(iter(FORMATS["graph" if result_kind(query) == "graph" else "select"].values()))
            try:
                plain, ours, floor = by_turns(sides, query_senders(client, sides, query, accept), rounds)
            except Refused as refusal:
                lines.append(f"| {path.stem} | refused: {refusal} | | | | |")
                continue
            lines.append(
                f"| {path.stem} | {plain.ms:.1f} | {ours.ms:.2f} | {plain.ms / ours.ms:.0f}x"
                f" | {floor.ms:.2f} | {plain.ms / floor.ms:.0f}x |"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
