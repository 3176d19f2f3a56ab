"""What a change can break, and the small store in which to check it.

A store that conformed before a change can only break where the change
reaches, so :func:`change_scope` returns the nodes whose results may differ
after the change (the focus) and a scratch store holding, from the store with
the change applied, just what the shapes read about them:

* core constraints read a node's own types and property values, and the types
  of its values (``sh:class``): a node the change touches is a focus node, and
  so is one whose value changes type. Its counted properties are copied
  whole; of the other properties only the values the change adds are checked,
  since the values it had were valid (unless the node's targets changed);
* ClaimShape's SHACL-SPARQL constraint (an exact number or a lower bound, not both) reads only
  the claim's own counted properties, which a focus node has copied whole: it needs no rule;
* the other SHACL-SPARQL constraints read further, and each has its rule below:
  an actor's stance edge needs the positions behind it (only those with that
  actor and target: a hub actor has tens of thousands), a position needs its
  actor's edge to its target, a clause change needs its clauses' drafts and
  the chain of revisions above its draft.

A change to the class tree (``rdfs:subClassOf``) can change any node's
targets: :func:`change_scope` returns None and the caller validates everything.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from functools import cache

import pyoxigraph as ox
from rdflib.namespace import SH

from stancegraph.graph.shacl import compiled_constraints, shapes_graph
from stancegraph.graph.shacl_text import Term
from stancegraph.ontology import PREFIXES, SG

RDF_TYPE = ox.NamedNode(PREFIXES["rdf"] + "type")
SUBCLASS_OF = ox.NamedNode(PREFIXES["rdfs"] + "subClassOf")
PART_OF = ox.NamedNode(PREFIXES["dct"] + "isPartOf")
REVISION_OF = ox.NamedNode(PREFIXES["prov"] + "wasRevisionOf")
STANCE_EDGES = (SG.supports, SG.opposes)
POSITION_FACTS = (RDF_TYPE, SG.actor, SG.target, SG.stance)
CHANGE_FACTS = (RDF_TYPE, SG.changeKind, SG.inDraft, SG.previousClause, SG.newClause)
SPARQL_SHAPES = frozenset(
    f"https://w3id.org/stancegraph/shapes#{name}"
    for name in ("ActorShape", "PositionShape", "ClauseChangeShape", "ClaimShape")
)
Subject = ox.NamedNode | ox.BlankNode


@dataclass(frozen=True)
class _Paths:
    """The predicates the shapes read, by how they read them."""

    targets: frozenset[ox.NamedNode]  # rdf:type and every sh:targetSubjectsOf
    counted: frozenset[ox.NamedNode]  # with sh:minCount or sh:maxCount: copied whole
    valued: frozenset[ox.NamedNode]  # with a check on each value


@cache
def _paths() -> _Paths:
    checks = [check for constraint in compiled_constraints() for check in constraint.checks]
    unknown = {c.shape for c in compiled_constraints() if c.checks[0].component == "SPARQL"} - SPARQL_SHAPES
    if unknown:
        raise NotImplementedError(f"no change rule for the SPARQL constraints of {sorted(unknown)}")
    return _Paths(
        targets=frozenset(
            [RDF_TYPE, *(ox.NamedNode(str(p)) for p in shapes_graph().objects(None, SH.targetSubjectsOf))]
        ),
        counted=frozenset(ox.NamedNode(c.path) for c in checks if c.path and c.component.endswith("Count")),
        valued=frozenset(
            ox.NamedNode(c.path) for c in checks if c.path and not c.component.endswith("Count")
        ),
    )


@dataclass
class _Change:
    """The store seen with a change applied: lookups answer for the state after it."""

    store: ox.Store
    added: dict[tuple[Term, Term], set[Term]] = field(default_factory=lambda: defaultdict(set))
    removed: dict[tuple[Term, Term], set[Term]] = field(default_factory=lambda: defaultdict(set))
    # the added triples by their object: a big change (a load of many files) asks for referrers once
    # per typed node it adds, so scanning every added triple per question would grow with its square
    incoming: dict[Term, set[tuple[Term, Term]]] = field(default_factory=lambda: defaultdict(set))
    copied: set[ox.Triple] = field(default_factory=set)
    outgoing: dict[Term, dict[Term, set[Term]]] = field(default_factory=dict)

    def add(self, triple: ox.Triple) -> None:
        """Record an added triple."""
        self.added[triple.subject, triple.predicate].add(triple.object)
        self.incoming[triple.object].add((triple.subject, triple.predicate))

    def before(self, subject: Term, predicate: ox.NamedNode) -> set[Term]:
        if isinstance(subject, ox.Literal):  # reached by following a value that should be a node
            return set()
        if predicate in STANCE_EDGES:  # thousands for a hub actor: read only when all are needed
            return {q.object for q in self.store.quads_for_pattern(subject, predicate, None)}
        return self._outgoing(subject).get(predicate, set())

    def _outgoing(self, subject: Term) -> dict[Term, set[Term]]:
        """A node's edges before the change, but its stance edges, read once.

        Oxigraph's in-memory store scans all of a subject's edges for each
        (subject, predicate) look-up (14 ms for the busiest actor of a million
        triples): one scan, filtered in Oxigraph, serves every predicate.
        """
        if subject not in self.outgoing:
            edges: dict[Term, set[Term]] = defaultdict(set)
            if isinstance(subject, ox.NamedNode):
                skip = ", ".join(map(str, STANCE_EDGES))
                query = f"SELECT ?p ?o WHERE {{ {subject} ?p ?o FILTER(?p NOT IN ({skip})) }}"
                rows = self.store.query(query, use_default_graph_as_union=True)
                assert isinstance(rows, ox.QuerySolutions)
                pairs = ((row["p"], row["o"]) for row in rows)
            else:  # a blank node in a query would be a variable
                quads = self.store.quads_for_pattern(subject, None, None)  # type: ignore[arg-type]
                pairs = ((q.predicate, q.object) for q in quads if q.predicate not in STANCE_EDGES)
            for predicate, value in pairs:
                edges[predicate].add(value)
            self.outgoing[subject] = edges
        return self.outgoing[subject]

    def holds(self, subject: Term, predicate: ox.NamedNode, value: Term) -> bool:
        """Whether a triple is there after the change: one look-up of that triple alone (a hub actor's
        edges run to thousands, so neither side's whole list is read)."""
        key = (subject, predicate)
        if value in self.added.get(key, ()):
            return True
        if value in self.removed.get(key, ()) or isinstance(subject, ox.Literal):
            return False
        return any(True for _ in self.store.quads_for_pattern(subject, predicate, value))  # type: ignore[arg-type]

    def after(self, subject: Term, predicate: ox.NamedNode) -> set[Term]:
        key = (subject, predicate)
        return (self.before(subject, predicate) - self.removed.get(key, set())) | self.added.get(key, set())

    def either(self, subject: Term, predicate: ox.NamedNode) -> set[Term]:
        return self.before(subject, predicate) | self.added.get((subject, predicate), set())

    def copy(self, subject: Term, predicate: ox.NamedNode) -> set[Term]:
        values = self.after(subject, predicate)
        self.copied.update(ox.Triple(subject, predicate, value) for value in values)  # type: ignore[arg-type]
        return values

    def referrers(self, value: Term, predicates: Collection[ox.NamedNode]) -> set[Subject]:
        """Subjects with ``predicate value`` (for one of ``predicates``) before or after the change."""
        if len(predicates) == 1:
            quads = self.store.quads_for_pattern(None, next(iter(predicates)), value)
        else:  # one look-up of the value's incoming edges rather than one per predicate
            quads = (q for q in self.store.quads_for_pattern(None, None, value) if q.predicate in predicates)
        found: set[Subject] = {q.subject for q in quads}  # type: ignore[misc]
        found.update(s for s, p in self.incoming.get(value, ()) if p in predicates)  # type: ignore[misc]
        return found


def change_scope(
    store: ox.Store, added: Collection[ox.Quad], removed: Collection[ox.Quad]
) -> tuple[ox.Store, set[Term]] | None:
    """The nodes a change may break and a scratch store to validate them in; None if that is every node."""
    change = _Change(store)
    removed_quads = set(removed)
    added_triples = {quad.triple for quad in added}
    for quad in removed_quads:
        triple = quad.triple
        still_there = any(q not in removed_quads for q in store.quads_for_pattern(*triple))  # another graph
        if triple not in added_triples and not still_there:
            change.removed[triple.subject, triple.predicate].add(triple.object)
    for triple in added_triples:
        change.add(triple)
    changed = [*change.added, *change.removed]
    if any(predicate == SUBCLASS_OF for _, predicate in changed):
        return None

    paths = _paths()
    focus: set[Term] = {subject for subject, _ in changed}
    retargeted = {subject for subject, predicate in changed if predicate in paths.targets}
    # a value that changes type can break sh:class on the nodes that point at it
    for subject, predicate in changed:
        if predicate == RDF_TYPE:
            for referrer in change.referrers(subject, paths.valued):
                focus.add(referrer)
                for predicate_in in paths.valued:
                    if change.holds(referrer, predicate_in, subject):
                        change.copied.add(ox.Triple(referrer, predicate_in, subject))
    focus |= _positions_behind_removed_edges(change)
    focus |= _actors_behind_changed_positions(change, changed)
    focus |= _changes_reached(change, changed)

    for node in focus:
        for predicate in paths.targets | paths.counted:
            change.copy(node, predicate)
        for predicate in paths.valued:
            if node in retargeted:
                change.copy(node, predicate)
            else:
                for value in change.added.get((node, predicate), set()):
                    change.copied.add(ox.Triple(node, predicate, value))  # type: ignore[arg-type]
        _position_context(change, node)
        _clause_change_context(change, node)
    _edge_backing(change)
    for triple in list(change.copied):
        if triple.predicate in paths.valued and not isinstance(triple.object, ox.Literal):
            change.copy(triple.object, RDF_TYPE)
    change.copied.update(q.triple for q in store.quads_for_pattern(None, SUBCLASS_OF, None))

    scratch = ox.Store()
    scratch.extend(ox.Quad(t.subject, t.predicate, t.object) for t in change.copied)
    return scratch, focus


def _positions_behind_removed_edges(change: _Change) -> set[Term]:
    """A position whose actor loses the stance edge to its target breaks (PositionShape)."""
    found: set[Term] = set()
    for (actor, predicate), targets in change.removed.items():
        if predicate in STANCE_EDGES:
            for target in targets:  # from the target's side: a hub actor has thousands of positions
                found |= {
                    p for p in change.referrers(target, [SG.target]) if actor in change.either(p, SG.actor)
                }
    return found


def _actors_behind_changed_positions(change: _Change, changed: Iterable[tuple[Term, Term]]) -> set[Term]:
    """An actor whose stance edge loses the position behind it breaks (ActorShape): check those edges."""
    found: set[Term] = set()
    for position, predicate in changed:
        if predicate in POSITION_FACTS:
            for actor in change.either(position, SG.actor):
                for target in change.either(position, SG.target):
                    for edge in STANCE_EDGES:
                        if change.holds(actor, edge, target):
                            change.copied.add(ox.Triple(actor, edge, target))  # type: ignore[arg-type]
                            found.add(actor)
    return found


def _changes_reached(change: _Change, changed: Iterable[tuple[Term, Term]]) -> set[Term]:
    """Clause changes whose clauses move between drafts, or whose drafts' revision chain changes."""
    found: set[Term] = set()
    for subject, predicate in changed:
        if predicate == PART_OF:
            found |= change.referrers(subject, [SG.newClause, SG.previousClause])
        elif predicate == REVISION_OF:
            drafts, frontier = {subject}, [subject]
            while frontier:  # the drafts that revise this one, directly or not
                for later in change.referrers(frontier.pop(), [REVISION_OF]) - drafts:
                    drafts.add(later)
                    frontier.append(later)
            for draft in drafts:
                found |= change.referrers(draft, [SG.inDraft])
    return found


def _position_context(change: _Change, node: Term) -> None:
    """What PositionShape's constraint reads: the position's facts and its actor's edges to its target."""
    for predicate in POSITION_FACTS:
        change.copy(node, predicate)
    for actor in change.after(node, SG.actor):
        for target in change.after(node, SG.target):
            for edge in STANCE_EDGES:
                if change.holds(actor, edge, target):
                    change.copied.add(ox.Triple(actor, edge, target))  # type: ignore[arg-type]


def _clause_change_context(change: _Change, node: Term) -> None:
    """What ClauseChangeShape's constraint reads: its clauses' drafts and the revisions above its draft."""
    for predicate in CHANGE_FACTS:
        change.copy(node, predicate)
    for clause in change.after(node, SG.newClause) | change.after(node, SG.previousClause):
        change.copy(clause, PART_OF)
    drafts = set(change.after(node, SG.inDraft))
    frontier = list(drafts)
    while frontier:
        for earlier in change.copy(frontier.pop(), REVISION_OF) - drafts:
            drafts.add(earlier)
            frontier.append(earlier)


def _edge_backing(change: _Change) -> None:
    """Every stance edge in the scratch store gets the positions that may back it (ActorShape's constraint).

    Only positions with both that actor and that target: looked up from the
    target's side, which has a few dozen positions where a hub actor has thousands.
    """
    for edge in [t for t in change.copied if t.predicate in STANCE_EDGES]:
        for position in change.referrers(edge.object, [SG.target]):
            if edge.subject in change.either(position, SG.actor):
                for predicate in POSITION_FACTS:
                    change.copy(position, predicate)
