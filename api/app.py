"""The application: :func:`create_app` builds one FastAPI app from :class:`~api.settings.Settings`.

Nothing lives at module level: the store, the query executor and the writer
are opened when the app starts (and closed when it stops) and kept on
``app.state``, where :mod:`api.dependencies` hands them to the routes.

Every query has a deadline, whatever the data: an on-disk store (``--store``)
is queried by worker processes that are killed at the deadline, and so is the
bundled data, copied at startup into a temporary on-disk store (~0.2 s, and
~0.4 s to start four workers) that is removed at shutdown. Running queries in
threads of this process, with no deadline, is an explicit opt-in
(``STANCEGRAPH_QUERY_EXECUTOR=threads``). docs/security.md has
the measurements.

``app.state.on_write()`` is called after every acknowledged write, and only
then: the one place for anything that must follow the data (a cache).

>>> app = create_app(Settings())
>>> sorted(set(app.openapi()["paths"]) & {"/sparql", "/api/actors", "/id/{name}"})
['/api/actors', '/id/{name}', '/sparql']
"""

from __future__ import annotations

import gc
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import ExitStack, asynccontextmanager, contextmanager
from importlib.metadata import version
from pathlib import Path

import pyoxigraph as ox
from fastapi import Depends, FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp
from starlette_compress import CompressMiddleware, add_compress_type

from stancegraph.api import curate, graph_store, linked_data, matrix, problems, sparql, viewer
from stancegraph.api.caching import CachingMiddleware
from stancegraph.api.execution.executor import Executor
from stancegraph.api.execution.pool import QueryPool
from stancegraph.api.execution.pooled_store import PooledStore
from stancegraph.api.execution.processes import PoolExecutor
from stancegraph.api.execution.relay import ProxyExecutor
from stancegraph.api.execution.threads import ThreadExecutor
from stancegraph.api.head import HeadAsGetMiddleware
from stancegraph.api.limits import TRUNCATION_HEADERS, BodyLimitMiddleware
from stancegraph.api.negotiation import DATASETS, GRAPHS, SOLUTIONS
from stancegraph.api.pages import CONTENT_SECURITY_POLICY, STATIC_DIR
from stancegraph.api.parameters import only_declared_parameters
from stancegraph.api.projection_cache import ProjectionCache
from stancegraph.api.result_cache import ResultCache
from stancegraph.api.routes import analysis, routers
from stancegraph.api.settings import Settings
from stancegraph.api.sparql_entry import SparqlEntry
from stancegraph.api.writing import writer_for
from stancegraph.graph.errors import StoreError
from stancegraph.graph.loading import bundled_store
from stancegraph.graph.store import RemoteStore, Store, open_disk_store

DESCRIPTION = """\
Who supports and who opposes which clause of the 2025 peace plan for the war in
Ukraine (the US–Russian 28-point plan, Europe's counter-proposal and the 19-point
Geneva draft), with the quote, source and certainty behind every edge.

* `/sparql`: SPARQL 1.1 Protocol endpoint (open it in a browser for a query editor).
* `/api/...`: JSON for people who don't write SPARQL.
* `/id/{name}`: every resource IRI as Turtle, JSON-LD or an HTML page.
"""


@contextmanager
def bundled_on_disk() -> Iterator[Path]:
    """The bundled data in a temporary on-disk store, so worker processes can query it; removed on exit."""
    with tempfile.TemporaryDirectory(prefix="stancegraph-bundled-") as directory:
        path = Path(directory) / "store"
        writer = ox.Store(str(path))
        writer.extend(bundled_store().all_quads())
        writer.flush()
        del writer  # closes the store, so the workers are its only openers
        gc.collect()
        yield path


def open_backend(settings: Settings, cleanup: ExitStack) -> tuple[Store, Executor]:
    """The store the JSON API reads and the executor ``/sparql`` runs on, for these settings.

    A remote endpoint is relayed to. Otherwise the data (``--store``, or the
    bundled data copied to a temporary directory that ``cleanup`` removes) is
    queried by worker processes, each query stopped at ``query_timeout``;
    with ``query_executor="threads"``, by threads of this process, unbounded.
    """
    if settings.endpoint:
        return RemoteStore(
            settings.endpoint, timeout=settings.endpoint_timeout, graphs=settings.graphs
        ), ProxyExecutor(settings.endpoint, timeout=settings.endpoint_timeout, graphs=settings.graphs)
    if settings.store is not None and not settings.store.is_dir():
        raise StoreError(f"{settings.store}: no store directory here")
    if settings.query_executor == "threads":
        local = bundled_store() if settings.store is None else open_disk_store(settings.store)
        return local, ThreadExecutor(local.oxigraph, workers=settings.query_workers)
    path = settings.store if settings.store is not None else cleanup.enter_context(bundled_on_disk())
    pool = QueryPool(
        path,
        workers=settings.query_workers,
        timeout=settings.query_timeout,
        queue_wait=settings.query_timeout,
        max_queued=settings.max_queued_queries,
        allowed_services=settings.allowed_services,
    )
    return PooledStore(pool), PoolExecutor(pool)


def _compress_our_formats() -> None:
    """Let compression take every format we answer in, not only those on starlette-compress's list.

    Its list has JSON, XML, RDF/XML and JSON-LD but no SPARQL results, Turtle,
    N-Triples, N-Quads, TriG, CSV, TSV or problem+json: most of what ``/sparql``,
    ``/id`` and ``/store`` send went out uncompressed to clients that asked for
    gzip. The list is the library's, process-wide; adding to it is idempotent.
    """
    for table in (SOLUTIONS, GRAPHS, DATASETS):
        for media_type in table.media_types:
            add_compress_type(media_type)
    add_compress_type(problems.MEDIA_TYPE)


def _nothing_to_invalidate() -> None:
    """The write hook while nothing depends on the data version (the caches replace it)."""


def _after_each(*hooks: Callable[[], None]) -> Callable[[], None]:
    """One write hook that calls each of ``hooks``."""

    def invalidate() -> None:
        for hook in hooks:
            hook()

    return invalidate


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    with ExitStack() as cleanup:
        store, executor = open_backend(settings, cleanup)
        app.state.store, app.state.executor = store, executor
        app.state.writer = writer_for(store, settings, on_write=lambda: app.state.on_write())
        try:
            yield
        finally:
            await executor.aclose()
            store.close()


def _home() -> RedirectResponse:
    """The front door leads to the viewer, which links to everything else."""
    return RedirectResponse("/viewer", status_code=307)


def _docs(request: Request) -> HTMLResponse:
    """Swagger UI from our own static files (FastAPI's default loads it from a CDN)."""
    page = get_swagger_ui_html(
        openapi_url=request.app.openapi_url,
        title="stancegraph API",
        swagger_js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
        swagger_css_url="/static/vendor/swagger-ui/swagger-ui.css",
        swagger_favicon_url="/static/favicon.svg",
        swagger_ui_parameters={"validatorUrl": None},
    )
    page.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
        "script-src 'self'", "script-src 'self' 'unsafe-inline'"
    )
    return page


class _Service(FastAPI):
    """The app, with ``/sparql`` answered in front of its generic layers (:mod:`api.sparql_entry`)."""

    def build_middleware_stack(self) -> ASGIApp:
        endpoints = {"GET": sparql.sparql_get, "POST": sparql.sparql_post}
        return SparqlEntry(self, super().build_middleware_stack(), endpoints)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The service: ``/sparql``, ``/api``, ``/id``, the docs and the static files."""
    app = _Service(
        title="stancegraph",
        version=version("stancegraph"),
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings = settings or Settings()
    _compress_our_formats()
    app.add_middleware(CompressMiddleware, minimum_size=1024, zstd=False)
    # The cache sits outside compression, so a hit goes out as it was kept. In front of another
    # endpoint the data can change without a write through us, so nothing here could say when a
    # cached answer or an ETag went stale: no cache there, unless answers of a bounded age will do.
    # The same holds for the analysis routes' projection, kept while caching is on.
    lifetime = settings.endpoint_cache_seconds if settings.endpoint else None
    app.state.projections, app.state.on_write = None, _nothing_to_invalidate
    if settings.cache_bytes and (not settings.endpoint or lifetime):
        cache = ResultCache(max_bytes=settings.cache_bytes, lifetime=lifetime)
        app.state.projections = projections = ProjectionCache(lifetime=lifetime)
        app.state.on_write = _after_each(cache.invalidate, projections.invalidate)
        app.add_middleware(
            CachingMiddleware,
            cache=cache,
            cache_control=settings.cache_control,
            share_wait=settings.query_timeout,
        )
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(settings.cors_origins),
        allow_methods=["GET", "HEAD", "POST", "PUT", "DELETE"],
        allow_headers=["Accept", "Content-Type", "Authorization"],
        expose_headers=[*TRUNCATION_HEADERS, "Retry-After", "ETag"],
        max_age=3600,
    )
    app.add_middleware(HeadAsGetMiddleware)  # outermost: every layer within sees the GET it stands for
    problems.install(app)
    app.include_router(sparql.router)
    app.include_router(graph_store.router)
    strict = [Depends(only_declared_parameters)]
    for router in routers():
        app.include_router(router, dependencies=strict)
    app.include_router(analysis.router, dependencies=strict)
    app.include_router(linked_data.router)
    app.include_router(viewer.router)
    app.include_router(curate.router)
    app.include_router(matrix.router)
    app.add_api_route("/docs", _docs, include_in_schema=False)
    app.add_api_route("/", _home, include_in_schema=False)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
