"""Fold text so that equivalent spellings index to the same terms.

Per character: Unicode NFKC (full-width Latin and digits become ASCII), case folding, then
traditional to simplified Chinese with OpenCC's character table (TSCharacters). The
conversion is deliberately character by character, never phrase by phrase: a phrase-level
converter can turn the same characters into different output depending on their
neighbours, and then a query would miss a document that contains exactly its characters.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path

# Bump when folding, tokenising or the index schema changes: an index built with another
# version must be rebuilt (``tribunal reindex``) before it can answer queries correctly.
TOKENIZER_VERSION = "3"


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


def normalize(text: str) -> str:
    """Fold a whole string (NFKC, casefold, t2s). Used for indexing and queries."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
        return text.casefold().translate(t2s_table())
    return text.lower()


@lru_cache(maxsize=65536)
def fold_char(ch: str) -> str:
    """The folded form of one character (may be empty or several characters)."""
    return normalize(ch)


def normalize_with_offsets(text: str) -> tuple[str, list[int]]:
    """Fold ``text`` and return, for every folded character, its offset in ``text``.

    ``offsets`` has one extra final entry (``len(text)``) so a span [i, j) of the folded
    string maps to ``text[offsets[i]:offsets[j]]``. Used for highlighting the original.
    """
    out: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(text):
        folded = fold_char(ch) if not ch.isascii() else ch.lower()
        out.append(folded)
        offsets.extend([i] * len(folded))
    offsets.append(len(text))
    return "".join(out), offsets
