"""Chinese and Uyghur names on a generated set with known truth: tribunal beside plain Splink.

The set (tribunal.linkage.synth): fictitious people on three lists that write names in
simplified/traditional characters, pinyin in either order, Wade-Giles/Cantonese surnames,
whole names in Cantonese (Chan Tai Man) and Hokkien (Tan Ah Kow) spelling, Uyghur (about 240
names) in Chinese characters, Latin (with Russian suffixes), Cyrillic and Arabic script,
with partial dates, places at different levels and typos. Plain Splink gets the same rows with
the raw name, birth and place columns (Jaro-Winkler name, date, exact place, sex).
Prints entity-count error and B-cubed F1 for both, per seed and as medians.

    .venv/bin/python bench/linkage_names.py [--people 1000] [--seeds 3] [--no-dialect-names]
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import statistics
import tempfile
from pathlib import Path

import pandas as pd

from tribunal.linkage.evaluate import evaluate_clusters
from tribunal.linkage.link import run_linkage
from tribunal.linkage.synth import make_lists


def plain(lists: dict[str, pd.DataFrame]) -> pd.Series:
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    rows = []
    for name, f in lists.items():
        cols = list(f.columns)
        rows.append(pd.DataFrame({
            "unique_id": [f"{name}:{i + 1}" for i in range(len(f))],
            "name": f[cols[0]].astype(str), "sex": f[cols[1]].astype(str),
            "birth": f[cols[2]].astype(str).replace("", None),
            "place": f[cols[3]].astype(str),
        }))
    df = pd.concat(rows, ignore_index=True)
    settings = SettingsCreator(
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=[block_on("name"), block_on("birth"),
                                                block_on("substr(name, 1, 1)", "place")],
        comparisons=[cl.JaroWinklerAtThresholds("name", [0.92, 0.8]),
                     cl.LevenshteinAtThresholds("birth", [1, 3]), cl.ExactMatch("place"),
                     cl.ExactMatch("sex")],
    )
    linker = Linker(DuckDBAPI().register(df), settings, log_level=logging.ERROR)
    linker.training.estimate_probability_two_random_records_match([block_on("name", "birth")],
                                                                  recall=0.6)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    for br in (block_on("name"), block_on("birth")):
        # small-data EM failures: keep going, as tribunal does
        with contextlib.suppress(Exception):
            linker.training.estimate_parameters_using_expectation_maximisation(br)
    pred = linker.inference.predict(threshold_match_probability=0.5)
    cl_df = linker.clustering.cluster_pairwise_predictions_at_threshold(pred, 0.8)
    out = cl_df.as_pandas_dataframe()[["unique_id", "cluster_id"]]
    return df[["unique_id"]].merge(out, on="unique_id", how="left").set_index("unique_id")[
        "cluster_id"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--people", type=int, default=1000)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--no-dialect-names", action="store_true",
                    help="leave out the Cantonese and Hokkien renderings of Chinese names")
    args = ap.parse_args()
    rows = []
    for seed in range(1, args.seeds + 1):
        lists, truth = make_lists(args.people, seed=seed,
                                  dialect_names=not args.no_dialect_names)
        lookup = {f"{r.list}:{r.row}": r.person for r in truth.itertuples()}
        with tempfile.TemporaryDirectory() as tmp:
            paths = []
            for name, frame in lists.items():
                path = Path(tmp) / f"{name}.csv"
                frame.to_csv(path, index=False)
                paths.append(path)
            run_linkage(paths, Path(tmp) / "out", threshold=0.8)
            ours = pd.read_csv(Path(tmp) / "out" / "clusters.csv")
        ev_o = evaluate_clusters(ours["person_id"], [lookup[u] for u in ours["unique_id"]])
        p = plain(lists)
        ev_p = evaluate_clusters(p.to_numpy(), [lookup[u] for u in p.index])
        rows.append((seed, ev_o, ev_p))
        print(f"seed {seed}: {ev_o.n_records} records, {ev_o.n_true} people | "
              f"tribunal {ev_o.n_clusters} ({ev_o.count_error:+.1%}) B3 F1 {ev_o.bcubed.f1:.3f} | "
              f"plain Splink {ev_p.n_clusters} ({ev_p.count_error:+.1%}) "
              f"B3 F1 {ev_p.bcubed.f1:.3f}")
    med = statistics.median
    print(f"median over {len(rows)} seeds: tribunal count error "
          f"{med(r[1].count_error for r in rows):+.1%}, B3 F1 "
          f"{med(r[1].bcubed.f1 for r in rows):.3f}; plain Splink count error "
          f"{med(r[2].count_error for r in rows):+.1%}, B3 F1 "
          f"{med(r[2].bcubed.f1 for r in rows):.3f}")


if __name__ == "__main__":
    main()
