"""Champion lists: the best documents of each frequent term, kept so that top-k is cheap.

FTS5 ranks by computing BM25 for every document that matches, so a word found in half of
100,000 documents costs tens of milliseconds however few results are shown. For every term
in at least ``MIN_DF`` documents, :func:`build` stores its ``SIZE`` best documents with
the length-normalised term-frequency part of their BM25 score (score / idf). A one-term
query then ranks the champions plus any document added since the build, instead of every
match (Manning, Raghavan & Schütze, *Introduction to Information Retrieval*, 2008, §7.1.3
"Champion lists").

For a single term, BM25's idf is the same for every document, so the order within the
champions is exact; documents added later are scored live. Only a change of the average
document length since the build can reorder documents, and only slightly; the lists are
rebuilt by ``SearchIndex.optimize()`` (run by ``tribunal reindex``) and by
``SearchIndex.close()`` once the index has doubled since the last build (so the total
cost of keeping them is at most twice one build); stale lists are never used.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Callable

MIN_DF = 2000
SIZE = 200
MAX_GROWTH = 1.0
SKIP = ("\u00a7", "\u00b7")  # prefixes of filter tokens; "·" alone is a pair-chain break

SCHEMA = """
CREATE TABLE IF NOT EXISTS champion_terms(
    term TEXT PRIMARY KEY, df INTEGER NOT NULL, complete INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS champions(
    term TEXT NOT NULL, rowid INTEGER NOT NULL, part REAL NOT NULL, PRIMARY KEY(term, rowid)
) WITHOUT ROWID;
CREATE VIRTUAL TABLE IF NOT EXISTS fts_vocab USING fts5vocab(fts, row);
"""


def idf(n_rows: int, n_hits: int) -> float:
    """FTS5's idf (fts5_aux.c, fts5Bm25Function): log((N - n + 0.5) / (n + 0.5)), floor 1e-6."""
    value = math.log((n_rows - n_hits + 0.5) / (n_hits + 0.5)) if n_rows else 0.0
    return value if value > 0 else 1e-6


def build(
    db: sqlite3.Connection, rank_sql: str, on_progress: Callable[[int, int], None] | None = None
) -> int:
    """Recompute every champion list; return how many terms have one.

    ``rank_sql`` is the BM25 expression used by searches, e.g. ``bm25(fts, 2.0, 1.0, 0.0)``.
    """
    db.execute("DELETE FROM champions")
    db.execute("DELETE FROM champion_terms")
    n_rows = int(db.execute("SELECT count(*) FROM docs").fetchone()[0])
    terms = [
        (term, df)
        for term, df in db.execute("SELECT term, doc FROM fts_vocab WHERE doc >= ?", (MIN_DF,))
        if not term.startswith(SKIP)  # filter tokens and pair-chain breaks are never queried
    ]
    for i, (term, df) in enumerate(terms):
        expr = '"' + term.replace('"', '""') + '"'
        weight = idf(n_rows, df)
        rows = db.execute(
            f"SELECT rowid, {rank_sql} AS s FROM fts WHERE fts MATCH ? ORDER BY s LIMIT ?",
            (expr, SIZE),
        ).fetchall()
        db.executemany(
            "INSERT INTO champions(term, rowid, part) VALUES(?,?,?)",
            [(term, rowid, -score / weight) for rowid, score in rows],
        )
        db.execute(
            "INSERT INTO champion_terms(term, df, complete) VALUES(?,?,?)",
            (term, df, int(df <= SIZE)),
        )
        if on_progress:
            on_progress(i + 1, len(terms))
    top = db.execute("SELECT coalesce(max(rowid), 0) FROM docs").fetchone()[0]
    db.executemany(
        "INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)",
        [("champions_rowid", str(top)), ("champions_docs", str(n_rows))],
    )
    return len(terms)


def is_stale(db: sqlite3.Connection) -> bool:
    """True when the index is big enough for lists and has none, or has doubled since."""
    n_rows = int(db.execute("SELECT count(*) FROM docs").fetchone()[0])
    if n_rows < 2 * MIN_DF:
        return False
    row = db.execute("SELECT value FROM meta WHERE key='champions_docs'").fetchone()
    built = int(row[0]) if row else 0
    return built == 0 or n_rows > built * (1 + MAX_GROWTH)


def candidates(
    db: sqlite3.Connection, term: str, rank_sql: str, match: str
) -> list[tuple[int, float]] | None:
    """(rowid, BM25 score as FTS5 gives it, negative = better) for a one-term query.

    ``match`` is the full MATCH expression (the term and any filter tokens). Returns None
    when the term has no champion list or the lists are stale; then the caller ranks all
    matches the ordinary way. Filters are the caller's job (join on ``docs``).
    """
    info = db.execute("SELECT df, complete FROM champion_terms WHERE term=?", (term,)).fetchone()
    if info is None:
        return None
    meta = dict(db.execute("SELECT key, value FROM meta WHERE key LIKE 'champions_%'").fetchall())
    built_rowid = int(meta.get("champions_rowid", 0))
    built_docs = int(meta.get("champions_docs", 0))
    n_rows = int(db.execute("SELECT count(*) FROM docs").fetchone()[0])
    if built_docs == 0 or n_rows > built_docs * (1 + MAX_GROWTH):
        return None
    hit = db.execute("SELECT doc FROM fts_vocab WHERE term=?", (term,)).fetchone()
    weight = idf(n_rows, int(hit[0]) if hit else 0)
    out = [
        (rowid, -part * weight)
        for rowid, part in db.execute("SELECT rowid, part FROM champions WHERE term=?", (term,))
    ]
    out.extend(
        db.execute(
            f"SELECT rowid, {rank_sql} FROM fts WHERE fts MATCH ? AND rowid > ?",
            (match, built_rowid),
        ).fetchall()
    )
    return out
