"""The dataset behind a :class:`~.pool.QueryPool` as a library :class:`~stancegraph.graph.store.Store`.

The JSON API, the viewer and the analysis read through the library's store
interface; on the service's default backend that store is this one, so every
read they make runs in a worker and is bounded by the same deadline as ``/sparql``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pyoxigraph as ox

from stancegraph.api.execution.job import QueryJob
from stancegraph.api.execution.pool import QueryPool
from stancegraph.graph.store import QueryResult, Store, add_in_bulk, parse_answer


class PooledStore(Store):
    """Reads run in the workers and come back as SPARQL results JSON or N-Triples; writes pause the
    workers, open the store for writing in this process, and resume them on the new data."""

    def __init__(self, pool: QueryPool) -> None:
        self.pool = pool
        self.description = f"on-disk store {pool.store_path} ({pool.size} query workers)"

    def _execute(self, query: str, *, expect_graph: bool) -> QueryResult:
        answer = self.pool.run(QueryJob(query, solutions_format="JSON", graph_format="N_TRIPLES"))
        return parse_answer(answer.blocking_body(), graph=answer.kind == "graph")

    def engine(self) -> ox.Store:
        """A read-only view of the store in this process; drop it before the write (which pauses readers)."""
        return ox.Store.read_only(str(self.pool.store_path))

    def add_quads(self, quads: Iterable[ox.Quad]) -> None:
        batch = list(quads)
        self._write(lambda writer: writer.extend(batch))

    def apply_update(self, update: str) -> None:
        self._write(lambda writer: writer.update(update))

    def add_store(self, scratch: ox.Store) -> None:
        self._write(lambda writer: add_in_bulk(writer, scratch))

    def _write(self, change: Callable[[ox.Store], None]) -> None:
        """Pause the readers, write in one transaction, then let readers see the result.

        Not flushed, as :class:`~stancegraph.graph.store.LocalStore` does not: readers reopen from the log too.
        """
        with self.pool.paused():
            writer = ox.Store(str(self.pool.store_path))
            try:
                change(writer)
            finally:
                del writer

    def close(self) -> None:
        self.pool.close()
