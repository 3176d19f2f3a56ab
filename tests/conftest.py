"""Shared fixtures: the real stores and the real server, never mocks of them."""

from __future__ import annotations

import pytest

from graph.loading import bundled_store
from graph.store import LocalStore


@pytest.fixture(scope="session")
def bundled() -> LocalStore:
    """The bundled data in an in-memory Oxigraph store (read-only use: tests must not write to it)."""
    return bundled_store()
