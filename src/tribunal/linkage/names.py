"""One entry point for names in any script: decide what a name is and build its keys.

The keys feed the linkage model's name comparison, from strict to loose:
``hanzi`` (exact characters) > ``key`` (romanised elements, order-free) > ``variants``
(surname equivalents across romanisations) > ``skeleton`` (coarse spelling) > fuzzy ``key``.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any, Generic, TypeVar

from tribunal.linkage import names_uyghur as ug
from tribunal.linkage import names_zh as zh
from tribunal.linkage.given_names import canonical_keys, formal_forms
from tribunal.linkage.names_zh_dialects import dialect_variants

_T = TypeVar("_T")


class _cached(Generic[_T]):  # noqa: N801 - used like functools.cached_property
    """``functools.cached_property`` without its lock: before Python 3.12 it takes a lock
    on every first access, a fifth of the cost of building a name's keys. The value is
    a pure function of the frozen keys, so two threads computing it at once agree."""

    def __init__(self, func: Callable[[Any], _T]) -> None:
        self.func = func
        self.__doc__ = func.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, owner: type | None = None) -> _T:
        if obj is None:
            return self  # type: ignore[return-value]
        # stored in the instance: later reads find it there, not here (non-data descriptor)
        value = obj.__dict__[self.name] = self.func(obj)
        return value


@dataclass(frozen=True)
class NameKeys:
    """Comparison keys of one name. Empty strings/lists mean 'not available'."""

    raw: str
    script: str  # "han", "uyghur", "latin", "" (empty)
    hanzi: str = ""
    tokens: tuple[str, ...] = field(default_factory=tuple)
    variants: tuple[str, ...] = field(default_factory=tuple)
    marked: str = ""  # surname token marked by writing (all capitals: "WANG Hsiu-ying")

    @_cached
    def key(self) -> str:
        """Romanised elements sorted, so that name order does not matter."""
        return " ".join(sorted(self.tokens))

    @_cached
    def canon(self) -> tuple[str, ...]:
        """Order-free keys with English diminutives replaced by formal names (Latin script
        only: Tom Chudleigh -> ``chudleigh thomas``), see :mod:`tribunal.linkage.given_names`."""
        return canonical_keys(self.tokens) if self.script == "latin" else ()

    @_cached
    def skeleton(self) -> str:
        """Sorted consonant skeletons of the elements (coarse, for a fuzzy level)."""
        return " ".join(sorted(ug.skeleton(t) for t in self.tokens if t))

    @property
    def surname(self) -> str:
        """Pinyin surname when the script fixes it (hanzi), else empty."""
        return self.variants[0].split("|")[0] if self.script == "han" and self.variants else ""

    @_cached
    def parts(self) -> NameParts:
        """Surname and given-name keys when the writing marks the surname (an all-capitals
        word in Latin script), else empty: order alone does not tell which is which."""
        if not self.marked or self.script != "latin":
            return NameParts()
        given = list(self.tokens)
        given.remove(self.marked)
        return _parts((self.marked,), tuple(given))


@dataclass(frozen=True)
class NameParts:
    """Separate keys of the surname and the given names: ``surname`` and ``given`` are
    sorted elements joined by spaces, ``given_forms`` the formal names each given element
    can stand for (Tom -> thomas). Empty when the name does not tell its parts apart."""

    surname: str = ""
    given: str = ""
    given_forms: tuple[str, ...] = ()


def _parts(surname: tuple[str, ...], given: tuple[str, ...]) -> NameParts:
    given = tuple(t for t in given if t not in name_titles())
    forms = sorted({f for t in given for f in formal_forms(t)})
    return NameParts(" ".join(sorted(surname)), " ".join(sorted(given)), tuple(forms))


@lru_cache(maxsize=200_000)
def name_parts(surname: str | None, given: str | None) -> NameParts:
    """:class:`NameParts` of a name a list writes in a surname column and given-name
    column(s). Titles are dropped from the given names ("Sir", "Mrs." in a first-name
    column say nothing of the name); only Latin-script parts are split, since Chinese and
    Uyghur names are compared order-free."""
    sur = normalise_name(surname or "")
    giv = normalise_name(given or "")
    if sur.script not in ("latin", "") or giv.script not in ("latin", ""):
        return NameParts()
    if not sur.tokens and not giv.tokens:
        return NameParts()
    return _parts(sur.tokens, giv.tokens)


_CLEAN = re.compile(r"[\"“”()（）\[\]<>《》0-9]+")
# A digit inside or at the start of a Latin word is a typing or OCR slip (R0bert, Wi1son, Jame5); it is read as
# the letter optical character recognition most often confuses it with (Rice, "Optical
# character recognition errors", 1996 ISRI tests: 0/o, 1/l, 5/s, 8/b, 6/g, 9/g, 2/z) and
# otherwise dropped, which keeps the word whole for the fuzzy levels instead of splitting it.
# Digits ending a word are dropped: they are tone numbers in Jyutping and numbered pinyin
# (Can4 Daai6 Man4, wang2), not letters.
_INNER_DIGITS = re.compile(r"[0-9]+(?=[A-Za-z])")
_DIGIT_LETTER = str.maketrans({"0": "o", "1": "l", "5": "s", "8": "b", "6": "g", "9": "g",
                               "2": "z", "3": "", "4": "", "7": ""})
# "1st", "2nd", "11th": ordinals of peerages and generations, not parts of a name.
_ORDINAL = re.compile(r"(?<![A-Za-z0-9])[0-9]+(?:st|nd|rd|th)(?![A-Za-z])", re.IGNORECASE)


def _fold_digits(match: re.Match[str]) -> str:
    return match.group(0).translate(_DIGIT_LETTER)


@lru_cache(maxsize=1)
def name_titles() -> frozenset[str]:
    """Honorifics and titles dropped from Latin-script names (Sir, Lady, Mrs, Rev, Admiral,
    Baronet, Jr ...), from ``data/linkage/name_titles.csv`` (see its ``.md``)."""
    ref = resources.files("tribunal") / "data" / "linkage" / "name_titles.csv"
    with ref.open(encoding="utf-8") as fh:
        return frozenset(row["title"].strip().lower() for row in csv.DictReader(fh)
                         if row["title"].strip())


@lru_cache(maxsize=200_000)  # once per distinct word, not once per name holding it
def is_title(word: str) -> bool:
    """True for a title word ("Sir", "Mrs.", "Rev.", "Major-General"); case and full stops
    do not matter, and a hyphenated word counts when all its parts are titles."""
    titles = name_titles()
    w = word.lower().strip(".,;:")
    if w in titles or w.replace(".", "") in titles:
        return True
    parts = [p.strip(".") for p in w.split("-") if p.strip(".")]
    return len(parts) > 1 and all(p in titles for p in parts)


@lru_cache(maxsize=500_000)
def normalise_name(text: str | None) -> NameKeys:
    """Build :class:`NameKeys` for a name written in hanzi, Latin, Arabic script or Cyrillic.

    Chinese-character names that are transliterations (dotted 买买提·吐尔逊, or made entirely
    of entries in the Uyghur table) are read as Uyghur element sets; other hanzi names are
    split into surname and given name with compound-surname and surname-reading rules.
    """
    raw = "" if text is None else str(text)
    s = _CLEAN.sub(" ", _INNER_DIGITS.sub(_fold_digits, _ORDINAL.sub(" ", raw))).strip()
    if not s or s.lower() in ("nan", "none", "null", "unknown", "不详", "未知"):
        return NameKeys(raw=raw, script="")
    if zh.has_han(s):
        simp = zh.to_simplified(s)
        if ug.looks_uyghur_hanzi(simp):
            hanzi = re.sub(r"[^\u4e00-\u9fff]", "", simp)
            return NameKeys(raw, "uyghur", hanzi, tuple(ug.uyghur_elements(simp)))
        hanzi = re.sub(r"[^\u3400-\u9fff]", "", simp)
        if not hanzi:
            return NameKeys(raw=raw, script="")
        surname, given = zh.split_hanzi_name(hanzi)
        sp = zh.surname_pinyin(surname)
        gp = "".join(zh.hanzi_pinyin(given))
        tokens = (sp, gp) if gp else (sp,)
        return NameKeys(raw, "han", hanzi, tokens, (f"{sp}|{gp}",))
    if ug.is_arabic_or_cyrillic(s):
        return NameKeys(raw, "uyghur", "", tuple(ug.uyghur_elements(s)))
    return _latin_name(raw, s)


@lru_cache(maxsize=200_000)  # words repeat across names far more than whole names do
def _word_tokens(word: str) -> tuple[str, ...]:
    """Canonical tokens of one written word (a hyphenated word may hold several syllables)."""
    tokens = []
    for part in zh.latin_fold(word).strip().split():
        t = zh.latin_token(part) if "-" in part.strip("-") else ug.canonical_element(part)
        if t:
            tokens.append(t)
    return tuple(tokens)


@lru_cache(maxsize=200_000)
def _folded(word: str) -> tuple[str, ...]:
    return tuple(zh.latin_fold(word).split())


def _latin_name(raw: str, s: str) -> NameKeys:
    words = [w for w in re.split(r"[\s,;/]+", s) if w]
    # Titles say little about who a person is; dropped when two or more name words remain,
    # since "Sir Duckworth" against "Sir Duckworth" is better evidence than "Duckworth".
    untitled = [w for w in words if not is_title(w)]
    if len(untitled) >= 2:
        words = untitled
    # an initial ("A." in John A. Smith) is capital without marking anything
    caps = [w for w in words if w.isupper() and sum(ch.isalpha() for ch in w) > 1]
    tokens = [t for w in words for t in _word_tokens(w)]
    if not tokens:
        return NameKeys(raw=raw, script="")
    # "Wang Xiu Ying": three or more pinyin syllables -> surname plus one given name.
    syllables = zh.pinyin_syllables()
    if len(tokens) >= 3 and all(t in syllables for t in tokens):
        for i, t in enumerate(tokens):
            if zh.surname_candidates(t):
                tokens = [t, "".join(x for j, x in enumerate(tokens) if j != i)]
                break
    surname_first = None
    marked = ""
    # An all-capitals word among mixed-case words marks the surname ("WANG Hsiu-ying").
    if len(caps) == 1 and len(words) > 1:
        idx = words.index(caps[0])
        if idx < len(tokens):
            tokens.insert(0, tokens.pop(idx))
            cands = zh.surname_candidates(tokens[0])
            surname_first = cands[0] if len(cands) == 1 else None
            marked = tokens[0] if len(tokens) > 1 else ""
    variants = zh.name_variants(tokens, surname_first)
    # Cantonese / Hokkien given names ("Chan Tai Man", "Tan Ah Kow") read as pinyin.
    folded = [f for w in words for f in _folded(w)]
    caps_at = words.index(caps[0]) if len(caps) == 1 and len(folded) == len(words) > 1 else None
    extra = [v for v in dialect_variants(folded, caps_at) if v not in variants]
    return NameKeys(raw, "latin", "", tuple(tokens), tuple(variants) + tuple(extra), marked)
