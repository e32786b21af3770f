"""Helpers shared by the archive-core tests (case, ingest, verify)."""

from __future__ import annotations

from pathlib import Path

from tribunal.archive.case import Case
from tribunal.archive.extract.model import ExtractedTable, Extraction, ExtractionError


def fake_extract(path: Path, declared_mime: str | None = None) -> Extraction:
    """A stand-in extractor: text files give their text, CSV a table, a PDF fails as
    encrypted when it contains ``/Encrypt``; everything else is opaque."""
    data = Path(path).read_bytes()
    mime = declared_mime or ""
    if mime == "application/pdf" and b"/Encrypt" in data:
        raise ExtractionError("encrypted PDF")
    if mime == "text/csv":
        lines = [line.split(",") for line in data.decode().splitlines()]
        return Extraction(
            kind="table", mime="text/csv", text=data.decode(),
            tables=[ExtractedTable(Path(path).stem, lines[0], lines[1:])],
        )  # fmt: skip
    if mime in ("text/plain", "text/html"):
        return Extraction(kind="document", mime="text/plain", text=data.decode("utf-8", "replace"))
    return Extraction(kind="other", mime="application/octet-stream")


def make_corpus(root: Path, n: int = 12) -> Path:
    """A folder of small mixed files (Chinese and English, one duplicate, one table)."""
    src = root / "src"
    (src / "sub").mkdir(parents=True)
    for i in range(n):
        lang = "器官移植 肝脏 供体" if i % 2 else "organ transplant waiting time"
        (src / f"doc{i:03d}.txt").write_text(f"{lang} document {i}\n", encoding="utf-8")
    (src / "sub" / "copy.txt").write_text("organ transplant waiting time document 0\n")
    (src / "sub" / "table.csv").write_text("year,kidney\n2015,7131\n2016,8757\n")
    (src / "sub" / "image.bin").write_bytes(bytes(range(256)) * 4)
    return src


def new_case(tmp_path: Path) -> Case:
    return Case.init(tmp_path / "case")
