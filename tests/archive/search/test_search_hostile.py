"""Hostile queries and documents: scripts, invisible characters, huge and repetitive input."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tribunal.archive.search import SearchIndex
from tribunal.archive.search.normalize import fold_char, fold_chars
from tribunal.archive.search.query import MAX_QUERY_CHARS, MAX_UNITS, parse_query
from tribunal.archive.search.snippet import MAX_MATCHES, _best_window, make_snippet
from tribunal.errors import InputError

DOCS = {
    "ug": "ئۇيغۇر تىلى ۋە مەدەنىيىتى. خەلق دوختۇرخانىسى",
    "ja": "カタカナ ひらがな テスト 移植",
    "fw": "ＦＵＬＬＷＩＤＴＨ ｔｅｘｔ １２３",
    "he": "שלום עולם hebrew מרכז רפואי",
    "shy": "The hos\u00adpital (soft hyphen from a web page) and the in\u200dformation.",
    "en": "The hospital promised a liver within a week.",
}


@pytest.fixture
def index(tmp_path: Path):  # type: ignore[no-untyped-def]
    ix = SearchIndex(tmp_path / "search.sqlite")
    for doc_id, text in DOCS.items():
        ix.add(doc_id, text)
    ix.commit()
    yield ix
    ix.close()


@pytest.mark.parametrize(
    ("query", "doc"),
    [
        ("ئۇيغۇر", "ug"),  # Uyghur (Arabic script) words find themselves
        ("دوختۇرخانىسى", "ug"),
        ("\ufe89\ufbd7\ufef1\ufecd\ufbd7\ufead", "ug"),  # the same word in presentation forms
        ("カタカナ", "ja"),
        ("ひらがな", "ja"),
        ("ｶﾀｶﾅ", "ja"),  # half-width katakana
        ("fullwidth", "fw"),
        ("ＦＵＬＬＷＩＤＴＨ", "fw"),
        ("123", "fw"),
        ("שלום", "he"),
        ("\u202ehospital\u202c", "en"),  # right-to-left override around the word
        ("hospital", "shy"),  # soft hyphen inside the indexed word
        ("information", "shy"),  # zero-width joiner inside the indexed word
        ("hos\u00adpital", "en"),  # and inside the query
    ],
)
def test_scripts_and_invisible_characters(index: SearchIndex, query: str, doc: str) -> None:
    assert doc in {h.doc_id for h in index.search(query)}


@pytest.mark.parametrize("query", ["😀", "🏥 ✓ ★", "!!!", "\x00\x00", "\u200f\u200e", "'\"();--"])
def test_queries_without_searchable_characters_find_nothing(index: SearchIndex, query: str) -> None:
    assert parse_query(query).empty
    assert index.search(query) == []


def test_nul_byte_separates_words(index: SearchIndex) -> None:
    assert {h.doc_id for h in index.search("hospital\x00liver")} == {"en"}


def test_long_queries_are_bounded(index: SearchIndex) -> None:
    assert index.search("器官移植" * (MAX_QUERY_CHARS // 4)) == []  # 10,000 characters: fine
    assert [h.doc_id for h in index.search("liver " * 1500)] == ["en"]  # repeats count once
    with pytest.raises(InputError, match="characters long"):
        index.search("a" * (MAX_QUERY_CHARS + 1))
    with pytest.raises(InputError, match="different words"):
        index.search(" ".join(f"w{i}" for i in range(MAX_UNITS + 1)))


def test_fold_offsets_equal_the_per_character_fold() -> None:
    rng = random.Random(2)
    alphabet = list("aBc …ß﷽ﬁ㎏İ\u0301器官臟\u00ad\u200d") + ["\U0001f600", "\x00"]
    for _ in range(500):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 40)))
        folded, offsets = fold_chars(text)
        parts = [fold_char(ch) if not ch.isascii() else ch.lower() for ch in text]
        assert folded == "".join(parts)
        expected = [i for i, p in enumerate(parts) for _ in p] + [len(text)]
        got = list(range(len(text) + 1)) if offsets is None else [int(o) for o in offsets]
        assert got == expected


def _best_window_reference(found: list[tuple[int, int, int]], span: int) -> int:
    best_start, best_cover, j = found[0][0], -1, 0
    for i, (s, _, _) in enumerate(found):
        j = max(j, i)
        while j + 1 < len(found) and found[j + 1][1] - s <= span:
            j += 1
        cover = len({u for _, _, u in found[i : j + 1]})
        if cover > best_cover:
            best_start, best_cover = s, cover
    return best_start


def test_sliding_window_equals_the_quadratic_definition() -> None:
    rng = random.Random(5)
    for _ in range(300):
        starts = sorted(rng.randrange(0, 500) for _ in range(rng.randrange(1, 60)))
        found = sorted((s, s + rng.randrange(1, 30), rng.randrange(0, 4)) for s in starts)
        assert _best_window(found, 120) == _best_window_reference(found, 120)


def test_snippet_of_a_repetitive_document_is_bounded() -> None:
    # A million matches of one character: matches are capped, the window is linear.
    snip = make_snippet("器" * 1_000_000, parse_query("器"))
    assert len(snip.matches) == MAX_MATCHES
    assert snip.highlights and snip.text.startswith("器")
