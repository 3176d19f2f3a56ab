"""The analysis routes' projection, built once per data version and shared by them.

Every analysis route (alignment, coalitions, contested targets, centrality)
starts from the same projection of the whole store (``STANCES_ONLY``). At a
million triples building it takes 16–17 s and the measures after it 0.2–7 s;
the answer cache keeps each route's answer, not what they share, so opening
the contested targets after the coalitions built the projection again.

This keeps the last one, frozen (a route that tried to change it would raise
at once, not spoil the next answer), until a write: the write hook drops it,
and a projection that a write overtook while it was being built is not kept.
Requests that arrive during a build wait for it and share it. In front of
another endpoint the data changes without a write through us: there it is
kept only as long as answers may be (``STANCEGRAPH_ENDPOINT_CACHE_SECONDS``),
like the answer cache. A million triples' projection holds ~190 MB.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import networkx as nx


@dataclass(frozen=True)
class _Kept:
    built: float  # time.monotonic() when its build began
    graph: nx.MultiDiGraph


class ProjectionCache:
    """The last projection built, until a write (or, with a ``lifetime``, until it is that many seconds old).

    >>> cache = ProjectionCache()
    >>> builds = []
    >>> def build():
    ...     builds.append(1)
    ...     return nx.MultiDiGraph()
    >>> cache.get(build) is cache.get(build), len(builds)
    (True, 1)
    >>> cache.invalidate()
    >>> _ = cache.get(build); len(builds)
    2
    """

    def __init__(self, *, lifetime: float | None = None) -> None:
        self.lifetime = lifetime
        self._building = threading.Lock()  # one build at a time; requests meanwhile wait and share it
        self._guard = threading.Lock()  # the generation and what is kept: never held through a build
        self._generation = 0
        self._kept: _Kept | None = None

    def invalidate(self) -> None:
        """The data changed: what is kept, and any build under way, is out of date."""
        with self._guard:
            self._generation += 1
            self._kept = None

    def get(self, build: Callable[[], nx.MultiDiGraph]) -> nx.MultiDiGraph:
        """The kept projection if it is current, else ``build()``'s, frozen (and kept if no write overtook it)."""
        with self._building:
            with self._guard:
                generation, kept = self._generation, self._kept
            if kept is not None and (self.lifetime is None or time.monotonic() - kept.built < self.lifetime):
                return kept.graph
            started = time.monotonic()
            graph = nx.freeze(build())
            with self._guard:
                if generation == self._generation:
                    self._kept = _Kept(started, graph)
            return graph
