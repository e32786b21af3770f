"""Plots of a test's reference distribution with the series under study marked."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np

from tribunal.forensics.result import OK, Finding


def _slug(text: str) -> str:
    """A file-name-safe form of a series name; names in other scripts (器官, 肝脏) keep a
    hash of the name so that two of them never share one file."""
    slug = re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_").lower()[:80]
    if re.fullmatch(r"[A-Za-z0-9 _.-]+", text):
        return slug
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]
    return f"{slug}_{digest}" if slug else f"series_{digest}"


def plot_finding(f: Finding, out_dir: str | Path, *, label: str | None = None) -> Path | None:
    """Histogram of the comparator and simulated statistics with ``f``'s value marked.

    Returns the PNG path, or None when the finding has no reference distribution.
    """
    if f.status != OK or f.statistic is None:
        return None
    real = f.reference_real
    sim = f.reference_sim
    if (real is None or not len(real)) and (sim is None or not len(sim)):
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    values = [a[np.isfinite(a)] for a in (real, sim) if a is not None and len(a)]
    finite = np.concatenate(values + [np.array([f.statistic])])
    lo, hi = float(np.min(finite)), float(np.max(finite))
    bins = np.linspace(lo, hi if hi > lo else lo + 1, 40)
    fig, ax = plt.subplots(figsize=(7, 4))
    if real is not None and len(real):
        ax.hist(real[np.isfinite(real)], bins=bins, alpha=0.6, density=True,
                label=f"comparator windows (n={len(real):,})")
    if sim is not None and len(sim):
        ax.hist(sim[np.isfinite(sim)], bins=bins, alpha=0.5, density=True,
                label=f"simulated genuine (n={len(sim):,})")
    ax.axvline(f.statistic, color="crimson", lw=2,
               label=f"{label or f.series}: p = {f.p_value:.3g}")
    ax.set_xlabel(f"{f.test} statistic (larger = more suspicious)")
    ax.set_ylabel("density")
    ax.set_title(f"{f.series}: {f.test}", fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"forensics_{_slug(f.series)}_{f.test}.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
