"""MCMC convergence diagnostics for the population size: R-hat, ESS and chain modes.

R-hat and effective sample size follow Vehtari, Gelman, Simpson, Carpenter & Buerkner (2021),
"Rank-normalization, folding, and localization: an improved R-hat for assessing convergence
of MCMC", Bayesian Analysis 16(2):667-718: chains are split in halves, draws are
rank-normalised, R-hat is the larger of the bulk and folded values, and the ESS uses Geyer's
initial monotone sequence on the multi-chain autocorrelation.

R-hat over all chains does not say *which* chains disagree. :func:`chain_modes` groups
chains by their pairwise R-hat, so a report can say "chains 1 and 3 sit near 2,070, chains
0, 2 and 4 near 1,410" instead of pooling two modes into one misleading interval.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtri
from scipy.stats import rankdata

RHAT_LIMIT = 1.05


def _as_chains(draws: np.ndarray | list[np.ndarray]) -> np.ndarray:
    """A (chains, draws) float array, trimmed to the shortest chain."""
    if isinstance(draws, np.ndarray) and draws.ndim == 2:
        return draws.astype(float)
    seq = [np.asarray(d, dtype=float) for d in draws]
    n = min(len(d) for d in seq)
    return np.stack([d[:n] for d in seq])


def _split(x: np.ndarray) -> np.ndarray:
    half = x.shape[1] // 2
    if half < 2:
        return x
    return np.concatenate([x[:, :half], x[:, x.shape[1] - half :]], axis=0)


def _rank_normalize(x: np.ndarray) -> np.ndarray:
    ranks = rankdata(x, method="average").reshape(x.shape)
    return ndtri((ranks - 0.375) / (x.size + 0.25))


def _rhat_raw(x: np.ndarray) -> float:
    m, n = x.shape
    if n < 2:
        return float("nan")
    chain_means = x.mean(axis=1)
    w = x.var(axis=1, ddof=1).mean()
    b = n * chain_means.var(ddof=1) if m > 1 else 0.0
    if w <= 0:
        # Constant chains: agree only if all constants are equal.
        return 1.0 if np.ptp(chain_means) == 0 else float("inf")
    var_plus = (n - 1) / n * w + b / n
    return float(np.sqrt(var_plus / w))


def split_rhat(draws: np.ndarray | list[np.ndarray]) -> float:
    """Rank-normalised split R-hat (the maximum of bulk and folded), Vehtari et al. (2021)."""
    x = _split(_as_chains(draws))
    bulk = _rhat_raw(_rank_normalize(x))
    folded = _rhat_raw(_rank_normalize(np.abs(x - np.median(x))))
    return float(max(bulk, folded))


def _autocov(x: np.ndarray) -> np.ndarray:
    """Autocovariance of each row (biased estimator, as in Geyer 1992), by FFT."""
    n = x.shape[1]
    size = 1 << (2 * n - 1).bit_length()
    centred = x - x.mean(axis=1, keepdims=True)
    f = np.fft.rfft(centred, size, axis=1)
    acov = np.fft.irfft(f * np.conjugate(f), size, axis=1)[:, :n]
    return acov / n


def ess(draws: np.ndarray | list[np.ndarray], *, rank: bool = True) -> float:
    """Bulk effective sample size (rank-normalised split chains), Vehtari et al. (2021)."""
    x = _split(_as_chains(draws))
    if rank:
        x = _rank_normalize(x)
    m, n = x.shape
    if n < 4:
        return float("nan")
    acov = _autocov(x)
    chain_var = acov[:, 0] * n / (n - 1)
    w = chain_var.mean()
    if w <= 0:
        return float("nan")
    var_plus = w * (n - 1) / n
    if m > 1:
        var_plus += x.mean(axis=1).var(ddof=1)
    rho = 1.0 - (w - acov.mean(axis=0)) / var_plus
    rho[0] = 1.0
    # Geyer's initial positive sequence of paired sums, made monotone.
    pairs = []
    t = 0
    while t + 1 < n:
        p = rho[t] + rho[t + 1]
        if p < 0:
            break
        if pairs and p > pairs[-1]:
            p = pairs[-1]
        pairs.append(p)
        t += 2
    tau = -1.0 + 2.0 * float(np.sum(pairs)) if pairs else 1.0
    tau = max(tau, 1.0 / np.log10(m * n))
    return float(m * n / tau)


@dataclass
class ChainSummary:
    """Per-chain posterior summary of N."""

    chain: int
    median: float
    lower: float
    upper: float
    mean: float
    sd: float
    first_half_median: float
    second_half_median: float

    def to_dict(self) -> dict[str, float]:
        return {k: (float(v) if k != "chain" else int(v)) for k, v in self.__dict__.items()}


def summarize_chain(chain: int, x: np.ndarray, level: float = 0.95) -> ChainSummary:
    """Median, equal-tailed interval, mean, sd and the medians of each half of one chain."""
    x = np.asarray(x, dtype=float)
    tail = (1 - level) / 2
    half = len(x) // 2
    return ChainSummary(
        chain=chain,
        median=float(np.median(x)),
        lower=float(np.quantile(x, tail)),
        upper=float(np.quantile(x, 1 - tail)),
        mean=float(x.mean()),
        sd=float(x.std(ddof=1)) if len(x) > 1 else 0.0,
        first_half_median=float(np.median(x[:half])) if half else float("nan"),
        second_half_median=float(np.median(x[half:])),
    )


def agreement_matrix(draws: list[np.ndarray] | np.ndarray) -> np.ndarray:
    """Pairwise split R-hat of chains (1 on the diagonal): near 1 for chains that agree."""
    chains = [np.asarray(d, dtype=float) for d in draws]
    n = len(chains)
    out = np.ones((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            out[i, j] = out[j, i] = split_rhat([chains[i], chains[j]])
    return out


def chain_modes(
    draws: list[np.ndarray] | np.ndarray, *, threshold: float = RHAT_LIMIT
) -> list[list[int]]:
    """Group chains into modes by complete-linkage clustering of their pairwise split R-hat.

    Two groups merge only if every pair of chains across them has split R-hat at most
    ``threshold``, so a chain caught between two modes cannot chain them into one group.
    Pairwise R-hat separates chains whose 95% intervals overlap widely (a narrow low mode in
    the tail of a wide one, or two wide modes with different medians) while chains sampling
    the same law stay near 1. Returns the groups (lists of chain indices) ordered by the
    median of their pooled draws.
    """
    chains = [np.asarray(d, dtype=float) for d in draws]
    rhat = agreement_matrix(chains)
    groups = [[i] for i in range(len(chains))]
    while len(groups) > 1:
        best, pair = np.inf, (0, 0)
        for a in range(len(groups)):
            for b in range(a + 1, len(groups)):
                link = max(rhat[i, j] for i in groups[a] for j in groups[b])
                if link < best:
                    best, pair = link, (a, b)
        if not best <= threshold:
            break
        a, b = pair
        groups[a] = sorted(groups[a] + groups[b])
        del groups[b]
    return sorted(
        groups, key=lambda g: float(np.median(np.concatenate([chains[i] for i in g])))
    )
