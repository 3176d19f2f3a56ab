"""The application: :func:`create_app` builds one FastAPI app from :class:`~api.settings.Settings`.

Nothing lives at module level: the store and the query executor are opened
when the app starts (and closed when it stops) and kept on ``app.state``,
where :mod:`api.dependencies` hands them to the routes.

>>> app = create_app(Settings())
>>> sorted(set(app.openapi()["paths"]) & {"/sparql", "/api/actors", "/id/{name}"})
['/api/actors', '/id/{name}', '/sparql']
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import version

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from api import linked_data, problems, sparql, viewer
from api.execution import Executor, PoolExecutor, ThreadExecutor
from api.pages import CONTENT_SECURITY_POLICY, STATIC_DIR
from api.proxy import ProxyExecutor
from api.routes import analysis, routers
from api.settings import Settings
from graph.errors import StoreError
from graph.query_pool import PooledStore, QueryPool
from graph.store import LocalStore, RemoteStore, Store, open_store

DESCRIPTION = """\
Who supports and who opposes which clause of the 2025 peace plan for the war in
Ukraine (the US–Russian 28-point plan, Europe's counter-proposal and the 19-point
Geneva draft), with the quote, source and certainty behind every edge.

* `/sparql`: SPARQL 1.1 Protocol endpoint (open it in a browser for a query editor).
* `/api/...`: JSON for people who don't write SPARQL.
* `/id/{name}`: every resource IRI as Turtle, JSON-LD or an HTML page.
"""


def open_backend(settings: Settings) -> tuple[Store, Executor]:
    """The store the JSON API reads and the executor ``/sparql`` runs on, for these settings.

    An on-disk store is queried by worker processes, so a runaway query is
    stopped at the deadline; the bundled in-memory data by threads; a remote
    endpoint is relayed to.
    """
    if settings.endpoint:
        return RemoteStore(settings.endpoint, timeout=settings.endpoint_timeout), ProxyExecutor(
            settings.endpoint, timeout=settings.endpoint_timeout
        )
    if settings.store is not None:
        if not settings.store.is_dir():
            raise StoreError(f"{settings.store}: no store directory here")
        pool = QueryPool(settings.store, workers=settings.query_workers, timeout=settings.query_timeout)
        return PooledStore(pool), PoolExecutor(pool)
    store = open_store()
    assert isinstance(store, LocalStore)
    return store, ThreadExecutor(store.oxigraph, workers=settings.query_workers)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    store, executor = open_backend(app.state.settings)
    app.state.store, app.state.executor = store, executor
    try:
        yield
    finally:
        await executor.aclose()
        store.close()


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


def create_app(settings: Settings | None = None) -> FastAPI:
    """The service: ``/sparql``, ``/api``, ``/id``, the docs and the static files."""
    app = FastAPI(
        title="stancegraph",
        version=version("stancegraph"),
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings or Settings()
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(app.state.settings.cors_origins),
        allow_methods=["GET", "HEAD", "POST"],
        allow_headers=["Accept", "Content-Type"],
        max_age=3600,
    )
    problems.install(app)
    app.include_router(sparql.router)
    for router in routers():
        app.include_router(router)
    app.include_router(analysis.router)
    app.include_router(linked_data.router)
    app.include_router(viewer.router)
    app.add_api_route("/docs", _docs, include_in_schema=False)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
