"""Text extraction CPU time per document, and the encoding and language steps against
their per-character definitions (the code they replaced), from one run.

Generates the same mixed documents as ``bench/archive_ingest.py`` (UTF-8, GB18030 and Big5
text; HTML; one-page PDFs) and times ``extract()`` per kind, then the encoding score and
the language count, vectorised (ours) and as the plain per-character loops, on the same
texts. CPU time (``time.process_time``), so a busy machine disturbs it little.

    .venv/bin/python bench/extract_speed.py [--n 600]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from archive_ingest import make_docs  # noqa: E402

from tribunal.archive.extract import extract  # noqa: E402
from tribunal.archive.extract.common_han import common_han  # noqa: E402
from tribunal.archive.extract.language import detect_language  # noqa: E402
from tribunal.archive.extract.textscore import WESTERN_PUNCT, score_text  # noqa: E402


def loop_score(text: str) -> float:
    """The per-character encoding score (Chinese candidates), as before vectorising."""
    common, good, judged = common_han(), 0.0, 0
    for ch in text:
        o = ord(ch)
        if o < 128:
            if not (ch.isprintable() or ch in "\t\n\r\f"):
                good, judged = good - 5.0, judged + 1
            continue
        judged += 1
        if ch in common or 0x3000 <= o <= 0x303F or 0xFF00 <= o <= 0xFFEF or ch in WESTERN_PUNCT:
            good += 1.0
        elif 0x4E00 <= o <= 0x9FFF:
            good += 0.3
        else:
            cat = unicodedata.category(ch)
            if ch == "\ufffd" or cat in ("Cc", "Co", "Cn", "Cs"):
                good -= 5.0
            elif cat.startswith(("L", "P", "Z", "N")):
                good += 0.1
    return 1.0 if judged == 0 else good / judged


def loop_letters(text: str) -> int:
    """The per-character letter count the language guess used before."""
    return sum(1 for ch in text if ch.isalpha())


def cpu_ms(fn, items) -> float:  # type: ignore[no-untyped-def]
    t0 = time.process_time()
    for item in items:
        fn(item)
    return (time.process_time() - t0) * 1000 / max(1, len(items))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=600)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="tribunal-bench-") as tmp:
        make_docs(Path(tmp), args.n, 1)
        files = sorted(p for p in Path(tmp).rglob("*") if p.is_file())
        extract(files[0])  # one-off imports and tables outside the timings
        by_kind: dict[str, list[Path]] = {}
        for f in files:
            by_kind.setdefault(f.name.split("_")[0], []).append(f)
        print(f"extract(), CPU ms per document ({len(files)} documents)")
        total = 0.0
        for kind, paths in sorted(by_kind.items()):
            ms = cpu_ms(extract, paths)
            total += ms * len(paths)
            print(f"  {kind:8s} {ms:8.2f}")
        print(f"  {'all':8s} {total / len(files):8.2f}  ({1000 * len(files) / total:,.0f} docs per CPU-second)")
        texts = []
        for f in files:
            if f.suffix == ".txt":
                data = f.read_bytes()
                for enc in ("gb18030", "cp950"):  # the candidates a GB/Big5 file is scored in
                    texts.append(data[: 256 * 1024].decode(enc, errors="replace")[:65536])
        print("\nstep, CPU ms per text          ours (numpy)   per-character loop   ratio")
        ours, loop = cpu_ms(score_text, texts), cpu_ms(loop_score, texts)
        print(f"  encoding score            {ours:12.3f} {loop:18.3f} {loop / ours:9.1f}x")
        ours, loop = cpu_ms(detect_language, texts), cpu_ms(loop_letters, texts)
        print(f"  language (letter count)   {ours:12.3f} {loop:18.3f} {loop / ours:9.1f}x")
        same = statistics.mean(abs(score_text(t) - loop_score(t)) < 1e-9 for t in texts)
        print(f"  scores equal to the loop's: {same:.0%} of {len(texts)} texts")


if __name__ == "__main__":
    main()
