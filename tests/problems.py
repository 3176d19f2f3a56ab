"""Checking problem+json (RFC 9457) answers, the same way in every test file."""

from __future__ import annotations

import httpx

PROBLEM = "application/problem+json"


def problem(response: httpx.Response, status: int, *words: str) -> dict[str, object]:
    """Assert a problem answer with this status whose detail names every word; return its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, object] = response.json()
    for word in words:
        assert word in str(body["detail"]), body["detail"]
    return body
