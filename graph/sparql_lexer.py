"""A small SPARQL lexer: enough to find keywords and braces outside strings, IRIs and comments.

Several checks need to know whether a query or update *says* something (``SERVICE``, ``LOAD``,
``FROM``, ``USING``, ``WITH``) or where its operations and templates begin and end, without
parsing it in full: a substring search would be fooled by ``"LOAD"`` in a literal, by
``?service`` or by ``ex:from``. Everything that is not a comment, string, IRI or word is one
character a token. Tokens keep their place in the text, so callers cut or insert text at token
boundaries instead of gluing tokens back together.
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
    | (?P<word>[?$]?[A-Za-z_][\w\-.]*(?::[\w\-.%]*)?|:[\w\-.%]*|_:[\w\-.]+)
    | (?P<other>\S)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Token:
    kind: str  # "long_string", "string", "iri", "word" or "other" (comments are dropped)
    text: str
    start: int
    end: int

    def is_keyword(self, *words: str) -> bool:
        """Whether this is one of ``words`` (SPARQL keywords are case-insensitive)."""
        return self.kind == "word" and self.text.upper() in words


def tokens(text: str) -> Iterator[Token]:
    """The tokens of a query or update, comments left out.

    >>> [t.text for t in tokens('INSERT DATA { <urn:a> ?p "}" } # {')]
    ['INSERT', 'DATA', '{', '<urn:a>', '?p', '"}"', '}']
    """
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind is not None and kind != "comment":
            yield Token(kind, match.group(), match.start(), match.end())
