"""The result cache stays within its budget and never serves an answer from before a write."""

from __future__ import annotations

import threading

from stancegraph.api.result_cache import CachedAnswer, ResultCache


def answer(size: int) -> CachedAnswer:
    return CachedAnswer("text/csv", b"x" * size)


def test_least_recently_used_answers_are_evicted_first() -> None:
    cache = ResultCache(max_bytes=300, max_entry_bytes=200)
    version = cache.version
    keys = [cache.key(f"q{i}") for i in range(3)]
    for key in keys:
        cache.put(key, answer(100), version=version)
    assert cache.get(keys[0]) is not None  # now the most recently used
    cache.put(cache.key("q3"), answer(100), version=version)
    assert cache.get(keys[1]) is None
    assert cache.get(keys[0]) is not None and cache.get(keys[2]) is not None
    assert cache.size_bytes == 300


def test_an_answer_over_the_entry_limit_is_not_kept() -> None:
    cache = ResultCache(max_bytes=1000, max_entry_bytes=10)
    cache.put(cache.key("big"), answer(11), version=cache.version)
    assert len(cache) == 0


def test_keys_differ_by_every_part_and_by_version() -> None:
    cache = ResultCache()
    first = cache.key("SELECT 1", "text/csv")
    assert first != cache.key("SELECT 1", "application/json")
    assert first != cache.key("SELECT 1text/csv")
    cache.invalidate()
    assert first != cache.key("SELECT 1", "text/csv")
    assert cache.version != ResultCache().version  # a restart changes the version too


def test_an_answer_computed_before_a_write_is_never_served_after_it() -> None:
    cache = ResultCache()
    started_at = cache.version
    key_at_start = cache.key("q")
    cache.invalidate()  # a write lands while the query runs
    cache.put(key_at_start, answer(5), version=started_at)
    assert cache.get(cache.key("q")) is None
    assert len(cache) == 0


def test_concurrent_readers_and_writers_keep_the_books_straight() -> None:
    cache = ResultCache(max_bytes=5_000, max_entry_bytes=100)

    def work(seed: int) -> None:
        for i in range(2_000):
            version = cache.version
            key = cache.key(str((seed * 7 + i) % 97))
            if cache.get(key) is None:
                cache.put(key, answer(50), version=version)
            if i % 500 == seed:
                cache.invalidate()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert cache.size_bytes == 50 * len(cache) <= 5_000
