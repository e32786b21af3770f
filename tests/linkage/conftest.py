"""Shared set-up for the linkage tests."""

import pytest


@pytest.fixture(autouse=True)
def _no_case_from_env(monkeypatch):
    """A TRIBUNAL_CASE in the caller's environment must not turn a test into case mode."""
    monkeypatch.delenv("TRIBUNAL_CASE", raising=False)


@pytest.fixture(scope="session")
def spark_session():
    """One local SparkSession (one core, one partition) for every Spark test: starting the
    JVM and warming it up costs more than a small test's work."""
    pytest.importorskip("pyspark")
    from tribunal.linkage.spark import java_available, local_spark

    if not java_available():
        pytest.skip("no Java runtime for pyspark")
    session = local_spark(cores=1, partitions=1)
    yield session
    session.stop()


def _scored_pairs(vectors, floor: float):
    """The pairs a :class:`CandidateVectors` scores at ``floor``, as pandas; its table
    dropped."""
    scored = vectors.score(floor)
    try:
        return scored.as_pandas_dataframe()
    finally:
        scored.drop_table_from_database_and_remove_from_cache()


@pytest.fixture
def scored_pairs():
    """Function of (candidate vectors, floor): the pairs they score at the floor."""
    return _scored_pairs
