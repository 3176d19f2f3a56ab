"""The curation format as typed models: what a curation may say, checked before anything is looked up.

A curation (YAML, or JSON, which is YAML) describes one source document and the facts taken from
it (``docs/curation.md``). :func:`parse_curation` turns its text, or an already parsed mapping, into
a :class:`Curation` of frozen pydantic models, or raises :class:`CurationError` listing every
problem at once, each at its exact place (``positions[2].stance: must be one of supports,
opposes (got 'backs')``). Values come out normalised: one stance vocabulary (``supports`` and
``opposes``; ``support``, ``opposition`` and ``oppose`` are accepted for them), one or more names
as a tuple, dates as ISO text. References to other entries (``actor``, ``target``...) are plain text
here: only the store can tell what they name (``graph/curation_rdf.py``).

>>> curation = parse_curation("source: {label: A statement}\\npositions:\\n"
...     "  - {actor: us, stance: support, target: plan, quote: Yes., certainty: stated}")
>>> curation.positions[0].stance
'supports'
>>> try:
...     parse_curation("source: {label: A statement}\\nclaims: [{label: x, claimant: us, about: [],"
...                    " quote: Yes., certainty: sure, qoute: Yes.}]")
... except CurationError as error:
...     print("\\n".join(error.problems))
claims[0].about: must be text or a list of text (got [])
claims[0].certainty: must be one of stated, reported, believed (got 'sure')
claims[0]: unknown field 'qoute'; did you mean 'quote'?
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from stancegraph import ontology
from stancegraph.graph.errors import StancegraphError

SOURCE_KINDS = ("analysis-article", "statement", "document")
ACTOR_KINDS = (
    "state",
    "state-union",
    "international-organisation",
    "government-body",
    "think-tank",
    "news-organisation",
    "person",
)
CERTAINTIES = tuple(ontology.CERTAINTIES)
STANCES = tuple(ontology.STANCES)
STANCE_ALIASES = {"support": "supports", "opposition": "opposes", "oppose": "opposes"}
CHANGE_KINDS = ("reworded", "kept", "removed", "added")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_DATE = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])(-\d{2})?)?$")


class CurationError(StancegraphError):
    """A curation that cannot be added; ``problems`` names each entry and field at fault.

    ``where`` is what the curation came from, as a reader knows it: a file's name, "the request".
    """

    def __init__(self, where: str, problems: list[str]) -> None:
        super().__init__(f"{where}: {len(problems)} problem(s): " + "; ".join(problems))
        self.where = where
        self.problems = problems


# ---------------------------------------------------------------- values


def _refuse(message: str, value: Any) -> PydanticCustomError:
    return PydanticCustomError(
        "curation", "{message} (got {value})", {"message": message, "value": repr(value)}
    )


def _text(value: Any) -> str:
    if isinstance(value, str) and value.strip():
        return value
    raise _refuse("must be non-empty text", value)


def _texts(value: Any) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    if items and all(isinstance(item, str) and item.strip() for item in items):
        return tuple(items)
    raise _refuse("must be text or a list of text", value)


def _whole(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise _refuse("must be a whole number", value)


def _offset(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    raise _refuse("must be a character offset: a whole number, 0 or more", value)


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise _refuse("must be true or false", value)


def _date(value: Any) -> str:
    """A date as ISO text: YAML reads ``2025-11-20`` as a date and ``2025`` as a number."""
    if isinstance(value, dt.date):  # a datetime too
        return value.isoformat()
    text = str(value) if isinstance(value, str | int) and not isinstance(value, bool) else ""
    if _DATE.match(text):
        try:
            if len(text) == 10:
                dt.date.fromisoformat(text)
            return text
        except ValueError:
            pass
    raise _refuse("must be a date: YYYY-MM-DD, YYYY-MM or YYYY", value)


def _identifier(value: Any) -> str:
    if isinstance(value, str) and _ID.match(value):
        return value
    raise _refuse("must be an id: lower-case letters, digits and hyphens", value)


def _one_of(choices: tuple[str, ...], aliases: Mapping[str, str] | None = None) -> BeforeValidator:
    def check(value: Any) -> str:
        if isinstance(value, str):
            value = (aliases or {}).get(value, value)
            if value in choices:
                return value
        raise _refuse(f"must be one of {', '.join(choices)}", value)

    return BeforeValidator(check)


Text = Annotated[str, BeforeValidator(_text)]
Texts = Annotated[tuple[str, ...], BeforeValidator(_texts)]
Whole = Annotated[int, BeforeValidator(_whole)]
Offset = Annotated[int, BeforeValidator(_offset)]
Boolean = Annotated[bool, BeforeValidator(_boolean)]
Date = Annotated[str, BeforeValidator(_date)]
Identifier = Annotated[str, BeforeValidator(_identifier)]
Certainty = Annotated[Literal["stated", "reported", "believed"], _one_of(CERTAINTIES)]
Stance = Annotated[Literal["supports", "opposes"], _one_of(STANCES, STANCE_ALIASES)]


# ---------------------------------------------------------------- entries


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Selector(_Strict):
    """Where a quote sits in the source text, as the W3C Web Annotation model says it.

    ``prefix``/``suffix`` are a TextQuoteSelector's (the quote is its ``exact``); ``start``/``end``
    a TextPositionSelector's: character offsets (Unicode code points) into the source's plain
    text, ``end`` not included. Give any of them; with the source text, the rest is filled in.
    """

    prefix: str | None = None
    suffix: str | None = None
    start: Offset | None = None
    end: Offset | None = None

    @model_validator(mode="after")
    def _whole_span(self) -> Selector:
        if (self.start is None) != (self.end is None):
            raise PydanticCustomError("curation", "give both start and end, or neither")
        if self.start is not None and self.end is not None and self.start >= self.end:
            raise PydanticCustomError(
                "curation",
                "start ({start}) must be below end ({end})",
                {"start": self.start, "end": self.end},
            )
        if self.start is None and self.prefix is None and self.suffix is None:
            raise PydanticCustomError("curation", "an empty selector: give start and end, or prefix/suffix")
        return self


class Entry(_Strict):
    """What every entry has: an optional id (else one is made from its label)."""

    id: Identifier | None = None


class SourceEntry(Entry):
    label: Text
    kind: Annotated[Literal["analysis-article", "statement", "document"], _one_of(SOURCE_KINDS)] = (
        "analysis-article"
    )
    title: Text | None = None
    creators: Texts = ()
    date: Date | None = None
    text: Text | None = None


class ActorEntry(Entry):
    label: Text
    kind: (
        Annotated[
            Literal[
                "state",
                "state-union",
                "international-organisation",
                "government-body",
                "think-tank",
                "news-organisation",
                "person",
            ],
            _one_of(ACTOR_KINDS),
        ]
        | None
    ) = None
    alt_labels: Texts = ()
    new: Boolean = False


class DraftEntry(Entry):
    label: Text
    title: Text | None = None
    creators: Texts = ()
    revises: Text | None = None
    points: Whole | None = None
    leaked_on: Date | None = None
    public: Boolean | None = None
    quote: Text | None = None
    selector: Selector | None = None
    certainty: Certainty


class ClauseEntry(Entry):
    label: Text
    draft: Text
    point: Whole | None = None
    wording: Text | None = None
    quote: Text
    selector: Selector | None = None
    certainty: Certainty


class ChangeEntry(Entry):
    label: Text | None = None
    draft: Text
    kind: Annotated[Literal["reworded", "kept", "removed", "added"], _one_of(CHANGE_KINDS)]
    previous: Text | None = None
    new: Text | None = None
    quote: Text
    selector: Selector | None = None
    certainty: Certainty


class PositionEntry(Entry):
    label: Text | None = None
    actor: Text
    stance: Stance
    target: Text
    draft: Text | None = None
    quote: Text
    selector: Selector | None = None
    certainty: Certainty
    date: Date | None = None
    note: Text | None = None


class ClaimEntry(Entry):
    label: Text
    claimant: Text
    about: Texts
    quote: Text
    selector: Selector | None = None
    certainty: Certainty
    date: Date | None = None
    note: Text | None = None


Quoted = DraftEntry | ClauseEntry | ChangeEntry | PositionEntry | ClaimEntry
"""The entries that may rest on a quote (a draft's is optional): each may carry a selector."""


def _listed(value: Any) -> Any:
    return [] if value is None else value


class Curation(_Strict):
    """One curation: a source and what it says. Sections may be left out."""

    source: SourceEntry
    actors: Annotated[tuple[ActorEntry, ...], BeforeValidator(_listed)] = ()
    drafts: Annotated[tuple[DraftEntry, ...], BeforeValidator(_listed)] = ()
    clauses: Annotated[tuple[ClauseEntry, ...], BeforeValidator(_listed)] = ()
    changes: Annotated[tuple[ChangeEntry, ...], BeforeValidator(_listed)] = ()
    positions: Annotated[tuple[PositionEntry, ...], BeforeValidator(_listed)] = ()
    claims: Annotated[tuple[ClaimEntry, ...], BeforeValidator(_listed)] = ()


SECTIONS = tuple(Curation.model_fields)
_MODELS: dict[str, type[BaseModel]] = {
    "source": SourceEntry,
    "actors": ActorEntry,
    "drafts": DraftEntry,
    "clauses": ClauseEntry,
    "changes": ChangeEntry,
    "positions": PositionEntry,
    "claims": ClaimEntry,
}


# ---------------------------------------------------------------- reading and the problems


def parse_curation(curation: str | Mapping[str, Any], *, where: str = "the curation") -> Curation:
    """A curation from its YAML (or JSON) text, or from a parsed mapping; :class:`CurationError` if it
    does not parse or breaks the format. ``where`` names it in the error."""
    document: Any = curation
    if isinstance(curation, str):
        try:
            document = yaml.safe_load(curation)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            place = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
            problem = getattr(error, "problem", None) or str(error)
            raise CurationError(where, [f"not valid YAML: {place}{problem}"]) from None
        except ValueError as error:  # YAML reads 2025-11-31 as a date, which does not exist
            raise CurationError(where, [f"not valid YAML: {error} (a date that does not exist?)"]) from None
    try:
        return Curation.model_validate(document)
    except ValidationError as error:
        raise CurationError(where, [_problem(e) for e in error.errors()]) from None


def location(loc: tuple[str | int, ...]) -> str:
    """A pydantic location as a curator reads it.

    >>> location(("positions", 2, "selector", "start"))
    'positions[2].selector.start'
    """
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else part
    return text


def _problem(error: Any) -> str:
    loc: tuple[str | int, ...] = error["loc"]
    kind: str = error["type"]
    if not loc:
        return "the curation must be a mapping with the sections " + ", ".join(SECTIONS)
    if loc == ("source",) and kind in ("missing", "model_type"):
        return "source: missing, or not a mapping (every curation describes one source document)"
    if kind == "missing":
        return f"{location(loc[:-1])}: missing required field {loc[-1]!r}"
    if kind == "extra_forbidden":
        if len(loc) == 1:
            return f"unknown section {loc[0]!r} (known: {', '.join(SECTIONS)})"
        model = Selector if "selector" in loc else _MODELS[str(loc[0])]
        close = difflib.get_close_matches(str(loc[-1]), list(model.model_fields), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return f"{location(loc[:-1])}: unknown field {loc[-1]!r}{hint}"
    if kind in ("tuple_type", "list_type"):
        return f"{location(loc)}: must be a list of entries"
    if kind == "model_type":
        return f"{location(loc)}: must be a mapping of fields"
    return f"{location(loc)}: {error['msg']}"
