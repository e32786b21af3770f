"""``tribunal verify``: is every item still byte for byte what the ledger says it was?

Four checks, each reporting precisely what is wrong:

1. **Ledger and heads** (custody module): every entry's leaf hash, the RFC 6962 tree
   recomputed from the entries, and every Ed25519-signed tree head and its chain.
2. **Rows against the ledger**: every item row and ingest event row must hash to the
   digest its ledger leaf committed (changed), every committed item and event must still
   have its row (removed), and every row must have been committed (added).
3. **Blobs**: every committed blob is re-hashed by streaming (missing, changed); the
   hashing runs on two threads because CPython's ``hashlib`` releases the GIL on large
   updates, which lets the check keep up with ``sha256sum`` on the same files.
4. **Stray files**: a blob file not referenced by any item is listed as a note when its
   content matches its name (an interrupted ingest leaves such blobs; the re-run adopts
   them) and as a problem when it does not.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tribunal.archive.case import Case
from tribunal.archive.items import row_dict, row_digest
from tribunal.progress import ProgressCallback

BUFFER = 1 << 20
WORKERS = 2


@dataclass(frozen=True)
class VerifyProblem:
    """One thing wrong: a stable ``kind`` code, a sentence, and what it concerns."""

    kind: str
    message: str
    item: str | None = None
    seq: int | None = None
    head: int | None = None
    blob: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}

    def __str__(self) -> str:
        return self.message


@dataclass
class VerifyReport:
    """The outcome of :func:`verify_case`; ``ok`` is True only when nothing is wrong."""

    problems: list[VerifyProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    items: int = 0
    events: int = 0
    entries: int = 0
    heads: int = 0
    blobs: int = 0
    bytes_hashed: int = 0
    seconds: float = 0.0
    hash_seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "problems": [p.to_dict() for p in self.problems],
            "notes": self.notes,
            "items": self.items,
            "ingest_events": self.events,
            "ledger_entries": self.entries,
            "signed_heads": self.heads,
            "blobs": self.blobs,
            "bytes_hashed": self.bytes_hashed,
            "seconds": round(self.seconds, 3),
            "hash_mb_per_s": round(self.bytes_hashed / 1e6 / self.hash_seconds, 1)
            if self.hash_seconds > 0
            else None,
        }


def hash_file(path: Path) -> tuple[str, int] | None:
    """(hex SHA-256, size) of a file read in 1 MiB chunks; None when it cannot be read."""
    digest = hashlib.sha256()
    size = 0
    buf = bytearray(BUFFER)
    view = memoryview(buf)
    try:
        with open(path, "rb", buffering=0) as fh:
            while n := fh.readinto(buf):
                digest.update(view[:n])
                size += n
    except OSError:
        return None
    return digest.hexdigest(), size


def hash_many(
    paths: list[Path], *, workers: int = WORKERS, on_progress: ProgressCallback | None = None
) -> list[tuple[str, int] | None]:
    """Hash files on ``workers`` threads, results in input order."""
    out: list[tuple[str, int] | None] = [None] * len(paths)
    if workers <= 1:
        for i, p in enumerate(paths):
            out[i] = hash_file(p)
            if on_progress:
                on_progress(i + 1, len(paths))
        return out
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for i, result in enumerate(pool.map(hash_file, paths, chunksize=16)):
            out[i] = result
            if on_progress and (i % 64 == 0 or i + 1 == len(paths)):
                on_progress(i + 1, len(paths))
    return out


def verify_case(
    case: Case, *, on_progress: ProgressCallback | None = None, workers: int = WORKERS
) -> VerifyReport:
    """Check blobs, rows, ledger and signed heads of ``case``; see the module docstring."""
    start = time.perf_counter()
    report = VerifyReport()
    problems = report.problems
    try:
        _check_database(case.db, problems)
        _check_ledger(case, report)
        committed_items, committed_events = _committed(case.db, report)
        rows = _check_item_rows(case.db, committed_items, report)
        _check_event_rows(case.db, committed_events, report)
    except sqlite3.DatabaseError as exc:
        problems.append(VerifyProblem("database", f"the case database cannot be read: {exc}"))
        report.seconds = time.perf_counter() - start
        return report
    _check_blobs(case, committed_items, rows, report, on_progress, workers)
    report.seconds = time.perf_counter() - start
    return report


def _check_database(db: sqlite3.Connection, problems: list[VerifyProblem]) -> None:
    result = [r[0] for r in db.execute("PRAGMA quick_check")]
    if result != ["ok"]:
        for line in result[:20]:
            problems.append(VerifyProblem("database", f"SQLite integrity check: {line}"))


def _check_ledger(case: Case, report: VerifyReport) -> None:
    from tribunal.archive import ledger, signing

    report.entries = ledger.tree_size(case.db)
    report.heads = len(ledger.heads(case.db))
    try:
        public_key = signing.load_public_key(case.keys_dir)
    except Exception as exc:
        report.problems.append(VerifyProblem("key", f"the case's public key cannot be read: {exc}"))
        return
    for p in ledger.verify_ledger(case.db, public_key):
        report.problems.append(VerifyProblem(f"ledger-{p.kind}", p.message, seq=p.seq, head=p.head))


def _committed(
    db: sqlite3.Connection, report: VerifyReport
) -> tuple[dict[str, dict[str, Any]], dict[int, dict[str, Any]]]:
    """What the ledger says: item id -> latest committed fields, event id -> fields."""
    items: dict[str, dict[str, Any]] = {}
    events: dict[int, dict[str, Any]] = {}
    for seq, entry in db.execute("SELECT seq, entry FROM ledger ORDER BY seq"):
        try:
            data = json.loads(bytes(entry))
            action = data["action"]
            fields = data["fields"]
            event = int(fields["event"]) if isinstance(fields, dict) and "event" in fields else None
        except (ValueError, KeyError, TypeError, AttributeError):
            report.problems.append(
                VerifyProblem("entry-unreadable", f"ledger entry {seq} is not a readable entry", seq=seq)
            )
            continue
        if not isinstance(fields, dict) or "item" not in fields or "meta" not in fields:
            continue
        item = str(fields["item"])
        first = items[item]["first_seq"] if item in items else seq
        committed = dict(fields, seq=seq, action=action, first_seq=first)
        if item in items and items[item]["sha256"] != fields.get("sha256"):
            report.problems.append(
                VerifyProblem(
                    "entry-conflict",
                    f"ledger entry {seq} gives item {item} a different SHA-256 than entry "
                    f"{items[item]['seq']}",
                    item=item, seq=seq,
                )  # fmt: skip
            )
        items[item] = committed
        if action == "ingest" and event is not None:
            events[event] = committed
    return items, events


def _check_item_rows(
    db: sqlite3.Connection, committed: dict[str, dict[str, Any]], report: VerifyReport
) -> dict[str, dict[str, Any]]:
    cur = db.execute("SELECT * FROM items ORDER BY rowid")
    rows = {str(r["id"]): r for r in (row_dict(cur, t) for t in cur.fetchall())}
    report.items = len(rows)
    for item_id, row in rows.items():
        c = committed.get(item_id)
        if c is None:
            report.problems.append(
                VerifyProblem("item-added", f"item {item_id}: row is not recorded in the ledger (added outside tribunal)", item=item_id)
            )
            continue
        if row_digest(row) != c["meta"]:
            changed = [k for k in ("sha256", "size") if row.get(k) != c.get(k)]
            detail = f" ({', '.join(changed)} differ)" if changed else ""
            report.problems.append(
                VerifyProblem(
                    "item-changed",
                    f"item {item_id}: metadata row differs from the digest committed in ledger entry {c['seq']}{detail}",
                    item=item_id, seq=c["seq"],
                )  # fmt: skip
            )
        if row.get("ledger_index") != c["first_seq"]:
            report.problems.append(
                VerifyProblem(
                    "item-changed",
                    f"item {item_id}: row points at ledger entry {row.get('ledger_index')}, "
                    f"but it was first committed in entry {c['first_seq']}",
                    item=item_id, seq=c["first_seq"],
                )  # fmt: skip
            )
    for item_id, c in committed.items():
        if item_id not in rows:
            report.problems.append(
                VerifyProblem(
                    "item-removed",
                    f"item {item_id}: committed in ledger entry {c['seq']} but its row is missing",
                    item=item_id, seq=c["seq"],
                )  # fmt: skip
            )
    return rows


def _check_event_rows(
    db: sqlite3.Connection, committed: dict[int, dict[str, Any]], report: VerifyReport
) -> None:
    cur = db.execute("SELECT * FROM ingests ORDER BY id")
    rows = {int(r["id"]): r for r in (row_dict(cur, t) for t in cur.fetchall())}
    report.events = len(rows)
    for event_id, row in rows.items():
        c = committed.get(event_id)
        if c is None:
            report.problems.append(
                VerifyProblem("event-added", f"ingest event {event_id} (item {row.get('item_id')}): not recorded in the ledger", item=row.get("item_id"))
            )
        elif (
            row_digest(row) != c.get("event_meta")
            or row.get("item_id") != c.get("item")
            or row.get("ledger_index") != c["seq"]
        ):
            report.problems.append(
                VerifyProblem(
                    "event-changed",
                    f"ingest event {event_id} (item {c.get('item')}): row differs from the digest committed in ledger entry {c['seq']}",
                    item=c.get("item"), seq=c["seq"],
                )  # fmt: skip
            )
    for event_id, c in committed.items():
        if event_id not in rows:
            report.problems.append(
                VerifyProblem(
                    "event-removed",
                    f"ingest event {event_id} (item {c.get('item')}): committed in ledger entry {c['seq']} but its row is missing",
                    item=c.get("item"), seq=c["seq"],
                )  # fmt: skip
            )


def _check_blobs(
    case: Case,
    committed: dict[str, dict[str, Any]],
    rows: dict[str, dict[str, Any]],
    report: VerifyReport,
    on_progress: ProgressCallback | None,
    workers: int,
) -> None:
    # Which blob each committed item needs; the ledger is the authority, rows the fallback.
    needed: dict[str, list[tuple[str, int | None]]] = {}
    for item_id, c in committed.items():
        sha = str(c.get("sha256", ""))
        needed.setdefault(sha, []).append((item_id, c.get("size")))
    for item_id, row in rows.items():
        if item_id not in committed:
            needed.setdefault(str(row["sha256"]), []).append((item_id, row["size"]))
    on_disk = dict(case.blobs.iter_blobs())
    stray = [sha for sha in on_disk if sha not in needed]
    order = [sha for sha in needed if sha in on_disk] + stray
    paths = [on_disk[sha] for sha in order]
    t0 = time.perf_counter()
    results = hash_many(paths, workers=workers, on_progress=on_progress)
    report.hash_seconds = time.perf_counter() - t0
    report.blobs = len(paths)
    report.bytes_hashed = sum(r[1] for r in results if r is not None)
    hashed = dict(zip(order, results, strict=True))
    for sha, users in needed.items():
        ids = ", ".join(u[0] for u in users)
        if sha not in on_disk:
            report.problems.append(
                VerifyProblem("blob-missing", f"item {ids}: blob {sha} is missing", item=users[0][0], blob=sha)
            )
            continue
        got = hashed[sha]
        if got is None:
            report.problems.append(
                VerifyProblem("blob-unreadable", f"item {ids}: blob {sha} cannot be read", item=users[0][0], blob=sha)
            )
        elif got[0] != sha:
            report.problems.append(
                VerifyProblem(
                    "blob-changed",
                    f"item {ids}: blob content changed (SHA-256 now {got[0]}, committed {sha})",
                    item=users[0][0], blob=sha,
                )  # fmt: skip
            )
        else:
            for item_id, size in users:
                if size is not None and size != got[1]:
                    report.problems.append(
                        VerifyProblem("blob-size", f"item {item_id}: committed size {size}, blob holds {got[1]} bytes", item=item_id, blob=sha)
                    )
    for sha in stray:
        got = hashed[sha]
        if got is None or got[0] != sha:
            report.problems.append(
                VerifyProblem("blob-stray", f"blob file {sha}: not referenced by any item and its content does not match its name", blob=sha)
            )
        else:
            report.notes.append(
                f"blob {sha} is not referenced by any item (left by an interrupted ingest; re-running it adopts the blob)"
            )
