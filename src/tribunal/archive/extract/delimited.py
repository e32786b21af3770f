"""CSV and TSV files kept as tables (RFC 4180), in whatever encoding they arrive."""

from __future__ import annotations

import csv
from collections.abc import Iterator

from tribunal.archive.extract.model import ExtractedTable, Extraction
from tribunal.archive.extract.office import MAX_TABLE_ROWS
from tribunal.archive.extract.textdecode import decode_text

# Every cell is a Python string (~60 bytes with its list slot): five million keep a table
# within a few hundred MB, where a 50 MB line of "a,a,a..." would otherwise take 0.5 GB.
MAX_TABLE_CELLS = 5_000_000


def _cap_cells(text: str, delimiter: str) -> tuple[str, bool]:
    """Cut ``text`` before its ``MAX_TABLE_CELLS``-th delimiter (at a line end if there is
    one before it). Delimiters inside quotes are counted too: a bound, not a parse."""
    if text.count(delimiter) + text.count("\n") <= MAX_TABLE_CELLS:
        return text, False
    lo, hi = 0, len(text)  # the shortest prefix holding MAX_TABLE_CELLS separators
    while lo < hi:
        mid = (lo + hi) // 2
        if text.count(delimiter, 0, mid) + text.count("\n", 0, mid) >= MAX_TABLE_CELLS:
            hi = mid
        else:
            lo = mid + 1
    line_end = text.rfind("\n", 0, lo)
    return text[: line_end if line_end > 0 else lo - 1], True  # (lo - 1: before it)


def _lines(text: str) -> Iterator[str]:
    """Lines of ``text`` with their "\\n", one at a time (``io.StringIO`` would copy the
    whole text into a 4-bytes-a-character buffer first)."""
    pos = 0
    while pos < len(text):
        end = text.find("\n", pos)
        end = len(text) if end < 0 else end + 1
        yield text[pos:end]
        pos = end


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
    text, cut = _cap_cells(text, delimiter)
    if cut:
        warnings.append(f"table cut at about {MAX_TABLE_CELLS:,} cells")
    # Fields can be long (a witness statement in a cell); raise the csv module's limit.
    csv.field_size_limit(max(max_chars, 131072))
    rows: list[list[str]] = []
    try:
        for i, row in enumerate(csv.reader(_lines(text), delimiter=delimiter)):
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
