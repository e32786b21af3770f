"""Too-good fits: low-order polynomials, one-parameter power laws, out-of-sample prediction.

Robertson, Hinde & Lavee (BMC Medical Ethics 2019, 20:79) showed that China's COTRS
deceased-donor counts for 2010-2018 follow a quadratic (later a one-parameter quadratic)
almost exactly. A high R² alone proves nothing: any smooth growth curve fits a quadratic
well (in the GODT export Thailand's 2010-2016 donors give R² 0.9966, Brazil's 0.9918).
These statistics are therefore only ever reported as ranks against genuine series
(:mod:`tribunal.forensics.calibration`).

Statistics are ``-log10(1 - R²)`` (the number of nines in R²) and, out of sample,
``-log10`` of the mean absolute relative prediction error.
"""

from __future__ import annotations

import numpy as np

from tribunal.forensics.spec import TestSpec, nan_to_floor

_FLOOR = 1e-12  # R² closer to 1 than this is "exact"; keeps the statistic finite


def _design(x: np.ndarray, degree: int) -> np.ndarray:
    t = (x - x.mean()) / max(float(np.ptp(x)), 1.0)
    return np.vander(t, degree + 1, increasing=True)


def poly_r2(Y: np.ndarray, x: np.ndarray, degree: int = 2) -> np.ndarray:
    """R² of a least-squares polynomial of ``degree`` for each row of ``Y``."""
    X = _design(np.asarray(x, float), degree)
    coef = np.linalg.pinv(X) @ Y.T  # tiny pseudo-inverse, one product for all rows
    resid = Y - (X @ coef).T
    ssr = (resid**2).sum(axis=1)
    sst = ((Y - Y.mean(axis=1, keepdims=True)) ** 2).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(sst > 0, 1.0 - ssr / sst, np.nan)


def one_parameter_r2(Y: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Best R² over the one-parameter forms ``y = a t^k`` (k = 1, 2, 3), t = 1, 2, ...

    The time origin is the period before the first observation, as in a series that
    starts with a programme. Returns (R², best k) per row; R² is the usual centred one,
    so a through-the-origin form can score below zero.
    """
    x = np.asarray(x, float)
    t = x - x[0] + 1.0
    sst = ((Y - Y.mean(axis=1, keepdims=True)) ** 2).sum(axis=1)
    best = np.full(Y.shape[0], -np.inf)
    best_k = np.ones(Y.shape[0])
    for k in (1, 2, 3):
        b = t**k
        a = (Y @ b) / (b @ b)
        ssr = ((Y - a[:, None] * b[None, :]) ** 2).sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            r2 = np.where(sst > 0, 1.0 - ssr / sst, np.nan)
        better = np.nan_to_num(r2, nan=-np.inf) > best
        best = np.where(better, r2, best)
        best_k = np.where(better, k, best_k)
    best = np.where(np.isfinite(best), best, np.nan)
    return best, best_k


def _nines(r2: np.ndarray) -> np.ndarray:
    return nan_to_floor(-np.log10(np.clip(1.0 - r2, _FLOOR, None)))


def stat_quadratic(Y: np.ndarray, x: np.ndarray) -> np.ndarray:
    return _nines(poly_r2(Y, x, 2))


def stat_one_parameter(Y: np.ndarray, x: np.ndarray) -> np.ndarray:
    return _nines(one_parameter_r2(Y, x)[0])


def holdout_size(n: int) -> int:
    """Later periods held out for the out-of-sample test: a third, at least two."""
    return max(2, n // 3)


def out_of_sample_error(Y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Mean absolute relative error of a quadratic fitted on the early periods.

    The quadratic is fitted on all but the last :func:`holdout_size` periods and
    extrapolated to them, as a formula fixed early would predict later reports.
    """
    x = np.asarray(x, float)
    h = holdout_size(x.size)
    xf, xh = x[:-h], x[-h:]
    scale = max(float(np.ptp(xf)), 1.0)
    c = xf.mean()
    Xf = np.vander((xf - c) / scale, 3, increasing=True)
    Xh = np.vander((xh - c) / scale, 3, increasing=True)
    coef = np.linalg.pinv(Xf) @ Y[:, :-h].T
    pred = (Xh @ coef).T
    actual = Y[:, -h:]
    denom = np.maximum(np.abs(actual).mean(axis=1), 1e-9)
    return np.abs(pred - actual).mean(axis=1) / denom


def stat_out_of_sample(Y: np.ndarray, x: np.ndarray) -> np.ndarray:
    return nan_to_floor(-np.log10(np.clip(out_of_sample_error(Y, x), _FLOOR, None)))


def _eff_quadratic(y: np.ndarray, x: np.ndarray) -> tuple[float, str]:
    return float(poly_r2(y[None, :], x, 2)[0]), "R² of a quadratic"


def _eff_one(y: np.ndarray, x: np.ndarray) -> tuple[float, str]:
    r2, k = one_parameter_r2(y[None, :], x)
    return float(r2[0]), f"R² of y = a·t^{int(k[0])}"


def _eff_oos(y: np.ndarray, x: np.ndarray) -> tuple[float, str]:
    err = float(out_of_sample_error(y[None, :], x)[0])
    h = holdout_size(len(y))
    return 100.0 * err, f"mean % error predicting the last {h} periods from the earlier ones"


def fit_applicable(y: np.ndarray) -> str | None:
    """Fit tests need a series that moves, at a scale where counts carry information."""
    if np.ptp(y) == 0:
        return "the series is constant; a curve fit says nothing about it"
    if np.mean(y) < 5:
        return "counts average below 5; any curve fits noise of that size equally badly"
    return None


QUADRATIC = TestSpec(
    name="fit_quadratic",
    stat=stat_quadratic,
    effect=_eff_quadratic,
    finding="fits a quadratic more closely",
    min_points=5,
    applicable=fit_applicable,
)
ONE_PARAMETER = TestSpec(
    name="fit_one_parameter",
    stat=stat_one_parameter,
    effect=_eff_one,
    finding="fits a one-parameter power law (y = a·t^k) more closely",
    min_points=5,
    applicable=fit_applicable,
)
OUT_OF_SAMPLE = TestSpec(
    name="fit_out_of_sample",
    stat=stat_out_of_sample,
    effect=_eff_oos,
    finding="is predicted from its own early years more precisely",
    min_points=6,
    applicable=fit_applicable,
)
