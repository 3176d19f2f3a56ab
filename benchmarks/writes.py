"""Validated writes on a big store: what one write costs, and whether that grows with the store.

``python -m benchmarks.writes --triples 1000000`` builds an on-disk store from ``stancegraph synth``
output (as ``stancegraph load`` does), then times writes of about 100 triples each, interleaved:

* ``stancegraph``: a validated write (plan the difference, derive the edges, validate, apply),
  as a SPARQL Update (``INSERT DATA``) and as quads (the Graph Store Protocol's POST);
* ``stancegraph curate``: a curation (a new statement, its speaker, one position on a stored
  clause, the quote placed in the statement's text), as ``stancegraph add`` and ``POST
  /api/sources`` run it: checks, lookalike names against every stored actor, the same validated write;
* ``oxigraph``: the same ``INSERT DATA`` run by Oxigraph itself, unvalidated: the engine's own
  cost of the write, the peer the ratio is taken against.

Each write adds copies of an existing position under new IRIs (valid by construction), so every
write is a real change. The process's RSS before and after the writes shows whether memory grows
with the writes (it must not grow with the store).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox

from benchmarks.procfs import rss_by_process
from stancegraph.graph.curation import curate
from stancegraph.graph.loading import build_store
from stancegraph.graph.store import open_disk_store
from stancegraph.graph.writes import apply, plan_addition, plan_update
from stancegraph.ontology import SG

MB = 1024 * 1024
SYNTH_SIZES = {  # triples wanted -> (actors, clauses, drafts) for `stancegraph synth`
    10_000: (10, 100, 2),
    100_000: (100, 1_000, 5),
    1_000_000: (1_000, 10_000, 20),
}


def synthetic(triples: int, workdir: Path) -> Path:
    actors, clauses, drafts = SYNTH_SIZES[triples]
    out = workdir / f"synth-{triples}.nt"
    sizes = ["--actors", str(actors), "--clauses", str(clauses), "--drafts", str(drafts)]
    subprocess.run(
        ["stancegraph", "synth", *sizes, "--out", str(out)],
        check=True,
        capture_output=True,
    )
    return out


def position_copies(store: ox.Store, serial: int, copies: int) -> list[ox.Quad]:
    """``copies`` new positions, each a copy of one stored position under a new IRI, in its graph.

    Each write copies another position (the ``serial``-th): copying one position over and over would
    pile ever more positions onto one stance edge, which every later write then checks.
    """
    query = f"SELECT ?p WHERE {{ ?p a <{SG.Position.value}> }} LIMIT 1 OFFSET {serial}"
    original = next(iter(store.query(query, use_default_graph_as_union=True)))["p"]  # type: ignore[index]
    quads = [q for q in store.quads_for_pattern(original, None, None, None)]
    made = []
    for index in range(copies):
        twin = ox.NamedNode(f"{original.value}-copy-{serial}-{index}")
        made += [ox.Quad(twin, q.predicate, q.object, q.graph_name) for q in quads]
    return made


def curation(serial: int, clause: str) -> tuple[str, str]:
    """A small curation (YAML) and its source's text: a new statement by a new speaker against ``clause``."""
    yaml = (
        f"source: {{label: Benchmark statement {serial}, kind: statement}}\n"
        f"actors: [{{label: Benchmark speaker {serial}, kind: person, new: true}}]\n"
        f"positions:\n  - {{actor: benchmark-speaker-{serial}, stance: opposes, target: {clause},\n"
        f"     quote: We oppose point {serial}., certainty: stated}}\n"
    )
    return yaml, f"Our statement. We oppose point {serial}. That is all."


def insert_data(quads: list[ox.Quad]) -> str:
    lines = [
        f"GRAPH {q.graph_name} {{ {q.triple} }}"
        if not isinstance(q.graph_name, ox.DefaultGraph)
        else f"{q.triple} ."
        for q in quads
    ]
    return "INSERT DATA { " + " ".join(lines) + " }"


def rss_bytes() -> int:
    return rss_by_process([os.getpid()])[os.getpid()]


def timed(work: Callable[[], None]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run(triples: int, writes: int, workdir: Path) -> None:
    data = synthetic(triples, workdir)
    store_dir = workdir / f"store-{triples}"
    build_store(store_dir, [data], validate=False)
    store = open_disk_store(store_dir)
    engine = store.engine()
    size = len(engine)
    per_write = max(1, 100 // max(1, len(position_copies(engine, 0, 1))))
    clause_query = f"SELECT ?c WHERE {{ ?c a <{SG.Clause.value}> }} LIMIT 1"
    clause = next(iter(engine.query(clause_query, use_default_graph_as_union=True)))["c"].value  # type: ignore[index]
    times: dict[str, list[float]] = {
        "stancegraph update": [],
        "stancegraph add": [],
        "stancegraph curate": [],
        "oxigraph update": [],
    }
    rss_before = rss_bytes()
    for serial in range(writes):
        update = insert_data(position_copies(engine, 3 * serial, per_write))
        batch = position_copies(engine, 3 * serial + 1, per_write)
        raw = insert_data(position_copies(engine, 3 * serial + 2, per_write))
        times["stancegraph update"].append(timed(lambda u=update: apply(store, plan_update(store, u))))
        times["stancegraph add"].append(timed(lambda b=batch: apply(store, plan_addition(store, b))))
        text, source = curation(serial, clause)
        times["stancegraph curate"].append(timed(lambda t=text, s=source: curate(store, t, source_text=s)))
        times["oxigraph update"].append(timed(lambda r=raw: engine.update(r)))
    growth = (rss_bytes() - rss_before) / MB
    peer = statistics.median(times["oxigraph update"])
    print(f"\n{size:,} quads on disk, {writes} writes of ~{per_write * 9} triples each, interleaved")
    print(f"{'contestant':<20} {'p50 ms':>8} {'p99 ms':>8} {'p50 vs oxigraph':>16}")
    for name, values in times.items():
        p50, p99 = statistics.median(values), percentile(values, 0.99)
        print(f"{name:<20} {1000 * p50:8.1f} {1000 * p99:8.1f} {p50 / peer:15.1f}x")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"RSS growth over the writes: {growth:+.1f} MB (peak RSS {peak:.0f} MB)")
    store.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--triples", type=int, nargs="+", default=[100_000, 1_000_000], choices=sorted(SYNTH_SIZES)
    )
    parser.add_argument("--writes", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="stancegraph-writes-") as directory:
        for triples in args.triples:
            run(triples, args.writes, Path(directory))


if __name__ == "__main__":
    sys.exit(main())
