"""Plain Splink baselines ("default-style" settings) that the linkage benches compare against.

Not a benchmark by itself: bench/linkage_historical.py, linkage_febrl.py and linkage_1m.py
import these functions so both sides run on the same data, blocking and machine.
"""

from __future__ import annotations

import logging

import pandas as pd


def plain_historical(df: pd.DataFrame, threshold: float = 0.95, seed: int = 1) -> pd.Series:
    """Cluster historical_50k with out-of-the-box Splink comparisons; return cluster ids."""
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    blocking = [
        block_on("first_name", "surname"),
        block_on("surname", "dob"),
        block_on("first_name", "dob"),
        block_on("postcode_fake", "first_name"),
    ]
    settings = SettingsCreator(
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=blocking,
        comparisons=[
            cl.NameComparison("first_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.ExactMatch("birth_place").configure(term_frequency_adjustments=True),
            cl.ExactMatch("gender"),
            cl.ExactMatch("occupation").configure(term_frequency_adjustments=True),
            cl.PostcodeComparison("postcode_fake"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    db = DuckDBAPI()
    cols = ["unique_id", "first_name", "surname", "dob", "birth_place", "postcode_fake",
            "gender", "occupation"]
    linker = Linker(db.register(df[cols]), settings, log_level=logging.WARNING)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "surname", "dob"), block_on("surname", "dob", "postcode_fake")],
        recall=0.6,
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=5e6, seed=seed)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("first_name", "surname")
    )
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    pred = linker.inference.predict(threshold_match_probability=0.5)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(pred, threshold)
    out = clusters.as_pandas_dataframe()[["unique_id", "cluster_id"]]
    return df[["unique_id"]].merge(out, on="unique_id", how="left")["cluster_id"]
