"""A run's per-record outputs, read from DuckDB and written through Arrow.

After scoring, a run needs three things of every record: its id, its list and its row
(people, capture histories, ``clusters.csv``). Names, dates and places are shown for the
records of the review queue only, so they are read from DuckDB for those few records
(:func:`records_by_id`) instead of into a pandas frame of every record: on a million
records that frame took about a second to build and another to search.

``clusters.csv`` is written by Arrow's CSV writer (:func:`write_csv`), told never to quote:
it then writes exactly what pandas' ``to_csv`` writes (Python's csv module, minimal
quoting: RFC 4180) for every value that needs no quotes, and refuses a value holding a
comma, a double quote or a line break, which pandas then writes. The bytes are the same
either way; Arrow is about ten times faster on a million rows.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from tribunal.linkage.capture import Edges, person_id_array

# What Python's csv module quotes (QUOTE_MINIMAL, "," and '"', line terminator "\n"); Arrow
# refuses these and "\r" when never quoting, so a header holding one goes to pandas too.
_QUOTED = (",", '"', "\n", "\r")


def record_ids(con: Any, table: str) -> tuple[pa.Table, pd.DataFrame]:
    """Every record's ``unique_id``, ``source``, ``row`` and DuckDB ``rowid`` in ``table``
    order, as Arrow (for writing, and for :func:`pair_positions`) and as a pandas frame of
    ``unique_id`` (str objects) and ``source`` (categorical) for clustering and capture
    histories."""
    ids = con.sql(f'select unique_id, source, "row", rowid from {table}').to_arrow_table()
    source = pc.dictionary_encode(ids.column("source").combine_chunks())
    frame = pd.DataFrame({
        "unique_id": ids.column("unique_id").to_numpy(zero_copy_only=False),
        "source": pd.Categorical.from_codes(source.indices.to_numpy(zero_copy_only=False),
                                            categories=source.dictionary.to_pylist()),
    })
    return ids, frame


def pair_positions(con: Any, table: str, ids: pa.Table, pairs: pd.DataFrame) -> Edges:
    """:func:`tribunal.linkage.capture.pair_edges` of the records of ``table`` (``ids`` as
    :func:`record_ids` read them), found by a DuckDB join on the ids rather than a pandas
    index of every id: the pairs of known records, in ``pairs`` order, as positions."""
    rowid = ids.column("rowid").to_numpy()
    where = np.full(int(rowid.max()) + 1 if len(rowid) else 0, -1, dtype=np.int64)
    where[rowid] = np.arange(len(rowid))  # a rowid's place in the records' order
    named = pa.table({"l": pa.array(pairs["unique_id_l"], pa.string()),
                      "r": pa.array(pairs["unique_id_r"], pa.string()),
                      "n": np.arange(len(pairs), dtype=np.int64)})
    con.register("_pair_ids", named)
    try:
        got = con.sql(f"""select p.n, a.rowid as a, b.rowid as b from _pair_ids p
            join {table} a on a.unique_id = p.l join {table} b on b.unique_id = p.r
            order by p.n""").fetchnumpy()
    finally:
        con.unregister("_pair_ids")
    n = np.asarray(got["n"], dtype=np.int64)
    p = pairs["match_probability"].to_numpy(dtype=float)[n]
    return (where[np.asarray(got["a"], dtype=np.int64)],
            where[np.asarray(got["b"], dtype=np.int64)], p)


def clusters_table(ids: pa.Table, ranks: np.ndarray, item_of: Mapping[str, str]) -> pa.Table:
    """``clusters.csv``'s columns: record id, list, row, person id (``P000001``... by
    first appearance, as :func:`tribunal.linkage.capture.cluster`), the list's item id."""
    source = pc.dictionary_encode(ids.column("source").combine_chunks())
    items = pa.array([item_of.get(s) for s in source.dictionary.to_pylist()], pa.string())
    return pa.table({
        "unique_id": ids.column("unique_id"), "source": ids.column("source"),
        "row": ids.column("row"), "person_id": person_id_array(ranks),
        "item_id": items.take(source.indices),
    })


def records_by_id(con: Any, table: str, ids: Sequence[str] | pd.Series,
                  columns: Sequence[str]) -> pd.DataFrame:
    """``columns`` of the records of ``table`` whose ``unique_id`` is in ``ids``."""
    wanted = pa.table({"unique_id": pa.array(pd.unique(pd.Series(ids, dtype=object)),
                                             pa.string())})
    con.register("_wanted_ids", wanted)
    try:
        return con.execute(
            "select " + ", ".join(f't."{c}"' for c in columns) + f" from {table} t "
            "where t.unique_id in (select unique_id from _wanted_ids)").df()
    finally:
        con.unregister("_wanted_ids")


def write_csv(data: pd.DataFrame | pa.Table, path: str | Path) -> None:
    """``data`` as pandas' ``to_csv(path, index=False)`` writes it, byte for byte: through
    Arrow when every column holds text or integers and no value needs quoting."""
    path = Path(path)
    table = _as_arrow(data)
    if table is not None and _writes_alike(table):
        import pyarrow.csv as pacsv

        header = ",".join(table.column_names) + os.linesep
        try:
            with path.open("wb") as sink:
                sink.write(header.encode("utf-8"))
                pacsv.write_csv(table, sink, pacsv.WriteOptions(
                    include_header=False, quoting_style="none", eol=os.linesep))
            return
        except pa.ArrowInvalid:
            pass  # a value to quote: pandas writes the whole file again
    frame = data if isinstance(data, pd.DataFrame) else _as_pandas(data)
    frame.to_csv(path, index=False)


def _as_arrow(data: pd.DataFrame | pa.Table) -> pa.Table | None:
    if isinstance(data, pa.Table):
        return data
    try:
        return pa.Table.from_pandas(data, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, ValueError):
        return None  # e.g. an object column of mixed types: pandas writes it


def _writes_alike(table: pa.Table) -> bool:
    """Whether Arrow writes ``table`` as pandas would when no value needs quotes: text and
    integer columns only (floats and booleans are spelled differently), two columns or
    more (the csv module quotes a lone empty field) and a header needing no quotes."""
    return (table.num_columns > 1
            and not any(ch in name for name in table.column_names for ch in _QUOTED)
            and all(pa.types.is_string(t) or pa.types.is_large_string(t)
                    or pa.types.is_integer(t) for t in table.schema.types))


def _as_pandas(table: pa.Table) -> pd.DataFrame:
    # integers with nulls as pandas' nullable Int64 ("3", not "3.0"), as DuckDB gives them
    return table.to_pandas(types_mapper={
        t: pd.Int64Dtype() for t in (pa.int8(), pa.int16(), pa.int32(), pa.int64())}.get)
