"""PDF, HTML, DOCX, XLSX and CSV: text, tables and metadata from generated files."""

from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path

import pytest
from extract_fixtures import (
    SIMPLIFIED,
    TRADITIONAL,
    encrypt_pdf,
    make_docx,
    make_pdf,
    make_xlsx,
)

from tribunal.archive.extract import ExtractionError, extract


# -- PDF ----------------------------------------------------------------------------------
def test_pdf_text_layer_pages_and_info(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "r.pdf", ["Liver transplant waiting times", "Second page here"])
    result = extract(path)
    assert result.kind == "pdf"
    assert "Liver transplant waiting times" in (result.text or "")
    assert "Second page here" in (result.text or "")
    assert result.metadata["pages"] == 2
    assert result.metadata["title"] == "Test report"
    assert result.metadata["author"] == "Tribunal tests"
    assert result.language == "en"


def test_pdf_chinese_cid_font(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "zh.pdf", [SIMPLIFIED[1]], chinese=True)
    result = extract(path)
    assert "肝脏移植手术" in (result.text or "")
    assert result.language == "zh"


def test_encrypted_pdf_is_refused(tmp_path: Path) -> None:
    plain = make_pdf(tmp_path / "p.pdf", ["secret"])
    locked = encrypt_pdf(plain, tmp_path / "locked.pdf", user_password="s3cret")
    with pytest.raises(ExtractionError) as info:
        extract(locked)
    assert info.value.reason == "encrypted PDF"


def test_pdf_with_empty_user_password_opens(tmp_path: Path) -> None:
    plain = make_pdf(tmp_path / "p.pdf", ["owner only protection"])
    locked = encrypt_pdf(plain, tmp_path / "owner.pdf", user_password="")
    assert "owner only protection" in (extract(locked).text or "")


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.4\n" + b"\x00garbage" * 50, b"%PDF-1.7\n1 0 obj << /Type /Catalog", b"%PDF-"],
)
def test_corrupt_pdf_gives_extraction_error(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "bad.pdf"
    path.write_bytes(data)
    with pytest.raises(ExtractionError, match="corrupt PDF"):
        extract(path)


def test_truncated_pdf_never_crashes(tmp_path: Path) -> None:
    good = make_pdf(tmp_path / "g.pdf", ["some text on a page"]).read_bytes()
    for cut in (len(good) // 3, len(good) // 2, len(good) - 40):
        path = tmp_path / f"cut{cut}.pdf"
        path.write_bytes(good[:cut])
        with contextlib.suppress(ExtractionError):
            extract(path)


def test_pdf_without_text_layer_warns(tmp_path: Path) -> None:
    from reportlab.pdfgen import canvas

    path = tmp_path / "scan.pdf"
    c = canvas.Canvas(str(path))
    c.rect(100, 100, 200, 200, fill=1)
    c.showPage()
    c.save()
    result = extract(path)
    assert result.text is None
    assert any("no text layer" in w for w in result.warnings)


# -- HTML ---------------------------------------------------------------------------------
PAGE = """<!DOCTYPE html><html lang="zh"><head><meta charset="{charset}">
<title>{title}</title><style>body {{ color: red }}</style>
<script>var secret = "SCRIPTTEXT";</script></head>
<body><noscript>NOSCRIPTTEXT</noscript><template>TEMPLATETEXT</template>
<div style="display:none">HIDDENTEXT</div><!-- COMMENTTEXT -->
<h1>{title}</h1><p>{body}</p><p>Liver <b>transplant</b> centre</p></body></html>"""


@pytest.mark.parametrize(
    ("charset", "encoding", "title", "body"),
    [
        ("utf-8", "utf-8", "医院简介", SIMPLIFIED[0]),
        ("gb2312", "gb18030", "医院简介", SIMPLIFIED[1]),
        ("big5", "big5", "醫院簡介", TRADITIONAL[1]),
    ],
)
def test_html_visible_text_only(
    tmp_path: Path, charset: str, encoding: str, title: str, body: str
) -> None:
    path = tmp_path / "page.html"
    path.write_bytes(PAGE.format(charset=charset, title=title, body=body).encode(encoding))
    result = extract(path)
    assert result.kind == "html"
    text = result.text or ""
    assert body in text
    assert "Liver transplant centre" in text
    assert result.metadata["title"] == title
    for hidden in ("SCRIPTTEXT", "NOSCRIPTTEXT", "TEMPLATETEXT", "HIDDENTEXT", "COMMENTTEXT",
                   "color: red"):  # fmt: skip
        assert hidden not in text


def test_html_with_lying_charset_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "liar.htm"
    path.write_bytes(PAGE.format(charset="utf-8", title="医院", body=SIMPLIFIED[2]).encode("gb18030"))
    assert SIMPLIFIED[2] in (extract(path).text or "")


def test_html_sniffed_without_extension(tmp_path: Path) -> None:
    path = tmp_path / "capture"
    path.write_text("<html><body><p>hello page</p></body></html>", encoding="utf-8")
    result = extract(path)
    assert result.kind == "html" and "hello page" in (result.text or "")


def test_declared_mime_is_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "capture.bin"
    path.write_text("<p>server said html</p>", encoding="utf-8")
    assert extract(path, declared_mime="text/html; charset=utf-8").kind == "html"


# -- DOCX ---------------------------------------------------------------------------------
def test_docx_paragraphs_tables_and_properties(tmp_path: Path) -> None:
    path = make_docx(
        tmp_path / "w.docx",
        [TRADITIONAL[0], "The witness described the hospital."],
        table=[["姓名", "医院"], ["张三", "第一医院"]],
    )
    result = extract(path)
    assert result.kind == "docx"
    text = result.text or ""
    assert TRADITIONAL[0] in text and "The witness described the hospital." in text
    assert "第一医院" in text
    assert result.tables[0].header == ["姓名", "医院"]
    assert result.tables[0].rows == [["张三", "第一医院"]]
    assert result.metadata["title"] == "Witness statement"
    assert result.metadata["author"] == "Investigator"


def test_docx_misnamed_is_still_docx(tmp_path: Path) -> None:
    path = make_docx(tmp_path / "w.docx", ["renamed evidence"])
    renamed = path.rename(tmp_path / "evidence.dat")
    assert extract(renamed).kind == "docx"


# -- XLSX / CSV ---------------------------------------------------------------------------
def test_xlsx_sheets_kept_as_tables(tmp_path: Path) -> None:
    path = make_xlsx(
        tmp_path / "t.xlsx",
        {
            "移植数量": [["年份", "肝脏", "肾脏"], [2005, 3000, 7000], [2006, 3500, 7200.0]],
            "notes": [["date", "note"], [dt.datetime(2006, 3, 1), "Sujiatun"]],
        },
    )
    result = extract(path)
    assert result.kind == "table"
    assert [t.name for t in result.tables] == ["移植数量", "notes"]
    first = result.tables[0]
    assert first.header == ["年份", "肝脏", "肾脏"]
    assert first.rows == [["2005", "3000", "7000"], ["2006", "3500", "7200"]]
    assert result.tables[1].rows[0][0].startswith("2006-03-01")
    assert "肝脏" in (result.text or "") and "Sujiatun" in (result.text or "")


def test_xlsx_without_extension(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "t.xlsx", {"s": [["a", "b"], ["1", "2"]]})
    blob = path.rename(tmp_path / "3f9a0c")  # as a content-addressed blob is named
    result = extract(blob)
    assert result.kind == "table" and result.tables[0].rows == [["1", "2"]]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16"])
def test_csv_in_chinese_encodings(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "list.csv"
    rows = "省份,医院,肝移植数\n北京,北京大学人民医院,120\n上海,\"上海市第一人民医院, 分院\",88\n"
    path.write_bytes(rows.encode(encoding))
    result = extract(path)
    assert result.kind == "table"
    table = result.tables[0]
    assert table.header == ["省份", "医院", "肝移植数"]
    assert table.rows[1] == ["上海", "上海市第一人民医院, 分院", "88"]
    assert "北京大学人民医院" in (result.text or "")
