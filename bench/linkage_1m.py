"""A generated 1M-record dedupe: wall time and peak memory, tribunal.linkage beside plain Splink.

The data: fictitious people with pinyin names (order sometimes swapped), birth dates and
cities; about 20% of records are duplicates with a typo, a swapped name order or a missing
date. Each side runs in its own process so peak memory (ru_maxrss) is its own:

- plain: Splink on the raw columns (Jaro-Winkler name, date, exact city), blocking on the
  name and on date + first letter, u by sampling, EM, predict, cluster;
- tribunal: the whole `run_linkage` (read CSV in chunks, normalise, train, predict,
  cluster, sensitivity band, write outputs) with blocking restricted to the same two rules
  (`--same-blocking`, default) or with its full default rules.

    .venv/bin/python bench/linkage_1m.py [--n 1000000] [--full-blocking] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

SURNAMES = ["wang", "li", "zhang", "liu", "chen", "yang", "huang", "zhao", "wu", "zhou", "xu", "sun", "ma", "zhu", "hu", "guo", "he", "gao", "lin", "luo", "zheng", "liang", "xie", "song", "tang", "han", "feng", "deng", "cao", "peng", "zeng", "xiao", "tian", "dong"]
SYLLABLES = ["xiu", "ying", "hua", "ming", "guo", "jian", "ping", "zhi", "wei", "fang", "li", "jun", "hong", "qiang", "yu", "lan", "gui", "min", "jing", "hai", "yan", "xia", "wen", "bin", "yong", "jie", "tao", "chao", "juan", "gang", "hui", "dan", "cheng", "yun", "bo", "chun", "xue", "mei", "lin"]
CITIES = [f"city{i:03d}" for i in range(300)]


def generate(n: int, seed: int) -> pd.DataFrame:
    """``n`` records of fictitious people, about 20% of them duplicates with errors."""
    rng = np.random.default_rng(seed)
    n_people = int(n / 1.25)
    sur = np.array(SURNAMES)[rng.integers(len(SURNAMES), size=n_people)]
    s1 = np.array(SYLLABLES)[rng.integers(len(SYLLABLES), size=n_people)]
    s2 = np.array(SYLLABLES)[rng.integers(len(SYLLABLES), size=n_people)]
    given = np.char.add(s1, s2)
    days = rng.integers(0, 365 * 60, size=n_people)
    dob = (np.datetime64("1940-01-01") + days).astype(str)
    city = np.array(CITIES)[rng.integers(len(CITIES), size=n_people)]
    person = np.concatenate([np.arange(n_people), rng.integers(n_people, size=n - n_people)])
    name = np.char.add(np.char.add(np.char.capitalize(sur[person]), " "),
                       np.char.capitalize(given[person]))
    is_dup = np.arange(n) >= n_people
    kind = rng.integers(3, size=n)
    swapped = np.char.add(np.char.add(np.char.capitalize(given[person]), " "),
                          np.char.capitalize(sur[person]))
    name = np.where(is_dup & (kind == 0), swapped, name)
    # typo: drop one character near the end of the given name
    typo = np.array([s[:-2] + s[-1] for s in name])
    name = np.where(is_dup & (kind == 1), typo, name)
    d = dob[person].astype(object)
    d[is_dup & (kind == 2)] = None
    return pd.DataFrame({"name": name, "dob": d, "city": city[person],
                         "person": person}).sample(frac=1.0, random_state=seed)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (all threads): less sensitive to
    other jobs on a shared machine than wall time."""
    return sum(r.ru_utime + r.ru_stime for r in (resource.getrusage(resource.RUSAGE_SELF),
                                                  resource.getrusage(resource.RUSAGE_CHILDREN)))


def worker_peak_mb() -> float:
    """Largest peak of any finished child process (tribunal's normalising workers)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def run_plain(path: Path) -> dict:
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    t0, c0 = time.perf_counter(), cpu_seconds()
    df = pd.read_csv(path, dtype=str, keep_default_na=False).replace("", None)
    df.insert(0, "unique_id", np.arange(1, len(df) + 1))
    truth = df.pop("person")
    settings = SettingsCreator(
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=[
            block_on("name"), block_on("dob", "substr(name, 1, 1)")],
        comparisons=[
            cl.JaroWinklerAtThresholds("name", [0.92, 0.8]).configure(
                term_frequency_adjustments=True),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.ExactMatch("city").configure(term_frequency_adjustments=True),
        ],
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker(DuckDBAPI().register(df), settings, log_level=logging.WARNING)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("name", "dob")], recall=0.6)
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("name"), estimate_without_term_frequencies=True)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("dob"), estimate_without_term_frequencies=True)
    pred = linker.inference.predict(threshold_match_probability=0.5)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(pred, 0.8)
    n_clusters = clusters.as_pandas_dataframe()["cluster_id"].nunique()
    return {"side": "plain", "seconds": time.perf_counter() - t0, "peak_mb": peak_mb(),
            "cpu_s": cpu_seconds() - c0,
            "n_clusters": int(n_clusters), "n_true": int(truth.nunique())}


def run_ours(path: Path, same_blocking: bool) -> dict:
    from splink import block_on

    from tribunal.linkage.link import run_linkage
    from tribunal.linkage.mapping import ColumnMapping
    from tribunal.linkage.model import ModelOptions

    truth = pd.read_csv(path, usecols=["person"])["person"]
    options = ModelOptions()
    if same_blocking:
        options.blocking = [block_on("name_key"), block_on("birth_date", "substr(name_key, 1, 1)")]
    mapping = {path.name: ColumnMapping({"name": ["name"], "birth_date": ["dob"],
                                         "place": ["city"]})}
    t0, c0 = time.perf_counter(), cpu_seconds()
    with tempfile.TemporaryDirectory() as tmp:
        res = run_linkage([path], Path(tmp) / "out", mappings=mapping, threshold=0.8,
                          options=options)
    return {"side": "tribunal", "seconds": time.perf_counter() - t0, "peak_mb": peak_mb(),
            "cpu_s": cpu_seconds() - c0,
            "worker_peak_mb": worker_peak_mb(),
            "n_clusters": res.n_clusters, "n_true": int(truth.nunique())}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--full-blocking", action="store_true")
    ap.add_argument("--side", choices=["plain", "tribunal"])
    ap.add_argument("--data", type=Path)
    ap.add_argument("--repeat", type=int, default=1,
                    help="runs per side (alternating); medians are shown")
    args = ap.parse_args()
    if args.side:
        out = (run_plain(args.data) if args.side == "plain"
               else run_ours(args.data, not args.full_blocking))
        print(json.dumps(out))
        return
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "people.csv"
        generate(args.n, args.seed).to_csv(data, index=False)
        runs: dict[str, list[dict]] = {"plain": [], "tribunal": []}
        for _ in range(args.repeat):
            for side in ("plain", "tribunal"):
                cmd = [sys.executable, __file__, "--side", side, "--data", str(data)]
                if args.full_blocking:
                    cmd.append("--full-blocking")
                proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
                runs[side].append(json.loads(proc.stdout.strip().splitlines()[-1]))
    med = {side: {k: float(np.median([r[k] for r in rs])) for k in ("seconds", "peak_mb", "cpu_s")}
           for side, rs in runs.items()}
    p, o = runs["plain"][0], runs["tribunal"][0]
    print(f"{args.n:,} records, {p['n_true']:,} true people "
          f"({'full' if args.full_blocking else 'same'} blocking), "
          f"median of {args.repeat} run(s) per side, machine load {os.getloadavg()[0]:.1f}")
    print(f"{'':<10}{'wall s':>9}{'CPU s':>8}{'peak MB':>10}{'clusters':>11}{'count err':>11}"
          "   runs (wall s)")
    for side, r in (("plain", p), ("tribunal", o)):
        err = (r["n_clusters"] - r["n_true"]) / r["n_true"]
        each = ", ".join(f"{x['seconds']:.1f}" for x in runs[side])
        print(f"{side:<10}{med[side]['seconds']:>9.1f}{med[side]['cpu_s']:>8.1f}"
              f"{med[side]['peak_mb']:>10.0f}"
              f"{r['n_clusters']:>11,}{err:>11.1%}   {each}")
    workers = max(x.get("worker_peak_mb", 0.0) for x in runs["tribunal"])
    print(f"tribunal's normalising workers (gone before the peak above): at most "
          f"{workers:.0f} MB each")
    print(f"ratio tribunal/plain: time {med['tribunal']['seconds'] / med['plain']['seconds']:.2f}x "
          f"(CPU {med['tribunal']['cpu_s'] / med['plain']['cpu_s']:.2f}x), "
          f"memory {med['tribunal']['peak_mb'] / med['plain']['peak_mb']:.2f}x (target <= 1.5x)")
    print("published (README, plain Splink, 1M synthetic): about 22 s, 3.5 GB, +2.2% clusters")


if __name__ == "__main__":
    main()
