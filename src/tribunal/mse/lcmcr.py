"""LCMCR: Bayesian non-parametric latent class capture-recapture, with several chains.

Manrique-Vallier, D. (2016). "Bayesian population size estimation using Dirichlet process
mixtures." Biometrics 72(4):1246-1254. Heterogeneous capture is modelled by a mixture of
latent classes with a truncated stick-breaking prior (truncation ``K``, concentration
alpha ~ Gamma(a_alpha, b_alpha), defaults 0.25/0.25 as published), list capture
probabilities lambda ~ Beta(1, 1) within each class, and a prior on N proportional to 1/N.

The Gibbs sampler itself is in :mod:`tribunal.mse.lcmcr_kernel`. This module runs several
independent chains (in threads: the compiled sweep releases the GIL), checks them against
each other with :mod:`tribunal.mse.diagnostics`, and pools only chains that agree: the
sampler can stay for millions of sweeps in a wrong mode (the 20-list Colombia stratum), and
an estimate that silently averages two modes would be wrong in a way no single number shows.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from tribunal.errors import InputError
from tribunal.mse import diagnostics as diag
from tribunal.mse.lcmcr_kernel import run_sweeps, sparse_patterns
from tribunal.mse.result import MSEResult
from tribunal.mse.table import CaptureTable

# Sweeps per compiled call: small enough for a live progress bar, large enough that the
# Python overhead between calls is negligible.
_CHUNK = 20_000
# Warm-up sweeps with alpha fixed before burn-in when starting as R's LCMCR does.
_WARMUP = 500
# Warn about the cap on unseen cases when more than this share of sweeps hit it.
CAP_WARN_SHARE = 1e-4


@dataclass
class ChainDraws:
    """The recorded draws of one chain."""

    n: np.ndarray
    alpha: np.ndarray
    occupied: np.ndarray
    loglik: np.ndarray
    cap_hits: int
    seconds: float
    sweeps: int
    cpu_seconds: float = 0.0


def _check_settings(table: CaptureTable, K: int, chains: int, burnin: int, samples: int, thin: int) -> None:
    if table.n_lists < 2:
        raise InputError("LCMCR needs at least two lists")
    if K < 1:
        raise InputError(f"K (the number of latent classes) must be at least 1, not {K}")
    if chains < 1 or samples < 1 or thin < 1 or burnin < 0:
        raise InputError(
            "chains, samples and thin must be positive and burnin non-negative",
            hint="e.g. --chains 4 --burnin 10000 --samples 1000 --thin 10",
        )
    if table.n_observed < 1:
        raise InputError("the table holds no observed cases")


def run_chain(
    table: CaptureTable,
    rng: np.random.Generator,
    *,
    K: int = 10,
    burnin: int = 10_000,
    samples: int = 1_000,
    thin: int = 10,
    a_alpha: float = 0.25,
    b_alpha: float = 0.25,
    max_unobserved: int | None = None,
    on_sweeps: Callable[[int], None] | None = None,
    init: str = "marginal",
) -> ChainDraws:
    """Run one Gibbs chain; record N every ``thin`` sweeps after ``burnin`` sweeps.

    ``init="marginal"`` starts as R's LCMCR does: every class at the lists' marginal
    capture rates, weight 0.9 on the first four classes, alpha = 0.3 / K, then 500 warm-up
    sweeps with alpha fixed, after which classes are reordered by weight.
    ``init="prior"`` starts from a random draw of the prior instead. The warm-up sweeps are
    not counted in ``burnin``. ``on_sweeps(k)`` is called after each chunk with the number
    of sweeps just done.
    """
    keep = table.counts > 0
    patterns = np.ascontiguousarray(table.patterns[keep], dtype=np.int64)
    counts = np.ascontiguousarray(table.counts[keep], dtype=np.int64)
    idx, ptr = sparse_patterns(patterns)
    j = patterns.shape[1]
    cap = int(max_unobserved if max_unobserved is not None else default_cap(table.n_observed))
    if init == "prior":
        alpha = a_alpha / b_alpha
        lam = rng.beta(1.0, 1.0, size=(j, K))
        v = rng.beta(1.0, alpha, size=K)
        v[-1] = 1.0
        pi = v * np.concatenate([[1.0], np.cumprod(1.0 - v[:-1])])
    elif init == "marginal":
        alpha = 0.3 / K
        rates = (patterns * counts[:, None]).sum(axis=0) / counts.sum()
        lam = np.repeat(np.clip(rates, 1e-6, 1 - 1e-6)[:, None], K, axis=1)
        first = min(4, K)
        pi = np.full(K, 0.1 / max(K - first, 1))
        pi[:first] = 0.9 / first if first < K else 1.0 / first
        v = np.zeros(K)
    else:
        raise InputError(f"unknown init {init!r}", hint="'marginal' or 'prior'")
    state = np.array([alpha, 0.0, 0.0, 0.0])
    m = np.zeros((len(counts), K), dtype=np.int64)
    m0 = np.zeros(K, dtype=np.int64)
    out_n = np.zeros(samples, dtype=np.int64)
    out_alpha = np.zeros(samples)
    out_kstar = np.zeros(samples, dtype=np.int64)
    out_loglik = np.zeros(samples)
    work = (
        np.zeros(K),
        np.zeros((j, K)),
        np.zeros(K),
        np.zeros(K, dtype=np.int64),
        np.zeros(K, dtype=np.int64),
        np.zeros((j, K), dtype=np.int64),
    )
    total = burnin + samples * thin
    pos = 0
    done = 0
    start, cpu_start = time.perf_counter(), time.thread_time()
    if init == "marginal":
        run_sweeps(
            rng, _WARMUP, 1, _WARMUP, idx, ptr, counts, lam, v, pi, state, m, m0,
            float(a_alpha), float(b_alpha), False, cap,
            out_n, out_alpha, out_kstar, out_loglik, 0, *work,
        )  # fmt: skip
        order = np.argsort(-pi, kind="stable")
        lam[:] = lam[:, order]
        pi[:] = pi[order]
        state[2:] = 0.0
    while done < total:
        step = min(_CHUNK, total - done)
        pos = run_sweeps(
            rng, step, thin, burnin, idx, ptr, counts, lam, v, pi, state, m, m0,
            float(a_alpha), float(b_alpha), True, cap,
            out_n, out_alpha, out_kstar, out_loglik, pos, *work,
        )  # fmt: skip
        done += step
        if on_sweeps is not None:
            on_sweeps(step)
    return ChainDraws(
        n=out_n[:pos],
        alpha=out_alpha[:pos],
        occupied=out_kstar[:pos],
        loglik=out_loglik[:pos],
        cap_hits=int(state[2]),
        seconds=time.perf_counter() - start,
        sweeps=total,
        cpu_seconds=time.thread_time() - cpu_start,
    )


def default_cap(n_observed: int) -> int:
    """Default cap on unseen cases: 20 times the observed, as R's LCMCR (>= 0.4) truncates."""
    return 20 * n_observed


def estimate_lcmcr(
    table: CaptureTable,
    *,
    K: int = 10,
    chains: int = 4,
    burnin: int = 10_000,
    samples: int = 1_000,
    thin: int = 10,
    seed: int | None = None,
    a_alpha: float = 0.25,
    b_alpha: float = 0.25,
    max_unobserved: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
    init: str = "marginal",
) -> MSEResult:
    """Estimate N with the LCMCR model of Manrique-Vallier (2016) from several chains.

    Each chain runs ``burnin`` sweeps, then records N every ``thin`` sweeps until it has
    ``samples`` draws; chain seeds are spawned from ``seed`` (a fresh seed is drawn and
    recorded in ``parameters`` when it is None). The estimate is the posterior median and
    the interval the equal-tailed 95% interval of the draws pooled over the chains that
    agree with each other; when chains sit in different modes (or split R-hat exceeds 1.05)
    ``warnings`` says which chains are where and which were pooled. HRDAG's production
    settings are K=15, burnin=10,000, samples=1,000, thin=5,000.
    """
    _check_settings(table, K, chains, burnin, samples, thin)
    if seed is None:
        seed = int(np.random.SeedSequence().entropy % (2**63))
    children = np.random.SeedSequence(seed).spawn(chains)
    rngs = [np.random.Generator(np.random.PCG64(c)) for c in children]
    total = chains * (burnin + samples * thin)
    lock = threading.Lock()
    progress = [0]

    def on_sweeps(k: int) -> None:
        if on_progress is None:
            return
        with lock:
            progress[0] += k
            on_progress(progress[0], total)

    def one(i: int) -> ChainDraws:
        return run_chain(
            table, rngs[i], K=K, burnin=burnin, samples=samples, thin=thin,
            a_alpha=a_alpha, b_alpha=b_alpha, max_unobserved=max_unobserved,
            on_sweeps=on_sweeps, init=init,
        )  # fmt: skip

    n_workers = workers or min(chains, os.cpu_count() or 1)
    start = time.perf_counter()
    if n_workers <= 1 or chains == 1:
        results = [one(i) for i in range(chains)]
    else:
        with ThreadPoolExecutor(max_workers=n_workers) as pool:
            results = list(pool.map(one, range(chains)))
    wall = time.perf_counter() - start
    cap = int(max_unobserved if max_unobserved is not None else default_cap(table.n_observed))
    return _assemble(table, results, dict(
        K=K, chains=chains, burnin=burnin, samples=samples, thin=thin, seed=seed,
        a_alpha=a_alpha, b_alpha=b_alpha, max_unobserved=cap, init=init,
    ), wall)  # fmt: skip


def _fmt(x: float) -> str:
    return f"{x:,.0f}"


def _choose_mode(groups: list[list[int]], results: list[ChainDraws]) -> int:
    """Index of the group to pool: the one whose chains fit the observed data best.

    A Gibbs sampler stuck in a local mode (Colombia: N near 1,410) fits the observed
    patterns worse by tens of log-likelihood units than chains in the main mode, whatever
    the number of chains that got stuck; so the fit, not a majority vote, picks the mode.
    """

    def fit(g: list[int]) -> float:
        return float(np.mean([np.mean(results[i].loglik) for i in g]))

    return max(range(len(groups)), key=lambda i: fit(groups[i]))


def _assemble(
    table: CaptureTable, results: list[ChainDraws], params: dict, wall: float
) -> MSEResult:
    """Diagnose the chains, pool the agreeing ones and write the warnings."""
    draws = [r.n.astype(float) for r in results]
    n_chains = len(results)
    per_chain = [diag.summarize_chain(i, d).to_dict() for i, d in enumerate(draws)]
    for row, r in zip(per_chain, results, strict=True):
        row["cap_hits"] = r.cap_hits
        row["mean_loglik"] = float(np.mean(r.loglik))
        row["mean_alpha"] = float(np.mean(r.alpha))
        row["mean_occupied_classes"] = float(np.mean(r.occupied))
        row["seconds"] = r.seconds
        row["cpu_seconds"] = r.cpu_seconds
    groups = diag.chain_modes(draws)
    chosen = _choose_mode(groups, results)
    pooled_ids = groups[chosen]
    pooled = np.concatenate([draws[i] for i in pooled_ids])
    estimate = float(np.median(pooled))
    interval = (float(np.quantile(pooled, 0.025)), float(np.quantile(pooled, 0.975)))
    rhat_all = diag.split_rhat(draws) if n_chains > 1 else float("nan")
    rhat_pooled = diag.split_rhat([draws[i] for i in pooled_ids])
    modes = []
    for g in groups:
        x = np.concatenate([draws[i] for i in g])
        modes.append({
            "chains": g,
            "median": float(np.median(x)),
            "interval": [float(np.quantile(x, 0.025)), float(np.quantile(x, 0.975))],
            "mean_loglik": float(np.mean([per_chain[i]["mean_loglik"] for i in g])),
        })  # fmt: skip
    warnings = list(table.warnings)
    disagree = len(groups) > 1 or (n_chains > 1 and rhat_all > diag.RHAT_LIMIT)
    if len(groups) > 1:
        where = "; ".join(
            f"chains {', '.join(map(str, mo['chains']))} near {_fmt(mo['median'])} "
            f"[{_fmt(mo['interval'][0])}, {_fmt(mo['interval'][1])}]"
            for mo in modes
        )
        warnings.append(
            f"CHAINS DISAGREE: the sampler found {len(groups)} modes ({where}); split R-hat "
            f"over all chains {rhat_all:.2f}. The estimate pools only chains "
            f"{', '.join(map(str, pooled_ids))} (the best fit to the observed patterns). Do "
            "not quote it as the posterior: run more and longer chains (HRDAG's production "
            "settings: K=15, burnin 10,000, samples 1,000, thin 5,000) and report the modes."
        )
    elif disagree:
        warnings.append(
            f"CHAINS HAVE NOT CONVERGED: split R-hat {rhat_all:.2f} > {diag.RHAT_LIMIT}; "
            "run longer chains before quoting the estimate."
        )
    if n_chains == 1:
        warnings.append(
            "only one chain was run: disagreement between chains (a sampler stuck in a wrong "
            "mode) cannot be detected; run at least 4 chains"
        )
    sweeps = sum(r.sweeps for r in results)
    capped = [i for i, r in enumerate(results) if r.cap_hits > 0]
    hits = sum(r.cap_hits for r in results)
    # A handful of capped sweeps in millions is the far tail; more means the cap binds.
    if capped and hits > CAP_WARN_SHARE * sweeps:
        warnings.append(
            f"UNSEEN CASES HIT THE CAP of {params['max_unobserved']:,} in chains "
            f"{', '.join(map(str, capped))} ({hits:,} of {sweeps:,} sweeps): the posterior is "
            "truncated there and the upper end of the interval is not trustworthy; raise "
            "max_unobserved, or read the estimate as conditional on N below the cap"
        )
    busy = sum(r.seconds for r in results)
    diagnostics = {
        "rhat": rhat_pooled,
        "rhat_all_chains": rhat_all,
        "ess": diag.ess([draws[i] for i in pooled_ids]),
        "ess_all_chains": diag.ess(draws),
        "chains_agree": not disagree,
        "pooled_chains": pooled_ids,
        "modes": modes,
        "per_chain": per_chain,
        "cap_hits": int(sum(r.cap_hits for r in results)),
        "seconds": wall,
        "us_per_sweep": 1e6 * busy / max(sweeps, 1),
        "cpu_us_per_sweep": 1e6 * sum(r.cpu_seconds for r in results) / max(sweeps, 1),
    }
    return MSEResult(
        method="lcmcr",
        estimate=estimate,
        interval=interval,
        n_observed=table.n_observed,
        lists=list(table.lists),
        input_sha256=table.input_sha256,
        stratum=table.stratum,
        parameters=params,
        diagnostics=diagnostics,
        warnings=warnings,
        # "draws" holds only the pooled (agreeing) chains, so that strata totals and plots
        # built on it never mix modes; every chain's draws are in "chain_draws".
        details={"draws": pooled.astype(np.int64), "chain_draws": [r.n for r in results]},
    )
