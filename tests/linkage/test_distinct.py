"""The per-value table kept across chunks gives what the function gives, whatever was
looked up before, including repeated values and a table that starts again at its limit."""

from __future__ import annotations

import pyarrow as pa

from tribunal.linkage.distinct import DistinctTable


def _row(v: str) -> tuple[str | None, list[str] | None, int]:
    return (v.upper() or None, list(v) or None, len(v))


def _check(table: DistinctTable, values: list[str]) -> None:
    ids, cols = table.lookup(values)
    got = [tuple(col.take(pa.array(ids)).to_pylist()[i] for col in cols)
           for i in range(len(values))]
    assert got == [_row(v) for v in values]


def test_lookups_across_chunks_match_the_function():
    calls: list[str] = []

    def counted(v: str) -> tuple[str | None, list[str] | None, int]:
        calls.append(v)
        return _row(v)

    types = [pa.string(), pa.list_(pa.string()), pa.int64()]
    table = DistinctTable(counted, types, limit=1000)
    _check(table, ["ab", "", "c"])
    _check(table, ["c", "d", "d", "ab"])  # a repeated new value is harmless
    _check(table, ["d", "e", "", "ab"])
    assert calls.count("ab") == 1 and calls.count("c") == 1


def test_the_table_starts_again_beyond_its_limit():
    types = [pa.string(), pa.list_(pa.string()), pa.int64()]
    table = DistinctTable(_row, types, limit=5)
    for chunk in (["a", "b", "c"], ["c", "d", "e", "f"], ["g", "a"], list("hijklmnop"), ["a"]):
        _check(table, chunk)
        assert len(table._columns[0]) <= max(5, len(chunk))
