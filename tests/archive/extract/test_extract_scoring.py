"""The vectorised encoding score and language count equal their per-character definitions."""

from __future__ import annotations

import random
import unicodedata

import pytest
from extract_fixtures import SIMPLIFIED, TRADITIONAL

from tribunal.archive.extract.common_han import common_han
from tribunal.archive.extract.language import detect_language
from tribunal.archive.extract.textscore import WESTERN_PUNCT, score_text


def _reference_score(text: str, *, western: bool = False) -> float:
    """The scoring rule written as the plain per-character loop it replaces."""
    common = common_han()
    good, judged = 0.0, 0
    for i, ch in enumerate(text):
        o = ord(ch)
        if o < 128:
            if not (ch.isprintable() or ch in "\t\n\r\f"):
                good -= 5.0
                judged += 1
            continue
        judged += 1
        if western:
            before = text[i - 1] if i else " "
            after = text[i + 1] if i + 1 < len(text) else " "
            if ch.isalpha() or ch in WESTERN_PUNCT:
                good += 1.0 if before.isascii() and after.isascii() else 0.1
            continue
        if ch in common or 0x3000 <= o <= 0x303F or 0xFF00 <= o <= 0xFFEF or ch in WESTERN_PUNCT:
            good += 1.0
        elif 0x4E00 <= o <= 0x9FFF:
            good += 0.3
        else:
            cat = unicodedata.category(ch)
            if ch == "\ufffd" or cat in ("Cc", "Co", "Cn", "Cs"):
                good -= 5.0
            elif cat.startswith(("L", "P", "Z", "N")):
                good += 0.1
    return 1.0 if judged == 0 else good / judged


def _texts() -> list[str]:
    rng = random.Random(7)
    chinese = "".join(SIMPLIFIED + TRADITIONAL)
    out = [
        "",
        "plain ascii only",
        "tab\tand\x07bell\x00nul",
        chinese,
        "Le médecin a déclaré que l'hôpital — “vite” — 10 €.",
        "\U00020000\U0002a6d6 astral Han, \U000f0000 private use, \U0001f600 emoji",
    ]
    # wrong decodings of Chinese bytes: the texts the score must reject
    for enc, wrong in (("gb18030", "cp950"), ("big5", "gb18030"), ("gb18030", "cp1252")):
        src = "".join(TRADITIONAL) if enc == "big5" else "".join(SIMPLIFIED)
        out.append(src.encode(enc).decode(wrong, errors="replace"))
    for _ in range(40):  # random code points from every plane, surrogates included
        out.append("".join(chr(rng.choice([rng.randrange(0, 0x80), rng.randrange(0x80, 0x110000),
                                           rng.randrange(0x4E00, 0xA000)]))
                           for _ in range(rng.randrange(1, 300))))
    return out


@pytest.mark.parametrize("western", [False, True])
def test_vectorised_score_equals_the_per_character_rule(western: bool) -> None:
    for text in _texts():
        assert score_text(text, western=western) == pytest.approx(
            _reference_score(text, western=western), abs=1e-9
        ), repr(text[:40])


def _reference_language(text: str) -> str | None:
    han = sum(1 for ch in text if "\u3400" <= ch <= "\u4dbf" or "\u4e00" <= ch <= "\u9fff"
              or "\uf900" <= ch <= "\ufaff" or "\U00020000" <= ch <= "\U0003134f")
    latin = sum(1 for ch in text if ch.isascii() and ch.isalpha()) / 5.0
    total = han + latin
    if total < 2:
        return None
    letters = sum(1 for ch in text if ch.isalpha())
    if letters and (han + latin * 5.0) / letters < 0.5:
        return None
    share = han / total
    return "zh" if share >= 0.8 else "en" if share <= 0.2 else "mixed"


def test_language_count_equals_the_per_character_rule() -> None:
    for text in _texts()[1:]:
        assert detect_language(text) == _reference_language(text), repr(text[:40])


def test_language_of_a_long_text_is_judged_across_it() -> None:
    # A long English preface must not hide a Chinese body: the sample spans the whole text.
    text = "An English preface about the report. " * 6000 + "".join(SIMPLIFIED) * 2000
    assert len(text) > 200_000
    assert detect_language(text) in ("mixed", "zh")
    assert detect_language("".join(SIMPLIFIED) * 2000) == "zh"
