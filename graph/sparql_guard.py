"""Refusing SPARQL that would make the server fetch other addresses (SERVICE, LOAD).

pyoxigraph follows ``SERVICE <url>`` and ``LOAD <url>`` over HTTP, so a public
endpoint that ran them would let anyone make it request arbitrary addresses
(server-side request forgery). We find those keywords with a small lexer (:mod:`graph.sparql_lexer`) that
skips strings, IRIs and comments — a plain substring search would refuse
``"LOAD"`` in a literal and miss nothing, but also refuse ``?service`` and
``ex:load`` — and allow ``SERVICE`` only for endpoints on an allow-list.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from stancegraph.graph.errors import StancegraphError
from stancegraph.graph.sparql_lexer import tokens

# Neither keyword can appear without one of these substrings; most queries have neither, and
# skipping the lexer for them saved ~0.1 ms of a millisecond query's ~2 ms of Python.
_MAYBE_REMOTE = re.compile(r"service|load", re.IGNORECASE)


class RemoteAccessError(StancegraphError):
    """The query or update asks the server to fetch another address."""


@dataclass(frozen=True)
class RemoteCall:
    keyword: str  # "SERVICE" or "LOAD"
    target: str | None  # the IRI, or None when it is a variable or prefixed name


def remote_calls(text: str) -> list[RemoteCall]:
    """Every SERVICE and LOAD in a query or update, with the address it names.

    >>> remote_calls('SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p "LOAD" } }')
    [RemoteCall(keyword='SERVICE', target='http://example.org/sparql')]
    >>> remote_calls('SELECT ?service WHERE { ?service a <urn:x:LOAD> } # LOAD <x>')
    []
    """
    if not _MAYBE_REMOTE.search(text):
        return []
    found = list(tokens(text))
    calls = []
    for index, token in enumerate(found):
        if not token.is_keyword("SERVICE", "LOAD"):
            continue
        following = [after for after in found[index + 1 : index + 3] if not after.is_keyword("SILENT")]
        target = following[0].text[1:-1] if following and following[0].kind == "iri" else None
        calls.append(RemoteCall(token.text.upper(), target))
    return calls


def refuse_remote_access(text: str, *, allowed_services: Collection[str] = ()) -> None:
    """Raise :class:`RemoteAccessError` unless every SERVICE names an allowed endpoint and no LOAD fetches."""
    for call in remote_calls(text):
        if call.keyword == "LOAD":
            raise RemoteAccessError(
                "LOAD is disabled: this server does not fetch documents from other addresses"
            )
        if call.target is None:
            raise RemoteAccessError("SERVICE needs the endpoint as a full IRI, and that IRI must be allowed")
        if call.target not in allowed_services:
            raise RemoteAccessError(
                f"SERVICE <{call.target}> is not allowed: federated queries are off unless the endpoint "
                "is on the allow-list (STANCEGRAPH_ALLOWED_SERVICES)"
            )
