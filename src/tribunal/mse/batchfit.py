"""Fit thousands of log-linear models at once on the same table.

Every model of an exhaustive search shares the cells and the candidate columns; a model is
a mask over the columns (and over the cells, for terms at minus infinity). Newton's method
then runs on all models together: the Hessians come from one matrix product
``mu @ P`` where ``P[c]`` is the outer product of cell c's design row, and the solves are
batched. That is what makes the 32,768 order-2 models on six lists take seconds, not the
minutes of fitting them one by one with glm.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass

import numpy as np
from scipy.special import gammaln

from tribunal.mse.loglinear import poisson_glm

ProgressCallback = Callable[[int, int], None]


@dataclass
class BatchFit:
    """Per-model results of :func:`fit_batch` (arrays of length n_models)."""

    loglik: np.ndarray
    intercept: np.ndarray
    var_intercept: np.ndarray  # NaN: not computed in the batch
    converged: np.ndarray
    rank_deficient: np.ndarray


def fit_batch(
    x: np.ndarray,
    y: np.ndarray,
    col_mask: np.ndarray,
    cell_mask: np.ndarray,
    *,
    n_main: int,
    block: int = 4096,
    max_iter: int = 60,
    tol: float = 1e-11,
    on_progress: ProgressCallback | None = None,
) -> BatchFit:
    """Fit Poisson log-linear models given as column and cell masks over one design.

    ``x`` is (cells, columns); ``col_mask`` (models, columns) and ``cell_mask``
    (models, cells) are boolean; the first ``n_main`` columns are in every model and
    start from their joint fit. Returns full log-likelihoods (with log y! terms).
    """
    n_models = col_mask.shape[0]
    out = BatchFit(
        loglik=np.empty(n_models),
        intercept=np.empty(n_models),
        var_intercept=np.empty(n_models),
        converged=np.zeros(n_models, dtype=bool),
        rank_deficient=np.zeros(n_models, dtype=bool),
    )
    n_cells, p = x.shape
    if not col_mask[:, :n_main].all():
        raise ValueError("the first n_main columns (intercept, main effects) must be in every model")
    outer = np.einsum("ci,cj->cij", x, x).reshape(n_cells, p * p)
    const = float(gammaln(y + 1).sum())
    with _one_blas_thread():
        _fit_all(x, y, outer, col_mask, cell_mask, n_main, block, max_iter, tol, const, out,
                 on_progress)
    return out


def _one_blas_thread():
    """The products here are small; threaded BLAS only adds contention (3x slower on a
    loaded 2-core machine). threadpoolctl comes with scikit-learn; without it, no limit."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover
        return nullcontext()
    return threadpool_limits(1, user_api="blas")


def _fit_all(x, y, outer, col_mask, cell_mask, n_main, block, max_iter, tol, const, out,
             on_progress) -> None:
    n_models = col_mask.shape[0]
    for start in range(0, n_models, block):
        stop = min(start + block, n_models)
        cm = col_mask[start:stop].astype(float)
        km = cell_mask[start:stop].astype(float)
        res = _fit_block(x, y, outer, cm, km, max_iter, tol, n_main)
        ll, b0, v0, conv, rdef = res
        out.loglik[start:stop] = ll - const
        out.intercept[start:stop] = b0
        out.var_intercept[start:stop] = v0
        out.converged[start:stop] = conv
        out.rank_deficient[start:stop] = rdef
        if on_progress is not None:
            on_progress(stop, n_models)


def _main_effects_start(x: np.ndarray, y: np.ndarray, n_main: int) -> np.ndarray:
    start = np.zeros(x.shape[1])
    start[:n_main] = poisson_glm(x[:, :n_main], y).coef
    return start


def _masked_hessian(mu: np.ndarray, outer: np.ndarray, cm: np.ndarray) -> np.ndarray:
    b, p = cm.shape
    h = (mu @ outer).reshape(b, p, p)
    h *= cm[:, :, None] * cm[:, None, :]
    idx = np.arange(p)
    h[:, idx, idx] += 1.0 - cm
    return h


def _solve(h: np.ndarray, grad: np.ndarray) -> np.ndarray:
    """Newton steps for a block; a singular Hessian (every fitted cell but one at zero,
    e.g. all cases on one pattern) takes the least-squares step, as poisson_glm does, and
    the model is then left to the existence check rather than crashing the search."""
    try:
        return np.linalg.solve(h, grad[:, :, None])[:, :, 0]
    except np.linalg.LinAlgError:
        return np.einsum("bij,bj->bi", np.linalg.pinv(h), grad)


def _fit_block(x, y, outer, cm, km, max_iter, tol, n_main):
    b, p = cm.shape
    yk = y[None, :] * km
    # rank: the masked unweighted Gram matrix must be positive definite
    # Without removed cells a hierarchical design on the 2**J - 1 cells has full rank;
    # only models with terms at minus infinity need the check.
    rank_def = np.zeros(b, dtype=bool)
    reduced = np.flatnonzero(km.min(axis=1) < 1)
    if reduced.size:
        eig = np.linalg.eigvalsh(_masked_hessian(km[reduced], outer, cm[reduced]))
        rank_def[reduced] = eig[:, 0] < 1e-9 * np.maximum(1.0, np.abs(eig[:, -1]))
    # Start every model from the main-effects fit (interactions at zero): one exact fit
    # shared by all, a few Newton steps closer to each model's MLE than glm's mu = y + 0.1.
    beta = np.zeros((b, p))
    beta[:] = _main_effects_start(x, y, n_main)
    def loglik(bt: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        eta = np.clip(bt @ x.T, -700.0, 700.0)
        mu = np.exp(eta) * km[rows]
        return (yk[rows] * eta).sum(1) - mu.sum(1), mu

    rows = np.arange(b)
    ll, mu = loglik(beta, rows)
    converged = np.zeros(b, dtype=bool)
    active = np.ones(b, dtype=bool)
    for _ in range(max_iter):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        grad = ((yk[idx] - mu[idx]) @ x) * cm[idx]
        h = _masked_hessian(mu[idx], outer, cm[idx])
        h[rank_def[idx]] += np.eye(p) * 1e-8
        step = _solve(h, grad)
        t = np.ones(idx.size)
        new_beta = beta[idx] + step
        new_ll, new_mu = loglik(new_beta, idx)
        for _half in range(30):
            bad = new_ll < ll[idx] - 1e-12 * np.abs(ll[idx])
            if not bad.any():
                break
            t[bad] /= 2
            nb = beta[idx[bad]] + t[bad, None] * step[bad]
            nl, nm = loglik(nb, idx[bad])
            new_beta[bad], new_ll[bad], new_mu[bad] = nb, nl, nm
        # Newton decrement grad' H^-1 grad / 2: the log-likelihood still to gain
        decrement = 0.5 * np.einsum("bi,bi->b", grad, step)
        beta[idx], ll[idx], mu[idx] = new_beta, new_ll, new_mu
        small = decrement <= tol * (np.abs(new_ll) + 1.0)
        # A vanishing decrement with parameters still moving by whole units is an MLE at
        # infinity (no existence); the existence check decides, this only flags.
        steady = np.max(np.abs(t[:, None] * step), axis=1) < 1e-3
        converged[idx[small & steady]] = True
        active[idx[small]] = False
    v0 = np.full(b, np.nan)  # not needed for ranking; the chosen model is refitted exactly
    return ll, beta[:, 0], v0, converged & ~rank_def, rank_def
