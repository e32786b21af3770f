"""Per-value results kept across the chunks of a list, as Arrow columns.

Person lists repeat their values: a million records of one generated list hold about
120,000 distinct names, and every chunk of 100,000 rows about half of them. A
:class:`DistinctTable` computes a pure function of a value once per process (not once per
chunk) and keeps its results as Arrow arrays, so a chunk's column is one ``take`` by row
codes: neither the Python work nor the conversion to Arrow is repeated for a value already
seen (dictionary encoding, as in Abadi et al., "Integrating compression and execution in
column-oriented database systems", SIGMOD 2006).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np


class DistinctTable:
    """Results of ``func`` (a tuple, one item per column of ``types``) for every value
    seen, at most about ``limit`` values: beyond it the table starts again empty, so a list
    of ten million distinct names never holds them all. Results depend on the value only,
    so starting again changes no output."""

    def __init__(self, func: Callable[[str], Sequence[Any]], types: Sequence[Any],
                 limit: int) -> None:
        self._func = func
        self._types = list(types)
        self._limit = limit
        self._reset()

    def _reset(self) -> None:
        import pyarrow as pa

        self._index: dict[str, int] = {}
        self._columns: list[Any] = [pa.array([], type=t) for t in self._types]

    def lookup(self, values: list[str]) -> tuple[np.ndarray, list[Any]]:
        """Ids of ``values`` into the table's columns, and the columns (pyarrow Arrays),
        after adding the values not seen before. ``values`` are expected distinct (a
        repeated new value is computed twice, harmlessly)."""
        import pyarrow as pa

        get = self._index.get
        ids = np.fromiter((get(v, -1) for v in values), dtype=np.int64, count=len(values))
        missing = np.flatnonzero(ids < 0)
        if not len(missing):
            return ids, self._columns
        if len(self._columns[0]) + len(missing) > self._limit:
            self._reset()
            missing = np.arange(len(values))
        new = [values[i] for i in missing]
        start = len(self._columns[0])  # rows, not values: a repeated new value adds two
        rows = [self._func(v) for v in new]
        for k, typ in enumerate(self._types):
            added = pa.array([row[k] for row in rows], type=typ)
            self._columns[k] = pa.concat_arrays([self._columns[k], added])
        self._index.update(zip(new, range(start, start + len(new)), strict=True))
        ids[missing] = [self._index[v] for v in new]
        return ids, self._columns
