"""Ingest throughput on generated mixed evidence: documents/s and MB/s.

Generates N documents (plain text in UTF-8, GB18030 and Big5; HTML with scripts; one-page
PDFs with a text layer; Chinese and English), ingests them into a fresh case with the real
extractors and search indexing, and prints our figures beside the physical baseline from
the same run: copying the same files and hashing them with ``sha256sum`` (what any
archive must at least do).

    .venv/bin/python bench/archive_ingest.py [--n 10000] [--seed 1]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from tribunal.archive.case import Case
from tribunal.archive.ingest import ingest_paths
from tribunal.demo.archive_step import minimal_pdf

ZH = ["器官", "移植", "肝脏", "肾脏", "供体", "等待", "医院", "患者", "手术", "捐献", "中心", "时间"]
ZH_T = ["器官", "移植", "肝臟", "腎臟", "供體", "等待", "醫院", "患者", "手術", "捐獻"]
EN = ["organ", "transplant", "liver", "kidney", "donor", "waiting", "time", "hospital",
      "patient", "surgery", "centre", "weeks", "matching", "supply", "records"]  # fmt: skip


def make_docs(folder: Path, n: int, seed: int) -> int:
    """Write ``n`` mixed documents; return their total size in bytes."""
    rng = random.Random(seed)
    total = 0
    for i in range(n):
        sub = folder / f"{i // 500:03d}"
        sub.mkdir(exist_ok=True)
        kind = i % 6
        words = rng.randint(100, 2000)
        if kind == 0:
            data = ("".join(rng.choice(ZH) for _ in range(words)) + f"。编号{i}\n").encode("utf-8")
            name = f"zh_{i}.txt"
        elif kind == 1:
            data = ("".join(rng.choice(ZH) for _ in range(words)) + f"。{i}\n").encode("gb18030")
            name = f"gb_{i}.txt"
        elif kind == 2:
            data = ("".join(rng.choice(ZH_T) for _ in range(words)) + f"。{i}\n").encode("big5")
            name = f"big5_{i}.txt"
        elif kind == 3:
            data = (" ".join(rng.choice(EN) for _ in range(words)) + f" doc {i}\n").encode()
            name = f"en_{i}.txt"
        elif kind == 4:
            body = " ".join(rng.choice(EN) for _ in range(words // 2))
            zh = "".join(rng.choice(ZH) for _ in range(words // 4))
            data = (
                f"<html><head><title>Page {i}</title><script>var t={i};</script>"
                f"<style>p{{color:red}}</style></head><body><h1>Hospital {i}</h1>"
                f"<p>{body}</p><p>{zh}</p></body></html>"
            ).encode()
            name = f"page_{i}.html"
        else:
            lines = [" ".join(rng.choice(EN) for _ in range(10)) for _ in range(rng.randint(5, 40))]
            data = minimal_pdf([f"Document {i}", *lines])
            name = f"paper_{i}.pdf"
        (sub / name).write_bytes(data)
        total += len(data)
    return total


def baseline(src: Path, dst: Path) -> float:
    """Seconds to copy the files and sha256sum the copies."""
    t0 = time.perf_counter()
    shutil.copytree(src, dst)
    files = [str(p) for p in dst.rglob("*") if p.is_file()]
    for start in range(0, len(files), 2000):
        subprocess.run(["sha256sum", *files[start : start + 2000]], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tribunal-bench-") as tmp:
        root = Path(tmp)
        src = root / "docs"
        src.mkdir()
        size = make_docs(src, args.n, args.seed)
        base = baseline(src, root / "copy")
        case = Case.init(root / "case")
        t0, c0 = time.perf_counter(), os.times()
        report = ingest_paths(case, [src])
        seconds, c1 = time.perf_counter() - t0, os.times()
        # CPU of this process and of the extraction workers (reaped when ingest ends)
        cpu = sum(c1[:4]) - sum(c0[:4])
        items = case.db.execute("SELECT COUNT(*) FROM items").fetchone()[0]
        case.close()
        mb = size / 1e6
        print(f"documents: {args.n} ({mb:.1f} MB; text, HTML, PDF; Chinese and English)")
        print(f"failures: {len(report.failures)}, warnings: {len(report.warnings)}, items: {items}")
        print(f"{'':28}{'seconds':>10}{'docs/s':>10}{'MB/s':>10}")
        print(f"{'tribunal ingest (extract+index)':28}{seconds:>10.1f}{args.n / seconds:>10.0f}{mb / seconds:>10.2f}")
        print(f"{'baseline: cp + sha256sum':28}{base:>10.1f}{args.n / base:>10.0f}{mb / base:>10.2f}")
        print(f"ratio (ours / baseline): {seconds / base:.1f}x")
        print(f"CPU time, ingest process + extraction workers: {cpu:.1f} s "
              f"({args.n / cpu:.0f} docs per CPU-second; on {os.cpu_count()} cores, load "
              f"average {os.getloadavg()[0]:.1f} at the end)")


if __name__ == "__main__":
    main()
