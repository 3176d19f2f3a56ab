"""Synthetic stancegraph data of any size, with the shape and the skew of the real thing.

The bundled article is a few hundred triples; the benchmark and the scale tests
need a million. ``write_synthetic`` streams a graph to an N-Triples or Turtle
file: every actor kind, source articles, a chain of drafts whose clauses are
kept, reworded, removed or added from one draft to the next, qualified
positions and claims with quotes, sources, certainties and dates.

Real negotiations are lopsided: a few parties take most of the positions. The
actor of each position is drawn from a Zipf law over the actors' ranks
(``actor-0`` is the busiest), so the top tenth of the actors hold most of them.

The truthy edges (sg:supports, sg:opposes, sg:revises, sg:keeps, sg:removes,
sg:adds) are written too, exactly as ``graph.loading.derive_edges`` would
derive them, so the file can go straight into ``oxigraph load`` or
``rdflib-endpoint`` and hold the same data as our loader makes of it.

Every node cites a source (``dct:source``; an actor, the source that
introduces it), so the loader puts each node in its source's named graph;
written as TriG or N-Quads, the file names those graphs itself and loads
without being sorted into them.

Everything comes from one ``random.Random(seed)``: the same arguments write the
same bytes. Only a few numbers per clause and a label per actor stay in memory.

Measured: actors=1,000, clauses=10,000, drafts=20, seed=0 writes 1,001,867
triples (80,116 positions; about 140 MB of N-Triples) in about 9 s and 30 MB.

>>> import tempfile
>>> with tempfile.TemporaryDirectory() as tmp:
...     report = write_synthetic(Path(tmp) / "g.nt", actors=10, clauses=20, drafts=2, seed=1)
>>> report.actors, report.clauses, report.drafts
(10, 20, 2)
"""

from __future__ import annotations

import datetime
import itertools
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from stancegraph.graph.rdf_files import rdf_format_for
from stancegraph.graph.sources import source_graph
from stancegraph.ontology import ID, PREFIXES, SG, Namespace

RDF = Namespace(PREFIXES["rdf"])
RDFS = Namespace(PREFIXES["rdfs"])
XSD = Namespace(PREFIXES["xsd"])
DCT = Namespace(PREFIXES["dct"])
PROV = Namespace(PREFIXES["prov"])
FOAF = Namespace(PREFIXES["foaf"])
ORG = Namespace(PREFIXES["org"])
DCT_TITLE = DCT.term("title")  # ``DCT.title`` would be str.title

# Mean number of positions taken on each clause, tuned so that actors=1,000,
# clauses=10,000, drafts=20 writes about one million triples (1,000,867 with seed 0).
POSITIONS_PER_CLAUSE = 8.0
# Zipf exponent of actor activity: at 1.3 the top tenth of 30 actors already
# holds more than half of the positions, as in the real data.
ZIPF_EXPONENT = 1.3
HOSTILE_LABEL = "<img src=x onerror=alert(1)>"

# The first actors, the busiest, are one of each kind; the rest are drawn with these weights.
KINDS: tuple[tuple[str, float], ...] = (
    ("State", 0.15),
    ("StateUnion", 0.02),
    ("InternationalOrganisation", 0.05),
    ("GovernmentBody", 0.15),
    ("ThinkTank", 0.08),
    ("NewsOrganisation", 0.10),
    ("Person", 0.45),
)
SYLLABLES = (
    "al",
    "bor",
    "ca",
    "dra",
    "el",
    "fen",
    "gor",
    "ia",
    "kos",
    "lav",
    "mir",
    "nor",
    "os",
    "pra",
    "ru",
)
FIRST_NAMES = ("Anna", "Boris", "Clara", "Dmytro", "Elena", "Farid", "Greta", "Hugo", "Iris", "Jonas")
TOPICS = (
    "sovereignty",
    "armed forces cap",
    "alliance membership",
    "sanctions relief",
    "amnesty",
    "reconstruction fund",
    "security guarantees",
    "prisoner exchange",
    "ceasefire line",
    "energy cooperation",
    "elections",
    "language rights",
    "nuclear plant",
    "grain corridor",
    "frozen assets",
    "demilitarised zone",
)
START_DATE = datetime.date(2025, 1, 6)


@dataclass(frozen=True)
class SynthReport:
    """What was written, so callers (and the tests) can check the file against it."""

    actors: int
    clauses: int
    drafts: int
    sources: int
    changes: int
    positions: int
    claims: int
    triples: int


def write_synthetic(
    out: Path, *, actors: int, clauses: int, drafts: int, seed: int, hostile_labels: bool = False
) -> SynthReport:
    """Write a synthetic graph to ``out`` (N-Triples for ``.nt``, Turtle for ``.ttl``), streaming.

    TriG (``.trig``) and N-Quads (``.nq``) put each node in its source's named graph.

    ``hostile_labels`` gives one busy actor an HTML-looking label, for the viewer's escaping tests.
    """
    if actors < len(KINDS):
        raise ValueError(f"need at least {len(KINDS)} actors, one of each kind")
    if drafts < 1 or clauses < drafts:
        raise ValueError("need at least one draft and at least one clause per draft")
    rdf_format = rdf_format_for(out)
    generator = _Generator(actors=actors, clauses=clauses, drafts=drafts, seed=seed, hostile=hostile_labels)
    triples = generator.triples()
    counted = _Counter(triples if rdf_format.supports_datasets else _stance_edges_once(triples))
    with out.open("wb") as file:
        data = _in_source_graphs(counted) if rdf_format.supports_datasets else counted
        ox.serialize(data, file, rdf_format, prefixes=PREFIXES)
    return SynthReport(
        actors=actors,
        clauses=clauses,
        drafts=drafts,
        sources=generator.sources,
        changes=generator.changes,
        positions=generator.positions,
        claims=generator.claims,
        triples=counted.count,
    )


def _in_source_graphs(triples: Iterable[ox.Triple]) -> Iterator[ox.Quad]:
    """Each node's triples in its source's graph (a source's own in its own), as the loader places them.

    The generator writes a node's triples together, its rdf:type first, and the
    truthy edge a node implies right after it, so a node is the run of triples
    from one rdf:type to the next. Streams: one node in memory at a time.
    """
    node: list[ox.Triple] = []
    for triple in itertools.chain(triples, [None]):
        if node and (triple is None or triple.predicate == RDF.type):
            cited = next((t.object for t in node if t.predicate == DCT.source), node[0].subject)
            assert isinstance(cited, ox.NamedNode)
            graph = source_graph(cited)
            yield from (ox.Quad(t.subject, t.predicate, t.object, graph) for t in node)
            node.clear()
        if triple is not None:
            node.append(triple)


def _stance_edges_once(triples: Iterable[ox.Triple]) -> Iterator[ox.Triple]:
    """Without graphs, an edge two sources back is one triple: write it once."""
    seen: set[ox.Triple] = set()
    for triple in triples:
        if triple.predicate in (SG.supports, SG.opposes):
            if triple in seen:
                continue
            seen.add(triple)
        yield triple


class _Counter:
    """Counts triples as the serializer pulls them."""

    def __init__(self, triples: Iterator[ox.Triple]) -> None:
        self._triples = triples
        self.count = 0

    def __iter__(self) -> Iterator[ox.Triple]:
        for triple in self._triples:
            self.count += 1
            yield triple


def _en(text: str) -> ox.Literal:
    return ox.Literal(text, language="en")


def _date(day: datetime.date) -> ox.Literal:
    return ox.Literal(day.isoformat(), datatype=XSD.date)


def _integer(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=XSD.integer)


@dataclass
class _Draft:
    """A planned draft: its clauses (global numbers) and how each came from the parent draft."""

    index: int
    parent: int | None
    clauses: list[int] = field(default_factory=list)
    # (kind, previous clause, new clause); None for the clause that is not there
    changes: list[tuple[ox.NamedNode, int | None, int | None]] = field(default_factory=list)

    @property
    def node(self) -> ox.NamedNode:
        return ID.term(f"draft-{self.index}")

    @property
    def label(self) -> str:
        return f"Draft {self.index + 1}"

    @property
    def public(self) -> bool:
        return self.index % 4 != 3


class _Generator:
    """One pass over the planned graph, yielding triples in a deterministic order."""

    def __init__(self, *, actors: int, clauses: int, drafts: int, seed: int, hostile: bool) -> None:
        self.rng = random.Random(seed)
        self.actor_count = actors
        self.clause_count = clauses
        self.draft_count = drafts
        self.hostile = hostile
        self.sources = max(2, clauses // 25)
        self.changes = self.positions = self.claims = 0
        self.kinds = [kind for kind, _ in KINDS] + self.rng.choices(
            [kind for kind, _ in KINDS], weights=[w for _, w in KINDS], k=actors - len(KINDS)
        )
        self.labels: list[str] = []
        self._seen_labels: set[str] = set()
        self.cum_weights = list(
            itertools.accumulate(1 / (rank + 1) ** ZIPF_EXPONENT for rank in range(actors))
        )
        self.topic: list[int] = []  # per clause, inherited along its lineage

    def _by_kind(self, *kinds: str) -> list[int]:
        return [i for i, kind in enumerate(self.kinds) if kind in kinds]

    def _zipf_actor(self) -> int:
        return self.rng.choices(range(self.actor_count), cum_weights=self.cum_weights)[0]

    def _source(self) -> ox.NamedNode:
        return ID.term(f"source-{self.rng.randrange(self.sources)}")

    def _certainty(self) -> ox.NamedNode:
        return self.rng.choices((SG.Stated, SG.Reported, SG.Believed), weights=(7, 2, 1))[0]

    def _name(self) -> str:
        return "".join(self.rng.choice(SYLLABLES) for _ in range(self.rng.randint(2, 3))).capitalize()

    def triples(self) -> Iterator[ox.Triple]:
        yield from self._actors()
        yield from self._sources()
        for draft in self._plan():
            yield from self._draft(draft)
        yield from self._claims()

    # ------------------------------------------------------------ actors and sources

    def _actor_label(self, index: int, kind: str) -> str:
        name = self._name()
        label = {
            "State": name,
            "StateUnion": f"{name} Union",
            "InternationalOrganisation": f"{name} Treaty Organisation",
            "GovernmentBody": f"{name} Ministry of {self.rng.choice(TOPICS).capitalize()}",
            "ThinkTank": f"{name} Institute for Strategic Studies",
            "NewsOrganisation": f"The {name} {self.rng.choice(('Times', 'Herald', 'Gazette', 'Observer'))}",
            "Person": f"{self.rng.choice(FIRST_NAMES)} {name}",
        }[kind]
        if label in self._seen_labels:
            label = f"{label} ({index})"
        self._seen_labels.add(label)
        return label

    def _actors(self) -> Iterator[ox.Triple]:
        states: list[int] = []
        for index, kind in enumerate(self.kinds):
            node = ID.term(f"actor-{index}")
            label = self._actor_label(index, kind)
            if self.hostile and index == 1:
                label = f"{label} {HOSTILE_LABEL}"
            self.labels.append(label)
            yield ox.Triple(node, RDF.type, SG.term(kind))
            yield ox.Triple(node, RDFS.label, _en(label))
            # each actor is introduced by one source, so every node has a source graph
            yield ox.Triple(node, DCT.source, ID.term(f"source-{index % self.sources}"))
            if kind == "Person":
                yield ox.Triple(node, FOAF.name, ox.Literal(label))
            elif kind == "GovernmentBody":
                yield ox.Triple(node, ORG.subOrganizationOf, ID.term(f"actor-{self.rng.choice(states)}"))
            elif kind == "State":
                states.append(index)

    def _sources(self) -> Iterator[ox.Triple]:
        authors = self._by_kind("Person")
        for index in range(self.sources):
            node = ID.term(f"source-{index}")
            author = self.rng.choice(authors)
            title = f"{self.rng.choice(TOPICS).capitalize()} and the peace talks, part {index + 1}"
            yield ox.Triple(node, RDF.type, SG.AnalysisArticle)
            yield ox.Triple(node, RDFS.label, _en(f"{title} ({self.labels[author]})"))
            yield ox.Triple(node, DCT_TITLE, _en(title))
            yield ox.Triple(node, DCT.creator, ID.term(f"actor-{author}"))
            yield ox.Triple(node, DCT.date, _date(START_DATE + datetime.timedelta(days=index % 365)))

    # ------------------------------------------------------------ drafts and clauses

    def _plan(self) -> list[_Draft]:
        """Decide every draft's clauses and their lineage before writing (point counts come first)."""
        sizes = [self.clause_count // self.draft_count] * self.draft_count
        for extra in range(self.clause_count % self.draft_count):
            sizes[extra] += 1
        plan: list[_Draft] = []
        next_clause = 0
        for index, size in enumerate(sizes):
            # mostly a chain; every fifth draft is a counter-proposal to the draft before last
            parent = None if index == 0 else index - 2 if index % 5 == 4 else index - 1
            draft = _Draft(index, parent)
            fates = [] if parent is None else self._fates(plan[parent].clauses, size)
            for kind, previous in fates:
                if kind == SG.Removed:
                    draft.changes.append((kind, previous, None))
                    continue
                draft.changes.append((kind, previous, next_clause))
                draft.clauses.append(next_clause)
                self.topic.append(self.topic[previous])
                next_clause += 1
            while len(draft.clauses) < size:
                if parent is not None:
                    draft.changes.append((SG.Added, None, next_clause))
                draft.clauses.append(next_clause)
                self.topic.append(self.rng.randrange(len(TOPICS)))
                next_clause += 1
            plan.append(draft)
        return plan

    def _fates(self, previous: list[int], size: int) -> list[tuple[ox.NamedNode, int]]:
        """Keep, reword or remove each clause of the parent draft, carrying at most ``size`` over."""
        fates = [
            (self.rng.choices((SG.Kept, SG.Reworded, SG.Removed), weights=(55, 30, 15))[0], clause)
            for clause in previous
        ]
        carried = sum(kind != SG.Removed for kind, _ in fates)
        for position in range(len(fates) - 1, -1, -1):
            if carried <= size:
                break
            if fates[position][0] != SG.Removed:
                fates[position] = (SG.Removed, fates[position][1])
                carried -= 1
        return fates

    def _draft(self, draft: _Draft) -> Iterator[ox.Triple]:
        node = draft.node
        certainty = SG.Stated if draft.public else SG.Believed
        day = START_DATE + datetime.timedelta(days=14 * draft.index)
        creators = self.rng.sample(self._by_kind("State", "StateUnion")[:8], k=2)
        yield ox.Triple(node, RDF.type, SG.Draft)
        yield ox.Triple(node, RDFS.label, _en(draft.label))
        yield ox.Triple(node, DCT_TITLE, _en(f"{draft.label} of the peace plan"))
        for creator in creators:
            yield ox.Triple(node, DCT.creator, ID.term(f"actor-{creator}"))
        yield ox.Triple(node, SG.pointCount, _integer(len(draft.clauses)))
        if draft.parent is not None:
            yield ox.Triple(node, PROV.wasRevisionOf, ID.term(f"draft-{draft.parent}"))
        if not draft.public:
            yield ox.Triple(node, SG.isPublic, ox.Literal("false", datatype=XSD.boolean))
        yield ox.Triple(
            node, SG.quote, _en(f"the {len(draft.clauses)}-point draft put forward on {day:%d %B}")
        )
        yield ox.Triple(node, DCT.source, self._source())
        yield ox.Triple(node, SG.certainty, certainty)
        yield from self._positions(node, draft.label, 2, day, creators)
        for point, clause in enumerate(draft.clauses, start=1):
            yield from self._clause(draft, clause, point, certainty)
            yield from self._positions(
                ID.term(f"clause-{clause}"),
                f"point {point} of {draft.label}",
                self._position_count(),
                day,
                [],
                topic=self.topic[clause],
            )
        for kind, previous, new in draft.changes:
            yield from self._change(draft, kind, previous, new, certainty)

    def _clause(self, draft: _Draft, clause: int, point: int, certainty: ox.NamedNode) -> Iterator[ox.Triple]:
        node = ID.term(f"clause-{clause}")
        topic = TOPICS[self.topic[clause]]
        yield ox.Triple(node, RDF.type, SG.Clause)
        yield ox.Triple(node, RDFS.label, _en(f"{draft.label}, point {point}: {topic}"))
        yield ox.Triple(node, DCT.isPartOf, draft.node)
        yield ox.Triple(node, SG.pointNumber, _integer(point))
        if self.rng.random() < 0.8:
            yield ox.Triple(
                node, SG.wording, _en(f"The parties agree on {topic} as set out in annex {point}.")
            )
        if self.rng.random() < 0.6:
            yield ox.Triple(node, SG.appliesTo, ID.term(f"actor-{self._zipf_actor()}"))
        yield ox.Triple(node, SG.quote, _en(f"the draft’s point {point} on “{topic}”"))
        yield ox.Triple(node, DCT.source, self._source())
        yield ox.Triple(node, SG.certainty, certainty)

    def _change(
        self,
        draft: _Draft,
        kind: ox.NamedNode,
        previous: int | None,
        new: int | None,
        certainty: ox.NamedNode,
    ) -> Iterator[ox.Triple]:
        self.changes += 1
        verb = kind.value.rsplit("#", 1)[1].lower()
        clause = new if new is not None else previous
        assert clause is not None, "a change has a previous or a new clause"
        node = ID.term(f"change-{draft.index}-{clause}")
        yield ox.Triple(node, RDF.type, SG.ClauseChange)
        yield ox.Triple(node, RDFS.label, _en(f"{draft.label}: {TOPICS[self.topic[clause]]} {verb}"))
        yield ox.Triple(node, SG.inDraft, draft.node)
        yield ox.Triple(node, SG.changeKind, kind)
        if previous is not None:
            yield ox.Triple(node, SG.previousClause, ID.term(f"clause-{previous}"))
        if new is not None:
            yield ox.Triple(node, SG.newClause, ID.term(f"clause-{new}"))
        yield ox.Triple(
            node, SG.quote, _en(f"{draft.label} has {verb} the point on {TOPICS[self.topic[clause]]}")
        )
        yield ox.Triple(node, DCT.source, self._source())
        yield ox.Triple(node, SG.certainty, certainty)
        # the truthy edge, as graph/queries/derive-edges.rq derives it
        if kind == SG.Reworded:
            yield ox.Triple(ID.term(f"clause-{new}"), SG.revises, ID.term(f"clause-{previous}"))
        elif kind == SG.Kept:
            yield ox.Triple(ID.term(f"clause-{new}"), SG.keeps, ID.term(f"clause-{previous}"))
        elif kind == SG.Removed:
            yield ox.Triple(draft.node, SG.removes, ID.term(f"clause-{previous}"))
        else:
            yield ox.Triple(draft.node, SG.adds, ID.term(f"clause-{new}"))

    # ------------------------------------------------------------ positions and claims

    def _position_count(self) -> int:
        """How many positions one clause gets: most get a few, some are fought over."""
        return round(self.rng.expovariate(1 / POSITIONS_PER_CLAUSE))

    def _positions(
        self,
        target: ox.NamedNode,
        target_label: str,
        count: int,
        day: datetime.date,
        supporters: list[int],
        topic: int = 0,
    ) -> Iterator[ox.Triple]:
        """Positions on one target. An actor keeps one stance per target, however often it states it."""
        stances: dict[int, ox.NamedNode] = {}
        edged: set[tuple[int, ox.NamedNode]] = set()  # (actor, source): the graphs holding the edge
        for actor in [*supporters, *(self._zipf_actor() for _ in range(count))]:
            first = actor not in stances
            if first:
                # three blocs of actors, each favouring a third of the topics
                favour = 1.0 if actor in supporters else 0.75 if actor % 3 == topic % 3 else 0.35
                stances[actor] = SG.Support if self.rng.random() < favour else SG.Opposition
            stance = stances[actor]
            node = ID.term(f"position-{self.positions}")
            self.positions += 1
            verb = "supports" if stance == SG.Support else "opposes"
            yield ox.Triple(node, RDF.type, SG.Position)
            yield ox.Triple(node, RDFS.label, _en(f"{self.labels[actor]} {verb} {target_label}"))
            yield ox.Triple(node, SG.actor, ID.term(f"actor-{actor}"))
            yield ox.Triple(node, SG.target, target)
            yield ox.Triple(node, SG.stance, stance)
            quote = (
                f"“We welcome {target_label},” said a spokesperson for {self.labels[actor]}"
                if stance == SG.Support
                else f"{self.labels[actor]} called {target_label} “unacceptable”"
            )
            yield ox.Triple(node, SG.quote, _en(quote))
            source = self._source()
            yield ox.Triple(node, DCT.source, source)
            yield ox.Triple(node, SG.certainty, self._certainty())
            if self.rng.random() < 0.9:
                yield ox.Triple(node, DCT.date, _date(day + datetime.timedelta(days=self.rng.randrange(30))))
            if (
                actor,
                source,
            ) not in edged:  # the truthy edge, after the position, in each backing source's graph
                edged.add((actor, source))
                yield ox.Triple(
                    ID.term(f"actor-{actor}"), SG.supports if stance == SG.Support else SG.opposes, target
                )

    def _claims(self) -> Iterator[ox.Triple]:
        for index in range(self.clause_count // 2):
            node = ID.term(f"claim-{index}")
            claimant = self._zipf_actor()
            clause = self.rng.randrange(self.clause_count)
            topic = TOPICS[self.topic[clause]]
            self.claims += 1
            yield ox.Triple(node, RDF.type, SG.Claim)
            yield ox.Triple(node, RDFS.label, _en(f"{self.labels[claimant]}: the {topic} point is a mistake"))
            yield ox.Triple(node, SG.claimant, ID.term(f"actor-{claimant}"))
            yield ox.Triple(node, SG.about, ID.term(f"clause-{clause}"))
            if self.rng.random() < 0.5:
                yield ox.Triple(node, SG.about, ID.term(f"actor-{self._zipf_actor()}"))
            yield ox.Triple(node, SG.quote, _en(f"the {topic} point “would be a mistake”"))
            yield ox.Triple(node, DCT.source, self._source())
            yield ox.Triple(node, SG.certainty, self._certainty())
