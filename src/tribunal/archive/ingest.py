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

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tribunal.archive import records
from tribunal.archive.case import Case
from tribunal.archive.items import Capture, display_name
from tribunal.archive.walk import walk
from tribunal.progress import ProgressCallback

# Files larger than this are stored and hashed (streaming) but not handed to an extractor,
# which would need them in memory.
MAX_EXTRACT_BYTES = 256 << 20
BATCH_FILES = 200
BATCH_BYTES = 64 << 20
BATCH_SECONDS = 2.0

Extractor = Callable[[Path], Any]


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

    @property
    def new_items(self) -> int:
        return sum(1 for f in self.files if f.new)

    @property
    def warnings(self) -> list[tuple[str, str]]:
        return [(f.path, w) for f in self.files for w in f.warnings]

    def to_dict(self) -> dict[str, Any]:
        return {
            "ingested": len(self.files),
            "new_items": self.new_items,
            "already_held": len(self.files) - self.new_items,
            "failed": len(self.failures),
            "bytes": self.bytes,
            "seconds": round(self.seconds, 3),
            "files": self.files,
            "failures": self.failures,
            "head": self.head,
        }


def default_extractor() -> Extractor | None:
    """The text engineer's extractor, or None when it is not installed."""
    try:
        from tribunal.archive.extract import extract
    except ImportError:
        return None
    return extract


def ingest_paths(
    case: Case,
    paths: list[str | os.PathLike[str]],
    capture: Capture | None = None,
    *,
    on_progress: ProgressCallback | None = None,
    extractor: Extractor | None | str = "default",
    index: bool = True,
    batch_files: int = BATCH_FILES,
) -> IngestReport:
    """Ingest files and folders (recursively) into ``case`` with the same capture metadata.

    Failures (unreadable files, link loops, devices) are listed in the report with their
    reason and the batch goes on; extraction problems (encrypted or corrupt documents) do
    not stop the original from being stored and appear as the file's warnings.
    """
    capture = capture or Capture()
    extract_fn = default_extractor() if extractor == "default" else extractor
    report = IngestReport()
    start = time.perf_counter()
    found = list(walk([os.fspath(p) for p in paths]))
    total = len(found)
    with case.write_lock():
        case.blobs.clean_tmp()
        writer = records.BatchWriter(case, index=index)
        writer.drain_index_queue()
        for done, entry in enumerate(found, 1):
            if entry.problem:
                report.failures.append(IngestFailure(display_name(entry.path), entry.problem))
            else:
                outcome = _ingest_one(case, writer, Path(entry.path), capture, extract_fn)
                if isinstance(outcome, IngestFailure):
                    report.failures.append(outcome)
                else:
                    report.files.append(outcome)
                    report.bytes += outcome.size
            if writer.due(batch_files, BATCH_BYTES, BATCH_SECONDS):
                writer.flush()
            if on_progress:
                on_progress(done, total)
        writer.flush()
        writer.close()
        case.blobs.clean_tmp()
        report.head = writer.head
    report.seconds = time.perf_counter() - start
    return report


def _ingest_one(
    case: Case,
    writer: records.BatchWriter,
    path: Path,
    capture: Capture,
    extract_fn: Extractor | None,
) -> IngestedFile | IngestFailure:
    shown = display_name(os.fspath(path))
    try:
        blob = case.blobs.put_file(path)
    except OSError as exc:
        return IngestFailure(shown, f"cannot read: {exc.strerror or exc}")
    filename = display_name(path.name)
    existing = writer.existing_original(blob.sha256)
    if existing is not None:
        writer.record_ingest(existing, new=False, path=shown, filename=filename, capture=capture)
        kind = writer.kind_of(existing)
        return IngestedFile(shown, existing, False, kind, blob.size, blob.sha256)

    warnings: list[str] = []
    extraction = None
    if blob.size == 0:
        warnings.append("empty file (0 bytes): stored, nothing to extract")
    elif extract_fn is None:
        warnings.append("no extractor installed: stored without text")
    elif blob.size > MAX_EXTRACT_BYTES:
        warnings.append(f"larger than {MAX_EXTRACT_BYTES >> 20} MiB: stored without text extraction")
    else:
        extraction, problem = _extract(extract_fn, case.blobs.path(blob.sha256), path)
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
    writer.record_ingest(item_id, new=True, path=shown, filename=filename, capture=capture)
    derived = writer.add_derivations(item_id, extraction, filename, capture, language) if extraction else []
    return IngestedFile(shown, item_id, True, kind, blob.size, blob.sha256, derived, warnings)


def _extract(extract_fn: Extractor, stored: Path, original: Path) -> tuple[Any, str | None]:
    """Run the extractor on the stored copy (what we hashed), never on the live file.

    The original name's type (from its extension) is passed as a hint, since the blob's
    own name has none; tables named after the blob get the original's stem back.
    """
    import mimetypes

    from tribunal.archive.extract import ExtractionError

    declared = mimetypes.guess_type(display_name(original.name), strict=False)[0]
    try:
        if _takes_hint(extract_fn):
            result = extract_fn(stored, declared_mime=declared)
        else:
            result = extract_fn(stored)
    except ExtractionError as exc:
        return None, f"no text extracted: {exc.reason}"
    except MemoryError:
        return None, "no text extracted: out of memory"
    except Exception as exc:  # an extractor bug must not stop the batch or lose the original
        return None, f"no text extracted: extractor failed ({type(exc).__name__}: {exc})"
    stem = display_name(original.stem) or "table"
    for table in getattr(result, "tables", None) or []:
        if table.name == stored.stem:
            table.name = stem
    return result, None


def _takes_hint(fn: Extractor) -> bool:
    import inspect

    try:
        return "declared_mime" in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


def metadata_json(metadata: dict[str, Any]) -> str:
    """Technical metadata as canonical JSON (sorted keys) so the committed digest is stable."""
    from tribunal.jsonutil import to_jsonable

    return json.dumps(to_jsonable(metadata), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
