"""A small SPARQL lexer: enough to find keywords outside strings, IRIs and comments.

Several checks need to know whether a query or update *says* something
(``SERVICE``, ``LOAD``, ``FROM``, ``USING``, ``WITH``) without parsing it in
full: a substring search would be fooled by ``"LOAD"`` in a literal, by
``?service`` or by ``ex:from``. Tokens carry their offset, so a caller can
insert text at a token's place.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

_TOKEN = re.compile(
    r"""
      (?P<comment>\#[^\n]*)
    | (?P<long_string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\")
    | (?P<string>'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
    | (?P<iri><[^<>"{}|^`\\\s]*>)
    | (?P<word>[?$]?[A-Za-z_][\w\-.]*(?::[\w\-.%]*)?|:[\w\-.%]*)
    | (?P<other>\S)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Token:
    kind: str  # long_string, string, iri, word or other (comments are skipped)
    text: str
    start: int  # offset in the text lexed

    def is_keyword(self, *names: str) -> bool:
        """Whether this is one of the bare words ``names`` (in capitals), in any case."""
        return self.kind == "word" and self.text.upper() in names


def tokens(text: str) -> Iterator[Token]:
    """The tokens of a query or update, comments left out.

    >>> [t.text for t in tokens('SELECT ?from WHERE { ?s <urn:FROM> "FROM" } # FROM')]
    ['SELECT', '?from', 'WHERE', '{', '?s', '<urn:FROM>', '"FROM"', '}']
    """
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        assert kind is not None
        if kind != "comment":
            yield Token(kind, match.group(), match.start())
