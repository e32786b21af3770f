"""English stemming and phrases, filters, protected items, hostile queries, index upkeep."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tribunal.archive.search import SearchIndex
from tribunal.errors import InputError, TribunalError

DOCS = [
    ("en1", "Organs were harvested from prisoners at the hospital.", "Report on harvesting",
     "html", "en", "2006-03-10", "public"),
    ("en2", "The hospital transplanted livers within a week of waiting.", "Liver waits",
     "pdf", "en", "2010-07-01", "public"),
    ("en3", "A prisoner said the hospital drew blood for tests.", "Witness statement",
     "docx", "en", "2015-01-20", "protected"),
    ("en4", "Waiting times for kidney transplants: a week or less.", "Kidney data",
     "table", "en", "2019-12-31T23:00:00Z", "restricted"),
    ("zh1", "医院承诺一周内找到肝脏供体。", "医院广告", "html", "zh", "2006-04-01", "public"),
]  # fmt: skip


@pytest.fixture
def index(tmp_path: Path):  # type: ignore[no-untyped-def]
    ix = SearchIndex(tmp_path / "search.sqlite")
    for doc_id, text, title, kind, lang, date, sens in DOCS:
        ix.add(doc_id, text, title=title, kind=kind, language=lang, date=date, sensitivity=sens)
    ix.commit()
    yield ix
    ix.close()


def ids(hits) -> set[str]:  # type: ignore[no-untyped-def]
    return {h.doc_id for h in hits}


def test_stemming(index: SearchIndex) -> None:
    assert ids(index.search("transplant")) == {"en2", "en4"}
    assert ids(index.search("transplantation")) == {"en2", "en4"}
    assert ids(index.search("harvest")) == {"en1"}
    assert ids(index.search("prisoners", include_protected=True)) == {"en1", "en3"}
    assert ids(index.search("WAITING")) == {"en2", "en4"}


def test_phrases_respect_order_and_adjacency(index: SearchIndex) -> None:
    assert ids(index.search('"waiting times"')) == {"en4"}
    assert ids(index.search('"times waiting"')) == set()
    assert ids(index.search('"hospital transplanted livers"')) == {"en2"}
    assert ids(index.search('"hospital livers"')) == set()
    # unquoted words need not be adjacent
    assert ids(index.search("hospital livers")) == {"en2"}


def test_word_pairs_do_not_bridge_chinese_or_title(tmp_path: Path) -> None:
    with SearchIndex(tmp_path / "p.sqlite") as ix:
        ix.add("gap", "liver donor 器官 donor kidney", title="organ liver")
        ix.add("run", "A liver donor kidney list.")
        ix.commit()
        assert ids(ix.search('"liver donor kidney"')) == {"run"}
        assert ids(ix.search('"liver donor"')) == {"gap", "run"}
        assert ids(ix.search('"donor kidney"')) == {"gap", "run"}
        assert ids(ix.search('"organ liver"')) == {"gap"}  # inside the title
        assert ids(ix.search('"liver liver"')) == set()  # title end + body start


def test_bm25_ranks_title_and_frequency(tmp_path: Path) -> None:
    with SearchIndex(tmp_path / "r.sqlite") as ix:
        ix.add("once", "kidney " + "filler words here " * 30)
        ix.add("often", "kidney kidney kidney and more about the kidney")
        ix.add("title", "a page about something", title="Kidney")
        for i in range(20):
            ix.add(f"noise{i}", "unrelated text about other things")
        ix.commit()
        hits = ix.search("kidney")
        assert [h.doc_id for h in hits][-1] == "once"
        assert hits[0].score >= hits[1].score >= hits[2].score > 0


def test_filters(index: SearchIndex) -> None:
    assert ids(index.search("hospital", kind="pdf")) == {"en2"}
    assert ids(index.search("week", language="zh")) == set()
    assert ids(index.search("周", language="zh")) == {"zh1"}
    assert ids(index.search("hospital", date_from="2007-01-01", include_protected=True)) == {
        "en2", "en3"}  # fmt: skip
    assert ids(index.search("hospital", date_to="2006-12-31")) == {"en1"}
    assert ids(index.search("week", date_from="2019-12-31", date_to="2019-12-31")) == {"en4"}
    assert ids(index.search("hospital", sensitivity="protected")) == set()
    assert ids(index.search("hospital", sensitivity="protected", include_protected=True)) == {"en3"}
    assert ids(index.search("week", sensitivity="public")) == {"en2"}


def test_language_filter_uses_the_primary_subtag(tmp_path: Path) -> None:
    with SearchIndex(tmp_path / "l.sqlite") as ix:
        ix.add("hant", "醫院", language="zh-Hant")
        ix.add("hans", "医院", language="zh_Hans")
        ix.add("none", "医院")
        ix.commit()
        assert ids(ix.search("医院", language="zh")) == {"hant", "hans"}
        assert ids(ix.search("医院", language="ZH-hant")) == {"hant", "hans"}


def test_bad_date_is_an_input_error(index: SearchIndex) -> None:
    with pytest.raises(InputError, match="not a date"):
        index.search("hospital", date_from="last tuesday")


def test_protected_items_are_left_out_unless_asked(index: SearchIndex) -> None:
    # Not even a withheld hit: its existence would confirm a guessed word.
    assert "en3" not in {h.doc_id for h in index.search("blood")}
    assert "en3" not in {h.doc_id for h in index.search("witness")}  # title words too
    assert index.search("blood", sensitivity="protected") == []
    shown = index.search("blood", include_protected=True)[0]
    assert shown.doc_id == "en3" and shown.title == "Witness statement"
    assert "[blood]" in (shown.snippet or "")


def test_snippet_offsets_point_at_the_original(index: SearchIndex) -> None:
    hit = index.search("transplants")[0]
    text = dict((d[0], d[1]) for d in DOCS)[hit.doc_id]
    for s, e in hit.match_offsets:
        assert text[s:e].lower().startswith("transplant")
    for s, e in hit.highlights:
        assert (hit.snippet_text or "")[s:e].lower().startswith("transplant")


def test_snippet_window_in_a_long_document(tmp_path: Path) -> None:
    text = "padding words " * 500 + "the liver transplant centre" + " more padding" * 500
    with SearchIndex(tmp_path / "l.sqlite") as ix:
        ix.add("long", text)
        ix.commit()
        hit = ix.search("liver transplant")[0]
    assert hit.snippet is not None
    assert hit.snippet.startswith("…") and hit.snippet.endswith("…")
    assert "[liver transplant]" in hit.snippet
    assert len(hit.snippet_text or "") <= 170


HOSTILE = [
    '"', '""', '"unbalanced hospital', "AND", "OR", "NOT", "hospital OR", "NEAR(hospital week, 2)",
    "*", "hosp*", "(", ")", "((hospital))", "'; DROP TABLE docs; --", "title:hospital",
    "{title body}: hospital", "^hospital", "hospital + week", "-hospital", "\x00", "ﬁ", "🫀",
    "hospital\x00week", "a" * 5000, "医院 OR 1=1", "rank MATCH 'x'", "fts", "bm25(fts)",
]  # fmt: skip


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_are_plain_text(index: SearchIndex, query: str) -> None:
    index.search(query)  # never an SQL or FTS5 syntax error
    assert len(index) == len(DOCS)  # and nothing was dropped


def test_operators_are_just_words(index: SearchIndex) -> None:
    # "OR" is a word to find, not an operator: no document has it next to these terms.
    assert ids(index.search("hospital OR week")) == set()
    assert ids(index.search("((hospital)) week")) == {"en2"}
    assert ids(index.search("title:hospital")) == set()  # "title hospital" as a phrase
    assert ids(index.search("*")) == set()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=60))
def test_any_text_is_a_valid_query(index: SearchIndex, query: str) -> None:
    index.search(query, limit=5)


def test_replace_and_remove(index: SearchIndex) -> None:
    index.add("en2", "Completely different content about kidneys.")
    index.commit()
    assert ids(index.search("livers")) == set()
    assert ids(index.search("kidneys")) == {"en2", "en4"}
    assert index.remove("en2") and not index.remove("en2")
    index.commit()
    assert ids(index.search("kidneys")) == {"en4"}
    assert len(index) == len(DOCS) - 1


def test_clear_and_unknown_sensitivity(index: SearchIndex) -> None:
    with pytest.raises(InputError):
        index.add("x", "text", sensitivity="secret")
    index.clear()
    index.commit()
    assert len(index) == 0 and index.search("hospital") == []


def test_index_from_another_tokenizer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    SearchIndex(path).close()
    import sqlite3

    db = sqlite3.connect(path)
    db.execute("UPDATE meta SET value='0' WHERE key='tokenizer'")
    db.commit()
    db.close()
    with pytest.raises(TribunalError, match="another Tribunal version"):
        SearchIndex(path)


def test_index_survives_reopen(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite"
    with SearchIndex(path) as ix:
        ix.add("a", "器官移植 organ transplant")
    with SearchIndex(path) as ix:
        assert ids(ix.search("器官 transplant")) == {"a"}


def test_a_damaged_index_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "search.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(TribunalError, match="cannot open the search index") as info:
        SearchIndex(path)
    assert "reindex" in (info.value.hint or "")
