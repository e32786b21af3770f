"""Full-text search over a case: Chinese and English, BM25, snippets of the original.

``SearchIndex(path)`` opens the index file (``<case>/search.sqlite``); the archive adds
each extracted text with :meth:`SearchIndex.add` and the command line queries it with
:meth:`SearchIndex.search`. See docs/search.md.
"""

from __future__ import annotations

from tribunal.archive.search.index import SENSITIVITIES, Hit, SearchIndex
from tribunal.archive.search.query import parse_query

__all__ = ["SENSITIVITIES", "Hit", "SearchIndex", "parse_query"]
