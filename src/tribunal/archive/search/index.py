"""A case's full-text index: SQLite FTS5 with BM25 ranking over pre-tokenised terms.

The index is derived data, kept in its own file (``<case>/search.sqlite``) and rebuilt
from the case's extracted-text items at any time; it is never part of the custody record.

Tokenising happens in Python (:mod:`tokens`): documents and queries go through the same
folding and CJK-bigram code, and FTS5 sees only space-separated terms (``ascii``
tokenizer, which keeps non-ASCII bytes inside tokens). The FTS table is contentless; the
original text lives in ``docs`` for snippets. Ranking is FTS5's BM25 (Robertson & Zaragoza,
"The probabilistic relevance framework: BM25 and beyond", 2009) with the title weighted
twice the body.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tribunal.archive.search.normalize import TOKENIZER_VERSION, normalize
from tribunal.archive.search.query import parse_query
from tribunal.archive.search.snippet import make_snippet
from tribunal.archive.search.tokens import index_terms
from tribunal.errors import InputError, TribunalError

SENSITIVITIES = ("public", "restricted", "protected")
TITLE_WEIGHT = 2.0
BODY_WEIGHT = 1.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS docs(
    rowid INTEGER PRIMARY KEY,
    doc_id TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT '',
    language TEXT NOT NULL DEFAULT '',
    date TEXT,
    sensitivity TEXT NOT NULL DEFAULT 'public'
);
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(
    title, body, content='', tokenize='ascii', columnsize=1
);
"""


@dataclass
class Hit:
    """One search result. For a protected item searched without ``include_protected``,
    ``title`` and ``snippet`` are None and ``redacted`` is True: the investigator learns
    that an item matches, not what it says."""

    doc_id: str
    score: float  # BM25, higher is better
    snippet: str | None  # original text with matches in [brackets]
    title: str | None
    kind: str
    language: str
    date: str | None
    sensitivity: str
    snippet_text: str | None = None  # the same window without brackets
    highlights: list[tuple[int, int]] = field(default_factory=list)  # in snippet_text
    match_offsets: list[tuple[int, int]] = field(default_factory=list)  # in the document
    redacted: bool = False


def _iso(value: str | dt.date | dt.datetime | None, what: str) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    text = str(value).strip()
    try:
        dt.date.fromisoformat(text[:10])
    except ValueError:
        raise InputError(
            f"{what} {text!r} is not a date", hint="use ISO 8601: YYYY-MM-DD"
        ) from None
    return text


class SearchIndex:
    """Open (or create) the index at ``path``. Use as a context manager or ``close()``."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._db = sqlite3.connect(str(self.path))
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        row = self._db.execute("SELECT value FROM meta WHERE key='tokenizer'").fetchone()
        if row is None:
            self._db.execute(
                "INSERT INTO meta(key, value) VALUES('tokenizer', ?)", (TOKENIZER_VERSION,)
            )
            self._db.commit()
        elif row[0] != TOKENIZER_VERSION:
            self._db.close()
            raise TribunalError(
                f"the search index {self.path.name} was built by another Tribunal version",
                hint="rebuild it with `tribunal reindex`",
            )

    # -- writing ---------------------------------------------------------------------
    def add(
        self,
        doc_id: str,
        text: str,
        *,
        title: str = "",
        kind: str = "",
        language: str = "",
        date: str | dt.date | dt.datetime | None = None,
        sensitivity: str = "public",
    ) -> None:
        """Index (or re-index) one document; call :meth:`commit` to make it durable."""
        if sensitivity not in SENSITIVITIES:
            raise InputError(f"unknown sensitivity {sensitivity!r}", hint=", ".join(SENSITIVITIES))
        self.remove(doc_id)
        text = text or ""
        title = title or ""
        cur = self._db.execute(
            "INSERT INTO docs(doc_id, title, text, kind, language, date, sensitivity)"
            " VALUES(?,?,?,?,?,?,?)",
            (doc_id, title, text, kind or "", language or "", _iso(date, "date"), sensitivity),
        )
        self._db.execute(
            "INSERT INTO fts(rowid, title, body) VALUES(?,?,?)",
            (cur.lastrowid, *self._terms(title, text)),
        )

    def add_many(self, docs: Iterable[dict[str, Any]]) -> int:
        """Add documents given as dicts of :meth:`add`'s arguments; return how many."""
        n = 0
        for doc in docs:
            doc = dict(doc)
            self.add(doc.pop("doc_id"), doc.pop("text"), **doc)
            n += 1
        return n

    @staticmethod
    def _terms(title: str, text: str) -> tuple[str, str]:
        return " ".join(index_terms(normalize(title))), " ".join(index_terms(normalize(text)))

    def remove(self, doc_id: str) -> bool:
        """Drop a document; return whether it was there."""
        row = self._db.execute(
            "SELECT rowid, title, text FROM docs WHERE doc_id=?", (doc_id,)
        ).fetchone()
        if row is None:
            return False
        rowid, title, text = row
        # A contentless table forgets documents only when told their exact terms.
        self._db.execute(
            "INSERT INTO fts(fts, rowid, title, body) VALUES('delete', ?, ?, ?)",
            (rowid, *self._terms(title, text)),
        )
        self._db.execute("DELETE FROM docs WHERE rowid=?", (rowid,))
        return True

    def clear(self) -> None:
        """Remove every document (before a rebuild)."""
        self._db.execute("DELETE FROM docs")
        self._db.execute("INSERT INTO fts(fts) VALUES('delete-all')")

    def optimize(self) -> None:
        """Merge FTS5 segments into one: faster queries after a bulk build."""
        self._db.execute("INSERT INTO fts(fts) VALUES('optimize')")
        self._db.commit()

    def commit(self) -> None:
        self._db.commit()

    def close(self) -> None:
        self._db.commit()
        self._db.close()

    def __enter__(self) -> SearchIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __len__(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM docs").fetchone()[0])

    # -- reading ---------------------------------------------------------------------
    def search(
        self,
        query: str,
        *,
        kind: str | None = None,
        language: str | None = None,
        date_from: str | dt.date | None = None,
        date_to: str | dt.date | None = None,
        sensitivity: str | None = None,
        include_protected: bool = False,
        limit: int = 20,
        snippets: bool = True,
    ) -> list[Hit]:
        """Documents matching every word/phrase of ``query``, best BM25 first.

        Filters are exact (``kind``, ``language``, ``sensitivity``) or inclusive date
        bounds (ISO dates; a document without a date fails any date bound). A query with
        no searchable characters returns no hits. ``snippets=False`` skips reading the
        texts (ids, scores and metadata only: faster for large result sets).
        """
        parsed = parse_query(query)
        if parsed.empty or limit <= 0:
            return []
        where = ["fts MATCH ?"]
        params: list[Any] = [parsed.fts()]
        for column, value in (("kind", kind), ("language", language),
                              ("sensitivity", sensitivity)):  # fmt: skip
            if value:
                where.append(f"d.{column} = ?")
                params.append(value)
        lo, hi = _iso(date_from, "--from"), _iso(date_to, "--to")
        if lo:
            where.append("d.date >= ?")
            params.append(lo)
        if hi:
            where.append("substr(d.date, 1, ?) <= ?")
            params.extend([len(hi), hi])
        sql = (
            f"SELECT d.rowid, d.doc_id, bm25(fts, {TITLE_WEIGHT}, {BODY_WEIGHT}) AS s,"
            " d.title, d.kind, d.language, d.date, d.sensitivity"
            " FROM fts JOIN docs d ON d.rowid = fts.rowid"
            f" WHERE {' AND '.join(where)} ORDER BY s LIMIT ?"
        )
        params.append(int(limit))
        try:
            rows = self._db.execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:  # pragma: no cover - would be our bug
            raise TribunalError(f"search failed: {exc}", hint="please report this") from exc
        hits: list[Hit] = []
        for rowid, doc_id, score, title, kind_, lang, date, sens in rows:
            hit = Hit(doc_id, -float(score), None, None, kind_, lang, date, sens)
            if sens == "protected" and not include_protected:
                hit.redacted = True
            elif not snippets:
                hit.title = title
            else:
                (text,) = self._db.execute(
                    "SELECT text FROM docs WHERE rowid=?", (rowid,)
                ).fetchone()
                snip = make_snippet(text, parsed)
                hit.title = title
                hit.snippet = snip.marked()
                hit.snippet_text = snip.text
                hit.highlights = snip.highlights
                hit.match_offsets = snip.matches[:100]
            hits.append(hit)
        return hits
