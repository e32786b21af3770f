"""Read person lists (CSV, XLSX) in chunks, whatever their encoding.

Lists reach investigators as spreadsheet exports in UTF-8, GB18030/GBK or Big5, sometimes
concatenated from several files so that encodings change half-way. Each line of a CSV is
therefore decoded on its own (UTF-8 first, then GB18030, then Big5) and the encodings met are
reported. Files are read in chunks so that a list of ten million rows never sits in memory
whole; the file's SHA-256 is computed while reading so the result can cite the exact input.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

import pandas as pd

from tribunal.errors import InputError
from tribunal.hashing import sha256_file

# Far above any person list (a few dozen columns), far below what costs memory per chunk.
MAX_COLUMNS = 10_000
CHUNK_ROWS = 100_000
BLOCK_BYTES = 1 << 20


@dataclass
class SourceInfo:
    """What was read from one list file."""

    name: str
    path: str
    columns: list[str] = field(default_factory=list)
    n_rows: int = 0
    sha256: str = ""
    encodings: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    mapping: dict[str, object] = field(default_factory=dict)
    item_id: str | None = None  # the list's item in the case archive, when it has one

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name, "path": self.path, "item_id": self.item_id,
            "columns": self.columns, "n_rows": self.n_rows, "sha256": self.sha256,
            "encodings": self.encodings, "warnings": self.warnings, "mapping": self.mapping,
        }


@dataclass(frozen=True)
class ListInput:
    """One list to link: where its bytes are, what it is called, and what the case knows.

    A list file given by path is ``ListInput(path, path.stem, path.suffix)``; a list held in
    a case archive is read from its blob (a file without extension, hence ``suffix``) and
    carries its item id, stored column mapping and whether it is ``protected``.
    """

    path: Path
    name: str
    suffix: str
    item_id: str | None = None
    sha256: str | None = None  # expected content hash (checked while reading an item)
    mapping: Any = None  # a ColumnMapping stored with the item, used as is
    protected: bool = False
    shown: str | None = None  # how the list's location appears in outputs (default: path)
    filename: str | None = None  # the item's file name (a --mapping entry may name it)
    warning: str | None = None  # what the reader of the outputs must know about the list


def as_list_input(value: str | Path | ListInput) -> ListInput:
    """A path (or an existing :class:`ListInput`) as a :class:`ListInput`."""
    if isinstance(value, ListInput):
        return value
    path = Path(value)
    return ListInput(path, source_name(path), path.suffix)


def source_name(path: Path) -> str:
    """The list's name in the capture-history table: the file name without extension."""
    return path.stem


def _label(path: Path, info: SourceInfo) -> str:
    """How a list is named in messages: its file name, or for a blob (no extension, named
    by its hash) the list's name."""
    return path.name if path.suffix else info.name


class _LineDecoder:
    """Decode lines one by one, counting which encoding each needed."""

    def __init__(self, fh, digest, legacy: str = "gb18030") -> None:
        self.order = ("utf-8", legacy, "big5" if legacy == "gb18030" else "gb18030")
        self.fh = fh
        self.digest = digest
        self.counts: Counter[str] = Counter()
        self.first = True

    def __iter__(self) -> Iterator[str]:
        # Lines are decoded a block at a time: a block that is valid UTF-8 as a whole is
        # valid line by line (a newline byte never occurs inside a UTF-8 sequence), so only
        # blocks holding other encodings are decoded line by line.
        rest = b""
        while block := self.fh.read(BLOCK_BYTES):
            block = rest + block
            cut = block.rfind(b"\n") + 1
            if cut == 0:
                rest = block
                continue
            block, rest = block[:cut], block[cut:]
            yield from self._lines(block)
        if rest:
            yield from self._lines(rest)

    def _lines(self, block: bytes) -> list[str]:
        self.digest.update(block)
        if self.first:
            self.first = False
            if block.startswith(codecs.BOM_UTF8):
                block = block[len(codecs.BOM_UTF8):]
        raw_lines = block.split(b"\n")
        last = raw_lines.pop()  # after the final newline: empty, or an unterminated line
        lines = [raw + b"\n" for raw in raw_lines]
        if last:
            lines.append(last)
        if block.isascii():
            return [raw.decode("ascii") for raw in lines]
        try:
            block.decode("utf-8")
        except UnicodeDecodeError:
            return [self._decode(raw) for raw in lines]
        self.counts["utf-8"] += sum(1 for raw in lines if not raw.isascii())
        return [raw.decode("utf-8") for raw in lines]

    def _decode(self, raw: bytes) -> str:
        if raw.isascii():
            return raw.decode("ascii")
        for enc in self.order:
            try:
                text = raw.decode(enc)
            except UnicodeDecodeError:
                continue
            self.counts[enc] += 1
            return text
        self.counts["undecodable"] += 1
        return raw.decode("utf-8", errors="replace")


def _legacy_encoding(fh) -> str:
    """GB18030 or Big5, whichever better explains the first non-UTF-8 lines.

    Big5 bytes often decode as (wrong) GB18030 too, so the choice is made once per file
    from a sample with charset-normalizer's coherence measure rather than line by line.
    """
    sample = fh.read(1 << 20)
    fh.seek(0)
    legacy = []
    for line in sample.split(b"\n"):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            legacy.append(line)
    if sum(len(x) for x in legacy) < 200:
        return "gb18030"  # too little to judge; PRC lists are far more often GBK
    from charset_normalizer import from_bytes

    best = from_bytes(b"\n".join(legacy[:2000]), cp_isolation=["gb18030", "big5"]).best()
    return "big5" if best is not None and best.encoding == "big5" else "gb18030"


def _check_width(header: list[str], path: Path, info: SourceInfo) -> None:
    """Refuse a header far wider than any person list (a wrong delimiter, a matrix, or a
    hostile file): every chunk would be a frame that wide."""
    if len(header) > MAX_COLUMNS:
        raise InputError(f"{_label(path, info)} has {len(header):,} columns, more than the "
                         f"{MAX_COLUMNS:,} a person list is read with",
                         hint="export only the list's columns (one row per person)")


def _blank(cells: list) -> bool:
    try:  # CSV cells are text; XLSX cells may be numbers or dates
        return not "".join(cells).strip()
    except TypeError:
        return not "".join(map(str, cells)).strip()


class _Fit:
    """Rows cut or padded to the header's width, blank rows (every cell empty) skipped.

    A row with values beyond the header's last column (an unquoted delimiter inside a
    name, a shifted export) loses them: counted in a warning that names the first such
    record's row, never its values (a protected list's names stay out of the summary).
    A batch of rows all of the header's width, none blank, passes without a step per row.
    """

    def __init__(self, width: int, info: SourceInfo) -> None:
        self.width = width
        self.info = info
        self.kept = self.over = 0
        self.first: int | None = None

    def __call__(self, rows: list[list]) -> list[list]:
        try:  # CSV cells are text; XLSX cells may be numbers or dates
            filled: list[Any] = list(map(str.strip, map("".join, rows)))
        except TypeError:
            filled = [not _blank(row) for row in rows]
        if all(filled) and set(map(len, rows)) == {self.width}:
            self.kept += len(rows)
            return rows
        width, out = self.width, []
        for row, full in zip(rows, filled, strict=True):
            if not full:
                continue
            self.kept += 1
            if len(row) != width:
                if len(row) > width and not _blank(row[width:]):
                    self.over += 1
                    self.first = self.first or self.kept
                row = (list(row) + [""] * width)[:width]
            out.append(row)
        return out

    def finish(self) -> None:
        if self.over:
            self.info.warnings.append(
                f"{self.over} row(s) have more fields than the header (first: row "
                f"{self.first}); the extra fields were left out")


def _frames(
    rows: Iterator[list], header: list[str], info: SourceInfo, chunk_rows: int
) -> Iterator[pd.DataFrame]:
    """Group the rows, fitted to the header (:class:`_Fit`), into DataFrames of
    ``chunk_rows`` (the last one fewer), counting them in ``info``."""
    it = iter(rows)
    fit = _Fit(len(header), info)
    buf: list[list] = []
    while raw := list(islice(it, chunk_rows - len(buf))):
        buf += fit(raw)
        if len(buf) == chunk_rows:
            info.n_rows += len(buf)
            frame = pd.DataFrame(buf, columns=header, dtype=object)
            buf = []  # the rows' lists are freed before the chunk is normalised
            yield frame
    fit.finish()
    if buf:
        info.n_rows += len(buf)
        yield pd.DataFrame(buf, columns=header, dtype=object)


def _csv_chunks(path: Path, info: SourceInfo, chunk_rows: int) -> Iterator[pd.DataFrame]:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        head = fh.read(4)
        fh.seek(0)
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            data = fh.read()
            digest.update(data)
            lines: object = io.StringIO(data.decode("utf-16"))
            decoder = None
            info.encodings["utf-16"] = 1
        else:
            decoder = _LineDecoder(fh, digest, _legacy_encoding(fh))
            lines = iter(decoder)
        first_line = next(iter(lines), None)  # type: ignore[call-overload]
        if first_line is None or not first_line.strip():
            raise InputError(f"{_label(path, info)} is empty", hint="a list needs a header row and rows")
        delimiter = max(",\t;|", key=first_line.count)
        header = next(csv.reader([first_line], delimiter=delimiter))
        header = [h.strip() for h in header]
        _check_width(header, path, info)
        info.columns = header
        reader = csv.reader(lines, delimiter=delimiter)  # type: ignore[arg-type]
        yield from _frames(reader, header, info, chunk_rows)
    info.sha256 = digest.hexdigest()
    if decoder is not None:
        info.encodings.update(decoder.counts)
        non_ascii = {k: v for k, v in decoder.counts.items() if k != "undecodable"}
        if len(non_ascii) > 1:
            info.warnings.append(
                "mixed encodings: " + ", ".join(f"{v} lines {k}" for k, v in non_ascii.items())
            )
        if decoder.counts.get("undecodable"):
            info.warnings.append(
                f"{decoder.counts['undecodable']} lines could not be decoded; "
                "unreadable characters were replaced"
            )


_RESAVE = "open it in a spreadsheet program and save it again as XLSX or CSV"


def _open_workbook(path: Path, label: str) -> tuple[Any, Any]:
    """``(file, workbook)`` opened read-only, after the archive's zip-bomb check (openpyxl
    would inflate a hostile member whole: it reads the shared strings at once)."""
    from openpyxl import load_workbook

    from tribunal.archive.extract.model import ExtractionError
    from tribunal.archive.extract.zipguard import check_zip

    try:
        check_zip(path)
    except ExtractionError as exc:
        raise InputError(f"cannot open {label} as an Excel workbook: {exc}",
                         hint=_RESAVE) from None
    # Opened as a file object: openpyxl refuses a path without an Excel extension, and a
    # list kept in the case archive is a blob named by its hash.
    fh = path.open("rb")
    try:
        return fh, load_workbook(fh, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        fh.close()
        raise InputError(f"cannot open {label} as an Excel workbook: {exc}",
                         hint=_RESAVE) from None


def _xlsx_chunks(path: Path, info: SourceInfo, chunk_rows: int) -> Iterator[pd.DataFrame]:
    info.sha256 = sha256_file(path)
    fh, wb = _open_workbook(path, _label(path, info))
    try:
        rows = wb.worksheets[0].iter_rows(values_only=True)
        header_row = list(next(rows, None) or ())
        # a sheet formatted out to column XFD reports that width for every row
        while header_row and (header_row[-1] is None or str(header_row[-1]).strip() == ""):
            header_row.pop()
        if not header_row:
            raise InputError(f"{_label(path, info)} is empty", hint="the first sheet needs a header row")
        header = [str(v).strip() if v is not None else f"column_{i + 1}"
                  for i, v in enumerate(header_row)]
        _check_width(header, path, info)
        info.columns = header
        cells = (["" if v is None else v for v in row] for row in rows)
        yield from _frames(cells, header, info, chunk_rows)
    except InputError:
        raise
    except Exception as exc:  # the sheet's XML is read lazily: damage shows up mid-way
        raise InputError(f"{_label(path, info)} is a damaged Excel workbook (after row "
                         f"{info.n_rows + 1}: {type(exc).__name__})", hint=_RESAVE) from None
    finally:
        wb.close()
        fh.close()


def read_chunks(
    path: str | Path, info: SourceInfo | None = None, *, chunk_rows: int = CHUNK_ROWS,
    suffix: str | None = None,
) -> Iterator[pd.DataFrame]:
    """Yield the rows of a CSV/TSV or XLSX list as DataFrames of at most ``chunk_rows``.

    ``info`` (if given) is filled in as reading proceeds: columns, row count, the file's
    SHA-256 and the encodings met (complete once the iterator is exhausted). ``suffix``
    gives the format of a file whose name has none (a blob in the case archive).
    """
    path = Path(path)
    info = info if info is not None else SourceInfo(source_name(path), str(path))
    if not path.is_file():
        raise InputError(f"no such file: {path}")
    if path.stat().st_size == 0:
        raise InputError(f"{_label(path, info)} is empty", hint="a list needs a header row and rows")
    suffix = (path.suffix if suffix is None else suffix).lower()
    if suffix in (".xlsx", ".xlsm"):
        yield from _xlsx_chunks(path, info, chunk_rows)
    elif suffix in (".csv", ".tsv", ".txt", ""):
        try:
            yield from _csv_chunks(path, info, chunk_rows)
        except csv.Error as exc:  # binary junk, NUL bytes, a stray newline in a field
            raise InputError(
                f"{_label(path, info)} is not a readable CSV list ({exc})",
                hint="save the list as CSV (UTF-8) or XLSX",
            ) from None
    else:
        raise InputError(f"{_label(path, info)}: unsupported list format {suffix!r}",
                         hint="give CSV, TSV or XLSX files")


def count_rows(path: str | Path, suffix: str | None = None) -> int:
    """Data rows in a list without parsing it (lines minus the header for CSV; the sheet's
    stated dimension for XLSX): a cheap upper bound for refusing oversized input early."""
    path = Path(path)
    if (path.suffix if suffix is None else suffix).lower() in (".xlsx", ".xlsm"):
        fh, wb = _open_workbook(path, path.name)
        try:
            return max(0, (wb.worksheets[0].max_row or 1) - 1)
        finally:
            wb.close()
            fh.close()
    lines = 0
    last = b"\n"
    with path.open("rb") as fh:
        while block := fh.read(1 << 22):
            lines += block.count(b"\n")
            last = block[-1:]
    return max(0, lines + (last != b"\n") - 1)
