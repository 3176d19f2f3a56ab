"""What a SPARQL 1.1 Update would change, worked out by queries on the data instead of a copy of it.

A validated write needs the quads an update adds and removes before anything is written. Running
the update on a copy of the whole store costs the store's size; here each operation becomes
queries whose cost is what the operation touches: ``INSERT DATA``/``DELETE DATA`` are parsed by
Oxigraph on an empty store, a ``DELETE``/``INSERT ... WHERE`` template is instantiated by a
``CONSTRUCT`` over the real data, and ``CLEAR``/``DROP``/``ADD``/``COPY``/``MOVE`` read the graphs
they name.

The dataset is stancegraph's: queries see the union of all graphs as their default graph, so an
update does too.

* A ``WHERE`` pattern matches the union, unless ``USING``/``USING NAMED`` or ``WITH`` name its
  dataset (the protocol's ``using-graph-uri``/``using-named-graph-uri`` arrive as ``USING``:
  :func:`graph.datasets.with_using`).
* A template or data triple outside ``GRAPH`` is inserted into the ``WITH`` graph, else into the
  store's own default graph (unsourced data: name a source's graph to file it under that source);
  it is deleted from the ``WITH`` graph, else from every graph that holds it, as the union shows it.
* ``CLEAR``/``DROP DEFAULT`` is the store's own default graph, ``NAMED`` every named graph,
  ``ALL`` everything. Graphs exist by their triples, so ``CREATE`` changes nothing.

One case reads a copy after all (:attr:`UpdateDelta.copied`): a pattern-matching operation after
an operation of the same request that changed something must see that change, which the real
store does not hold yet, so its pattern runs on an in-memory copy with the change applied. Send
such operations as separate requests to keep every write's cost to what it touches.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox

from stancegraph.graph.errors import QuerySyntaxError, StoreError
from stancegraph.graph.sparql_lexer import Token, tokens

Graph = ox.NamedNode | ox.BlankNode | ox.DefaultGraph


@dataclass
class UpdateDelta:
    """The quads an update adds and removes, as seen from the store it is planned against."""

    store: ox.Store
    added: set[ox.Quad] = field(default_factory=set)
    removed: set[ox.Quad] = field(default_factory=set)
    copied: bool = False  # a pattern read a copy of the store (see the module's docstring)
    _view: ox.Store | None = None

    def view(self) -> ox.Store:
        """What the update's patterns read: the store, or a copy of it with this request's changes so far."""
        if not self.added and not self.removed:
            return self.store
        if self._view is None:
            self._view = ox.Store()
            self._view.extend(q for q in self.store if q not in self.removed)
            self._view.extend(self.added)
            self.copied = True
        return self._view

    def holds(self, quad: ox.Quad) -> bool:
        return quad in self.added or (quad not in self.removed and quad in self.store)

    def add(self, quad: ox.Quad) -> None:
        self._view = None
        if quad in self.removed:
            self.removed.discard(quad)
        elif quad not in self.store:
            self.added.add(quad)

    def remove(self, quad: ox.Quad) -> None:
        self._view = None
        if quad in self.added:
            self.added.discard(quad)
        elif quad in self.store:
            self.removed.add(quad)

    def graph_quads(self, graph: Graph) -> list[ox.Quad]:
        """The quads of one graph as the update has left it so far."""
        stored = [q for q in self.store.quads_for_pattern(None, None, None, graph) if q not in self.removed]
        return stored + [q for q in self.added if q.graph_name == graph]

    def named_graphs(self) -> set[ox.NamedNode | ox.BlankNode]:
        graphs = set(self.store.named_graphs()) | {
            q.graph_name for q in self.added if not isinstance(q.graph_name, ox.DefaultGraph)
        }
        return {g for g in graphs if not isinstance(g, ox.DefaultGraph)}


@dataclass(frozen=True)
class Scope:
    """The dataset a ``WHERE`` pattern matches: the union of all graphs unless some are named."""

    default: tuple[ox.NamedNode, ...] | None = None
    named: tuple[ox.NamedNode, ...] | None = None

    def query(self, store: ox.Store, text: str) -> ox.QuerySolutions | ox.QueryTriples | ox.QueryBoolean:
        if self.default is None and self.named is None:
            return store.query(text, use_default_graph_as_union=True)
        return store.query(
            text,
            default_graph=list(self.default or ()),
            named_graphs=list(self.named) if self.named is not None else None,
        )


def update_delta(
    store: ox.Store,
    update: str,
    *,
    base_iri: str | None = None,
) -> UpdateDelta:
    """The change ``update`` would make to ``store``; raises :class:`QuerySyntaxError` for bad SPARQL.

    Relative IRIs resolve against ``base_iri``; a ``BASE`` in the update wins, as in a query.

    >>> store = ox.Store()
    >>> delta = update_delta(store, 'INSERT DATA { <urn:a> <urn:b> "c" }')
    >>> [str(q) for q in delta.added]
    ['<urn:a> <urn:b> "c"']
    """
    _check_syntax(update, base_iri)
    delta = UpdateDelta(store)
    prologue = f"BASE <{base_iri}>\n" if base_iri else ""
    for operation in _operations(list(tokens(update))):
        body = operation
        while body and body[0].is_keyword("PREFIX", "BASE"):
            width = 3 if body[0].is_keyword("PREFIX") else 2
            prologue += update[body[0].start : body[width - 1].end] + "\n"
            body = body[width:]
        if not body:
            continue
        _Operation(update, prologue, body, delta).apply()
    return delta


def _check_syntax(update: str, base_iri: str | None) -> None:
    """Let Oxigraph's parser judge the text (on an empty store, so running it changes nothing real)."""
    try:
        ox.Store().update(update, base_iri=base_iri)
    except SyntaxError as error:
        raise QuerySyntaxError(str(error)) from None
    except (OSError, RuntimeError):
        pass  # the syntax was fine: an allowed remote SERVICE, or a graph the empty store lacks


def _operations(found: list[Token]) -> Iterable[list[Token]]:
    """The operations of an update: its tokens split at each ``;`` outside braces."""
    depth, current = 0, list[Token]()
    for token in found:
        if token.kind == "other" and token.text == "{":
            depth += 1
        elif token.kind == "other" and token.text == "}":
            depth -= 1
        elif depth == 0 and token.kind == "other" and token.text == ";":
            yield current
            current = []
            continue
        current.append(token)
    if current:
        yield current


def _group_end(found: Sequence[Token], start: int) -> int:
    """The index of the ``}`` that closes the ``{`` at ``found[start]``."""
    depth = 0
    for index in range(start, len(found)):
        if found[index].text == "{" and found[index].kind == "other":
            depth += 1
        elif found[index].text == "}" and found[index].kind == "other":
            depth -= 1
            if depth == 0:
                return index
    raise QuerySyntaxError("unbalanced braces in the update")


@dataclass
class _Operation:
    text: str
    prologue: str
    body: list[Token]
    delta: UpdateDelta

    def span(self, first: int, last: int) -> str:
        """The update's text from token ``first`` to token ``last``, both included."""
        return self.text[self.body[first].start : self.body[last].end]

    def term(self, index: int) -> ox.NamedNode:
        """An IRI or prefixed name of the update, resolved with its prologue."""
        solutions = ox.Store().query(
            f"{self.prologue}SELECT ?t WHERE {{ BIND({self.body[index].text} AS ?t) }}"
        )
        assert isinstance(solutions, ox.QuerySolutions)
        value = next(iter(solutions))["t"]
        if not isinstance(value, ox.NamedNode):
            raise QuerySyntaxError(f"expected an IRI, found {self.body[index].text}")
        return value

    def apply(self) -> None:
        first = self.body[0]
        second = self.body[1] if len(self.body) > 1 else None
        if first.is_keyword("INSERT", "DELETE") and second is not None and second.is_keyword("DATA"):
            self.data(insert=first.is_keyword("INSERT"))
        elif first.is_keyword("DELETE") and second is not None and second.is_keyword("WHERE"):
            where = self.span(2, _group_end(self.body, 2))
            self.modify(delete=where, insert=None, where=where, with_graph=None, dataset=Scope())
        elif first.is_keyword("WITH", "DELETE", "INSERT"):
            self.parse_modify()
        elif first.is_keyword("CLEAR", "DROP"):
            for graph in self.graphs_named(self.skip_silent(1)):
                for quad in self.delta.graph_quads(graph):
                    self.delta.remove(quad)
        elif first.is_keyword("ADD", "COPY", "MOVE"):
            self.transfer(first.text.upper())
        elif first.is_keyword("CREATE"):
            return
        else:  # LOAD is refused before planning (graph.sparql_guard)
            raise StoreError(f"{first.text.upper()} cannot be planned here")

    def skip_silent(self, index: int) -> int:
        return index + 1 if index < len(self.body) and self.body[index].is_keyword("SILENT") else index

    def graphs_named(self, index: int) -> list[Graph]:
        """The graphs of ``CLEAR``/``DROP``: ``GRAPH <g>``, ``DEFAULT``, ``NAMED`` or ``ALL``."""
        token = self.body[index]
        if token.is_keyword("GRAPH"):
            return [self.term(index + 1)]
        if token.is_keyword("DEFAULT"):
            return [ox.DefaultGraph()]
        named: list[Graph] = list(self.delta.named_graphs())
        return named if token.is_keyword("NAMED") else [ox.DefaultGraph(), *named]

    def graph_ref(self, index: int) -> tuple[Graph, int]:
        """``DEFAULT`` or ``[GRAPH] <g>`` of ``ADD``/``COPY``/``MOVE``, and the index after it."""
        if self.body[index].is_keyword("DEFAULT"):
            return ox.DefaultGraph(), index + 1
        if self.body[index].is_keyword("GRAPH"):
            index += 1
        return self.term(index), index + 1

    def transfer(self, kind: str) -> None:
        source, index = self.graph_ref(self.skip_silent(1))
        target, _ = self.graph_ref(index + 1)  # skip TO
        if source == target:
            return
        moved = self.delta.graph_quads(source)
        if kind in ("COPY", "MOVE"):
            for quad in self.delta.graph_quads(target):
                self.delta.remove(quad)
        for quad in moved:
            self.delta.add(ox.Quad(quad.subject, quad.predicate, quad.object, target))
            if kind == "MOVE":
                self.delta.remove(quad)

    def data(self, *, insert: bool) -> None:
        """``INSERT DATA``/``DELETE DATA``: the quads, as Oxigraph reads them into an empty store."""
        scratch = ox.Store()
        scratch.update(f"{self.prologue}INSERT DATA {self.span(2, len(self.body) - 1)}")
        for quad in scratch:
            if insert:
                self.delta.add(quad)
            else:
                self.remove_everywhere(quad, only=None)

    def remove_everywhere(self, quad: ox.Quad, *, only: Graph | None) -> None:
        """Remove a triple from ``only``, or, when it names no graph, from every graph that holds it."""
        if only is not None or not isinstance(quad.graph_name, ox.DefaultGraph):
            self.delta.remove(ox.Quad(quad.subject, quad.predicate, quad.object, only or quad.graph_name))
            return
        for stored in self.delta.store.quads_for_pattern(quad.subject, quad.predicate, quad.object, None):
            self.delta.remove(stored)
        for added in [q for q in self.delta.added if q.triple == quad.triple]:
            self.delta.remove(added)

    def parse_modify(self) -> None:
        """``[WITH g] [DELETE {..}] [INSERT {..}] [USING [NAMED] g]* WHERE {..}``."""
        index, with_graph = 0, None
        if self.body[0].is_keyword("WITH"):
            with_graph, index = self.term(1), 2
        templates: dict[str, str] = {}
        while self.body[index].is_keyword("DELETE", "INSERT"):
            end = _group_end(self.body, index + 1)
            templates[self.body[index].text.upper()] = self.span(index + 1, end)
            index = end + 1
        using: list[ox.NamedNode] = []
        using_named: list[ox.NamedNode] = []
        while self.body[index].is_keyword("USING"):
            if self.body[index + 1].is_keyword("NAMED"):
                using_named.append(self.term(index + 2))
                index += 3
            else:
                using.append(self.term(index + 1))
                index += 2
        if self.body[index].is_keyword("WHERE"):
            index += 1
        where = self.span(index, _group_end(self.body, index))
        if using or using_named:
            dataset = Scope(tuple(using), tuple(using_named))
        elif with_graph is not None:
            dataset = Scope((with_graph,), None)
        else:
            dataset = Scope()
        self.modify(
            delete=templates.get("DELETE"),
            insert=templates.get("INSERT"),
            where=where,
            with_graph=with_graph,
            dataset=dataset,
        )

    def modify(
        self,
        *,
        delete: str | None,
        insert: str | None,
        where: str,
        with_graph: ox.NamedNode | None,
        dataset: Scope,
    ) -> None:
        """Instantiate the templates over the pattern's solutions (all deletions first, as the spec says)."""
        removals = list(self.instantiate(delete, where, with_graph, dataset)) if delete else []
        additions = list(self.instantiate(insert, where, with_graph, dataset)) if insert else []
        for quad in removals:
            self.remove_everywhere(
                quad, only=with_graph if isinstance(quad.graph_name, ox.DefaultGraph) else None
            )
        for quad in additions:
            self.delta.add(quad)

    def instantiate(
        self, template: str, where: str, with_graph: ox.NamedNode | None, dataset: Scope
    ) -> Iterable[ox.Quad]:
        """The quads of a template, one ``CONSTRUCT`` per graph part of it."""
        for graph, triples in _template_parts(template):
            if graph is None:
                target: Graph = with_graph or ox.DefaultGraph()
                yield from self.construct(triples, where, dataset, target)
            elif graph.startswith(("?", "$")):
                names = dataset.query(
                    self.delta.store, f"{self.prologue}SELECT DISTINCT {graph} WHERE {where}"
                )
                assert isinstance(names, ox.QuerySolutions)
                for row in names:
                    value = row[graph[1:]]
                    if isinstance(value, ox.NamedNode):
                        pinned = f"{{ VALUES {graph} {{ {value} }} {where} }}"
                        yield from self.construct(triples, pinned, dataset, value)
            else:
                resolved = ox.Store().query(f"{self.prologue}SELECT ?t WHERE {{ BIND({graph} AS ?t) }}")
                assert isinstance(resolved, ox.QuerySolutions)
                value = next(iter(resolved))["t"]
                assert isinstance(value, ox.NamedNode)
                yield from self.construct(triples, where, dataset, value)

    def construct(self, triples: str, where: str, dataset: Scope, graph: Graph) -> Iterable[ox.Quad]:
        result = dataset.query(self.delta.view(), f"{self.prologue}CONSTRUCT {{ {triples} }} WHERE {where}")
        assert isinstance(result, ox.QueryTriples)
        for triple in result:
            yield ox.Quad(triple.subject, triple.predicate, triple.object, graph)


def _template_parts(template: str) -> list[tuple[str | None, str]]:
    """A template ``{ ... }`` split into its triples outside ``GRAPH`` (graph ``None``) and each ``GRAPH g { ... }``.

    >>> _template_parts("{ <urn:a> <urn:b> ?c . GRAPH ?g { ?c <urn:d> 1 } }")
    [(None, '<urn:a> <urn:b> ?c .'), ('?g', '?c <urn:d> 1')]
    """
    found = list(tokens(template))[1:-1]  # inside the outer braces
    parts: list[tuple[str | None, str]] = []
    plain: list[str] = []
    index = 0
    while index < len(found):
        token = found[index]
        if token.is_keyword("GRAPH"):
            end = _group_end(found, index + 2)
            inner = template[found[index + 2].end : found[end].start].strip()
            parts.append((found[index + 1].text, inner))
            index = end + 1
            continue
        start = index
        while index < len(found) and not found[index].is_keyword("GRAPH"):
            index += 1
        plain.append(template[found[start].start : found[index - 1].end])
    triples = " ".join(plain).strip()
    return ([(None, triples)] if triples else []) + parts
