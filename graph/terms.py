"""Turning RDF terms into plain Python values and ids, in one place."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pyoxigraph as ox

from stancegraph.ontology import ID

XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGERS = {
    f"{XSD}{name}" for name in ("integer", "int", "long", "short", "positiveInteger", "nonNegativeInteger")
}
_NUMBERS = {f"{XSD}decimal", f"{XSD}double", f"{XSD}float"}
_BOOLEAN = f"{XSD}boolean"
_STRING = f"{XSD}string"


PlainValue = str | int | float | bool | None


def python_value(term: object) -> PlainValue:
    """A JSON-friendly value for a term: numbers and booleans typed, dates as ISO text, IRIs as text."""
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        # called for every binding of every row the JSON API reads (half a million for the projection
        # of a million triples): the datatypes to compare with are made once, and text goes first
        datatype = term.datatype.value
        if datatype == _STRING:
            return term.value
        try:
            if datatype in _INTEGERS:
                return int(term.value)
            if datatype in _NUMBERS:
                number = Decimal(term.value)
                return int(number) if number == number.to_integral_value() else float(number)
            if datatype == _BOOLEAN:
                return term.value in ("true", "1")
        except (ValueError, ArithmeticError):
            return term.value
        return term.value
    return term.value  # type: ignore[attr-defined, no-any-return]


def local_id(iri: str) -> str:
    """The short id of a stancegraph resource (the part after ``/id/``), or the full IRI otherwise.

    >>> local_id("https://w3id.org/stancegraph/id/us")
    'us'
    """
    return iri[len(ID) :] if iri.startswith(ID) else iri


def resource(identifier: str) -> ox.NamedNode:
    """The IRI for a short id (or a full IRI given as is)."""
    if identifier.startswith(("http://", "https://", "urn:")):
        return ox.NamedNode(identifier)
    return ID.term(identifier)


def as_date(text: str | None) -> dt.date | None:
    """The first day a date literal can mean (``2025-02`` is 1 February 2025), for timelines."""
    if not text:
        return None
    parts = text.split("T", 1)[0].split("-")
    try:
        year = int(parts[0])
        month = int(parts[1]) if len(parts) > 1 else 1
        day = int(parts[2][:2]) if len(parts) > 2 else 1
        return dt.date(year, month, day)
    except (ValueError, IndexError):
        return None
