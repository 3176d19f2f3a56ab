"""Shared fixtures: the real stores and the real server, never mocks of them."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from stancegraph.api.server import running
from stancegraph.api.settings import Settings
from stancegraph.graph.loading import bundled_files, bundled_store, load_files
from stancegraph.graph.store import LocalStore, RemoteStore, Store, open_disk_store
from tests.servers import (
    BUNDLED_GRAPH,
    PART_GRAPHS,
    oxigraph_server,
    virtuoso_programs,
    virtuoso_with_bundled_data,
)

pytest_plugins = ["tests.browser"]  # chromium, recorded pages and the axe check, for the browser tests


@pytest.fixture(scope="session")
def bundled() -> LocalStore:
    """The bundled data in an in-memory Oxigraph store (read-only use: tests must not write to it)."""
    return bundled_store()


@pytest.fixture(scope="session")
def remote_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The query URL of a standalone `oxigraph serve` holding the bundled data.

    `.ci/run` starts one and sets STANCEGRAPH_TEST_ENDPOINT; without it, the tests start their own.
    """
    if endpoint := os.environ.get("STANCEGRAPH_TEST_ENDPOINT"):
        yield endpoint
        return
    with oxigraph_server(tmp_path_factory.mktemp("oxigraph")) as url:
        yield url


@pytest.fixture(scope="session")
def virtuoso_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The query URL of a Virtuoso holding the bundled data in :data:`tests.servers.BUNDLED_GRAPH`,
    beside its own system graphs.

    `.ci/run` starts one and sets STANCEGRAPH_TEST_VIRTUOSO; without it, the tests start their own, or
    skip where Virtuoso is not installed.
    """
    if endpoint := os.environ.get("STANCEGRAPH_TEST_VIRTUOSO"):
        yield endpoint
        return
    if virtuoso_programs() is None:
        pytest.skip("Virtuoso is not installed (apt-get install virtuoso-opensource; .ci/run does)")
    with virtuoso_with_bundled_data(tmp_path_factory.mktemp("virtuoso")) as url:
        yield url


@pytest.fixture(scope="session")
def virtuoso_split_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The query URL of a Virtuoso of its own, holding the bundled data split over
    :data:`tests.servers.PART_GRAPHS` (skipped where Virtuoso is not installed)."""
    if virtuoso_programs() is None:
        pytest.skip("Virtuoso is not installed (apt-get install virtuoso-opensource; .ci/run does)")
    with virtuoso_with_bundled_data(tmp_path_factory.mktemp("virtuoso-split"), PART_GRAPHS) as url:
        yield url


@pytest.fixture(scope="session", params=["memory", "disk", "remote", "virtuoso"])
def any_store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """The bundled data behind each kind of store: the same questions must get the same answers."""
    if request.param == "memory":
        yield bundled_store()
    elif request.param == "disk":
        path: Path = tmp_path_factory.mktemp("disk") / "store"
        store = open_disk_store(path)
        load_files(store, bundled_files())
        yield store
        store.close()
    elif request.param == "remote":
        remote = RemoteStore(request.getfixturevalue("remote_endpoint"))
        yield remote
        remote.close()
    else:
        virtuoso = RemoteStore(request.getfixturevalue("virtuoso_endpoint"), graphs=[BUNDLED_GRAPH])
        yield virtuoso
        virtuoso.close()


@pytest.fixture(scope="session")
def serve() -> Iterator[Callable[..., str]]:
    """Start the real service (uvicorn on a free loopback port, in a thread) and return its base URL.

    ``serve(endpoint=..., store=..., ...)`` takes :class:`api.settings.Settings` fields;
    one server runs per distinct set of settings, and all stop at the end of the session.
    """
    with ExitStack() as stack:
        started: dict[tuple[tuple[str, object], ...], str] = {}

        def start(**settings: object) -> str:
            key = tuple(sorted(settings.items()))
            if key not in started:
                started[key] = stack.enter_context(running(Settings(host="127.0.0.1", port=0, **settings)))  # type: ignore[arg-type]
            return started[key]

        yield start


#: The backends the service can read from: "local" is the bundled data, queried by the service's worker pool;
#: "remote" is ``Settings(endpoint=...)`` in front of :func:`remote_endpoint` (RemoteStore for /api,
#: ProxyExecutor for /sparql), "virtuoso" the same in front of :func:`virtuoso_endpoint`, with the data's
#: graph named (``Settings(graphs=...)``). All hold the same data and must give the same answers.
BACKENDS = ("local", "remote", "virtuoso")
#: The backends that relay to another engine.
REMOTE_BACKENDS = ("remote", "virtuoso")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "backends(*names): run the tests of this module that use `server_url`/`http` once per backend "
        "('local', 'remote', 'virtuoso'); without it, they run on the local backend only",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrise `backend` (and so `server_url`/`http`) where a ``backends`` marker asks for it."""
    marker = metafunc.definition.get_closest_marker("backends")
    if marker is not None and "backend" in metafunc.fixturenames:
        unknown = set(marker.args) - set(BACKENDS)
        assert not unknown, f"unknown backend(s) {unknown}: pick from {BACKENDS}"
        metafunc.parametrize("backend", marker.args or BACKENDS, indirect=True, scope="module")


@pytest.fixture(scope="module")
def backend(request: pytest.FixtureRequest) -> str:
    """The backend behind `server_url`: a parameter under ``pytest.mark.backends``, else ``"local"``."""
    return str(getattr(request, "param", "local"))


@pytest.fixture(scope="session")
def local_url(serve: Callable[..., str]) -> str:
    """The service on the bundled data in its own worker pool, always: for what only that backend has
    (writes, row limits and deadlines of the worker pool, the cache, the SERVICE guard's details)."""
    return serve()


@pytest.fixture(scope="session")
def remote_url(serve: Callable[..., str], remote_endpoint: str) -> str:
    """The service in front of :func:`remote_endpoint`, always (``Settings(endpoint=...)``)."""
    return serve(endpoint=remote_endpoint)


@pytest.fixture(scope="session")
def virtuoso_url(serve: Callable[..., str], virtuoso_endpoint: str) -> str:
    """The service in front of :func:`virtuoso_endpoint`, seeing only the data's graph."""
    return serve(endpoint=virtuoso_endpoint, graphs=(BUNDLED_GRAPH,))


@pytest.fixture(scope="module")
def server_url(request: pytest.FixtureRequest, backend: str) -> str:
    """The base URL of the service on the bundled data, e.g. ``http://127.0.0.1:41234``, on the `backend`
    under test. Module-scoped so that a module runs on one backend, then the other; each backend's server
    still starts once per session."""
    return str(request.getfixturevalue(f"{backend}_url"))


@pytest.fixture
def http(server_url: str) -> Iterator[httpx.Client]:
    """An HTTP client for the service on the bundled data (relative URLs: ``http.get("/api/stats")``),
    on the `backend` under test."""
    with httpx.Client(base_url=server_url, timeout=30) as client:
        yield client


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run when the schemathesis fuzz test was selected but fuzzed nothing.

    A new pytest once broke schemathesis' plugin (pytest 9.2 with schemathesis 4.32.5); a break that
    made the test skip, or generate no case, would otherwise pass as green.
    """
    fuzz = [item for item in session.items if item.name == "test_the_api_never_fails_and_keeps_to_its_schema"]
    if not fuzz or session.shouldstop or session.config.option.collectonly:
        return
    module = fuzz[0].module  # type: ignore[attr-defined]
    missing = module.MUST_FUZZ - {path for _method, path in module.FUZZED}
    if missing:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(
                f"FAILED: the schemathesis fuzz test ran no case for {sorted(missing)} "
                f"({len(module.FUZZED)} operations fuzzed): skipped, or its plugin is broken",
                red=True,
            )
