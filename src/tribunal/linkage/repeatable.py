"""Repeatable linkage: the same lists give the same people, byte for byte, run after run,
whatever the lists are called.

Two runs on the same input used to differ by a few people in thousands, for two reasons:

- **Float sums in varying order.** DuckDB sums in parallel, and the rows reach a sum in an
  order that changes from run to run; floating-point addition is not associative, so the
  last bits of a sum change. EM re-weights agreement patterns whose table comes out of a
  parallel aggregation in varying row order (the EM estimates of Dempster, Laird & Rubin
  1977 then differ in the 14th digit), and the re-estimated prior and name frequencies
  sum match probabilities over many pairs. The EM steps are therefore run on one thread
  (:func:`one_thread`; they work on a few thousand patterns and cost little), except the
  comparison of the sampled pairs, which is most of their cost: it runs on every thread
  and its table is then sorted by the agreement pattern, so that the patterns reach the
  one-thread count in the same order every run (:func:`training_api_class`). Our own sums of
  probabilities are exact fixed-point sums (:func:`exact_sum_sql`), whose result does not
  depend on the order of the rows.
- **Samples drawn by record id.** Splink draws its u sample and its EM sample by a hash of
  the record id, and a record id (``LIST:ROW``) holds the list's file name: renaming a list
  drew other pairs and moved the count. Training runs on a copy of the records whose ids
  are derived from the records' content (:func:`content_keyed`), so the samples, and the
  trained model, depend only on the records themselves, not on the names, order or row
  numbers of the lists; prediction and every output keep the ``LIST:ROW`` ids.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

# Probabilities are summed as integers in units of 2**-52: exact and order-free, and the
# rounding of each term (at most 1.1e-16) is below what a double holds of a sum near 1.
_SCALE = 2**52
# Columns that say where a record comes from, not what it says.
PROVENANCE: tuple[str, ...] = ("unique_id", "source", "row")
# The record id of a training row's original record (for mapping reviewed pairs).
ORIGINAL_ID = "__record_id"


def exact_sum_sql(expr: str) -> str:
    """SQL (DuckDB and Spark) for the sum of ``expr`` (values in [0, 1], e.g. match
    probabilities) that is the same whatever the order of the rows: each term is rounded to
    a multiple of 2**-52 and the integers are summed exactly as 38-digit decimals, so
    parallel aggregation cannot change the last bits. NULL when there are no rows, as
    ``sum``. (Summed as bigint, Spark overflows once the sum passes 2**11, as the expected
    matches of a few thousand records do; DuckDB widens a bigint sum to 128 bits, and gives
    the same double either way.)"""
    return (f"(cast(sum(cast(round(({expr}) * {_SCALE}) as decimal(38, 0))) as double)"
            f" / {_SCALE})")


@contextmanager
def one_thread(con: Any) -> Iterator[None]:
    """Run the body with the DuckDB connection ``con`` on one thread (restored after):
    single-threaded execution produces rows, and so sums, in the same order every run."""
    threads = con.execute("select current_setting('threads')").fetchall()[0][0]
    con.execute("set threads = 1")
    try:
        yield
    finally:
        con.execute(f"set threads = {int(threads)}")


def named_by_content(model: dict[str, Any]) -> dict[str, Any]:
    """The Splink model dict with its ``linker_uid`` (random in Splink, written into
    model.json) replaced by a digest of the rest, so the same model is the same file."""
    rest = {k: v for k, v in model.items() if k != "linker_uid"}
    digest = hashlib.sha256(json.dumps(rest, sort_keys=True, default=str).encode())
    return {**model, "linker_uid": digest.hexdigest()[:8]}


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def content_keyed(con: Any, source: str, target: str,
                  provenance: Sequence[str] = PROVENANCE) -> None:
    """Create table ``target`` from table ``source`` with ``unique_id`` replaced by an id
    derived from the record's content (every column but ``provenance``): the MD5 of the
    values, then ``:k`` numbering records with identical content (which of two identical
    records gets which number changes nothing a model learns from them). The rows are in
    no particular order: no step of training reads them in order (samples are drawn by a
    hash of the id, counts are integers, EM's patterns are sorted), and sorting a million
    rows costs more than half a second. The original id is kept in :data:`ORIGINAL_ID`,
    the provenance columns are dropped."""
    cols = [r[0] for r in con.execute(f"describe {source}").fetchall()]
    content = [c for c in cols if c not in provenance]
    packed = ", ".join(f"{_q(c)} := {_q(c)}" for c in content)
    keep = ", ".join(_q(c) for c in content)
    # Only records whose content repeats need numbering in order of their original id: the
    # window runs over those alone (a few per cent of the records), the rest are ``:1``.
    con.execute(f"""
        create or replace temp table {target} as
        with hashed as materialized (
            select unique_id as {ORIGINAL_ID}, {keep},
                   md5(cast(struct_pack({packed}) as varchar)) as content_md5
            from {source}
        ), repeated as (
            select content_md5 from hashed group by content_md5 having count(*) > 1
        ), numbered as (
            select {ORIGINAL_ID}, row_number() over (
                       partition by content_md5 order by {ORIGINAL_ID}) as k
            from hashed semi join repeated using (content_md5)
        )
        select content_md5 || ':' || coalesce(numbered.k, 1) as unique_id,
               {ORIGINAL_ID}, {keep}
        from hashed left join numbered using ({ORIGINAL_ID})""")


@lru_cache(maxsize=1)
def training_api_class() -> Any:
    """The class of the Splink API training runs on (defined on first use: Splink is
    imported lazily)."""
    from splink import DuckDBAPI

    class TrainingAPI(DuckDBAPI):  # type: ignore[misc]
        """Splink's DuckDB API that, while EM runs on one thread (``em_threads`` set),
        builds the sampled pairs and their comparison vectors on ``em_threads`` threads,
        keeping of the vectors only their agreement pattern (``gamma_`` columns), sorted.

        EM without term frequencies reads the vectors only through the count of each
        agreement pattern; on one thread over a table in a fixed order of patterns, that
        count lists the patterns in the same order every run, so every later sum of the
        EM iterations (one thread too) adds its terms in the same order. The record ids
        and frequencies of the pairs, which the count does not read, are not kept.
        """

        em_threads: int | None = None
        # text replacements applied to every statement (see TrainingInput.rewrite)
        rewrites: Sequence[tuple[str, str]] = ()

        def _setup_for_execute_sql(self, sql: str, physical_name: str) -> str:
            for old, new in self.rewrites:
                sql = sql.replace(old, new)
            if self.em_threads is not None:
                parallel = physical_name.startswith(_PARALLEL_IN_EM)
                self._con.execute(f"set threads = {self.em_threads if parallel else 1}")
                if physical_name.startswith(_VECTORS):
                    sql = self._patterns_only(sql)
            return super()._setup_for_execute_sql(sql, physical_name)

        def _patterns_only(self, sql: str) -> str:
            # the agreement patterns alone, sorted: all the count reads of the vectors
            gammas = [r[0] for r in self._con.execute(f"describe {sql}").fetchall()
                      if r[0].startswith("gamma_")]
            if not gammas:
                return sql
            cols = ", ".join(_q(g) for g in gammas)
            return f"select {cols} from ({sql}) order by {cols}"

        def _cleanup_for_execute_sql(self, table: Any, templated_name: str,
                                     physical_name: str) -> Any:
            if self.em_threads is not None and templated_name == _VECTORS:
                self._con.execute("set threads = 1")
            return super()._cleanup_for_execute_sql(table, templated_name, physical_name)

    return TrainingAPI


# The EM statements run on every thread (their result is a set, or sorted after).
_VECTORS = "__splink__df_comparison_vectors"
_PARALLEL_IN_EM = ("__splink__blocked_id_pairs", _VECTORS)


class TrainingInput:
    """The records Splink trains on, and how to run its order-sensitive steps.

    On DuckDB: a content-keyed copy of the records (:func:`content_keyed`) registered with
    a Splink API of its own, so no table Splink caches for training is mistaken for one of
    the real records; EM runs on one thread (:meth:`em`). On other backends (Spark) the
    records themselves, unchanged.
    """

    _count = 0

    def __init__(self, db_api: Any, records: Any) -> None:
        from splink import DuckDBAPI

        # every Splink API has a DuckDB connection (Spark's for small side tables): only
        # DuckDB's runs the training
        self.con = db_api.duckdb_con if isinstance(db_api, DuckDBAPI) else None
        self.table = records
        self.api = db_api  # the Splink API holding ``table`` (register labels here)
        self._name = ""
        if self.con is None:
            return

        TrainingInput._count += 1
        self._name = f"__tribunal_training_{TrainingInput._count}"
        content_keyed(self.con, records.physical_name, self._name)
        self.api = training_api_class()(self.con)
        # a templated name of its own: a generated one can be the physical name of the
        # records registered with the other API
        self.table = self.api.register(self._name, table_name=f"{self._name}_records")

    @contextmanager
    def em(self, parallel_vectors: bool = True) -> Iterator[None]:
        """Context for EM steps: one thread on DuckDB (module docstring); with
        ``parallel_vectors`` the pairs and their comparison vectors are built on every
        thread and sorted by agreement pattern (:func:`training_api_class`: only for EM without
        term frequencies, which reads nothing of the vectors but the patterns' counts)."""
        if self.con is None:
            yield
            return
        threads = int(self.con.execute("select current_setting('threads')").fetchall()[0][0])
        with one_thread(self.con):
            if parallel_vectors:
                self.api.em_threads = threads
            try:
                yield
            finally:
                self.api.em_threads = None

    def rewrite(self, replacements: Sequence[tuple[str, str]]) -> None:
        """Have every training statement on DuckDB rewritten by the text ``replacements``
        (``(old, new)`` pairs), each of which must leave the statement's result exactly as
        it was (e.g. :func:`tribunal.linkage.compare_sql.guarded_levels`)."""
        if self.con is not None:
            self.api.rewrites = tuple(replacements)

    def labels(self, labels: Any) -> Any:
        """Reviewed pairs (``unique_id_l``, ``unique_id_r``, ...) with the training ids;
        pairs naming a record not in the lists are dropped."""
        if self.con is None:
            return labels
        ids = dict(self.con.execute(
            f"select {ORIGINAL_ID}, unique_id from {self._name}").fetchall())
        out = labels.assign(unique_id_l=labels["unique_id_l"].map(ids),
                            unique_id_r=labels["unique_id_r"].map(ids))
        return out.dropna(subset=["unique_id_l", "unique_id_r"]).reset_index(drop=True)

    def close(self) -> None:
        """Drop the training copy and every table Splink made while training."""
        if not self._name:
            return
        self.api.delete_tables_created_by_splink_from_db()
        self.con.execute(f"drop table if exists {self._name}")
        self._name = ""
