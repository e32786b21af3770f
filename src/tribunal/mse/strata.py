"""Estimates by stratum, and a total with its combined uncertainty.

MSE is run separately in strata (region, year, sex) because capture probabilities differ
between them; pooling heterogeneous strata biases the estimate (Bishop, Fienberg & Holland
1975, 6.4; HRDAG practice, e.g. Ball et al. 2003 for Peru). Practitioners' rules applied
here: a stratum needs at least three lists with cases (two lists identify only the
independence model, which cannot be checked), and strata with few cases or few overlaps
get a warning (Manrique-Vallier, Price & Gohdes 2013).

The total is the sum of the stratum estimates. Its interval is, in order of preference:
(1) percentiles of summed draws when every stratum has bootstrap replicates or posterior
draws (independent strata: draws are resampled to a common length and added); otherwise
(2) the delta method: the variance of the total is the sum of the stratum variances (each
from the model's standard error, or from its interval width / 3.92), and the interval is
Chao's (1987) log-normal interval for the unseen count. The result says which was used.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from scipy.stats import norm

from tribunal.errors import InputError
from tribunal.mse.result import MSEResult
from tribunal.mse.table import CaptureTable

ProgressCallback = Callable[[int, int], None]
METHODS = {
    "loglinear": ("tribunal.mse.loglinear_estimate", "estimate_loglinear"),
    "dga": ("tribunal.mse.dga", "estimate_dga"),
    "lcmcr": ("tribunal.mse.lcmcr", "estimate_lcmcr"),
}
MIN_LISTS = 3
SPARSE_CASES = 30
# Reasons that no method can overcome: the overlaps carry no information about the unseen.
NO_INFORMATION = "no overlap structure to learn from: "


def method_function(method: str) -> Callable[..., MSEResult]:
    """The estimator for ``method``, imported on first use."""
    if method not in METHODS:
        raise InputError(f"unknown method {method!r}", hint="loglinear, dga or lcmcr")
    module_name, attr = METHODS[method]
    try:
        module = importlib.import_module(module_name)
        return getattr(module, attr)
    except (ImportError, AttributeError) as exc:
        raise InputError(
            f"the {method} estimator is not available in this installation ({exc})",
            hint="use --method loglinear, or update Tribunal",
        ) from exc


def estimate_table(
    table: CaptureTable,
    method: str,
    options: Mapping[str, Any] | None = None,
    *,
    on_progress: ProgressCallback | None = None,
) -> MSEResult:
    """Run one method on one table; ``options`` holds only the settings the user gave."""
    func = method_function(method)
    warnings = check_table(table)
    with_cases = sum(1 for size in table.list_sizes().values() if size > 0)
    if method == "lcmcr" and with_cases < MIN_LISTS:
        # With two lists a latent class model has more parameters than the three observed
        # cells: the posterior of N would be the prior's (Manrique-Vallier 2016, sec. 2).
        raise InputError(
            f"LCMCR needs at least {MIN_LISTS} lists with cases; this table has {with_cases}",
            hint="with two lists use --method loglinear (Lincoln-Petersen, independence)",
        )
    kwargs = {k: v for k, v in (options or {}).items() if v is not None}
    if on_progress is not None and method != "dga":
        kwargs["on_progress"] = on_progress
    result = func(table, **kwargs)
    result.warnings = [*warnings, *[w for w in result.warnings if w not in warnings]]
    return result


def stratum_problems(table: CaptureTable) -> tuple[list[str], list[str]]:
    """(reasons to skip, warnings) for one stratum under the practitioners' rules."""
    sizes = table.list_sizes()
    with_cases = [name for name, s in sizes.items() if s > 0]
    skip, warn = [], []
    if len(with_cases) < MIN_LISTS:
        skip.append(
            f"only {len(with_cases)} list(s) with cases; MSE needs at least {MIN_LISTS}"
        )
    if table.n_observed < SPARSE_CASES:
        warn.append(f"sparse: {table.n_observed} cases (< {SPARSE_CASES})")
    pats = table.patterns[table.counts > 0]
    if len(pats) == 1:
        skip.append(NO_INFORMATION + "all cases share one pattern of lists")
    elif len(pats) and (pats.sum(axis=1) > 1).sum() == 0:
        skip.append(NO_INFORMATION + "no case is on more than one list")
    else:
        on_many = pats[pats.sum(axis=1) > 1]
        isolated = [
            name for i, name in enumerate(table.lists)
            if sizes[name] > 0 and on_many[:, i].sum() == 0
        ]
        if isolated:
            warn.append(
                f"list(s) {', '.join(isolated)} share no case with any other list: what "
                "they add to the estimate rests on the model's assumptions alone"
            )
    return skip, warn


def check_table(table: CaptureTable) -> list[str]:
    """Apply the rules to a single (unstratified) table: refuse a table without any
    overlap, and return warnings (fewer than three lists only warns here)."""
    skip, warn = stratum_problems(table)
    fatal = [s for s in skip if s.startswith(NO_INFORMATION)]
    if fatal:
        raise InputError(
            f"cannot estimate: {fatal[0]}",
            hint="MSE needs cases in several patterns, some on more than one list; check the "
            "record linkage and the list columns",
        )
    if skip:
        warn.insert(0, f"{skip[0]}: the estimate assumes the lists are independent, which "
                       "cannot be checked")
    return warn


def draws_of(result: MSEResult) -> np.ndarray | None:
    """Posterior draws or bootstrap replicates of N kept by an estimator, if any."""
    for key in ("draws", "posterior_draws", "samples", "replicates"):
        value = result.details.get(key)
        if value is not None:
            parts = value if isinstance(value, (list, tuple)) else [value]
            arr = np.concatenate([np.asarray(v, dtype=float).ravel() for v in parts])
            arr = arr[np.isfinite(arr)]
            if arr.size:
                return arr
    return None


def _variance(result: MSEResult) -> float:
    se = result.diagnostics.get("fit", {}).get("se") if result.diagnostics else None
    if se is not None and math.isfinite(se):
        return float(se) ** 2
    if result.interval is not None and all(math.isfinite(v) for v in result.interval):
        return ((result.interval[1] - result.interval[0]) / 3.92) ** 2
    return math.inf


def combine(results: list[MSEResult], *, seed: int | None = None, level: float = 0.95) -> dict:
    """The total over strata: estimate, interval and how the interval was made."""
    total = float(sum(r.estimate for r in results))
    draws = [draws_of(r) for r in results]
    alpha = (1 - level) / 2
    if results and all(d is not None for d in draws):
        rng = np.random.default_rng(seed)
        size = max(len(d) for d in draws if d is not None)
        summed = sum(rng.choice(d, size=size, replace=True) for d in draws if d is not None)
        lo, hi = np.quantile(summed, [alpha, 1 - alpha])
        how = "percentiles of summed per-stratum draws (bootstrap replicates or posterior)"
        return {"estimate": total, "interval": [float(lo), float(hi)], "interval_method": how}
    var = sum(_variance(r) for r in results)
    n_obs = float(sum(r.n_observed for r in results))
    unseen = total - n_obs
    z = float(norm.ppf(1 - alpha))
    if unseen > 0 and math.isfinite(var):
        # Log-normal for the unseen count (Chao 1987, Biometrics 43:783): keeps the lower
        # end above n_obs and the skew of population-size estimates.
        c = math.exp(z * math.sqrt(math.log(1 + var / unseen**2)))
        interval = [n_obs + unseen / c, n_obs + unseen * c]
    else:
        half = z * math.sqrt(var)
        interval = [max(total - half, n_obs), total + half]
    return {
        "estimate": total,
        "interval": interval,
        "interval_method": "delta method: variance the sum of the strata's variances, "
        "log-normal interval for the unseen count",
    }


def estimate_strata(
    tables: Mapping[str | None, CaptureTable],
    method: str,
    options: Mapping[str, Any] | None = None,
    *,
    seed: int | None = None,
    on_progress: ProgressCallback | None = None,
) -> MSEResult:
    """Estimate every stratum and the total; strata failing the rules are reported, not
    estimated, and their observed cases are left out of the total (a warning says so)."""
    results: list[MSEResult] = []
    skipped: list[dict[str, object]] = []
    warnings: list[str] = []
    keys = list(tables)
    for i, key in enumerate(keys):
        table = tables[key]
        skip, warn = stratum_problems(table)
        if skip:
            skipped.append({"stratum": key, "n_observed": table.n_observed, "reasons": skip})
            warnings.append(f"stratum {key}: not estimated ({'; '.join(skip)})")
            continue
        try:
            res = estimate_table(table, method, options)
            res.warnings = [w for w in res.warnings if w not in warn]
        except InputError as exc:
            skipped.append({"stratum": key, "n_observed": table.n_observed,
                            "reasons": [exc.message]})
            warnings.append(f"stratum {key}: not estimated ({exc.message})")
            continue
        res.warnings = [*warn, *res.warnings]
        warnings += [f"stratum {key}: {w}" for w in warn]
        results.append(res)
        if on_progress is not None:
            on_progress(i + 1, len(keys))
    if not results:
        raise InputError("no stratum could be estimated", hint="; ".join(warnings)[:500])
    comb = combine(results, seed=seed)
    if method == "dga":
        # dga keeps the exact posterior grid: convolve it rather than add draws
        try:
            from tribunal.mse.dga_strata import total_over_strata

            exact = total_over_strata(results)
            comb = {
                "estimate": exact.estimate,
                "interval": list(exact.interval or comb["interval"]),
                "interval_method": "convolution of the strata's posteriors of N (dga)",
            }
        except (ImportError, InputError):
            pass
    if skipped:
        missing = sum(int(s["n_observed"]) for s in skipped)
        warnings.append(
            f"the total leaves out {len(skipped)} stratum/strata with {missing} observed "
            "cases; it is not a total of the whole population"
        )
    first = results[0]
    return MSEResult(
        method=method,
        estimate=comb["estimate"],
        interval=tuple(comb["interval"]),
        n_observed=sum(r.n_observed for r in results),
        lists=first.lists,
        input_sha256=first.input_sha256,
        model=[],
        stratum="total",
        parameters=dict(first.parameters),
        diagnostics={
            "interval_method": comb["interval_method"],
            "strata": [r.to_dict() for r in results],
            "skipped_strata": skipped,
        },
        warnings=warnings,
        details={"results": results},
    )
