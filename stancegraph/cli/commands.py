"""The ``stancegraph`` command: a thin layer over the library, one subcommand per verb.

Every command that reads data takes ``--store DIR`` (an on-disk Oxigraph store)
or ``--endpoint URL`` (a remote SPARQL 1.1 endpoint); with neither it uses the
bundled peace-plan data in memory. Errors print one line and exit non-zero.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import click
import pyoxigraph as ox

from stancegraph.cli.analysis import analyse
from stancegraph.cli.options import (
    graph_option,
    output_option,
    store_options,
    target_store_option,
    write_atomically,
)
from stancegraph.cli.output import render_records, render_rows
from stancegraph.graph.errors import QuerySyntaxError, ShapeViolationError, StancegraphError, StoreError
from stancegraph.graph.export import FORMATS, export
from stancegraph.graph.loading import build_store, load_files, prepare
from stancegraph.graph.sources import drop_source, source_graphs
from stancegraph.graph.store import LocalStore, Store, open_disk_store
from stancegraph.graph.validation import validate_quads, validate_store
from stancegraph.ontology import PREFIXES


class _Group(click.Group):
    """Turns domain errors into one line on stderr and exit code 1, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ShapeViolationError as error:
            click.echo(f"stancegraph: error: {error}", err=True)
            for violation in error.report.violations:  # type: ignore[attr-defined]
                click.echo(f"  {violation}", err=True)
            ctx.exit(1)
        except StancegraphError as error:
            click.echo(f"stancegraph: error: {error}", err=True)
            ctx.exit(1)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="stancegraph")
def main() -> None:
    """stancegraph: who supports and who opposes which clause, with the evidence for every edge.

    With no --store or --endpoint, commands use the bundled data: the 2025
    US–Russia 28-point plan for the war in Ukraine, Europe's counter-proposal
    and the 19-point Geneva draft, as one news analysis describes them.
    """


@main.command()
@click.argument("query")
@store_options
@output_option
def query(query: str, store: Store, output_format: str) -> None:
    """Run a SPARQL query: a string, a .rq file, or - for standard input.

    The usual prefixes (sg, id, rdfs, dct, prov, skos, ...) are predeclared.

    \b
    Example:
      stancegraph query 'SELECT ?actor WHERE { ?actor sg:opposes id:plan-28-amnesty }'
    """
    text = _query_text(query)
    header = "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in PREFIXES.items())
    try:
        _run_query(store, header + text, _query_kind(text), output_format)
    except QuerySyntaxError as error:
        # Report positions in the user's text, not in the text with our prefixes prepended.
        shift = header.count("\n")
        message = re.sub(
            r"\b(\d+):(\d+)", lambda m: f"line {int(m[1]) - shift} column {m[2]}", str(error), count=1
        )
        raise QuerySyntaxError(f"invalid SPARQL: {message}") from None


def _run_query(store: Store, full: str, kind: str, output_format: str) -> None:
    if kind == "ASK":
        click.echo("true" if store.ask(full) else "false")
    elif kind in ("CONSTRUCT", "DESCRIBE"):
        ox.serialize(store.construct(full), sys.stdout.buffer, ox.RdfFormat.TURTLE, prefixes=PREFIXES)
    else:
        rows = store.select(full)
        columns = _columns(full, rows)
        click.echo(render_rows(rows, columns, output_format))


def _query_text(argument: str) -> str:
    if argument == "-":
        return sys.stdin.read()
    if argument.endswith(".rq"):
        path = Path(argument)
        if not path.is_file():
            raise click.BadParameter(f"no such query file: {argument}", param_hint="QUERY")
        return path.read_text(encoding="utf-8")
    return argument


def _query_kind(text: str) -> str:
    """The query form, from the first keyword after comments and prologue."""
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip().upper()
        for keyword in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
            if keyword in line.split():
                return keyword
    return "SELECT"


def _columns(query_text: str, rows: list[dict[str, Any]]) -> list[str]:
    """The projected variables in query order (pyoxigraph tells us through a zero-row run)."""
    try:
        return [variable.value for variable in ox.Store().query(query_text).variables]  # type: ignore[union-attr]
    except (SyntaxError, AttributeError):
        return sorted({name for row in rows for name in row})


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@target_store_option("to load into (created if missing)")
@click.option("--no-validate", is_flag=True, help="Skip SHACL validation (for large trusted bulk data).")
def load(files: tuple[Path, ...], store_path: Path, no_validate: bool) -> None:
    """Add RDF files to an on-disk store: all of them, or nothing.

    Every file is parsed and the whole result validated against the shapes
    (together with what the store already holds) before anything is written;
    then it is written in one transaction. The truthy supports/opposes edges
    are derived from the positions on the way in, into each position's graph.

    Each source's facts go into its own named graph (graph/ID for the source
    id/ID). TriG and N-Quads files keep their graphs. In Turtle, N-Triples,
    JSON-LD and RDF/XML files: a file that cites one source (dct:source) goes
    whole into its graph; otherwise a subject with dct:source X goes to X's
    graph (and X too), the vocabulary's own sg: terms to the vocabulary graph,
    a subject citing no source to the graphs of the sources that point at it,
    and anything else is an error: give it a dct:source, or write TriG with
    one graph per source.

    \b
    Example:
      stancegraph load --store ./data.oxigraph graph/data/peace-plan-2025.trig
    """
    missing = [str(path) for path in files if not path.is_file()]
    if missing:
        raise click.BadParameter(f"no such file: {', '.join(missing)}", param_hint="FILES")
    total = sum(path.stat().st_size for path in files)
    with click.progressbar(length=total, label="loading", file=sys.stderr, show_pos=False) as bar:
        if store_path.exists():
            store = open_disk_store(store_path)
            report = load_files(store, list(files), validate=not no_validate, on_progress=bar.update)
        else:
            report = build_store(store_path, list(files), validate=not no_validate, on_progress=bar.update)
    click.echo(
        f"loaded {len(files)} file(s): {report.added} new triples, {report.quads_after} in {store_path}"
    )


@main.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=Path, dir_okay=False))
@store_options
def validate(files: tuple[Path, ...], store: Store) -> None:
    """Check data against the SHACL shapes; exit 1 on any violation.

    With FILES, validates those files (with the edges they imply); without,
    validates the store (or the bundled data).

    \b
    Example:
      stancegraph validate my-new-source.ttl
    """
    if files:
        report = validate_quads(prepare(list(files)))
    elif isinstance(store, LocalStore):
        report = validate_store(store.oxigraph)  # in place: no copy of a large store
    else:
        report = validate_quads(store.all_quads())
    for violation in report.violations:
        click.echo(str(violation))
    click.echo(report.summary())
    if not report.conforms:
        sys.exit(1)


@main.command(name="drop-source")
@click.argument("source", metavar="ID")
@target_store_option("to retract the source from")
def drop_source_command(source: str, store_path: Path) -> None:
    """Retract a source: remove its graph, with the positions and edges only it backs, in one transaction.

    Whatever another source also says (a shared actor, an edge its own
    positions back) stays. An unknown id changes nothing and exits 1.

    \b
    Example:
      stancegraph drop-source roff-us-russian-peace-plan --store ./data.oxigraph
    """
    if not store_path.is_dir():
        raise StoreError(f"{store_path}: no store directory here")
    store = open_disk_store(store_path)
    try:
        removed = drop_source(store, source)
    finally:
        store.close()
    click.echo(f"dropped source {source}: {removed} triples from {store_path}")


@main.command(name="export")
@click.option("--format", "format_name", type=click.Choice(FORMATS), default="turtle", show_default=True)
@click.option(
    "--document",
    metavar="ID",
    help="Only what this source document backs: it and everything citing it (RDF formats).",
)
@click.option(
    "--out", type=click.Path(path_type=Path, dir_okay=False), help="File to write (default: stdout)."
)
@store_options
def export_command(format_name: str, document: str | None, out: Path | None, store: Store) -> None:
    """Write the dataset as Turtle, N-Triples, JSON-LD, RDF/XML, TriG, N-Quads, GraphML, GEXF or a CSV of positions.

    TriG and N-Quads keep one named graph per source; the other RDF formats
    write the union of all graphs.

    \b
    Example:
      stancegraph export --format graphml --out stances.graphml
      stancegraph export --format positions-csv --out positions.csv
      stancegraph export --format turtle --document roff-us-russian-peace-plan
      stancegraph export --format trig --out by-source.trig
    """
    if out is None:
        export(store, format_name, sys.stdout.buffer, document=document)
        return
    write_atomically(out, lambda handle: export(store, format_name, handle, document=document))
    click.echo(f"wrote {out}", err=True)


@main.command()
@click.option(
    "--sources", "by_source", is_flag=True, help="Count the triples of each source's graph instead."
)
@store_options
@output_option
def stats(by_source: bool, store: Store, output_format: str) -> None:
    """Count actors, drafts, clauses, positions and claims; or, with --sources, triples per source.

    \b
    Example:
      stancegraph stats --format json
      stancegraph stats --sources
    """
    if by_source:
        records = [vars(graph) for graph in source_graphs(store)]
        click.echo(render_records(records, ["source", "graph", "triples"], output_format))
        return
    rows = store.rows("stats") + store.rows("triple-count")
    counts = [
        {"kind": ox.Literal("triples"), "count": row["triples"]} if "triples" in row else row for row in rows
    ]
    click.echo(render_rows(counts, ["kind", "count"], output_format))


@main.command()
@click.option(
    "--out", type=click.Path(path_type=Path, dir_okay=False), required=True, help="The HTML file to write."
)
@store_options
def view(out: Path, store: Store) -> None:
    """Write the interactive graph viewer as one HTML file that opens offline, from disk.

    Data, scripts and styles are all inside the file: it makes no network
    request. The same viewer is served at /viewer by `stancegraph serve`.

    \b
    Example:
      stancegraph view --out stances.html
    """
    from stancegraph.graph.payload import graph_payload
    from stancegraph.graph.projection import WHOLE
    from stancegraph.graph.relations import viewer_graph
    from stancegraph.graph.viewer import render_viewer

    payload = graph_payload(viewer_graph(store, WHOLE))
    html = render_viewer(payload, standalone=True).encode("utf-8")
    write_atomically(out, lambda handle: handle.write(html))
    click.echo(f"wrote {out}: {len(payload['nodes'])} nodes, {len(payload['edges'])} edges", err=True)


@main.command()
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@target_store_option("to add to")
@click.option(
    "--source-text",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="The source as plain text; every quote must occur in it (else the file's source.text).",
)
@click.option("--dry-run", is_flag=True, help="Run every check and write nothing.")
def add(file: Path, store_path: Path, source_text: Path | None, dry_run: bool) -> None:
    """Add a new source and its actors, clauses, positions and claims from a YAML file.

    The file is checked (structure, references, lookalike actor names, every
    quote present in the source text, the SHACL shapes together with the
    store) and only then written, in one transaction, with provenance.
    Adding the same file again changes nothing. The format is in docs/curation.md.

    \b
    Example:
      stancegraph add --store ./plan.oxigraph new-statement.yaml --source-text statement.txt
    """
    from stancegraph.graph.curation import add_file

    store = open_disk_store(store_path)
    report = add_file(store, file, source_text=source_text, dry_run=dry_run)
    for line in report.lines():
        click.echo(line)


main.add_command(analyse)


@main.command()
@click.option("--actors", type=click.IntRange(min=7), default=1000, show_default=True)
@click.option("--clauses", type=click.IntRange(min=1), default=10000, show_default=True)
@click.option("--drafts", type=click.IntRange(min=1), default=20, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--hostile-labels", is_flag=True, help="Give one actor an HTML-looking label (escaping tests).")
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="A .nt, .ttl, .trig or .nq file (TriG and N-Quads name each source's graph).",
)
def synth(actors: int, clauses: int, drafts: int, seed: int, hostile_labels: bool, out: Path) -> None:
    """Write a synthetic graph of the same shape as the real one, for benchmarks and scale tests.

    Skewed like real data (a few actors take most positions) and deterministic
    by seed. The defaults write about one million triples. Every node cites a
    source; as TriG or N-Quads each is in its source's graph, which loads fastest.

    \b
    Example:
      stancegraph synth --actors 1000 --clauses 10000 --drafts 20 --seed 0 --out synthetic.nq
    """
    from stancegraph.graph.synth import write_synthetic

    if clauses < drafts:
        raise click.BadParameter("need at least one clause per draft", param_hint="--clauses")
    report = write_synthetic(
        out, actors=actors, clauses=clauses, drafts=drafts, seed=seed, hostile_labels=hostile_labels
    )
    click.echo(
        f"wrote {out}: {report.triples} triples ({report.actors} actors, {report.drafts} drafts, "
        f"{report.clauses} clauses, {report.positions} positions, {report.claims} claims)"
    )


@main.command()
@click.option(
    "--host",
    envvar="STANCEGRAPH_HOST",
    default="127.0.0.1",
    show_default=True,
    help="Interface to listen on [env STANCEGRAPH_HOST].",
)
@click.option(
    "--port",
    envvar="STANCEGRAPH_PORT",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port (0: any free one) [env STANCEGRAPH_PORT].",
)
@click.option(
    "--store",
    "store_path",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    envvar="STANCEGRAPH_STORE",
    help="Serve this on-disk store (queries run in worker processes with a deadline) [env STANCEGRAPH_STORE].",
)
@click.option(
    "--endpoint",
    envvar="STANCEGRAPH_ENDPOINT",
    help="Relay to this SPARQL endpoint instead [env STANCEGRAPH_ENDPOINT].",
)
@graph_option
def serve(
    host: str, port: int, store_path: Path | None, endpoint: str | None, graphs: tuple[str, ...]
) -> None:
    """Serve /sparql, the JSON API (/api, /docs) and the linked-data pages (/id) over HTTP.

    With no --store or --endpoint it serves the bundled data from memory.
    In front of an endpoint that holds other graphs too (Virtuoso always
    does), name the data's graphs with --graph.
    Logs one line per request. More settings (CORS origins, page size,
    timeouts) come from STANCEGRAPH_* environment variables.

    \b
    Examples:
      stancegraph serve --port 8000
      stancegraph serve --endpoint http://127.0.0.1:8890/sparql --graph https://w3id.org/stancegraph/graph/bundled
    """
    from stancegraph.api.server import serve as run_server
    from stancegraph.api.settings import Settings

    run_server(
        Settings.from_env(host=host, port=port, store=store_path, endpoint=endpoint, graphs=graphs or None)
    )
