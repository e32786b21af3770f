"""Run every test on every series and combine the findings per series.

Library entry point: :func:`run_battery`. Each finding carries its calibrated p-value,
the flag at the stated level, how many comparator series the same test flags at that
level (leave one country out), and one sentence that reports evidence, not a verdict.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from itertools import combinations

import numpy as np

from tribunal.forensics.calibration import (
    combine,
    combined_min_p,
    holm,
    loo_flags,
    percentile_phrase,
    rank_p,
)
from tribunal.forensics.reference import ReferenceSet
from tribunal.forensics.result import (
    INSUFFICIENT,
    NOT_APPLICABLE,
    OK,
    BatteryResult,
    Finding,
    SeriesSummary,
)
from tribunal.forensics.series import Series
from tribunal.forensics.spec import TestSpec
from tribunal.forensics.tests_digits import BENFORD, ROUND, TARGET, TERMINAL
from tribunal.forensics.tests_dispersion import DISPERSION
from tribunal.forensics.tests_fit import ONE_PARAMETER, OUT_OF_SAMPLE, QUADRATIC
from tribunal.forensics.tests_ratios import MIN_POINTS, ratio_summary, stat_ratio
from tribunal.forensics.tests_repeats import (
    REPEATS,
    comparator_copied_rows,
    copied_rows,
    longest_run,
)

SINGLE_TESTS: tuple[TestSpec, ...] = (QUADRATIC, ONE_PARAMETER, OUT_OF_SAMPLE, DISPERSION,
                                      REPEATS, ROUND, TARGET, TERMINAL, BENFORD)
DEFAULT_LEVEL = 0.01
DEFAULT_N_SIM = 999
# Simulated values held at once for one series (n_sim x periods); each test makes a few
# matrices of that size, so this bounds the battery near 2 GB.
MAX_SIM_CELLS = 50_000_000


def _cannot(series: str, test: str, status: str, level: float, reason: str) -> Finding:
    return Finding(series=series, test=test, status=status, level=level,
                   explanation=f"cannot judge: {reason}", details={"reason": reason})


def run_single(spec: TestSpec, s: Series, reference: ReferenceSet, *, level: float,
               n_sim: int, rng: np.random.Generator,
               sims: np.ndarray | None = None) -> Finding:
    """One single-series test, calibrated on comparator windows and simulated series.

    ``sims`` are simulated genuine series to reuse (the battery shares one set across
    tests so that their p-values can be combined); otherwise ``n_sim`` are drawn.
    """
    y, x = s.values, s.periods.astype(float)
    if len(s) < spec.min_points:
        return _cannot(s.name, spec.name, INSUFFICIENT, level,
                       f"{len(s)} periods; this test needs at least {spec.min_points}")
    if spec.contiguous and not s.contiguous:
        return _cannot(s.name, spec.name, INSUFFICIENT, level,
                       f"missing periods {', '.join(s.gaps)}")
    if spec.applicable is not None:
        reason = spec.applicable(y)
        if reason:
            return _cannot(s.name, spec.name, NOT_APPLICABLE, level, reason)
    stat = float(spec.stat(y[None, :], x)[0])
    effect, effect_label = spec.effect(y, x)
    details: dict[str, object] = {}
    real_stats = sim_stats = None
    p_real = p_sim = None
    n_flagged = n_comp = None
    if spec.use_real and s.frequency == "year":
        win = reference.windows(s.offsets)
        if len(win):
            real_stats = spec.stat(win.Y, x)
            p_real = rank_p(stat, real_stats)
            n_flagged, n_comp, lp = loo_flags(real_stats, win.country, win.latest, level)
            details["n_comparator_windows"] = len(win)
            details.update(_countries_flagged(win, lp, level))
    if spec.use_sim:
        if sims is None:
            sims = reference.simulate(y, x, n_sim, rng)
        sim_stats = spec.stat(sims, x)
        p_sim = rank_p(stat, sim_stats)
        details["n_simulated"] = int(sims.shape[0])
    p = combine(p_real, p_sim)
    analytic = spec.analytic_p(y, x) if spec.analytic_p is not None else None
    if analytic is not None:
        details["p_analytic"] = analytic
        if p is None:
            p = analytic
            details["calibration"] = "analytic (no comparator windows of this length)"
    details.update({"p_comparators": p_real, "p_simulated": p_sim})
    if p is None:
        return _cannot(s.name, spec.name, NOT_APPLICABLE, level,
                       "no comparator window has these periods and no simulation applies")
    flag = p <= level
    finding = Finding(
        series=s.name, test=spec.name, status=OK, level=level, statistic=stat, p_value=p,
        flag=flag, effect_size=effect, effect_label=effect_label, details=details,
        n_reference=int(n_comp or 0), n_reference_flagged=n_flagged,
        reference_flag_rate=(n_flagged / n_comp) if n_comp else None,
        reference_real=real_stats, reference_sim=sim_stats,
    )
    if spec is REPEATS:
        length, value, i, j = longest_run(y, s.periods)
        if length > 1:
            details["longest_run"] = {"value": value, "length": length,
                                      "from": s.labels[i], "to": s.labels[j]}
    finding.explanation = explain(finding, spec.finding)
    return finding


def _countries_flagged(win, latest_p: np.ndarray, level: float) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """How many comparator countries have at least one series the test flags."""
    countries = win.country[np.flatnonzero(win.latest)]
    return {"n_comparator_countries": int(np.unique(countries).size),
            "n_comparator_countries_flagged": int(np.unique(countries[latest_p <= level]).size)}


def explain(f: Finding, what: str) -> str:
    """One plain sentence: the effect, the rank against genuine series, the flag rate."""
    d = f.details
    parts = [f"{f.series} {what} ({f.effect_label} {_num(f.effect_size)})"]
    against = []
    if d.get("p_comparators") is not None:
        against.append(f"than {percentile_phrase(d['p_comparators'])} of "
                       f"{d.get('n_comparator_windows', 0):,} comparator windows")
    if d.get("p_simulated") is not None:
        against.append(f"{percentile_phrase(d['p_simulated'])} of "
                       f"{d.get('n_simulated', 0):,} simulated genuine series")
    if against:
        parts.append(" and ".join(against))
    text = " ".join(parts) + f"; calibrated p = {_num(f.p_value)}"
    if f.n_reference:
        text += (f"; {f.n_reference_flagged} of {f.n_reference} comparator series"
                 + (f" ({d['n_comparator_countries_flagged']} of {d['n_comparator_countries']} "
                    "countries)" if "n_comparator_countries" in d else "")
                 + f" would be flagged at level {f.level:g}")
    text += "." if f.flag else f" (not flagged at {f.level:g})."
    return text


def _num(v: float | None) -> str:
    if v is None:
        return "n/a"
    if abs(v) >= 100:
        return f"{v:,.0f}"
    if abs(v) >= 0.9 and abs(v) < 1:
        return f"{v:.4f}"
    return f"{v:.3g}"


def run_ratio(a: Series, b: Series, reference: ReferenceSet, *, level: float) -> Finding:
    """Constancy of the ratio a/b over their common periods, against comparator pairs."""
    name = f"{a.name} / {b.name}"
    common, ia, ib = np.intersect1d(a.periods, b.periods, return_indices=True)
    if common.size < MIN_POINTS:
        return _cannot(name, "ratio_constancy", INSUFFICIENT, level,
                       f"{common.size} common periods; this test needs at least {MIN_POINTS}")
    va, vb = a.values[ia], b.values[ib]
    if np.any(vb <= 0) or np.any(va <= 0):
        return _cannot(name, "ratio_constancy", NOT_APPLICABLE, level, "zero counts in a ratio")
    stat = float(stat_ratio(va[None], vb[None])[0])
    summ = ratio_summary(va, vb)
    offsets = tuple(int(c - common[0]) for c in common)
    win = reference.pair_windows(offsets) if a.frequency == "year" else None
    details: dict[str, object] = dict(summ)
    real = None
    p = None
    n_flagged = n_comp = None
    if win is not None and len(win):
        real = np.maximum(stat_ratio(win.Y[:, :, 0], win.Y[:, :, 1]),
                          stat_ratio(win.Y[:, :, 1], win.Y[:, :, 0]))
        p = rank_p(stat, real)
        n_flagged, n_comp, lp = loo_flags(real, win.country, win.latest, level)
        details.update({"n_comparator_windows": len(win), "p_comparators": p})
        details.update(_countries_flagged(win, lp, level))
    if p is None:
        return _cannot(name, "ratio_constancy", NOT_APPLICABLE, level,
                       "no comparator pair is observed at these periods")
    f = Finding(series=name, test="ratio_constancy", status=OK, level=level, statistic=stat,
                p_value=p, flag=p <= level, effect_size=summ["cv"],
                effect_label=f"coefficient of variation of the ratio (mean {summ['mean_ratio']:.3g})",
                n_reference=int(n_comp or 0), n_reference_flagged=n_flagged,
                reference_flag_rate=(n_flagged / n_comp) if n_comp else None,
                details=details, reference_real=real)
    f.explanation = explain(f, "keeps a steadier ratio")
    return f


def run_copied_rows(group: str, members: list[Series], reference: ReferenceSet, *,
                    level: float) -> Finding:
    """Whole rows of a group of related series copied from an earlier period."""
    name = f"group {group}"
    periods = sorted({int(p) for s in members for p in s.periods})
    if len(periods) < 3:
        return _cannot(name, "copied_rows", INSUFFICIENT, level,
                       f"{len(periods)} periods; this test needs at least 3")
    maps = [dict(zip(s.periods.tolist(), s.values.tolist(), strict=True)) for s in members]
    table = np.array([[m.get(p, np.nan) for m in maps] for p in periods], float)
    stat = float(copied_rows(table))
    ref = comparator_copied_rows(reference)
    p = rank_p(stat, ref)
    n_flagged = int(sum(rank_p(v, np.delete(ref, i)) <= level for i, v in enumerate(ref)))
    copies = []
    seen: dict[tuple, int] = {}
    for per, row in zip(periods, table, strict=True):
        key = tuple("NA" if np.isnan(v) else float(v) for v in row)
        if np.sum(np.nan_to_num(row) >= 10) >= 2 and key in seen:
            copies.append(f"{per} = {seen[key]}")
        seen.setdefault(key, per)
    f = Finding(series=name, test="copied_rows", status=OK, level=level, statistic=stat,
                p_value=p, flag=bool(p is not None and p <= level), effect_size=stat,
                effect_label=f"periods whose whole row of {len(members)} series repeats an "
                "earlier row",
                n_reference=int(ref.size), n_reference_flagged=n_flagged,
                reference_flag_rate=n_flagged / ref.size if ref.size else None,
                details={"copies": copies, "n_comparator_countries": int(ref.size),
                         "p_comparators": p},
                reference_real=ref)
    share = 100.0 * float(np.mean(ref >= stat))
    f.explanation = (f"{name}: {int(stat)} period(s) copy an earlier row of all "
                     f"{len(members)} series ({'; '.join(copies) or 'none'}); "
                     f"{share:.1f}% of {ref.size} comparator countries' GODT tables have as many "
                     f"copied rows; calibrated p = {_num(p)}; {n_flagged} of {ref.size} comparator "
                     f"countries would be flagged at level {level:g}"
                     + ("." if f.flag else f" (not flagged at {level:g})."))
    return f


def run_battery(series: list[Series], reference: ReferenceSet | None = None, *,
                level: float = DEFAULT_LEVEL, n_sim: int = DEFAULT_N_SIM, seed: int = 0,
                tests: tuple[TestSpec, ...] = SINGLE_TESTS, ratios: bool = True,
                on_progress: Callable[[int, int], None] | None = None) -> BatteryResult:
    """Run the single-series tests on every series and the ratio test on every pair of
    series that share a ``group``; combine each series' p-values with Holm's procedure."""
    if not 0 < level < 1:
        from tribunal.errors import InputError

        raise InputError(f"level {level} is not between 0 and 1", hint="e.g. --level 0.01")
    longest = max((len(s) for s in series), default=0)
    if n_sim * longest > MAX_SIM_CELLS:
        from tribunal.errors import InputError

        raise InputError(
            f"{n_sim:,} simulations of a series of {longest:,} periods need more memory than "
            "this machine should give them",
            hint=f"use --n-sim {max(99, MAX_SIM_CELLS // longest):,} or fewer, or test a shorter span",
        )
    t0 = time.perf_counter()
    reference = reference or ReferenceSet.godt()
    rng = np.random.default_rng(seed)
    pairs = []
    if ratios:
        for a, b in combinations(series, 2):
            if a.group and a.group == b.group and a.frequency == b.frequency:
                pairs.append((a, b))
    groups: dict[str, list[Series]] = {}
    for s in series:
        if s.group:
            groups.setdefault(s.group, []).append(s)
    groups = {g: m for g, m in groups.items() if len(m) >= 2} if ratios else {}
    total = len(series) * len(tests) + len(pairs) + len(groups)
    done = 0
    findings: list[Finding] = []
    summaries: list[SeriesSummary] = []
    for s in series:
        sims = (reference.simulate(s.values, s.periods.astype(float), n_sim, rng)
                if len(s) >= 3 else None)
        mine = []
        for spec in tests:
            mine.append(run_single(spec, s, reference, level=level, n_sim=n_sim, rng=rng,
                                   sims=sims))
            done += 1
            if on_progress:
                on_progress(done, total)
        findings.extend(mine)
        summaries.append(summarise_series(s, mine, tests, sims, level))
    for a, b in pairs:
        findings.append(run_ratio(a, b, reference, level=level))
        done += 1
        if on_progress:
            on_progress(done, total)
    for g, members in groups.items():
        findings.append(run_copied_rows(g, members, reference, level=level))
        done += 1
        if on_progress:
            on_progress(done, total)
    return BatteryResult(level=level, findings=findings, summaries=summaries,
                         reference=reference.describe() | {"n_simulated": n_sim, "seed": seed},
                         seconds=time.perf_counter() - t0)


def summarise_series(s: Series, fs: list[Finding], tests: tuple[TestSpec, ...],
                     sims: np.ndarray | None, level: float) -> SeriesSummary:
    """Combine one series' findings into one flag that controls the family-wise error.

    Tests calibrated on comparator windows are combined by the calibrated minimum
    p-value (:func:`~tribunal.forensics.calibration.combined_min_p`), which accounts for
    their correlation; that p-value and those of any other tests (terminal digits,
    Benford) are then adjusted by Holm's procedure.
    """
    ran = [f for f in fs if f.status == OK and f.p_value is not None]
    if not ran:
        return SeriesSummary(s.name, level, 0, None, None, False, [], s.source,
                             "no test could judge this series")
    specs = {t.name: t for t in tests}
    x = s.periods.astype(float)
    block = [f for f in ran if f.reference_real is not None and len(f.reference_real)]
    others = [f for f in ran if f not in block]
    pvals: list[float] = []
    labels: list[str] = []
    if block:
        real = {f.test: f.reference_real for f in block}
        sim_stats = {} if sims is None else {f.test: specs[f.test].stat(sims, x) for f in block}
        comb = combined_min_p({f.test: f.p_value for f in block}, real, sim_stats,
                              {f.test: specs[f.test].use_sim for f in block})
        if comb is not None:
            pvals.append(comb)
            labels.append("min-p over " + ", ".join(f.test for f in block))
    for f in others:
        pvals.append(f.p_value)
        labels.append(f.test)
    adjusted = holm(pvals)
    final = min(adjusted)
    flagged: list[str] = []
    if final <= level:
        flagged = [f.test for f in ran if f.flag] or [labels[int(np.argmin(adjusted))]]
    min_p = min(f.p_value for f in ran)
    text = (f"{len(ran)} tests ran; smallest calibrated p = {min_p:.3g}; combined over tests "
            f"(calibrated min-p, Holm) p = {final:.3g}; "
            + (f"flagged, driven by {', '.join(flagged)}" if flagged
               else f"not flagged at family-wise level {level:g}"))
    return SeriesSummary(s.name, level, len(ran), min_p, final, final <= level, flagged,
                         s.source, text)
