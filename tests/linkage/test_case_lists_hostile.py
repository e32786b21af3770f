"""Person lists in the case under hostile input: clear errors, nothing stored changed,
no protected value in any output, values neutralised for spreadsheets and terminals."""

import io
import json
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from tribunal.archive.case import Case
from tribunal.archive.items import Capture, list_items
from tribunal.archive.verify import verify_case
from tribunal.cli import cli
from tribunal.errors import InputError
from tribunal.linkage.case_lists import case_inputs, import_lists
from tribunal.linkage.link import normalise_lists
from tribunal.linkage.mapping import parse_mapping
from tribunal.linkage.synth import make_lists


@pytest.fixture(autouse=True)
def _no_case_from_env(monkeypatch):
    monkeypatch.delenv("TRIBUNAL_CASE", raising=False)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """Two small generated lists as CSV files."""
    base = tmp_path_factory.mktemp("small")
    frames, _ = make_lists(30, seed=11)
    paths = {}
    for name in ("registry", "hospital"):
        paths[name] = base / f"{name}.csv"
        frames[name].to_csv(paths[name], index=False)
    return paths, frames


def test_mapping_entry_keyed_by_file_name_applies_to_an_item(tmp_path, small):
    """docs/linkage.md: a --mapping entry keyed by the item id or the file name overrides
    the stored mapping of an item linked by id (protected or not)."""
    paths, _ = small
    with Case.init(tmp_path / "case") as case:
        (reg,) = import_lists(case, [paths["registry"]], None, Capture())
        (hosp,) = import_lists(case, [paths["hospital"]], None,
                               Capture(sensitivity="protected"))
        mappings = parse_mapping({"registry.csv": {"name": "姓名", "place": "性别"},
                                  "hospital.csv": {"name": "name", "place": "sex"}})
        inputs = case_inputs(case, [reg.item_id, hosp.item_id])
        infos, _ = normalise_lists(inputs, tmp_path / "work", mappings)
    assert [i.mapping["fields"]["place"] for i in infos] == [["性别"], ["sex"]]


def _xlsx(rows: int = 20) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["name", "sex", "date_of_birth"])
    for i in range(rows):
        ws.append([f"Abdurehim Tursun {i}", "m", f"19{50 + i}-01-01"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _rezip(data: bytes, change) -> bytes:
    """The workbook with its first sheet's XML passed through ``change``."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            body = src.read(info.filename)
            z.writestr(info.filename,
                       change(body) if info.filename == "xl/worksheets/sheet1.xml" else body)
    return out.getvalue()


def test_damaged_or_bomb_xlsx_is_a_clear_error_and_the_case_is_unchanged(tmp_path):
    """A sheet cut short mid-XML (a damaged download) and a sheet that expands a
    thousandfold (a zip bomb: 2 MB of padding in a few kB) are refused with a hint, when
    checked for import and when linked, and the case verifies after."""
    good = tmp_path / "good.xlsx"
    good.write_bytes(_xlsx())
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(_rezip(good.read_bytes(), lambda b: b[: len(b) // 2]))
    bomb = tmp_path / "bomb.xlsx"
    bomb.write_bytes(_rezip(good.read_bytes(), lambda b: b.replace(
        b"</sheetData>", b"</sheetData><!--" + b" " * (2 << 20) + b"-->")))
    with Case.init(tmp_path / "case") as case:
        n_items = len(list_items(case.db))
        for bad, why in ((cut, "damaged"), (bomb, "zip bomb")):
            with pytest.raises(InputError, match=why) as exc:
                import_lists(case, [bad], None, Capture())
            assert exc.value.hint
            with pytest.raises(InputError, match=why):
                normalise_lists([bad, good], tmp_path / "work")
        assert len(list_items(case.db)) == n_items
        assert verify_case(case).ok
    fake = tmp_path / "fake.xlsx"
    fake.write_text("name,sex\n", encoding="utf-8")  # not a zip: counted for --max-records
    with pytest.raises(InputError, match="not a zip"):
        normalise_lists([fake, good], tmp_path / "work2", max_records=100)
