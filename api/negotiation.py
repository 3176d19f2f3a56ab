"""Content negotiation: which media types we serve, and which one a request gets.

Two explicit tables map every media type we answer to a pyoxigraph format:
one for SELECT/ASK results, one for RDF graphs (CONSTRUCT, DESCRIBE, linked
data, the service description). ``Accept`` headers are parsed with their
q-values, so the best match wins even when a client lists many types (as
browsers and SPARQL clients do), and a type nobody can serve gets ``None``
here and a 406 at the edge, never a mislabelled body.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import pyoxigraph as ox

HTML = "text/html"
REMEMBERED_ACCEPT_HEADERS = 1024


@dataclass(frozen=True)
class MediaRange:
    """One entry of an ``Accept`` header."""

    type: str
    subtype: str
    q: float
    position: int

    def specificity(self, media_type: str) -> int:
        """How precisely this range names ``media_type``: 3 exactly, 2 ``type/*``, 1 ``*/*``, 0 not at all."""
        kind, _, sub = media_type.partition("/")
        if self.type == "*":
            return 1
        if self.type != kind:
            return 0
        if self.subtype == "*":
            return 2
        return 3 if self.subtype == sub else 0


def parse_accept(header: str | None) -> list[MediaRange]:
    """The ranges of an ``Accept`` header; malformed entries are skipped, none left means ``*/*``.

    >>> [(r.type, r.subtype, r.q) for r in parse_accept("text/html, */*;q=0.8")]
    [('text', 'html', 1.0), ('*', '*', 0.8)]
    """
    ranges = []
    for position, entry in enumerate((header or "*/*").split(",")):
        media_type, *parameters = (part.strip() for part in entry.split(";"))
        kind, slash, sub = media_type.lower().partition("/")
        if not slash or not kind or not sub or (kind == "*" and sub != "*"):
            continue
        q = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(value.strip()), 0.0), 1.0)
                except ValueError:
                    q = -1.0
        if q >= 0:
            ranges.append(MediaRange(kind, sub, q, position))
    return ranges or [MediaRange("*", "*", 1.0, 0)]


def best_match(header: str | None, offers: Sequence[str]) -> str | None:
    """The offered media type the client prefers, or ``None`` if it accepts none of them.

    Each offer takes the q of the most specific range naming it (so ``text/*;q=0.5,
    text/csv;q=0`` refuses CSV). The highest q wins; ties go to the more specific
    range, then to the range the client listed first, then to the earlier offer.

    >>> best_match("text/html,application/xml;q=0.9,*/*;q=0.8", ["application/json", "application/xml"])
    'application/xml'
    >>> best_match("text/csv", ["application/json"]) is None
    True
    """
    ranges = parse_accept(header)
    best: tuple[tuple[float, int, int, int], str] | None = None
    for index, offer in enumerate(offers):
        matches = [(r.specificity(offer), r) for r in ranges if r.specificity(offer)]
        if not matches:
            continue
        specificity, chosen = max(matches, key=lambda m: (m[0], m[1].q))
        if chosen.q <= 0:
            continue
        key = (chosen.q, specificity, -chosen.position, -index)
        if best is None or key > best[0]:
            best = (key, offer)
    return None if best is None else best[1]


@dataclass(frozen=True)
class Format:
    """A serialisation we write: its pyoxigraph format and the media type we label it with."""

    format: ox.QueryResultsFormat | ox.RdfFormat
    attribute: str  # the pyoxigraph enum member's name, e.g. "TURTLE", as api.execution.job.QueryJob expects

    @property
    def media_type(self) -> str:
        return self.format.media_type.split(";")[0]

    @property
    def rdf_format(self) -> ox.RdfFormat:
        """The format, for :func:`pyoxigraph.serialize` (only graph formats have one)."""
        if not isinstance(self.format, ox.RdfFormat):
            raise TypeError(f"{self.media_type} is not an RDF graph format")
        return self.format


class FormatTable:
    """Media types and ``format=`` names for one kind of answer, in the server's order of preference."""

    def __init__(self, media_types: Mapping[str, Format], names: Mapping[str, Format]) -> None:
        self.media_types = dict(media_types)
        self.names = dict(names)
        self._negotiated: dict[str | None, Format | None] = {}

    def negotiate(self, accept: str | None) -> Format | None:
        """The format for an ``Accept`` header, or ``None`` if it accepts none of ours.

        Clients send the same few headers over and over, so answers are remembered
        (up to :data:`REMEMBERED_ACCEPT_HEADERS`; parsing one took ~0.05 ms a request).
        """
        if accept in self._negotiated:
            return self._negotiated[accept]
        choice = best_match(accept, list(self.media_types))
        chosen = None if choice is None else self.media_types[choice]
        if len(self._negotiated) < REMEMBERED_ACCEPT_HEADERS:
            self._negotiated[accept] = chosen
        return chosen

    def negotiate_with(self, accept: str | None, extra: Sequence[str]) -> Format | str | None:
        """Like :meth:`negotiate`, with ``extra`` offers (like HTML) that come back as their media type."""
        choice = best_match(accept, [*self.media_types, *extra])
        if choice is None or choice in extra:
            return choice
        return self.media_types[choice]

    def named(self, name: str) -> Format | None:
        """The format for a ``format=`` value: a short name (``turtle``) or a media type we serve."""
        key = name.strip().lower()
        return self.names.get(key) or self.media_types.get(key)

    def by_attribute(self, attribute: str | None) -> Format | None:
        """The format a :class:`~stancegraph.api.execution.job.QueryJob` names (``"JSON"``, ``"TURTLE"``...)."""
        return next((f for f in self.formats() if f.attribute == attribute), None)

    def format_for(self, content_type: str) -> Format | None:
        """The format a ``Content-Type`` header names (for answers relayed from another endpoint)."""
        return self.media_types.get(content_type.split(";")[0].strip().lower())

    def served(self) -> list[str]:
        """The canonical media types, once each, for error messages and service descriptions."""
        return list(dict.fromkeys(f.media_type for f in self.media_types.values()))

    def formats(self) -> Iterable[Format]:
        return dict.fromkeys(self.media_types.values())


def _results(name: str) -> Format:
    return Format(getattr(ox.QueryResultsFormat, name), name)


def _rdf(name: str) -> Format:
    return Format(getattr(ox.RdfFormat, name), name)


_JSON, _XML, _CSV, _TSV = (_results(name) for name in ("JSON", "XML", "CSV", "TSV"))
_TURTLE, _NT, _RDFXML, _JSONLD, _N3 = (_rdf(n) for n in ("TURTLE", "N_TRIPLES", "RDF_XML", "JSON_LD", "N3"))
_TRIG, _NQ = _rdf("TRIG"), _rdf("N_QUADS")

#: SELECT and ASK answers. ``application/json`` and ``application/xml`` are what
#: generic clients (SPARQLWrapper, browsers) send; they get the SPARQL results types.
SOLUTIONS = FormatTable(
    {
        "application/sparql-results+json": _JSON,
        "application/json": _JSON,
        "application/sparql-results+xml": _XML,
        "application/xml": _XML,
        "text/xml": _XML,
        "text/csv": _CSV,
        "text/tab-separated-values": _TSV,
    },
    {"json": _JSON, "srj": _JSON, "xml": _XML, "srx": _XML, "csv": _CSV, "tsv": _TSV},
)

#: RDF graphs: CONSTRUCT and DESCRIBE answers, resource descriptions, the service description.
GRAPHS = FormatTable(
    {
        "text/turtle": _TURTLE,
        "application/turtle": _TURTLE,
        "application/x-turtle": _TURTLE,
        "application/n-triples": _NT,
        "application/rdf+xml": _RDFXML,
        "application/xml": _RDFXML,
        "text/xml": _RDFXML,
        "application/ld+json": _JSONLD,
        "application/x-json+ld": _JSONLD,
        "application/json": _JSONLD,
        "text/n3": _N3,
        "text/rdf+n3": _N3,
        "application/n3": _N3,
    },
    {
        "turtle": _TURTLE,
        "ttl": _TURTLE,
        "nt": _NT,
        "ntriples": _NT,
        "n-triples": _NT,
        "xml": _RDFXML,
        "rdf": _RDFXML,
        "rdfxml": _RDFXML,
        "rdf+xml": _RDFXML,
        "json": _JSONLD,
        "jsonld": _JSONLD,
        "json-ld": _JSONLD,
        "n3": _N3,
    },
)

#: Whole datasets (every graph, each named): the Graph Store's ``/store`` with no graph named.
DATASETS = FormatTable(
    {
        "application/trig": _TRIG,
        "application/x-trig": _TRIG,
        "application/n-quads": _NQ,
        "text/x-nquads": _NQ,
    },
    {"trig": _TRIG, "nq": _NQ, "nquads": _NQ, "n-quads": _NQ},
)
