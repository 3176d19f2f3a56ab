"""What an executor is asked to run: the query, the formats the client accepts, the dataset, the row limit."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import Any

from stancegraph.graph.datasets import Dataset


@dataclass(frozen=True)
class QueryJob:
    """What a worker needs: the query, the formats the client accepts per result kind, the dataset."""

    query: str
    solutions_format: str | None = None  # a QueryResultsFormat name, e.g. "JSON"
    graph_format: str | None = None  # an RdfFormat name, e.g. "TURTLE"
    default_graph: tuple[str, ...] | None = None  # the protocol's dataset (see graph.datasets)
    named_graphs: tuple[str, ...] | None = None
    # with no dataset given or in the query: True reads the union of all graphs, False the store's own default
    union_default_graph: bool = True
    prefixes: dict[str, str] = field(default_factory=dict)
    base_iri: str | None = None  # relative IRIs in the query resolve against it (over HTTP: the endpoint)
    max_rows: int | None = None  # more solutions (or triples) than this: the first ones, marked truncated
    dump_format: str | None = None  # no query: the whole store, every graph, in this RdfFormat (e.g. "TRIG")

    @classmethod
    def dump(cls, format_name: str) -> QueryJob:
        """The whole dataset in a quad format, written by pyoxigraph as it reads (a SPARQL answer has no graphs).

        >>> QueryJob.dump("N_QUADS").dump_format
        'N_QUADS'
        """
        return cls("", dump_format=format_name)

    @property
    def dataset(self) -> Dataset:
        return Dataset(self.default_graph, self.named_graphs)

    def to_wire(self) -> tuple[Any, ...]:
        """The job as it crosses to a worker process: its fields as a tuple of built-in values.

        pickle rebuilds such a tuple in about a microsecond, and an instance of
        this class in five (it looks the class up by name, then sets each field).

        >>> job = QueryJob("ASK {}", solutions_format="JSON")
        >>> QueryJob.from_wire(job.to_wire()) == job
        True
        """
        return _fields_of(self)  # type: ignore[no-any-return]

    @classmethod
    def from_wire(cls, wire: tuple[Any, ...]) -> QueryJob:
        return cls(*wire)


_fields_of = attrgetter(*(job_field.name for job_field in fields(QueryJob)))
