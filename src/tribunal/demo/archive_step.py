"""Demo step: build a case from shipped official statistics and generated documents.

Ingests the official and comparator transplant statistics that ship in
``tribunal/data/official`` (capture metadata taken from the ``.md`` note beside each file)
and a handful of Chinese (simplified and traditional, in UTF-8, GB18030 and Big5) and
English documents written at run time, then verifies the case and searches it.
"""

from __future__ import annotations

import re
from pathlib import Path

from tribunal.demo import DemoContext

DATA = Path(__file__).resolve().parents[1] / "data" / "official"
CAPTURED = "2026-01-15T09:30:00Z"  # fixed, so the demo's items are the same on every run

GENERATED: list[tuple[str, str, bytes, str]] = [
    # (file name, language, content, sensitivity)
    (
        "hospital_notice_zh-Hans.txt",
        "zh",
        (
            "某医院器官移植中心通知\n"
            "本中心肝脏移植等待时间一般为一至两周，供体来源充足。\n"
            "肾脏移植可在一个月内安排。欢迎国内外患者咨询。\n"
        ).encode(),
        "public",
    ),
    (
        "hospital_notice_zh-Hant.txt",
        "zh",
        (
            "某醫院器官移植中心公告\n"
            "本中心肝臟移植等待時間約為一週，供體配型迅速。\n"
        ).encode("big5"),
        "public",
    ),
    (
        "paper_abstract_gb18030.txt",
        "zh",
        "摘要：本研究回顾了2015年以来公民逝世后器官捐献（供体）与肝脏移植的数量。\n".encode("gb18030"),
        "public",
    ),
    (
        "transplant_centre_page.html",
        "en",
        (
            "<!doctype html><html><head><title>Transplant Centre</title>"
            "<script>var trackerMarker = 'hiddenscriptword';</script>"
            "<style>body{font-family:serif}</style></head><body>"
            "<h1>Liver transplantation</h1><p>Our centre performed over 1,000 liver "
            "transplants last year. The average waiting time is two weeks.</p>"
            "<p>器官移植 专家门诊: 每周一至周五</p></body></html>"
        ).encode(),
        "public",
    ),
    (
        "call_transcript_en.txt",
        "en",
        (
            b"Investigator: How long is the waiting time for a liver?\n"
            b"Doctor: About one to two weeks. We can find a matching organ quickly.\n"
        ),
        "restricted",
    ),
    (
        "witness_statement.txt",
        "en",
        b"Witness W-07 describes blood tests and organ examinations in detention in 2017.\n",
        "protected",
    ),
]


def minimal_pdf(lines: list[str]) -> bytes:
    """A one-page PDF 1.4 with a real text layer (Helvetica), written by hand.

    Follows ISO 32000-1 §7.5 (file structure: header, objects, cross-reference table,
    trailer); used because the package ships no PDF writer at run time.
    """

    def esc(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    stream = "BT /F1 12 Tf 72 740 Td 16 TL " + " ".join(f"({esc(x)}) Tj T*" for x in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        "/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        f"<< /Length {len(stream.encode('latin-1'))} >>\nstream\n{stream}\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def source_note(md: Path) -> tuple[str | None, str]:
    """(first URL, note text) from a data file's ``.md`` source note."""
    text = md.read_text(encoding="utf-8") if md.is_file() else ""
    found = re.search(r"https?://[^\s)>\]]+", text)
    url = found.group(0).rstrip(".,;") if found else None
    repo = re.search(r"GitHub repo \*\*([\w.-]+/[\w.-]+)\*\*", text)
    if url is None and repo:
        url = f"https://github.com/{repo.group(1)}"
    note = " ".join(line.strip() for line in text.splitlines() if not line.startswith("#"))
    return url, note.strip()[:2000]


def shipped_files() -> list[Path]:
    """The CSV files under ``tribunal/data/official`` (each has a ``.md`` beside it)."""
    return sorted(p for p in DATA.rglob("*.csv") if p.is_file())


def write_generated(folder: Path) -> list[tuple[Path, str, str]]:
    """Write the demo's generated documents; returns (path, language, sensitivity)."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name, lang, data, sensitivity in GENERATED:
        path = folder / name
        path.write_bytes(data)
        out.append((path, lang, sensitivity))
    pdf = folder / "court_filing_summary.pdf"
    pdf.write_bytes(
        minimal_pdf([
            "Summary of evidence: organ transplant waiting times",
            "Hospitals advertised liver transplant waiting times of one to two weeks.",
            "Such short waiting times imply an organ supply on demand.",
        ])
    )  # fmt: skip
    out.append((pdf, "en", "public"))
    return out


def run(ctx: DemoContext) -> None:
    """Build the example case, verify it, search it, and say where to look next."""
    from tribunal.archive.case import Case
    from tribunal.archive.ingest import ingest_paths
    from tribunal.archive.items import Capture
    from tribunal.archive.verify import verify_case

    console = ctx.console
    console.rule("[bold]Archive: evidence with a chain of custody")
    case = Case.init(ctx.case_dir)
    try:
        files = failures = 0
        for csv_path in shipped_files():
            url, note = source_note(csv_path.with_suffix(".md"))
            capture = Capture(
                source_url=url, collector="Tribunal package data", language="en",
                method="copied with its source note into tribunal/data/official",
                notes=note or None, sensitivity="public",
            )  # fmt: skip
            report = ingest_paths(case, [csv_path], capture)
            files += len(report.files)
            failures += len(report.failures)
        for path, lang, sensitivity in write_generated(ctx.out_dir / "generated"):
            capture = Capture(
                captured_at=CAPTURED, collector="tribunal demo", method="generated by tribunal demo",
                language=lang, notes="synthetic example, not evidence", sensitivity=sensitivity,
            )  # fmt: skip
            report = ingest_paths(case, [path], capture)
            files += len(report.files)
            failures += len(report.failures)
        n_items = case.db.execute("SELECT COUNT(*) FROM items").fetchone()[0]
        console.print(
            f"Ingested {files} file(s) into {ctx.case_dir}: {n_items} items "
            f"(originals plus extracted text and tables), {failures} failure(s)"
        )
        verdict = verify_case(case)
        state = "[green]intact[/green]" if verdict.ok else f"[red]{len(verdict.problems)} problem(s)[/red]"
        console.print(
            f"verify: {state} ({verdict.blobs} blobs re-hashed, {verdict.entries} ledger "
            f"entries, {verdict.heads} signed heads)"
        )
        hits = _searches(case, console)
    finally:
        case.close()
    ctx.outputs["case"] = ctx.case_dir
    ctx.summary["archive_items"] = n_items
    ctx.summary["archive_verify_ok"] = verdict.ok
    ctx.summary["archive_search_hits"] = hits
    console.print("Next:")
    for command in ("items", "show ITEM_ID", "verify", "search 肝臟", 'search "waiting time"', "log"):
        console.print(f"  tribunal --case {ctx.case_dir} {command}", markup=False)


def _searches(case: object, console: object) -> dict[str, int]:
    """Run the demo's searches; return the number of hits per query."""
    try:
        from tribunal.archive.search import SearchIndex
    except ImportError:
        console.print("search: not installed")  # type: ignore[attr-defined]
        return {}
    counts: dict[str, int] = {}
    with SearchIndex(case.search_path) as index:  # type: ignore[attr-defined]
        for query in ("器官", "肝臟", '"waiting time"', "hiddenscriptword"):
            hits = index.search(query, limit=10)
            counts[query] = len(hits)
            first = f" — first: {hits[0].doc_id} {hits[0].title or ''}" if hits else ""
            console.print(f"search {query}: {len(hits)} hit(s){first}", markup=False)  # type: ignore[attr-defined]
    return counts
