"""Text extraction for ingest: the extractor's call, and a pool of worker processes.

Extraction (encoding and language detection, PDF parsing) is most of an ingest's CPU, so
large batches run it in spawned worker processes while the ingesting process stores blobs
and writes rows in the original order. An extractor failure never costs the original: it
becomes the file's warning.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tribunal.archive.items import display_name

Extractor = Callable[[Path], Any]


def default_extractor() -> Extractor | None:
    """The text engineer's extractor, or None when it is not installed."""
    try:
        from tribunal.archive.extract import extract
    except ImportError:
        return None
    return extract


def main_is_importable() -> bool:
    """Spawned workers re-import ``__main__`` from its file; code read from stdin has none."""
    import sys

    main_file = getattr(sys.modules.get("__main__"), "__file__", None)
    return main_file is None or os.path.exists(main_file)


class ExtractionPool:
    """Extraction in spawned worker processes, falling back to this process if they fail.

    Spawned (not forked) workers share nothing with the parent: not its SQLite handle, not
    the locks of its progress-bar thread. If the pool cannot start (e.g. ``__main__`` is
    not importable, as for code piped to ``python -``), extraction continues inline. A
    worker that dies after the pool has worked (a hostile file exhausting memory) costs
    only that file's text, not the ingest.
    """

    def __init__(self, workers: int) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self.executor = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_worker_init,
            initargs=(os.getpid(),),
        )
        self.usable = True
        self.worked = False

    def submit(self, stored: Path, original: Path) -> _Job:
        try:
            return _Job(self, stored, original, self.executor.submit(extract_default, stored, original))
        except Exception:  # BrokenProcessPool, or the pool could not start
            self.usable = False
            return _Job(self, stored, original, None)


@dataclass
class _Job:
    pool: ExtractionPool
    stored: Path
    original: Path
    future: Any

    def result(self) -> tuple[Any, str | None]:
        if self.future is not None:
            try:
                out = self.future.result()
                self.pool.worked = True
                return out
            except Exception as exc:
                self.pool.usable = False
                if self.pool.worked:
                    reason = f"{type(exc).__name__}: the extraction process died"
                    return None, f"no text extracted: {reason}"
        return extract_default(self.stored, self.original)


@contextmanager
def extraction_pool(workers: int) -> Iterator[ExtractionPool | None]:
    if workers <= 1:
        yield None
        return
    pool = ExtractionPool(workers)
    try:
        yield pool
    finally:
        pool.executor.shutdown(cancel_futures=True)


def _worker_init(parent_pid: int) -> None:
    """Make an extraction worker die with its parent, even when the parent is killed -9.

    Linux only (``prctl(PR_SET_PDEATHSIG, SIGKILL)``); elsewhere a worker notices on its
    next read from the parent's queue.
    """
    import signal
    import sys

    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent_pid:  # the parent died before the signal was armed
        os._exit(1)


def extract_default(stored: Path, original: Path) -> tuple[Any, str | None]:
    """Pool job: the default extractor on one stored blob (importable by spawned workers)."""
    from tribunal.archive.extract import extract

    return run_extractor(extract, stored, original)


def run_extractor(extract_fn: Extractor, stored: Path, original: Path) -> tuple[Any, str | None]:
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
