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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tribunal.archive.search import champions
from tribunal.archive.search.normalize import TOKENIZER_VERSION, normalize
from tribunal.archive.search.query import parse_query
from tribunal.archive.search.snippet import make_snippet
from tribunal.archive.search.tokens import BREAK, index_columns
from tribunal.errors import InputError, TribunalError

SENSITIVITIES = ("public", "restricted", "protected")
TITLE_WEIGHT = 2.0
BODY_WEIGHT = 1.0
# The meta column holds filter tokens and weighs nothing in the ranking.
RANK_SQL = f"bm25(fts, {TITLE_WEIGHT}, {BODY_WEIGHT}, {BODY_WEIGHT}, 0.0)"


def _language(value: str | None) -> str:
    """Primary language subtag (BCP 47): zh-Hans and zh-Hant filter as zh, en-GB as en."""
    return (value or "").strip().lower().replace("_", "-").split("-")[0]


def _filter_token(field_name: str, value: str) -> str:
    """A token for ``kind``/``language``/``sensitivity`` = value: hex keeps it one token;
    "§" (never inside a content term) keeps it apart from every word."""
    return "\u00a7" + field_name[0] + value.encode("utf-8").hex()

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS docs(
    rowid INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: champion lists rely on it
    doc_id TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT '',
    language TEXT NOT NULL DEFAULT '',
    date TEXT,
    sensitivity TEXT NOT NULL DEFAULT 'public'
);
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(
    title, body, pairs, meta, content='', tokenize='ascii', columnsize=1
);
"""


@dataclass
class Hit:
    """One search result. Protected items appear only when the search was made with
    ``include_protected``; otherwise they are left out, so that a search cannot confirm
    that a guessed name occurs in a protected document."""

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
        self._dirty = False  # only a writer refreshes champion lists on close
        try:
            # Waits for a concurrent writer (an ingest indexing) instead of failing.
            self._db = sqlite3.connect(str(self.path), timeout=30.0)
            self._db.execute("PRAGMA synchronous=NORMAL")
            version = self._version()
        except sqlite3.DatabaseError as exc:
            raise TribunalError(
                f"cannot open the search index {self.path}: {exc}",
                hint="it is derived data: delete it and run `tribunal reindex`",
            ) from exc
        if version != TOKENIZER_VERSION:
            self._db.close()
            raise TribunalError(
                f"the search index {self.path.name} was built by another Tribunal version",
                hint="rebuild it with `tribunal reindex`",
            )

    def _version(self) -> str:
        """The index format version, creating the schema in a new file (the only write)."""
        if self._db.execute("SELECT 1 FROM sqlite_master WHERE name='meta'").fetchone() is None:
            self._db.execute("PRAGMA journal_mode=WAL")  # stored in the file from now on
            self._db.executescript(_SCHEMA + champions.SCHEMA)
            self._db.execute(
                "INSERT OR IGNORE INTO meta(key, value) VALUES('tokenizer', ?)",
                (TOKENIZER_VERSION,),
            )
            self._db.commit()
        row = self._db.execute("SELECT value FROM meta WHERE key='tokenizer'").fetchone()
        return row[0] if row else ""

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
        self._dirty = True
        text = text or ""
        title = title or ""
        kind, language = kind or "", _language(language)
        cur = self._db.execute(
            "INSERT INTO docs(doc_id, title, text, kind, language, date, sensitivity)"
            " VALUES(?,?,?,?,?,?,?)",
            (doc_id, title, text, kind, language, _iso(date, "date"), sensitivity),
        )
        self._db.execute(
            "INSERT INTO fts(rowid, title, body, pairs, meta) VALUES(?,?,?,?,?)",
            (cur.lastrowid, *self._terms(title, text, kind, language, sensitivity)),
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
    def _terms(
        title: str, text: str, kind: str, language: str, sensitivity: str
    ) -> tuple[str, str, str, str]:
        meta = " ".join(
            _filter_token(f, v)
            for f, v in (("kind", kind), ("language", language), ("sensitivity", sensitivity))
        )
        # A protected item's title is usually its file name, often a witness's name.
        title = "" if sensitivity == "protected" else title
        title_terms, title_pairs = index_columns(normalize(title))
        body_terms, body_pairs = index_columns(normalize(text))
        pairs = title_pairs + ([BREAK] if title_pairs and body_pairs else []) + body_pairs
        return " ".join(title_terms), " ".join(body_terms), " ".join(pairs), meta

    def remove(self, doc_id: str) -> bool:
        """Drop a document; return whether it was there."""
        row = self._db.execute(
            "SELECT rowid, title, text, kind, language, sensitivity FROM docs WHERE doc_id=?",
            (doc_id,),
        ).fetchone()
        if row is None:
            return False
        rowid, *fields = row
        # A contentless table forgets documents only when told their exact terms.
        self._db.execute(
            "INSERT INTO fts(fts, rowid, title, body, pairs, meta) VALUES('delete', ?, ?, ?, ?, ?)",
            (rowid, *self._terms(*fields)),
        )
        self._db.execute("DELETE FROM docs WHERE rowid=?", (rowid,))
        self._dirty = True
        return True

    def clear(self) -> None:
        """Remove every document (before a rebuild)."""
        self._db.execute("DELETE FROM docs")
        self._db.execute("INSERT INTO fts(fts) VALUES('delete-all')")
        self._db.execute("DELETE FROM champions")
        self._db.execute("DELETE FROM champion_terms")

    def optimize(self, on_progress: Callable[[int, int], None] | None = None) -> int:
        """Merge FTS5 segments and rebuild the champion lists (:mod:`champions`).

        Run after a bulk build; returns the number of terms given a champion list.
        """
        self._db.execute("INSERT INTO fts(fts) VALUES('optimize')")
        n = champions.build(self._db, RANK_SQL, on_progress)
        self._db.commit()
        return n

    def commit(self) -> None:
        self._db.commit()

    def close(self) -> None:
        """Commit, refresh stale champion lists if this instance wrote, close."""
        self._db.commit()
        if self._dirty and champions.is_stale(self._db):
            champions.build(self._db, RANK_SQL)
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

        Filters are exact (``kind``, ``sensitivity``; ``language`` on its primary subtag, so
        "zh" also finds items tagged zh-Hant) or inclusive date
        bounds (ISO dates; a document without a date fails any date bound). A query with
        no searchable characters returns no hits. ``snippets=False`` skips reading the
        texts (ids, scores and metadata only: faster for large result sets).
        """
        parsed = parse_query(query)
        if parsed.empty or limit <= 0:
            return []
        match = parsed.fts()
        wanted = {"kind": kind, "language": _language(language), "sensitivity": sensitivity}
        for name, value in wanted.items():
            if value:
                match += f' AND meta : "{_filter_token(name, value)}"'
        if not include_protected:
            # Protected items are left out entirely, not shown as withheld hits: a withheld
            # hit would still confirm that a guessed name occurs in a protected document.
            match = f'({match}) NOT meta : "{_filter_token("sensitivity", "protected")}"'
        lo, hi = _iso(date_from, "--from"), _iso(date_to, "--to")
        try:
            ranked = self._rank(parsed, match, lo, hi, wanted, int(limit), include_protected)
        except sqlite3.OperationalError as exc:  # pragma: no cover - would be our bug
            raise TribunalError(f"search failed: {exc}", hint="please report this") from exc
        rows = []
        for rowid, score in ranked:
            row = self._db.execute(
                "SELECT doc_id, title, kind, language, date, sensitivity FROM docs WHERE rowid=?",
                (rowid,),
            ).fetchone()
            if row is not None:
                rows.append((rowid, row[0], score, *row[1:]))
        hits: list[Hit] = []
        for rowid, doc_id, score, title, kind_, lang, date, sens in rows:
            if sens == "protected" and not include_protected:
                continue
            hit = Hit(doc_id, -float(score), None, None, kind_, lang, date, sens)
            if not snippets:
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

    def _rank(
        self,
        parsed: Any,
        match: str,
        lo: str | None,
        hi: str | None,
        wanted: dict[str, str | None],
        limit: int,
        include_protected: bool = True,
    ) -> list[tuple[int, float]]:
        """(rowid, BM25) of the best ``limit`` matches, best (most negative) first."""
        if lo or hi:
            # Date bounds need the docs table; every match is joined and ranked.
            where, params = ["fts MATCH ?"], [match]
            if lo:
                where.append("d.date >= ?")
                params.append(lo)
            if hi:
                where.append("substr(d.date, 1, ?) <= ?")
                params.extend([len(hi), hi])
            sql = (
                f"SELECT fts.rowid, {RANK_SQL} AS s FROM fts JOIN docs d ON d.rowid = fts.rowid"
                f" WHERE {' AND '.join(where)} ORDER BY s LIMIT ?"
            )
            return self._db.execute(sql, [*params, limit]).fetchall()
        units = parsed.units
        one_term = len(units) == 1 and len(units[0].terms) == 1 and not units[0].prefix
        if one_term and limit <= champions.SIZE // 2:
            found = champions.candidates(self._db, units[0].terms[0], RANK_SQL, match)
            if found is not None:
                best = self._filter_rows(
                    sorted(found, key=lambda r: r[1]), wanted, limit, include_protected
                )
                if len(best) >= limit:
                    return best
        sql = f"SELECT rowid, {RANK_SQL} AS s FROM fts WHERE fts MATCH ? ORDER BY s LIMIT ?"
        return self._db.execute(sql, (match, limit)).fetchall()

    def _filter_rows(
        self,
        rows: list[tuple[int, float]],
        wanted: dict[str, str | None],
        limit: int,
        include_protected: bool = True,
    ) -> list[tuple[int, float]]:
        """Keep rows whose document still exists and passes the exact-match filters."""
        active = {k: v for k, v in wanted.items() if v}
        out: list[tuple[int, float]] = []
        for rowid, score in rows:
            row = self._db.execute(
                "SELECT kind, language, sensitivity FROM docs WHERE rowid=?", (rowid,)
            ).fetchone()
            if row is None:
                continue  # removed since the champion lists were built
            values = dict(zip(("kind", "language", "sensitivity"), row, strict=True))
            hidden = values["sensitivity"] == "protected" and not include_protected
            if not hidden and all(values[k] == v for k, v in active.items()):
                out.append((rowid, score))
                if len(out) >= limit:
                    break
        return out
