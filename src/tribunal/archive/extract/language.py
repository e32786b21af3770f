"""Guess whether a text is Chinese, English or both from the scripts of its letters.

A script count is enough for the archive's filter (``--language zh``); it is not a
language identifier, and anything that is neither Han nor Latin yields None.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from tribunal.archive.extract.textscore import code_points

# Han: CJK unified ideographs with extension A, compatibility ideographs, extensions B-H.
_HAN_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x3134F))

# Share of the minority script above which a text counts as mixed. Counted in characters
# for Han and in letters for Latin, so an English word carries ~5x the weight of a Han
# character; 0.2 keeps a Chinese article with a few English terms "zh".
_MIXED_SHARE = 0.2
# A long text is judged on this many characters taken as evenly spaced slices, so that a
# Chinese report with a long English preface (or the reverse) is seen whole, at a bounded
# cost.
_SAMPLE = 65_536
_SLICES = 16


@lru_cache(maxsize=1)
def _alpha_bmp() -> np.ndarray:
    return np.array([chr(cp).isalpha() for cp in range(0x10000)], dtype=bool)


def _sample(text: str) -> str:
    if len(text) <= _SAMPLE:
        return text
    width = _SAMPLE // _SLICES
    step = (len(text) - width) / (_SLICES - 1)
    return "".join(text[round(i * step) : round(i * step) + width] for i in range(_SLICES))


def detect_language(text: str | None) -> str | None:
    """Return "zh", "en", "mixed" or None (too little text, or another script)."""
    if not text:
        return None
    cps = code_points(_sample(text))
    han_mask = np.zeros(cps.size, dtype=bool)
    for lo, hi in _HAN_RANGES:
        han_mask |= (cps >= lo) & (cps <= hi)
    han = int(han_mask.sum())
    lower = cps | 0x20  # folds A-Z onto a-z (and nothing else onto a-z)
    # Latin letters weighted down: ~5 letters make one word, one Han character ~ one word.
    latin = int(((lower >= 0x61) & (lower <= 0x7A)).sum()) / 5.0
    total = han + latin
    if total < 2:
        return None
    bmp = cps < 0x10000
    letters = int(_alpha_bmp()[np.where(bmp, cps, 0)].sum())
    letters += sum(chr(int(cp)).isalpha() for cp in cps[~bmp])
    if letters and (han + latin * 5.0) / letters < 0.5:
        return None  # mostly another script (Cyrillic, Arabic, ...)
    han_share = han / total
    if han_share >= 1 - _MIXED_SHARE:
        return "zh"
    if han_share <= _MIXED_SHARE:
        return "en"
    return "mixed"
