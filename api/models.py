"""The JSON API's response models: what ``/openapi.json`` and ``/docs`` describe, field by field.

Every resource carries ``id`` (the local name of its IRI, usable in URLs),
``iri`` and ``label``. Certainties and kinds of change are the lower-case
local names of their vocabulary terms (``believed``, ``reworded``...); a stance
is the verb the graph, its exports and curation files use (``supports``,
``opposes``), and the older nouns (``support``, ``opposition``) are accepted
as aliases wherever a stance is asked for.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Generic, Self, TypeVar

from pydantic import BaseModel, Field

from stancegraph.graph.projection import STANCE_RELATIONS
from stancegraph.ontology import SG


class Vocabulary(StrEnum):
    """A closed set of vocabulary terms, named by their lower-cased local name."""

    @property
    def iri(self) -> str:
        return f"{SG}{self.value.capitalize()}"

    @classmethod
    def of(cls, iri: str) -> Self:
        return cls(iri.rsplit("#", 1)[-1].lower())


class Stance(StrEnum):
    """What an actor does to a draft or clause: one word for it everywhere, the graph's verb."""

    supports = "supports"
    opposes = "opposes"

    @property
    def iri(self) -> str:
        return next(iri for iri, verb in STANCE_RELATIONS.items() if verb == self.value)

    @classmethod
    def of(cls, iri: str) -> Self:
        return cls(STANCE_RELATIONS[iri])


class StanceParameter(StrEnum):
    """A stance as a filter takes it: the verb, or the noun earlier versions of the API answered with."""

    supports = "supports"
    opposes = "opposes"
    support = "support"
    opposition = "opposition"

    @property
    def stance(self) -> Stance:
        return (
            Stance.opposes
            if self in (StanceParameter.opposes, StanceParameter.opposition)
            else Stance.supports
        )


class Certainty(Vocabulary):
    stated = "stated"
    reported = "reported"
    believed = "believed"


class ChangeKind(Vocabulary):
    reworded = "reworded"
    kept = "kept"
    removed = "removed"
    added = "added"


T = TypeVar("T")


class Ref(BaseModel):
    """A resource named by another: enough to show it and to follow it."""

    id: str = Field(description="Local name of the IRI; use it in /api/... and /id/... URLs.")
    iri: str = Field(description="The resource's full IRI.")
    label: str = Field(description="Its human-readable label.")


class Evidence(BaseModel):
    """Where a statement comes from: a verbatim quote, its source and how sure the source is."""

    quote: str = Field(description="Verbatim quote from the source that supports the statement.")
    source: Ref = Field(description="The document the quote comes from.")
    certainty: Certainty = Field(
        description="stated (the source says so), reported (it reports someone saying so) or believed."
    )


class Position(Ref, Evidence):
    """One actor's stance on one draft or clause, with its evidence."""

    actor: Ref
    stance: Stance
    target: Ref = Field(description="The draft or clause the stance is about.")
    document: Ref = Field(description="The draft the target is, or belongs to.")
    date: str | None = Field(
        None, description="ISO 8601 date (or year-month) the stance was taken, if known."
    )
    note: str | None = Field(None, description="Editorial note on how the data reads the source.")


class Actor(Ref):
    """A state, union, organisation, government body or person."""

    kind: str = Field(description="Most specific class, e.g. State, Person.")
    kind_label: str = Field(description="That class's label, e.g. 'state'.")


class Claim(Ref, Evidence):
    """Something someone asserts: attributed to a claimant, never a bare fact."""

    claimant: Ref
    about: list[Ref] = Field(description="What the claim is about.")
    date: str | None = None
    reported_by: Ref | None = Field(None, description="Who relayed the claim, if not the source itself.")
    occasion: Ref | None = Field(None, description="The statement or event where it was made.")
    quantity: int | float | None = Field(None, description="A number the claim asserts, if any.")


EMBEDDED = 50  # items a detail embeds per list; the rest are a link away


class Embedded(BaseModel, Generic[T]):
    """The first items of a list a detail embeds: a busy actor has thousands, so follow `all` for the rest."""

    items: list[T] = Field(description=f"At most the first {EMBEDDED}, in the paginated list's order.")
    total: int = Field(description="How many there are in all (at least, when `total_exact` is false).")
    total_exact: bool = Field(
        True,
        description="False when there are more than the server counts (10,000): `total` is a lower bound.",
    )
    all: str = Field(description="The paginated list of all of them (an /api/... path).")


class ActorDetail(Actor):
    positions: Embedded[Position] = Field(description="The actor's stances.")
    claims: Embedded[Claim] = Field(description="Claims the actor makes.")
    claims_about: Embedded[Claim] = Field(description="Claims others (or the actor) make about the actor.")


class Clause(Ref, Evidence):
    """A point of a draft."""

    draft: Ref
    point_number: int | None = Field(None, description="Its number in the draft, if the source gives one.")
    wording: str | None = Field(None, description="Its verbatim wording, if the source quotes it.")


class ClauseVersion(Ref):
    """A clause as one side of a change."""

    draft: Ref
    wording: str | None = None


class ClauseChange(Ref, Evidence):
    """What a later draft did to a clause: reworded, kept or removed it, or added a new one."""

    kind: ChangeKind
    draft: Ref = Field(description="The draft that made the change.")
    previous: ClauseVersion | None = Field(None, description="The clause before (absent for 'added').")
    new: ClauseVersion | None = Field(None, description="The clause after (absent for 'removed').")


class ClauseDetail(Clause):
    supporters: Embedded[Position]
    opponents: Embedded[Position]
    lineage: list[ClauseChange] = Field(
        description="Every change along the clause's line across drafts, oldest draft first."
    )
    claims_about: Embedded[Claim]


class Document(Ref):
    """A draft, an article or a statement."""

    kind: str = Field(description="Most specific class: Draft, AnalysisArticle or Statement.")
    kind_label: str
    title: str | None = None
    point_count: int | None = Field(None, description="Number of points, for drafts that give one.")
    leaked_on: str | None = None
    date: str | None = None
    is_public: bool | None = None
    revision_of: list[Ref] = Field(description="The drafts this one revises.")
    certainty: Certainty | None = None
    quote: str | None = None
    source: Ref | None = None


class DocumentDetail(Document):
    creators: list[Ref]
    revised_by: list[Ref] = Field(description="Drafts that revise this one.")
    clauses: list[Clause]
    changes: list[ClauseChange] = Field(description="What this draft changed in the drafts it revises.")
    positions: list[Position] = Field(description="Stances on the document as a whole.")


class DocumentDiff(BaseModel):
    """What changed from one draft to another, from the recorded clause changes."""

    base: Ref = Field(description="The draft compared from.")
    revision: Ref = Field(description="The draft compared to.")
    inverted: bool = Field(
        description="True when `base` revises `revision`, so the recorded changes are read backwards."
    )
    added: list[ClauseChange]
    removed: list[ClauseChange]
    reworded: list[ClauseChange] = Field(
        description="Each with `previous.wording` (old) and `new.wording` (new)."
    )
    kept: list[ClauseChange]


class Page(BaseModel, Generic[T]):
    """One page of a list: follow `next` until it is null."""

    items: list[T]
    total: int = Field(
        description="How many items match, on all pages (at least, when `total_exact` is false)."
    )
    total_exact: bool = Field(
        True,
        description="False when more items match than the server counts (10,000): `total` is then a lower bound, "
        "and `next` is given while pages are full.",
    )
    limit: int
    offset: int
    next: str | None = Field(description="URL of the next page, or null on the last one.")
    previous: str | None = Field(description="URL of the previous page, or null on the first one.")


class Stats(BaseModel):
    actors: int
    documents: int
    drafts: int
    clauses: int
    clause_changes: int
    positions: int
    claims: int
    triples: int
