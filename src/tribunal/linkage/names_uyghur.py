"""Uyghur personal names across Arabic, Latin, Cyrillic and Chinese-character renderings.

Uyghur names have no fixed surname: a person is usually written as own name plus father's
name (Memet Tursun), sometimes in the other order, sometimes with a Russian patronymic
suffix (Tursunov). So a name is treated as an **unordered set of elements**, each brought to
one Latin spelling:

- Arabic script (Uyghur Ereb Yéziqi) is transliterated letter by letter to the Uyghur Latin
  alphabet (ULY, Xinjiang University 2001);
- Cyrillic (Uyghur and Russian) letter by letter to the same Latin;
- Chinese characters through the curated table ``data/linkage/uyghur_names.csv``
  (买买提 -> memet), elements separated by ``·``, falling back to pinyin;
- Latin is folded (lower case, no diacritics) and Russian suffixes (-ov, -ova, -evich) removed.

Each element also gets a consonant *skeleton* (vowels and h dropped, voiced finals devoiced)
so that Memet, Mehmet and Mamat, or Ahmad and Ehmet, meet at a fuzzy level.
"""

from __future__ import annotations

import csv
import re
from functools import lru_cache
from pathlib import Path

from tribunal.linkage.names_zh import hanzi_pinyin, strip_accents, to_simplified

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "linkage"

# Uyghur Arabic script -> ULY Latin.
ARABIC_TO_LATIN: dict[str, str] = {
    "ا": "a", "ە": "e", "ب": "b", "پ": "p", "ت": "t", "ج": "j", "چ": "ch", "خ": "x",
    "د": "d", "ر": "r", "ز": "z", "ژ": "zh", "س": "s", "ش": "sh", "غ": "gh", "ف": "f",
    "ق": "q", "ك": "k", "گ": "g", "ڭ": "ng", "ل": "l", "م": "m", "ن": "n", "ھ": "h",
    "و": "o", "ۇ": "u", "ۆ": "ö", "ۈ": "ü", "ۋ": "w", "ې": "é", "ى": "i", "ي": "y",
    "ئ": "", "ه": "h", "ی": "y", "ک": "k", "ح": "h", "ع": "", "ة": "e", "آ": "a",
}

# Uyghur and Russian Cyrillic -> Latin.
CYRILLIC_TO_LATIN: dict[str, str] = {
    "а": "a", "ә": "e", "б": "b", "в": "v", "г": "g", "ғ": "gh", "д": "d", "е": "e",
    "ё": "yo", "ж": "j", "з": "z", "и": "i", "й": "y", "к": "k", "қ": "q", "л": "l",
    "м": "m", "н": "n", "ң": "ng", "о": "o", "ө": "ö", "п": "p", "р": "r", "с": "s",
    "т": "t", "у": "u", "ү": "ü", "ф": "f", "х": "x", "һ": "h", "ц": "ts", "ч": "ch",
    "ш": "sh", "щ": "shch", "ъ": "", "ы": "i", "ь": "", "э": "e", "ю": "yu", "я": "ya",
    "ә́": "e", "ї": "i", "і": "i",
}

_ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_DOTS = re.compile(r"[·•・‧.\s\-=]+")
# Russian-style surname and patronymic endings added to a Uyghur name element.
_RU_SUFFIX = re.compile(r"(?:ovich|evich|ovna|evna|ova|eva|ov|ev|yev|iy)$")


@lru_cache(maxsize=1)
def _table() -> dict[str, tuple[str, tuple[str, ...]]]:
    """hanzi -> (latin, variants) from the curated CSV."""
    path = DATA_DIR / "uyghur_names.csv"
    out: dict[str, tuple[str, tuple[str, ...]]] = {}
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            variants = tuple(v for v in (row.get("variants") or "").split(";") if v)
            out[row["hanzi"].strip()] = (row["latin"].strip(), variants)
    return out


@lru_cache(maxsize=1)
def _latin_canon() -> dict[str, str]:
    """Latin spelling variant -> canonical latin form from the table."""
    out: dict[str, str] = {}
    for latin, variants in _table().values():
        for v in (latin, *variants):
            out.setdefault(strip_accents(v).lower(), latin)
    return out


def hanzi_to_latin(hanzi: str) -> str | None:
    """Latin form of one Chinese-character Uyghur name element, or None if not in the table."""
    entry = _table().get(to_simplified(hanzi))
    return entry[0] if entry else None


def segment_hanzi(hanzi: str) -> list[str] | None:
    """Split an undotted Chinese-character name into table elements (longest match first).

    Returns None unless the whole string is covered by at least two table entries: a plain
    Chinese name such as 艾青 must not be read as Uyghur.
    """
    table = _table()
    out: list[str] = []
    i = 0
    while i < len(hanzi):
        for j in range(len(hanzi), i, -1):
            if hanzi[i:j] in table and j - i >= 2:
                out.append(hanzi[i:j])
                i = j
                break
        else:
            return None
    return out if len(out) >= 2 else None


def looks_uyghur_hanzi(hanzi: str) -> bool:
    """A Chinese-character name that is a transliteration (dotted, or made of table entries)."""
    simp = to_simplified(hanzi)
    if re.search(r"[·•・‧.=]", simp) and _HAN.search(simp):
        return True
    return segment_hanzi(re.sub(r"\s+", "", simp)) is not None


def transliterate(text: str) -> str:
    """Arabic-script or Cyrillic letters to Latin; other characters unchanged."""
    out = []
    for ch in text:
        low = ch.lower()
        if low in ARABIC_TO_LATIN:
            out.append(ARABIC_TO_LATIN[low])
        elif low in CYRILLIC_TO_LATIN:
            out.append(CYRILLIC_TO_LATIN[low])
        elif ch in "\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652":  # harakat
            continue
        else:
            out.append(ch)
    return "".join(out)


@lru_cache(maxsize=200_000)  # elements repeat across a list's names
def canonical_element(element: str) -> str:
    """One Latin name element in canonical spelling: folded, Russian suffix removed, and
    mapped to the table's canonical form when it is a known variant."""
    e = strip_accents(element).lower()
    e = re.sub(r"[^a-zü]", "", e).replace("ü", "u")
    if not e:
        return ""
    canon = _latin_canon()
    if e in canon:
        return canon[e]
    if len(e) > 5:
        stripped = _RU_SUFFIX.sub("", e)
        if stripped != e and len(stripped) >= 3:
            return canon.get(stripped, stripped)
    return e


@lru_cache(maxsize=200_000)
def skeleton(element: str) -> str:
    """Consonant skeleton of a canonical element: an initial vowel becomes ``a``, other
    vowels and ``h`` drop, voiced finals devoice, digraphs simplify, doubles collapse.

    A deliberately coarse key (Soundex-like, Russell & Odell 1918, adapted to Uyghur
    spelling variation) used only for a fuzzy comparison level, never for exact matching.
    """
    e = element.lower()
    for a, b in (("sh", "s"), ("ch", "c"), ("zh", "j"), ("gh", "g"), ("kh", "h"),
                 ("ng", "n"), ("q", "k"), ("x", "h"), ("w", "v"), ("ph", "f")):
        e = e.replace(a, b)
    if not e:
        return ""
    head = "a" if e[0] in "aeiouyéöü" else e[0]
    body = re.sub(r"[aeiouyéöüh]", "", e[1:])
    s = head + body
    s = re.sub(r"d$", "t", s)
    s = re.sub(r"b$", "p", s)
    s = re.sub(r"(.)\1+", r"\1", s)
    return s


def uyghur_elements(text: str) -> list[str]:
    """The canonical Latin elements of a Uyghur name in any of the four scripts."""
    simp = to_simplified(text)
    if _HAN.search(simp):
        parts = [p for p in _DOTS.split(simp) if p]
        if len(parts) == 1:
            parts = segment_hanzi(parts[0]) or parts
        out = []
        for part in parts:
            latin = hanzi_to_latin(part)
            out.append(latin if latin else "".join(hanzi_pinyin(part)))
        return [canonical_element(e) for e in out if e]
    latin = transliterate(text)
    return [c for c in (canonical_element(p) for p in re.split(r"[\s·•.,\-_]+", latin)) if c]


def is_arabic_or_cyrillic(text: str) -> bool:
    """True when the text is written in Arabic script or Cyrillic."""
    return bool(_ARABIC.search(text) or _CYRILLIC.search(text))
