"""Champion lists give the same top results as ranking every match."""

from __future__ import annotations

from pathlib import Path

import pytest

from tribunal.archive.search import SearchIndex, champions
from tribunal.archive.search.synthetic import ZH_WORDS, generate


def _top(index: SearchIndex, query: str, **kw) -> list[tuple[str, float]]:  # type: ignore[no-untyped-def]
    return [(h.doc_id, round(h.score, 9)) for h in index.search(query, snippets=False, **kw)]


@pytest.fixture
def small_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(champions, "MIN_DF", 20)
    monkeypatch.setattr(champions, "SIZE", 40)


def test_champion_top_k_equals_full_ranking(tmp_path: Path, small_lists: None) -> None:
    docs = generate(600, seed=3)
    queries = [w for w in ZH_WORDS if len(w) == 2][:25] + ["transplant", "hospital", "kidney"]
    with SearchIndex(tmp_path / "s.sqlite") as ix:
        for i, d in enumerate(docs):
            ix.add(d.doc_id, d.text, language=d.language, kind="pdf" if i % 3 else "html")
        ix.commit()
        full = {q: _top(ix, q, limit=10) for q in queries}
        filtered = {q: _top(ix, q, limit=5, kind="html") for q in queries}
        assert ix.optimize() > 20  # lists were built for the frequent terms
        used = 0
        for q in queries:
            unit = ix_terms(q)
            if ix._db.execute("SELECT 1 FROM champion_terms WHERE term=?", (unit,)).fetchone():
                used += 1
            assert _top(ix, q, limit=10) == full[q], q
            assert _top(ix, q, limit=5, kind="html") == filtered[q], q
        assert used > 20


def test_champions_follow_additions_and_removals(tmp_path: Path, small_lists: None) -> None:
    docs = generate(500, seed=4)
    with SearchIndex(tmp_path / "s.sqlite") as ix:
        for d in docs[:400]:
            ix.add(d.doc_id, d.text)
        ix.commit()
        ix.optimize()
        for d in docs[400:]:
            ix.add(d.doc_id, d.text)  # added after the build
        for d in docs[:400:7]:
            ix.remove(d.doc_id)  # some champions disappear
        ix.add("best", "医院 " * 30 + "hospital " * 30)  # a new clear winner
        ix.commit()
        ranked = _top(ix, "医院", limit=10)
        assert ranked[0][0] == "best"
        assert _top(ix, "hospital", limit=10)[0][0] == "best"
        # compare with a fresh index holding the same documents, no champion lists
        with SearchIndex(tmp_path / "fresh.sqlite") as fresh:
            kept = [d for i, d in enumerate(docs) if not (i < 400 and i % 7 == 0)]
            for d in kept:
                fresh.add(d.doc_id, d.text)
            fresh.add("best", "医院 " * 30 + "hospital " * 30)
            fresh.commit()
            for q in ("医院", "hospital", "器官", "waiting"):
                ours = [doc for doc, _ in _top(ix, q, limit=10)]
                truth = [doc for doc, _ in _top(fresh, q, limit=10)]
                # avgdl drift may swap near-ties; the sets must agree closely
                assert len(set(ours) & set(truth)) >= 8, q


def ix_terms(query: str) -> str:
    from tribunal.archive.search import parse_query

    return parse_query(query).units[0].terms[0]


def test_lists_are_built_when_the_index_is_closed_after_doubling(
    tmp_path: Path, small_lists: None
) -> None:
    path = tmp_path / "auto.sqlite"
    docs = generate(300, seed=5)
    with SearchIndex(path) as ix:
        for d in docs[:30]:
            ix.add(d.doc_id, d.text)
    with SearchIndex(path) as ix:  # 30 < 2 * MIN_DF: no lists yet
        assert ix._db.execute("SELECT count(*) FROM champion_terms").fetchone()[0] == 0
        for d in docs[30:]:
            ix.add(d.doc_id, d.text)
    with SearchIndex(path) as ix:
        assert ix._db.execute("SELECT count(*) FROM champion_terms").fetchone()[0] > 10
        built = ix._db.execute("SELECT value FROM meta WHERE key='champions_docs'").fetchone()
        assert built == ("300",)
