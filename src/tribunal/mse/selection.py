"""Model selection for log-linear MSE: exhaustive search by AIC/BIC and stepwise searches.

- Exhaustive: every hierarchical model up to a maximum order, ranked by AIC or BIC with
  Rcapture's convention (closedpMS.t: BIC penalty log(n observed cases) per parameter;
  Baillargeon & Rivest 2007, JSS 19(5)). Models whose MLE does not exist or is not
  identifiable (Fienberg & Rinaldo 2012) are never chosen.
- Bales, Hesketh & Silverman (2015, Significance 12(3):24): from main effects, add the
  two-way interaction giving the lowest AIC; stop when its Wald p-value exceeds 0.05.
- Chan, Silverman & Vincent (2021, JASA 116:1297): from main effects, add the two-way
  interaction with the smallest Poisson p-value of its observed overlap under the current
  fit, if below the threshold (0.02) and the model passes the existence checks.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import combinations

import numpy as np
from scipy.special import pdtr, pdtrc
from scipy.stats import norm

from tribunal.errors import InputError
from tribunal.mse.batchfit import fit_batch
from tribunal.mse.existence import existence_code
from tribunal.mse.hierarchy import Model, all_terms, enumerate_hierarchical, sort_terms
from tribunal.mse.loglinear import (
    LoglinearFit,
    cell_counts,
    cell_patterns,
    design_matrix,
    fit_loglinear,
    poisson_glm,
    term_column,
)
from tribunal.mse.table import CaptureTable

ProgressCallback = Callable[[int, int], None]
CRITERIA = ("aic", "bic")


@dataclass
class RankedModel:
    """One row of an exhaustive search."""

    model: Model
    estimate: float
    loglik: float
    n_params: int
    aic: float
    bic: float
    converged: bool
    existence_code: int | None = None


@dataclass
class SearchResult:
    """All models of a search ranked by the criterion, and the chosen fit."""

    criterion: str
    ranked: list[RankedModel]
    best: LoglinearFit
    n_models: int
    skipped: list[RankedModel] = field(default_factory=list)


def exhaustive_search(
    table: CaptureTable,
    *,
    max_order: int = 2,
    criterion: str = "bic",
    check_top: int = 200,
    on_progress: ProgressCallback | None = None,
) -> SearchResult:
    """Fit every hierarchical model up to ``max_order`` and rank them by AIC or BIC.

    The best-ranked model that passes the existence and identifiability checks is refitted
    exactly and returned as ``best``; better-ranked models that fail the checks are listed
    in ``skipped``. At most ``check_top`` models are checked.
    """
    criterion = criterion.lower()
    if criterion not in CRITERIA:
        raise InputError(f"unknown criterion {criterion!r}", hint="use aic or bic")
    j = table.n_lists
    if j > 6 and max_order > 1:
        raise InputError(
            f"an exhaustive search over {j} lists is too large",
            hint="use a stepwise search for more than 6 lists: "
            "tribunal mse estimate --search bhs or --search csv",
        )
    max_order = max(1, min(max_order, j - 1))
    models, tmask, x, cover = _search_space(j, max_order)
    y = cell_counts(table)
    margins = cover.astype(float) @ y
    empty = margins == 0
    col_mask = np.hstack([np.ones((len(models), 1 + j), dtype=bool), tmask & ~empty])
    cell_mask = ~((tmask[:, empty].astype(int) @ cover[empty].astype(int)) > 0)
    fit = fit_batch(x, y, col_mask, cell_mask, n_main=1 + j, on_progress=on_progress)
    n = table.n_observed
    n_params = 1 + j + tmask.sum(axis=1)
    aic = -2 * fit.loglik + 2 * n_params
    bic = -2 * fit.loglik + math.log(n) * n_params
    est = n + np.exp(np.clip(fit.intercept, -700, 700))
    score = aic if criterion == "aic" else bic
    order = np.lexsort((n_params, np.round(score, 9)))
    ranked = [
        RankedModel(
            models[i], float(est[i]), float(fit.loglik[i]), int(n_params[i]),
            float(aic[i]), float(bic[i]), bool(fit.converged[i]),
        )
        for i in order
    ]
    skipped: list[RankedModel] = []
    best_fit: LoglinearFit | None = None
    for row in ranked[:check_top]:
        code = existence_code(table, row.model)
        row.existence_code = code
        if code == 0:
            best_fit = fit_loglinear(table, row.model)
            break
        skipped.append(row)
    if best_fit is None:
        raise InputError(
            f"none of the {min(check_top, len(ranked))} best models has an MLE that exists",
            hint="the table is too sparse for log-linear models; try --method dga or lcmcr",
        )
    return SearchResult(criterion, ranked, best_fit, len(models), skipped)


def model_weights(
    table: CaptureTable, result: SearchResult, *, max_delta: float = 20.0, limit: int = 500
) -> tuple[list[tuple[RankedModel, float]], float]:
    """Akaike/Schwarz weights exp(-delta/2) of the models within ``max_delta`` of the best
    whose MLE exists, and the weighted average of their estimates (Buckland, Burnham &
    Augustin 1997, Biometrics 53:603). Models further away carry less than 5e-5 weight."""
    score0 = None
    kept: list[tuple[RankedModel, float]] = []
    for row in result.ranked[:limit]:
        score = row.aic if result.criterion == "aic" else row.bic
        if score0 is None:
            score0 = score
        if score - score0 > max_delta:
            break
        if row.existence_code is None:
            row.existence_code = existence_code(table, row.model)
        if row.existence_code == 0 and row.converged:
            kept.append((row, score))
    if not kept:
        return [], result.best.estimate
    best = min(score for _, score in kept)
    w = np.array([math.exp(-(score - best) / 2) for _, score in kept])
    w /= w.sum()
    averaged = float(sum(wi * row.estimate for (row, _), wi in zip(kept, w, strict=True)))
    return [(row, float(wi)) for (row, _), wi in zip(kept, w, strict=True)], averaged


@lru_cache(maxsize=8)
def _search_space(j: int, max_order: int):
    """Models, their term masks, the full design and each term's cells; the same for every
    table with j lists, so cached (a bootstrap reruns the search hundreds of times)."""
    terms = all_terms(j, max_order)
    index = {t: i for i, t in enumerate(terms)}
    models = list(enumerate_hierarchical(j, max_order))
    tmask = np.zeros((len(models), len(terms)), dtype=bool)
    for r, m in enumerate(models):
        tmask[r, [index[t] for t in m]] = True
    patterns = cell_patterns(j)
    x = design_matrix(patterns, tuple(terms))
    cover = np.array(
        [term_column(patterns, t) > 0 for t in terms], dtype=bool
    ).reshape(len(terms), len(patterns))
    for arr in (tmask, x, cover):
        arr.flags.writeable = False
    return models, tmask, x, cover


def _pairs(j: int) -> list[tuple[int, int]]:
    return list(combinations(range(j), 2))


def stepwise_bhs(table: CaptureTable, *, p_threshold: float = 0.05) -> LoglinearFit:
    """Bales-Hesketh-Silverman forward search (AIC to choose, Wald p-value to stop).

    Pairs of lists that never overlap are not candidates: their coefficient is minus
    infinity and a Wald test of it is meaningless.
    """
    fit = fit_loglinear(table)
    model: Model = ()
    patterns = cell_patterns(table.n_lists)
    y = cell_counts(table)
    candidates = [
        t for t in _pairs(table.n_lists) if float(y @ term_column(patterns, t)) > 0
    ]
    while candidates:
        trials = []
        for t in candidates:
            m = sort_terms((*model, t))
            if existence_code(table, m) != 0:
                continue
            trials.append((fit_loglinear(table, m), t))
        if not trials:
            break
        best, term = min(trials, key=lambda ft: ft[0].aic)
        z = _wald_z(best, term)
        if 2 * norm.sf(abs(z)) > p_threshold:
            break
        fit, model = best, best.model
        candidates.remove(term)
    return fit


def _wald_z(fit: LoglinearFit, term: tuple[int, ...]) -> float:
    """Wald statistic of one interaction coefficient, refitting to get its variance."""
    patterns = fit.patterns
    keep = np.ones(len(fit.observed), dtype=bool)
    for t in fit.empty_terms:
        keep &= term_column(patterns, t) == 0
    live = tuple(t for t in fit.model if t not in fit.empty_terms)
    x = design_matrix(patterns[keep], live)
    glm = poisson_glm(x, fit.observed[keep])
    k = 1 + len(fit.lists) + live.index(term)
    return float(glm.coef[k] / math.sqrt(glm.cov[k, k]))


def stepwise_csv(table: CaptureTable, *, p_threshold: float = 0.02) -> LoglinearFit:
    """Chan-Silverman-Vincent forward search by Poisson p-values of pair overlaps.

    For each candidate pair, the observed number of cases on both lists is compared with
    its Poisson distribution under the current fit; the p-value is
    ``min(P(X <= n*), P(X >= n*))``. The smallest p-value below ``p_threshold`` whose model
    passes the existence checks is added; ties go to the first pair (SparseMSE's order).
    """
    fit = fit_loglinear(table)
    model: Model = ()
    patterns = cell_patterns(table.n_lists)
    y = cell_counts(table)
    pairs = _pairs(table.n_lists)
    colmat = np.column_stack([term_column(patterns, t) for t in pairs])
    nstar = y @ colmat
    included: set[tuple[int, int]] = set()
    while len(included) < len(pairs):
        expected = fit.fitted @ colmat
        # min(P(X <= n*), P(X >= n*)) for X ~ Poisson(expected)
        pvals = np.minimum(pdtr(nstar, expected), np.where(nstar > 0, pdtrc(np.maximum(nstar - 1, 0), expected), 1.0))
        pvals[[k for k, t in enumerate(pairs) if t in included]] = 1.0
        # Taking candidates in p-value order and skipping those that fail the checks is
        # SparseMSE's rule (failures get p = 1), with far fewer linear programs.
        chosen = None
        for k in np.argsort(pvals, kind="stable"):
            if pvals[k] >= p_threshold:
                break
            if existence_code(table, sort_terms((*model, pairs[k]))) == 0:
                chosen = int(k)
                break
        if chosen is None:
            break
        model = sort_terms((*model, pairs[chosen]))
        included.add(pairs[chosen])
        fit = fit_loglinear(table, model)
    return fit
