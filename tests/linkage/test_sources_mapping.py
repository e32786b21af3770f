"""Reading lists: encodings, empty files, missing name columns, streaming, mappings."""

import pandas as pd
import pytest

from tribunal.errors import InputError
from tribunal.linkage.mapping import load_mapping, parse_mapping, recognise, resolve
from tribunal.linkage.sources import SourceInfo, read_chunks


def _read(path, **kw):
    info = SourceInfo(path.stem, str(path))
    frames = list(read_chunks(path, info, **kw))
    return info, frames


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "big5", "utf-16"])
def test_encodings(tmp_path, encoding):
    path = tmp_path / "a.csv"
    names = ["張偉", "陳大文", "歐陽修", "王秀英", "李明華", "黃國強", "劉德華", "林志玲"] * 5
    path.write_bytes(("姓名,性別\n" + "".join(f"{n},男\n" for n in names)).encode(encoding))
    info, frames = _read(path)
    assert list(frames[0]["姓名"]) == names
    assert info.n_rows == len(names) and len(info.sha256) == 64


def test_mixed_encodings_are_decoded_line_by_line_and_reported(tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_bytes("姓名\n".encode() + "王秀英\n".encode() + "李明华\n".encode("gb18030"))
    info, frames = _read(path)
    assert list(frames[0]["姓名"]) == ["王秀英", "李明华"]
    assert any("mixed encodings" in w for w in info.warnings)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        _read(path)


def test_streamed_in_bounded_chunks(tmp_path):
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8") as fh:
        fh.write("name,dob\n")
        for i in range(25_000):
            fh.write(f"Person {i},1970\n")
    info, frames = _read(path, chunk_rows=10_000)
    assert [len(f) for f in frames] == [10_000, 10_000, 5_000]
    assert info.n_rows == 25_000


def test_xlsx(tmp_path):
    path = tmp_path / "list.xlsx"
    pd.DataFrame({"姓名": ["王秀英", "李明"], "出生日期": ["1968-03", "1970"]}).to_excel(
        path, index=False)
    info, frames = _read(path)
    assert list(frames[0]["姓名"]) == ["王秀英", "李明"] and info.columns == ["姓名", "出生日期"]


def test_tsv_and_semicolon(tmp_path):
    for sep in ("\t", ";"):
        path = tmp_path / "t.csv"
        path.write_text(f"name{sep}sex\nWang Wei{sep}M\n", encoding="utf-8")
        assert _read(path)[1][0].iloc[0]["sex"] == "M"


def test_recognised_headers():
    m = recognise(["序号", "姓名", "性别", "出生日期", "籍贯", "身份证号码"])
    assert m.fields == {"name": ["姓名"], "sex": ["性别"], "birth_date": ["出生日期"],
                        "place": ["籍贯"], "id_number": ["身份证号码"]}
    m = recognise(["first_name", "Surname", "DOB", "Gender"])
    assert m.fields["name"] == ["Surname", "first_name"] and m.fields["sex"] == ["Gender"]


def test_no_usable_name_column():
    with pytest.raises(InputError, match="no usable name column") as err:
        resolve(["序号", "日期"], None, "x.csv")
    assert "mapping" in err.value.hint


def test_mapping_file(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text("lists:\n  a.csv:\n    name: [姓, 名]\n    birth_year: 出生年\n"
                    "    attributes: [职业]\n", encoding="utf-8")
    maps = load_mapping(path)
    assert maps["a.csv"].fields == {"name": ["姓", "名"], "birth_year": ["出生年"]}
    m = resolve(["姓", "名", "出生年", "职业"], maps["a.csv"], "a.csv")
    assert m.attributes == ["职业"]
    with pytest.raises(InputError, match="not in the file"):
        resolve(["姓名"], maps["a.csv"], "a.csv")


def test_bad_mapping_fields():
    with pytest.raises(InputError, match="unknown field"):
        parse_mapping({"lists": {"a.csv": {"nmae": "x"}}})
    with pytest.raises(InputError):
        parse_mapping(["not", "a", "mapping"])


def test_binary_junk_is_a_clear_input_error(tmp_path):
    path = tmp_path / "junk.csv"
    path.write_bytes(b"name,\x00sex\r\n\x9f\x00\x01\rA\x00,B\n" * 50)
    with pytest.raises(InputError, match="not a readable CSV list"):
        list(read_chunks(path))


def test_chunks_are_full_across_blank_and_ragged_rows(tmp_path):
    """Blank rows are skipped and ragged rows fitted batch by batch, yet every chunk but the
    last holds ``chunk_rows`` records, rows numbered as if read one by one."""
    path = tmp_path / "ragged.csv"
    lines = ["name,dob"]
    for i in range(23):
        lines.append(f"P{i},1970")
        if i % 4 == 1:
            lines.append(",")  # blank: every cell empty
        if i % 5 == 2:
            lines.append(f"Q{i},1971,x")  # one field too many
        if i % 7 == 3:
            lines.append(f"R{i}")  # one field too few
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    info, frames = _read(path, chunk_rows=4)
    names = [n for f in frames for n in f["name"]]
    expected = [c.split(",")[0] for c in lines[1:] if c != ","]
    assert names == expected and info.n_rows == len(expected)
    assert [len(f) for f in frames[:-1]] == [4] * (len(frames) - 1) and 0 < len(frames[-1]) <= 4
    first_wide = expected.index("Q2") + 1
    assert info.warnings == [f"5 row(s) have more fields than the header (first: row "
                             f"{first_wide}); the extra fields were left out"]
    short = next(f for f in frames if "R3" in set(f["name"]))
    assert short.loc[short["name"] == "R3", "dob"].item() == ""
