"""Fold text so that equivalent spellings index to the same terms.

Per character: Unicode NFKC (full-width Latin and digits become ASCII), case folding, then
traditional to simplified Chinese with OpenCC's character table (TSCharacters). The
conversion is deliberately character by character, never phrase by phrase: a phrase-level
converter can turn the same characters into different output depending on their
neighbours, and then a query would miss a document that contains exactly its characters.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

# Bump when folding, tokenising or the index schema changes: an index built with another
# version must be rebuilt (``tribunal reindex``) before it can answer queries correctly.
TOKENIZER_VERSION = "5"


@lru_cache(maxsize=1)
def t2s_table() -> dict[int, str]:
    """Traditional -> simplified character map from OpenCC's dictionary (first candidate)."""
    import opencc

    table: dict[int, str] = {}
    source = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    try:
        lines = source.read_text(encoding="utf-8").splitlines()
    except OSError:  # packaged differently: ask the converter character by character
        conv = opencc.OpenCC("t2s")
        for cp in range(0x4E00, 0xA000):
            out = conv.convert(chr(cp))
            if len(out) == 1 and out != chr(cp):
                table[cp] = out
        return table
    for line in lines:
        if "\t" not in line:
            continue
        trad, simp = line.split("\t", 1)
        simp = simp.split(" ")[0].strip()
        if len(trad) == 1 and len(simp) == 1 and trad != simp:
            table[ord(trad)] = simp
    return table


# Invisible format characters that web pages and word processors put inside words: soft
# hyphen, zero-width non-joiner and joiner, direction marks and embeddings, word joiner,
# invisible operators, byte-order mark (not the zero-width space, a word break in Thai
# and Khmer). Left in, "hos\u00adpital" would index as two words
# and a search for "hospital" would miss it; they are deleted on both sides.
_INVISIBLE = (
    [0x00AD, 0x034F, 0x061C, 0x180E, 0xFEFF]
    + list(range(0x200C, 0x2010))
    + list(range(0x202A, 0x202F))
    + list(range(0x2060, 0x2065))
    + list(range(0x2066, 0x206A))
)


@lru_cache(maxsize=1)
def _fold_table() -> dict[int, str | None]:
    table: dict[int, str | None] = dict(t2s_table())
    table.update(dict.fromkeys(_INVISIBLE))
    return table


def normalize(text: str) -> str:
    """Fold a whole string (NFKC, casefold, t2s, invisible format characters removed).
    Used for indexing and queries."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
        return text.casefold().translate(_fold_table())
    return text.lower()


@lru_cache(maxsize=65536)
def fold_char(ch: str) -> str:
    """The folded form of one character (may be empty or several characters)."""
    return normalize(ch)


class _FoldMap(dict[int, str]):
    """``str.translate`` table folding each character (filled on first use)."""

    def __missing__(self, cp: int) -> str:
        value = self[cp] = fold_char(chr(cp))
        return value


class _LengthMap(dict[int, str]):
    """``str.translate`` table giving, as a character, the length of each character's fold."""

    def __missing__(self, cp: int) -> str:
        value = self[cp] = chr(len(fold_char(chr(cp))))
        return value


_FOLD = _FoldMap()
_LENGTH = _LengthMap()


def normalize_with_offsets(text: str) -> tuple[str, Sequence[int]]:
    """Fold ``text`` and return, for every folded character, its offset in ``text``.

    ``offsets`` has one extra final entry (``len(text)``) so a span [i, j) of the folded
    string maps to ``text[offsets[i]:offsets[j]]``. Used for highlighting the original.
    """
    import numpy as np

    folded, offsets = fold_chars(text)
    if offsets is None:
        return folded, np.arange(len(text) + 1)
    return folded, offsets


def fold_chars(text: str) -> tuple[str, Sequence[int] | None]:
    """Fold ``text`` character by character; offsets as above, or None when every
    character folds to exactly one (then folded offsets are the original's).

    The work runs inside ``str.translate`` and numpy, not a Python loop over characters,
    because highlighting a long document must stay fast. Offsets are a numpy array:
    indexing it gives numpy integers, which callers convert with ``int()``.
    """
    import numpy as np

    folded = text.translate(_FOLD)
    lengths_text = text.translate(_LENGTH)
    if lengths_text.count("\x01") == len(text):
        return folded, None
    lengths = np.frombuffer(lengths_text.encode("utf-32-le"), dtype="<u4")
    return folded, np.repeat(np.arange(len(text) + 1), np.append(lengths, 1))
