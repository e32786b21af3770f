"""One entry point for names in any script: decide what a name is and build its keys.

The keys feed the linkage model's name comparison, from strict to loose:
``hanzi`` (exact characters) > ``key`` (romanised elements, order-free) > ``variants``
(surname equivalents across romanisations) > ``skeleton`` (coarse spelling) > fuzzy ``key``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from tribunal.linkage import names_uyghur as ug
from tribunal.linkage import names_zh as zh
from tribunal.linkage.given_names import canonical_keys
from tribunal.linkage.names_zh_dialects import dialect_variants


@dataclass(frozen=True)
class NameKeys:
    """Comparison keys of one name. Empty strings/lists mean 'not available'."""

    raw: str
    script: str  # "han", "uyghur", "latin", "" (empty)
    hanzi: str = ""
    tokens: tuple[str, ...] = field(default_factory=tuple)
    variants: tuple[str, ...] = field(default_factory=tuple)

    @cached_property
    def key(self) -> str:
        """Romanised elements sorted, so that name order does not matter."""
        return " ".join(sorted(self.tokens))

    @cached_property
    def canon(self) -> tuple[str, ...]:
        """Order-free keys with English diminutives replaced by formal names (Latin script
        only: Tom Chudleigh -> ``chudleigh thomas``), see :mod:`tribunal.linkage.given_names`."""
        return canonical_keys(self.tokens) if self.script == "latin" else ()

    @cached_property
    def skeleton(self) -> str:
        """Sorted consonant skeletons of the elements (coarse, for a fuzzy level)."""
        return " ".join(sorted(ug.skeleton(t) for t in self.tokens if t))

    @property
    def surname(self) -> str:
        """Pinyin surname when the script fixes it (hanzi), else empty."""
        return self.variants[0].split("|")[0] if self.script == "han" and self.variants else ""


_CLEAN = re.compile(r"[\"“”()（）\[\]<>《》0-9]+")
# A digit inside a Latin word is a typing or OCR slip (R0bert, Tw3lvetrees); dropping it
# keeps the word whole for the fuzzy levels instead of splitting it in two.
_INNER_DIGITS = re.compile(r"(?<=[A-Za-z])[0-9]+(?=[A-Za-z])")


@lru_cache(maxsize=500_000)
def normalise_name(text: str | None) -> NameKeys:
    """Build :class:`NameKeys` for a name written in hanzi, Latin, Arabic script or Cyrillic.

    Chinese-character names that are transliterations (dotted 买买提·吐尔逊, or made entirely
    of entries in the Uyghur table) are read as Uyghur element sets; other hanzi names are
    split into surname and given name with compound-surname and surname-reading rules.
    """
    raw = "" if text is None else str(text)
    s = _CLEAN.sub(" ", _INNER_DIGITS.sub("", raw)).strip()
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
    caps = [w for w in words if len(w) > 1 and w.isupper()]
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
    # An all-capitals word among mixed-case words marks the surname ("WANG Hsiu-ying").
    if len(caps) == 1 and len(words) > 1:
        idx = words.index(caps[0])
        if idx < len(tokens):
            tokens.insert(0, tokens.pop(idx))
            cands = zh.surname_candidates(tokens[0])
            surname_first = cands[0] if len(cands) == 1 else None
    variants = zh.name_variants(tokens, surname_first)
    # Cantonese / Hokkien given names ("Chan Tai Man", "Tan Ah Kow") read as pinyin.
    folded = [f for w in words for f in _folded(w)]
    marked = words.index(caps[0]) if len(caps) == 1 and len(folded) == len(words) > 1 else None
    extra = [v for v in dialect_variants(folded, marked) if v not in variants]
    return NameKeys(raw, "latin", "", tuple(tokens), tuple(variants) + tuple(extra))
