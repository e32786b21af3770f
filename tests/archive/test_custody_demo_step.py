"""The custody demo step writes proofs that verify, and shows a tampered one rejected."""

from __future__ import annotations

import json

from rich.console import Console

from tribunal.archive import proofs
from tribunal.archive.case import Case
from tribunal.demo import DemoContext, prepare_out_dir
from tribunal.demo.custody_step import run


def _small_case(ctx: DemoContext) -> None:
    from tribunal.archive.ingest import ingest_paths

    docs = ctx.out_dir / "docs"
    docs.mkdir(parents=True)
    for i in range(5):
        (docs / f"d{i}.txt").write_text(f"document {i} 器官\n", encoding="utf-8")
    case = Case.init(ctx.case_dir)
    try:
        ingest_paths(case, [docs / "d0.txt", docs / "d1.txt"])
        ingest_paths(case, [docs / f"d{i}.txt" for i in range(2, 5)])
    finally:
        case.close()


def test_custody_step_on_a_tmp_dir(tmp_path) -> None:
    console = Console(record=True, width=120)
    ctx = DemoContext(out_dir=tmp_path / "demo", console=console, quick=True)
    prepare_out_dir(ctx.out_dir)
    _small_case(ctx)
    run(ctx)
    assert ctx.summary["custody_proof_valid"] is True
    assert ctx.summary["custody_tamper_rejected"] is True
    for label in ("custody inclusion proof", "custody consistency proof"):
        doc = json.loads(ctx.outputs[label].read_text(encoding="utf-8"))
        assert proofs.verify_proof_document(doc) == []
    text = console.export_text()
    assert "rejected" in text and "tribunal verify-proof" in text


def test_custody_step_without_a_case(tmp_path) -> None:
    console = Console(record=True, width=120)
    ctx = DemoContext(out_dir=tmp_path / "demo", console=console, quick=True)
    prepare_out_dir(ctx.out_dir)
    run(ctx)
    assert "skipping" in console.export_text()
