"""Rebuild a case's search index from its extracted-text items (``tribunal reindex``).

The index is derived: the old file is deleted and every item of kind ``text`` is indexed
again through the archive's own indexing code (:func:`tribunal.archive.indexing.index_items`),
so a rebuilt index is the same as one built by ingest.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tribunal.progress import ProgressCallback

BATCH = 500


def rebuild_index(
    case_path: Path | str, *, on_progress: ProgressCallback | None = None
) -> dict[str, Any]:
    """Delete and rebuild ``<case>/search.sqlite``; return {"indexed": n, "path": ...}."""
    from tribunal.archive.case import open_case
    from tribunal.archive.indexing import index_items

    with open_case(case_path) as case:
        path = Path(case.search_path)
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        ids = [r[0] for r in case.db.execute("SELECT id FROM items WHERE kind = 'text' ORDER BY rowid")]
        done = 0
        if on_progress:
            on_progress(0, len(ids))
        for start in range(0, len(ids), BATCH):
            done += len(index_items(case, ids[start : start + BATCH]))
            if on_progress:
                on_progress(min(start + BATCH, len(ids)), len(ids))
        if not ids:
            # An empty case still gets an (empty) index, so `search` can run.
            from tribunal.archive.search.index import SearchIndex

            SearchIndex(path).close()
        else:
            _optimize(path)
    return {"indexed": done, "path": str(path)}


def _optimize(path: Path) -> None:
    from tribunal.archive.search.index import SearchIndex

    with SearchIndex(path) as index:
        index.optimize()
