"""A 10-million-row list: streamed normalisation with bounded memory, and an early refusal.

Writes a CSV of N rows (default 10,000,000; about 400 MB) of fictitious records, then
(1) times `tribunal link run --max-records 5000000` refusing it before any work, and
(2) streams it through the normaliser (read in chunks -> Parquet parts), printing wall time
and peak memory, which must stay far below what the whole file as a DataFrame would need.

    .venv/bin/python bench/linkage_stream.py [--n 10000000]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import numpy as np


def write_csv(path: Path, n: int, seed: int = 1) -> None:
    rng = np.random.default_rng(seed)
    sur = np.array(list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"))
    giv = np.array(list("秀英华明国建平志伟芳丽军红强玉兰桂敏静海"))
    with path.open("w", encoding="utf-8") as fh:
        fh.write("姓名,性别,出生日期,籍贯\n")
        block = 1_000_000
        for start in range(0, n, block):
            m = min(block, n - start)
            names = np.char.add(np.char.add(sur[rng.integers(20, size=m)],
                                            giv[rng.integers(20, size=m)]),
                                giv[rng.integers(20, size=m)])
            years = rng.integers(1940, 2000, size=m)
            sex = np.where(rng.random(m) < 0.5, "男", "女")
            fh.writelines(f"{a},{s},{y},新疆\n" for a, s, y in zip(names, sex, years,
                                                                strict=True))


def main() -> None:
    from tribunal.errors import InputError
    from tribunal.linkage.link import normalise_lists

    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10_000_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.csv"
        t0 = time.perf_counter()
        write_csv(path, args.n)
        size_mb = path.stat().st_size / 1e6
        print(f"wrote {args.n:,} rows ({size_mb:,.0f} MB) in {time.perf_counter() - t0:.1f}s")
        t0 = time.perf_counter()
        try:
            normalise_lists([path], Path(tmp) / "refused", max_records=args.n // 2)
        except InputError as exc:
            print(f"refused in {time.perf_counter() - t0:.1f}s: {exc}")
        t0 = time.perf_counter()
        infos, parts = normalise_lists([path], Path(tmp) / "parts")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"streamed and normalised {infos[0].n_rows:,} rows into {len(parts)} Parquet "
              f"parts in {time.perf_counter() - t0:.1f}s; peak memory {peak:,.0f} MB "
              f"(file {size_mb:,.0f} MB)")


if __name__ == "__main__":
    main()
