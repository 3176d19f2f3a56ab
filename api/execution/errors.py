"""The domain errors of running a query; ``api/problems.py`` maps each to its status once."""

from __future__ import annotations

from stancegraph.graph.errors import StancegraphError


class QueryTimeoutError(StancegraphError):
    """A query ran past its deadline and was stopped."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"the query ran longer than the {seconds:g} s limit and was stopped")
        self.seconds = seconds


class NotAcceptableError(StancegraphError):
    """The query's result kind has no serialisation among the ones the client accepts."""


class BusyError(StancegraphError):
    """Every worker is busy and the queue is full (or its wait ran out); retry after ``retry_after`` s."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
