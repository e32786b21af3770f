"""CSV and TSV files kept as tables (RFC 4180), in whatever encoding they arrive."""

from __future__ import annotations

import csv
import io

from tribunal.archive.extract.model import ExtractedTable, Extraction
from tribunal.archive.extract.office import MAX_TABLE_ROWS
from tribunal.archive.extract.textdecode import decode_text


def extract_delimited(data: bytes, mime: str, name: str, max_chars: int) -> Extraction:
    text, encoding = decode_text(data)
    warnings: list[str] = []
    if mime == "text/tab-separated-values":
        delimiter = "\t"
    else:
        try:
            delimiter = csv.Sniffer().sniff(text[:8192], delimiters=",;\t|").delimiter
        except csv.Error:
            delimiter = ","
    # Fields can be long (a witness statement in a cell); raise the csv module's limit.
    csv.field_size_limit(max(max_chars, 131072))
    rows: list[list[str]] = []
    try:
        for i, row in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter)):
            if i >= MAX_TABLE_ROWS:
                warnings.append(f"table cut at {MAX_TABLE_ROWS} rows")
                break
            rows.append(row)
    except csv.Error as exc:
        warnings.append(f"CSV read stopped at row {len(rows) + 1}: {exc}")
    header = rows[0] if rows else []
    table = ExtractedTable(name, header, rows[1:])
    rendered = table.to_text()
    if len(rendered) > max_chars:
        rendered = rendered[:max_chars]
        warnings.append(f"text cut at {max_chars} characters")
    meta = {"encoding": encoding, "delimiter": delimiter, "rows": len(table.rows),
            "columns": len(header)}  # fmt: skip
    return Extraction(
        kind="table", mime=mime, text=rendered, tables=[table], metadata=meta, warnings=warnings
    )
