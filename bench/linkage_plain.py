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


def febrl_settings(link_type: str, unique_id: str = "rec_id") -> object:
    """Default-style Splink settings for FEBRL's columns (link_only for FEBRL4's two
    files, dedupe_only for FEBRL1-3)."""
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    return SettingsCreator(
        link_type=link_type,
        unique_id_column_name=unique_id,
        blocking_rules_to_generate_predictions=[
            block_on("given_name", "surname"), block_on("surname", "date_of_birth"),
            block_on("given_name", "date_of_birth"), block_on("soc_sec_id"),
            block_on("postcode", "surname"),
        ],
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True,
                                     datetime_format="%Y%m%d"),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("suburb").configure(term_frequency_adjustments=True),
            cl.ExactMatch("postcode"),
            cl.ExactMatch("state"),
            cl.LevenshteinAtThresholds("address_1", [1, 3]),
        ],
        retain_intermediate_calculation_columns=False,
    )


def train_febrl(linker: object, seed: int = 1) -> None:
    """The default-style training steps for FEBRL: prior from exact name and birth date,
    u by random sampling, EM blocked on the name and on the birth date."""
    from splink import block_on

    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "surname", "date_of_birth")], recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=seed)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("given_name", "surname"))
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("date_of_birth"))


def fake1000_settings() -> object:
    """Splink's own tutorial settings for its fake_1000 data set (first_name, surname, dob,
    city, email)."""
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    return SettingsCreator(
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=[
            block_on("first_name", "dob"), block_on("surname"),
        ],
        comparisons=[
            cl.NameComparison("first_name"),
            cl.JaroAtThresholds("surname"),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.DamerauLevenshteinAtThresholds("city").configure(term_frequency_adjustments=True),
            cl.EmailComparison("email"),
        ],
        retain_intermediate_calculation_columns=False,
    )


def train_fake1000(linker: object, seed: int = 1) -> None:
    """Splink tutorial training for fake_1000."""
    from splink import block_on

    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "surname")], recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=seed)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("first_name", "surname"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))


def plain_dedupe(df: pd.DataFrame, settings: object, train, unique_id: str,
                 thresholds: tuple[float, ...]) -> dict[float, pd.Series]:
    """Train and predict with plain Splink, then cluster at each threshold; cluster ids in
    ``df`` order."""
    from splink import DuckDBAPI, Linker

    linker = Linker(DuckDBAPI().register(df), settings, log_level=logging.ERROR)
    train(linker)
    pred = linker.inference.predict(threshold_match_probability=min(thresholds))
    out = {}
    for t in thresholds:
        clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(pred, t)
        frame = clusters.as_pandas_dataframe()[[unique_id, "cluster_id"]]
        out[t] = df[[unique_id]].merge(frame, on=unique_id, how="left")["cluster_id"]
    return out
