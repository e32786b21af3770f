"""Ingest: store originals, extract text and tables, record custody, index for search.

For each file the order is what makes a crash harmless (``kill -9`` at any instant):

1. the original is streamed into the blob store (temp file, fsync, atomic rename);
2. text and tables are extracted and stored as blobs the same way;
3. the folders holding new blobs are fsynced; then, in ONE SQLite transaction per batch,
   the item rows, the derived item rows, the ingest events and their ledger leaves are
   written;
4. after the commit the new text is added to the search index (derived state, rebuildable:
   a queue table inside the same transaction remembers what still needs indexing);
5. every batch's transaction ends by signing a new tree head (custody module), so no
   committed state of the case has leaves outside a signed head.

A crash before step 3 commits leaves only unreferenced blobs (harmless: the re-run finds
them and stores nothing twice) or orphan ``*.part`` files (removed at the next ingest).
Re-running the same ingest records a new ingest event per file but creates no duplicate
item, because an original's id is a function of its content.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import time
from collections import deque
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tribunal.archive import records
from tribunal.archive.case import Case
from tribunal.archive.extract_pool import (
    Extractor,
    default_extractor,
    extraction_pool,
    main_is_importable,
    run_extractor,
)
from tribunal.archive.items import PROTECTED, Capture, display_name
from tribunal.archive.walk import walk
from tribunal.errors import CaseError
from tribunal.progress import ProgressCallback

# Files larger than this are stored and hashed (streaming) but not handed to an extractor,
# which would need them in memory.
MAX_EXTRACT_BYTES = 256 << 20
BATCH_FILES = 200
BATCH_BYTES = 64 << 20
BATCH_SECONDS = 2.0
# Below this many files, starting extraction processes costs more than it saves.
PARALLEL_MIN_FILES = 64
# Errors writing into the case, not reading the source file.
_STORE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG}


@dataclass
class IngestedFile:
    """One file that is now in the case."""

    path: str
    item_id: str
    new: bool
    kind: str
    size: int
    sha256: str
    derived: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class IngestFailure:
    """A path that could not be stored, and why."""

    path: str
    reason: str


@dataclass
class IngestReport:
    """The summary of one ingest command."""

    files: list[IngestedFile] = field(default_factory=list)
    failures: list[IngestFailure] = field(default_factory=list)
    bytes: int = 0
    seconds: float = 0.0
    head: Any = None
    index_error: str | None = None
    protected: bool = False  # ingested as ``protected``: paths are hidden unless revealed

    @property
    def new_items(self) -> int:
        return sum(1 for f in self.files if f.new)

    @property
    def warnings(self) -> list[tuple[str, str]]:
        return [(f.path, w) for f in self.files for w in f.warnings]

    def to_dict(self, *, reveal: bool = False) -> dict[str, Any]:
        """The summary as plain data; a protected ingest's paths read ``[protected]``
        unless ``reveal`` (file names of protected people must not reach logs)."""
        hide = self.protected and not reveal
        files = [dict(asdict(f), path=PROTECTED if hide else f.path) for f in self.files]
        failures = [dict(asdict(f), path=PROTECTED if hide else f.path) for f in self.failures]
        return {
            "ingested": len(self.files),
            "new_items": self.new_items,
            "already_held": len(self.files) - self.new_items,
            "failed": len(self.failures),
            "bytes": self.bytes,
            "seconds": round(self.seconds, 3),
            "names_hidden": hide,
            "files": files,
            "failures": failures,
            "head": self.head,
            "index_error": self.index_error,
        }


def ingest_paths(
    case: Case,
    paths: list[str | os.PathLike[str]] | str | os.PathLike[str],
    capture: Capture | None = None,
    *,
    on_progress: ProgressCallback | None = None,
    extractor: Extractor | None | str = "default",
    index: bool = True,
    batch_files: int = BATCH_FILES,
    workers: int | None = None,
) -> IngestReport:
    """Ingest files and folders (recursively) into ``case`` with the same capture metadata.

    ``paths`` is a list of paths, or one path.

    Failures (unreadable files, link loops, devices) are listed in the report with their
    reason and the batch goes on; extraction problems (encrypted or corrupt documents) do
    not stop the original from being stored and appear as the file's warnings.

    With the default extractor and more than :data:`PARALLEL_MIN_FILES` files, text is
    extracted by ``workers`` processes (default: the CPU count, at most 4) while this
    process stores blobs and writes rows in the original order.
    """
    if isinstance(paths, (str, bytes, os.PathLike)):  # one path, not its characters
        paths = [paths]
    capture = capture or Capture()
    extract_fn = default_extractor() if extractor == "default" else extractor
    report = IngestReport(protected=capture.sensitivity == "protected")
    start = time.perf_counter()
    found = list(walk([os.fspath(p) for p in paths], exclude=os.fspath(case.root)))
    total = len(found)
    n_workers = workers if workers is not None else min(os.cpu_count() or 1, 4)
    use_pool = (
        extractor == "default" and extract_fn is not None and n_workers > 1
        and sum(1 for f in found if not f.problem) >= PARALLEL_MIN_FILES
        and main_is_importable()
    )  # fmt: skip
    with case.write_lock(), extraction_pool(n_workers if use_pool else 0) as pool:
        case.blobs.clean_tmp()
        writer = records.BatchWriter(case, index=index)
        writer.drain_index_queue()
        window: deque[_Pending | IngestFailure] = deque()
        done = 0

        def finish_one() -> None:
            nonlocal done
            staged = window.popleft()
            outcome = staged if isinstance(staged, IngestFailure) else _commit_one(writer, staged, capture)
            if isinstance(outcome, IngestFailure):
                report.failures.append(outcome)
            else:
                report.files.append(outcome)
                report.bytes += outcome.size
            done += 1
            if writer.due(batch_files, BATCH_BYTES, BATCH_SECONDS):
                writer.flush()
            if on_progress:
                on_progress(done, total)

        try:
            for entry in found:
                if entry.problem:
                    window.append(IngestFailure(display_name(entry.path), entry.problem))
                else:
                    window.append(_stage_one(case, writer, Path(entry.path), extract_fn, pool))
                while len(window) > (4 * n_workers if pool else 0):
                    finish_one()
            while window:
                finish_one()
            writer.flush()
        except (sqlite3.Error, OSError) as exc:
            # The case itself cannot take more (disk full, I/O error): stop, keep what
            # earlier batches committed, roll back the open one.
            writer.close()
            raise _stopped(exc, writer.committed_files) from exc
        writer.close()
        case.blobs.clean_tmp()
        report.head = writer.head
        report.index_error = writer.index_error
    report.seconds = time.perf_counter() - start
    return report


def _stopped(exc: BaseException, committed: int) -> CaseError:
    """The error for an ingest the case's storage stopped half-way."""
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return CaseError(
        f"ingest stopped: the case cannot be written ({reason}); the {committed} file(s) this "
        "ingest committed before are kept and signed, the last batch was not recorded",
        hint="free space on the disk holding the case (or fix the error), then run the same "
        "ingest again: it completes the batch without duplicates; tribunal verify checks the case",
    )


@dataclass
class _Pending:
    """A stored file waiting for its rows: extraction done, running, or not needed."""

    path: Path
    shown: str
    filename: str
    blob: Any
    extraction: Any = None  # a result tuple, or a Future of one
    warnings: list[str] = field(default_factory=list)


def _stage_one(
    case: Case, writer: records.BatchWriter, path: Path, extract_fn: Extractor | None, pool: Any
) -> _Pending | IngestFailure:
    """Store the blob and start its extraction (in the pool when there is one)."""
    shown = display_name(os.fspath(path))
    try:
        blob = case.blobs.put_file(path)
    except OSError as exc:
        if exc.errno in _STORE_ERRNOS:  # the case's disk, not this file
            return IngestFailure(
                shown, f"cannot store in the case: {exc.strerror} (free space there and ingest it again)"
            )
        return IngestFailure(shown, f"cannot read: {exc.strerror or exc}")
    staged = _Pending(path, shown, display_name(path.name), blob)
    if writer.existing_original(blob.sha256) is not None:
        return staged  # already held: only the ingest event is recorded
    if blob.size == 0:
        staged.warnings.append("empty file (0 bytes): stored, nothing to extract")
    elif extract_fn is None:
        staged.warnings.append("no extractor installed: stored without text")
    elif blob.size > MAX_EXTRACT_BYTES:
        staged.warnings.append(f"larger than {MAX_EXTRACT_BYTES >> 20} MiB: stored without text extraction")
    elif pool is not None and pool.usable:
        staged.extraction = pool.submit(case.blobs.path(blob.sha256), path)
    else:
        staged.extraction = run_extractor(extract_fn, case.blobs.path(blob.sha256), path)
    return staged


def _commit_one(writer: records.BatchWriter, staged: _Pending, capture: Capture) -> IngestedFile:
    """Write the rows and ledger entries of one staged file, in input order."""
    blob, shown, filename = staged.blob, staged.shown, staged.filename
    # The event records where the file was read from, as an absolute path.
    source = display_name(os.path.abspath(staged.path))
    # Checked again here: an identical file earlier in the window may have just been written.
    existing = writer.existing_original(blob.sha256)
    if existing is not None:
        writer.record_ingest(existing, new=False, path=source, filename=filename, capture=capture)
        return IngestedFile(shown, existing, False, writer.kind_of(existing), blob.size, blob.sha256)
    result = staged.extraction
    if result is not None and not isinstance(result, tuple):
        result = result.result()
    extraction, problem = result if result is not None else (None, None)
    warnings = list(staged.warnings)
    if problem:
        warnings.append(problem)
    if extraction is not None:
        warnings.extend(str(w) for w in getattr(extraction, "warnings", []) or [])
    kind = getattr(extraction, "kind", None) or ("empty" if blob.size == 0 else "other")
    mime = getattr(extraction, "mime", None) or (
        "application/x-empty" if blob.size == 0 else "application/octet-stream"
    )
    metadata = dict(getattr(extraction, "metadata", None) or {})
    if warnings:
        metadata["warnings"] = warnings
    language = capture.language or getattr(extraction, "language", None)
    item_id = writer.add_original(
        blob, kind=kind, mime=mime, filename=filename, capture=capture,
        language=language, metadata=metadata,
    )  # fmt: skip
    writer.record_ingest(item_id, new=True, path=source, filename=filename, capture=capture)
    derived = (
        writer.add_derivations(
            item_id, extraction, filename, capture, language,
            extract_attachment=lambda data, name: _extract_attachment(
                writer.case, data, name, warnings, hide_name=capture.sensitivity == "protected"
            ),
        )  # fmt: skip
        if extraction
        else []
    )
    return IngestedFile(shown, item_id, True, kind, blob.size, blob.sha256, derived, warnings)


def _extract_attachment(
    case: Case, data: bytes, name: str, warnings: list[str], *, hide_name: bool = False
) -> Any:
    """Text and tables of an e-mail attachment, read from its stored blob.

    A protected attachment's name stays out of the warning (warnings reach summaries)."""
    extract_fn = default_extractor()
    if extract_fn is None or len(data) > MAX_EXTRACT_BYTES:
        return None
    import hashlib

    stored = case.blobs.path(hashlib.sha256(data).hexdigest())
    result, problem = run_extractor(extract_fn, stored, Path(name))
    if problem:
        warnings.append(f"attachment {PROTECTED if hide_name else name}: {problem}")
    return result
