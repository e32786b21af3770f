"""Fixture files for the extractors, generated in the test run (nothing binary is committed).

Imported by the test modules beside it as ``extract_fixtures`` (a unique name: the test
folders are not packages).
"""

from __future__ import annotations

from pathlib import Path

SIMPLIFIED = [
    "中国的器官移植等待时间很短，医院承诺一周内找到供体。",
    "肝脏移植手术在这家医院进行，患者来自全国各地。",
    "法轮功学员在监狱中被强制抽血检查。",
]
TRADITIONAL = [
    "中國的器官移植等待時間很短，醫院承諾一週內找到供體。",
    "肝臟移植手術在這家醫院進行，患者來自全國各地。",
    "法輪功學員在監獄中被強制抽血檢查。",
]


def make_pdf(path: Path, pages: list[str], *, chinese: bool = False) -> Path:
    """A PDF with one text line per page (reportlab; CID font for Chinese)."""
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path))
    font = "Helvetica"
    if chinese:
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.cidfonts import UnicodeCIDFont

        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
        font = "STSong-Light"
    c.setTitle("Test report")
    c.setAuthor("Tribunal tests")
    for text in pages:
        c.setFont(font, 12)
        c.drawString(72, 720, text)
        c.showPage()
    c.save()
    return path


def encrypt_pdf(src: Path, dst: Path, user_password: str) -> Path:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(str(src)).pages:
        writer.add_page(page)
    writer.encrypt(user_password=user_password, owner_password="owner")
    with dst.open("wb") as fh:
        writer.write(fh)
    return dst


def make_docx(path: Path, paragraphs: list[str], table: list[list[str]] | None = None) -> Path:
    import docx

    document = docx.Document()
    document.core_properties.title = "Witness statement"
    document.core_properties.author = "Investigator"
    for p in paragraphs:
        document.add_paragraph(p)
    if table:
        t = document.add_table(rows=len(table), cols=len(table[0]))
        for i, row in enumerate(table):
            for j, value in enumerate(row):
                t.cell(i, j).text = value
    document.save(str(path))
    return path


def make_xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(str(path))
    return path
