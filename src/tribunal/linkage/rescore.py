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
frequencies are looked up again per record and Splink's own match-weight SQL runs on the
vectors, so each re-scoring equals a fresh Splink prediction with the model's current
prior and registered frequency tables. Every candidate pair is kept, not only those above
some floor, because a lower name frequency can lift a pair by more than any fixed margin.
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
    ``Linker``), kept in its database; ``records`` is the Splink data frame of the input
    records and ``tf_columns`` the columns whose frequency tables may be registered anew
    between scorings (their per-pair frequencies are looked up at each scoring)."""

    def __init__(self, linker: Any, records: Any, tf_columns: list[str]) -> None:
        from splink.internals.comparison_vector_values import (
            compute_comparison_vector_values_from_id_pairs_sqls,
        )
        from splink.internals.pipeline import CTEPipeline
        from splink.internals.vertically_concatenate import enqueue_df_concat_with_tf

        self.linker, self.records, self.tf_columns = linker, records, list(tf_columns)
        self._q = _q = _quoter(linker._sql_dialect_str)
        settings = linker._settings_obj
        blocked = linker.inference.compute_blocked_pairs_for_predict()
        try:
            pipeline = CTEPipeline([blocked])
            enqueue_df_concat_with_tf(linker, pipeline)
            pipeline.enqueue_list_of_sqls(compute_comparison_vector_values_from_id_pairs_sqls(
                settings._columns_to_select_for_blocking,
                settings._columns_to_select_for_comparison_vector_values,
                input_tablename_l="__splink__df_concat_with_tf",
                input_tablename_r="__splink__df_concat_with_tf",
                source_dataset_input_column=(
                    settings.column_info_settings.source_dataset_input_column),
                unique_id_input_column=settings.column_info_settings.unique_id_input_column,
                link_type=settings._link_type,
                sql_dialect_str=linker._sql_dialect_str,
            ))
            # The frequencies that may change are not kept: they are looked up per scoring.
            vector_columns = _vector_columns(settings)
            changing = {f"tf_{c}_{s}" for c in self.tf_columns for s in ("l", "r")}
            self._columns = [c for c in vector_columns if c not in changing]
            self._looked_up = [c for c in self.tf_columns if f"tf_{c}_l" in vector_columns]
            keep = ", ".join(_q(c) for c in self._columns)
            pipeline.enqueue_sql(f"select {keep} from __splink__df_comparison_vectors",
                                 "__tribunal_candidate_vectors")
            self.vectors = linker._db_api.sql_pipeline_to_splink_dataframe(pipeline)
        finally:
            blocked.drop_table_from_database_and_remove_from_cache()

    def __len__(self) -> int:
        sql = f"select count(*) as n from {self.vectors.physical_name}"
        return int(self.linker.misc.query_sql(sql, output_type="pandas")["n"].iloc[0])

    def _record_frequencies(self, columns: list[str]) -> Any:
        """Per record, the current frequency of its value of each of ``columns``."""
        from splink.internals.pipeline import CTEPipeline

        _q = self._q
        tables = [self.linker.table_management.compute_tf_table(c) for c in columns]
        sel = ", ".join(f"t{i}.{_q('tf_' + c)}" for i, c in enumerate(columns))
        joins = " ".join(
            f"left join {t.physical_name} as t{i} on t{i}.{_q(c)} = r.{_q(c)}"
            for i, (c, t) in enumerate(zip(columns, tables, strict=True)))
        pipe = CTEPipeline([self.records, *tables])
        pipe.enqueue_sql(f"select r.unique_id, {sel} from {self.records.physical_name} as r "
                         f"{joins}", "__tribunal_record_tf")
        return self.linker._db_api.sql_pipeline_to_splink_dataframe(pipe)

    def score(self, floor: float) -> Any:
        """Splink data frame of the pairs (``unique_id_l``, ``unique_id_r``,
        ``match_weight``, ``match_probability``) with match probability >= ``floor``,
        scored with the model's current prior and frequency tables. The caller drops it."""
        from splink.internals.pipeline import CTEPipeline
        from splink.internals.predict import predict_from_comparison_vectors_sqls_using_settings

        _q, columns = self._q, self._looked_up
        inputs: list[Any] = [self.vectors]
        cols = ", ".join(f"v.{_q(c)}" for c in self._columns)
        joins = ""
        freq = None
        if columns:
            freq = self._record_frequencies(columns)
            inputs.append(freq)
            cols += ", " + ", ".join(f"{s}.{_q('tf_' + c)} as {_q(f'tf_{c}_{s}')}"
                                     for c in columns for s in ("l", "r"))
            joins = (f"left join {freq.physical_name} as l on l.unique_id = v.unique_id_l "
                     f"left join {freq.physical_name} as r on r.unique_id = v.unique_id_r")
        pipe = CTEPipeline(inputs)
        pipe.enqueue_sql(f"select {cols} from {self.vectors.physical_name} as v {joins}",
                         "__splink__df_comparison_vectors")
        pipe.enqueue_list_of_sqls(predict_from_comparison_vectors_sqls_using_settings(
            self.linker._settings_obj, threshold_match_probability=floor))
        pipe.enqueue_sql("select unique_id_l, unique_id_r, match_weight, match_probability "
                         "from __splink__df_predict", "__tribunal_rescored")
        try:
            return self.linker._db_api.sql_pipeline_to_splink_dataframe(pipe)
        finally:
            if freq is not None:
                freq.drop_table_from_database_and_remove_from_cache()

    def drop(self) -> None:
        self.vectors.drop_table_from_database_and_remove_from_cache()
