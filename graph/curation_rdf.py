"""A checked curation turned into RDF: ids, references resolved against the store, and the quads.

:func:`build` reads the store (never writes it) to resolve every reference (an id or label of this
curation, or the id of a node the store has), to match actors to the ones already there (and
refuse lookalikes until the curator says which), and to leave alone what is already recorded. Its
problems name their entry and field (``positions[0].actor: 'united-states' names nothing...``).

Ids come from labels (``United States`` is ``united-states``), so the same curation built twice
gives the same quads. A curation only adds: a node that already exists is pointed at, never edited
(an actor matched by ``id`` gains the curation's name as an alternative label, so the next one
finds it).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from stancegraph.graph import rows
from stancegraph.graph.curation_schema import (
    ActorEntry,
    ChangeEntry,
    Curation,
    Entry,
    PositionEntry,
    Quoted,
    Selector,
)
from stancegraph.graph.quote_selectors import collapse
from stancegraph.graph.store import Store
from stancegraph.graph.terms import local_id, resource
from stancegraph.ontology import CERTAINTIES, ID, PREFIXES, SG, STANCES, Namespace

RDF, RDFS, XSD, SKOS, DCT, PROV, OA = (
    Namespace(PREFIXES[p]) for p in ("rdf", "rdfs", "xsd", "skos", "dct", "prov", "oa")
)

ACTOR_KINDS = {
    "state": SG.State,
    "state-union": SG.StateUnion,
    "international-organisation": SG.InternationalOrganisation,
    "government-body": SG.GovernmentBody,
    "think-tank": SG.ThinkTank,
    "news-organisation": SG.NewsOrganisation,
    "person": SG.Person,
}
SOURCE_KINDS = {"analysis-article": SG.AnalysisArticle, "statement": SG.Statement, "document": SG.Document}
CHANGE_KINDS = {"reworded": SG.Reworded, "kept": SG.Kept, "removed": SG.Removed, "added": SG.Added}
SIMILARITY = 0.85


# ---------------------------------------------------------------- names and ids


def slug(label: str) -> str:
    """The id a label gives: ASCII, lower case, words joined by hyphens.

    >>> slug("Ukraine’s sovereignty: “reconfirmed”")
    'ukraines-sovereignty-reconfirmed'
    """
    ascii_text = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.replace("'", "").lower()).strip("-")


def _normalised(name: str) -> str:
    words = slug(name).split("-")
    return " ".join(words[1:] if words[:1] == ["the"] and len(words) > 1 else words)


def similar_names(name: str, other: str) -> bool:
    """Whether two actor names probably mean the same actor.

    Same words ignoring case, accents and punctuation; a difflib ratio of at least
    0.85 (typos); or all the words of one inside the other ("Putin", "Vladimir Putin").

    >>> similar_names("United State", "United States"), similar_names("Putin", "Vladimir Putin")
    (True, True)
    >>> similar_names("Russia", "Ukraine")
    False
    """
    a, b = _normalised(name), _normalised(other)
    if not a or not b:
        return False
    words_a, words_b = set(a.split()), set(b.split())
    if a == b or words_a <= words_b or words_b <= words_a:
        return True
    # each actor of a curation is compared with every actor's names (thousands in a large store):
    # the cheap upper bounds of the ratio rule out almost all of them before the full ratio
    matcher = difflib.SequenceMatcher(None, a, b)
    return (
        matcher.real_quick_ratio() >= SIMILARITY
        and matcher.quick_ratio() >= SIMILARITY
        and matcher.ratio() >= SIMILARITY
    )


def date_literal(text: str) -> ox.Literal:
    """An ISO date as the most precise XSD type it has: ``2025`` a gYear, ``2025-02`` a gYearMonth."""
    if "T" in text:
        return ox.Literal(text, datatype=XSD.dateTime)
    return ox.Literal(text, datatype=XSD.term({4: "gYear", 7: "gYearMonth"}.get(len(text), "date")))


# ---------------------------------------------------------------- building


@dataclass
class Built:
    """What a curation says as quads (no graph yet), and what it found in the store."""

    source: ox.NamedNode
    quads: list[ox.Quad] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    created: dict[str, list[str]] = field(default_factory=dict)
    matched: dict[str, str] = field(default_factory=dict)
    present: list[str] = field(default_factory=list)


@dataclass
class _Builder:
    """One curation's worth of state while its references are resolved and its quads made."""

    store: Store
    source_import: ox.NamedNode
    built: Built
    ids: dict[str, tuple[ox.NamedNode, set[str]]] = field(default_factory=dict)

    def add(self, subject: ox.NamedNode, predicate: ox.NamedNode, value: ox.NamedNode | ox.Literal) -> None:
        self.built.quads.append(ox.Quad(subject, predicate, value))

    def text(self, subject: ox.NamedNode, predicate: ox.NamedNode, value: str | None) -> None:
        if value is not None:
            self.add(subject, predicate, ox.Literal(value.strip(), language="en"))

    def problem(self, message: str) -> None:
        self.built.problems.append(message)

    def existing(self, iri: ox.NamedNode) -> tuple[str, set[str]] | None:
        """The label and groups of a node already in the store, or ``None``."""
        found = self.store.rows("node-groups", node=iri)
        if not found:
            return None
        return rows.text(found[0], "label"), {
            local_id(rows.iri(r, "group")).rsplit("#", 1)[-1].lower() for r in found if "group" in r
        }

    def define(
        self, section: str, where: str, entry: Entry, default_id: str, groups: set[str]
    ) -> ox.NamedNode | None:
        """Give an entry its IRI; ``None`` if it already exists (then the curation only points at it)."""
        identifier = entry.id or default_id
        iri = ID.term(identifier)
        if identifier in self.ids:
            self.problem(
                f"{where}: id {identifier!r} is used by another entry; give one of them an explicit id"
            )
            return None
        self.ids[identifier] = (iri, groups)
        label = getattr(entry, "label", None)
        if isinstance(label, str):
            self.ids.setdefault(label, (iri, groups))
        if self.existing(iri) is not None:
            self.built.present.append(identifier)
            return None
        self.built.created.setdefault(section, []).append(identifier)
        self.add(iri, PROV.wasDerivedFrom, self.source_import)
        return iri

    def ref(self, where: str, value: str, groups: set[str] | None) -> ox.NamedNode:
        """The IRI a reference names: an id (or label) of this curation, or the id of an existing node."""
        if value in self.ids:
            iri, found = self.ids[value]
        else:
            try:
                iri = resource(value)
                known = self.existing(iri)
            except ValueError:  # not even a possible id ("United Kingdom" with its space)
                iri, known = ID.term(slug(value)), None
            if known is None:
                candidates = [
                    *self.ids,
                    *(local_id(rows.iri(r, "actor")) for r in self.store.rows("actor-names")),
                ]
                close = difflib.get_close_matches(value, candidates, n=3)
                hint = f"; did you mean {', '.join(close)}?" if close else ""
                self.problem(f"{where}: {value!r} names nothing in this curation or the store{hint}")
                return iri
            found = known[1]
        if groups is not None and not groups & found:
            self.problem(f"{where}: {value!r} is not a {' or '.join(sorted(groups))}")
        return iri

    def refs(self, where: str, values: Iterable[str], groups: set[str] | None) -> list[ox.NamedNode]:
        return [self.ref(where, value, groups) for value in values]

    def label_of(self, iri: ox.NamedNode) -> str:
        for quad in self.built.quads:
            if quad.subject == iri and quad.predicate == RDFS.label and isinstance(quad.object, ox.Literal):
                return quad.object.value
        known = self.existing(iri)
        return known[0] if known else local_id(iri.value)

    def evidence(self, iri: ox.NamedNode, entry: Quoted) -> None:
        """The quote (with its selector), its source, certainty, date and note."""
        source = self.built.source
        if entry.quote is not None:
            self.text(iri, SG.quote, entry.quote)
            self.add(iri, DCT.source, source)
            if entry.selector is not None:
                self.selector(iri, entry.selector)
        self.add(iri, SG.certainty, CERTAINTIES[entry.certainty])
        date = getattr(entry, "date", None)
        if date is not None:
            self.add(iri, DCT.date, date_literal(date))
        self.text(iri, SG.editorialNote, getattr(entry, "note", None))

    def selector(self, iri: ox.NamedNode, selector: Selector) -> None:
        """A Web Annotation TextQuoteSelector and TextPositionSelector, on the node that holds the quote
        (``sg:quote`` is its ``oa:exact``): ``oa:prefix``, ``oa:suffix``, ``oa:start``, ``oa:end``."""
        for predicate, text in ((OA.prefix, selector.prefix), (OA.suffix, selector.suffix)):
            if text:
                self.add(iri, predicate, ox.Literal(text))
        for predicate, offset in ((OA.start, selector.start), (OA.end, selector.end)):
            if offset is not None:
                self.add(iri, predicate, ox.Literal(str(offset), datatype=XSD.integer))


def build(store: Store, curation: Curation, source_import: ox.NamedNode) -> Built:
    """The quads ``curation`` adds to ``store``, and every problem of its references and actors."""
    source_id = curation.source.id or slug(curation.source.label)
    b = _Builder(store, source_import, Built(source=ID.term(source_id)))
    _actors(b, curation.actors)
    entry = curation.source
    source = b.define("source", "source", entry, source_id, {"document"})
    if source is not None:
        b.add(source, RDF.type, SOURCE_KINDS[entry.kind])
        b.text(source, RDFS.label, entry.label)
        b.text(source, DCT.term("title"), entry.title)
        for creator in b.refs("source.creators", entry.creators, {"actor"}):
            b.add(source, DCT.creator, creator)
        if entry.date is not None:
            b.add(source, DCT.date, date_literal(entry.date))
    for index, draft_entry in enumerate(curation.drafts):
        where = f"drafts[{index}]"
        draft = b.define("drafts", where, draft_entry, slug(draft_entry.label), {"draft", "document"})
        if draft is None:
            continue
        b.add(draft, RDF.type, SG.Draft)
        b.text(draft, RDFS.label, draft_entry.label)
        b.text(draft, DCT.term("title"), draft_entry.title)
        for creator in b.refs(f"{where}.creators", draft_entry.creators, {"actor"}):
            b.add(draft, DCT.creator, creator)
        if draft_entry.revises is not None:
            b.add(draft, PROV.wasRevisionOf, b.ref(f"{where}.revises", draft_entry.revises, {"draft"}))
        if draft_entry.points is not None:
            b.add(draft, SG.pointCount, ox.Literal(str(draft_entry.points), datatype=XSD.integer))
        if draft_entry.leaked_on is not None:
            b.add(draft, SG.leakedOn, date_literal(draft_entry.leaked_on))
        if draft_entry.public is not None:
            b.add(draft, SG.isPublic, ox.Literal(str(draft_entry.public).lower(), datatype=XSD.boolean))
        b.evidence(draft, draft_entry)
    for index, clause_entry in enumerate(curation.clauses):
        where = f"clauses[{index}]"
        clause = b.define("clauses", where, clause_entry, slug(clause_entry.label), {"clause"})
        if clause is None:
            continue
        b.add(clause, RDF.type, SG.Clause)
        b.text(clause, RDFS.label, clause_entry.label)
        b.add(clause, DCT.isPartOf, b.ref(f"{where}.draft", clause_entry.draft, {"draft"}))
        if clause_entry.point is not None:
            b.add(clause, SG.pointNumber, ox.Literal(str(clause_entry.point), datatype=XSD.integer))
        b.text(clause, SG.wording, clause_entry.wording)
        b.evidence(clause, clause_entry)
    for index, change_entry in enumerate(curation.changes):
        _change(b, f"changes[{index}]", change_entry)
    for index, position_entry in enumerate(curation.positions):
        _position(b, f"positions[{index}]", position_entry)
    for index, claim_entry in enumerate(curation.claims):
        where = f"claims[{index}]"
        claimant = b.ref(f"{where}.claimant", claim_entry.claimant, {"actor"})
        same = [
            rows.node(row, "claim")
            for row in store.rows("claims", claimant=claimant)
            if row["source"] == b.built.source
            and collapse(rows.text(row, "quote")) == collapse(claim_entry.quote)
        ]
        if same and claim_entry.id is None:  # the same words of the same claimant from the same source
            b.built.present.append(local_id(same[0].value))
            continue
        claim = b.define("claims", where, claim_entry, f"claim-{slug(claim_entry.label)}", set())
        if claim is None:
            continue
        b.add(claim, RDF.type, SG.Claim)
        b.text(claim, RDFS.label, claim_entry.label)
        b.add(claim, SG.claimant, claimant)
        for about in b.refs(f"{where}.about", claim_entry.about, None):
            b.add(claim, SG.about, about)
        b.evidence(claim, claim_entry)
    return b.built


def _actors(b: _Builder, actors: Iterable[ActorEntry]) -> None:
    names = [
        (local_id(rows.iri(r, "actor")), rows.text(r, k))
        for r in b.store.rows("actor-names")
        for k in ("label", "altLabel")
        if k in r
    ]
    for index, entry in enumerate(actors):
        where = f"actors[{index}]"
        label = entry.label.strip()
        iri = ID.term(entry.id or slug(label))
        identifier = local_id(iri.value)
        known = b.existing(iri)
        if known is not None and (known[0] == label or (entry.id is not None and not entry.new)):
            if "actor" not in known[1]:
                b.problem(f"{where}.id: {identifier!r} exists but is not an actor")
            b.ids[identifier] = b.ids[label] = (iri, {"actor"})
            b.built.matched[label] = identifier
            taken = {text for actor, text in names if actor == identifier}
            for alias in [label, *entry.alt_labels]:
                if alias not in taken:
                    b.text(iri, SKOS.altLabel, alias)
            continue
        if known is not None:
            b.problem(
                f"{where}: id {identifier!r} already belongs to {known[0]!r}; "
                f"set `id: {identifier}` if {label!r} is that actor, or give it another id"
            )
            continue
        if not entry.new:
            lookalikes = sorted(
                {f"{text!r} (id {actor})" for actor, text in names if similar_names(label, text)}
            )
            if lookalikes:
                b.problem(
                    f"{where}: {label!r} looks like actor {', '.join(lookalikes)}; "
                    "set `id:` to that actor's id if it is the same, or `new: true` if it is another"
                )
                continue
        if entry.kind is None:
            b.problem(f"{where}: missing required field 'kind' for a new actor")
            continue
        names.append((identifier, label))
        if (defined := b.define("actors", where, entry, slug(label), {"actor"})) is not None:
            b.add(defined, RDF.type, ACTOR_KINDS[entry.kind])
            b.text(defined, RDFS.label, label)
            for alias in entry.alt_labels:
                b.text(defined, SKOS.altLabel, alias)


def _change(b: _Builder, where: str, entry: ChangeEntry) -> None:
    draft = b.ref(f"{where}.draft", entry.draft, {"draft"})
    clauses = {
        key: b.ref(f"{where}.{key}", value, {"clause"})
        for key, value in (("previous", entry.previous), ("new", entry.new))
        if value is not None
    }
    about = clauses.get("previous") or clauses.get("new")
    default_id = f"change-{local_id(draft.value)}-{entry.kind}-{local_id(about.value) if about else 'clause'}"
    same = [
        rows.node(row, "change")
        for row in b.store.rows("clause-changes", draft=draft, kind=CHANGE_KINDS[entry.kind])
        if row.get("previous") == clauses.get("previous") and row.get("new") == clauses.get("new")
    ]
    if same and entry.id is None:  # the same change is already recorded
        b.built.present.append(local_id(same[0].value))
        return
    change = b.define("changes", where, entry, default_id, set())
    if change is None:
        return
    b.add(change, RDF.type, SG.ClauseChange)
    clause_label = b.label_of(about) if about else "a clause"
    b.text(change, RDFS.label, entry.label or f"{b.label_of(draft)} {entry.kind}: {clause_label}")
    b.add(change, SG.inDraft, draft)
    b.add(change, SG.changeKind, CHANGE_KINDS[entry.kind])
    for key, predicate in (("previous", SG.previousClause), ("new", SG.newClause)):
        if key in clauses:
            b.add(change, predicate, clauses[key])
    b.evidence(change, entry)


def _position(b: _Builder, where: str, entry: PositionEntry) -> None:
    actor = b.ref(f"{where}.actor", entry.actor, {"actor"})
    target = b.ref(f"{where}.target", entry.target, {"draft", "clause"})
    as_of = None if entry.draft is None else b.ref(f"{where}.draft", entry.draft, {"draft"})
    source = b.built.source
    parts = (local_id(source.value), local_id(actor.value), entry.stance, local_id(target.value))
    same = [
        rows.node(row, "position")
        for row in b.store.rows("positions", actor=actor, target=target, stance=STANCES[entry.stance])
        if row["source"] == source
    ]
    if same and entry.id is None:  # the same stance from the same source is already recorded
        b.built.present.append(local_id(same[0].value))
        return
    position = b.define("positions", where, entry, "position-" + "-".join(parts), set())
    if position is None:
        return
    b.add(position, RDF.type, SG.Position)
    b.text(position, RDFS.label, entry.label or f"{b.label_of(actor)} {entry.stance} {b.label_of(target)}")
    b.add(position, SG.actor, actor)
    b.add(position, SG.stance, STANCES[entry.stance])
    b.add(position, SG.target, target)
    if as_of is not None:
        b.add(position, SG.asOfDraft, as_of)
    b.evidence(position, entry)
