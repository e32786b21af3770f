"""Rcapture's closed-population models M0, Mt, Mh and Mth as log-linear models.

Following Rivest & Lévesque (2001, Biometrics 57:208) and Baillargeon & Rivest (2007,
JSS 19(5), the Rcapture package): on the 2**t - 1 observable capture histories,

- M0: log mu = u + b * (number of captures);
- Mt: log mu = u + sum_j b_j x_j (one effect per occasion; the independence model);
- Mh, Mth: M0 or Mt plus a heterogeneity column in the number of captures k:
  Chao's lower bound (one column max(k - j + 1, 0) for each j = 3..t, negative ones dropped
  in turn), Poisson2 (2**k - 1), Darroch (k**2 / 2) or Gamma3.5 (-log(3.5 + k) + log 3.5).

N = n + exp(u) with standard error sqrt(m0 + m0**2 var(u)), m0 = exp(u).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tribunal.errors import InputError
from tribunal.mse.loglinear import cell_counts, cell_patterns, check_fittable, poisson_glm
from tribunal.mse.table import CaptureTable

HETEROGENEITY = ("Chao", "Poisson2", "Darroch", "Gamma3.5")


@dataclass
class ClosedFit:
    """One closed-population model fit (a row of Rcapture's closedp table)."""

    name: str
    estimate: float
    se: float
    deviance: float
    df: int
    aic: float
    bic: float
    converged: bool
    dropped: list[str]

    def to_dict(self) -> dict[str, object]:
        """Plain data; a fit that did not converge has its MLE at infinity (Fienberg &
        Rinaldo 2012), so its estimate and standard error are null, never a huge number."""
        return {
            "model": self.name,
            "estimate": self.estimate if self.converged else None,
            "se": self.se if self.converged else None,
            "deviance": self.deviance,
            "df": self.df,
            "aic": self.aic,
            "bic": self.bic,
            "converged": self.converged,
            "eta_set_to_zero": self.dropped,
        }


def _heterogeneity(k: np.ndarray, t: int, kind: str) -> tuple[np.ndarray, list[str]]:
    if kind == "Chao":
        cols = [np.maximum(k - j + 1, 0) for j in range(3, t + 1)]
        return np.column_stack(cols).astype(float), [f"eta{j}" for j in range(3, t + 1)]
    if kind == "Poisson2":
        return (2.0**k - 1)[:, None], ["tau"]
    if kind == "Darroch":
        return (k**2 / 2.0)[:, None], ["tau"]
    if kind == "Gamma3.5":
        return (-np.log(3.5 + k) + math.log(3.5))[:, None], ["tau"]
    raise InputError(f"unknown heterogeneity form {kind!r}", hint=", ".join(HETEROGENEITY))


def fit_closed(table: CaptureTable, model: str = "Mt", heterogeneity: str | None = None) -> ClosedFit:
    """Fit M0, Mt, Mh or Mth (with ``heterogeneity`` one of :data:`HETEROGENEITY`)."""
    t = table.n_lists
    check_fittable(table)
    if model in ("Mh", "Mth") and t < 3:
        raise InputError("heterogeneity models need at least 3 capture occasions")
    pats = cell_patterns(t).astype(float)
    y = cell_counts(table)
    k = pats.sum(axis=1)
    base = {"M0": k[:, None], "Mt": pats, "Mh": k[:, None], "Mth": pats}.get(model)
    if base is None:
        raise InputError(f"unknown closed model {model!r}", hint="M0, Mt, Mh or Mth")
    name = model
    extra = np.zeros((len(y), 0))
    extra_names: list[str] = []
    if model in ("Mh", "Mth"):
        kind = heterogeneity or "Chao"
        extra, extra_names = _heterogeneity(k, t, kind)
        name = f"{model} {kind}"
    dropped: list[str] = []
    while True:
        x = np.column_stack([np.ones(len(y)), base, extra])
        glm = poisson_glm(x, y)
        if heterogeneity not in (None, "Chao") or model not in ("Mh", "Mth") or not extra_names:
            break
        eta = glm.coef[1 + base.shape[1]:]
        if not np.any(eta < 0):
            break
        # Rcapture drops the first negative eta and refits, until none is negative.
        first = int(np.flatnonzero(eta < 0)[0])
        dropped.append(extra_names.pop(first))
        extra = np.delete(extra, first, axis=1)
    m0 = math.exp(glm.coef[0])
    p = x.shape[1]
    n = table.n_observed
    return ClosedFit(
        name=name,
        estimate=n + m0,
        se=math.sqrt(m0 + m0 * m0 * glm.cov[0, 0]),
        deviance=glm.deviance,
        df=len(y) - p,
        aic=-2 * glm.loglik + 2 * p,
        bic=-2 * glm.loglik + math.log(n) * p,
        converged=glm.converged,
        dropped=dropped,
    )


def closedp(table: CaptureTable) -> list[ClosedFit]:
    """All of Rcapture's closedp models except the behavioural ones (Mb, Mbh)."""
    fits = [fit_closed(table, "M0"), fit_closed(table, "Mt")]
    if table.n_lists >= 3:
        for model in ("Mh", "Mth"):
            fits += [fit_closed(table, model, h) for h in HETEROGENEITY]
    return fits
