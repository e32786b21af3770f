"""``tribunal verify`` throughput against ``sha256sum`` over the same blobs.

Builds a case holding a mix of blob sizes (many small documents, some large files),
then times, in alternation and on a warm page cache, (a) ``sha256sum`` over every blob
file (the physical bound: one read and one hash per byte) and (b) the full
:func:`tribunal.archive.verify.verify_case` (blobs, rows, ledger, signed heads). Prints
medians and the ratio; the target is verify within 1.5x of sha256sum.

    .venv/bin/python bench/archive_verify.py [--small 3000] [--large 12] [--large-mb 40]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from tribunal.archive.case import Case
from tribunal.archive.ingest import ingest_paths
from tribunal.archive.verify import verify_case


def sha256sum_seconds(files: list[str]) -> float:
    t0 = time.perf_counter()
    for start in range(0, len(files), 2000):
        subprocess.run(["sha256sum", *files[start : start + 2000]], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=3000, help="small documents (1-64 KB)")
    parser.add_argument("--large", type=int, default=12, help="large files")
    parser.add_argument("--large-mb", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="tribunal-bench-") as tmp:
        root = Path(tmp)
        src = root / "src"
        src.mkdir()
        for i in range(args.small):
            (src / f"s{i:05d}.bin").write_bytes(rng.randbytes(rng.randint(1 << 10, 64 << 10)))
        for i in range(args.large):
            (src / f"L{i:03d}.bin").write_bytes(os.urandom(args.large_mb << 20))
        case = Case.init(root / "case")
        ingest_paths(case, [src], extractor=None, index=False)
        files = [str(p) for p in (root / "case" / "blobs").rglob("*") if p.is_file()]
        total = sum(os.path.getsize(f) for f in files)
        sha256sum_seconds(files)  # warm the page cache for both contenders
        ours, theirs, hashing, single = [], [], [], []
        for _ in range(args.repeats):
            theirs.append(sha256sum_seconds(files))
            t0 = time.perf_counter()
            report = verify_case(case)
            ours.append(time.perf_counter() - t0)
            hashing.append(report.hash_seconds)
            assert report.ok, report.problems
            t0 = time.perf_counter()
            verify_case(case, workers=1)
            single.append(time.perf_counter() - t0)
        case.close()
    mb = total / 1e6
    o, t, h = statistics.median(ours), statistics.median(theirs), statistics.median(hashing)
    one = statistics.median(single)
    print(f"blobs: {len(files)} files, {mb:.0f} MB; {report.entries} ledger entries; medians of {args.repeats}")
    print(f"{'':34}{'seconds':>9}{'MB/s':>9}")
    print(f"{'sha256sum (coreutils)':34}{t:>9.2f}{mb / t:>9.0f}")
    print(f"{'tribunal verify (everything)':34}{o:>9.2f}{mb / o:>9.0f}")
    print(f"{'  of which blob hashing (2 threads)':34}{h:>9.2f}{mb / h:>9.0f}")
    print(f"{'tribunal verify, 1 thread':34}{one:>9.2f}{mb / one:>9.0f}")
    print(f"ratio verify / sha256sum: {o / t:.2f} (1 thread: {one / t:.2f}; target <= 1.5)")


if __name__ == "__main__":
    main()
