"""The tables a run prints: each contestant against `oxigraph serve` on the same request and mode.

Every row starts with :func:`row_start` (request, mode, contestant), so a row
can be found and quoted by what it measures.
"""

from __future__ import annotations

from collections.abc import Iterable

from benchmarks.loading import LoadResult
from benchmarks.measure import Timing
from benchmarks.stream import StreamResult

BASELINE = "oxigraph serve"
CACHED = "stancegraph (cached)"
PROCESSES = "stancegraph"
THREADS = "stancegraph (threads)"

# the targets of issue #8, read off the tables below
THROUGHPUT_TARGET = 0.9  # at least this share of oxigraph serve's requests per second
TAIL_TARGET = 3.0  # p99 at most this many times p50
REPEAT_TARGET = 10.0  # a repeated query this many times faster than oxigraph serve
FIRST_BYTE_TARGET = 0.1  # seconds
GROWTH_TARGET = 50 * 1024 * 1024  # bytes of server RSS growth while streaming, cold or warm
MB = 1024 * 1024


def row_start(request: str, mode: str, contestant: str) -> str:
    """The start of a table row: which request, how, on whom."""
    return f"{request:<28} {mode:<11} {contestant:<22}"


def _header(title: str, columns: str) -> list[str]:
    header = f"{row_start('request', 'mode', 'contestant')} {columns}"
    return [title, header, "-" * len(header)]


def _order(timings: Iterable[Timing]) -> list[Timing]:
    """SPARQL before the API, by request, then sequential and the concurrency levels; contestants as run."""
    return sorted(
        timings, key=lambda t: (t.request.startswith("api"), t.request, t.mode != "sequential", t.clients)
    )


def _index(timings: Iterable[Timing]) -> dict[tuple[str, str, str], Timing]:
    return {(t.contestant, t.request, t.mode): t for t in timings if t.successes}


def _why_none(t: Timing) -> str:
    """Why a row has no successful answer: an error, or every answer refused (503) or stopped (504)."""
    if t.error:
        return t.error
    return f"no answer: {t.refused} refused with 503, {t.stopped} stopped with 504"


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.1f}"


def format_loads(results: list[LoadResult]) -> str:
    lines = [
        f"{'loading ' + format(results[0].triples, ',') + ' triples':<50} {'seconds':>8} {'peak RSS MB':>12}"
    ]
    lines += [f"{r.way:<50} {r.seconds:>8.2f} {r.peak_rss_mb:>12.0f}" for r in results]
    return "\n".join(lines)


def format_table(timings: list[Timing]) -> str:
    """Median, p99 and the ratio of medians to oxigraph serve on the same request and mode."""
    baseline = {(t.request, t.mode): t.median for t in timings if t.contestant == BASELINE and t.successes}
    lines = _header(
        "latency (ms; ratio: median / oxigraph serve's median, lower is better)",
        f"{'median ms':>10} {'p99 ms':>9} {'ratio':>7} {'n':>5}  answer",
    )
    for t in _order(timings):
        if not t.successes:
            lines.append(
                f"{row_start(t.request, t.mode, t.contestant)} {'-':>10} {'-':>9} {'-':>7} {0:>5}  {_why_none(t)}"
            )
            continue
        base = baseline.get((t.request, t.mode))
        ratio = f"{t.median / base:.2f}" if base else "-"
        answer = t.note + (f" ({t.error})" if t.error else "")
        if t.refused or t.stopped:
            timed = "; the median and p99 include them" if t.tail_covers_errors else ""
            answer += f" ({t.refused} refused with 503, {t.stopped} stopped with 504{timed})"
        lines.append(
            f"{row_start(t.request, t.mode, t.contestant)} {t.median * 1000:>10.1f} {t.p99 * 1000:>9.1f}"
            f" {ratio:>7} {t.successes:>5}  {answer}"
        )
    return "\n".join(lines)


def format_throughput(timings: list[Timing], generator: str) -> str:
    """Requests per second with every client busy, its ratio to oxigraph serve, and the tail.

    ``generator`` names the load generator: its CPU is the clients column, and
    it decides what the percentiles are over.
    """
    concurrent = [t for t in timings if t.elapsed is not None or t.mode != "sequential"]
    baseline = {(t.request, t.mode): t.throughput for t in concurrent if t.contestant == BASELINE}
    lines = _header(
        f"throughput (every client busy; load generator: {generator};"
        f" targets: >= {THROUGHPUT_TARGET:g}x oxigraph serve's req/s, p99 <= {TAIL_TARGET:g}x p50;"
        " req/s and n: 200 answers; p50 and p99: of the 200 answers, or of every answer where a row says"
        " so (wrk times 503s and 504s too); 503: refused, 504: stopped at the deadline;"
        " cores: CPU used by the server's process tree, by its main process, by the load generator,"
        " and by everything else on the machine)",
        f"{'req/s':>8} {'x oxigraph':>10} {'p50 ms':>9} {'p99 ms':>9} {'p99/p50':>7} {'n':>5}"
        f" {'503':>5} {'504':>4} {'server cores':>12} {'main':>5} {'clients':>7} {'other':>5}  targets",
    )
    for t in _order(concurrent):
        start = row_start(t.request, t.mode, t.contestant)
        if not t.successes or t.throughput is None:
            lines.append(f"{start} {'-':>8} {'-':>10} {'-':>9} {'-':>9} {'-':>7} {0:>5}  {_why_none(t)}")
            continue
        base = baseline.get((t.request, t.mode))
        ratio = t.throughput / base if base else None
        tail = t.p99 / t.median
        missed = []
        if t.contestant != BASELINE:
            if ratio is not None and ratio < THROUGHPUT_TARGET:
                missed.append("throughput")
            if tail > TAIL_TARGET and not t.tail_covers_errors:
                missed.append("p99")
        targets = "-" if t.contestant == BASELINE else ("missed: " + ", ".join(missed) if missed else "met")
        if t.error:
            targets += f" ({t.error})"
        if t.tail_covers_errors:  # fast refusals pull p50 down: the ratio says nothing about the 200s
            targets += " (p50 and p99 include the 503s and 504s: p99 not judged)"
        server, main, client, other = (
            "-" if cores is None else f"{cores:.2f}"
            for cores in (t.server_cores, t.server_main_cores, t.client_cores, t.other_cores)
        )
        lines.append(
            f"{start} {t.throughput:>8.1f} {'-' if ratio is None else f'{ratio:.2f}':>10}"
            f" {t.median * 1000:>9.1f} {t.p99 * 1000:>9.1f} {tail:>7.1f} {t.successes:>5}"
            f" {t.refused:>5} {t.stopped:>4} {server:>12} {main:>5} {client:>7} {other:>5}  {targets}"
        )
    return "\n".join(lines)


def format_repeats(timings: list[Timing]) -> str:
    """A repeated query: how many times faster the cached service answers than oxigraph serve."""
    index = _index(timings)
    lines = _header(
        f"repeated query (median ms; speedup: oxigraph serve's median / {CACHED}'s, target >= {REPEAT_TARGET:g}x)",
        f"{'oxigraph serve':>14} {'stancegraph':>11} {'cached':>8} {'speedup':>8}  target",
    )
    for t in _order(t for t in timings if t.contestant == CACHED and t.successes):
        base = index.get((BASELINE, t.request, t.mode))
        if base is None:
            continue
        uncached = index.get((PROCESSES, t.request, t.mode))
        speedup = base.median / t.median
        lines.append(
            f"{row_start(t.request, t.mode, CACHED)} {_ms(base.median):>14}"
            f" {_ms(uncached.median if uncached else None):>11} {_ms(t.median):>8} {speedup:>7.1f}x"
            f"  {'met' if speedup >= REPEAT_TARGET else 'missed'}"
        )
    return "\n".join(lines)


def format_executors(timings: list[Timing]) -> str:
    """Worker processes (the default, with a deadline) against in-process threads (no deadline)."""
    index = _index(timings)
    lines = _header(
        f"executors: {PROCESSES} (worker processes) against {THREADS} (in-process threads), cache off;"
        " ratio: threads / processes",
        f"{'processes ms':>12} {'threads ms':>10} {'ratio':>6} {'processes/s':>11} {'threads/s':>9}"
        f" {'ratio':>6} {'503 p/t':>9}",
    )
    for t in _order(t for t in timings if t.contestant == THREADS and t.successes):
        processes = index.get((PROCESSES, t.request, t.mode))
        if processes is None:
            continue
        line = (
            f"{row_start(t.request, t.mode, 'processes / threads')} {_ms(processes.median):>12}"
            f" {_ms(t.median):>10} {t.median / processes.median:>6.2f}"
        )
        if t.throughput is not None and processes.throughput:
            line += (
                f" {processes.throughput:>11.1f} {t.throughput:>9.1f} {t.throughput / processes.throughput:>6.2f}"
                f" {f'{processes.refused}/{t.refused}':>9}"
            )
        lines.append(line)
    return "\n".join(lines)


def _growth(r: StreamResult | None) -> str:
    return "-" if r is None or r.rss_growth is None else f"{r.rss_growth / MB:.0f}"


def format_streams(results: list[StreamResult], rows: int) -> str:
    """The streamed rows: first byte, total, size, and the server's memory growth, cold and warm."""
    title = (
        f"streamed rows (SELECT ?s ?p ?o WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }} LIMIT {rows:,}, JSON, uncompressed; streamed twice:"
        " first byte, total, size and rows are the first (cold) stream's, growth is each stream's;"
        " memory of the server's process tree: PSS before the cold stream (shared pages counted once),"
        " growth as RSS sampled every 10 ms (what a stream adds is private to a process, where RSS and"
        f" PSS agree); targets: first byte < {FIRST_BYTE_TARGET * 1000:g} ms, growth < {GROWTH_TARGET // MB} MB)"
    )
    header = (
        f"{'contestant':<22} {'status':>6} {'first byte ms':>13} {'total s':>8} {'MB':>7} {'rows':>9}"
        f" {'PSS before MB':>13} {'growth MB cold':>14} {'warm':>5} {'samples':>7} {'other cores':>11}  targets"
    )
    lines = [title, header, "-" * len(header)]
    for r in results:
        missed = [] if r.complete and not r.truncated else ["the whole answer"]
        if r.first_byte is None or r.first_byte >= FIRST_BYTE_TARGET:
            missed.append("first byte")
        for when, streamed in (("cold", r), ("warm", r.warm)):
            if streamed is None or streamed.rss_growth is None or streamed.rss_growth >= GROWTH_TARGET:
                missed.append(f"memory ({when})")
        targets = "missed: " + ", ".join(missed) if missed else "met"
        if r.error:
            targets += f" ({r.error}{', at the deadline' if r.cut_short and r.deadline else ''})"
        if r.truncated:
            targets += " (cut at the row cap)"
        if r.warm is not None and r.warm.error:
            targets += f" (warm: {r.warm.error})"
        if r.warm_grew_elsewhere:
            targets += " (warm: the growth was in another process than the cold stream's)"
        if r.note:
            targets += f" [{r.note}]"
        other = "-" if r.other_cores is None else f"{r.other_cores:.2f}"
        total = "-" if r.total is None else f"{r.total:.2f}"
        lines.append(
            f"{r.contestant:<22} {r.status or '-':>6} {_ms(r.first_byte):>13} {total:>8}"
            f" {r.bytes / MB:>7.1f} {r.rows:>9,} {r.pss_before / MB:>13.0f} {_growth(r):>14} {_growth(r.warm):>5}"
            f" {r.samples:>7} {other:>11}  {targets}"
        )
    return "\n".join(lines)


def different_answers(timings: list[Timing]) -> list[str]:
    """SELECT answers whose row count differs from oxigraph's: a fast wrong answer is no win."""
    expected = {t.request: t.note for t in timings if t.contestant == BASELINE and t.note.endswith("rows")}
    return [
        f"{t.contestant} / {t.request} / {t.mode}: {t.note}, oxigraph serve gave {expected[t.request]}"
        for t in timings
        if t.request in expected and t.note and t.note != expected[t.request]
    ]


def stream_problems(results: list[StreamResult]) -> list[str]:
    """Streams that failed other than by being slow (cut at the server's deadline, a client timeout), or lost rows."""
    problems = []
    expected = next((r.rows for r in results if r.contestant == BASELINE and r.complete), None)
    streams = [(r, "") for r in results] + [(r.warm, " (warm)") for r in results if r.warm is not None]
    for r, which in streams:
        slow = (r.cut_short and r.deadline) or (r.error or "").startswith("no byte")
        if r.error and not slow:
            problems.append(f"{r.contestant} / streamed rows{which}: {r.error}")
        elif r.complete and expected is not None and r.rows != expected:
            problems.append(
                f"{r.contestant} / streamed rows{which}: {r.rows:,} rows, oxigraph serve gave {expected:,}"
            )
    return problems
