"""Consistency across datasets: parts against totals, two publishers, cumulative counters.

Robertson, Hinde & Lavee (2019, Table 7) set China's 2016 totals side by side: the
Central Red Cross reports 11,620 organs transplanted while COTRS kidney and liver
(10,481), lung (204) and heart (380) leave 555 unexplained. These checks measure such
gaps. *Parts against totals* is calibrated on the GODT comparator exports, where totals
and their parts are published together (kidney = deceased + living donor, liver =
deceased + domino + living, lung = deceased + living, deceased donors = DBD + DCD): the
p-value is the share of comparator country-years whose relative gap is at least as
large. Two publishers and cumulative counters have no comparator and are reported as
measured discrepancies (status ``descriptive``).
"""

from __future__ import annotations

import functools

import numpy as np

from tribunal.errors import InputError
from tribunal.forensics.calibration import rank_p
from tribunal.forensics.reference import EXCLUDE, load_godt
from tribunal.forensics.result import DESCRIPTIVE, INSUFFICIENT, OK, Finding
from tribunal.forensics.series import Series, period_label

TOTALS = {
    "total_kidney_tx": ("dd_kidney_tx", "ld_kidney_tx"),
    "total_liver_tx": ("dd_liver_tx", "domino_liver_tx", "ld_liver_tx"),
    "total_lung_tx": ("dd_lung_tx", "ld_lung_tx"),
    "deceased_donors": ("dbd", "dcd"),
}


@functools.lru_cache(maxsize=2)
def comparator_total_gaps(exclude: tuple[str, ...] = EXCLUDE) -> np.ndarray:
    """Relative gaps |total - sum(parts)| / total in the GODT comparator country-years.

    Only rows where the total and every part are published (and the total is >= 10).
    """
    wide = load_godt()
    wide = wide[~wide["country"].isin(exclude)]
    gaps = []
    for total, parts in TOTALS.items():
        sub = wide[[total, *parts]].dropna()
        sub = sub[sub[total] >= 10]
        gaps.append((np.abs(sub[total] - sub[list(parts)].sum(axis=1)) / sub[total]).to_numpy())
    return np.concatenate(gaps)


def parts_vs_total(name: str, total: float, parts: dict[str, float], *,
                   level: float = 0.01) -> Finding:
    """How far published parts fall from their published total, against GODT practice."""
    s = float(sum(parts.values()))
    gap = total - s
    rel = abs(gap) / total if total else float("inf")
    ref = comparator_total_gaps()
    p = rank_p(rel, ref) if rel > 0 else 1.0
    share = float(np.mean(ref >= rel)) if rel > 0 else 1.0
    listed = " + ".join(f"{k} {v:,.0f}" for k, v in parts.items())
    f = Finding(
        series=name, test="parts_vs_total", status=OK, level=level, statistic=rel, p_value=p,
        flag=bool(p is not None and p <= level), effect_size=gap,
        effect_label="total minus the sum of its parts",
        n_reference=int(ref.size),
        details={"total": total, "parts": parts, "sum_of_parts": s, "relative_gap": rel},
    )
    f.explanation = (
        f"{name}: the total {total:,.0f} and its parts ({listed} = {s:,.0f}) differ by "
        f"{gap:+,.0f} ({100 * rel:.1f}%); {100 * share:.1f}% of {ref.size:,} GODT comparator "
        f"country-years show a gap this large between a total and its parts; calibrated "
        f"p = {p:.3g}" + ("." if f.flag else f" (not flagged at {level:g}).")
    )
    return f


def two_publishers(name: str, a_label: str, a: float, b_label: str, b: float, *,
                   level: float = 0.01) -> Finding:
    """Two publishers' figures for one quantity: the measured discrepancy."""
    diff = a - b
    rel = abs(diff) / max(a, b) if max(a, b) > 0 else 0.0
    f = Finding(series=name, test="two_publishers", status=DESCRIPTIVE, level=level,
                statistic=rel, effect_size=diff, effect_label=f"{a_label} minus {b_label}",
                details={a_label: a, b_label: b, "relative_difference": rel})
    f.explanation = (f"{name}: {a_label} gives {a:,.0f}, {b_label} {b:,.0f}; they differ by "
                     f"{diff:+,.0f} ({100 * rel:.1f}%). No comparator publishes one quantity "
                     "twice, so this discrepancy is reported, not calibrated.")
    return f


def cumulative_vs_yearly(name: str, cumulative: float, yearly: dict[str, float], *,
                         level: float = 0.01) -> Finding:
    """A cumulative counter against the sum of the yearly figures it should equal."""
    s = float(sum(yearly.values()))
    diff = cumulative - s
    rel = abs(diff) / cumulative if cumulative else 0.0
    years = ", ".join(f"{k}: {v:,.0f}" for k, v in yearly.items())
    f = Finding(series=name, test="cumulative_vs_yearly", status=DESCRIPTIVE, level=level,
                statistic=rel, effect_size=diff, effect_label="cumulative minus sum of years",
                details={"cumulative": cumulative, "yearly": yearly, "sum": s})
    f.explanation = (f"{name}: the cumulative figure {cumulative:,.0f} and the sum of the yearly "
                     f"figures ({years}; sum {s:,.0f}) differ by {diff:+,.0f} ({100 * rel:.2f}%).")
    return f


def _same_frequency(*series: Series) -> None:
    """Years and months cannot be set against each other period by period."""
    kinds = {s.frequency for s in series}
    if len(kinds) > 1:
        listed = ", ".join(f"{s.name} ({s.frequency}ly)" for s in series)
        raise InputError(f"these series mix yearly and monthly periods: {listed}",
                         hint="compare yearly with yearly and monthly with monthly series")


def _by_period(s: Series) -> dict[int, float]:
    return dict(zip(s.periods.tolist(), s.values.tolist(), strict=True))


def series_parts_vs_total(total: Series, parts: list[Series], *,
                          level: float = 0.01) -> list[Finding]:
    """:func:`parts_vs_total` for every period where the total and all parts are published
    (provinces against the nation, organs against all transplants)."""
    _same_frequency(total, *parts)
    maps = [_by_period(p) for p in parts]
    out = []
    for period, label, value in zip(total.periods, total.labels, total.values, strict=True):
        if all(int(period) in m for m in maps):
            out.append(parts_vs_total(
                f"{total.name} {label}", float(value),
                {p.name: m[int(period)] for p, m in zip(parts, maps, strict=True)}, level=level))
    if not out:
        out.append(_no_overlap(total.name, "parts_vs_total", level,
                               "no period has the total and every part"))
    return out


def series_two_publishers(a: Series, b: Series, *, level: float = 0.01) -> list[Finding]:
    """:func:`two_publishers` for every period both series cover."""
    _same_frequency(a, b)
    mb = _by_period(b)
    out = [two_publishers(f"{a.name} vs {b.name} {label}", a.name, float(v), b.name,
                          mb[int(p)], level=level)
           for p, label, v in zip(a.periods, a.labels, a.values, strict=True) if int(p) in mb]
    return out or [_no_overlap(f"{a.name} vs {b.name}", "two_publishers", level,
                               "the two series share no period")]


def series_cumulative_vs_yearly(cumulative: Series, yearly: Series, *,
                                level: float = 0.01) -> list[Finding]:
    """Each cumulative figure against the sum of the yearly figures since the first year.

    A cumulative period needs every yearly figure from the first yearly period up to it;
    otherwise the check cannot judge it and says which years are missing.
    """
    _same_frequency(cumulative, yearly)
    my = _by_period(yearly)
    label = dict(zip(yearly.periods.tolist(), yearly.labels, strict=True))
    first = int(yearly.periods[0])
    out = []
    for p, name, v in zip(cumulative.periods, cumulative.labels, cumulative.values, strict=True):
        span = list(range(first, int(p) + 1))
        missing = [q for q in span if q not in my]
        if missing:
            out.append(_no_overlap(f"{cumulative.name} {name}", "cumulative_vs_yearly", level,
                                   "figures missing for "
                                   + ", ".join(period_label(q, yearly.frequency) for q in missing)))
            continue
        out.append(cumulative_vs_yearly(f"{cumulative.name} {name}", float(v),
                                        {label[q]: my[q] for q in span}, level=level))
    return out


def _no_overlap(name: str, test: str, level: float, reason: str) -> Finding:
    return Finding(series=name, test=test, status=INSUFFICIENT, level=level,
                   explanation=f"{name}: cannot judge: {reason}", details={"reason": reason})
