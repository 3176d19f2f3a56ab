"""Writes: who may write, and the one path every write takes.

Writing is off unless ``STANCEGRAPH_WRITE_TOKEN`` is set (403 says how to
turn it on); then a request must carry ``Authorization: Bearer <token>``,
compared in constant time (401 with ``WWW-Authenticate`` otherwise).

Every write, whatever route it came in by (SPARQL Update, the Graph Store
Protocol, a curation), goes through :class:`Writer`: plan the change by
reading the store and validate it against the shapes (:mod:`graph.writes`),
apply it as one transaction, then call the ``on_write`` hook (where a cache
invalidates), all under one lock, in a thread of its own. A client that hangs
up mid-write cannot cut this short: the thread finishes, so the hook is never
skipped and two writes never interleave.
"""

from __future__ import annotations

import asyncio
import hmac
import threading
from collections.abc import Callable, Collection
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from pydantic import BaseModel, Field

from stancegraph.api.problems import ProblemError
from stancegraph.api.settings import Settings
from stancegraph.graph.curation import CurationReport, curate
from stancegraph.graph.errors import StoreError
from stancegraph.graph.graph_changes import GraphChange
from stancegraph.graph.store import RemoteStore, Store
from stancegraph.graph.writes import ChangeSet, apply, plan_graph_change, plan_update

T = TypeVar("T")


class WriteResult(BaseModel):
    """What an accepted write changed (derived truthy edges included)."""

    added: int = Field(description="Triples added.")
    removed: int = Field(description="Triples removed.")


async def require_write_access(request: Request) -> None:
    """Refuse the request unless writes are on, this server owns its data, and the bearer token matches."""
    settings: Settings = request.app.state.settings
    if settings.write_token is None:
        raise ProblemError(
            403,
            "writes (SPARQL Update, the graph store, curation) are disabled on this server; its operator can enable them by setting "
            "STANCEGRAPH_WRITE_TOKEN, and writers then send Authorization: Bearer <token>",
            slug="writes-disabled",
        )
    if settings.endpoint:
        raise ProblemError(
            403,
            f"this server relays to {settings.endpoint}; send writes to that endpoint",
            slug="writes-disabled",
        )
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ProblemError(
            401,
            "writing needs Authorization: Bearer <token>",
            slug="unauthorized",
            headers={"WWW-Authenticate": 'Bearer realm="stancegraph"'},
        )
    if not hmac.compare_digest(token.strip().encode(), settings.write_token.encode()):
        raise ProblemError(
            401,
            "the Bearer token is not this server's write token",
            slug="unauthorized",
            headers={"WWW-Authenticate": 'Bearer realm="stancegraph", error="invalid_token"'},
        )


WriteAccess = Annotated[None, Depends(require_write_access)]


class Writer:
    """Applies validated writes to ``store`` one at a time, then tells ``on_write``."""

    def __init__(
        self, store: Store, *, on_write: Callable[[], None], allowed_services: Collection[str] = ()
    ) -> None:
        self.store = store
        self.allowed_services = tuple(allowed_services)
        self._on_write = on_write
        self._lock = threading.Lock()

    async def update(self, update: str, *, base_iri: str | None = None) -> WriteResult:
        """A SPARQL 1.1 Update; relative IRIs resolve against ``base_iri``."""
        return await self._change(
            lambda: plan_update(self.store, update, allowed_services=self.allowed_services, base_iri=base_iri)
        )

    async def change(self, change: GraphChange) -> WriteResult:
        """A change to one graph (the Graph Store Protocol, :mod:`graph.graph_changes`)."""
        return await self._change(lambda: plan_graph_change(self.store, change))

    async def curate(self, curation: str, source_text: str | None, *, dry_run: bool) -> CurationReport:
        """Check a curation (YAML text) against the data and add it, all or nothing (:func:`graph.curation.curate`)."""

        def run() -> CurationReport:
            report = curate(
                self.store, curation, source_text=source_text, dry_run=dry_run, where="the request"
            )
            if report.added and not dry_run:
                self._on_write()
            return report

        return await self._locked(run)

    async def _change(self, plan: Callable[[], ChangeSet]) -> WriteResult:
        def run() -> WriteResult:
            try:
                changes = plan()
            except StoreError as error:  # planning touches no store: this is the request's fault
                raise ProblemError(422, str(error), slug="write-refused") from None
            if changes:
                apply(self.store, changes)
                self._on_write()
            return WriteResult(added=len(changes.added), removed=len(changes.removed))

        return await self._locked(run)

    async def _locked(self, work: Callable[[], T]) -> T:
        def locked() -> T:
            with self._lock:
                return work()

        return await asyncio.to_thread(locked)


def writer_for(store: Store, settings: Settings, on_write: Callable[[], None]) -> Writer | None:
    """The writer for a store this server owns; ``None`` for a remote endpoint."""
    if isinstance(store, RemoteStore):
        return None
    return Writer(store, on_write=on_write, allowed_services=settings.allowed_services)


async def get_writer(request: Request) -> Writer:
    writer: Writer | None = request.app.state.writer
    if writer is None:  # require_write_access refuses this case first; kept for direct callers
        raise ProblemError(403, "this server cannot write to its data", slug="writes-disabled")
    return writer


WriterDep = Annotated[Writer, Depends(get_writer)]
