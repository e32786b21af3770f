"""The China case study: shipped official figures, consistency checks, the naive rule.

Figures come from ``tribunal/data/official/china`` (hand-compiled official statements with
their URLs, and Table 7 of Robertson, Hinde & Lavee, BMC Medical Ethics 2019, 20:79) and
the GODT exports; every number is looked up in those files by period and metric so that
its source travels with it.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from tribunal.errors import InputError
from tribunal.forensics.battery import run_battery
from tribunal.forensics.reference import ReferenceSet, load_godt
from tribunal.forensics.result import DESCRIPTIVE, Finding
from tribunal.forensics.series import Series
from tribunal.forensics.tests_consistency import (
    cumulative_vs_yearly,
    parts_vs_total,
    two_publishers,
)
from tribunal.forensics.tests_fit import poly_r2


def china_dir() -> Path:
    return Path(str(resources.files("tribunal") / "data" / "official" / "china"))


def official_figures() -> pd.DataFrame:
    """``china_official_figures.csv`` as shipped."""
    return pd.read_csv(china_dir() / "china_official_figures.csv", dtype=str)


def figure(period: str, metric_contains: str, frame: pd.DataFrame | None = None) -> float:
    """The one official figure for ``period`` whose metric is, or else contains, the words."""
    df = official_figures() if frame is None else frame
    at = df[df["year_or_period"] == period]
    rows = at[at["metric"] == metric_contains]
    if rows.empty:
        rows = at[at["metric"].str.contains(metric_contains, case=False, regex=False)]
    if len(rows) != 1:
        raise InputError(f"expected one official figure for {period} / {metric_contains!r}, "
                         f"found {len(rows)}")
    return float(str(rows["value"].iloc[0]).replace(",", ""))


def organs_per_donor() -> Finding:
    """Organs per donor in the official cumulative counters (descriptive)."""
    df = official_figures()
    pairs = {
        "2010-2013": (figure("2010-2013", "organs transplanted", df),
                      figure("2010-2013", "cumulative deceased donations", df)),
        "to 2014-04-07": (figure("2014-04-07", "cumulative transplants", df),
                          figure("2014-04-07", "cumulative donations", df)),
        "to end-2016": (figure("2010-2016", "cumulative organs donated", df),
                        figure("2010-2016", "cumulative donations", df)),
    }
    row = df[df["year_or_period"] == "2020-10-31"]["value"].iloc[0]
    donors, organs = (float(v) for v in row.split("/"))
    pairs["to 2020-10-31"] = (organs, donors)
    ratios = {k: o / d for k, (o, d) in pairs.items()}
    r = np.array(list(ratios.values()))
    text = "; ".join(f"{k}: {v:.3f}" for k, v in ratios.items())
    early = r[:3]
    f = Finding(series="China organs per deceased donor (official cumulative counters)",
                test="organs_per_donor", status=DESCRIPTIVE, level=0.01,
                statistic=float(early.std(ddof=1) / early.mean()),
                effect_size=float(early.mean()), effect_label="mean ratio 2010-2016",
                details={"ratios": ratios, "pairs": {k: list(v) for k, v in pairs.items()}})
    f.explanation = (f"Organs per deceased donor in the official cumulative counters: {text}. "
                     f"Through 2016 the ratio stays within {early.min():.2f}-{early.max():.2f} "
                     f"(mean {early.mean():.2f}, close to the 2.75 Robertson et al. report); by "
                     f"October 2020 it is {r[-1]:.2f}. Cumulative ratios change slowly by "
                     "construction; the yearly GODT ratio is tested against comparators in "
                     "ratio_constancy.")
    return f


def consistency_findings(level: float = 0.01) -> list[Finding]:
    """Parts against totals, two publishers and cumulative counters in China's figures."""
    df = official_figures()
    t7 = pd.read_csv(china_dir() / "bmc2019_table7_transplant_totals_2016.csv").iloc[0]
    out = [
        parts_vs_total(
            "2016 organs transplanted: Red Cross total vs COTRS and CCTV parts (BMC 2019 Table 7)",
            float(t7["all_organs"]),
            {"kidney+liver (COTRS)": float(t7["kidney_and_liver"]),
             "lung": float(t7["lung"]), "heart": float(t7["heart"])},
            level=level),
        two_publishers("2018 deceased donors", "Nre-derived official report",
                       figure("2018", "deceased donors", df), "COTRS as cited by the paper",
                       figure("2018", "deceased donors (COTRS", df), level=level),
        two_publishers("Deceased liver donations 2011-2014 (Huang Jiefu)",
                       "Vatican talk, Feb 2017",
                       figure("2011-2014", "Vatican", df), "The Paper, days later",
                       figure("2011-2014", "The Paper", df), level=level),
        two_publishers("2019 transplants", "Global Times (COTDF report)",
                       figure("2019", "transplant operations", df),
                       "Chen et al. 2023", figure("2019", "transplants (6170", df), level=level),
    ]
    yearly = {str(y): figure(str(y), "deceased donors", df) for y in range(2015, 2020)}
    total = figure("2015-2019", "sum of deceased donors", df)
    out.append(cumulative_vs_yearly("Deceased donors 2015-2019 (Nre 2018 figure)", total, yearly,
                                    level=level))
    alt = dict(yearly)
    alt["2018"] = figure("2018", "deceased donors (COTRS", df)
    out.append(cumulative_vs_yearly("Deceased donors 2015-2019 (COTRS 2018 figure as cited)",
                                    total, alt, level=level))
    out.append(organs_per_donor())
    return out


def godt_series(country: str, measure: str, start: int, end: int) -> Series:
    """One GODT comparator series (e.g. Thailand deceased donors 2010-2016)."""
    wide = load_godt()
    rows = wide[(wide["country"] == country) & wide["year"].between(start, end)]
    rows = rows.sort_values("year").dropna(subset=[measure])
    years = rows["year"].to_numpy(int)
    return Series(name=f"{country} {measure} {start}-{end}", periods=years,
                  values=rows[measure].to_numpy(float), labels=[str(y) for y in years],
                  sources=["GODT export 2018"])


def naive_rule_comparison(reference: ReferenceSet | None = None, *, n_sim: int = 999,
                          seed: int = 0, level: float = 0.01) -> list[dict[str, object]]:
    """Thailand's and Brazil's 2010-2016 donors under "R² > 0.99" and the calibrated test.

    Each country is judged against a reference without its own series (China is never
    in it); ``reference`` only supplies which countries to leave out besides.
    """
    base = reference.excluded if reference is not None else ("China",)
    rows = []
    for country in ("Thailand", "Brazil"):
        ref = ReferenceSet.godt(exclude=tuple(sorted({*base, country})))
        s = godt_series(country, "deceased_donors", 2010, 2016)
        res = run_battery([s], ref, level=level, n_sim=n_sim, seed=seed, ratios=False)
        quad = next(f for f in res.findings if f.test == "fit_quadratic")
        r2 = float(poly_r2(s.values[None, :], s.periods.astype(float))[0])
        rows.append({"series": s.name, "r2": r2, "naive_flag": r2 > 0.99,
                     "p_value": quad.p_value, "test_flag": quad.flag,
                     "combined_flag": res.summaries[0].flag,
                     "combined_holm_p": res.summaries[0].holm_p,
                     "comparator_flag_rate": quad.reference_flag_rate})
    return rows
