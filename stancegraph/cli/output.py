"""Printing query answers as a table, JSON or CSV: one function every command shares."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence

from stancegraph.graph.store import Row
from stancegraph.graph.terms import python_value

OUTPUT_FORMATS = ("table", "json", "csv")


def render_rows(rows: Sequence[Row], columns: Sequence[str], output_format: str) -> str:
    """Rows of terms as text: an aligned table, a JSON array of objects, or CSV with a header."""
    return render_records(
        [{name: python_value(row.get(name)) for name in columns} for row in rows], columns, output_format
    )


def render_records(
    records: Sequence[Mapping[str, object]], columns: Sequence[str], output_format: str
) -> str:
    """Plain records as an aligned table, a JSON array of objects, or CSV with a header."""
    plain = [{name: record.get(name) for name in columns} for record in records]
    if output_format == "json":
        return json.dumps(plain, ensure_ascii=False, indent=2)
    if output_format == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\n")
        writer.writeheader()
        writer.writerows(plain)
        return buffer.getvalue().rstrip("\n")
    return _table(plain, columns)


def _table(rows: Sequence[Mapping[str, object]], columns: Sequence[str]) -> str:
    cells = [
        [("" if row[name] is None else str(row[name])).replace("\n", " ") for name in columns] for row in rows
    ]
    widths = [max([len(name), *(len(line[i]) for line in cells)]) for i, name in enumerate(columns)]
    widths = [min(width, 60) for width in widths]

    def fit(text: str, width: int) -> str:
        return text if len(text) <= width else text[: width - 1] + "…"

    lines = ["  ".join(fit(name, w).ljust(w) for name, w in zip(columns, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += [
        "  ".join(fit(cell, w).ljust(w) for cell, w in zip(line, widths, strict=True)) for line in cells
    ]
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(line.rstrip() for line in lines)
