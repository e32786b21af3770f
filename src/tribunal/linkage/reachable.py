"""Which comparison patterns can reach a match-probability floor, so that a scoring skips
the pairs that cannot.

A pair's match weight in Splink's Fellegi-Sunter model (Fellegi & Sunter, JASA 64, 1969)
is the prior's log-odds plus, per comparison, the weight of the level the pair reaches and
a term-frequency adjustment (Winkler 1988). The level weights are fixed by the pattern of
levels (the pair's comparison vector); the adjustment moves monotonically with the larger
of the two records' frequencies, or is zero when neither record has one. Over all pairs of
a pattern the match weight is therefore at most its value with every frequency at the
smallest or the largest value a record can carry, or absent: evaluating Splink's own
match-weight SQL on those few combinations per pattern bounds every pair of the pattern.
A pattern whose bound lies below the floor holds no pair that reaches it.

On the 1M benchmark, 30 patterns cover the 10.5 million candidate pairs; under the floor
of the calibration rounds (probability 0.001) the patterns that can reach it hold about
276,000 pairs, of which about 271,000 do.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

__all__ = ["pattern_bounds", "reachable_patterns"]

# Bounds cost patterns x 3**frequencies rows; beyond this no pattern is skipped.
MAX_BOUND_ROWS = 500_000
# Slack, in bits of match weight, for the rounding of the sums the bound is made of
# (double sums of a few terms err by about 1e-14 bits).
SLACK = 1e-6


def pattern_bounds(linker: Any, patterns: Any, n_patterns: int, gammas: Sequence[str],
                   frequencies: Sequence[tuple[str, Any]]) -> pd.DataFrame | None:
    """Per row of ``patterns`` (``__pattern``), the largest match weight (``bound``) any
    pair of its levels can have under ``linker``'s current prior and model; None when the
    bound would take more than :data:`MAX_BOUND_ROWS` rows to compute.

    ``patterns`` (a Splink data frame on DuckDB) holds ``__pattern`` (a number) and the
    level of each comparison (``gammas``); ``frequencies`` gives, per term-frequency column
    ``c`` the comparisons read (as ``tf_c_l`` and ``tf_c_r``), a Splink data frame whose
    ``tf_c`` holds every frequency a record's value can carry.
    """
    from splink.internals.pipeline import CTEPipeline
    from splink.internals.predict import predict_from_comparison_vectors_sqls_using_settings
    from sqlglot import exp

    if n_patterns * 3 ** len(frequencies) > MAX_BOUND_ROWS:
        return None

    def q(name: str) -> str:
        return exp.to_identifier(name, quoted=True).sql(dialect="duckdb")

    cols = ["p.__pattern as unique_id_l", "p.__pattern as unique_id_r",
            "cast(null as varchar) as match_key", *(f"p.{q(g)}" for g in gammas)]
    sources = ""
    for k, (column, table) in enumerate(frequencies):
        tf = q(f"tf_{column}")
        # the extremes of the frequencies a record can carry, and none
        sources += (f" cross join (select min({tf}) as v from {table.physical_name} "
                    f"union all select max({tf}) from {table.physical_name} "
                    f"union all select cast(null as double)) as e{k}")
        cols += [f"e{k}.v as {q(f'tf_{column}_l')}", f"e{k}.v as {q(f'tf_{column}_r')}"]
    pipe = CTEPipeline([patterns, *(t for _, t in frequencies)])
    pipe.enqueue_sql(f"select {', '.join(cols)} from {patterns.physical_name} as p{sources}",
                     "__splink__df_comparison_vectors")
    pipe.enqueue_list_of_sqls(predict_from_comparison_vectors_sqls_using_settings(
        linker._settings_obj, threshold_match_probability=None))
    pipe.enqueue_sql("select unique_id_l as __pattern, max(match_weight) as bound "
                     "from __splink__df_predict group by unique_id_l", "__tribunal_bounds")
    bounds = linker._db_api.sql_pipeline_to_splink_dataframe(pipe)
    try:
        return bounds.as_pandas_dataframe()
    finally:
        bounds.drop_table_from_database_and_remove_from_cache()


def reachable_patterns(linker: Any, patterns: Any, n_patterns: int, gammas: Sequence[str],
                       frequencies: Sequence[tuple[str, Any]], floor: float) -> Any | None:
    """Splink data frame of the rows of ``patterns`` whose pairs can reach match probability
    ``floor`` (:func:`pattern_bounds`), or None when every pattern can or the bound is not
    computed. The caller drops the returned frame."""
    from splink.internals.misc import threshold_args_to_match_weight
    from splink.internals.pipeline import CTEPipeline

    threshold = threshold_args_to_match_weight(floor, None)
    if threshold is None:
        return None
    frame = pattern_bounds(linker, patterns, n_patterns, gammas, frequencies)
    if frame is None:
        return None
    # a NaN bound (an infinite adjustment) is kept: NaN < x is false
    keep = sorted(int(p) for p, b in zip(frame["__pattern"], frame["bound"], strict=True)
                  if b is None or not b < threshold - SLACK)
    if len(keep) == n_patterns:
        return None
    pipe = CTEPipeline([patterns])
    listed = ", ".join(map(str, keep)) or "null"
    pipe.enqueue_sql(f"select * from {patterns.physical_name} where __pattern in ({listed})",
                     "__tribunal_reachable_patterns")
    return linker._db_api.sql_pipeline_to_splink_dataframe(pipe)
