"""Totals over strata for dga estimates: the posterior of a sum of independent strata.

With one independent Madigan-York analysis per stratum (HRDAG's practice: estimate each
stratum separately, then add), the posterior of the total is the convolution of the
strata's posteriors of N. Computing it exactly on the grids avoids the sampling noise of
adding posterior draws.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import fftconvolve

from tribunal.errors import InputError
from tribunal.mse.dga_summary import posterior_quantile
from tribunal.mse.result import MSEResult


def total_over_strata(results: list[MSEResult]) -> MSEResult:
    """Combine per-stratum dga results into the posterior of their total.

    Strata are taken as independent. The estimate is the posterior median of the total and
    the interval its 95% equal-tailed interval; ``details['posterior_N']`` holds the
    convolved posterior, ``diagnostics['strata']`` each stratum's own summary, and every
    stratum's warnings are carried over with the stratum named.
    """
    if not results:
        raise InputError("no strata to combine")
    if any(r.method != "dga" or "posterior_N" not in r.details for r in results):
        raise InputError("total_over_strata combines results of estimate_dga only")
    start = 0
    prob = np.ones(1)
    for r in results:
        post = r.details["posterior_N"]
        start += int(post["N"][0])
        prob = fftconvolve(prob, np.asarray(post["probability"], dtype=float))
        # FFT round-off leaves tiny negative values; they are not probabilities.
        prob = np.clip(prob, 0.0, None)
        prob /= prob.sum()
    n_total = start + np.arange(prob.size)
    warnings = [f"stratum {r.stratum}: {w}" for r in results for w in r.warnings]
    strata = [
        {
            "stratum": r.stratum,
            "estimate": r.estimate,
            "interval": list(r.interval) if r.interval else None,
            "n_observed": r.n_observed,
        }
        for r in results
    ]
    lists = sorted({name for r in results for name in r.lists})
    return MSEResult(
        method="dga",
        estimate=float(posterior_quantile(n_total, prob, 0.5)),
        interval=(
            float(posterior_quantile(n_total, prob, 0.025)),
            float(posterior_quantile(n_total, prob, 0.975)),
        ),
        n_observed=sum(r.n_observed for r in results),
        lists=lists,
        input_sha256=results[0].input_sha256
        if len({r.input_sha256 for r in results}) == 1
        else "",
        stratum="total",
        parameters={"combination": "convolution of independent strata posteriors"},
        diagnostics={
            "strata": strata,
            "mean": float((prob * n_total).sum()),
            "mode": int(n_total[int(np.argmax(prob))]),
        },
        warnings=warnings,
        details={"posterior_N": {"N": n_total.tolist(), "probability": prob.tolist()}},
    )
