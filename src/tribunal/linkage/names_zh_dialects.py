"""Chinese names romanised in Cantonese or Hokkien, read back as sets of possible pinyin.

"Chan Tai Man" (Hong Kong Government style), "Can Daai Man" (Jyutping) and 陈大文 (pinyin
chen dawen) are one name; so are "Tan Ah Kow" (Singapore Hokkien) and 陈亚狗 (chen yagou).
A dialect syllable stands for several Mandarin syllables (Cantonese "wai" is 伟 wei, 惠
hui or 怀 huai), so each syllable is replaced by its candidate pinyin readings, ranked by
weight, and the given name by the best combinations. The result is a bounded set of
``surname|given`` keys in the same form as :func:`tribunal.linkage.names_zh.name_variants`
gives for pinyin and hanzi, so the linkage model compares and blocks on them unchanged.

The syllable table ``data/linkage/dialect_syllables.csv`` is derived from character
readings: Jyutping from ToJyutping's character table, Tai-lo from taibun's (Taiwanese
Hokkien dictionaries via ChhoeTaigi) and Mandarin from pypinyin, crossed character by
character and written in the spellings names use; see its ``.md`` and
``scripts/build_dialect_syllables.py``. Neither package is needed at run time.

Bounds (why: every key is exploded into a blocking row): at most ``MAX_SYLLABLE_READINGS``
readings per syllable, ``MAX_GIVEN_READINGS`` given-name combinations per surname reading
and ``MAX_DIALECT_VARIANTS`` keys per name, the most probable first.
"""

from __future__ import annotations

import csv
import heapq
import math
from functools import lru_cache
from itertools import product
from pathlib import Path

from tribunal.linkage.names_zh import (
    COMMON_PINYIN_SURNAMES,
    SURNAME_EQUIVALENTS,
    pinyin_syllables,
)

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "linkage"
DIALECTS = ("cantonese", "hokkien")
MAX_SYLLABLE_READINGS = 5
MAX_GIVEN_READINGS = 12
MAX_DIALECT_VARIANTS = 32
# Chinese order (surname first) is how Hong Kong and Singapore lists write names; the
# Western order is kept with a lower rank.
LAST_POSITION_FACTOR = 0.6
# Readings below this share of a syllable's best reading are dropped: they come from
# minor readings of rare characters.
MIN_SHARE = 0.08

Readings = tuple[tuple[str, float], ...]


@lru_cache(maxsize=1)
def _table() -> dict[tuple[str, str], dict[str, Readings]]:
    """(dialect, kind) -> spelling -> ((pinyin, weight), ...) best first."""
    raw: dict[tuple[str, str], dict[str, list[tuple[str, float]]]] = {}
    with (DATA_DIR / "dialect_syllables.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            by = raw.setdefault((row["dialect"], row["kind"]), {})
            by.setdefault(row["spelling"], []).append((row["pinyin"], float(row["weight"])))
    out: dict[tuple[str, str], dict[str, Readings]] = {}
    for key, spellings in raw.items():
        out[key] = {}
        for s, cands in spellings.items():
            cands.sort(key=lambda t: -t[1])
            top = cands[0][1]
            total = sum(w for _, w in cands)
            out[key][s] = tuple((p, w / total) for p, w in cands
                                if w >= MIN_SHARE * top)[:MAX_SYLLABLE_READINGS]
    return out


def syllable_readings(spelling: str, dialect: str) -> Readings:
    """Candidate pinyin of one romanised given-name syllable, with their shares (sum <= 1)."""
    return _table().get((dialect, "given"), {}).get(spelling.lower(), ())


@lru_cache(maxsize=100_000)  # words repeat across a list's names
def surname_readings(spelling: str, dialect: str) -> tuple[str, ...]:
    """Pinyin surnames a romanised surname can stand for in a dialect: the hand-made
    equivalents of :mod:`names_zh` first, then those derived from character readings."""
    s = spelling.lower()
    out = list(SURNAME_EQUIVALENTS.get(s, ()))
    if s in COMMON_PINYIN_SURNAMES and s not in out:
        out.insert(0, s)
    derived = _table().get((dialect, "surname"), {}).get(s, ())
    out.extend(p for p, _ in derived if p not in out)
    return tuple(out[:3])


@lru_cache(maxsize=100_000)
def split_syllables(word: str, dialect: str, join: bool = True) -> tuple[str, ...] | None:
    """A written given-name word as table syllables: itself, hyphen parts, or (``join``) a
    run-together pair ("Taiman" -> tai, man). None when it cannot be read in the dialect."""
    given = _table().get((dialect, "given"), {})
    parts = [p for p in word.lower().replace("'", "").split("-") if p]
    out: list[str] = []
    for p in parts:
        if p in given:
            out.append(p)
            continue
        # Both halves of two letters or more: a lone "m" or "n" would split any word.
        cuts = [i for i in range(2, len(p) - 1) if p[:i] in given and p[i:] in given]
        if not cuts or not join:
            return None
        cut = max(cuts, key=lambda i: min(i, len(p) - i))  # the most even split
        out.extend((p[:cut], p[cut:]))
    return tuple(out) or None


def given_name_readings(syllables: list[str] | tuple[str, ...], dialect: str,
                        limit: int = MAX_GIVEN_READINGS) -> list[tuple[str, float]]:
    """The ``limit`` most probable pinyin given names for dialect syllables, with the
    product of the syllables' shares as a score (syllables read independently)."""
    per = [syllable_readings(s, dialect) for s in syllables]
    if not per or not all(per):
        return []
    combos = ((math.prod(w for _, w in c), "".join(p for p, _ in c)) for c in product(*per))
    best: dict[str, float] = {}
    for score, given in heapq.nlargest(limit * 2, combos):
        best.setdefault(given, score)
    return sorted(best.items(), key=lambda t: -t[1])[:limit]


@lru_cache(maxsize=100_000)
@lru_cache(maxsize=200_000)  # words recur across names far more than whole names do
def _is_pinyin_word(word: str) -> bool:
    """The word splits into pinyin syllables (xiuying = xiu + ying; hyphens allowed)."""
    syllables = pinyin_syllables()
    for part in word.split("-"):
        ok = [True] + [False] * len(part)  # ok[i]: part[:i] splits into syllables
        for i in range(1, len(part) + 1):
            ok[i] = any(ok[j] and part[j:i] in syllables for j in range(max(0, i - 6), i))
        if not ok[-1]:
            return False
    return True


def _is_pinyin_name(words: list[str]) -> bool:
    """Every syllable is pinyin and a pinyin surname stands first (or last): leave it to
    the pinyin rules ("Li Ming", "Wang Xiu Ying"), so dialect readings add no noise there."""
    if not all(_is_pinyin_word(w) for w in words):
        return False
    if words[0] in COMMON_PINYIN_SURNAMES:
        return True
    # Western order ("Xiuying Wang"), unless the first word is itself a dialect surname
    # ("Ka Tan" may be 贾丹 in Cantonese).
    return words[-1] in COMMON_PINYIN_SURNAMES and not any(
        _table().get((d, "surname"), {}).get(words[0]) for d in DIALECTS)


def dialect_variants(words: list[str], surname_index: int | None = None) -> tuple[str, ...]:
    """``surname|given`` keys for a Latin name read as Cantonese or Hokkien.

    ``words`` are the written words folded to lower case (hyphens kept inside words). The
    surname is the word at ``surname_index`` when the script marks it (all capitals), else
    the first or the last word. Names of two to four words only; pinyin names give nothing.
    """
    words = [w.replace("'", "") for w in words if w.strip("-")]
    if not 2 <= len(words) <= 4 or _is_pinyin_name(words):
        return ()
    positions = [surname_index] if surname_index is not None else sorted({0, len(words) - 1})
    scored: dict[str, float] = {}
    for dialect in DIALECTS:
        for pos in positions:
            surnames = surname_readings(words[pos], dialect)
            if not surnames:
                continue
            # A run-together given name ("Taiman") is read only beside a surname spelling
            # of the hand-made table: English words (Cowan, Chapman) split too easily.
            join = words[pos] in SURNAME_EQUIVALENTS
            syllables: list[str] = []
            for w in words[:pos] + words[pos + 1:]:
                parts = split_syllables(w, dialect, join)
                if parts is None:
                    break
                syllables.extend(parts)
            else:
                if not 1 <= len(syllables) <= 3:
                    continue
                factor = LAST_POSITION_FACTOR if pos and len(positions) > 1 else 1.0
                for rank, sur in enumerate(surnames):
                    for given, score in given_name_readings(syllables, dialect):
                        key = f"{sur}|{given}"
                        value = factor * score / (1 + rank)
                        scored[key] = max(scored.get(key, 0.0), value)
    best = sorted(scored.items(), key=lambda t: (-t[1], t[0]))[:MAX_DIALECT_VARIANTS]
    return tuple(sorted(k for k, _ in best))
