"""The same linkage model on Apache Spark, for lists beyond one machine.

Splink generates the same SQL for DuckDB and Spark from one settings object, so the model
built by :mod:`tribunal.linkage.model` runs unchanged; string-similarity functions come from
the Scala UDF jar that ships inside Splink. :func:`local_spark` starts Spark in local mode
(as in the tests); on a cluster pass your own ``SparkSession``.
"""

from __future__ import annotations

import shutil
import tempfile
from typing import Any

import pandas as pd

from tribunal.errors import TribunalError
from tribunal.linkage.model import ModelOptions, TrainedModel, present_columns, train
from tribunal.linkage.scoring import predict


def java_available() -> bool:
    """True when a Java runtime is on the PATH (Spark needs one)."""
    return shutil.which("java") is not None


def local_spark(cores: int = 2, memory: str = "2g", partitions: int | None = None) -> Any:
    """A local-mode SparkSession with Splink's similarity UDF jar registered.

    ``partitions`` sets shuffle partitions (default 2 per core); 1 suits small tests,
    where Spark's per-task overhead dominates.
    """
    if not java_available():
        raise TribunalError("Spark needs a Java runtime and none was found",
                            hint="install Java 17 (e.g. openjdk-17-jre) or use the DuckDB backend")
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    spark = (
        SparkSession.builder.master(f"local[{cores}]")
        .appName("tribunal-linkage")
        .config("spark.driver.memory", memory)
        .config("spark.jars", similarity_jar_location())
        .config("spark.sql.shuffle.partitions", str(partitions or cores * 2))
        .config("spark.default.parallelism", str(partitions or cores * 2))
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    spark.sparkContext.setCheckpointDir(tempfile.mkdtemp(prefix="tribunal-spark-"))
    return spark


def train_spark(
    records: pd.DataFrame,
    options: ModelOptions | None = None,
    labels: pd.DataFrame | None = None,
    spark: Any = None,
    break_lineage: str = "persist",
) -> TrainedModel:
    """Train the linkage model on Spark from a frame of standard records.

    ``break_lineage`` is Splink's method for cutting Spark's query plans between steps:
    "persist" (memory, fastest in local mode) or "parquet"/"checkpoint" for large data.
    """
    from splink import SparkAPI

    spark = spark or local_spark()
    db_api = SparkAPI(spark_session=spark, break_lineage_method=break_lineage,
                      num_partitions_on_repartition=max(
        1, int(spark.conf.get("spark.sql.shuffle.partitions"))))
    return train(db_api, records, present_columns(records), options or ModelOptions(), labels)


def cut_lineage(table: Any) -> Any:
    """Compute the Splink Spark data frame ``table`` now and put the result under its name,
    so that later queries read rows instead of re-planning the query that made it.

    Spark evaluates lazily and Splink's "persist" keeps the query plan: a term-frequency
    table computed from scored pairs carries the plan of the prediction that scored them,
    and each calibration round nests the last round's (one prediction joins several such
    tables), so the final prediction's plan grew geometrically until Spark's analyser ran
    out of memory on 150 records. ``localCheckpoint`` truncates the plan (Apache Spark,
    ``DataFrame.localCheckpoint``); the rows stay in the executors' storage.
    """
    spark = table.db_api.spark
    frame = spark.table(table.physical_name).localCheckpoint(eager=True)
    frame.createOrReplaceTempView(table.physical_name)
    return table


def predict_spark(model: TrainedModel, floor: float = 0.05) -> pd.DataFrame:
    """Scored pairs from a model trained with :func:`train_spark`."""
    return predict(model, floor)
