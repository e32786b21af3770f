"""Plain text in the encodings Chinese material comes in, with real Chinese sentences."""

from __future__ import annotations

from pathlib import Path

import pytest
from extract_fixtures import SIMPLIFIED, TRADITIONAL

from tribunal.archive.extract import ExtractionError, extract
from tribunal.archive.extract.textdecode import decode_text

TRADITIONAL_CHARS = set("".join(TRADITIONAL))
MIXED = "2019年，China's transplant volume 器官移植 grew; 医院 said waiting time was 1 week."


def _cases() -> list[tuple[str, str, bytes]]:
    out = []
    for text in SIMPLIFIED + TRADITIONAL + [MIXED, "\n".join(SIMPLIFIED), "\n".join(TRADITIONAL)]:
        for enc in ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32"):
            out.append((text, enc, text.encode(enc)))
        out.append((text, "gb18030", text.encode("gb18030")))
        if all(ch in TRADITIONAL_CHARS for ch in text if ord(ch) > 127):
            out.append((text, "big5", text.encode("big5")))  # simplified has no Big5 code
    return out


@pytest.mark.parametrize(("text", "enc", "data"), _cases(), ids=lambda v: v if isinstance(v, str) and len(v) < 12 else None)
def test_chinese_text_decodes_in_every_encoding(text: str, enc: str, data: bytes) -> None:
    decoded, _ = decode_text(data)
    assert decoded == text


def test_simplified_is_not_in_big5() -> None:
    # Guard for the parametrisation above: Big5 cases exist only for traditional text.
    with pytest.raises(UnicodeEncodeError):
        SIMPLIFIED[1].encode("big5")


def test_gb18030_and_big5_are_told_apart_on_long_text() -> None:
    gb = ("".join(SIMPLIFIED) * 20).encode("gb18030")
    big5 = ("".join(TRADITIONAL) * 20).encode("big5")
    assert decode_text(gb)[1] == "gb18030"
    assert decode_text(big5)[1] in ("cp950", "big5hkscs")


@pytest.mark.parametrize("encoding", ["gb18030", "big5"])
def test_a_corrupt_byte_does_not_change_the_encoding(tmp_path: Path, encoding: str) -> None:
    text = "\n".join(TRADITIONAL if encoding == "big5" else SIMPLIFIED) * 5
    data = text.encode(encoding)
    damaged = data[:40] + b"\xff\x30" + data[40:]  # invalid in both codecs
    path = tmp_path / "damaged.txt"
    path.write_bytes(damaged)
    result = extract(path)
    assert result.text is not None and result.text.count("\ufffd") >= 1
    assert result.text.replace("\ufffd", "").replace("0", "") == text.replace("0", "")
    assert any("replaced" in w for w in result.warnings)


def test_extract_plain_file_reports_encoding_and_language(tmp_path: Path) -> None:
    path = tmp_path / "statement.txt"
    path.write_bytes(TRADITIONAL[0].encode("big5"))
    result = extract(path)
    assert result.kind == "document"
    assert result.text == TRADITIONAL[0]
    assert result.metadata["encoding"] == "cp950"
    assert result.language == "zh"


def test_western_single_byte_text(tmp_path: Path) -> None:
    path = tmp_path / "note.txt"
    text = "Le médecin a déclaré que l'hôpital effectue des greffes de foie chaque semaine."
    path.write_bytes(text.encode("cp1252"))
    assert extract(path).text == text


def test_binary_is_undecodable(tmp_path: Path) -> None:
    path = tmp_path / "blob.txt"
    path.write_bytes(bytes(range(256)) * 40)
    with pytest.raises(ExtractionError, match="undecodable"):
        extract(path)


def test_zero_byte_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    result = extract(path)
    assert result.text == ""


def test_text_is_capped_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text("器官移植 organ " * 10_000, encoding="utf-8")
    result = extract(path, max_chars=1000)
    assert len(result.text or "") == 1000
    assert any("cut at 1000" in w for w in result.warnings)
    assert any("only the first" in w for w in result.warnings)  # read no more than needed


def test_html_read_is_capped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tribunal.archive.extract as ex

    monkeypatch.setattr(ex, "MAX_HTML_BYTES", 10_000)
    path = tmp_path / "big.html"
    path.write_text("<html><body>" + "<p>肝脏移植 liver</p>" * 5000 + "</body></html>", "utf-8")
    result = extract(path)
    assert result.kind == "html" and "肝脏移植" in (result.text or "")
    assert any("only the first" in w for w in result.warnings)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (SIMPLIFIED[0], "zh"),
        ("The hospital promised a liver within a week.", "en"),
        ("医院 promised 肝脏 within a week, 等待时间很短 said the doctor.", "mixed"),
        ("", None),
        ("Больница обещала печень через неделю.", None),
    ],
)
def test_language_heuristic(text: str, expected: str | None) -> None:
    from tribunal.archive.extract.language import detect_language

    assert detect_language(text) == expected
