"""Adding a new source by hand: a YAML file of actors, drafts, clauses, positions and claims.

Analysts write the next article's facts in YAML (see docs/curation.md);
:func:`add_file` turns them into RDF and writes them only after every check passes:
the file's structure, its references, names that look like an actor we already
have, every quote against the source text, and the SHACL shapes together with
what the store holds. Then everything is written in one transaction, or nothing,
into the named graph of the file's source (``graph/sources.py``).

Ids come from labels (``United States`` is ``united-states``), so adding the same
file twice adds nothing the second time. A file only adds: a node that already
exists is pointed at, never edited (an actor matched by ``id`` gains the file's
name as an alternative label, so the next file finds it).
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import yaml

from stancegraph.graph.errors import StancegraphError
from stancegraph.graph.loading import derive_edges
from stancegraph.graph.sources import in_graph, source_graph, vocabulary_in_graph
from stancegraph.graph.store import LocalStore
from stancegraph.graph.terms import local_id, python_value, resource
from stancegraph.graph.validation import require_valid
from stancegraph.ontology import ID, PREFIXES, SG, Namespace

RDF, RDFS, XSD, SKOS, DCT, PROV = (
    Namespace(PREFIXES[p]) for p in ("rdf", "rdfs", "xsd", "skos", "dct", "prov")
)

SECTIONS = ("source", "actors", "drafts", "clauses", "changes", "positions", "claims")
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
CERTAINTIES = {"stated": SG.Stated, "reported": SG.Reported, "believed": SG.Believed}
STANCES = {"supports": SG.Support, "opposes": SG.Opposition}
CHANGE_KINDS = {"reworded": SG.Reworded, "kept": SG.Kept, "removed": SG.Removed, "added": SG.Added}
SIMILARITY = 0.85
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


class CurationError(StancegraphError):
    """A curation file that cannot be added; ``problems`` names each field and entry at fault."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        super().__init__(f"{path}: {len(problems)} problem(s): " + "; ".join(problems))
        self.path = path
        self.problems = problems


# ---------------------------------------------------------------- the schema


def _text(value: Any) -> str | None:
    return None if isinstance(value, str) and value.strip() else "must be non-empty text"


def _texts(value: Any) -> str | None:
    items = value if isinstance(value, list) else [value]
    return None if items and all(_text(item) is None for item in items) else "must be text or a list of text"


def _integer(value: Any) -> str | None:
    return None if isinstance(value, int) and not isinstance(value, bool) else "must be a whole number"


def _boolean(value: Any) -> str | None:
    return None if isinstance(value, bool) else "must be true or false"


def _date(value: Any) -> str | None:
    ok = isinstance(value, dt.date) or (isinstance(value, str | int) and _DATE.match(str(value)))
    return None if ok else "must be a date: YYYY-MM-DD, YYYY-MM or YYYY"


def _identifier(value: Any) -> str | None:
    ok = isinstance(value, str) and _ID.match(value)
    return None if ok else "must be an id: lower-case letters, digits and hyphens"


def _one_of(choices: dict[str, ox.NamedNode]) -> Callable[[Any], str | None]:
    return lambda value: None if value in choices else f"must be one of {', '.join(choices)}"


Check = Callable[[Any], str | None]
# field -> (check, required). References (actor, target, ...) are text here and resolved later.
SCHEMA: dict[str, dict[str, tuple[Check, bool]]] = {
    "source": {
        "id": (_identifier, False),
        "label": (_text, True),
        "kind": (_one_of(SOURCE_KINDS), False),
        "title": (_text, False),
        "creators": (_texts, False),
        "date": (_date, False),
        "text": (_text, False),
    },
    "actors": {
        "id": (_identifier, False),
        "label": (_text, True),
        "kind": (_one_of(ACTOR_KINDS), False),
        "alt_labels": (_texts, False),
        "new": (_boolean, False),
    },
    "drafts": {
        "id": (_identifier, False),
        "label": (_text, True),
        "title": (_text, False),
        "creators": (_texts, False),
        "revises": (_text, False),
        "points": (_integer, False),
        "leaked_on": (_date, False),
        "public": (_boolean, False),
        "quote": (_text, False),
        "certainty": (_one_of(CERTAINTIES), True),
    },
    "clauses": {
        "id": (_identifier, False),
        "label": (_text, True),
        "draft": (_text, True),
        "point": (_integer, False),
        "wording": (_text, False),
        "quote": (_text, True),
        "certainty": (_one_of(CERTAINTIES), True),
    },
    "changes": {
        "id": (_identifier, False),
        "label": (_text, False),
        "draft": (_text, True),
        "kind": (_one_of(CHANGE_KINDS), True),
        "previous": (_text, False),
        "new": (_text, False),
        "quote": (_text, True),
        "certainty": (_one_of(CERTAINTIES), True),
    },
    "positions": {
        "id": (_identifier, False),
        "label": (_text, False),
        "actor": (_text, True),
        "stance": (_one_of(STANCES), True),
        "target": (_text, True),
        "quote": (_text, True),
        "certainty": (_one_of(CERTAINTIES), True),
        "date": (_date, False),
        "note": (_text, False),
    },
    "claims": {
        "id": (_identifier, False),
        "label": (_text, True),
        "claimant": (_text, True),
        "about": (_texts, True),
        "quote": (_text, True),
        "certainty": (_one_of(CERTAINTIES), True),
        "date": (_date, False),
        "note": (_text, False),
    },
}


def _entries(document: dict[str, Any]) -> Iterator[tuple[str, int, str, dict[str, Any]]]:
    """(section, index, name for messages, entry) for every entry; the source is entry 0 of its own."""
    for section in SECTIONS:
        found = document.get(section)
        items = [found] if section == "source" else (found or [])
        for index, entry in enumerate(items):
            name = section if section == "source" else f"{section}[{index}]"
            if isinstance(entry, dict) and isinstance(entry.get("label"), str):
                name += f" ({entry['label']!r})"
            yield section, index, name, entry


def check_schema(document: Any) -> list[str]:
    """Every structural problem of a parsed file, each naming its entry and field."""
    if not isinstance(document, dict):
        return ["the file must be a mapping with the sections " + ", ".join(SECTIONS)]
    problems = [
        f"unknown section {key!r} (known: {', '.join(SECTIONS)})" for key in document if key not in SECTIONS
    ]
    if not isinstance(document.get("source"), dict):
        problems.append("source: missing, or not a mapping (every file describes one source document)")
    for section in SECTIONS[1:]:
        if section in document and not isinstance(document[section], list):
            problems.append(f"{section}: must be a list of entries")
    if problems:
        return problems
    for section, _, name, entry in _entries(document):
        if not isinstance(entry, dict):
            problems.append(f"{name}: must be a mapping of fields")
            continue
        fields = SCHEMA[section]
        problems += [f"{name}: unknown field {key!r}" for key in entry if key not in fields]
        for key, (check, required) in fields.items():
            if key not in entry or entry[key] is None:
                if required:
                    problems.append(f"{name}: missing required field {key!r}")
            elif (problem := check(entry[key])) is not None:
                problems.append(f"{name}, field {key!r}: {problem} (got {entry[key]!r})")
    return problems


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
    return (
        a == b
        or difflib.SequenceMatcher(None, a, b).ratio() >= SIMILARITY
        or words_a <= words_b
        or words_b <= words_a
    )


def _plain(term: object) -> str:
    return str(python_value(term))


def collapse(text: str) -> str:
    """Text with every run of whitespace made one space, for comparing quotes with a source."""
    return " ".join(text.split())


# ---------------------------------------------------------------- the report


@dataclass(frozen=True)
class CurationReport:
    """What a curation file adds (or would add, on a dry run) and what it found already there."""

    path: Path
    source_import: str
    dry_run: bool
    created: dict[str, tuple[str, ...]]
    matched: dict[str, str]
    present: tuple[str, ...]
    quads: tuple[ox.Quad, ...]
    quads_before: int
    quads_after: int

    @property
    def added(self) -> int:
        return len(self.quads)

    def lines(self) -> list[str]:
        """The report as a curator reads it, one line per fact group."""
        verb = "would add" if self.dry_run else "added"
        lines = [f"{self.path}: {verb} {self.added} triple(s)"]
        lines += [f"  new {section}: {', '.join(ids)}" for section, ids in self.created.items() if ids]
        lines += [f"  matched actor {label!r} to existing id {iri}" for label, iri in self.matched.items()]
        if self.present:
            lines.append(f"  already present, left as they are: {', '.join(self.present)}")
        return lines


# ---------------------------------------------------------------- building the RDF


@dataclass
class _Curation:
    """One file's worth of state while it is checked and turned into quads."""

    path: Path
    document: dict[str, Any]
    store: LocalStore
    source_import: ox.NamedNode
    source: ox.NamedNode | None = None  # the file's source document, once known
    problems: list[str] = field(default_factory=list)
    quads: list[ox.Quad] = field(default_factory=list)
    ids: dict[str, tuple[ox.NamedNode, set[str]]] = field(default_factory=dict)
    created: dict[str, list[str]] = field(default_factory=dict)
    matched: dict[str, str] = field(default_factory=dict)
    present: list[str] = field(default_factory=list)

    def add(self, subject: ox.NamedNode, predicate: ox.NamedNode, value: ox.NamedNode | ox.Literal) -> None:
        self.quads.append(ox.Quad(subject, predicate, value))

    def text(self, subject: ox.NamedNode, predicate: ox.NamedNode, value: str | None) -> None:
        if value is not None:
            self.add(subject, predicate, ox.Literal(value.strip(), language="en"))

    def existing(self, iri: ox.NamedNode) -> tuple[str, set[str]] | None:
        """The label and groups of a node already in the store, or ``None``."""
        rows = self.store.rows("node-groups", node=iri)
        if not rows:
            return None
        return _plain(rows[0]["label"]), {
            local_id(_plain(r["group"])).rsplit("#", 1)[-1].lower() for r in rows if "group" in r
        }

    def define(
        self, section: str, name: str, entry: dict[str, Any], default_id: str, groups: set[str]
    ) -> ox.NamedNode | None:
        """Give an entry its IRI; ``None`` if it already exists (then the file only points at it)."""
        identifier = entry.get("id") or default_id
        iri = ID.term(identifier)
        if identifier in self.ids:
            self.problems.append(
                f"{name}: id {identifier!r} is used by another entry; give one of them an explicit id"
            )
            return None
        self.ids[identifier] = (iri, groups)
        if isinstance(entry.get("label"), str):
            self.ids.setdefault(entry["label"], (iri, groups))
        if self.existing(iri) is not None:
            self.present.append(identifier)
            return None
        self.created.setdefault(section, []).append(identifier)
        self.add(iri, PROV.wasDerivedFrom, self.source_import)
        return iri

    def ref(self, name: str, key: str, value: str, groups: set[str] | None) -> ox.NamedNode:
        """The IRI a reference names: an id (or label) of this file, or the id of an existing node."""
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
                    *(local_id(_plain(r["actor"])) for r in self.store.rows("actor-names")),
                ]
                close = difflib.get_close_matches(value, candidates, n=3)
                hint = f"; did you mean {', '.join(close)}?" if close else ""
                self.problems.append(
                    f"{name}, field {key!r}: {value!r} names nothing in this file or the store{hint}"
                )
                return iri
            found = known[1]
        if groups is not None and not groups & found:
            wanted = " or ".join(sorted(groups))
            self.problems.append(f"{name}, field {key!r}: {value!r} is not a {wanted}")
        return iri

    def refs(
        self, name: str, key: str, value: str | list[str], groups: set[str] | None
    ) -> list[ox.NamedNode]:
        return [self.ref(name, key, item, groups) for item in _as_list(value)]


def _date_literal(value: dt.date | str | int) -> ox.Literal:
    """A date as the most precise XSD type it has: ``2025`` a gYear, ``2025-02`` a gYearMonth."""
    if isinstance(value, dt.datetime):
        return ox.Literal(value.isoformat(), datatype=XSD.dateTime)
    if isinstance(value, dt.date):
        return ox.Literal(value.isoformat(), datatype=XSD.date)
    text = str(value)
    return ox.Literal(text, datatype=XSD.term({4: "gYear", 7: "gYearMonth"}.get(len(text), "date")))


def _evidence(cur: _Curation, iri: ox.NamedNode, entry: dict[str, Any], source: ox.NamedNode) -> None:
    if "quote" in entry:
        cur.text(iri, SG.quote, entry["quote"])
        cur.add(iri, DCT.source, source)
    if "certainty" in entry:
        cur.add(iri, SG.certainty, CERTAINTIES[entry["certainty"]])
    if "date" in entry:
        cur.add(iri, DCT.date, _date_literal(entry["date"]))
    cur.text(iri, SG.editorialNote, entry.get("note"))


def _actors(cur: _Curation) -> None:
    names = [
        (local_id(_plain(r["actor"])), _plain(r[k]))
        for r in cur.store.rows("actor-names")
        for k in ("label", "altLabel")
        if k in r
    ]
    for _, _, name, entry in (e for e in _entries(cur.document) if e[0] == "actors"):
        label = entry["label"].strip()
        iri = ID.term(entry.get("id") or slug(label))
        known = cur.existing(iri)
        if known is not None and (known[0] == label or ("id" in entry and not entry.get("new"))):
            if "actor" not in known[1]:
                cur.problems.append(f"{name}, field 'id': {local_id(iri.value)!r} exists but is not an actor")
            cur.ids[local_id(iri.value)] = cur.ids[label] = (iri, {"actor"})
            cur.matched[label] = local_id(iri.value)
            taken = {text for actor, text in names if actor == local_id(iri.value)}
            for alias in [label, *_as_list(entry.get("alt_labels"))]:
                if alias not in taken:
                    cur.text(iri, SKOS.altLabel, alias)
            continue
        if known is not None:
            cur.problems.append(
                f"{name}: id {local_id(iri.value)!r} already belongs to {known[0]!r}; "
                f"set `id: {local_id(iri.value)}` if this is that actor, or give it another id"
            )
            continue
        if not entry.get("new"):
            lookalikes = sorted(
                {f"{text!r} (id {actor})" for actor, text in names if similar_names(label, text)}
            )
            if lookalikes:
                cur.problems.append(
                    f"{name}: looks like actor {', '.join(lookalikes)}; "
                    "set `id:` to that actor's id if it is the same, or `new: true` if it is another"
                )
                continue
        if "kind" not in entry:
            cur.problems.append(f"{name}: missing required field 'kind' for a new actor")
            continue
        names.append((local_id(iri.value), label))
        if (defined := cur.define("actors", name, entry, slug(label), {"actor"})) is not None:
            cur.add(defined, RDF.type, ACTOR_KINDS[entry["kind"]])
            cur.text(defined, RDFS.label, label)
            for alias in _as_list(entry.get("alt_labels")):
                cur.text(defined, SKOS.altLabel, alias)


def _as_list(value: str | list[str] | None) -> list[str]:
    return [] if value is None else value if isinstance(value, list) else [value]


def _build(cur: _Curation) -> None:
    entries = list(_entries(cur.document))
    _, _, source_name, source_entry = entries[0]
    _actors(cur)
    source_id = source_entry.get("id") or slug(source_entry["label"])
    source = cur.define("source", source_name, source_entry, source_id, {"document"})
    source_iri = cur.source = ID.term(source_id)
    if source is not None:
        cur.add(source, RDF.type, SOURCE_KINDS[source_entry.get("kind", "analysis-article")])
        cur.text(source, RDFS.label, source_entry["label"])
        cur.text(source, DCT.term("title"), source_entry.get("title"))
        for creator in cur.refs(source_name, "creators", source_entry.get("creators", []), {"actor"}):
            cur.add(source, DCT.creator, creator)
        if "date" in source_entry:
            cur.add(source, DCT.date, _date_literal(source_entry["date"]))
    by_section: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for section, _, name, entry in entries:
        by_section.setdefault(section, []).append((name, entry))
    for name, entry in by_section.get("drafts", []):
        draft = cur.define("drafts", name, entry, slug(entry["label"]), {"draft", "document"})
        if draft is None:
            continue
        cur.add(draft, RDF.type, SG.Draft)
        cur.text(draft, RDFS.label, entry["label"])
        cur.text(draft, DCT.term("title"), entry.get("title"))
        for creator in cur.refs(name, "creators", entry.get("creators", []), {"actor"}):
            cur.add(draft, DCT.creator, creator)
        if "revises" in entry:
            cur.add(draft, PROV.wasRevisionOf, cur.ref(name, "revises", entry["revises"], {"draft"}))
        if "points" in entry:
            cur.add(draft, SG.pointCount, ox.Literal(str(entry["points"]), datatype=XSD.integer))
        if "leaked_on" in entry:
            cur.add(draft, SG.leakedOn, _date_literal(entry["leaked_on"]))
        if "public" in entry:
            cur.add(draft, SG.isPublic, ox.Literal(str(entry["public"]).lower(), datatype=XSD.boolean))
        _evidence(cur, draft, entry, source_iri)
    for name, entry in by_section.get("clauses", []):
        clause = cur.define("clauses", name, entry, slug(entry["label"]), {"clause"})
        if clause is None:
            continue
        cur.add(clause, RDF.type, SG.Clause)
        cur.text(clause, RDFS.label, entry["label"])
        cur.add(clause, DCT.isPartOf, cur.ref(name, "draft", entry["draft"], {"draft"}))
        if "point" in entry:
            cur.add(clause, SG.pointNumber, ox.Literal(str(entry["point"]), datatype=XSD.integer))
        cur.text(clause, SG.wording, entry.get("wording"))
        _evidence(cur, clause, entry, source_iri)
    for name, entry in by_section.get("changes", []):
        _change(cur, name, entry, source_iri)
    for name, entry in by_section.get("positions", []):
        _position(cur, name, entry, source_iri)
    for name, entry in by_section.get("claims", []):
        claimant = cur.ref(name, "claimant", entry["claimant"], {"actor"})
        same = [
            row["claim"]
            for row in cur.store.rows("claims", claimant=claimant)
            if row["source"] == source_iri and collapse(_plain(row["quote"])) == collapse(str(entry["quote"]))
        ]
        if same and "id" not in entry:  # the same words of the same claimant from the same source
            cur.present.append(local_id(_plain(same[0])))
            continue
        claim = cur.define("claims", name, entry, f"claim-{slug(entry['label'])}", set())
        if claim is None:
            continue
        cur.add(claim, RDF.type, SG.Claim)
        cur.text(claim, RDFS.label, entry["label"])
        cur.add(claim, SG.claimant, claimant)
        for about in cur.refs(name, "about", entry["about"], None):
            cur.add(claim, SG.about, about)
        _evidence(cur, claim, entry, source_iri)


def _change(cur: _Curation, name: str, entry: dict[str, Any], source: ox.NamedNode) -> None:
    draft = cur.ref(name, "draft", entry["draft"], {"draft"})
    clauses = {key: cur.ref(name, key, entry[key], {"clause"}) for key in ("previous", "new") if key in entry}
    about = clauses.get("previous") or clauses.get("new")
    default_id = (
        f"change-{local_id(draft.value)}-{entry['kind']}-{local_id(about.value) if about else 'clause'}"
    )
    same = [
        row["change"]
        for row in cur.store.rows("clause-changes", draft=draft, kind=CHANGE_KINDS[entry["kind"]])
        if row.get("previous") == clauses.get("previous") and row.get("new") == clauses.get("new")
    ]
    if same and "id" not in entry:  # the same change is already recorded
        cur.present.append(local_id(_plain(same[0])))
        return
    change = cur.define("changes", name, entry, default_id, set())
    if change is None:
        return
    cur.add(change, RDF.type, SG.ClauseChange)
    clause_label = _label_of(cur, about) if about else "a clause"
    cur.text(
        change, RDFS.label, entry.get("label") or f"{_label_of(cur, draft)} {entry['kind']}: {clause_label}"
    )
    cur.add(change, SG.inDraft, draft)
    cur.add(change, SG.changeKind, CHANGE_KINDS[entry["kind"]])
    for key, predicate in (("previous", SG.previousClause), ("new", SG.newClause)):
        if key in clauses:
            cur.add(change, predicate, clauses[key])
    _evidence(cur, change, entry, source)


def _position(cur: _Curation, name: str, entry: dict[str, Any], source: ox.NamedNode) -> None:
    actor = cur.ref(name, "actor", entry["actor"], {"actor"})
    target = cur.ref(name, "target", entry["target"], {"draft", "clause"})
    parts = (local_id(source.value), local_id(actor.value), entry["stance"], local_id(target.value))
    same = [
        row["position"]
        for row in cur.store.rows("positions", actor=actor, target=target, stance=STANCES[entry["stance"]])
        if row["source"] == source
    ]
    if same and "id" not in entry:  # the same stance from the same source is already recorded
        cur.present.append(local_id(_plain(same[0])))
        return
    position = cur.define("positions", name, entry, "position-" + "-".join(parts), set())
    if position is None:
        return
    cur.add(position, RDF.type, SG.Position)
    label = entry.get("label") or f"{_label_of(cur, actor)} {entry['stance']} {_label_of(cur, target)}"
    cur.text(position, RDFS.label, label)
    cur.add(position, SG.actor, actor)
    cur.add(position, SG.stance, STANCES[entry["stance"]])
    cur.add(position, SG.target, target)
    _evidence(cur, position, entry, source)


def _label_of(cur: _Curation, iri: ox.NamedNode) -> str:
    for quad in cur.quads:
        if quad.subject == iri and quad.predicate == RDFS.label:
            return _plain(quad.object)
    known = cur.existing(iri)
    return known[0] if known else local_id(iri.value)


# ---------------------------------------------------------------- checks and the write


def _read(path: Path) -> tuple[bytes, dict[str, Any]]:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise CurationError(path, [f"cannot read the file ({error.strerror})"]) from None
    try:
        document = yaml.safe_load(raw)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise CurationError(path, [f"not valid YAML: {where}{problem}"]) from None
    problems = check_schema(document)
    if problems:
        raise CurationError(path, problems)
    return raw, document


def _check_quotes(cur: _Curation, text_path: Path) -> None:
    try:
        text = collapse(text_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        cur.problems.append(f"source.text: cannot read {text_path} ({error})")
        return
    for _, _, name, entry in _entries(cur.document):
        quote = entry.get("quote")
        if isinstance(quote, str) and collapse(quote) not in text:
            cur.problems.append(f"{name}, field 'quote': not found in {text_path.name}: {quote!r}")


def add_file(
    store: LocalStore, path: Path, *, source_text: Path | None = None, dry_run: bool = False
) -> CurationReport:
    """Check a curation file and add its facts to ``store``, all of them or none.

    ``source_text`` (else the file's ``source.text``, relative to the file) is the
    source document as plain text: every quote must occur in it, whitespace aside.
    ``dry_run`` runs every check, SHACL included, and writes nothing. Problems raise
    :class:`CurationError` (structure, references, lookalike actors, quotes) or
    :class:`~graph.errors.ShapeViolationError` (SHACL); the store is then unchanged.
    """
    raw, document = _read(path)
    digest = hashlib.sha256(raw).hexdigest()
    cur = _Curation(path=path, document=document, store=store, source_import=ID.term(f"import-{digest[:16]}"))
    _build(cur)
    text_path = source_text or (
        path.parent / document["source"]["text"] if "text" in document["source"] else None
    )
    if text_path is not None:
        _check_quotes(cur, text_path)
    if cur.problems:
        raise CurationError(path, cur.problems)
    return _write(store, cur, digest, dry_run=dry_run)


def _import_quads(node: ox.NamedNode, path: Path, digest: str) -> list[ox.Quad]:
    """Provenance: the curation file (by name and content hash) and when it was added."""
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return [
        ox.Quad(node, RDF.type, PROV.Entity),
        ox.Quad(node, RDFS.label, ox.Literal(f"curation file {path.name}", language="en")),
        ox.Quad(node, DCT.identifier, ox.Literal(f"sha256:{digest}")),
        ox.Quad(node, DCT.created, ox.Literal(now, datatype=XSD.dateTime)),
    ]


def _write(store: LocalStore, cur: _Curation, digest: str, *, dry_run: bool) -> CurationReport:
    """Validate what the file adds together with the store, then write it in one transaction.

    Everything the file says goes into its source's graph, the import's provenance too,
    so that ``drop-source`` retracts the file whole.
    """
    assert cur.source is not None
    graph = source_graph(cur.source)
    facts = in_graph(cur.quads, graph)
    new = [q for q in dict.fromkeys([*facts, *derive_edges(facts)]) if q not in store.oxigraph]
    if new and cur.existing(cur.source_import) is None:
        new += in_graph(_import_quads(cur.source_import, cur.path, digest), graph)
    before = len(store.oxigraph)
    if new:
        if before == 0:
            new.extend(vocabulary_in_graph())
        require_valid([*store.oxigraph.quads_for_pattern(None, None, None), *new])
        if not dry_run:
            store.add_quads(new)
    return CurationReport(
        path=cur.path,
        source_import=cur.source_import.value,
        dry_run=dry_run,
        created={section: tuple(ids) for section, ids in cur.created.items()},
        matched=dict(cur.matched),
        present=tuple(cur.present),
        quads=tuple(new),
        quads_before=before,
        quads_after=len(store.oxigraph),
    )
