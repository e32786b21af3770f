"""The whole run on Spark: `tribunal link run --backend spark` on generated lists with known
truth, the second pass on a Spark-trained model, the outputs, and a reviewed decision fed
back. One local SparkSession (one core, one partition) serves every test of the module."""

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from tribunal.linkage.evaluate import evaluate_clusters
from tribunal.linkage.link import run_linkage
from tribunal.linkage.model import ModelOptions
from tribunal.linkage.spark import java_available
from tribunal.linkage.synth import make_lists

pytestmark = [
    pytest.mark.spark,
    pytest.mark.slow,
    pytest.mark.skipif(not java_available(), reason="no Java runtime for pyspark"),
]

# Small data: each EM iteration and u chunk is a Spark job, whose overhead dominates.
# Two calibration rounds (the default) so that a round's term frequencies are computed
# from pairs scored with the last round's.
CHEAP = {"u_max_pairs": 2e4, "u_chunks": 1, "em_iterations": 6}


def cheap_options(**kw) -> ModelOptions:
    return ModelOptions(**{**CHEAP, **kw})


@dataclass
class SparkRun:
    paths: list[Path]
    truth: dict[str, int]
    summary: dict
    out: Path


@pytest.fixture(scope="module")
def spark(spark_session):
    return spark_session


@pytest.fixture(scope="module")
def cli_run(spark, tmp_path_factory):
    """`tribunal link run ... --backend spark --json` on three generated lists; the command
    gets the module's session and the small-data training options."""
    from tribunal.cli import cli

    base = tmp_path_factory.mktemp("spark_lists")
    lists, truth = make_lists(60, seed=1)
    paths = []
    for name, frame in lists.items():
        paths.append(base / f"{name}.csv")
        frame.to_csv(paths[-1], index=False)
    out = base / "out"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("tribunal.linkage.spark.local_spark", lambda *a, **k: spark)
        mp.setattr("tribunal.linkage.model.ModelOptions", cheap_options)
        res = CliRunner().invoke(cli, ["link", "run", *map(str, paths), "--out", str(out),
                                       "--backend", "spark", "--json"])
    assert res.exit_code == 0, res.output
    lookup = {f"{r.list}:{r.row}": r.person for r in truth.itertuples()}
    return SparkRun(paths, lookup, json.loads(res.output), out)


def _scores(clusters: pd.DataFrame, truth: dict[str, int]):
    return evaluate_clusters(clusters["person_id"], [truth[u] for u in clusters["unique_id"]])


def test_spark_run_links_like_duckdb(cli_run, tmp_path):
    """Same lists, same options: Spark's people within 0.02 B-cubed F1 of DuckDB's."""
    duck = run_linkage(cli_run.paths, tmp_path / "duck", options=cheap_options())
    s_eval = _scores(pd.read_csv(cli_run.out / "clusters.csv"), cli_run.truth)
    d_eval = _scores(pd.read_csv(duck.clusters), cli_run.truth)
    assert s_eval.bcubed.f1 >= 0.95, s_eval.to_dict()
    assert abs(s_eval.bcubed.f1 - d_eval.bcubed.f1) <= 0.02, (s_eval.to_dict(), d_eval.to_dict())
    assert abs(s_eval.n_clusters - d_eval.n_clusters) <= 0.05 * d_eval.n_clusters
    # the term frequencies were re-estimated over people, as on DuckDB
    assert any("name term frequencies counted over other people" in n
               for n in cli_run.summary["notes"])


def test_second_pass_ran_on_the_spark_model(cli_run):
    notes = cli_run.summary["notes"]
    assert not [n for n in notes if "skipped" in n and "EM" not in n], notes
    passes = [re.search(r"(\d+) of (\d+) lone records joined", n) for n in notes]
    lone = [int(m.group(2)) for m in passes if m]
    assert lone and max(lone) > 0, notes  # it ran, on lone records the first pass left


def test_spark_outputs_count_every_record(cli_run):
    out, summary = cli_run.out, cli_run.summary
    clusters = pd.read_csv(out / "clusters.csv")
    assert len(clusters) == summary["n_records"] == len(cli_run.truth)
    assert clusters["person_id"].nunique() == summary["n_clusters"]
    table = pd.read_csv(summary["capture_table"])
    assert table["count"].sum() == summary["n_clusters"]
    # each list's column counts the people with a record in that list
    for name in summary["lists"]:
        seen = clusters.loc[clusters["source"] == name, "person_id"].nunique()
        assert table.loc[table[name] == 1, "count"].sum() == seen, name
    for row in summary["sensitivity"]:
        assert pd.read_csv(out / row["table"])["count"].sum() == row["n_people"]
    people = [row["n_people"] for row in summary["sensitivity"]]
    assert people == sorted(people)
    pairs = pd.read_parquet(out / "pairs.parquet")
    assert len(pairs) and pairs["match_probability"].between(0, 1).all()
    assert json.loads((out / "model.json").read_text())["sql_dialect"] == "spark"


def test_reviewed_non_match_splits_on_a_spark_rerun(cli_run, spark, tmp_path):
    from tribunal.linkage.review import record_decision

    clusters = pd.read_csv(cli_run.out / "clusters.csv").sort_values("unique_id")
    sizes = clusters["person_id"].value_counts()
    person = sorted(sizes[sizes >= 2].index)[0]
    a, b = clusters.loc[clusters["person_id"] == person, "unique_id"].iloc[:2]
    decisions = tmp_path / "decisions.csv"
    record_decision(decisions, a, b, "non-match", "tester")
    # no calibration rounds: the rerun tests the decision, not the calibration
    res = run_linkage(cli_run.paths, tmp_path / "again", options=cheap_options(calibrate_prior=0),
                      decisions_path=decisions, backend="spark", spark=spark)
    again = pd.read_csv(res.clusters).set_index("unique_id")["person_id"]
    assert again[a] != again[b]
    assert res.accuracy is not None and res.accuracy["n_reviewed"] == 1
    assert not [n for n in res.notes if n.startswith("m from labels skipped")], res.notes


def test_spark_levels_read_as_duckdb_levels(spark, cli_run):
    """The second pass evaluates a Spark-trained model's levels in DuckDB: transpiled, they
    give every pair the level DuckDB's own SQL gives it, and the same frequency keys."""
    import logging

    import duckdb
    from splink import DuckDBAPI, Linker, SparkAPI

    from tribunal.linkage.assign_sql import fields_from_linker, pair_gamma_sql
    from tribunal.linkage.model import build_settings, present_columns

    records = pd.concat([pd.read_parquet(p) for p in sorted((cli_run.out / "records").glob(
        "*.parquet"))], ignore_index=True)
    settings = build_settings(present_columns(records), cheap_options())
    on_duck = fields_from_linker(Linker(DuckDBAPI(duckdb.connect()).register(records),
                                        settings, log_level=logging.ERROR))
    on_spark = fields_from_linker(Linker(SparkAPI(spark_session=spark).register(records),
                                         build_settings(present_columns(records),
                                                        cheap_options()),
                                         log_level=logging.ERROR))
    assert [f.name for f in on_spark] == [f.name for f in on_duck]
    assert [[lv.key for lv in f.levels] for f in on_spark] == \
        [[lv.key for lv in f.levels] for f in on_duck]
    con = duckdb.connect()
    con.register("recs", records)
    con.execute("create table r as select * from recs")
    ids = records["unique_id"].iloc[:80]
    pairs = pd.DataFrame([(x, y) for i, x in enumerate(ids) for y in ids[i + 1:]],
                         columns=["id_l", "id_r"])
    con.register("p", pairs)
    got = [con.execute(pair_gamma_sql("p", "r", f)).df().sort_values(["id_l", "id_r"],
                                                                       ignore_index=True)
           for f in (on_duck, on_spark)]
    pd.testing.assert_frame_equal(got[0], got[1])
    assert (got[0].filter(like="g_") > 0).any().sum() >= 3  # levels above else are reached


def test_spark_folder_reclusters_like_the_run(cli_run):
    """A Spark run's folder re-clustered on DuckDB (its model's Spark SQL written as DuckDB
    SQL) gives the people the run wrote, second pass included."""
    from tribunal.linkage.capture import cluster
    from tribunal.linkage.recluster import refiner_from_output

    assert json.loads((cli_run.out / "model.json").read_text())["sql_dialect"] == "spark"
    records, refine = refiner_from_output(cli_run.out)
    pairs = pd.read_parquet(cli_run.out / "pairs.parquet")
    again = pd.Series(cluster(records, pairs, 0.8, refine=refine).to_numpy(),
                      index=records["unique_id"].to_numpy())
    written = pd.read_csv(cli_run.out / "clusters.csv").set_index("unique_id")["person_id"]
    again = again.loc[written.index]
    # the same partition: each written person is exactly one person again, and vice versa
    assert written.groupby(again.to_numpy()).nunique().max() == 1
    assert again.groupby(written.to_numpy()).nunique().max() == 1
