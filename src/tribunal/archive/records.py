"""Writing items, ingest events and their ledger leaves in batched transactions.

What each ledger leaf holds (hashes and commitments only; never a name, a URL or a note,
because a leaf can never be removed):

- ``ingest``: ``item`` (id), ``sha256``, ``size``, ``meta`` (digest of the item row),
  ``event`` (ingest event number), ``event_meta`` (digest of the event row), ``new``;
- ``derive``: ``item``, ``parent``, ``relation`` (its kind only: ``attachment``, not
  ``attachment:<file name>``; the full relation is in the row that ``meta`` commits to),
  ``sha256``, ``size``, ``meta``.

Row digests are described in :mod:`tribunal.archive.items`.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
import sqlite3
import time
from typing import Any

from tribunal.archive.blobstore import StoredBlob
from tribunal.archive.case import Case
from tribunal.archive.items import (
    Capture,
    allocate_id,
    derived_id,
    display_name,
    fetch_item_row,
    find_item_id,
    insert_ingest,
    insert_item,
    metadata_json,
    new_nonce,
    original_id,
    row_digest,
    utc_now,
)
from tribunal.errors import InputError

QUEUE_SCHEMA = """
CREATE TABLE IF NOT EXISTS index_queue (item_id TEXT PRIMARY KEY)
"""


class BatchWriter:
    """Collects rows for many files and commits them (with their leaves) in one transaction.

    The transaction opens lazily at the first write and is committed by :meth:`flush`,
    after the blob store's folders are fsynced: a committed row always has its blob.
    """

    def __init__(self, case: Case, *, index: bool = True) -> None:
        self.case = case
        self.db = case.db
        self.index = index
        self.db.execute(QUEUE_SCHEMA)
        self._open = False
        self._files = 0
        self._bytes = 0
        self._since = time.monotonic()
        self._to_index: list[str] = []
        self._unsigned = 0
        self.committed_files = 0
        self.head: Any = None
        self.index_error: str | None = None

    # -- transaction control ------------------------------------------------------------

    def _begin(self) -> None:
        if not self._open:
            self.db.execute("BEGIN IMMEDIATE")
            self._open = True
            self._since = time.monotonic()

    def due(self, files: int, nbytes: int, seconds: float) -> bool:
        return self._open and (
            self._files >= files
            or self._bytes >= nbytes
            or time.monotonic() - self._since >= seconds
        )

    def flush(self) -> None:
        """fsync new blobs' folders, commit the batch, then index its text."""
        if not self._open:
            return
        self.case.blobs.sync()
        if self._unsigned:
            # A head inside the batch's own transaction: every committed state of the case,
            # even one a kill -9 interrupts right after, has all its leaves signed.
            from tribunal.archive import ledger

            self.head = ledger.sign_head(self.case)
            self._unsigned = 0
        self.db.execute("COMMIT")
        self._open = False
        self.committed_files += self._files
        self._files = self._bytes = 0
        if self.index and self._to_index:
            self.drain_index_queue()
        self._to_index = []

    def close(self) -> None:
        """Roll back an uncommitted batch (SQLite may already have rolled it back)."""
        if self._open:
            self._open = False
            if self.db.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    self.db.execute("ROLLBACK")

    # -- reads ---------------------------------------------------------------------------

    def existing_original(self, sha256: str) -> str | None:
        return find_item_id(self.db, sha256)

    def kind_of(self, item_id: str) -> str:
        row = self.db.execute("SELECT kind FROM items WHERE id = ?", (item_id,)).fetchone()
        return row[0] if row else "other"

    # -- writes --------------------------------------------------------------------------

    def _append(self, action: str, fields: dict[str, Any]) -> int:
        from tribunal.archive import ledger

        seq = ledger.append(self.db, action, fields)
        self._unsigned += 1
        return seq

    def add_original(
        self,
        blob: StoredBlob,
        *,
        kind: str,
        mime: str,
        filename: str,
        capture: Capture,
        language: str | None,
        metadata: dict[str, Any],
    ) -> str:
        """Insert a new original's row; its ledger leaf is written with its first ingest."""
        self._begin()
        item_id = allocate_id(self.db, lambda n: original_id(blob.sha256, n))
        insert_item(self.db, _item_row(item_id, blob, kind, mime, filename, None, None,
                                       capture, language, metadata))  # fmt: skip
        self._files += 1
        self._bytes += blob.size
        return item_id

    def record_ingest(
        self, item_id: str, *, new: bool, path: str, filename: str, capture: Capture
    ) -> int:
        """Record one ingest event and append its ledger leaf; returns the event number."""
        self._begin()
        event = {
            "item_id": item_id, "new_item": 1 if new else 0, "path": path,
            "filename": filename, "source_url": capture.source_url,
            "captured_at": capture.captured_at, "collector": capture.collector,
            "method": capture.method, "language": capture.language, "notes": capture.notes,
            "sensitivity": capture.sensitivity, "ingested_at": utc_now(), "nonce": new_nonce(),
        }  # fmt: skip
        event_id, event_meta = insert_ingest(self.db, event)
        row = fetch_item_row(self.db, item_id)
        if row is None:
            raise InputError(f"no item {item_id!r} to record an ingest of")
        seq = self._append(
            "ingest",
            {
                "item": item_id, "sha256": row["sha256"], "size": row["size"], "meta": row_digest(row),
                "event": event_id, "event_meta": event_meta, "new": bool(new),
            },
        )  # fmt: skip
        self.db.execute("UPDATE ingests SET ledger_index = ? WHERE id = ?", (seq, event_id))
        if new:
            self.db.execute("UPDATE items SET ledger_index = ? WHERE id = ?", (seq, item_id))
        if not new:
            self._files += 1
        return event_id

    def add_derived(
        self,
        parent_id: str,
        data: bytes,
        *,
        relation: str,
        kind: str,
        mime: str,
        filename: str | None,
        language: str | None,
        metadata: dict[str, Any],
        capture: Capture | None = None,
    ) -> str:
        """Store ``data`` as a derived item of ``parent_id`` (idempotent) and return its id."""
        relation_kind(relation)  # refuse a relation a leaf could not hold before storing
        blob = self.case.blobs.put_bytes(data)
        self._begin()
        existing = find_item_id(self.db, blob.sha256, parent_id, relation)
        if existing:
            return existing
        parent = fetch_item_row(self.db, parent_id)
        if parent is None:
            raise InputError(f"no item {parent_id!r} to derive from")
        cap = capture or Capture(sensitivity=parent["sensitivity"])
        item_id = allocate_id(self.db, lambda n: derived_id(parent_id, relation, blob.sha256, n))
        row = _item_row(item_id, blob, kind, mime, filename, parent_id, relation, cap, language, metadata)
        meta = insert_item(self.db, row)
        seq = self._append(
            "derive",
            {
                "item": item_id, "parent": parent_id, "relation": relation_kind(relation),
                "sha256": blob.sha256, "size": blob.size, "meta": meta,
            },
        )  # fmt: skip
        self.db.execute("UPDATE items SET ledger_index = ? WHERE id = ?", (seq, item_id))
        self._bytes += blob.size
        if kind == "text":
            self.db.execute("INSERT OR IGNORE INTO index_queue(item_id) VALUES (?)", (item_id,))
            self._to_index.append(item_id)
        return item_id

    def add_derivations(
        self,
        parent_id: str,
        extraction: Any,
        filename: str,
        capture: Capture,
        language: str | None,
        extract_attachment: Any = None,
    ) -> list[str]:
        """Store an extraction's text, tables and attachments as items derived from the parent.

        ``extract_attachment(data, filename)`` (optional) extracts an attachment's own text
        and tables, stored as items derived from the attachment (one level deep: an
        attachment's attachments are stored, not opened).
        """
        out: list[str] = []
        text = getattr(extraction, "text", None)
        if text:
            out.append(
                self.add_derived(
                    parent_id, text.encode("utf-8", "replace"),
                    relation="text", kind="text", mime="text/plain; charset=utf-8",
                    filename=f"{filename}.txt",
                    language=getattr(extraction, "language", None) or language,
                    metadata={"chars": len(text), "extractor": "tribunal.archive.extract"},
                )  # fmt: skip
            )
        for table in getattr(extraction, "tables", None) or []:
            out.append(
                self.add_derived(
                    parent_id, table_csv(table), relation=f"table:{table.name}",
                    kind="table", mime="text/csv; charset=utf-8",
                    filename=f"{filename}.{table.name}.csv", language=language,
                    metadata={"name": table.name, "columns": len(table.header), "rows": len(table.rows)},
                )  # fmt: skip
            )
        for att in getattr(extraction, "attachments", None) or []:
            name = display_name(att.filename)
            att_id = self.add_derived(
                parent_id, att.content, relation=f"attachment:{name}",
                kind="attachment", mime=att.mime, filename=name, language=None, metadata={},
            )  # fmt: skip
            out.append(att_id)
            if extract_attachment is not None and att.content:
                inner = extract_attachment(att.content, name)
                if inner is not None:
                    out.extend(self.add_derivations(att_id, inner, name, capture, language))
        return out

    # -- search index ---------------------------------------------------------------------

    def drain_index_queue(self) -> int:
        """Index every queued text item, then clear the queue; returns how many were indexed.

        Runs outside the case transaction: if it is interrupted, the queue still names
        the items and the next ingest indexes them.
        """
        from tribunal.archive import indexing

        if not self.index:
            return 0
        queued = [r[0] for r in self.db.execute("SELECT item_id FROM index_queue ORDER BY rowid")]
        if not queued:
            return 0
        try:
            done = indexing.index_items(self.case, queued)
        except Exception as exc:  # the evidence is committed; only the derived index failed
            self.index = False
            self.index_error = f"search index not updated ({exc}); run `tribunal reindex`"
            return 0
        if done:
            with self.case.transaction():
                self.db.executemany(
                    "DELETE FROM index_queue WHERE item_id = ?", [(i,) for i in done]
                )
        return len(done)


def _item_row(
    item_id: str,
    blob: StoredBlob,
    kind: str,
    mime: str,
    filename: str | None,
    parent_id: str | None,
    relation: str | None,
    capture: Capture,
    language: str | None,
    metadata: dict[str, Any],
) -> dict[str, Any]:
    """A complete ``items`` row (every column of :data:`ITEM_COLUMNS`), fresh nonce."""
    return {
        "id": item_id, "sha256": blob.sha256, "size": blob.size, "mime": mime,
        "kind": kind, "filename": filename, "parent_id": parent_id, "relation": relation,
        "source_url": capture.source_url, "captured_at": capture.captured_at,
        "collector": capture.collector, "method": capture.method, "language": language,
        "notes": capture.notes, "sensitivity": capture.sensitivity,
        "metadata": metadata_json(metadata), "created_at": utc_now(), "nonce": new_nonce(),
    }  # fmt: skip


def relation_kind(relation: str) -> str:
    """The part of a relation a ledger leaf may hold: ``table:witness list`` -> ``table``.

    A relation's name part comes from file, sheet or attachment names, which may name a
    protected person, and a leaf can never be removed.
    """
    kind = relation.split(":", 1)[0]
    if not _RELATION_KIND.fullmatch(kind):
        raise InputError(
            f"relation {relation!r} must start with a kind word (e.g. translation:en, redacted)",
            hint="lowercase letters, digits, '-' or '_' before any ':'; names go after the ':'",
        )
    return kind


_RELATION_KIND = re.compile(r"[a-z][a-z0-9_-]{0,31}")


def table_csv(table: Any) -> bytes:
    """An extracted table as UTF-8 CSV (RFC 4180), header first."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    if table.header:
        writer.writerow(table.header)
    writer.writerows(table.rows)
    return buf.getvalue().encode("utf-8", "replace")


def derive_item(
    case: Case,
    parent_id: str,
    data: bytes,
    *,
    relation: str,
    kind: str,
    mime: str,
    filename: str | None = None,
    language: str | None = None,
    metadata: dict[str, Any] | None = None,
    capture: Capture | None = None,
) -> str:
    """Add one derived item (a translation, transcript, redacted copy...) and sign a head.

    ``relation`` names the derivation (``translation:en``, ``redacted``); the new item
    inherits the parent's sensitivity unless ``capture`` says otherwise. Idempotent: the
    same content derived the same way from the same parent returns the existing id.
    """
    with case.write_lock():
        writer = BatchWriter(case)
        try:
            item_id = writer.add_derived(
                parent_id.strip().upper(), data, relation=relation, kind=kind, mime=mime,
                filename=filename, language=language, metadata=metadata or {}, capture=capture,
            )  # fmt: skip
            writer.flush()
        finally:
            writer.close()
    return item_id
