"""Hand extracted text to the search index (``search.sqlite``, derived and rebuildable).

A text item is indexed under its own id; the index entry carries the original's file name
as title, and the original's kind, capture date and sensitivity as filter fields, so a hit
can be cited (text item) and traced to its evidence (``parent_id``).
"""

from __future__ import annotations

from typing import Any

from tribunal.archive.case import Case
from tribunal.archive.items import fetch_item_row


def _search_index_class() -> Any:
    try:
        from tribunal.archive.search import SearchIndex
    except ImportError:
        return None
    return SearchIndex


def index_items(case: Case, item_ids: list[str]) -> list[str]:
    """Add the text items ``item_ids`` to the case's search index; return those indexed.

    Returns an empty list when the search package is not installed, so the items stay
    queued for a later ingest or ``tribunal reindex``.
    """
    index_cls = _search_index_class()
    if index_cls is None or not item_ids:
        return []
    done: list[str] = []
    index = index_cls(case.search_path)
    try:
        for item_id in item_ids:
            row = fetch_item_row(case.db, item_id)
            if row is None:
                done.append(item_id)  # nothing to index any more; drop it from the queue
                continue
            parent = fetch_item_row(case.db, row["parent_id"]) if row["parent_id"] else row
            with case.blobs.open(row["sha256"]) as fh:
                text = fh.read().decode("utf-8", "replace")
            # Only a real capture time feeds the date filter; an ingest time would mislead.
            captured = (parent or row).get("captured_at")
            index.add(
                item_id,
                text,
                title=(parent or row).get("filename") or item_id,
                kind=(parent or row).get("kind") or "text",
                language=row.get("language"),
                date=captured[:10] if captured else None,
                sensitivity=row.get("sensitivity") or "public",
            )
            done.append(item_id)
        index.commit()
    finally:
        index.close()
    return done
