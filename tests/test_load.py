"""The service under a steady mix of API and SPARQL reads: no errors, and the numbers for the docs.

The short run is part of every test run; the 60-second one is ``pytest -m load tests/test_load.py``.
"""

from __future__ import annotations

import pytest

from benchmarks.load_test import run


def test_five_seconds_of_mixed_reads_without_an_error(server_url: str) -> None:
    report = run(server_url, duration=5, rate=40, max_requests=400, clients=4)
    print(report.summary())
    assert report.errors == []
    assert report.requests >= 150  # it kept (roughly) to the rate
    assert report.percentile(99) < 2.0


@pytest.mark.load
def test_sixty_seconds_of_mixed_reads_without_an_error(server_url: str) -> None:
    report = run(server_url, duration=60, rate=50, max_requests=5000, clients=8)
    print(report.summary())
    assert report.errors == []
    assert report.requests >= 2500
