"""Shared fixtures: the real stores and the real server, never mocks of them."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph.loading import bundled_files, bundled_store, load_files
from graph.store import LocalStore, RemoteStore, Store, open_disk_store
from tests.servers import oxigraph_server


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


@pytest.fixture(scope="session", params=["memory", "disk", "remote"])
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
    else:
        remote = RemoteStore(request.getfixturevalue("remote_endpoint"))
        yield remote
        remote.close()
