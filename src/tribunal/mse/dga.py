"""Bayesian model averaging over decomposable graphical models (Madigan & York 1997).

Method (Madigan & York 1997, Biometrika 84:19-31, Sec. 3-4; the same computation as HRDAG's
R package dga, ``bma.cr``): for each decomposable graph G on the J lists and each candidate
number m of people on no list, complete the 2^J table by putting m in the all-zero cell
and score

    log p(G, m | data) = log p(completed table | G)          hyper-Dirichlet marginal
                       + log [N! / (m! * prod_obs y!)]         multinomial coefficient
                       + log p(N) + log p(G) + const,           N = n_obs + m

where, with a hyper-Dirichlet prior that gives every cell of the full table the prior
weight ``delta`` (so a marginal cell over a set C has weight delta * 2^(J-|C|) and every
marginal table has total weight A = delta * 2^J; Dawid & Lauritzen 1993),

    log p(table | G) = sum_cliques L(C) - sum_separators L(S),
    L(C) = lgamma(A) - lgamma(N + A) + sum_cells [lgamma(n_c + a_C) - lgamma(a_C)].

Everything is computed in logs and vectorised: one row of L per vertex subset (2^J - 1
rows over the whole grid of m), then one signed sum per graph. The joint posterior is
normalised over graphs and the grid; its column sums are the posterior of N, its row sums
the posterior model probabilities.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse
from scipy.special import gammaln, logsumexp

from tribunal.errors import InputError
from tribunal.mse.decomposable import decomposable_graphs, subset_mask
from tribunal.mse.dga_inputs import (
    DEFAULT_GRID_FACTOR,
    check_table,
    checked_model_prior,
    default_grid_capped,
    resolve_grid,
)
from tribunal.mse.dga_priors import NPrior, negative_binomial_prior, resolve_prior
from tribunal.mse.dga_summary import (
    bayes_estimate,
    cap_warnings,
    mode_warnings,
    posterior_modes,
    posterior_quantile,
    summaries,
)
from tribunal.mse.result import MSEResult
from tribunal.mse.table import CaptureTable

__all__ = [
    "NPrior",
    "bayes_estimate",
    "dga_posterior",
    "estimate_dga",
    "negative_binomial_prior",
    "posterior_modes",
    "posterior_quantile",
]

# Cells of the joint (graphs x grid) matrix computed at once; bounds memory near 8 MB.
_CHUNK_CELLS = 1_000_000
_TOP_MODELS = 5


def _subset_log_ml(table: CaptureTable, missing: np.ndarray, delta: float) -> np.ndarray:
    """L(C) over the grid for every non-empty vertex subset C (row mask-1)."""
    j = table.n_lists
    n_obs = table.n_observed
    total_alpha = delta * 2.0**j
    norm = gammaln(total_alpha) - gammaln(n_obs + missing + total_alpha)
    out = np.empty((2**j - 1, missing.size))
    for mask in range(1, 2**j):
        cols = [v for v in range(j) if mask >> v & 1]
        alpha = delta * 2.0 ** (j - len(cols))
        weights = 1 << np.arange(len(cols))
        cell = table.patterns[:, cols] @ weights
        counts = np.bincount(cell, weights=table.counts, minlength=2 ** len(cols))
        fixed = np.sum(gammaln(counts[1:] + alpha) - gammaln(alpha))
        # Cell 0 (no list of C) holds observed cases seen only elsewhere plus the m unseen.
        zero = gammaln(counts[0] + missing + alpha) - gammaln(alpha)
        out[mask - 1] = fixed + zero + norm
    return out


def _graph_coefficients(j: int) -> np.ndarray:
    """+1 per clique, -1 per non-empty separator, over subset rows (graphs x subsets)."""
    graphs = decomposable_graphs(j)
    coef = np.zeros((len(graphs), 2**j - 1))
    for g, graph in enumerate(graphs):
        for c in graph.cliques:
            coef[g, subset_mask(c) - 1] += 1
        for s in graph.separators:
            if s:  # an empty separator's L is identically 0
                coef[g, subset_mask(s) - 1] -= 1
    return coef


@dataclass
class DGAPosterior:
    """The joint posterior summarised: N grid, its posterior, and model probabilities."""

    n_total: np.ndarray
    prob_n: np.ndarray
    model_prob: np.ndarray
    top_models: np.ndarray
    top_prob_n: np.ndarray  # posterior of N given each top model (rows sum to 1)
    labels: list[str]


def dga_posterior(
    table: CaptureTable,
    *,
    delta: float,
    prior: NPrior,
    missing: np.ndarray,
    log_model_prior: np.ndarray | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> DGAPosterior:
    """Posterior of N and of the graphs on a grid of missing counts (Madigan & York 1997)."""
    j = table.n_lists
    graphs = decomposable_graphs(j)
    coef = _graph_coefficients(j)
    # About 5 of the 31 subsets enter each graph: a sparse product is ~3x faster.
    coef_sparse = sparse.csr_matrix(coef)
    subset_ml = _subset_log_ml(table, missing, delta)
    n_total = table.n_observed + missing
    base = gammaln(n_total + 1.0) - gammaln(missing + 1.0) + prior.log_density(n_total)
    if not np.all(np.isfinite(base)):
        raise InputError("the prior on N is zero or undefined somewhere on the grid")
    model_lp = np.zeros(len(graphs)) if log_model_prior is None else log_model_prior
    log_pn = np.empty(missing.size)
    log_model = np.full(len(graphs), -np.inf)
    step = max(1, _CHUNK_CELLS // len(graphs))
    chunks = range(0, missing.size, step)
    for k, start in enumerate(chunks):
        sl = slice(start, start + step)
        joint = np.asarray(coef_sparse @ subset_ml[:, sl])
        joint += base[sl]
        joint += model_lp[:, None]
        # One exponentiation serves both margins: columns scaled by their own maximum,
        # rows re-weighted by each column's maximum relative to the chunk's.
        col_max = joint.max(axis=0)
        np.subtract(joint, col_max, out=joint)
        np.exp(joint, out=joint)
        col_sum = joint.sum(axis=0)
        log_pn[sl] = col_max + np.log(col_sum)
        chunk_max = col_max.max()
        row_sum = joint @ np.exp(col_max - chunk_max)
        with np.errstate(divide="ignore"):
            log_model = np.logaddexp(log_model, chunk_max + np.log(row_sum))
        if on_progress is not None:
            on_progress(k + 1, len(chunks))
    total = logsumexp(log_pn)
    prob_n = np.exp(log_pn - total)
    model_prob = np.exp(log_model - total)
    top = np.argsort(-model_prob, kind="stable")[:_TOP_MODELS]
    top_joint = coef[top] @ subset_ml + base
    top_prob = np.exp(top_joint - logsumexp(top_joint, axis=1, keepdims=True))
    labels = [g.label(table.lists) for g in graphs]
    return DGAPosterior(n_total, prob_n, model_prob, top, top_prob, labels)


def estimate_dga(
    table: CaptureTable,
    *,
    delta: float | None = None,
    prior: str | NPrior = "1/N",
    max_missing: int | None = None,
    grid: Any = None,
    log_model_prior: np.ndarray | None = None,
    seed: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> MSEResult:
    """Estimate N by averaging over all decomposable graphical models (Madigan & York 1997).

    ``delta`` is the hyper-Dirichlet prior weight of each cell of the full 2^J table
    (default 2^-J, dga's suggested default; Madigan & York use 1). ``prior`` is the prior on
    N: ``"1/N"`` (default, as dga), ``"uniform"``, or :func:`negative_binomial_prior`.
    The grid of missing counts is 0..``max_missing`` (default 20 x the observed cases, at
    most ``MAX_GRID_POINTS``) or an explicit consecutive ``grid`` (dga's examples use
    1..300). ``log_model_prior`` gives
    log prior weights for the graphs in :func:`decomposable_graphs` order (default uniform).
    The computation is exact (no sampling); ``seed`` is accepted for a uniform interface and
    recorded, but unused.

    The estimate is the posterior median of N and the interval the 95% equal-tailed
    interval; ``diagnostics`` gives the mode, mean, Madigan & York's Bayes estimate
    E[1/N]/E[1/N^2], the grid and prior used, and the posterior model probabilities;
    ``details`` holds the posterior of N over the grid for plotting.
    """
    warnings = check_table(table)
    j = table.n_lists
    delta = 2.0**-j if delta is None else float(delta)
    if not delta > 0 or not np.isfinite(delta):
        raise InputError(
            f"delta (the hyper-Dirichlet cell weight) must be a finite number > 0, not {delta}",
            hint=f"dga's default is 2^-J ({2.0**-j:g} for {j} lists); Madigan & York use 1",
        )
    n_prior = resolve_prior(prior)
    missing = resolve_grid(table.n_observed, max_missing, grid)
    if default_grid_capped(table.n_observed, max_missing, grid):
        warnings.append(
            f"the grid of missing counts stops at {int(missing[-1]):,}, short of the usual "
            f"{DEFAULT_GRID_FACTOR} x {table.n_observed:,} observed, to fit in memory: if more "
            "may be unseen, this posterior is cut off; compare with --method loglinear"
        )
    n_graphs = len(decomposable_graphs(j))
    if log_model_prior is not None:
        log_model_prior = checked_model_prior(log_model_prior, n_graphs)
    post = dga_posterior(
        table,
        delta=delta,
        prior=n_prior,
        missing=missing,
        log_model_prior=log_model_prior,
        on_progress=on_progress,
    )
    return _result(table, post, missing, warnings, delta=delta, n_prior=n_prior,
                   user_model_prior=log_model_prior is not None, seed=seed)


def _result(
    table: CaptureTable,
    post: DGAPosterior,
    missing: np.ndarray,
    warnings: list[str],
    *,
    delta: float,
    n_prior: NPrior,
    user_model_prior: bool,
    seed: int | None,
) -> MSEResult:
    """The posterior summarised as an :class:`MSEResult` (see :func:`estimate_dga`)."""
    j = table.n_lists
    n_graphs = len(decomposable_graphs(j))
    summary = summaries(post.n_total, post.prob_n)
    edge_warnings, near_cap = cap_warnings(missing, post.prob_n)
    warnings += edge_warnings
    warnings += mode_warnings(post.n_total, post.prob_n, summary["median"], table.n_observed)
    models, top_models = _model_tables(post, table.lists)
    grid_info = {
        "min_missing": int(missing[0]),
        "max_missing": int(missing[-1]),
        "n_points": int(missing.size),
        "N_min": int(post.n_total[0]),
        "N_max": int(post.n_total[-1]),
        "mass_in_top_tenth": near_cap,
    }
    return MSEResult(
        method="dga",
        estimate=float(summary["median"]),
        interval=(float(summary["lower_95"]), float(summary["upper_95"])),
        n_observed=table.n_observed,
        lists=list(table.lists),
        input_sha256=table.input_sha256,
        model=[],
        stratum=table.stratum,
        parameters={
            "delta": delta,
            "prior": n_prior.to_dict(),
            "grid": {"min_missing": int(missing[0]), "max_missing": int(missing[-1])},
            "model_prior": "user" if user_model_prior else "uniform",
            "seed": seed,
        },
        diagnostics={
            **{k: v for k, v in summary.items() if k not in ("median",)},
            "modes": posterior_modes(post.n_total, post.prob_n),
            "n_models": n_graphs,
            "top_model": models[0]["model"],
            "top_models": top_models,
            "model_probabilities": models[:20],
            "grid": grid_info,
            "prior": n_prior.to_dict(),
            "delta": delta,
        },
        warnings=warnings,
        details=_plot_details(post, models),
    )


def _model_tables(
    post: DGAPosterior, lists: tuple[str, ...]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every graph with its posterior probability (most probable first), and the top few
    with the posterior of N each implies."""
    graphs = decomposable_graphs(len(lists))
    models = [
        {
            "model": post.labels[g],
            "edges": graphs[g].edge_labels(lists),
            "probability": float(post.model_prob[g]),
        }
        for g in np.argsort(-post.model_prob, kind="stable")
    ]
    top_models = [
        {
            "model": post.labels[g],
            "probability": float(post.model_prob[g]),
            **summaries(post.n_total, post.top_prob_n[row]),
        }
        for row, g in enumerate(post.top_models)
    ]
    return models, top_models


def _plot_details(post: DGAPosterior, models: list[dict[str, Any]]) -> dict[str, Any]:
    """The posterior of N where it has mass, and the top models' curves for plotting."""
    keep = post.prob_n > post.prob_n.max() * 1e-10  # negligible mass only bloats the JSON
    lo, hi = int(np.argmax(keep)), int(keep.size - np.argmax(keep[::-1]))
    thin = max(1, (hi - lo) // 2000)
    return {
        "posterior_N": {
            "N": post.n_total[lo:hi].tolist(),
            "probability": post.prob_n[lo:hi].tolist(),
        },
        # For plotting only: thinned to at most ~2,000 points on long grids.
        "top_models_posterior_N": {
            "N": post.n_total[lo:hi:thin].tolist(),
            "models": {
                post.labels[g]: post.top_prob_n[row, lo:hi:thin].tolist()
                for row, g in enumerate(post.top_models)
            },
        },
        "models": models,
    }
