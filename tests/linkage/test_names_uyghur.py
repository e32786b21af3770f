"""Uyghur names: four scripts, unordered elements, the curated table."""

import csv
import re
from functools import lru_cache

import pytest

from tribunal.linkage.names import normalise_name
from tribunal.linkage.names_uyghur import (
    DATA_DIR,
    canonical_element,
    hanzi_to_latin,
    looks_uyghur_hanzi,
    segment_hanzi,
    skeleton,
)
from tribunal.linkage.names_zh import hanzi_pinyin, strip_accents


@pytest.mark.parametrize("text", ["买买提·吐尔逊", "買買提·吐爾遜", "买买提吐尔逊", "Memet Tursun",
                                  "Tursun Memet", "Mehmet Tursunov", "MEMET Tursun",
                                  "Мемет Турсунов", "مەمەت تۇرسۇن"])
def test_renderings_of_memet_tursun_share_the_key(text):
    assert normalise_name(text).key == "memet tursun"


def test_table_maps_common_spellings():
    assert hanzi_to_latin("买买提") == "memet"
    assert hanzi_to_latin("吐尔逊") == "tursun"
    assert hanzi_to_latin("阿不都") == "abdu"
    assert hanzi_to_latin("艾力") == "eli"
    assert hanzi_to_latin("王") is None


def test_han_names_are_not_read_as_uyghur():
    assert not looks_uyghur_hanzi("艾青")
    assert not looks_uyghur_hanzi("王秀英")
    assert normalise_name("艾青").script == "han"
    assert segment_hanzi("买买提吐尔逊") == ["买买提", "吐尔逊"]


def test_russian_suffixes_and_variants():
    assert canonical_element("Tursunov") == "tursun"
    assert canonical_element("Kurbanov") == "qurban"
    assert canonical_element("Abdullah") == "abdulla"


def test_skeleton_joins_spelling_variants_but_not_different_names():
    assert skeleton("memet") == skeleton("mamat")
    assert skeleton("ehmet") == skeleton("ahmad")
    assert skeleton("tursun") != skeleton("memet")


# ---- consistency of the curated table: a typo in a row fails here --------------------
_ULY = re.compile(r"^(?:ch|sh|zh|gh|ng|[abdefghijklmnopqrstuwxyz])+$")
# Consonant classes: Chinese transliteration cannot keep voicing or b/p/f apart, nor k/q/g.
_PINYIN_CLASSES = [("zh", "S"), ("ch", "J"), ("sh", "S"), ("ng", "N"), ("b", "P"), ("p", "P"),
                   ("f", "P"), ("m", "M"), ("d", "T"), ("t", "T"), ("n", "N"), ("l", "R"),
                   ("r", "R"), ("g", "K"), ("k", "K"), ("j", "J"), ("q", "J"), ("x", "S"),
                   ("z", "S"), ("c", "S"), ("s", "S")]
_LATIN_CLASSES = [("ch", "J"), ("sh", "S"), ("zh", "J"), ("gh", "K"), ("ng", "N"), ("b", "P"),
                  ("p", "P"), ("f", "P"), ("m", "M"), ("d", "T"), ("t", "T"), ("n", "N"),
                  ("l", "R"), ("r", "R"), ("g", "K"), ("k", "K"), ("q", "K"), ("j", "J"),
                  ("z", "S"), ("s", "S")]


def _classes(text: str, table) -> str:
    s, out, i = re.sub(r"(.)\1+", r"\1", text), [], 0
    while i < len(s):
        for a, b in table:
            if s.startswith(a, i):
                out.append(b)
                i += len(a)
                break
        else:
            i += 1  # vowels, h, w, y, x (kh): dropped or not written in Chinese characters
    return "".join(out)


def _mismatch(hanzi: str, latin: str) -> int:
    """Consonant edits between the pinyin of the characters and the Latin form, free of
    cost where Chinese transliteration is known to add or lose a sound: an extra nasal on
    the Chinese side (罕 han, 先 xian), a k/gh/q or r/l not written (吐逊 tursun), m for n,
    and ji/qi for ki (基 ji = ki)."""
    a = _classes("".join("r" if p == "er" else p for p in hanzi_pinyin(hanzi)),
                 _PINYIN_CLASSES)
    b = _classes(strip_accents(latin).lower(), _LATIN_CLASSES)

    @lru_cache(None)
    def d(i: int, j: int) -> int:
        if i == len(a) and j == len(b):
            return 0
        best = 99
        if i < len(a):
            best = min(best, d(i + 1, j) + (a[i] != "N"))
        if j < len(b):
            best = min(best, d(i, j + 1) + (b[j] not in "KR"))
        if i < len(a) and j < len(b):
            same = a[i] == b[j] or {a[i], b[j]} == {"M", "N"} or (a[i], b[j]) == ("J", "K")
            best = min(best, d(i + 1, j + 1) + (not same))
        return best

    return d(0, 0)


def _rows() -> list[dict[str, str]]:
    with (DATA_DIR / "uyghur_names.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _uly(latin: str) -> bool:
    s = strip_accents(latin).lower().replace("ü", "u")
    return bool(_ULY.match(s)) and "kh" not in s and "c" not in s.replace("ch", "")


def test_table_is_a_few_hundred_names_of_both_sexes():
    rows = _rows()
    assert len(rows) >= 300
    assert {r["gender"] for r in rows} == {"m", "f"}
    assert sum(r["gender"] == "f" for r in rows) >= 80
    hanzi = [r["hanzi"] for r in rows]
    assert len(hanzi) == len(set(hanzi)), "a Chinese spelling is listed twice"
    assert all(re.fullmatch(r"[\u4e00-\u9fff]{2,}", h) for h in hanzi)


def test_table_latin_forms_are_uyghur_latin():
    bad = [r["latin"] for r in _rows() if not _uly(r["latin"])]
    assert not bad, bad


def test_table_latin_forms_sound_like_their_chinese_spelling():
    bad = [(r["hanzi"], v) for r in _rows()
           for v in [r["latin"], *filter(None, r["variants"].split(";"))]
           if _mismatch(r["hanzi"], v)]
    assert not bad, bad


def test_table_spellings_map_to_one_name():
    seen: dict[str, set[str]] = {}
    for r in _rows():
        for v in [r["latin"], *filter(None, r["variants"].split(";"))]:
            seen.setdefault(strip_accents(v).lower(), set()).add(r["latin"])
    clashes = {k: v for k, v in seen.items() if len(v) > 1}
    assert not clashes, clashes


@pytest.mark.parametrize(("hanzi", "typo"), [("吐尔逊", "turbun"), ("买买提", "tursun"),
                                              ("阿依古丽", "aynur"), ("艾克拜尔", "ekmer"),
                                              ("帕尔哈提", "parhas"), ("迪丽努尔", "gilnur")])
def test_the_consistency_check_catches_typos(hanzi, typo):
    assert _mismatch(hanzi, typo) or not _uly(typo)


def test_the_consistency_check_catches_rows_shifted_by_one():
    # A row pasted against its neighbour's Latin form: nearly all must be caught.
    rows = _rows()
    pairs = [(a["hanzi"], b["latin"]) for a, b in zip(rows, rows[1:], strict=False)
             if a["latin"] != b["latin"]]
    caught = sum(bool(_mismatch(h, latin)) for h, latin in pairs)
    assert caught / len(pairs) > 0.9, (caught, len(pairs))


def test_new_entries_link_across_scripts():
    assert normalise_name("阿不都克里木·吐尔逊").key == normalise_name("Abdukarim Tursunov").key
    assert normalise_name("迪丽努尔·艾山").key == normalise_name("Hasan Dilnur").key
    assert normalise_name("古丽尼沙·买买提").key == normalise_name("Гулниса Мемет").key


def test_unknown_hanzi_element_falls_back_to_pinyin():
    keys = normalise_name("买买提·王")
    assert keys.script == "uyghur"
    assert "memet" in keys.tokens and "wang" in keys.tokens
