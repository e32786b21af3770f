"""The same model on Splink's Spark backend (pyspark local mode)."""

import pandas as pd
import pytest

from tribunal.linkage.capture import cluster
from tribunal.linkage.evaluate import evaluate_clusters
from tribunal.linkage.mapping import recognise
from tribunal.linkage.model import ModelOptions
from tribunal.linkage.records import standardise
from tribunal.linkage.spark import java_available
from tribunal.linkage.synth import make_lists

pytestmark = [
    pytest.mark.spark,
    pytest.mark.slow,
    pytest.mark.skipif(not java_available(), reason="no Java runtime for pyspark"),
]


def test_spark_backend_links_like_duckdb(spark_session):
    import duckdb
    from splink import DuckDBAPI

    from tribunal.linkage.model import present_columns, train
    from tribunal.linkage.scoring import predict
    from tribunal.linkage.spark import predict_spark, train_spark

    lists, truth = make_lists(50, seed=5)
    records = pd.concat([standardise(f, recognise(list(f.columns)), n) for n, f in lists.items()],
                        ignore_index=True)
    lookup = {f"{r.list}:{r.row}": r.person for r in truth.itertuples()}
    true = [lookup[u] for u in records["unique_id"]]
    # few EM iterations and one u chunk: each is a Spark job, and the data are small
    options = ModelOptions(u_max_pairs=2e4, u_chunks=1, em_iterations=6)
    s_pairs = predict_spark(train_spark(records, options, spark=spark_session))
    d_pairs = predict(train(DuckDBAPI(duckdb.connect()), records, present_columns(records),
                            ModelOptions(u_max_pairs=2e4, u_chunks=1, em_iterations=6)), 0.05)
    s_eval = evaluate_clusters(cluster(records, s_pairs, 0.8), true)
    d_eval = evaluate_clusters(cluster(records, d_pairs, 0.8), true)
    assert s_eval.bcubed.f1 >= 0.9, s_eval.to_dict()
    assert abs(s_eval.n_clusters - d_eval.n_clusters) <= 0.05 * d_eval.n_clusters
