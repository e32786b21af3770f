"""Candidate pairs compared once, scored again under a new prior and new name frequencies.

In the Fellegi-Sunter model as Splink computes it (Fellegi & Sunter, JASA 64, 1969;
Linacre et al., IJPDS 7(3), 2022) a pair's match weight is a sum: log2 of the prior odds,
plus per comparison the weight of the level its comparison vector reaches, plus a
term-frequency adjustment that depends only on that level and on the frequencies of the
two records' values (Winkler 1988). The expensive part of scoring is the comparison vector
itself (string similarities over millions of pairs); the prior and the term-frequency
tables enter only in the sum.

:class:`CandidateVectors` therefore computes the comparison vector of every candidate pair
once and keeps it. Re-estimating the prior and the name frequencies
(:func:`tribunal.linkage.scoring.predict_calibrated`) then re-scores the kept vectors: the name
frequencies are looked up again per record (the others, which do not change, once) and
Splink's own match-weight SQL runs on the vectors, so each re-scoring equals a fresh Splink
prediction with the model's current prior and registered frequency tables. A re-scoring
reads only the pairs whose pattern of levels can reach its floor
(:mod:`tribunal.linkage.reachable`). Every candidate pair is kept, not only those above
some floor, because a lower name frequency can lift a pair by more than any fixed margin.

The vectors are computed with Splink's comparison SQL in a cheaper arrangement
(:mod:`tribunal.linkage.compare_sql`): pairs carry record numbers instead of ids and only
the values the comparisons read (plain blocking rules join the numbered records themselves,
which carry the values along; others feed Splink's candidate pairs straight into the join
to the numbered records: :mod:`tribunal.linkage.candidate_pairs`); the name comparison is evaluated once per distinct pair
of names; one-edit tests are guarded by a cheap prefix/suffix test. DuckDB only.
"""

from __future__ import annotations

from typing import Any

__all__ = ["CandidateVectors"]


def _quoter(dialect: str) -> Any:
    """Quotes an identifier for ``dialect`` (DuckDB quotes with ", Spark with `)."""
    from sqlglot import exp

    return lambda name: exp.to_identifier(name, quoted=True).sql(dialect=dialect)


def _vector_columns(settings: Any) -> list[str]:
    """Columns of Splink's comparison vectors that its match-weight SQL reads: the pair's
    ids, each comparison's level (gamma) and the frequencies of term-frequency levels."""
    cols: list[str] = []
    for uid in settings.column_info_settings.unique_id_input_columns:
        cols += [uid.unquote().name_l, uid.unquote().name_r]
    for cc in settings.comparisons:
        cols.append(cc._gamma_column_name.strip('"'))
        for cl in cc.comparison_levels:
            if cl._has_tf_adjustments:
                col = cl._tf_adjustment_input_column.unquote()
                cols += [col.tf_name_l, col.tf_name_r]
    cols.append("match_key")
    return list(dict.fromkeys(cols))


class CandidateVectors:
    """The comparison vectors of all candidate pairs of ``linker`` (a trained Splink
    ``Linker`` on DuckDB), kept in its database; ``records`` is the Splink data frame of the
    input records and ``tf_columns`` the columns whose frequency tables may be registered
    anew between scorings: their frequencies are looked up per record at each scoring, so
    any table registered for them is followed; the other frequencies are looked up once.

    The pairs are computed with Splink's own comparison SQL, in a cheaper arrangement
    (:mod:`tribunal.linkage.compare_sql`): records are numbered, pairs carry the numbers
    and only the values the comparisons read, comparisons on list columns (the name) are
    evaluated once per distinct pair of values and joined into the vectors once, and
    one-edit tests are guarded by a prefix/suffix test. :meth:`score` names the pairs by
    record id; :meth:`score_numbers` by record number, for calibration rounds that need
    no id."""

    def __init__(self, linker: Any, records: Any, tf_columns: list[str]) -> None:
        from tribunal.linkage.candidate_pairs import plain_rules
        from tribunal.linkage.compare_sql import grouped_comparisons

        self.linker, self.records, self.tf_columns = linker, records, list(tf_columns)
        self._q = _quoter(linker._sql_dialect_str)
        settings = linker._settings_obj
        uids = settings.column_info_settings.unique_id_input_columns
        if len(uids) != 1 or settings._link_type != "dedupe_only":
            raise ValueError("CandidateVectors needs one unique id column (dedupe_only)")
        self._uid = uids[0].unquote().name
        self._comparisons = list(settings.comparisons)
        vector_columns = _vector_columns(settings)
        frequencies = [c.removeprefix("tf_").removesuffix("_l") for c in vector_columns
                       if c.startswith("tf_") and c.endswith("_l")]
        # Only the frequencies of ``tf_columns`` may change between scorings: they are
        # looked up per record at each scoring; the others are looked up once per record
        # and kept beside the record numbers.
        self._looked_up = [c for c in frequencies if c in self.tf_columns]
        self._fixed = [c for c in frequencies if c not in self.tf_columns]
        # plain blocking rules join the numbered records themselves
        self._rules, self._rule_columns = plain_rules(linker)
        self._tables: list[Any] = []
        self._patterns: Any = None
        self._n_patterns = 0
        try:
            rec = self._numbered_records()
            try:
                types = self._run(f"describe {rec.physical_name}")
                lists = {n for n, t in zip(types["column_name"], types["column_type"],
                                           strict=True) if t.endswith("[]")}
                self._grouped = [i for i in grouped_comparisons(self._comparisons, lists)
                                 if self._values_repeat(i)]
                rec.drop_table_from_database_and_remove_from_cache()
                rec = self._numbered_records(self._grouped)
                pairs, vectors = self._pair_vectors(rec), None
                try:
                    # kept (small: one row per distinct pair of values) for inspection
                    self._gammas = []
                    for i in self._grouped:
                        self._gammas.append(self._group_gammas(rec, pairs, i))
                        self._tables.append(self._gammas[-1])
                    vectors = self._joined(pairs, self._gammas)
                finally:
                    if vectors is not pairs:
                        pairs.drop_table_from_database_and_remove_from_cache()
                self.vectors = vectors
                self._tables.append(self.vectors)
                self._keys = self._materialise(
                    [rec], "select " + ", ".join(
                        self._q(c) for c in ["__jk", "__rid", *self._looked_up,
                                             *(f"tf_{c}" for c in self._fixed)])
                    + f" from {rec.physical_name}", "__tribunal_record_keys")
                self._tables.append(self._keys)
            finally:
                rec.drop_table_from_database_and_remove_from_cache()
        except BaseException:
            self.drop()
            raise

    def _run(self, sql: str) -> Any:
        return self.linker.misc.query_sql(sql, output_type="pandas")

    def _materialise(self, inputs: list[Any], sql: str, name: str) -> Any:
        from splink.internals.pipeline import CTEPipeline

        pipe = CTEPipeline(inputs)
        pipe.enqueue_sql(sql, name)
        return self.linker._db_api.sql_pipeline_to_splink_dataframe(pipe)

    def _inputs(self, i: int) -> list[str]:
        return [c.unquote().name for c in self._comparisons[i]._input_columns_used_by_case_statement]

    def _values_repeat(self, i: int) -> bool:
        """Whether the records hold at most half as many distinct input values of comparison
        ``i`` as records: otherwise most pairs are pairs of distinct values and comparing
        once per distinct pair would cost more than it saves."""
        from splink.internals.pipeline import CTEPipeline
        from splink.internals.vertically_concatenate import enqueue_df_concat

        cols = ", ".join(self._q(c) for c in self._inputs(i))
        pipe = CTEPipeline()
        enqueue_df_concat(self.linker, pipe)
        pipe.enqueue_sql(f"select (select count(*) from (select distinct {cols} "
                         "from __splink__df_concat)) as d, count(*) as n "
                         "from __splink__df_concat", "__tribunal_distinct_values")
        counts = self.linker._db_api.sql_pipeline_to_splink_dataframe(pipe)
        try:
            d, n = counts.as_pandas_dataframe().iloc[0]
        finally:
            counts.drop_table_from_database_and_remove_from_cache()
        return 2 * int(d) <= int(n)

    def _numbered_records(self, grouped: list[int] | None = None) -> Any:
        """The records with a number (``__rid``; any order: numbers never leave this
        class, and the levels they carry do not depend on them), the columns the comparisons
        and the changing frequencies read, the fixed frequencies (``tf_<col>``) and, per
        comparison of ``grouped``, the number of the first record holding the same input
        values (``__g<i>``); without ``grouped`` no rows, only the column types."""
        from splink.internals.pipeline import CTEPipeline
        from splink.internals.vertically_concatenate import enqueue_df_concat

        _q, uid = self._q, self._q(self._uid)
        cols = [c for i in range(len(self._comparisons)) for c in self._inputs(i)]
        cols = list(dict.fromkeys([*cols, *self._looked_up, *self._rule_columns]))
        sel = ", ".join(_q(c) for c in cols)
        if grouped is None:
            pipe = CTEPipeline()
            enqueue_df_concat(self.linker, pipe)
            pipe.enqueue_sql(f"select {sel} from __splink__df_concat limit 0",
                             "__tribunal_types")
            return self.linker._db_api.sql_pipeline_to_splink_dataframe(pipe)
        tables = [self.linker.table_management.compute_tf_table(c) for c in self._fixed]
        pipe = CTEPipeline(tables)
        enqueue_df_concat(self.linker, pipe)
        tf = "".join(f", t{k}.{_q('tf_' + c)}" for k, c in enumerate(self._fixed))
        joins = "".join(
            f" left join {t.physical_name} as t{k} on t{k}.{_q(c)} = d.{_q(c)}"
            for k, (c, t) in enumerate(zip(self._fixed, tables, strict=True)))
        pipe.enqueue_sql(f"select d.{uid} as __jk, "
                         "cast(row_number() over () as integer) as __rid, "
                         f"{', '.join('d.' + _q(c) for c in cols)}{tf} "
                         f"from __splink__df_concat as d{joins}",
                         "__tribunal_numbered")
        groups = "".join(
            f", min(__rid) over (partition by {', '.join(_q(c) for c in self._inputs(i))}) "
            f"as __g{i}" for i in grouped)
        pipe.enqueue_sql(f"select *{groups} from __tribunal_numbered", "__tribunal_records")
        return self.linker._db_api.sql_pipeline_to_splink_dataframe(pipe)

    def _pair_vectors(self, rec: Any) -> Any:
        """Per candidate pair: the record numbers, group numbers and the levels of the
        comparisons not grouped."""
        from splink.internals.pipeline import CTEPipeline

        from tribunal.linkage.candidate_pairs import enqueue_blocked_pairs, plain_rules_sql
        from tribunal.linkage.compare_sql import cheaper_sql

        _q, R = self._q, rec.physical_name
        ungrouped = [i for i in range(len(self._comparisons)) if i not in self._grouped]
        values = list(dict.fromkeys(
            [c for i in ungrouped for c in self._inputs(i)]))
        side = [f"{s}.{_q(c)} as {_q(f'{c}_{s}')}" for c in values for s in "lr"]
        groups = "".join(f", l.__g{i} as __g{i}_l, r.__g{i} as __g{i}_r" for i in self._grouped)
        keep = ["__rid_l", "__rid_r"]
        keep += [f"__g{i}_{s}" for i in self._grouped for s in "lr"]
        keep += [cheaper_sql(self._comparisons[i]._case_statement) for i in ungrouped]
        pipe = CTEPipeline([rec])
        if self._rules:
            # the rules join the numbered records themselves, carrying the values along
            payload = ["l.__rid as __rid_l", "r.__rid as __rid_r",
                       *(f"{s}.__g{i} as __g{i}_{s}" for i in self._grouped for s in "lr"),
                       *side]
            pipe.enqueue_sql(f"select {', '.join(keep)} from "
                             f"({plain_rules_sql(self._rules, R, payload)})",
                             "__tribunal_pair_vectors")
            return self.linker._db_api.sql_pipeline_to_splink_dataframe(pipe)
        joined = (f"select l.__rid as __rid_l, r.__rid as __rid_r{groups}"
                  f"{''.join(', ' + c for c in side)} from __splink__blocked_id_pairs as b "
                  f"join {R} as l on l.__jk = b.join_key_l join {R} as r on r.__jk = b.join_key_r")
        clean = enqueue_blocked_pairs(self.linker, pipe)
        try:
            pipe.enqueue_sql(f"select {', '.join(keep)} from ({joined})",
                             "__tribunal_pair_vectors")
            return self.linker._db_api.sql_pipeline_to_splink_dataframe(pipe)
        finally:
            clean()

    def _group_gammas(self, rec: Any, pairs: Any, i: int) -> Any:
        """The level of comparison ``i`` per distinct pair of its input values among the
        candidate ``pairs`` (``__gl``, ``__gr``: the numbers of the first records holding
        them)."""
        from tribunal.linkage.compare_sql import cheaper_sql

        _q, R, V = self._q, rec.physical_name, pairs.physical_name
        side = ", ".join(f"{s}.{_q(c)} as {_q(f'{c}_{s}')}" for c in self._inputs(i)
                         for s in "lr")
        distinct = f"select distinct __g{i}_l as __gl, __g{i}_r as __gr from {V}"
        joined = (f"select d.__gl, d.__gr, {side} from ({distinct}) as d "
                  f"join {R} as l on l.__rid = d.__gl join {R} as r on r.__rid = d.__gr")
        case = cheaper_sql(self._comparisons[i]._case_statement)
        return self._materialise([pairs, rec],
                                 f"select __gl, __gr, {case} from ({joined})",
                                 f"__tribunal_group_gammas_{i}")

    def _joined(self, pairs: Any, gammas: list[Any]) -> Any:
        """The comparison vectors: ``pairs`` with the levels of the grouped comparisons
        joined in once, so that no scoring joins them again."""
        _q = self._q
        cols = ["p.__rid_l", "p.__rid_r"]
        joins = ""
        for i, cc in enumerate(self._comparisons):
            gamma = _q(cc._gamma_column_name.strip('"'))
            if i not in self._grouped:
                cols.append(f"p.{gamma}")
                continue
            g = gammas[self._grouped.index(i)]
            cols.append(f"g{i}.{gamma}")
            joins += (f" join {g.physical_name} as g{i} "
                      f"on g{i}.__gl = p.__g{i}_l and g{i}.__gr = p.__g{i}_r")
        # the columns a scoring reads as they are (all but the record numbers)
        self._kept = [c.split(".", 1)[1].strip('"') for c in cols[2:]]
        if not gammas:  # nothing to join: the pairs are the vectors
            return pairs
        return self._materialise([pairs, *gammas],
                                 f"select {', '.join(cols)} from {pairs.physical_name} as p"
                                 f"{joins}", "__tribunal_candidate_vectors")

    def __len__(self) -> int:
        return int(self._run(f"select count(*) as n from {self.vectors.physical_name}")["n"].iloc[0])

    def _record_frequencies(self, columns: list[str]) -> Any:
        """Per record number, the current frequency of its value of each of ``columns``
        and the fixed frequencies."""
        _q = self._q
        tables = [self.linker.table_management.compute_tf_table(c) for c in columns]
        sel = ", ".join([*(f"r.{_q('tf_' + c)}" for c in self._fixed),
                         *(f"t{i}.{_q('tf_' + c)}" for i, c in enumerate(columns))])
        joins = " ".join(
            f"left join {t.physical_name} as t{i} on t{i}.{_q(c)} = r.{_q(c)}"
            for i, (c, t) in enumerate(zip(columns, tables, strict=True)))
        return self._materialise([self._keys, *tables],
                                 f"select r.__rid, {sel} from {self._keys.physical_name} as r "
                                 f"{joins}", "__tribunal_record_tf")

    def _enqueue_predict(self, floor: float) -> tuple[Any, list[Any]]:
        """A pipeline ending in Splink's ``__splink__df_predict`` of the kept vectors with
        the model's current prior and frequency tables, pairs named by record number
        (``unique_id_l``, ``unique_id_r``); and the tables made for it (frequencies, the
        patterns that can reach ``floor``), for the caller to drop once the pipeline ran."""
        from splink.internals.pipeline import CTEPipeline
        from splink.internals.predict import predict_from_comparison_vectors_sqls_using_settings

        _q, columns, V = self._q, self._looked_up, self.vectors.physical_name
        inputs: list[Any] = [self.vectors]
        # only the pairs of patterns that can reach the floor are scored
        reachable = self._reachable(floor)
        if reachable is not None:
            inputs.append(reachable)
            on = " and ".join(f"k.{_q(c)} is not distinct from v.{_q(c)}" for c in self._kept)
            V = f"(select v.* from {V} as v semi join {reachable.physical_name} as k on {on})"
        # Splink's SQL passes the match key through to its predictions; no score reads
        # it and none is returned, so the vectors do not carry it
        cols = ["v.__rid_l as unique_id_l", "v.__rid_r as unique_id_r",
                "cast(null as varchar) as match_key"]
        cols += [f"v.{_q(c)}" for c in self._kept]
        joins = ""
        freq = None
        if columns or self._fixed:
            freq = self._record_frequencies(columns)
            inputs.append(freq)
            cols += [f"{s}.{_q('tf_' + c)} as {_q(f'tf_{c}_{s}')}"
                     for c in [*self._fixed, *columns] for s in ("l", "r")]
            joins += (f" left join {freq.physical_name} as l on l.__rid = v.__rid_l"
                      f" left join {freq.physical_name} as r on r.__rid = v.__rid_r")
        pipe = CTEPipeline(inputs)
        pipe.enqueue_sql(f"select {', '.join(cols)} from {V} as v{joins}",
                         "__splink__df_comparison_vectors")
        pipe.enqueue_list_of_sqls(predict_from_comparison_vectors_sqls_using_settings(
            self.linker._settings_obj, threshold_match_probability=floor))
        return pipe, [t for t in (freq, reachable) if t is not None]

    def _reachable(self, floor: float) -> Any:
        """The comparison patterns whose pairs can reach ``floor`` with the current prior
        and frequencies (:func:`tribunal.linkage.reachable.reachable_patterns`), or None
        when all can."""
        from tribunal.linkage.reachable import reachable_patterns

        if self._patterns is None:
            cols = ", ".join(self._q(c) for c in self._kept)
            self._patterns = self._materialise(
                [self.vectors], "select cast(row_number() over () as integer) as __pattern, "
                f"* from (select distinct {cols} from {self.vectors.physical_name})",
                "__tribunal_patterns")
            self._tables.append(self._patterns)
            self._n_patterns = int(self._run(
                f"select count(*) as n from {self._patterns.physical_name}")["n"].iloc[0])
        tables = {c: self.linker.table_management.compute_tf_table(c) for c in self._looked_up}
        frequencies = [*((c, self._keys) for c in self._fixed), *tables.items()]
        return reachable_patterns(self.linker, self._patterns, self._n_patterns, self._kept,
                                  frequencies, floor)

    def _run_pipeline(self, pipe: Any, inputs: list[Any]) -> Any:
        try:
            return self.linker._db_api.sql_pipeline_to_splink_dataframe(pipe)
        finally:
            for table in inputs:
                table.drop_table_from_database_and_remove_from_cache()

    def score(self, floor: float) -> Any:
        """Splink data frame of the pairs (``unique_id_l``, ``unique_id_r``,
        ``match_weight``, ``match_probability``) with match probability >= ``floor``,
        scored with the model's current prior and frequency tables. The caller drops it."""
        pipe, made = self._enqueue_predict(floor)
        K = self._keys.physical_name
        pipe.enqueue_sql("select kl.__jk as unique_id_l, kr.__jk as unique_id_r, "
                         "p.match_weight, p.match_probability from __splink__df_predict as p "
                         f"join {K} as kl on kl.__rid = p.unique_id_l "
                         f"join {K} as kr on kr.__rid = p.unique_id_r", "__tribunal_rescored")
        return self._run_pipeline(pipe, made)

    def score_numbers(self, floor: float) -> Any:
        """As :meth:`score`, the pairs named by record number instead of record id
        (``unique_id_l``, ``unique_id_r``, ``match_probability``): what a calibration
        round reads, with :attr:`numbered` as the records."""
        pipe, made = self._enqueue_predict(floor)
        pipe.enqueue_sql("select unique_id_l, unique_id_r, match_probability "
                         "from __splink__df_predict", "__tribunal_rescored_numbers")
        return self._run_pipeline(pipe, made)

    @property
    def numbered(self) -> Any:
        """Splink data frame of the records by number (``__rid``) with the columns whose
        frequencies change between scorings."""
        return self._keys

    def drop(self) -> None:
        for table in self._tables:
            table.drop_table_from_database_and_remove_from_cache()
        self._tables = []
