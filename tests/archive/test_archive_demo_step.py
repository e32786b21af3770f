"""The archive's demo step builds a verified, searchable case from shipped material."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from tribunal.archive.case import Case
from tribunal.archive.items import list_items
from tribunal.demo import DemoContext, run_demo
from tribunal.demo.archive_step import minimal_pdf, shipped_files


def test_demo_step_on_a_tmp_dir(tmp_path):
    console = Console(record=True, width=120)
    ctx = DemoContext(out_dir=tmp_path / "demo", console=console, quick=True)
    run_demo(ctx, ["tribunal.demo.archive_step"])
    assert ctx.summary["archive_verify_ok"] is True
    hits = ctx.summary["archive_search_hits"]
    assert hits["器官"] >= 3  # simplified UTF-8, GB18030, Big5 traditional, HTML
    assert hits["肝臟"] >= 2  # traditional finds simplified
    assert hits['"waiting time"'] >= 2  # English phrase, in text and the generated PDF
    assert hits["hiddenscriptword"] == 0  # HTML script content is not indexed
    text = console.export_text()
    assert "intact" in text and "tribunal --case" in text
    case = Case.open(ctx.case_dir)
    try:
        originals = list_items(case.db, originals_only=True)
        shipped = [i for i in originals if i.collector == "Tribunal package data"]
        assert len(shipped) == len(shipped_files()) >= 3
        assert all(i.notes for i in shipped)  # from the .md source note beside each file
        assert sum(1 for i in shipped if i.source_url) >= 3
        pdf = next(i for i in originals if i.kind == "pdf")
        assert list_items(case.db, parent_id=pdf.id), "the generated PDF has a text layer"
    finally:
        case.close()


def test_minimal_pdf_is_readable_by_pypdf(tmp_path):
    from pypdf import PdfReader

    path = Path(tmp_path / "x.pdf")
    path.write_bytes(minimal_pdf(["Hello (world)", "second line"]))
    text = PdfReader(path).pages[0].extract_text()
    assert "Hello (world)" in text and "second line" in text
