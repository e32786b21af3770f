"""Person lists in the case under hostile input: clear errors, nothing stored changed,
no protected value in any output, values neutralised for spreadsheets and terminals."""

import io
import json
import zipfile

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


CANARIES = ("Qanarybek", "Zzyzxov", "Canaryville", "1911-11-11", "1911-11", "19111111",
            "650102191111119999", "witnessqx")


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory, small):
    """A case with a public list whose names start like formulas or hold terminal escapes,
    a second public list, and a protected list carrying values found nowhere else; linked
    by item id with --record (human output), then reviewed."""
    paths, frames = small
    base = tmp_path_factory.mktemp("hostile")
    reg = frames["registry"].copy()
    reg["姓名"] = [("=", "+", "@", "-")[k % 4] + n for k, n in enumerate(reg["姓名"])]
    reg.to_csv(base / "registry.csv", index=False)
    hosp = frames["hospital"].copy()
    hosp["name"] = "\x1b[2J\x1b]0;x\x07" + hosp["name"]
    hosp.to_csv(base / "hospital.csv", index=False)
    wit = pd.concat([frames["testimony"], pd.DataFrame([
        {"name": "Qanarybek Zzyzxov", "sex": "男", "date_of_birth": "1911-11-11",
         "address": "新疆Canaryville"}] * 2)], ignore_index=True)
    wit["id_number"] = ["650102191111119999" if "Zzyzxov" in n else "" for n in wit["name"]]
    wit.to_csv(base / "witnessqx.csv", index=False)
    case_dir = base / "case"
    Case.init(case_dir).close()
    runner = CliRunner()
    ids = []
    for name, extra in (("registry", []), ("hospital", []),
                        ("witnessqx", ["--sensitivity", "protected"])):
        res = runner.invoke(cli, ["--case", str(case_dir), "link", "import",
                                  str(base / f"{name}.csv"), *extra, "--json"])
        assert res.exit_code == 0, res.output
        ids.append(json.loads(res.output)[0]["item_id"])
    out = base / "linked"
    # a strict threshold puts most of this small set's pairs in the review queue, whose
    # written and shown values these tests check
    run = runner.invoke(cli, ["--case", str(case_dir), "link", "run", *ids, "--out", str(out),
                              "--record", "--threshold", "0.999"])
    assert run.exit_code == 0, run.output
    review = runner.invoke(cli, ["link", "review", str(out), "--limit", "500"])
    assert review.exit_code == 0, review.output
    return case_dir, out, ids, run.output + review.output


def test_no_protected_value_leaves_in_any_output_log_or_listing(hostile_run):
    case_dir, out, ids, printed = hostile_run
    texts = [printed]
    for path in out.rglob("*"):
        if path.suffix == ".parquet":
            texts.append(pd.read_parquet(path).to_csv())
        elif path.is_file():
            texts.append(path.read_text(encoding="utf-8", errors="replace"))
    runner = CliRunner()
    for argv in (["log", "--json"], ["log"], ["items", "--json"], ["items"]):
        res = runner.invoke(cli, ["--case", str(case_dir), *argv])
        assert res.exit_code == 0, res.output
        texts.append(res.output)
    text = "\n".join(texts)
    assert not [c for c in CANARIES if c in text]
    assert ids[2] in text  # the protected list is there, by item id
    with Case.open(case_dir, readonly=True) as case:
        assert verify_case(case).ok


def test_review_queue_values_cannot_run_as_spreadsheet_formulas(hostile_run):
    _, out, _, _ = hostile_run
    queue = pd.read_csv(out / "review_queue.csv", dtype=str, keep_default_na=False)
    values = queue[[c for c in queue.columns if c.startswith(("name_", "place_leaf_"))]]
    cells = [v for v in values.to_numpy().ravel() if v]
    # the registry's names (starting = + - @) are in the queue, neutralised
    assert any(v[0] == "'" and v[1:2] in ("=", "+", "-", "@") for v in cells)
    assert not [v for v in cells if v[0] in "=+-@\t\r"]


def test_terminal_escapes_in_names_are_shown_not_sent(hostile_run):
    _, _, _, printed = hostile_run
    assert "\\x1b[2J" in printed  # the hospital's names are in the review shown
    assert "\x1b" not in printed and "\x07" not in printed


def test_error_messages_show_control_characters_escaped(tmp_path, capsys, monkeypatch):
    from tribunal.cli import main

    # as on a terminal: click strips escape sequences only when not writing to one
    monkeypatch.setattr("click.utils.should_strip_ansi", lambda *a, **k: False)

    bad = tmp_path / "list\x1b[2J.csv"
    bad.write_text("序号,日期\n1,1990\n", encoding="utf-8")  # no name column
    with pytest.raises(SystemExit) as exc:
        main(["link", "run", str(bad), "--out", str(tmp_path / "o")])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "list\\x1b[2J" in err and "\x1b[2J" not in err


def test_writer_taking_the_case_between_ingest_and_mapping_is_a_clear_error(
        tmp_path, small, monkeypatch):
    """Another command (an ingest) may take the case's writer lock between a list's ingest
    and the write of its mapping: a clear error saying what is stored, and a second import
    completes it."""
    import fcntl
    import os

    import tribunal.archive.ingest as ingest
    from tribunal.errors import CaseError
    from tribunal.linkage.case_lists import stored_mapping

    paths, _ = small
    real = ingest.ingest_paths
    held: list[int] = []

    def ingest_then_lock(case, files, capture=None):
        report = real(case, files, capture)
        fd = os.open(case.root / ".lock", os.O_RDWR)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        held.append(fd)
        return report

    with Case.init(tmp_path / "case") as case:
        monkeypatch.setattr(ingest, "ingest_paths", ingest_then_lock)
        with pytest.raises(CaseError, match="stored, but not its column mapping") as exc:
            import_lists(case, [paths["registry"]], None, Capture())
        assert "again" in exc.value.hint
        os.close(held.pop())
        monkeypatch.setattr(ingest, "ingest_paths", real)
        (again,) = import_lists(case, [paths["registry"]], None, Capture())
        assert not again.new and stored_mapping(case, again.item_id) is not None
        assert verify_case(case).ok


def test_list_held_as_public_and_imported_as_protected_warns(tmp_path, small):
    """A held item keeps its first import's sensitivity: asking for protected later must
    say that the list is not protected, not pass in silence."""
    paths, _ = small
    with Case.init(tmp_path / "case") as case:
        (first,) = import_lists(case, [paths["registry"]], None, Capture())
        assert not first.warnings
        (again,) = import_lists(case, [paths["registry"]], None,
                                Capture(sensitivity="protected"))
    assert again.sensitivity == "public"
    assert again.warnings and "stays public" in again.warnings[0]


def test_a_list_a_million_columns_wide_is_refused_before_it_is_stored(tmp_path):
    wide = tmp_path / "wide.csv"
    n = 1_000_000
    wide.write_text(",".join(["name"] + ["c"] * n) + "\n" + ",".join(["Ali Aziz"] + ["x"] * n)
                    + "\n", encoding="utf-8")
    with Case.init(tmp_path / "case") as case:
        with pytest.raises(InputError, match="1,000,001 columns") as exc:
            import_lists(case, [wide], None, Capture())
        assert exc.value.hint
        assert not list_items(case.db)


def test_record_refuses_a_list_the_case_does_not_hold(tmp_path, small):
    from tribunal.cli import main

    paths, frames = small
    other = tmp_path / "other.csv"
    frames["hospital"].head(10).to_csv(other, index=False)  # bytes the case does not hold
    case_dir = tmp_path / "case"
    with Case.init(case_dir) as case:
        (reg,) = import_lists(case, [paths["registry"]], None, Capture())
        n_items = len(list_items(case.db))
    with pytest.raises(SystemExit) as exc:
        main(["--case", str(case_dir), "link", "run", reg.item_id, str(other), "--out",
              str(tmp_path / "o"), "--record"])
    assert exc.value.code == 2
    assert not (tmp_path / "o").exists()
    with Case.open(case_dir, readonly=True) as case:
        assert len(list_items(case.db)) == n_items and verify_case(case).ok


def test_rows_wider_than_the_header_are_counted_not_silently_cut(tmp_path):
    from tribunal.linkage.sources import SourceInfo, read_chunks

    csv_path = tmp_path / "ragged.csv"
    csv_path.write_text("name,sex,date_of_birth\nLi Wei,m,1980\nLi, Wei,m,1980\n\nAli,f,\n"
                        "Abla,f,1990,\nTursun Niyaz,m,1971,extra\n", encoding="utf-8")
    info = SourceInfo("ragged", str(csv_path))
    frame = pd.concat(list(read_chunks(csv_path, info)))
    assert len(frame) == 5 and info.n_rows == 5
    # the trailing empty field of "Abla" is no loss; "Li, Wei" and "Tursun Niyaz" lose one
    assert info.warnings == ["2 row(s) have more fields than the header (first: row 2); "
                             "the extra fields were left out"]
    assert not any("Wei" in w or "Tursun" in w for w in info.warnings)


def test_a_path_the_case_does_not_hold_is_linked_with_a_warning(tmp_path, small):
    """A witness list saved again has other bytes: linked by path with --case, it is a
    plain file whose names are never withheld, and the summary must say so."""
    paths, frames = small
    resaved = tmp_path / "witnesses.csv"
    frames["hospital"].to_csv(resaved, index=False, encoding="utf-8-sig")
    with Case.init(tmp_path / "case") as case:
        import_lists(case, [paths["hospital"]], None, Capture(sensitivity="protected"))
        inputs = case_inputs(case, [str(paths["hospital"]), str(resaved)])
        infos, _ = normalise_lists(inputs, tmp_path / "work")
    assert [bool(i.item_id) for i in infos] == [True, False]
    assert not infos[0].warnings
    assert any("not held by the case" in w for w in infos[1].warnings)


def test_a_list_without_any_duplicate_links_to_as_many_people(tmp_path):
    """No pair meets the prior's deterministic rules: the estimate is 0, which has no
    match weight (it raised a math domain error deep inside Splink)."""
    from tribunal.linkage.link import run_linkage

    path = tmp_path / "distinct.csv"
    pd.DataFrame({"name": [f"Person{i} Abdu" for i in range(40)], "sex": "m"}).to_csv(
        path, index=False)
    result = run_linkage([path], tmp_path / "out")
    assert result.n_clusters == 40
    assert any("no pair met the deterministic rules" in n for n in result.notes)


def test_a_sheet_formatted_out_to_column_12000_is_read_by_its_header(tmp_path):
    """Formatting (not values) out to a far column makes every row that wide: the list
    is as wide as its header's last named column, not refused as 12,000 columns."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from tribunal.linkage.sources import SourceInfo, read_chunks

    wb = Workbook()
    ws = wb.active
    ws.append(["name", "sex"])
    for i in range(5):
        ws.append([f"Ali Aziz {i}", "m"])
    ws.cell(row=1, column=12_000).font = Font(bold=True)
    path = tmp_path / "formatted.xlsx"
    wb.save(path)
    info = SourceInfo("formatted", str(path))
    frame = pd.concat(list(read_chunks(path, info)))
    assert list(frame.columns) == ["name", "sex"] and len(frame) == 5 and not info.warnings


def test_the_same_list_by_item_id_and_by_path_is_named_as_given_twice(tmp_path, small):
    paths, _ = small
    with Case.init(tmp_path / "case") as case:
        (reg,) = import_lists(case, [paths["registry"]], None, Capture())
        inputs = case_inputs(case, [reg.item_id, str(paths["registry"])])
    with pytest.raises(InputError, match="given twice") as exc:
        normalise_lists(inputs, tmp_path / "work")
    assert "rename" not in exc.value.hint
