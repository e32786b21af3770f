"""Plots of LCMCR chains: the posterior of N per chain and the traces, coloured by mode."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from tribunal.mse.result import MSEResult  # noqa: E402


def plot_chains(
    result: MSEResult, path: str | Path, *, published: float | None = None, title: str | None = None
) -> Path:
    """Two panels: each chain's posterior of N (step histograms) and its trace.

    Chains pooled into the estimate are drawn solid, chains in another mode dashed, so a
    reader sees at a glance when the sampler found more than one mode.
    """
    chains = result.details["chain_draws"]
    pooled = set(result.diagnostics.get("pooled_chains", range(len(chains))))
    colors = plt.get_cmap("tab10")
    fig, (ax_h, ax_t) = plt.subplots(1, 2, figsize=(11, 4), gridspec_kw={"width_ratios": [3, 2]})
    allx = np.concatenate([np.asarray(c, dtype=float) for c in chains])
    lo, hi = np.quantile(allx, [0.001, 0.995])
    # N is an integer: align bins on integers so narrow posteriors do not alias.
    width = max(1, int(np.ceil((hi - lo) / 60)))
    bins = np.arange(np.floor(lo) - 0.5, hi + width, width)
    for i, draws in enumerate(chains):
        x = np.asarray(draws, dtype=float)
        style = "-" if i in pooled else "--"
        label = f"chain {i}: median {np.median(x):,.0f}" + ("" if i in pooled else " (not pooled)")
        ax_h.hist(x, bins=bins, histtype="step", density=True, color=colors(i % 10), ls=style,
                  lw=1.5, label=label)  # fmt: skip
        ax_t.plot(x, color=colors(i % 10), ls=style, lw=0.6)
    ax_h.axvline(result.estimate, color="black", lw=2, label=f"estimate {result.estimate:,.0f}")
    if result.interval is not None:
        ax_h.axvspan(*result.interval, color="grey", alpha=0.12, label="95% interval (pooled)")
    if published is not None:
        ax_h.axvline(published, color="#c0392b", ls=":", lw=2, label=f"published {published:,.0f}")
    ax_h.set_xlabel("N")
    ax_h.set_ylabel("density")
    ax_h.legend(fontsize=7)
    ax_h.set_title(title or f"LCMCR posterior of N per chain (K={result.parameters.get('K')})",
                   fontsize=10)  # fmt: skip
    ax_t.set_xlabel("kept draw")
    ax_t.set_ylabel("N")
    ax_t.set_title(f"traces; split R-hat {result.diagnostics.get('rhat_all_chains', float('nan')):.3f}",
                   fontsize=10)  # fmt: skip
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
