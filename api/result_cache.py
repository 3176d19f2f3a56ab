"""A bounded cache of serialised answers, invalidated atomically by writes.

Dashboards and notebooks ask the same questions over and over. An answer is
cached under the data version it was computed from, so invalidation is one
counter increment: after a write, no request can hit an entry computed before
it, even one that was still running when the write landed and stores its
answer afterwards (it goes in under the old version and is never served).

In front of another endpoint the data changes without a write through us, so
nothing says when an answer went stale; there the cache is off unless the
operator accepts answers up to ``lifetime`` seconds old. The version then also
moves on every ``lifetime`` seconds, which expires entries and ETags alike.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass


@dataclass(frozen=True)
class CachedAnswer:
    media_type: str
    body: bytes
    encoding: str = ""  # the Content-Encoding the body is in ("" when not compressed)
    #: the headers that describe this answer (``Stancegraph-Row-Limit``, ``Stancegraph-Truncated``)
    headers: tuple[tuple[bytes, bytes], ...] = ()


class ResultCache:
    """Least-recently-used answers up to ``max_bytes`` in all; larger answers are never cached.

    >>> cache = ResultCache(max_bytes=1000)
    >>> version = cache.version
    >>> key = cache.key("ASK {}", "application/sparql-results+json")
    >>> cache.put(key, CachedAnswer("application/sparql-results+json", b"true"), version=version)
    >>> cache.get(key).body
    b'true'
    >>> cache.invalidate()
    >>> cache.get(cache.key("ASK {}", "application/sparql-results+json")) is None
    True
    """

    def __init__(
        self,
        *,
        max_bytes: int = 64 * 1024 * 1024,
        max_entry_bytes: int | None = None,
        lifetime: float | None = None,
    ) -> None:
        self.max_bytes = max_bytes
        self.max_entry_bytes = max_entry_bytes if max_entry_bytes is not None else max(max_bytes // 8, 0)
        self._entries: OrderedDict[str, CachedAnswer] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self._boot = secrets.token_hex(4)  # ETags from before a restart never match after it
        self._counter = 0
        self.lifetime = lifetime

    @property
    def version(self) -> str:
        """The data version: changes on every write, on every restart, and every ``lifetime`` seconds."""
        if self.lifetime is None:
            return f"{self._boot}-{self._counter}"
        return f"{self._boot}-{self._counter}-{int(time.time() // self.lifetime)}"

    def key(self, *parts: str) -> str:
        """A cache key (and strong ETag) for a request, bound to the current data version."""
        digest = hashlib.blake2b(digest_size=16)
        for part in (self.version, *parts):
            digest.update(part.encode())
            digest.update(b"\0")
        return digest.hexdigest()

    def get(self, key: str) -> CachedAnswer | None:
        with self._lock:
            answer = self._entries.get(key)
            if answer is not None:
                self._entries.move_to_end(key)
            return answer

    def put(self, key: str, answer: CachedAnswer, *, version: str) -> None:
        """Keep an answer computed at data ``version``, evicting the least recently used to stay in budget.

        An answer from an older version (a write landed while it was computed) is dropped.
        """
        size = len(answer.body)
        if size > self.max_entry_bytes:
            return
        with self._lock:
            if version != self.version or key in self._entries:
                return
            self._entries[key] = answer
            self._size += size
            while self._size > self.max_bytes:
                _, evicted = self._entries.popitem(last=False)
                self._size -= len(evicted.body)

    def invalidate(self) -> None:
        """Forget everything and move to a new data version; call after every acknowledged write."""
        with self._lock:
            self._counter += 1
            self._entries.clear()
            self._size = 0

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size_bytes(self) -> int:
        return self._size
