"""The linkage model: Splink settings built from the normalised keys, trained and applied.

Fellegi & Sunter ("A theory for record linkage", JASA 64, 1969) as implemented by Splink
(Linacre et al., "Splink: free software for probabilistic record linkage at scale",
International Journal of Population Data Science 7(3), 2022). Each comparison's levels run
from strict to loose, so agreement on a strict level is worth more evidence:

- name: exact hanzi > exact romanised key (order-free) > same key up to English
  diminutives (Tom/Thomas, :mod:`tribunal.linkage.given_names`) > surname-variant key
  (Wade-Giles/Cantonese/Hokkien/pinyin) > same skeleton > Jaro-Winkler >= 0.92 > two shared
  elements > Jaro-Winkler >= 0.80 > else; term-frequency adjusted on hanzi and key so that
  two 王伟 agree for less than two 欧阳修 (Winkler, "Using the EM algorithm for weight
  computation in the Fellegi-Sunter model", 1988, for the frequency-based weights), with
  frequencies counted over other people (:mod:`tribunal.linkage.frequencies`); where the
  lists tell the surname apart, levels weighing surname and given names separately
  (:func:`_split_levels`);
- birth: same day (frequency-adjusted) > same year, month or day within one typo > one typo
  in the year > same month > same year where one side knows
  only the year > same year, months differ > +-1 year > else;
- place: same leaf (county) > same prefecture > same province where one side knows only
  the province > same province, prefectures differ > else;
- ID number: exact > one typo (Damerau-Levenshtein 1, a number copied by hand) > else;
- sex and facility: exact; extra attributes: exact > one typo (> Jaro-Winkler >= 0.9
  for long values) > else.

Parameters: u by random sampling, m by EM without labels (Dempster, Laird & Rubin 1977);
m from labelled pairs when reviewed decisions exist. The same settings run on DuckDB
(default) and on Spark (:mod:`tribunal.linkage.spark`).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from tribunal.linkage.blocking import blocking_rules

__all__ = ["ModelOptions", "TrainedModel", "blocking_rules", "build_settings",
           "present_columns", "train"]

# Term-frequency columns re-estimated over other people by scoring.calibrate_prior (names only:
# see tribunal.linkage.frequencies for why not places and attributes).
NAME_TF_COLUMNS: tuple[str, ...] = ("name_hz", "name_key", "name_sur")


# An attribute with more than this share of distinct values among its filled records is
# selective enough to block on (ModelOptions.selective_attributes).
SELECTIVE_SHARE = 0.05


@dataclass
class ModelOptions:
    """Settings a user may change; defaults suit lists of a few thousand to a million."""

    seed: int = 20191217
    u_max_pairs: float = 1e6
    u_chunks: int = 10  # Splink samples u in chunks; fewer suit Spark on small data
    prior_recall: float = 0.6
    predict_floor: float = 0.05  # lowest match probability kept for the sensitivity band
    attributes: list[str] = field(default_factory=list)
    use_place: bool = True
    use_sex: bool = True
    extra_blocking: list[Any] = field(default_factory=list)
    em_iterations: int = 25
    # attributes with many distinct values, safe to block on together with a name element
    selective_attributes: list[str] = field(default_factory=list)
    # attributes whose values are long (LONG_VALUE): compared at Jaro-Winkler >= 0.9 too
    long_attributes: list[str] = field(default_factory=list)
    em_max_pairs: float = 5e5
    # pairs for EM on the name block: a sample of records (Splink's hash sample) once the
    # block holds more; EM's few parameters are estimated as well from two million pairs
    # as from ten, at a fifth of the cost
    em_name_max_pairs: float = 2e6
    # rounds of re-estimating the prior from the scored pairs (0 = keep the rule-based one)
    calibrate_prior: int = 2
    # replaces the default blocking rules entirely (e.g. to match another run's blocking)
    blocking: list[Any] | None = None


def _name_comparison(split: bool = False):
    """The name comparison; ``split`` adds levels for lists that tell the surname from the
    given names (a surname column, or a surname in capitals), see :func:`_split_levels`."""
    import splink.comparison_level_library as cll
    from splink.comparison_library import CustomComparison

    sp = _split_levels() if split else {}
    levels = [
        cll.NullLevel("name_key"),
        cll.ExactMatchLevel("name_hz", term_frequency_adjustments=True).configure(
            m_probability=0.45),
        cll.ExactMatchLevel("name_key", term_frequency_adjustments=True).configure(
            m_probability=0.25),
        *sp.get("strong", []),
        cll.ArrayIntersectLevel("name_canon", 1).configure(
            label_for_charts="same name up to diminutives (Tom/Thomas)",
            m_probability=0.1),
        cll.ArrayIntersectLevel("name_variants", 1).configure(
            label_for_charts="surname variant + given name", m_probability=0.08),
        cll.ExactMatchLevel("name_skel").configure(
            label_for_charts="same skeleton", m_probability=0.06),
        *sp.get("partial", []),
        cll.JaroWinklerLevel("name_key", 0.92).configure(m_probability=0.06),
        cll.JaroWinklerLevel("name_key", 0.88).configure(m_probability=0.03),
        cll.ArrayIntersectLevel("name_tokens", 2).configure(m_probability=0.03),
        cll.JaroWinklerLevel("name_key", 0.80).configure(m_probability=0.04),
        *sp.get("weak", []),
        cll.ArrayIntersectLevel("name_tokens", 1).configure(m_probability=0.03),
        cll.ElseLevel().configure(m_probability=0.03),
    ]
    return CustomComparison(output_column_name="name",
                            comparison_description="name across scripts",
                            comparison_levels=levels)


def _split_levels() -> dict[str, list[Any]]:
    """Levels that weigh the surname and the given names apart, inside the one name
    comparison (so the name still counts once under the independence assumption).

    The order-free name levels cannot tell "same surname, the given name a diminutive"
    (Betty/Elizabeth Pepys) from "same given name, the surname another" (Elizabeth Pepys /
    Elizabeth Pepper): both share one element. With the surname known, agreement on it is
    frequency-adjusted on the surname alone, so a rare surname counts for more than a
    common one (Winkler 1988), and a missing given name or surname is told apart from a
    conflicting one.
    """
    import splink.comparison_level_library as cll

    sur = cll.ExactMatchLevel("name_sur")
    given_agree = cll.Or(cll.ArrayIntersectLevel("name_gforms", 1),
                         cll.JaroWinklerLevel("name_given", 0.88))
    tf_sur = {"tf_adjustment_column": "name_sur", "tf_adjustment_weight": 1.0}
    return {
        "strong": [
            cll.And(sur, given_agree).configure(
                label_for_charts="same surname, given names agree up to diminutives or "
                "spelling", m_probability=0.15, **tf_sur),
        ],
        "partial": [
            cll.And(sur, cll.NullLevel("name_given")).configure(
                label_for_charts="same surname, one given name missing",
                m_probability=0.03, **tf_sur),
            cll.And(cll.ArrayIntersectLevel("name_gforms", 1),
                    cll.JaroWinklerLevel("name_sur", 0.88)).configure(
                label_for_charts="same given name, surname within a typo",
                m_probability=0.03),
            cll.And(cll.ArrayIntersectLevel("name_gforms", 1),
                    cll.NullLevel("name_sur")).configure(
                label_for_charts="same given name, one surname missing",
                m_probability=0.02),
        ],
        "weak": [
            cll.ExactMatchLevel("name_sur").configure(
                label_for_charts="same surname, given names differ",
                m_probability=0.02, **tf_sur),
        ],
    }


def _birth_comparison():
    import splink.comparison_level_library as cll
    from splink.comparison_library import CustomComparison

    return CustomComparison(
        output_column_name="birth",
        comparison_description="birth date at the precision both records know",
        comparison_levels=[
            cll.NullLevel("birth_year"),
            # Frequency-adjusted: 1 January of a year often stands for "year only", and a
            # placeholder date shared by many records is weak evidence.
            cll.ExactMatchLevel("birth_date", term_frequency_adjustments=True).configure(
                m_probability=0.5),
            # A typo in the day or month is far rarer between strangers than a typo in the
            # year, which lands on a neighbouring year shared by many people.
            cll.And(cll.DamerauLevenshteinLevel("birth_date", 1),
                    cll.ExactMatchLevel("birth_year")).configure(
                label_for_charts="same year, day or month within one typo", m_probability=0.05),
            cll.DamerauLevenshteinLevel("birth_date", 1).configure(
                label_for_charts="one typo in the year", m_probability=0.03),
            cll.ExactMatchLevel("birth_ym").configure(m_probability=0.2),
            # Same year where one record knows only the year: consistent, not conflicting.
            cll.CustomLevel(
                "birth_year_l = birth_year_r AND (birth_ym_l IS NULL OR birth_ym_r IS NULL)",
                "same year, one side year only").configure(m_probability=0.15),
            cll.ExactMatchLevel("birth_year").configure(m_probability=0.03),
            cll.CustomLevel("abs(birth_year_l - birth_year_r) <= 1", "birth year +-1")
            .configure(m_probability=0.05),
            cll.ElseLevel().configure(m_probability=0.05),
        ],
    )


def _place_comparison():
    import splink.comparison_level_library as cll
    from splink.comparison_library import CustomComparison

    return CustomComparison(
        output_column_name="place",
        comparison_description="place at the deepest level both records know",
        comparison_levels=[
            cll.NullLevel("place_leaf"),
            cll.ExactMatchLevel("place_leaf", term_frequency_adjustments=True).configure(
                m_probability=0.6),
            cll.ExactMatchLevel("place_prefecture").configure(m_probability=0.2),
            # Same province where one record knows nothing finer: consistent.
            cll.CustomLevel(
                "place_province_l = place_province_r AND "
                "(place_prefecture_l IS NULL OR place_prefecture_r IS NULL)",
                "same province, one side province only").configure(m_probability=0.1),
            cll.ExactMatchLevel("place_province").configure(m_probability=0.05),
            cll.ElseLevel().configure(m_probability=0.05),
        ],
    )


# Median characters from which an attribute's values count as long: two letters wrong
# anywhere in 14 characters still give Jaro-Winkler (2 * 12/14 + 1) / 3 = 0.905. In a
# shorter value, a score of 0.9 is mostly a neighbouring category (painter / printer)
# or postcode, not a second typo.
LONG_VALUE = 14


def _attribute_comparison(col: str, long: bool = False):
    """Exact (frequency-adjusted) > one typo (Damerau-Levenshtein 1) > else: extra columns
    such as an address or occupation are often copied by hand. ``long`` values (an e-mail
    or street address, :data:`LONG_VALUE`) also agree at Jaro-Winkler >= 0.9, below one
    typo: two typos in them."""
    import splink.comparison_level_library as cll
    from splink.comparison_library import CustomComparison

    fuzzy = ([cll.JaroWinklerLevel(col, 0.9).configure(m_probability=0.05)] if long
             else [])
    return CustomComparison(
        output_column_name=col,
        comparison_levels=[
            cll.NullLevel(col),
            cll.ExactMatchLevel(col, term_frequency_adjustments=True).configure(
                m_probability=0.7),
            cll.DamerauLevenshteinLevel(col, 1).configure(m_probability=0.1),
            *fuzzy,
            cll.ElseLevel().configure(m_probability=0.2 - 0.05 * long),
        ],
    )


def _id_comparison():
    """Exact > one typo (Damerau-Levenshtein 1: a digit mistyped, dropped or two swapped
    when a number is copied by hand) > else. Between strangers a near-miss of a long
    number is as rare as agreement; u by random sampling says how rare on each list."""
    import splink.comparison_level_library as cll
    from splink.comparison_library import CustomComparison

    return CustomComparison(
        output_column_name="id_number",
        comparison_levels=[
            cll.NullLevel("id_number"),
            cll.ExactMatchLevel("id_number").configure(m_probability=0.8),
            cll.DamerauLevenshteinLevel("id_number", 1).configure(m_probability=0.1),
            cll.ElseLevel().configure(m_probability=0.1),
        ],
    )


def present_columns(records: pd.DataFrame) -> set[str]:
    """Columns of a records frame that hold at least one value."""
    return {c for c in records.columns if records[c].notna().any()}


def build_settings(present: set[str], options: ModelOptions) -> Any:
    """A Splink :class:`SettingsCreator` for records whose non-empty columns are ``present``.

    All lists go in as one table (``dedupe_only``): duplicates within a list are found as
    well as links between lists, which a capture-history table needs.
    """
    import splink.comparison_library as cl
    from splink import SettingsCreator

    has = present.__contains__

    comparisons = [_name_comparison(split=has("name_sur"))]
    if has("birth_year"):
        comparisons.append(_birth_comparison())
    if options.use_place and has("place_leaf"):
        comparisons.append(_place_comparison())
    if options.use_sex and has("sex"):
        comparisons.append(cl.ExactMatch("sex"))
    if has("id_number"):
        comparisons.append(_id_comparison())
    if has("facility"):
        comparisons.append(cl.ExactMatch("facility").configure(term_frequency_adjustments=True))
    for attr in options.attributes:
        col = f"attr_{attr}"
        if has(col):
            comparisons.append(_attribute_comparison(col, col in options.long_attributes))
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=(
            list(options.blocking) if options.blocking is not None
            else blocking_rules(present, options.extra_blocking, options.selective_attributes)),
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
        # Few iterations: on small lists a level seen in no pair otherwise drifts towards
        # m = 0 until float64 underflows and Splink refuses the model.
        max_iterations=options.em_iterations,
    )


@dataclass
class TrainedModel:
    """A trained Splink linker plus notes on how it was trained."""

    linker: Any
    notes: list[str] = field(default_factory=list)
    table: Any = None  # the registered input records (a Splink data frame)


class _Trainer:
    """Runs training steps; a step that fails (small lists often lack pairs for one EM
    block) is noted and the model restored to its state before the step, because a failed
    Splink EM session can leave comparisons deactivated."""

    def __init__(self, linker: Any, table: Any, notes: list[str]) -> None:
        self.linker, self.table, self.notes = linker, table, notes

    def step(self, what: str, name: str, *args: Any, **kwargs: Any) -> None:
        from splink import Linker

        saved = self.linker.misc.save_model_to_json()
        # EM on small lists can drive the m of a level no match shows towards 0 until
        # Splink refuses the value; fewer iterations stop before that.
        retries = (8, 3) if "expectation" in name else ()
        for attempt in range(len(retries) + 1):
            try:
                getattr(self.linker.training, name)(*args, **kwargs)
                if attempt:
                    self.notes.append(f"{what}: stopped after {retries[attempt - 1]} EM "
                                      "iterations (small data)")
                return
            except Exception as exc:  # Splink raises generic exceptions here
                error = _first_sentence(str(exc))
                trial = dict(saved)
                if attempt < len(retries):
                    trial["max_iterations"] = retries[attempt]
                self.linker = Linker(self.table, trial, log_level=logging.ERROR)
        self.notes.append(f"{what} skipped: {error}")
        self.linker = Linker(self.table, saved, log_level=logging.ERROR)


def _first_sentence(message: str, limit: int = 200) -> str:
    """The first sentence of an engine's error message (Splink's run on with advice
    that does not apply to a pipeline), at most ``limit`` characters."""
    lines = message.strip().splitlines() or [""]
    first = re.split(r"(?<=[.!?])\s", lines[0].strip(), maxsplit=1)[0]
    return first if len(first) <= limit else first[: limit - 1] + "…"


def train(
    db_api: Any,
    table: Any,
    present: set[str],
    options: ModelOptions,
    labels: pd.DataFrame | None = None,
) -> TrainedModel:
    """Train the model on ``table`` (a frame, or the name of a table ``db_api`` holds).

    ``table`` holds standard records from all lists (``source`` tells them apart) and
    ``present`` its non-empty columns. ``labels`` optionally holds reviewed pairs
    (``unique_id_l``, ``unique_id_r``, ``clerical_match_score``) used to estimate m after EM.
    """
    from tribunal.linkage.repeatable import TrainingInput

    settings = build_settings(present, options)
    sdf = db_api.register(table)
    # trained on content-keyed records, EM on one thread: see tribunal.linkage.repeatable
    training = TrainingInput(db_api, sdf)
    try:
        return _train(training, sdf, settings, present, options, labels)
    finally:
        training.close()


def _train(training: Any, sdf: Any, settings: Any, present: set[str], options: ModelOptions,
           labels: pd.DataFrame | None) -> TrainedModel:
    """The training steps on ``training.table``; the model returned scores ``sdf``."""
    from splink import Linker, block_on

    from tribunal.linkage.compare_sql import guarded_levels
    from tribunal.linkage.repeatable import named_by_content

    linker = Linker(training.table, settings, log_level=logging.ERROR)
    if training.con is not None:
        # DuckDB's level SQL made cheaper, the comparison vectors unchanged (Spark's levels
        # are written in its own dialect)
        training.rewrite(guarded_levels(linker._settings_obj.comparisons))
    notes: list[str] = []
    t = _Trainer(linker, training.table, notes)
    deterministic = [block_on("name_key", "birth_year")]
    if "id_number" in present:
        deterministic.append(block_on("id_number"))
    before = t.linker._settings_obj._probability_two_random_records_match
    t.step("prior estimate", "estimate_probability_two_random_records_match",
           deterministic, recall=options.prior_recall)
    estimate = t.linker._settings_obj._probability_two_random_records_match
    if not 0 < estimate < 1:
        # no pair met the rules (a list without duplicates): a prior of 0 (or 1) has no
        # match weight, and every later step would divide by it
        t.linker._settings_obj._probability_two_random_records_match = before
        notes.append(f"prior estimate: no pair met the deterministic rules; prior left at "
                     f"{before:.3g}")
    t.step("u estimate", "estimate_u_using_random_sampling",
           max_pairs=options.u_max_pairs, seed=options.seed, num_chunks=options.u_chunks)
    with training.em():
        t.step("EM on name", "estimate_parameters_using_expectation_maximisation",
               block_on("name_key"), estimate_without_term_frequencies=True,
               max_pairs=options.em_name_max_pairs)
        # A second block that leaves the name comparison free to be trained; it must not
        # use any name column, or Splink holds the name comparison fixed.
        second = (block_on("birth_year") if "birth_year" in present
                  else block_on("place_leaf") if "place_leaf" in present else None)
        if second is not None:
            t.step("EM on birth", "estimate_parameters_using_expectation_maximisation",
                   second, estimate_without_term_frequencies=True,
                   max_pairs=options.em_max_pairs)
    if labels is not None and len(labels):
        # sums scores of labelled pairs: every statement on one thread
        with training.em(parallel_vectors=False):
            lab = training.labels(labels[["unique_id_l", "unique_id_r",
                                          "clerical_match_score"]])
            lab = training.api.register(lab)
            t.step("m from labels", "estimate_m_from_pairwise_labels", lab)
    # the trained parameters on the records as they are (ids LIST:ROW) for scoring
    final = Linker(sdf, named_by_content(t.linker.misc.save_model_to_json()),
                   log_level=logging.ERROR)
    return TrainedModel(final, notes, sdf)
