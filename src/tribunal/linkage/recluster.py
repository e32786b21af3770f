"""Re-clustering a finished run's folder at new thresholds, with the second pass.

A run writes its normalised records (``records/``), its trained model (``model.json``) and
its scored pairs; :func:`refiner_from_output` rebuilds from them what
:func:`tribunal.linkage.capture.cluster` needs, so that an earlier run can be clustered
again at other thresholds without normalising, training or scoring again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from tribunal.linkage.assign import lone_refiner
from tribunal.linkage.assign_sql import duckdb_settings
from tribunal.linkage.model import SELECTIVE_SHARE

__all__ = ["refiner_from_output"]

def _selective_attributes(con: Any) -> list[str]:
    attrs = [r[0] for r in con.execute("DESCRIBE records").fetchall()
             if r[0].startswith("attr_")]
    out = []
    for a in attrs:
        distinct, filled = con.execute(
            f'SELECT approx_count_distinct("{a}"), count("{a}") FROM records').fetchall()[0]
        if filled and distinct / filled > SELECTIVE_SHARE:
            out.append(a)
    return out


def refiner_from_output(out_dir: str | Any, selective: Sequence[str] | None = None
                        ) -> tuple[pd.DataFrame, Callable[[np.ndarray, float], np.ndarray]]:
    """The records and a second-pass refiner rebuilt from a finished run's folder
    (``records/`` and ``model.json``): for re-clustering an earlier run at new thresholds.
    ``selective`` defaults to the attributes the run blocks on (more than 5% distinct
    values, as :func:`tribunal.linkage.link.run_linkage` chooses them); reviewed
    non-matches in the folder's ``decisions.csv`` are respected. Records of protected lists
    whose normalised records were withheld from the folder are missing (as they are from
    its ``pairs.parquet`` and ``clusters.csv``): the records the folder holds are
    re-clustered, a partition of the other lists' records only."""
    import logging

    import duckdb
    from splink import DuckDBAPI, Linker

    out = Path(out_dir)
    con = duckdb.connect()
    glob = str(out / "records" / "*.parquet").replace("'", "''")
    con.execute(f"CREATE TABLE records AS SELECT * FROM read_parquet('{glob}', "
                "union_by_name = true) ORDER BY source, row")
    records = con.execute("SELECT unique_id, source, row FROM records").df()
    if selective is None:
        selective = _selective_attributes(con)
    linker = Linker(DuckDBAPI(con).register("records"), duckdb_settings(out / "model.json"),
                    log_level=logging.ERROR)
    from tribunal.linkage.constraints import cannot_link_pairs
    from tribunal.linkage.review import load_decisions

    decisions = out / "decisions.csv"
    cannot = cannot_link_pairs(load_decisions(decisions) if decisions.exists() else None)
    return records, lone_refiner(con, "records", records["unique_id"],
                                 SimpleNamespace(linker=linker), selective,
                                 cannot_link=cannot)
