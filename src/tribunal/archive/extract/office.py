"""DOCX text (paragraphs and tables, in order) and XLSX sheets kept as tables.

Both are zip containers: :func:`check_zip` looks at the declared sizes before python-docx
or openpyxl decompress anything (ECMA-376 Part 2 packaging), so a zip bomb is refused
unopened.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tribunal.archive.extract.model import ExtractedTable, Extraction, ExtractionError
from tribunal.archive.extract.zipguard import check_zip

MAX_TABLE_ROWS = 1_000_000
# A sheet's rows are read until this many empty ones in a row: a sheet formatted down to
# row 1,048,576 (or a hostile one) would otherwise cost half a minute of empty rows.
MAX_EMPTY_RUN = 10_000


def _core_properties(props: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    for name in ("title", "author", "subject", "keywords", "last_modified_by"):
        value = getattr(props, name, None)
        if value:
            meta[name] = str(value)[:500]
    for name in ("created", "modified"):
        value = getattr(props, name, None)
        if value:
            meta[name] = value.isoformat()
    return meta


def extract_docx(path: Path, mime: str, max_chars: int) -> Extraction:
    check_zip(path)
    try:
        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        document = docx.Document(str(path))
    except ExtractionError:
        raise
    except Exception as exc:
        raise ExtractionError(f"corrupt DOCX: {type(exc).__name__}: {exc}") from exc
    parts: list[str] = []
    tables: list[ExtractedTable] = []
    warnings: list[str] = []
    total = 0
    try:
        body = document.element.body
        for child in body.iterchildren():
            tag = child.tag.rsplit("}", 1)[-1]
            if tag == "p":
                text = Paragraph(child, document).text
            elif tag == "tbl":
                table = Table(child, document)
                rows = [[cell.text.strip() for cell in row.cells] for row in table.rows]
                if rows:
                    tables.append(ExtractedTable(f"table {len(tables) + 1}", rows[0], rows[1:]))
                text = "\n".join("\t".join(r) for r in rows)
            else:
                continue
            parts.append(text)
            total += len(text) + 1
            if total > max_chars:
                warnings.append(f"text cut at {max_chars} characters")
                break
    except Exception as exc:
        raise ExtractionError(f"corrupt DOCX: {type(exc).__name__}: {exc}") from exc
    meta = _core_properties(document.core_properties)
    meta["paragraphs"] = len(document.paragraphs)
    text = "\n".join(parts)[:max_chars]
    return Extraction(
        kind="docx", mime=mime, text=text, tables=tables, metadata=meta, warnings=warnings
    )


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def extract_xlsx(path: Path, mime: str, max_chars: int) -> Extraction:
    check_zip(path)
    # A file object, not the name: openpyxl refuses names without an .xlsx extension,
    # and evidence arrives renamed (the archive also hands over content-addressed blobs).
    fh = path.open("rb")
    try:
        import openpyxl

        wb = openpyxl.load_workbook(fh, read_only=True, data_only=True)
    except Exception as exc:
        fh.close()
        raise ExtractionError(f"corrupt XLSX: {type(exc).__name__}: {exc}") from exc
    tables: list[ExtractedTable] = []
    warnings: list[str] = []
    try:
        for ws in wb.worksheets:
            rows: list[list[str]] = []
            blank: list[list[str]] = []  # empty rows kept only if data follows them
            for i, row in enumerate(ws.iter_rows(values_only=True)):
                if i >= MAX_TABLE_ROWS:
                    warnings.append(f"sheet {ws.title!r} cut at {MAX_TABLE_ROWS} rows")
                    break
                cells = [_cell(v) for v in row]
                if any(cells):
                    rows.extend(blank)
                    blank = []
                    rows.append(cells)
                elif len(blank) >= MAX_EMPTY_RUN:
                    warnings.append(
                        f"sheet {ws.title!r}: stopped at row {i + 1} after {MAX_EMPTY_RUN:,}"
                        " empty rows in a row; rows further down are not read"
                    )
                    break
                else:
                    blank.append(cells)
            header = rows[0] if rows else []
            tables.append(ExtractedTable(ws.title, header, rows[1:]))
        meta = _core_properties(wb.properties)
    except Exception as exc:
        raise ExtractionError(f"corrupt XLSX: {type(exc).__name__}: {exc}") from exc
    finally:
        wb.close()
        fh.close()
    meta["sheets"] = [t.name for t in tables]
    text = "\n\n".join(f"{t.name}\n{t.to_text()}" for t in tables)
    if len(text) > max_chars:
        text = text[:max_chars]
        warnings.append(f"text cut at {max_chars} characters")
    return Extraction(
        kind="table", mime=mime, text=text, tables=tables, metadata=meta, warnings=warnings
    )
