"""Where each quote sits in its source text: W3C Web Annotation selectors, checked or computed.

A curated quote is the ``exact`` of a TextQuoteSelector (``sg:quote`` is a sub-property of
``oa:exact``); its ``prefix`` and ``suffix`` (the text right before and after it) and a
TextPositionSelector's ``start`` and ``end`` (character offsets, counted in Unicode code points,
``end`` excluded) say which occurrence is meant, so a reader can find it in the source again.

Quotes match the text whitespace aside (a line break in the source matches a space in the quote),
as the quote check always has; the offsets are those of the words in the text itself.

>>> text = "They said no. Then they said no again."
>>> anchor(text, "said no again", None)
Selector(prefix='They said no. Then they ', suffix='.', start=24, end=37)
>>> anchor(text, "said  no", Selector(start=5, end=12)).suffix
'. Then they said no again.'
"""

from __future__ import annotations

import re
from typing import Any

from stancegraph.graph.curation_schema import Curation, Selector

CONTEXT = 32
"""Characters of prefix and suffix a computed selector keeps (what annotation tools commonly keep)."""


class QuoteProblem(ValueError):
    """A quote that cannot be placed in the text; ``field`` is where the entry is at fault (``quote``, ``selector``...)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def collapse(text: str) -> str:
    """Text with every run of whitespace made one space, for comparing quotes with a source."""
    return " ".join(text.split())


def quote_spans(text: str, quote: str) -> list[tuple[int, int]]:
    """(start, end) of every occurrence of ``quote`` in ``text``, whitespace aside; overlapping ones too.

    >>> quote_spans("no, no, no", "no, no")
    [(0, 6), (4, 10)]
    """
    pattern = re.compile(r"\s+".join(map(re.escape, quote.split())))
    spans = []
    found = pattern.search(text)
    while found is not None and quote.strip():
        spans.append(found.span())
        found = pattern.search(text, found.start() + 1)
    return spans


def _places(spans: list[tuple[int, int]]) -> str:
    shown = ", ".join(f"{start}-{end}" for start, end in spans[:5])
    return shown + (", ..." if len(spans) > 5 else "")


def anchor(text: str, quote: str, given: Selector | None) -> Selector:
    """The whole selector of ``quote`` in ``text``: ``given`` checked against the text and completed,
    or computed when the quote occurs once. :class:`QuoteProblem` says why it cannot be placed."""
    spans = quote_spans(text, quote)
    if not spans:
        raise QuoteProblem("quote", f"not found in the source text: {quote!r}")
    if given is not None and given.start is not None and given.end is not None:
        if (given.start, given.end) not in spans:
            where = f"; the quote is at characters {_places(spans)}"
            raise QuoteProblem(
                "selector",
                f"characters {given.start}-{given.end} of the source text are "
                f"{text[given.start : given.end]!r}, not the quote{where}",
            )
        start, end = given.start, given.end
    else:
        fitting = [
            (start, end)
            for start, end in spans
            if given is None
            or (
                (given.prefix is None or text[:start].endswith(given.prefix))
                and (given.suffix is None or text[end:].startswith(given.suffix))
            )
        ]
        if not fitting:
            raise QuoteProblem(
                "selector", "no occurrence of the quote in the source text has this prefix and suffix"
            )
        if len(fitting) > 1:
            what = "the quote occurs" if given is None else "the prefix and suffix fit"
            raise QuoteProblem(
                "quote" if given is None else "selector",
                f"{what} {len(fitting)} times in the source text (at characters {_places(fitting)}); "
                "add a selector with the start and end of the one meant",
            )
        ((start, end),) = fitting
    prefix = given.prefix if given is not None and given.prefix is not None else None
    suffix = given.suffix if given is not None and given.suffix is not None else None
    if prefix is not None and not text[:start].endswith(prefix):
        raise QuoteProblem(
            "selector.prefix", f"{prefix!r} is not the text right before the quote at {start}-{end}"
        )
    if suffix is not None and not text[end:].startswith(suffix):
        raise QuoteProblem(
            "selector.suffix", f"{suffix!r} is not the text right after the quote at {start}-{end}"
        )
    return Selector(
        prefix=text[max(0, start - CONTEXT) : start] if prefix is None else prefix,
        suffix=text[end : end + CONTEXT] if suffix is None else suffix,
        start=start,
        end=end,
    )


def anchor_quotes(curation: Curation, text: str) -> tuple[Curation, list[str]]:
    """The curation with a selector on every quote, placed in ``text``, and the quotes that cannot be."""
    problems: list[str] = []
    sections: dict[str, tuple[Any, ...]] = {}
    for section in ("drafts", "clauses", "changes", "positions", "claims"):
        entries = []
        for index, entry in enumerate(getattr(curation, section)):
            if entry.quote is not None:
                try:
                    entry = entry.model_copy(update={"selector": anchor(text, entry.quote, entry.selector)})
                except QuoteProblem as problem:
                    problems.append(f"{section}[{index}].{problem.field}: {problem}")
            entries.append(entry)
        sections[section] = tuple(entries)
    return curation.model_copy(update=sections), problems
