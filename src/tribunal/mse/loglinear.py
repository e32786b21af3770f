"""Log-linear models for multiple systems estimation: one model, fitted exactly.

The observed part of the 2**J contingency table (every pattern except all-zero, with
zeros for unseen patterns) is fitted by a Poisson GLM with log link; the all-zero cell's
design row is the intercept alone, so the estimated number of unseen cases is
``exp(intercept)`` and ``N = n_obs + exp(intercept)`` (Fienberg 1972, Biometrika 59:591;
Bishop, Fienberg & Holland 1975, ch. 6).

An interaction term whose lists never meet in the data (its margin is zero) has MLE minus
infinity. Following Chan, Silverman & Vincent (2021, JASA 116:1297) the term is kept in the
model (it counts as a parameter in AIC and BIC) and every cell it covers is fixed at a
fitted value of zero, which is the extended MLE.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from scipy.special import gammaln

from tribunal.errors import InputError
from tribunal.mse.hierarchy import Model, Term, format_model, sort_terms
from tribunal.mse.table import CaptureTable


@lru_cache(maxsize=32)
def cell_patterns(n_lists: int) -> np.ndarray:
    """All 2**J - 1 non-empty patterns in binary order (list 0 is the most significant bit).

    Cached and read-only: copy before changing it.
    """
    idx = np.arange(1, 2**n_lists)
    shifts = np.arange(n_lists - 1, -1, -1)
    out = ((idx[:, None] >> shifts) & 1).astype(np.int8)
    out.flags.writeable = False
    return out


MAX_LISTS = 15


def check_size(n_lists: int) -> None:
    """Log-linear models here work on the full 2**J table; refuse sizes it cannot hold."""
    if n_lists > MAX_LISTS:
        raise InputError(
            f"log-linear models are limited to {MAX_LISTS} lists here (the table has "
            f"{n_lists}: 2**{n_lists} cells)",
            hint="use --method lcmcr for many lists, or merge lists",
        )


def check_fittable(table: CaptureTable) -> None:
    """Refuse tables no log-linear or closed-population model can be fitted to: too many
    lists, or a list without cases (its main effect would be minus infinity)."""
    check_size(table.n_lists)
    empty = [name for name, size in table.list_sizes().items() if size == 0]
    if empty:
        raise InputError(
            f"list(s) {', '.join(empty)} have no cases: a log-linear model cannot be fitted",
            hint="drop the empty list columns from the table",
        )


def cell_counts(table: CaptureTable) -> np.ndarray:
    """Counts of the 2**J - 1 observed-table cells, aligned with :func:`cell_patterns`."""
    return table.full_table()[1:].astype(float)


def term_column(patterns: np.ndarray, term: Term) -> np.ndarray:
    return np.prod(patterns[:, list(term)], axis=1).astype(float)


def design_matrix(patterns: np.ndarray, model: Model) -> np.ndarray:
    """Intercept, one column per list, then one per interaction term."""
    cols = [np.ones(len(patterns)), *patterns.T.astype(float)]
    cols += [term_column(patterns, t) for t in model]
    return np.column_stack(cols)


def empty_terms(patterns: np.ndarray, y: np.ndarray, model: Model) -> list[Term]:
    """Terms of ``model`` whose lists have no case in common (zero margin)."""
    return [t for t in model if float(y @ term_column(patterns, t)) == 0.0]


def reduced_design(
    patterns: np.ndarray, y: np.ndarray, model: Model
) -> tuple[list[Term], np.ndarray, Model, np.ndarray]:
    """The extended-MLE design of Chan, Silverman & Vincent (2021): terms with a zero
    margin go to minus infinity, so the cells they cover are fixed at zero and dropped.

    Returns (empty terms, mask of the cells kept, the terms left, their design matrix).
    """
    empty = empty_terms(patterns, y, model)
    keep = np.ones(len(y), dtype=bool)
    for t in empty:
        keep &= term_column(patterns, t) == 0
    live = tuple(t for t in model if t not in empty)
    return empty, keep, live, design_matrix(patterns[keep], live)


@dataclass
class GLMFit:
    """A Poisson log-linear fit on a set of cells."""

    coef: np.ndarray
    cov: np.ndarray
    fitted: np.ndarray
    loglik: float
    deviance: float
    iterations: int
    converged: bool


def poisson_glm(
    x: np.ndarray,
    y: np.ndarray,
    *,
    tol: float = 1e-12,
    max_iter: int = 100,
    start: np.ndarray | None = None,
) -> GLMFit:
    """Fit ``log E[y] = x @ beta`` by Newton's method (IRLS; McCullagh & Nelder 1989, 2.5).

    Starts like R's glm (mu = y + 0.1) and halves steps that lower the log-likelihood.
    ``converged`` is False when the likelihood keeps rising, which happens when the MLE
    does not exist (Fienberg & Rinaldo 2012).
    """
    if start is not None:
        beta = np.asarray(start, dtype=float).copy()
    else:
        mu = y + 0.1
        z = np.log(mu) + (y - mu) / mu
        xtw = x.T * mu
        beta = np.linalg.lstsq(xtw @ x, xtw @ z, rcond=None)[0]

    def loglik_of(b: np.ndarray) -> tuple[float, np.ndarray]:
        e = np.clip(x @ b, -700, 700)
        m = np.exp(e)
        return float(y @ e - m.sum()), m

    ll, mu = loglik_of(beta)
    converged = False
    it = 0
    while it < max_iter:
        it += 1
        grad = x.T @ (y - mu)
        hess = (x.T * mu) @ x
        try:
            step = np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(hess, grad, rcond=None)[0]
        t = 1.0
        while True:
            new_ll, new_mu = loglik_of(beta + t * step)
            if new_ll >= ll - 1e-12 * abs(ll) or t < 1e-8:
                break
            t /= 2
        beta = beta + t * step
        ll, mu = new_ll, new_mu
        # Newton decrement: the log-likelihood Newton still expects to gain
        if 0.5 * float(grad @ step) <= tol * (abs(ll) + 1.0):
            # When the MLE does not exist the decrement also shrinks, but the parameters
            # keep moving by whole units towards minus infinity.
            converged = bool(np.max(np.abs(t * step)) < 1e-3)
            break
    hess = (x.T * mu) @ x
    try:
        cov = np.linalg.inv(hess)
    except np.linalg.LinAlgError:
        cov = np.linalg.pinv(hess)
    ll_full = ll - float(gammaln(y + 1).sum())
    pos = y > 0
    dev = 2.0 * float(np.sum(y[pos] * np.log(y[pos] / mu[pos])) - np.sum(y - mu))
    return GLMFit(beta, cov, mu, ll_full, dev, it, converged)


@dataclass
class LoglinearFit:
    """One fitted log-linear model and its population estimate.

    ``loglik`` is the full Poisson log-likelihood (with the log y! terms, as R's glm);
    ``aic = -2 loglik + 2 p`` and ``bic = -2 loglik + log(n_obs) p`` where ``p`` counts
    every parameter of the model including terms at minus infinity (Rcapture's and
    SparseMSE's conventions).
    """

    lists: tuple[str, ...]
    model: Model
    estimate: float
    unobserved: float
    se: float
    loglik: float
    deviance: float
    n_params: int
    df: int
    aic: float
    bic: float
    n_observed: int
    coef: dict[str, float]
    fitted: np.ndarray
    observed: np.ndarray
    patterns: np.ndarray
    empty_terms: list[Term] = field(default_factory=list)
    converged: bool = True

    @property
    def terms(self) -> list[str]:
        return format_model(self.model, self.lists)

    def summary(self) -> dict[str, object]:
        return {
            "model": self.terms,
            "estimate": self.estimate,
            "se": self.se,
            "aic": self.aic,
            "bic": self.bic,
            "deviance": self.deviance,
            "df": self.df,
            "n_params": self.n_params,
            "minus_infinity_terms": format_model(self.empty_terms, self.lists),
            "converged": self.converged,
        }


def fit_loglinear(table: CaptureTable, model: Model = ()) -> LoglinearFit:
    """Fit one hierarchical log-linear model to a capture table.

    ``model`` holds interaction terms as index tuples (see :mod:`tribunal.mse.hierarchy`).
    The standard error is Rcapture's: ``sqrt(m0 + m0**2 var(intercept))`` with
    ``m0 = exp(intercept)`` (Rivest & Baillargeon 2007, JSS 19(5)).
    """
    model = sort_terms(model)
    j = table.n_lists
    check_size(j)
    if any(max(t) >= j for t in model):
        raise InputError("a model term names a list the table does not have")
    patterns = cell_patterns(j)
    y = cell_counts(table)
    empty, keep, live, x = reduced_design(patterns, y, model)
    if np.linalg.matrix_rank(x) < x.shape[1]:
        raise InputError(
            "the model is not identifiable on this table (more parameters than the "
            "cells left once non-overlapping lists are accounted for)",
            hint="choose a smaller model; see `tribunal mse models`",
        )
    glm = poisson_glm(x, y[keep])
    fitted = np.zeros_like(y)
    fitted[keep] = glm.fitted
    m0 = math.exp(glm.coef[0])
    n = table.n_observed
    se = math.sqrt(m0 + m0 * m0 * glm.cov[0, 0])
    p = 1 + j + len(model)
    names = ["(Intercept)", *table.lists, *format_model(live, table.lists)]
    coef = {k: float(v) for k, v in zip(names, glm.coef, strict=True)}
    for t in empty:
        coef[":".join(table.lists[i] for i in t)] = -math.inf
    return LoglinearFit(
        lists=table.lists,
        model=model,
        estimate=n + m0,
        unobserved=m0,
        se=se,
        loglik=glm.loglik,
        deviance=glm.deviance,
        n_params=p,
        df=int(keep.sum()) - x.shape[1],
        aic=-2 * glm.loglik + 2 * p,
        bic=-2 * glm.loglik + math.log(n) * p,
        n_observed=n,
        coef=coef,
        fitted=fitted,
        observed=y,
        patterns=patterns,
        empty_terms=list(empty),
        converged=glm.converged,
    )
