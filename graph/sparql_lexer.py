"""SPARQL text as tokens, for the few places that must understand a query's shape without running it.

The lexer only knows what can hide a keyword or a brace: comments, strings, IRIs and words.
Everything else is one character a token. Each token keeps its place in the text, so callers
cut the original text at token boundaries instead of gluing tokens back together.
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
