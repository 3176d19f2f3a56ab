"""One way to open the dataset, three places it can live.

* in memory, filled with the bundled data (the default; nothing to set up),
* an on-disk Oxigraph directory (persistent; ``stancegraph load`` fills it),
* a remote SPARQL 1.1 endpoint (Oxigraph server, Virtuoso, Fuseki, QLever...;
  ``docs/scale-out-engines.md``).

All three answer the same named queries through the same methods, so the API,
the CLI and the analysis never need to know which one they talk to.

Each source's data sits in a named graph of its own (``graph/sources.py``); a
query sees the union of all graphs as its default graph, so no query needs to
know that, and ``GRAPH ?g { ... }`` tells which source says what. (A remote
endpoint is expected to serve the union as its default graph, as ``oxigraph
serve --union-default-graph`` does or a triple export loaded into one graph.)
"""

from __future__ import annotations

import http.client
import tempfile
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from pathlib import Path
from urllib.parse import urlencode

import pyoxigraph as ox

from stancegraph.graph.endpoint_address import EndpointAddress, acknowledge_at_once, tls_context
from stancegraph.graph.errors import EndpointError, EndpointTimeoutError, QuerySyntaxError, StoreError
from stancegraph.graph.queries import bind_values, load_query
from stancegraph.graph.rows import Row, Term, integer, solution_rows

QueryResult = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples | list[ox.Triple]
#: Idle connections a :class:`RemoteStore` keeps for its next queries.
KEPT_ALIVE = 20


class Store(ABC):
    """The dataset, wherever it lives. Subclasses only say how to run a query."""

    description: str

    @abstractmethod
    def _execute(self, query: str, *, expect_graph: bool) -> QueryResult:
        """Run a query and return pyoxigraph's result object for it.

        ``expect_graph`` tells stores that fetch serialised answers which media
        type to ask for (RDF for CONSTRUCT/DESCRIBE, SPARQL results otherwise).
        """

    def select(self, query: str) -> list[Row]:
        """Run a SELECT query; each row maps variable names to the terms bound."""
        solutions = self._execute(query, expect_graph=False)
        if not isinstance(solutions, ox.QuerySolutions):
            raise QuerySyntaxError("expected a SELECT query")
        return list(solution_rows(solutions))

    def ask(self, query: str) -> bool:
        """Run an ASK query."""
        answer = ask_answer(self._execute(query, expect_graph=False))
        if not isinstance(answer, ox.QueryBoolean):
            raise QuerySyntaxError("expected an ASK query")
        return bool(answer)

    def construct(self, query: str) -> list[ox.Triple]:
        """Run a CONSTRUCT or DESCRIBE query."""
        triples = self._execute(query, expect_graph=True)
        if isinstance(triples, ox.QuerySolutions | ox.QueryBoolean):
            raise QuerySyntaxError("expected a CONSTRUCT or DESCRIBE query")
        return list(triples)

    def rows(self, name: str, **bindings: Term | None) -> list[Row]:
        """Run the named SELECT query ``graph/queries/NAME.rq`` with some variables pinned."""
        return self.select(bind_values(load_query(name), bindings))

    def triples(self, name: str, **bindings: Term | None) -> list[ox.Triple]:
        """Run the named CONSTRUCT query ``graph/queries/NAME.rq`` with some variables pinned."""
        return self.construct(bind_values(load_query(name), bindings))

    def count(self) -> int:
        """The number of distinct triples in the union of the graphs."""
        return integer(self.rows("triple-count")[0], "triples")

    def all_quads(self) -> list[ox.Quad]:
        """Every quad, each in its graph (an endpoint: the triples of its default graph)."""
        triples = self.construct("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
        return [ox.Quad(t.subject, t.predicate, t.object) for t in triples]

    def quads(self, graph: ox.NamedNode | None = None) -> list[ox.Quad]:
        """Every triple of every named graph (or of ``graph`` only), in its graph: the data by source."""
        rows = self.rows("quads", graph=graph)
        return [ox.Quad(row["s"], row["p"], row["o"], row["graph"]) for row in rows]  # type: ignore[arg-type]

    def add_quads(self, quads: Iterable[ox.Quad]) -> None:
        """Add quads in one transaction: all of them are written, or none."""
        raise StoreError(f"{self.description} is read-only here")

    def apply_update(self, update: str) -> None:
        """Run a SPARQL update in one transaction, durable when this returns."""
        raise StoreError(f"{self.description} is read-only here")

    def add_store(self, scratch: ox.Store) -> None:
        """Add every graph of an in-memory store in one transaction (a bulk load, kept in Rust)."""
        raise StoreError(f"{self.description} is read-only here")

    def engine(self) -> ox.Store:
        """The Oxigraph store itself, for planning a write by reading it (current until the next write)."""
        raise StoreError(f"{self.description} is read-only here")

    def close(self) -> None:  # noqa: B027 - most stores hold nothing to release
        """Release files or connections."""


def parse_answer(
    body: bytes, *, graph: bool, results: ox.QueryResultsFormat = ox.QueryResultsFormat.JSON
) -> QueryResult:
    """A serialised answer (SPARQL ``results``, or N-Triples for graphs) as pyoxigraph objects."""
    if graph:
        return [quad.triple for quad in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)]
    return ox.parse_query_results(body, format=results)


#: The one variable of an ASK answer that Virtuoso 7 writes as a table: one row for true, none for false.
ASK_TABLE_VARIABLE = "__ASK_RETVAL"


def ask_answer(result: QueryResult) -> QueryResult:
    """An ASK answer as a boolean, also when the endpoint wrote it as a table (Virtuoso 7.2 does, in
    every results format); any other result as it is.

    >>> table = '?__ASK_RETVAL\\n"1"^^<http://www.w3.org/2001/XMLSchema#integer>\\n'
    >>> ask_answer(ox.parse_query_results(table, format=ox.QueryResultsFormat.TSV))
    <QueryBoolean true>
    """
    if not isinstance(result, ox.QuerySolutions) or [v.value for v in result.variables] != [
        ASK_TABLE_VARIABLE
    ]:
        return result
    holds = any(row[0] is not None and row[0].value not in ("0", "false") for row in result)
    return ox.parse_query_results(
        b'{"head":{},"boolean":%s}' % (b"true" if holds else b"false"), format=ox.QueryResultsFormat.JSON
    )


def dataset_parameters(graphs: Sequence[str]) -> dict[str, list[str]]:
    """The SPARQL Protocol's dataset for data kept in ``graphs`` on an endpoint: their merge as the
    default graph, and only them as named graphs (so ``GRAPH ?g`` finds no system graph either).

    >>> dataset_parameters(["urn:g"])
    {'default-graph-uri': ['urn:g'], 'named-graph-uri': ['urn:g']}
    """
    return {"default-graph-uri": list(graphs), "named-graph-uri": list(graphs)} if graphs else {}


class LocalStore(Store):
    """A pyoxigraph store, in memory or in a directory on disk."""

    def __init__(self, store: ox.Store, description: str) -> None:
        self.oxigraph = store
        self.description = description

    def _execute(self, query: str, *, expect_graph: bool) -> QueryResult:
        try:
            return self.oxigraph.query(query, use_default_graph_as_union=True)
        except SyntaxError as error:
            raise QuerySyntaxError(str(error)) from None

    def engine(self) -> ox.Store:
        return self.oxigraph

    # No flush after a write: the transaction is in RocksDB's write-ahead log when it returns, which
    # survives a killed process (tests/test_write_api.py kills one), and a flush per write would
    # leave one small table file per write for every read to look through.
    def add_quads(self, quads: Iterable[ox.Quad]) -> None:
        self.oxigraph.extend(quads)

    def apply_update(self, update: str) -> None:
        self.oxigraph.update(update)

    def add_store(self, scratch: ox.Store) -> None:
        add_in_bulk(self.oxigraph, scratch)

    def all_quads(self) -> list[ox.Quad]:
        return list(self.oxigraph)

    def quads(self, graph: ox.NamedNode | None = None) -> list[ox.Quad]:
        return list(self.oxigraph.quads_for_pattern(None, None, None, graph))


class RemoteStore(Store):
    """A SPARQL 1.1 Protocol endpoint, queried over HTTP with standard media types.

    Answers are asked for in the formats engines write most faithfully: SPARQL
    results XML (Virtuoso 7.2's JSON is the 2007 Note's, with ``typed-literal``
    terms, and its writer is the slower of the two) and N-Triples (its Turtle
    writes decimals as integers). With ``graphs``, every query sees only the
    graphs that hold the data, not the endpoint's others.

    Spoken to with the standard library's ``http.client``, over connections
    kept alive (one per thread querying at that moment): a small query cost
    three times the CPU through ``httpx.Client`` (docs/scale-out-engines.md).
    A kept connection the endpoint closed while it was idle is replaced once.
    """

    def __init__(self, endpoint: str, *, timeout: float = 30.0, graphs: Sequence[str] = ()) -> None:
        self.endpoint = endpoint
        self.description = f"SPARQL endpoint {endpoint}"
        self._dataset = dataset_parameters(graphs)
        self._address = EndpointAddress.of(endpoint)
        self._headers = self._address.headers()
        self._timeout = timeout
        self._idle: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()

    def _execute(self, query: str, *, expect_graph: bool) -> QueryResult:
        accept = "application/n-triples" if expect_graph else "application/sparql-results+xml"
        form = urlencode({"query": query, **self._dataset}, doseq=True).encode()
        try:
            status, content = self._post(form, {**self._headers, "Accept": accept})
        except TimeoutError:
            raise EndpointTimeoutError(
                f"{self.endpoint} did not answer in time", endpoint=self.endpoint
            ) from None
        except (OSError, http.client.HTTPException) as error:
            raise EndpointError(f"cannot reach {self.endpoint}: {error}", endpoint=self.endpoint) from None
        if status >= 300:
            said = content.decode("utf-8", errors="replace").strip()[:2000]
            raise EndpointError(
                f"{self.endpoint} answered {status} to a query stancegraph sent: {said[:300]}",
                endpoint=self.endpoint,
                remote_message=said,
            )
        try:
            return parse_answer(content, graph=expect_graph, results=ox.QueryResultsFormat.XML)
        except SyntaxError as error:
            raise EndpointError(
                f"{self.endpoint} sent an answer that does not parse as {accept}: {error}",
                endpoint=self.endpoint,
            ) from None

    def _post(self, form: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        """The status and body of the endpoint's answer to ``form``, on a kept connection if one is idle."""
        with self._lock:
            kept = self._idle.pop() if self._idle else None
        if kept is not None:
            try:
                return self._exchange(kept, form, headers)
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                pass  # closed by the endpoint while idle: a query is safe to send again
        return self._exchange(self._connect(), form, headers)

    def _connect(self) -> http.client.HTTPConnection:
        address, timeout = self._address, self._timeout
        if address.tls:
            return http.client.HTTPSConnection(
                address.host, address.port, timeout=timeout, context=tls_context()
            )
        return http.client.HTTPConnection(address.host, address.port, timeout=timeout)

    def _exchange(
        self, connection: http.client.HTTPConnection, form: bytes, headers: dict[str, str]
    ) -> tuple[int, bytes]:
        try:
            connection.request("POST", self._address.target, body=form, headers=headers)
            acknowledge_at_once(connection.sock)
            response = connection.getresponse()
            content = response.read()
        except BaseException:
            connection.close()
            raise
        with self._lock:
            keep = not response.will_close and len(self._idle) < KEPT_ALIVE
            if keep:
                self._idle.append(connection)
        if not keep:
            connection.close()
        return response.status, content

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()


def add_in_bulk(target: ox.Store, scratch: ox.Store) -> None:
    """Add every graph of ``scratch`` to ``target`` with Oxigraph's bulk loader, then compact.

    The bulk loader writes sorted table files and hands them to RocksDB in one
    ingestion when it commits (pyoxigraph 0.5.1 on): all of them or none, also
    after a ``kill -9``. A transaction of that size took twice as long, held the
    whole change in memory, and left a layout that read up to 2.7x slower until
    compacted.
    """
    copy_in_bulk(scratch, target, prefix="stancegraph-add-")
    target.optimize()


def copy_in_bulk(source: ox.Store, target: ox.Store, *, prefix: str) -> None:
    """Every quad of ``source`` into ``target``, through an N-Quads file and Oxigraph's bulk loader.

    Never as Python objects: a list of a million quads took seconds to build and a
    gigabyte to hold, and a file keeps neither side's N-Quads in memory. The file is
    written in a temporary directory named with ``prefix``, and removed after.
    """
    with tempfile.TemporaryDirectory(prefix=prefix) as folder:
        dump = Path(folder) / "quads.nq"
        source.dump(output=str(dump), format=ox.RdfFormat.N_QUADS)
        # lenient: Oxigraph wrote this file itself, so its IRIs need no second check
        target.bulk_load(path=str(dump), format=ox.RdfFormat.N_QUADS, lenient=True)


def open_disk_store(path: Path, *, read_only: bool = False) -> LocalStore:
    """Open (or create) an Oxigraph directory. Read-only opens let other processes share it."""
    try:
        if read_only:
            if not path.is_dir():
                raise StoreError(f"{path}: no store directory here")
            store = ox.Store.read_only(str(path))
        else:
            store = ox.Store(str(path))
    except OSError as error:
        raise StoreError(f"{path}: cannot open the store ({error})") from None
    return LocalStore(store, f"on-disk store {path}")
