"""SHACL shapes compiled to SPARQL: one SELECT per constraint, over all its focus nodes at once.

pyshacl walks the focus nodes one by one in Python and grows quadratically on our
data (9k triples 6 s, 29k triples 88 s); a SELECT per constraint lets Oxigraph's
joins do the walking, so validating the whole store grows with the data.
The results are pyshacl's, word for word (focus, path, value, message,
severity): ``tests/test_shacl.py`` compares both engines on the bundled data and
on a corpus of broken files.

Every query reads the union of all graphs, so it works whether the facts sit in
the default graph or in a named graph per source. What the compiler knows:

* targets ``sh:targetClass`` (instances of subclasses too) and ``sh:targetSubjectsOf``;
* property shapes whose ``sh:path`` is one IRI;
* ``sh:minCount``, ``sh:maxCount``, ``sh:class``, ``sh:datatype`` (ill-typed literals
  fail it), ``sh:in``, ``sh:minInclusive``, ``sh:maxInclusive``, ``sh:pattern``,
  ``sh:minLength``, ``sh:languageIn``, ``sh:or`` of shapes made of those;
* ``sh:sparql`` constraints (``SELECT $this ...``), their ``{?var}`` messages.

Anything else in a shape is refused with :class:`ShapesError` instead of being
silently left unchecked.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from functools import cache

import pyoxigraph as ox
import rdflib
from rdflib.namespace import RDF, RDFS, SH, XSD

from stancegraph.graph.errors import ShapesError
from stancegraph.graph.queries import inject_pattern
from stancegraph.graph.rows import solution_rows
from stancegraph.graph.shacl_text import Term, data_namespaces, data_text, node_text, value_text
from stancegraph.ontology import SHAPES_FILE

INSTANCE_OF = f"<{RDF.type}>/<{RDFS.subClassOf}>*"
TRUE = ox.Literal(True)
# datatypes Oxigraph can cast to: a literal of one of them is well formed if the cast works
CASTABLE = frozenset(
    XSD[name]
    for name in (
        *("string", "boolean", "integer", "decimal", "float", "double"),
        *("date", "time", "dateTime", "gYear", "gYearMonth", "gMonth", "gMonthDay", "gDay"),
        *("duration", "yearMonthDuration", "dayTimeDuration"),
    )
)
# the predicates a shape may use; anything else is a feature the compiler would ignore
NODE_SHAPE_KEYS = frozenset(
    {RDF.type, RDFS.label, RDFS.comment, SH.targetClass, SH.targetSubjectsOf, SH.property, SH.sparql}
)
VALUE_KEYS = frozenset(
    {
        SH["class"],
        SH.datatype,
        SH["in"],
        SH.minInclusive,
        SH.maxInclusive,
        SH.pattern,
        SH.flags,
        SH.minLength,
        SH.languageIn,
        SH["or"],
    }
)
PROPERTY_SHAPE_KEYS = VALUE_KEYS | {
    SH.path,
    SH.minCount,
    SH.maxCount,
    SH.message,
    SH.severity,
    SH.name,
    SH.description,
}
SPARQL_KEYS = frozenset({SH.select, SH.message, SH.prefixes, SH.severity})


@dataclass(frozen=True)
class Slot:
    """A part of a message filled from a result row: ``this``, ``value`` or a SPARQL variable.

    ``pyshacl_style`` renders the term like pyshacl's default messages do (``<iri>``,
    ``Literal("x")``); otherwise it is the plain text a ``{?var}`` message gets.
    """

    variable: str
    pyshacl_style: bool


Message = tuple[str | Slot, ...]


@dataclass(frozen=True)
class Result:
    """One violation as the engine finds it: terms, not yet text."""

    focus: Term
    path: str | None
    message: str
    severity: str
    value: Term | None


@dataclass(frozen=True)
class Check:
    """One constraint component of one property (what pyshacl reports as a constraint), and its row flag."""

    component: str
    path: str | None
    flag: str | None  # the variable bound to true on rows that break it; None: every row does
    message: Message
    severity: str


@dataclass(frozen=True)
class Constraint:
    """One SELECT over all focus nodes of a shape, whose rows break one or more of its checks.

    A shape's count checks share one query and its value checks another, over
    all of its properties: each query walks the focus nodes and their values
    once, and that walk is where the time goes on a large store (one query per
    check took 65 s on a million triples).
    """

    shape: str
    query: str
    checks: tuple[Check, ...]
    value_is_focus: bool = False  # SPARQL constraints without ?value report the focus node as the value

    def results(
        self, store: ox.Store, focus: Collection[Term] | None = None
    ) -> Iterator[tuple[Check, Result]]:
        """The violations in ``store``, for the nodes in ``focus`` only if it is given."""
        query = self.query
        if focus is not None:
            if not focus:
                return
            if all(isinstance(node, ox.NamedNode) for node in focus):  # VALUES cannot name blank nodes
                query = inject_pattern(query, f"VALUES ?this {{ {' '.join(str(node) for node in focus)} }}")
        solutions = store.query(query, use_default_graph_as_union=True)
        assert isinstance(solutions, ox.QuerySolutions)
        for bound in solution_rows(solutions):
            focus_node = bound["this"]
            if focus is not None and focus_node not in focus:
                continue
            value = bound.get("value", focus_node if self.value_is_focus else None)
            path = bound.get("path")
            for check in self.checks:
                if check.flag is None or bound.get(check.flag) == TRUE:
                    result = Result(
                        focus=focus_node,
                        path=check.path if path is None else value_text(path),
                        message="".join(_fill(part, bound) for part in check.message),
                        severity=check.severity,
                        value=value,
                    )
                    yield check, result


def _fill(part: str | Slot, bound: dict[str, Term]) -> str:
    if isinstance(part, str):
        return part
    term = bound.get(part.variable)
    if term is None:
        return f"{{?{part.variable}}}"  # pyshacl leaves an unbound variable as it is
    return data_text(term) if part.pyshacl_style else value_text(term)


@cache
def compiled_constraints() -> tuple[Constraint, ...]:
    """Every constraint of ``ontology/shapes.ttl``, compiled once per process."""
    return compile_shapes(shapes_graph())


@cache
def shapes_graph() -> rdflib.Graph:
    """``ontology/shapes.ttl``, parsed once per process (do not change it)."""
    return rdflib.Graph().parse(SHAPES_FILE, format="turtle")


def compile_shapes(shapes: rdflib.Graph) -> tuple[Constraint, ...]:
    """Compile every node shape of a shapes graph (refusing features the compiler does not know)."""
    constraints: list[Constraint] = []
    for shape in sorted(shapes.subjects(RDF.type, SH.NodeShape), key=str):
        _refuse_unknown(shapes, shape, NODE_SHAPE_KEYS)
        target = _target_pattern(shapes, shape)
        constraints += _property_constraints(shapes, str(shape), target, shapes.objects(shape, SH.property))
        for sparql in shapes.objects(shape, SH.sparql):
            constraints.append(_sparql_constraint(shapes, str(shape), target, sparql))
    return tuple(constraints)


def _refuse_unknown(shapes: rdflib.Graph, node: rdflib.term.Node, known: frozenset[rdflib.URIRef]) -> None:
    unknown = set(shapes.predicates(node)) - known
    if unknown:
        names = ", ".join(sorted(p.n3(shapes.namespace_manager) for p in unknown))
        raise ShapesError(
            f"shape {node.n3(shapes.namespace_manager)} uses {names}, which the compiler does not know"
        )


def _target_pattern(shapes: rdflib.Graph, shape: rdflib.term.Node) -> str:
    """The focus nodes of a shape as a graph pattern binding ``?this``."""
    patterns = [f"?this {INSTANCE_OF} <{cls}> ." for cls in shapes.objects(shape, SH.targetClass)]
    patterns += [f"?this <{p}> [] ." for p in shapes.objects(shape, SH.targetSubjectsOf)]
    if not patterns:
        raise ShapesError(f"shape {shape} has no target the compiler knows")
    return " UNION ".join(f"{{ {pattern} }}" for pattern in patterns) if len(patterns) > 1 else patterns[0]


def _property_constraints(
    shapes: rdflib.Graph, shape: str, target: str, nodes: Iterable[rdflib.term.Node]
) -> Iterator[Constraint]:
    """A shape's count checks as one GROUP BY query, its value checks as one query of failing values."""
    counts: list[tuple[Check, str]] = []  # (check, the aggregate condition under which it fails)
    values: list[tuple[Check, str]] = []  # (check, the condition under which a value fails it)
    classes: dict[str, str] = {}  # class IRI -> the variable set when ?value is an instance
    for node in nodes:
        _refuse_unknown(shapes, node, PROPERTY_SHAPE_KEYS)
        path = shapes.value(node, SH.path)
        if not isinstance(path, rdflib.URIRef):
            raise ShapesError(f"shape {shape}: only IRI paths are compiled, not {path}")
        given = shapes.value(node, SH.message)
        severity = str(shapes.value(node, SH.severity) or SH.Violation).rsplit("#", 1)[-1]
        path_text = path.n3(shapes.namespace_manager)

        fixed: Message | None = (str(given),) if given is not None else None  # sh:message wins
        number = f"COUNT(DISTINCT IF(sameTerm(?p, <{path}>), ?value, ?unbound))"
        if (count := shapes.value(node, SH.minCount)) is not None:
            default: Message = (f"Less than {count} values on ", Slot("this", True), f"->{path_text}")
            minimum = Check("MinCount", str(path), f"f{len(counts)}", fixed or default, severity)
            counts.append((minimum, f"{number} < {count}"))
        if (count := shapes.value(node, SH.maxCount)) is not None:
            default = (f"More than {count} values on ", Slot("this", True), f"->{path_text}")
            maximum = Check("MaxCount", str(path), f"f{len(counts)}", fixed or default, severity)
            counts.append((maximum, f"{number} > {count}"))
        for component, condition, default in _value_conditions(shapes, node, classes):
            failing = f"sameTerm(?p, <{path}>) && !({condition})"
            values.append(
                (Check(component, str(path), f"v{len(values)}", fixed or default, severity), failing)
            )

    def paths(checks: list[tuple[Check, str]]) -> str:
        """``?this ?p ?value`` for each path, as a UNION: with ``VALUES ?p`` instead, Oxigraph took
        minutes for the actors' two paths on a million triples (0.1 s this way)."""
        return " UNION ".join(
            f"{{ ?this <{path}> ?value BIND(<{path}> AS ?p) }}"
            for path in sorted({str(c.path) for c, _ in checks})
        )

    if counts:
        flags = " ".join(f"(({failing}) AS ?{c.flag})" for c, failing in counts)
        query = (
            f"SELECT ?this {flags} WHERE {{ {target} OPTIONAL {{ {paths(counts)} }} }} "
            f"GROUP BY ?this HAVING ({' || '.join(failing for _, failing in counts)})"
        )
        yield Constraint(shape, query, tuple(c for c, _ in counts))
    if values:
        # class membership as a left join with every instance of the class: Oxigraph evaluates
        # that once, where an EXISTS per value costs a tenth of a millisecond each
        memberships = " ".join(
            f"OPTIONAL {{ SELECT ?value (true AS ?{variable}) WHERE {{ ?value {INSTANCE_OF} <{cls}> }} }}"
            for cls, variable in classes.items()
        )
        binds = " ".join(f"BIND(({failing}) AS ?{c.flag})" for c, failing in values)
        query = (
            f"SELECT DISTINCT ?this ?value {' '.join(f'?{c.flag}' for c, _ in values)} WHERE {{ "
            f"{target} {paths(values)} {memberships} {binds} "
            f"FILTER({' || '.join(f'?{c.flag}' for c, _ in values)}) }}"
        )
        yield Constraint(shape, query, tuple(c for c, _ in values))


def _value_conditions(
    shapes: rdflib.Graph, node: rdflib.term.Node, classes: dict[str, str]
) -> Iterator[tuple[str, str, Message]]:
    """Each value check of a shape: its name, the SPARQL condition a conforming ``?value`` meets, its default message.

    A class check becomes ``BOUND(?isN)``; ``classes`` collects the classes and their variables.
    """
    ns = shapes.namespace_manager
    for cls in shapes.objects(node, SH["class"]):
        variable = classes.setdefault(str(cls), f"is{len(classes)}")
        yield "Class", f"BOUND(?{variable})", (f"Value does not have class {node_text(cls, ns, shapes)}",)
    for datatype in shapes.objects(node, SH.datatype):
        text = f"Value is not Literal with datatype {node_text(datatype, ns, shapes)}"
        yield "Datatype", _datatype_condition(datatype), (text,)
    for members in shapes.objects(node, SH["in"]):
        items = list(shapes.items(members))
        listed = str([node_text(item, ns, shapes) for item in items])
        condition = " || ".join(f"sameTerm(?value, {item.n3()})" for item in items) or "false"
        yield "In", condition, ("Value ", Slot("value", True), f" not in list {listed}")
    for bound in shapes.objects(node, SH.minInclusive):
        yield (
            "MinInclusive",
            f"COALESCE(?value >= {bound.n3()}, false)",
            (f"Value is not >= {node_text(bound, ns, shapes)}",),
        )
    for bound in shapes.objects(node, SH.maxInclusive):
        yield (
            "MaxInclusive",
            f"COALESCE(?value <= {bound.n3()}, false)",
            (f"Value is not <= {node_text(bound, ns, shapes)}",),
        )
    for pattern in shapes.objects(node, SH.pattern):
        flags = rdflib.Literal(str(shapes.value(node, SH.flags) or "")).n3()
        condition = f"COALESCE(REGEX(STR(?value), {rdflib.Literal(str(pattern)).n3()}, {flags}), false)"
        yield "Pattern", condition, (f"Value does not match pattern '{pattern}'",)
    for length in shapes.objects(node, SH.minLength):
        # pyshacl writes this bound with the data graph's prefixes, not the shapes'
        text = f"String length not >= {node_text(length, data_namespaces(), None)}"
        yield "MinLength", f"COALESCE(STRLEN(STR(?value)) >= {length.n3()}, false)", (text,)
    for languages in shapes.objects(node, SH.languageIn):
        tests = " || ".join(f"langMatches(lang(?value), {tag.n3()})" for tag in shapes.items(languages))
        text = f"String language is not in {node_text(languages, ns, shapes)}"
        yield "LanguageIn", f"COALESCE({tests or 'false'}, false)", (text,)
    for alternatives in shapes.objects(node, SH["or"]):
        shapes_in = list(shapes.items(alternatives))
        conditions = []
        for alternative in shapes_in:
            _refuse_unknown(shapes, alternative, VALUE_KEYS)
            parts = [condition for _, condition, _ in _value_conditions(shapes, alternative, classes)]
            conditions.append("(" + (" && ".join(parts) or "true") + ")")
        listed = " , ".join(node_text(alternative, ns, shapes) for alternative in shapes_in)
        default = ("Node ", Slot("value", True), f" must conform to one or more shapes in {listed}")
        yield "Or", " || ".join(conditions) or "false", default


def _datatype_condition(datatype: rdflib.term.Node) -> str:
    """A literal of the datatype, and well formed: ``"2025-13-45"^^xsd:date`` fails, as in pyshacl."""
    if datatype == RDF.langString:
        return '(isLiteral(?value) && lang(?value) != "")'
    condition = f"isLiteral(?value) && sameTerm(datatype(?value), <{datatype}>)"
    if datatype in CASTABLE:
        condition += f" && COALESCE(isLiteral(<{datatype}>(?value)), false)"
    return f"({condition})"


_MESSAGE_VARIABLE = re.compile(r"\{[?$](\w+)\}")


def _sparql_constraint(shapes: rdflib.Graph, shape: str, target: str, node: rdflib.term.Node) -> Constraint:
    """A ``sh:sparql`` SELECT with ``$this`` bound to the shape's focus nodes, as SHACL-SPARQL says."""
    _refuse_unknown(shapes, node, SPARQL_KEYS)
    prefixes = "".join(
        f"PREFIX {shapes.value(declaration, SH.prefix)}: <{shapes.value(declaration, SH.namespace)}>\n"
        for source in shapes.objects(node, SH.prefixes)
        for declaration in shapes.objects(source, SH.declare)
    )
    select = str(shapes.value(node, SH.select)).replace("$this", "?this")
    text = str(shapes.value(node, SH.message) or "")
    message: list[str | Slot] = []
    for index, part in enumerate(_MESSAGE_VARIABLE.split(text)):
        if part:
            message.append(Slot(part, False) if index % 2 else part)
    severity = str(shapes.value(node, SH.severity) or SH.Violation).rsplit("#", 1)[-1]
    query = prefixes + inject_pattern(select, target)
    return Constraint(
        shape, query, (Check("SPARQL", None, None, tuple(message), severity),), value_is_focus=True
    )
