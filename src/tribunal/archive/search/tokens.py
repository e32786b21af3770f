"""Turn folded text into index terms: CJK as overlapping bigrams, other words stemmed.

Chinese is written without spaces, so words are not known; indexing every overlapping
pair of characters (Chen & He, "Chinese text retrieval without using a dictionary",
SIGIR 1997; the CJK bigram approach of Lucene's CJKAnalyzer) lets any word of two or more
characters be found as a phrase of bigrams, with full recall. A run of CJK characters
"ABCD" gives the terms AB BC CD D: the trailing unigram lets a single-character query
(a prefix query on the character) also find a character that ends a run. Whitespace
between two CJK characters is a layout artefact (PDF line breaks) and is ignored.

Latin-script words are stemmed with the Snowball English stemmer (Porter 2001); other
scripts' words are kept whole after folding. Every two adjacent words also give a pair term
"a·b" (a next-word index: Williams, Zobel & Bahle, "Fast phrase querying with combined
indexes", ACM TOIS 2004), so a phrase of words is a lookup of its pairs, not an intersection
of two long position lists; a CJK run between words breaks the chain (term "·").
"""

from __future__ import annotations

import operator
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

# Han (with extensions A-G and compatibility ideographs), kana, Hangul syllables, 〇.
CJK = (
    "\u3007\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
    "\U00020000-\U0003134f"
)
_TOKEN = re.compile(rf"(?P<cjk>[{CJK}](?:\s*[{CJK}])*)|(?P<word>[^\W_{CJK}]+)")
_SPACE = re.compile(r"\s+")
_CJK_CHAR = re.compile(rf"[{CJK}]")
_ASCII_WORD = re.compile(r"[A-Za-z0-9]+")  # the word group of _TOKEN on ASCII text


@lru_cache(maxsize=1)
def _stemmer():  # type: ignore[no-untyped-def]
    import snowballstemmer

    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Snowball English stem of an ASCII word; other words unchanged."""
    if word.isascii() and not word.isdigit():
        return _stemmer().stemWord(word)
    return word


def cjk_terms(run: str, *, trailing: bool = True) -> list[str]:
    """Bigrams of a CJK run (whitespace already removed), plus its last character."""
    if len(run) == 1:
        return [run]
    terms = list(map(operator.add, run[:-1], run[1:]))
    if trailing:
        terms.append(run[-1])
    return terms


def is_cjk(ch: str) -> bool:
    return bool(_CJK_CHAR.fullmatch(ch))


@dataclass(frozen=True)
class Piece:
    """One token run of folded text: a CJK run (whitespace removed) or a word."""

    kind: str  # "cjk" or "word"
    text: str
    start: int  # offsets in the folded string
    end: int


def pieces(folded: str) -> Iterator[Piece]:
    for m in _TOKEN.finditer(folded):
        if m.lastgroup == "cjk":
            yield Piece("cjk", _SPACE.sub("", m.group()), m.start(), m.end())
        else:
            yield Piece("word", m.group(), m.start(), m.end())


# Neither character can occur inside a term (terms are runs of word characters).
PAIR = "\u00b7"  # joins two words: "organ·transplant"
BREAK = "\u00b7"  # alone: the chain of word pairs is broken here


def pair_term(left: str, right: str) -> str:
    return left + PAIR + right


def index_terms(folded: str) -> list[str]:
    """All index terms of folded text, in order."""
    return index_columns(folded)[0]


def index_columns(folded: str) -> tuple[list[str], list[str]]:
    """(terms, word-pair terms) of folded text, each in order."""
    if folded.isascii():  # no CJK: one run of words (the common English case, made cheap)
        stems = list(map(stem, _ASCII_WORD.findall(folded)))
        return stems, _pairs(stems)
    terms: list[str] = []
    pairs: list[str] = []
    chain: list[str] = []  # stems since the last CJK run
    for cjk, word in _TOKEN.findall(folded):
        if cjk:
            if chain:
                pairs.extend(_pairs(chain))
                chain = []
            terms.extend(cjk_terms("".join(cjk.split())))
            if pairs and pairs[-1] != BREAK:
                pairs.append(BREAK)
        else:
            word = stem(word)
            terms.append(word)
            chain.append(word)
    pairs.extend(_pairs(chain))
    return terms, pairs


def _pairs(stems: list[str]) -> list[str]:
    return [a + PAIR + b for a, b in zip(stems, stems[1:], strict=False)]
