"""Guess whether a text is Chinese, English or both from the scripts of its letters.

A script count is enough for the archive's filter (``--language zh``); it is not a
language identifier, and anything that is neither Han nor Latin yields None.
"""

from __future__ import annotations

import re

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_LATIN = re.compile(r"[A-Za-z]")

# Share of the minority script above which a text counts as mixed. Counted in characters
# for Han and in letters for Latin, so an English word carries ~5x the weight of a Han
# character; 0.2 keeps a Chinese article with a few English terms "zh".
_MIXED_SHARE = 0.2
_SAMPLE = 200_000


def detect_language(text: str | None) -> str | None:
    """Return "zh", "en", "mixed" or None (too little text, or another script)."""
    if not text:
        return None
    sample = text[:_SAMPLE]
    han = len(_HAN.findall(sample))
    # Latin letters weighted down: ~5 letters make one word, one Han character ~ one word.
    latin = len(_LATIN.findall(sample)) / 5.0
    total = han + latin
    if total < 2:
        return None
    letters = sum(1 for ch in sample if ch.isalpha())
    if letters and (han + latin * 5.0) / letters < 0.5:
        return None  # mostly another script (Cyrillic, Arabic, ...)
    han_share = han / total
    if han_share >= 1 - _MIXED_SHARE:
        return "zh"
    if han_share <= _MIXED_SHARE:
        return "en"
    return "mixed"
