"""Files that lie about their type, truncated containers, huge sheets, nested e-mail."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from extract_fixtures import make_docx, make_pdf, make_xlsx

from tribunal.archive.extract import ExtractionError, extract, office


@pytest.mark.parametrize(
    ("name", "data", "kind", "text"),
    [
        ("page.pdf", b"<html><body><p>saved web page</p></body></html>", "html", "saved web page"),
        ("note.docx", "器官移植 plain text".encode(), "document", "器官移植 plain text"),
        ("data.xlsx", "肝脏,liver\n1,2\n".encode("gb18030"), "document", "肝脏,liver"),
    ],
)
def test_a_binary_extension_without_its_magic_is_judged_by_content(
    tmp_path: Path, name: str, data: bytes, kind: str, text: str
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    result = extract(path)
    assert result.kind == kind
    assert text in (result.text or "")


def test_real_formats_under_other_names_still_read(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "a.pdf", ["Liver transplant page"])
    renamed = tmp_path / "a.txt"
    renamed.write_bytes(pdf.read_bytes())
    assert extract(renamed).kind == "pdf"
    docx = make_docx(tmp_path / "b.docx", ["hello docx"])
    (tmp_path / "b.html").write_bytes(docx.read_bytes())
    assert extract(tmp_path / "b.html").kind == "docx"


@pytest.mark.parametrize("maker", ["pdf", "docx", "xlsx"])
def test_truncated_containers_are_extraction_errors(tmp_path: Path, maker: str) -> None:
    if maker == "pdf":
        full = make_pdf(tmp_path / "f.pdf", ["Truncated page of text"] * 3)
    elif maker == "docx":
        full = make_docx(tmp_path / "f.docx", ["paragraph " * 200])
    else:
        full = make_xlsx(tmp_path / "f.xlsx", {"S": [[i, "肝脏"] for i in range(300)]})
    data = full.read_bytes()
    for cut in (10, len(data) // 3, len(data) // 2, len(data) - 30):
        path = tmp_path / f"cut{cut}.{maker}"
        path.write_bytes(data[:cut])
        try:
            result = extract(path)
        except ExtractionError as exc:
            assert exc.reason
        else:
            assert result.kind in (maker, "table", "document")


def test_sheet_reading_stops_after_a_long_run_of_empty_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(office, "MAX_EMPTY_RUN", 50)
    rows: list[list[object]] = [["id", "organ"], [1, "liver"]]
    rows += [[None, None]] * 30 + [[2, "kidney"]]  # a short gap: kept
    rows += [[None, None]] * 80 + [[3, "heart"]]  # a long gap: reading stops
    result = extract(make_xlsx(tmp_path / "gaps.xlsx", {"S": rows}))
    table = result.tables[0]
    assert table.rows[0] == ["1", "liver"] and table.rows[-1] == ["2", "kidney"]
    assert len(table.rows) == 32  # the 30 empty rows inside the data are kept
    assert any("empty rows in a row" in w for w in result.warnings)
    assert "heart" not in (result.text or "")


def test_embedded_message_is_an_attachment_not_the_body(tmp_path: Path) -> None:
    html = base64.b64encode("<p>外层正文 outer body</p>".encode("gb18030")).decode()
    eml = (
        "From: a@example.org\nTo: b@example.org\nSubject: =?big5?B?"
        + base64.b64encode("肝臟".encode("big5")).decode()
        + "?=\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"B1\"\n\n"
        "--B1\nContent-Type: multipart/alternative; boundary=\"B2\"\n\n"
        "--B2\nContent-Type: text/html; charset=gb2312\nContent-Transfer-Encoding: base64\n\n"
        + html
        + "\n--B2--\n--B1\nContent-Type: message/rfc822\n\n"
        "From: c@example.org\nSubject: forwarded\nContent-Type: text/plain\n\ninner body\n"
        "--B1\nContent-Type: text/plain; charset=\"x-no-such-charset\"\n"
        "Content-Disposition: attachment; filename=\"notes.txt\"\n\nattached notes\n--B1--\n"
    )
    path = tmp_path / "m.eml"
    path.write_text(eml)
    result = extract(path)
    assert result.metadata["subject"] == "肝臟"
    assert "外层正文 outer body" in (result.text or "")
    assert "inner body" not in (result.text or "")
    names = [a.filename for a in result.attachments]
    assert names == ["attachment-2.eml", "notes.txt"] or names == ["attachment-1.eml", "notes.txt"]
    assert b"inner body" in result.attachments[0].content


def test_table_cells_are_capped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tribunal.archive.extract import delimited

    monkeypatch.setattr(delimited, "MAX_TABLE_CELLS", 1000)
    one_line = tmp_path / "line.csv"
    one_line.write_bytes(b"a," * 5000)  # one 10 KB line of fields
    result = extract(one_line)
    assert len(result.tables[0].header) <= 1000
    assert any("cut at about 1,000 cells" in w for w in result.warnings)
    rows = tmp_path / "rows.csv"
    rows.write_text("id,organ\n" + "".join(f"{i},liver\n" for i in range(2000)))
    table = extract(rows).tables[0]
    assert table.header == ["id", "organ"] and 400 <= len(table.rows) < 500
    assert table.rows[-1] == [str(len(table.rows) - 1), "liver"]  # cut at a line end
    small = tmp_path / "small.csv"
    small.write_text("a,b\r\n1,\"x\ny\"\r\n")  # a newline inside quotes still parses
    assert extract(small).tables[0].rows == [["1", "x\ny"]]


def test_html_meta_claiming_utf16_is_read_as_utf8(tmp_path: Path) -> None:
    page = '<html><head><meta charset="utf-16"></head><body><p>器官 liver page</p></body></html>'
    path = tmp_path / "p.html"
    path.write_bytes(page.encode("utf-8") + (b" " if len(page.encode()) % 2 else b""))
    assert "器官 liver page" in (extract(path).text or "")


@pytest.mark.parametrize(
    "declared", ["application/pdf", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"]
)
def test_a_declared_binary_type_without_its_magic_is_judged_by_content(
    tmp_path: Path, declared: str
) -> None:
    # The archive extracts the stored blob (no extension) declaring the original name's type.
    blob = tmp_path / "ab12cd"
    blob.write_bytes(b"<html><body><p>404 not found</p></body></html>")
    result = extract(blob, declared_mime=declared)
    assert result.kind == "html" and "404 not found" in (result.text or "")
