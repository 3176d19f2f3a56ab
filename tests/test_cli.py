"""The ``stancegraph`` command as a user runs it: a real process, real files, real on-disk stores."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from benchmarks.loading import split_for_adding
from stancegraph.graph.loading import bundled_files
from stancegraph.graph.synth import write_synthetic

DATA = bundled_files()[0]
COUNT_TRIPLES = "SELECT (COUNT(*) AS ?triples) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }"
EXECUTABLE = shutil.which("stancegraph")


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    assert EXECUTABLE, "stancegraph is not installed (pip install -e .)"
    return subprocess.run([EXECUTABLE, *args], capture_output=True, text=True, input=stdin, timeout=120)


def store_contents(path: Path) -> set[ox.Quad]:
    store = ox.Store.read_only(str(path))
    return set(store.quads_for_pattern(None, None, None))


@pytest.fixture
def loaded_store(tmp_path: Path) -> Path:
    path = tmp_path / "store"
    result = run("load", "--store", str(path), str(DATA))
    assert result.returncode == 0, result.stderr
    return path


def test_help_explains_every_command() -> None:
    result = run("--help")
    assert result.returncode == 0
    for command in ("load", "query", "validate", "export", "stats"):
        assert command in result.stdout
    assert "Example:" in run("query", "--help").stdout


def test_query_the_bundled_data_as_a_table() -> None:
    result = run(
        "query",
        "SELECT ?label WHERE { ?a sg:opposes id:plan-28-amnesty ; rdfs:label ?label } ORDER BY ?label",
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].strip() == "label"
    assert [line.strip() for line in lines[2:5]] == ["Europe", "Ukraine", "United States"]
    assert lines[-1] == "(3 rows)"


@pytest.mark.parametrize("output_format", ["json", "csv"])
def test_query_output_formats(output_format: str) -> None:
    query = "SELECT ?cap WHERE { ?c sg:personnelCap ?cap }"
    result = run("query", "--format", output_format, query)
    assert result.returncode == 0, result.stderr
    if output_format == "json":
        assert json.loads(result.stdout) == [{"cap": 600000}]
    else:
        assert result.stdout.splitlines() == ["cap", "600000"]


def test_query_from_a_file_and_from_stdin(tmp_path: Path) -> None:
    query_file = tmp_path / "q.rq"
    query_file.write_text("ASK { id:plan-19-point-geneva sg:isPublic false }")
    assert run("query", str(query_file)).stdout.strip() == "true"
    assert (
        run("query", "-", stdin="ASK { id:plan-19-point-geneva sg:isPublic true }").stdout.strip() == "false"
    )


def test_construct_prints_turtle() -> None:
    result = run("query", "CONSTRUCT { id:nato ?p ?o } WHERE { id:nato ?p ?o }")
    assert result.returncode == 0
    assert ox.Store().load(result.stdout, format=ox.RdfFormat.TURTLE) is None
    assert "NATO" in result.stdout


def test_malformed_sparql_gets_one_line_with_the_position() -> None:
    result = run("query", "SELECT ?x WHERE { ?x }")
    assert result.returncode == 1
    assert result.stderr.startswith("stancegraph: error: invalid SPARQL:")
    assert "line 1 column" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_load_then_query_and_stats_from_disk(loaded_store: Path) -> None:
    stats = json.loads(run("stats", "--store", str(loaded_store), "--format", "json").stdout)
    counts = {row["kind"]: row["count"] for row in stats}
    assert counts["positions"] == 14 and counts["drafts"] == 3
    answer = run(
        "query",
        "--store",
        str(loaded_store),
        "--format",
        "json",
        "SELECT ?a WHERE { ?a sg:supports id:plan-28-point }",
    )
    assert {row["a"] for row in json.loads(answer.stdout)} == {
        "https://w3id.org/stancegraph/id/us",
        "https://w3id.org/stancegraph/id/russia",
    }


def test_loading_the_same_file_twice_changes_nothing(loaded_store: Path) -> None:
    before = store_contents(loaded_store)
    result = run("load", "--store", str(loaded_store), str(DATA))
    assert result.returncode == 0
    assert "0 new triples" in result.stdout
    assert store_contents(loaded_store) == before


def bad_inputs(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """Each broken input, with a fragment the error message must contain."""
    malformed = tmp_path / "malformed.ttl"
    malformed.write_text('@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:a ex:b "open .\n')
    violating = tmp_path / "violating.ttl"
    violating.write_text(
        "@prefix sg: <https://w3id.org/stancegraph/ns#> .\n"
        "@prefix id: <https://w3id.org/stancegraph/id/> .\n"
        "@prefix dct: <http://purl.org/dc/terms/> .\n"
        "id:someone a sg:Person ; dct:source id:roff-us-russian-peace-plan .\n"  # no label
    )
    unknown = tmp_path / "data.xyz"
    unknown.write_text("whatever")
    sourceless = tmp_path / "sourceless.ttl"
    sourceless.write_text(
        '<https://w3id.org/stancegraph/id/someone> <http://www.w3.org/2000/01/rdf-schema#label> "x"@en .\n'
    )
    return {
        "malformed": (malformed, "malformed.ttl: Parser error between line 3"),
        "violating": (violating, "shape violation"),
        "sourceless": (sourceless, "sourceless.ttl: cannot tell which source says"),
        "unknown format": (unknown, "unknown RDF format '.xyz'"),
    }


@pytest.mark.parametrize("case", ["malformed", "violating", "sourceless", "unknown format"])
def test_a_bad_file_is_refused_and_the_store_is_unchanged(
    loaded_store: Path, tmp_path: Path, case: str
) -> None:
    path, fragment = bad_inputs(tmp_path)[case]
    before = store_contents(loaded_store)
    # the bad file comes second: the good first file must not be written either
    extra = tmp_path / "good.trig"
    extra.write_text(
        "<https://w3id.org/stancegraph/graph/roff-us-russian-peace-plan> { "
        '<https://w3id.org/stancegraph/id/nato> <http://www.w3.org/2004/02/skos/core#altLabel> "North Atlantic Treaty Organization"@en }\n'
    )
    result = run("load", "--store", str(loaded_store), str(extra), str(path))
    assert result.returncode == 1
    assert fragment in result.stderr
    assert "Traceback" not in result.stderr
    assert store_contents(loaded_store) == before


@pytest.mark.parametrize("case", ["violating", "good"])
def test_files_that_outweigh_the_store_are_validated_with_it_whole(tmp_path: Path, case: str) -> None:
    """Files several times the store's size are validated with it whole (in a copy): the same verdict
    as a small change gets, nothing half-written, and the report counts only the new triples."""
    small = tmp_path / "small.nq"
    write_synthetic(small, actors=7, clauses=2, drafts=1, seed=0)
    target = tmp_path / "store"
    assert run("load", "--store", str(target), str(small)).returncode == 0
    before = store_contents(target)
    files = [str(DATA)] + ([str(bad_inputs(tmp_path)["violating"][0])] if case == "violating" else [])
    result = run("load", "--store", str(target), *files)
    if case == "violating":
        assert result.returncode == 1 and "shape violation" in result.stderr
        assert "Traceback" not in result.stderr
        assert store_contents(target) == before
    else:
        assert result.returncode == 0, result.stderr
        assert before < store_contents(target)
        # the report counts what is new, as a count of the whole store would
        counted = run("query", "--store", str(target), "--format", "json", COUNT_TRIPLES)
        total = int(json.loads(counted.stdout)[0]["triples"])
        assert f"in {target}" in result.stdout and f" {total} in " in result.stdout


def test_a_missing_file_is_a_usage_error(loaded_store: Path) -> None:
    before = store_contents(loaded_store)
    result = run("load", "--store", str(loaded_store), "no-such-file.ttl")
    assert result.returncode == 2
    assert "no such file: no-such-file.ttl" in result.stderr
    assert store_contents(loaded_store) == before


def test_validate_reports_violations_and_exits_non_zero(tmp_path: Path) -> None:
    assert run("validate").returncode == 0
    path, _ = bad_inputs(tmp_path)["violating"]
    result = run("validate", str(path))
    assert result.returncode == 1
    assert "every node needs exactly one English rdfs:label" in result.stdout


@pytest.mark.parametrize(
    ("export_format", "rdf_format"),
    [
        ("turtle", ox.RdfFormat.TURTLE),
        ("ntriples", ox.RdfFormat.N_TRIPLES),
        ("jsonld", ox.RdfFormat.JSON_LD),
        ("rdfxml", ox.RdfFormat.RDF_XML),
    ],
)
def test_rdf_exports_round_trip(
    tmp_path: Path, export_format: str, rdf_format: ox.RdfFormat, bundled
) -> None:
    out = tmp_path / f"export.{export_format}"
    result = run("export", "--format", export_format, "--out", str(out))
    assert result.returncode == 0, result.stderr
    exported = ox.Store()
    exported.load(path=str(out), format=rdf_format)
    assert len(exported) == bundled.count()


@pytest.mark.parametrize("graph_format", ["graphml", "gexf"])
def test_graph_exports_hold_the_stance_edges(tmp_path: Path, graph_format: str) -> None:
    import networkx as nx

    out = tmp_path / f"export.{graph_format}"
    assert run("export", "--format", graph_format, "--out", str(out)).returncode == 0
    graph = nx.read_graphml(out) if graph_format == "graphml" else nx.read_gexf(out)
    relations = [data.get("relation") for _, _, data in graph.edges(data=True)]
    assert relations.count("supports") == 7 and relations.count("opposes") == 7


def test_synth_writes_a_graph_that_loads_and_conforms(tmp_path: Path) -> None:
    out = tmp_path / "synthetic.nt"
    result = run(
        "synth", "--actors", "20", "--clauses", "60", "--drafts", "3", "--seed", "4", "--out", str(out)
    )
    assert result.returncode == 0, result.stderr
    triples = int(result.stdout.split(": ", 1)[1].split(" ", 1)[0])
    assert sum(1 for line in out.read_text().splitlines() if line.strip()) == triples
    assert run("validate", str(out)).returncode == 0


def test_synth_refuses_impossible_sizes(tmp_path: Path) -> None:
    result = run("synth", "--clauses", "2", "--drafts", "5", "--out", str(tmp_path / "x.nt"))
    assert result.returncode == 2
    assert "need at least one clause per draft" in result.stderr
    assert not (tmp_path / "x.nt").exists()


def test_analyse_alignment_cites_the_positions_behind_each_pair() -> None:
    result = run("analyse", "alignment", "--actor", "ukraine", "--format", "json")
    assert result.returncode == 0, result.stderr
    pairs = {(pair["actor"]["id"], pair["other"]["id"]): pair for pair in json.loads(result.stdout)}
    with_us = pairs.get(("ukraine", "us")) or pairs[("us", "ukraine")]
    assert (with_us["agreements"], with_us["disagreements"], with_us["score"]) == (4, 0, 1.0)
    assert "https://w3id.org/stancegraph/id/position-ukraine-opposes-amnesty" in with_us["positions"]


@pytest.mark.parametrize("measure", ["coalitions", "contested", "centrality"])
def test_analyse_measures_print_tables(measure: str) -> None:
    result = run("analyse", measure)
    assert result.returncode == 0, result.stderr
    assert "United States" in result.stdout and result.stdout.rstrip().endswith("rows)")


def test_analyse_timeline_and_diff() -> None:
    timeline = run("analyse", "timeline", "--as-of", "2025-11-19", "--format", "csv")
    assert timeline.stdout.splitlines() == ["actor,stance,target,date,draft,certainty,position"]
    diff = run("analyse", "diff", "plan-28-point", "european-counter-proposal", "--format", "csv")
    assert "reworded" in diff.stdout and "removed" in diff.stdout
    backwards = run("analyse", "diff", "european-counter-proposal", "plan-28-point")
    assert backwards.returncode == 1
    assert "not a revision of" in backwards.stderr
    unknown = run("analyse", "diff", "plan-28-point", "no-such-draft")
    assert unknown.returncode == 1 and "no draft with id 'no-such-draft'" in unknown.stderr


def test_add_a_curation_file_twice_adds_once(loaded_store: Path) -> None:
    example = Path(__file__).parent / "data" / "curation-example.yaml"
    first = run("add", "--store", str(loaded_store), str(example))
    assert first.returncode == 0, first.stderr
    after_first = store_contents(loaded_store)
    second = run("add", "--store", str(loaded_store), str(example))
    assert second.returncode == 0, second.stderr
    assert store_contents(loaded_store) == after_first


@pytest.mark.parametrize(
    ("old", "new", "said"),
    [
        ("was leaked.", "was leaked yesterday.", "drafts[0].quote: not found in the source text"),
        ("drafts:\n", "drafts:\n  - {label: A draft by nobody (test), certainty: stated}\n", "dct:creator"),
    ],
)
def test_add_refuses_a_bad_curation_in_one_line_and_writes_nothing(
    loaded_store: Path, tmp_path: Path, old: str, new: str, said: str
) -> None:
    example = Path(__file__).parent / "data" / "curation-example.yaml"
    broken = tmp_path / "broken.yaml"
    assert old in example.read_text(encoding="utf-8")
    broken.write_text(example.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    (tmp_path / "curation-example-source.txt").write_text(
        (example.parent / "curation-example-source.txt").read_text(encoding="utf-8"), encoding="utf-8"
    )
    before = store_contents(loaded_store)
    result = run("add", "--store", str(loaded_store), str(broken))
    assert result.returncode == 1
    first = result.stderr.splitlines()[0]  # then, for shapes, one line per violation
    assert first.startswith("stancegraph: error: ") and said in first and "Traceback" not in result.stderr
    assert store_contents(loaded_store) == before


@pytest.mark.parametrize("command", [["export", "--format", "turtle"], ["view"]])
def test_an_unwritable_out_is_one_line_and_leaves_no_partial_file(tmp_path: Path, command: list[str]) -> None:
    out = tmp_path / "no-such-dir" / "out.file"
    result = run(*command, "--out", str(out))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "no-such-dir" in result.stderr
    assert not list(tmp_path.rglob("*.partial"))


@pytest.mark.parametrize("case", ["malformed", "violating", "sourceless"])
def test_a_bad_file_never_creates_a_half_built_store(tmp_path: Path, case: str) -> None:
    path, fragment = bad_inputs(tmp_path)[case]
    target = tmp_path / "new-store"
    result = run("load", "--store", str(target), str(DATA), str(path))
    assert result.returncode == 1
    assert fragment in result.stderr
    assert not target.exists()
    assert [p.name for p in tmp_path.iterdir() if "partial" in p.name] == []


def test_kill_9_while_a_new_store_is_written_leaves_no_store(tmp_path: Path) -> None:
    data = tmp_path / "synthetic.nq"
    write_synthetic(data, actors=30, clauses=300, drafts=5, seed=0)
    target = tmp_path / "new-store"
    assert EXECUTABLE, "stancegraph is not installed (pip install -e .)"
    loader = subprocess.Popen(
        [EXECUTABLE, "load", "--store", str(target), str(data)], stderr=subprocess.DEVNULL
    )
    # validated in memory first; the kill lands once the bulk write into the hidden sibling has begun
    kill_once_writing(loader, tmp_path, ".new-store.partial-*/store")
    assert not target.exists()
    result = run(
        "load", "--store", str(target), str(data)
    )  # what the kill left behind does not get in the way
    assert result.returncode == 0, result.stderr
    assert len(store_contents(target)) > 29_000


def test_kill_9_while_adding_to_a_store_leaves_it_as_it_was_or_complete(tmp_path: Path) -> None:
    """Adding writes with one bulk load, which Oxigraph ingests at once: a kill never leaves half of it."""
    base, added, _ = split_for_adding(write_synthetic_file(tmp_path / "synthetic.nq"), tmp_path)
    target, reference = tmp_path / "store", tmp_path / "reference"
    assert run("load", "--store", str(target), str(base)).returncode == 0
    shutil.copytree(target, reference)
    assert run("load", "--store", str(reference), str(added)).returncode == 0
    before, complete = store_contents(target), store_contents(reference)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    loader = subprocess.Popen(
        [EXECUTABLE, "load", "--store", str(target), str(added)],
        stderr=subprocess.DEVNULL,
        env={**os.environ, "TMPDIR": str(scratch)},
    )
    # the kill lands once the files are parsed and validated and the bulk write has begun
    kill_once_writing(loader, scratch, "stancegraph-add-*/quads.nq")
    assert store_contents(target) in (before, complete)
    assert run("load", "--store", str(target), str(added)).returncode == 0
    assert store_contents(target) == complete


def kill_once_writing(loader: subprocess.Popen[bytes], folder: Path, written: str) -> None:
    """``kill -9`` the loader as soon as a file matching ``written`` appears in ``folder`` (or it ends first)."""
    try:
        deadline = time.monotonic() + 120
        while not list(folder.glob(written)) and loader.poll() is None:
            assert time.monotonic() < deadline, "the load never started writing"
            time.sleep(0.002)
    finally:
        os.kill(loader.pid, signal.SIGKILL)
        loader.wait(10)


def write_synthetic_file(path: Path) -> Path:
    write_synthetic(path, actors=30, clauses=300, drafts=5, seed=0)
    return path


def test_a_new_store_is_built_whole(tmp_path: Path, bundled) -> None:
    target = tmp_path / "new-store"
    result = run("load", "--store", str(target), str(DATA))
    assert result.returncode == 0, result.stderr
    assert len(store_contents(target)) == bundled.count()
