"""Search latency and recall over 100,000 generated documents, against plain FTS5.

Builds our index (CJK bigrams, t2s folding, Snowball stems) and, from the same documents,
the baseline a plain SQLite FTS5 table gives (unicode61 tokenizer, ranked by bm25). Prints
index build time and size, p50/p95 query latency for Chinese two-character words, English
words and English two-word phrases (target: p95 < 50 ms), and recall against the truth
(a document contains the query as a substring of its folded text).

    .venv/bin/python bench/search_latency.py            # 100,000 documents
    .venv/bin/python bench/search_latency.py --docs 10000 --queries 100

The corpus (tribunal.archive.search.synthetic) has a vocabulary of ~200 words, so every
query word occurs in thousands of documents: a worst case for ranking cost, since BM25 is
computed for every matching document before the top 20 are kept.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from tribunal.archive.search import SearchIndex
from tribunal.archive.search.normalize import normalize
from tribunal.archive.search.synthetic import EN_WORDS, ZH_WORDS, generate
from tribunal.archive.search.tokens import CJK

STOP = set(["the", "a", "of", "in", "and", "to", "was", "were", "is", "are", "for", "with", "on", "by", "from", "that", "this", "it", "as", "at", "be"])
_GAP = re.compile(rf"(?<=[{CJK}])\s+(?=[{CJK}])")


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def build_ours(path: Path, docs) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Total build time (add, commit, optimize) and the part spent on champion lists."""
    t0 = time.perf_counter()
    with SearchIndex(path) as ix:
        for d in docs:
            ix.add(d.doc_id, d.text, language=d.language, kind="document", date="2020-01-01")
        ix.commit()
        t1 = time.perf_counter()
        ix.optimize()
    total = time.perf_counter() - t0
    return total, total - (t1 - t0)


def build_baseline(path: Path, docs) -> float:  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    db = sqlite3.connect(path)
    db.execute("CREATE VIRTUAL TABLE base USING fts5(doc_id UNINDEXED, body)")
    db.executemany("INSERT INTO base(doc_id, body) VALUES(?, ?)", ((d.doc_id, d.text) for d in docs))
    db.execute("INSERT INTO base(base) VALUES('optimize')")
    db.commit()
    db.close()
    return time.perf_counter() - t0


def baseline_search(db: sqlite3.Connection, query: str, limit: int | None) -> list[str]:
    if query.startswith('"'):
        expr = query  # a phrase, as the user typed it
    else:
        expr = " AND ".join('"' + w.replace('"', '""') + '"' for w in query.split())
    sql = "SELECT doc_id FROM base WHERE base MATCH ? ORDER BY rank"
    if limit:
        sql += f" LIMIT {limit}"
    return [r[0] for r in db.execute(sql, (expr,))]


def queries(docs, n: int, rng: random.Random) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    from opencc import OpenCC

    s2t = OpenCC("s2t")
    zh2 = [w for w in ZH_WORDS if len(w) == 2]
    zh = [rng.choice(zh2) for _ in range(n)]
    zh = [s2t.convert(w) if rng.random() < 0.3 else w for w in zh]  # some typed traditional
    content = [w for w in EN_WORDS if w not in STOP]
    en = [rng.choice(content) for _ in range(n)]
    english_docs = [d for d in docs if d.language == "en"]
    phrases = []
    while len(phrases) < n:
        words = re.findall(r"[a-z]+", rng.choice(english_docs).text.lower())
        i = rng.randrange(len(words) - 1)
        if words[i] not in STOP and words[i + 1] not in STOP:
            phrases.append(f'"{words[i]} {words[i + 1]}"')
    two = [f"{rng.choice(content)} {rng.choice(content)}" for _ in range(n)]
    return {"zh 2-char word": zh, "en word": en, "en phrase": phrases, "en 2 words AND": two}


def time_queries(fn, qs: list[str]) -> list[float]:  # type: ignore[no-untyped-def]
    for q in qs[:10]:
        fn(q)  # warm the page cache
    out = []
    for q in qs:
        t0 = time.perf_counter()
        fn(q)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--recall-words", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)

    t0 = time.perf_counter()
    docs = generate(args.docs, seed=args.seed)
    gen_s = time.perf_counter() - t0
    mb = sum(len(d.text.encode()) for d in docs) / 1e6
    print(f"corpus: {len(docs):,} documents, {mb:.1f} MB UTF-8, generated in {gen_s:.1f} s")
    tmp = Path(tempfile.mkdtemp(prefix="tribunal-bench-"))
    ours_path, base_path = tmp / "ours.sqlite", tmp / "base.sqlite"
    ours_s, champ_s = build_ours(ours_path, docs)
    base_s = build_baseline(base_path, docs)
    print("\nindex build                      ours (bigram+stem)   baseline (unicode61)")
    print(f"  time                           {ours_s:10.1f} s      {base_s:10.1f} s")
    print(f"  documents/s                    {len(docs) / ours_s:10,.0f}        {len(docs) / base_s:10,.0f}")
    print(f"  of which merge + champion lists {champ_s:10.1f} s")
    print(f"  size                           {ours_path.stat().st_size / 1e6:10.1f} MB     {base_path.stat().st_size / 1e6:10.1f} MB")

    qsets = queries(docs, args.queries, rng)
    ix = SearchIndex(ours_path)
    base = sqlite3.connect(base_path)
    print(f"\nlatency, {args.queries} queries each, top 20 with snippets (ms)")
    print("  query class        ours p50   ours p95   base p50   base p95   target p95")
    for name, qs in qsets.items():
        ours = time_queries(lambda q: ix.search(q, limit=20), qs)
        b = time_queries(lambda q: baseline_search(base, q, 20), qs)
        flag = "ok" if pct(ours, 0.95) < 50 else "MISSED"
        print(f"  {name:17s} {pct(ours, .5):9.1f} {pct(ours, .95):10.1f} {pct(b, .5):10.1f}"
              f" {pct(b, .95):10.1f}      < 50 {flag}")  # fmt: skip

    # Recall: every document containing the word (folded substring) should be found.
    folded = {d.doc_id: _GAP.sub("", normalize(d.text)) for d in docs}
    raw = {d.doc_id: d.text for d in docs}
    print(f"\nrecall over {args.recall_words} words each (all matches, no limit)")
    print("  query class        ours recall   baseline recall   matching docs (mean)")
    zh_words = rng.sample([w for w in ZH_WORDS if len(w) == 2], args.recall_words)
    en_words = rng.sample([w for w in EN_WORDS if w not in STOP], args.recall_words)
    for name, words in (("zh 2-char word", zh_words), ("en word (stem)", en_words)):
        ours_r, base_r, sizes = [], [], []
        for w in words:
            if name.startswith("zh"):
                truth = {k for k, t in folded.items() if w in t}
            else:
                stem_re = re.compile(rf"\b{re.escape(_stem(w))}[a-z]*", re.I)
                truth = {k for k, t in raw.items() if any(_stem(m.lower()) == _stem(w)
                                                           for m in stem_re.findall(t))}  # fmt: skip
            got = {h.doc_id for h in ix.search(w, limit=len(docs), snippets=False)}
            got_b = set(baseline_search(base, w, None))
            sizes.append(len(truth))
            ours_r.append(len(got & truth) / len(truth) if truth else 1.0)
            base_r.append(len(got_b & truth) / len(truth) if truth else 1.0)
        print(f"  {name:17s} {statistics.mean(ours_r):12.1%} {statistics.mean(base_r):16.1%}"
              f" {statistics.mean(sizes):16,.0f}")  # fmt: skip
    ix.close()
    base.close()
    shutil.rmtree(tmp, ignore_errors=True)


def _stem(word: str) -> str:
    from tribunal.archive.search.tokens import stem

    return stem(word)


if __name__ == "__main__":
    main()
