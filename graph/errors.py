"""Domain exceptions. ``graph/`` raises these; the CLI and the API translate them once, at the edge."""

from __future__ import annotations


class StancegraphError(Exception):
    """Base class: anything the user can fix by changing their input or configuration."""


class UnsupportedFormatError(StancegraphError):
    """A file extension or media type we cannot read or write."""


class RdfSyntaxError(StancegraphError):
    """An RDF file that does not parse. The message names the file and the line."""

    def __init__(self, source: str, detail: str) -> None:
        super().__init__(f"{source}: {detail}")
        self.source = source
        self.detail = detail


class ShapeViolationError(StancegraphError):
    """Data that breaks the SHACL shapes; ``report`` carries every violation."""

    def __init__(self, report: object, summary: str) -> None:
        super().__init__(summary)
        self.report = report


class SourceAssignmentError(StancegraphError):
    """Triples of a file that no rule places in a source's graph (see ``graph/assignment.py``)."""


class QuerySyntaxError(StancegraphError):
    """A SPARQL query that does not parse; the message is the parser's, with its position."""


class QueryNotFoundError(StancegraphError):
    """A named query (``.rq`` file) that does not exist."""


class NotFoundError(StancegraphError):
    """A resource id that names nothing in the graph."""

    def __init__(self, kind: str, identifier: str) -> None:
        super().__init__(f"no {kind} with id {identifier!r}")
        self.kind = kind
        self.identifier = identifier


class EndpointError(StancegraphError):
    """A remote SPARQL endpoint that is down, slow, answers with an error, or sends what we cannot read.

    ``endpoint`` names it and ``remote_message`` is what it said, if anything, so that the
    problem document can carry both apart from our own sentence.
    """

    def __init__(
        self, message: str, *, endpoint: str | None = None, remote_message: str | None = None
    ) -> None:
        super().__init__(message)
        self.endpoint = endpoint
        self.remote_message = remote_message


class EndpointTimeoutError(EndpointError):
    """A remote SPARQL endpoint that did not answer in time (a gateway timeout, not a failure)."""


class EndpointRefusedError(QuerySyntaxError):
    """A client's query that the remote endpoint refused (a 400): a syntax error, or its dialect's limits.

    The client can change the query, so it is the client's error (400), in the endpoint's words.
    """

    def __init__(self, endpoint: str, remote_message: str) -> None:
        super().__init__(f"{endpoint} refused the query: {remote_message}")
        self.endpoint = endpoint
        self.remote_message = remote_message


class StoreError(StancegraphError):
    """A store directory that cannot be opened (missing, locked, not a store)."""


class ShapesError(StancegraphError):
    """A SHACL shapes file that uses a feature the SPARQL compiler does not know (so it would go unchecked)."""
