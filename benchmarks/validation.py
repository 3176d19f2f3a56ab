"""SHACL validation time: the SPARQL-compiled shapes against pyshacl, and a change against the whole store.

``python -m benchmarks.validation [WORKDIR]`` writes synthetic data of about
10k, 30k, 100k and 1M triples (``stancegraph synth``), validates each whole
store with :func:`graph.validation.validate_store` and, up to 30k triples,
with pyshacl (its core constraints only, on an rdflib copy, as stancegraph
used it: with its SHACL-SPARQL constraints too it is slower still), and
prints the ratios. Then it times :func:`graph.validation.validate_change` on
the 1M store for changes of about 100 triples: new positions, mostly of the
busiest actors, with their truthy edges, as the write path would pass them.
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox
import rdflib
from pyshacl import validate as pyshacl_validate
from rdflib.namespace import SH

from stancegraph.graph.loading import scratch_store
from stancegraph.graph.synth import write_synthetic
from stancegraph.graph.validation import validate_change, validate_store, vocabulary_quads
from stancegraph.ontology import ID, SG, SHAPES_FILE

# (actors, clauses, drafts) for about 10k, 30k, 100k and 1M triples
SIZES = ((10, 100, 3), (30, 300, 5), (100, 1000, 10), (1000, 10000, 20))
PYSHACL_UP_TO = 30_000  # triples; it takes minutes beyond
CHANGES = 40  # validate_change runs timed on the largest store
POSITIONS_PER_CHANGE = 10  # 9 facts and a truthy edge each: about 100 triples
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
SOURCE = ox.NamedNode("http://purl.org/dc/terms/source")
DATE = ox.NamedNode("http://purl.org/dc/terms/date")


def _seconds(run: object) -> float:
    start = time.perf_counter()
    run()  # type: ignore[operator]
    return time.perf_counter() - start


def _pyshacl_seconds(store: ox.Store) -> float:
    data = rdflib.Graph().parse(
        data=store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()), format="nt"
    )
    shapes = rdflib.Graph().parse(SHAPES_FILE, format="turtle")
    shapes.remove((None, SH.sparql, None))
    return _seconds(lambda: pyshacl_validate(data, shacl_graph=shapes, inference="none"))


def _new_positions(rng: random.Random, run: int, clauses: int) -> list[ox.Quad]:
    """About 100 triples: new positions, three in four by one of the five busiest actors."""
    quads = []
    for index in range(POSITIONS_PER_CHANGE):
        position = ID.term(f"benchmark-position-{run}-{index}")
        actor = ID.term(f"actor-{rng.randrange(5) if rng.random() < 0.75 else rng.randrange(1000)}")
        target = ID.term(f"clause-{rng.randrange(clauses)}")
        stance, edge = rng.choice(((SG.Support, SG.supports), (SG.Opposition, SG.opposes)))
        facts = [
            (RDF_TYPE, SG.Position),
            (LABEL, ox.Literal(f"benchmark position {run}-{index}", language="en")),
            (SG.actor, actor),
            (SG.target, target),
            (SG.stance, stance),
            (SG.quote, ox.Literal("a quote", language="en")),
            (SOURCE, ID.term("source-0")),
            (SG.certainty, SG.Stated),
            (DATE, ox.Literal("2025-11-20", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date"))),
        ]
        quads += [ox.Quad(position, predicate, value) for predicate, value in facts]
        quads.append(ox.Quad(actor, edge, target))
    return quads


def main(workdir: Path) -> None:
    print(f"{'triples':>9} {'stancegraph s':>14} {'pyshacl s':>10} {'pyshacl / stancegraph':>22}")
    validate_store(ox.Store())  # compile the shapes once, outside the timings
    store = ox.Store()
    clauses = 0
    for actors, clauses, drafts in SIZES:
        data = workdir / f"synthetic-{actors}.nt"
        write_synthetic(data, actors=actors, clauses=clauses, drafts=drafts, seed=0)
        store = scratch_store([data])
        store.extend(vocabulary_quads())
        ours = _seconds(lambda: validate_store(store))  # noqa: B023 - called at once
        if len(store) <= PYSHACL_UP_TO:
            theirs = _pyshacl_seconds(store)
            print(f"{len(store):>9} {ours:>14.2f} {theirs:>10.1f} {theirs / ours:>21.0f}x")
        else:
            print(f"{len(store):>9} {ours:>14.2f} {'-':>10} {'-':>22}")
    rng = random.Random(0)
    timings = []
    for run in range(CHANGES):
        added = _new_positions(rng, run, clauses)
        timings.append(_seconds(lambda: validate_change(store, added, [])))  # noqa: B023
    timings.sort()
    p99 = timings[min(len(timings) - 1, round(0.99 * len(timings)))]
    print(
        f"validate_change, {len(added)} triples added to {len(store)}: "
        f"p50 {statistics.median(timings) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms ({CHANGES} runs)"
    )


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(Path(sys.argv[1]))
    else:
        with tempfile.TemporaryDirectory() as temporary:
            main(Path(temporary))
