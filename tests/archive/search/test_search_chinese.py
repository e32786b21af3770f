"""Chinese recall: every document containing a string is found, and only those.

Truth is computed independently of the index: a document contains a query when its folded
text (NFKC, case fold, traditional -> simplified per character, whitespace between CJK
characters removed) contains the folded query as a substring.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from tribunal.archive.search import SearchIndex
from tribunal.archive.search.normalize import normalize
from tribunal.archive.search.synthetic import ZH_LONG, ZH_WORDS, generate
from tribunal.archive.search.tokens import CJK

N_DOCS = 1500
_GAP = re.compile(rf"(?<=[{CJK}])\s+(?=[{CJK}])")


def _fold(text: str) -> str:
    return _GAP.sub("", normalize(text))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    docs = generate(N_DOCS, seed=20240601)
    path = tmp_path_factory.mktemp("zh") / "search.sqlite"
    index = SearchIndex(path)
    for d in docs:
        index.add(d.doc_id, d.text, language=d.language)
    index.commit()
    folded = {d.doc_id: _fold(d.text) for d in docs}
    yield index, docs, folded
    index.close()


def _check(index: SearchIndex, folded: dict[str, str], query: str) -> None:
    expected = {doc_id for doc_id, text in folded.items() if _fold(query) in text}
    got = {h.doc_id for h in index.search(query, limit=N_DOCS + 10, snippets=False)}
    missing, extra = expected - got, got - expected
    assert not missing, f"{query!r}: {len(missing)} of {len(expected)} documents missed"
    assert not extra, f"{query!r}: {len(extra)} documents returned that do not contain it"


def test_every_two_character_word_has_full_recall(corpus) -> None:  # type: ignore[no-untyped-def]
    index, _, folded = corpus
    words = [w for w in ZH_WORDS if len(w) == 2]
    assert len(words) > 60
    for word in words:
        _check(index, folded, word)


def test_two_character_words_in_traditional_form(corpus) -> None:  # type: ignore[no-untyped-def]
    from opencc import OpenCC

    s2t = OpenCC("s2t")
    index, _, folded = corpus
    for word in ("肝脏", "医院", "监狱", "证词", "录音", "统计", "删除"):
        trad = s2t.convert(word)
        assert trad != word
        _check(index, folded, trad)


def test_random_substrings_of_any_length(corpus) -> None:  # type: ignore[no-untyped-def]
    """Substrings across word boundaries too: one to six characters, taken from documents."""
    index, docs, folded = corpus
    rng = random.Random(7)
    runs = [r for d in docs for r in re.findall(rf"[{CJK}]+", d.text)]
    for _ in range(150):
        run = rng.choice(runs)
        length = rng.randint(1, min(6, len(run)))
        start = rng.randint(0, len(run) - length)
        _check(index, folded, run[start : start + length])


def test_longer_words_match_as_contiguous_phrases(corpus) -> None:  # type: ignore[no-untyped-def]
    index, _, folded = corpus
    for word in ZH_LONG:
        _check(index, folded, word)
    # Characters of a word present in a document but not adjacent must not match.
    _check(index, folded, "器脏")


def test_recall_counts_are_not_trivial(corpus) -> None:  # type: ignore[no-untyped-def]
    index, _, folded = corpus
    n = sum("器官" in t for t in folded.values())
    assert 50 < n < N_DOCS  # the corpus actually exercises the check
    assert len(index.search("器官", limit=N_DOCS)) == n


def test_single_character_at_end_of_a_run(tmp_path: Path) -> None:
    with SearchIndex(tmp_path / "s.sqlite") as index:
        index.add("a", "他的肝。")  # 肝 ends the run
        index.add("b", "肝")  # alone
        index.add("c", "肝脏移植")  # starts a run
        index.add("d", "心脏")
        index.commit()
        assert {h.doc_id for h in index.search("肝", limit=10)} == {"a", "b", "c"}


def test_pdf_line_break_inside_a_word(tmp_path: Path) -> None:
    with SearchIndex(tmp_path / "s.sqlite") as index:
        index.add("pdf", "该院的器\n官移植等待时间")
        index.commit()
        hits = index.search("器官移植")
        assert [h.doc_id for h in hits] == ["pdf"]
        assert hits[0].snippet is not None and "[器\n官移植]".replace("\n", " ") in hits[0].snippet


@pytest.mark.parametrize(
    ("document", "query"),
    [("肝臟移植", "肝脏"), ("肝脏移植", "肝臟"), ("醫院", "医院"), ("医院", "醫院"),
     ("供體", "供体"), ("器官捐獻", "器官捐献"), ("髒", "脏")],
)  # fmt: skip
def test_simplified_and_traditional_find_each_other(tmp_path: Path, document: str, query: str) -> None:
    with SearchIndex(tmp_path / "s.sqlite") as index:
        index.add("x", f"报告：{document}。")
        index.commit()
        hits = index.search(query)
        assert [h.doc_id for h in hits] == ["x"]
        # the snippet shows the document's own characters, highlighted
        hit = hits[0]
        assert hit.snippet_text is not None and len(hit.highlights) == 1
        s, e = hit.highlights[0]
        shown = hit.snippet_text[s:e]
        assert shown in document and normalize(shown) == normalize(query)
        assert f"[{shown}]" in (hit.snippet or "")


def test_mixed_chinese_english(tmp_path: Path) -> None:
    with SearchIndex(tmp_path / "s.sqlite") as index:
        index.add("m", "The 肝脏transplant program at 天津第一中心医院 expanded in 2004.")
        index.add("e", "The transplant program expanded.")
        index.commit()
        assert [h.doc_id for h in index.search("肝脏 transplants")] == ["m"]
        assert [h.doc_id for h in index.search('"肝脏transplant"')] == ["m"]
        assert [h.doc_id for h in index.search("中心医院 2004")] == ["m"]
        assert {h.doc_id for h in index.search("transplant")} == {"m", "e"}


def test_full_width_latin_folds(tmp_path: Path) -> None:
    with SearchIndex(tmp_path / "s.sqlite") as index:
        index.add("f", "ＨＬＡ配型结果")
        index.commit()
        assert [h.doc_id for h in index.search("hla")] == ["f"]
