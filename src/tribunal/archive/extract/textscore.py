"""Score a candidate decoding by how much of it is ordinary text, vectorised with numpy.

The rule (see :mod:`tribunal.archive.extract.textdecode`): ASCII reads the same in every
candidate except UTF-16, so only the other characters, and stray ASCII control
characters, are judged. For Chinese candidates a frequent Han character, CJK punctuation,
a full-width form or a typographic quote scores 1, another CJK unified ideograph 0.3,
another letter, number, punctuation mark or space 0.1, and U+FFFD, control, private-use,
unassigned or surrogate code points -5. For a single-byte Western decoding an accented
letter (or typographic punctuation) scores 1 between ASCII characters and 0.1 elsewhere:
Chinese bytes read as cp1252 give runs of accented letters, real French or German gives
isolated ones.

Each character's weight comes from a table over the Basic Multilingual Plane built once per
process (code points above it, rare in real text, are classified one by one), so scoring
costs a few numpy passes instead of a Python loop over every character; the result equals
the per-character rule exactly (tests compare the two).
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import numpy as np

from tribunal.archive.extract.common_han import common_han

WESTERN_PUNCT = frozenset("’‘“”–—…€£°«»§©®·")
_BAD = -5.0
_ASCII_OK = frozenset(range(0x20, 0x7F)) | {0x09, 0x0A, 0x0C, 0x0D}


def _weight(cp: int) -> float:
    """Weight of one non-ASCII code point in a Chinese candidate decoding."""
    ch = chr(cp)
    if ch in common_han():
        return 1.0
    if 0x3000 <= cp <= 0x303F or 0xFF00 <= cp <= 0xFFEF or ch in WESTERN_PUNCT:
        return 1.0
    if 0x4E00 <= cp <= 0x9FFF:
        return 0.3
    cat = unicodedata.category(ch)
    if cp == 0xFFFD or cat in ("Cc", "Co", "Cn", "Cs"):
        return _BAD
    if cat.startswith(("L", "P", "Z", "N")):
        return 0.1
    return 0.0


def _western_letter(cp: int) -> bool:
    ch = chr(cp)
    return ch.isalpha() or ch in WESTERN_PUNCT


@lru_cache(maxsize=1)
def _tables() -> tuple[np.ndarray, np.ndarray]:
    """(Chinese weights, Western letter mask) for every BMP code point; ASCII entries hold
    the control-character penalty (printable ASCII is 0 and not judged)."""
    # One pass over the categories, then the rule's ranges as array assignments: building
    # the tables costs a few milliseconds once per process.
    chars = [chr(cp) for cp in range(0x10000)]
    by_category = {"Cc": _BAD, "Co": _BAD, "Cn": _BAD, "Cs": _BAD}
    for major in "LPZN":
        for cat in unicodedata_categories(major):
            by_category[cat] = 0.1
    category = unicodedata.category
    weights = np.array([by_category.get(category(ch), 0.0) for ch in chars], dtype=np.float64)
    weights[0x4E00:0xA000] = 0.3
    weights[0x3000:0x3040] = 1.0
    weights[0xFF00:0xFFF0] = 1.0
    weights[0xFFFD] = _BAD
    for ch in common_han() | WESTERN_PUNCT:
        weights[ord(ch)] = 1.0
    letters = np.array([ch.isalpha() for ch in chars], dtype=bool)
    for ch in WESTERN_PUNCT:
        letters[ord(ch)] = True
    for cp in range(128):
        weights[cp] = 0.0 if cp in _ASCII_OK else _BAD
        letters[cp] = False
    return weights, letters


def unicodedata_categories(major: str) -> tuple[str, ...]:
    """The Unicode general categories of one major class (L, P, Z, N)."""
    return {
        "L": ("Lu", "Ll", "Lt", "Lm", "Lo"),
        "P": ("Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po"),
        "Z": ("Zs", "Zl", "Zp"),
        "N": ("Nd", "Nl", "No"),
    }[major]


def code_points(text: str) -> np.ndarray:
    """The code points of ``text`` as a uint32 array."""
    # UTF-32 is the code point array itself; surrogatepass keeps lone surrogates (which
    # score as bad) instead of raising.
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")


def score_text(text: str, *, western: bool = False) -> float:
    """How much the non-ASCII characters of ``text`` look like ordinary text (at most 1)."""
    if not text:
        return 1.0
    cps = code_points(text)
    weights_table, letters_table = _tables()
    bmp = cps < 0x10000
    w = weights_table[np.where(bmp, cps, 0x20)]
    ascii_ = cps < 128
    ascii_bad = ascii_ & (w < 0)
    n_bad_ascii = int(ascii_bad.sum())
    judged = int(cps.size - ascii_.sum()) + n_bad_ascii
    if judged == 0:
        return 1.0
    astral = np.flatnonzero(~bmp)
    if western:
        letter = letters_table[np.where(bmp, cps, 0x20)]
        for i in astral:
            letter[i] = _western_letter(int(cps[i]))
        # the text's ends count as ASCII neighbours (a space before and after)
        prev_ascii = np.concatenate(([True], ascii_[:-1]))
        next_ascii = np.concatenate((ascii_[1:], [True]))
        isolated = letter & prev_ascii & next_ascii
        n_letters = int(letter.sum())
        n_isolated = int(isolated.sum())
        return (_BAD * n_bad_ascii + n_isolated + 0.1 * (n_letters - n_isolated)) / judged
    if astral.size:
        w[astral] = [_weight(int(cp)) for cp in cps[astral]]
    # printable ASCII already weighs 0 and bad ASCII -5 in the table
    return float(w.sum()) / judged
