"""The reference set: comparator countries' series from GODT and simulated genuine series.

Comparator data are the WHO-ONT Global Observatory on Donation and Transplantation (GODT)
exports shipped in ``tribunal/data/official/godt`` (2000-2017 for 194 countries; 2020-2024
for 103 countries, where zeros stand for missing values and are dropped). A *window* is
any run of a comparator series observed at the same relative periods as the series under
study (same length and same gaps), with all values positive and a mean of at least
``MIN_MEAN``. China is never part of its own reference.

Simulated genuine series are negative-binomial (gamma-Poisson) counts around the series'
own least-squares quadratic trend, with extra-Poisson year-to-year variation drawn from
what the comparator registries show (estimated from second differences). That is the
most generous null for the series under study: a genuine count whose trend *is* a
quadratic.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd

from tribunal.errors import InputError

MIN_MEAN = 10.0
EXCLUDE = ("China",)

# GODT column -> measure name (2000-2017 export; 2020-2024 uses "Total Heart TX")
COLUMNS = {
    "TOTAL Actual DD": "deceased_donors",
    "Actual DBD": "dbd",
    "Actual DCD": "dcd",
    "DD Kidney Tx": "dd_kidney_tx",
    "LD Kidney Tx": "ld_kidney_tx",
    "TOTAL Kidney Tx": "total_kidney_tx",
    "DD Liver Tx": "dd_liver_tx",
    "DOMINO Liver Tx": "domino_liver_tx",
    "LD Liver Tx": "ld_liver_tx",
    "TOTAL Liver TX": "total_liver_tx",
    "Total Heart": "heart_tx",
    "Total Heart TX": "heart_tx",
    "DD Lung Tx": "dd_lung_tx",
    "LD Lung Tx": "ld_lung_tx",
    "TOTAL Lung Tx": "total_lung_tx",
}
SINGLE_MEASURES = ("deceased_donors", "dbd", "dcd", "dd_kidney_tx", "ld_kidney_tx",
                   "dd_liver_tx", "ld_liver_tx", "heart_tx", "dd_lung_tx", "dd_organs_tx")
RATIO_MEASURES = ("deceased_donors", "dbd", "dd_kidney_tx", "dd_liver_tx", "heart_tx",
                  "dd_lung_tx", "ld_kidney_tx", "dd_organs_tx")
# pairs where one measure contains the other (DBD within all deceased donors, kidneys within
# all organs) have a ratio fixed by definition when the rest is zero; not comparators
NESTED = {frozenset(p) for p in [("deceased_donors", "dbd"), ("dd_organs_tx", "dd_kidney_tx"),
                                 ("dd_organs_tx", "dd_liver_tx"), ("dd_organs_tx", "heart_tx"),
                                 ("dd_organs_tx", "dd_lung_tx")]}
FILES = {"A": "godt_2000_2017_all_countries.csv", "B": "godt_2020_2024_103_countries.csv"}


def godt_dir() -> Path:
    """Folder of the shipped GODT exports."""
    return Path(str(resources.files("tribunal") / "data" / "official" / "godt"))


@functools.lru_cache(maxsize=1)
def godt_hashes() -> dict[str, str]:
    """SHA-256 of the shipped GODT exports, so a result names the exact comparator data."""
    from tribunal.hashing import sha256_file

    return {name: sha256_file(godt_dir() / name) for name in FILES.values()}


@functools.lru_cache(maxsize=4)
def load_godt(folder: str | None = None) -> pd.DataFrame:
    """Both GODT exports as one wide frame: country, year, part (A/B) and measure columns.

    ``dd_organs_tx`` (deceased-donor kidney + liver + heart + lung transplants, heart and
    lung counted as 0 when missing) is added where kidney and liver are present.
    """
    base = Path(folder) if folder else godt_dir()
    frames = []
    for part, name in FILES.items():
        path = base / name
        if not path.is_file():
            raise InputError(f"comparator file {path} is missing",
                             hint="reinstall tribunal; the GODT exports ship with the package")
        raw = pd.read_csv(path)
        raw.columns = [c.strip() for c in raw.columns]
        lower = {c.lower(): c for c in raw.columns}
        df = pd.DataFrame({
            "country": raw[lower["country"]].astype(str),
            "year": raw[lower.get("reportyear", lower.get("year"))].astype(int),
            "part": part,
        })
        for col, measure in COLUMNS.items():
            if col in raw.columns:
                vals = pd.to_numeric(raw[col], errors="coerce")
                if part == "B":  # this export turned missing values into 0
                    vals = vals.where(vals != 0)
                df[measure] = vals.to_numpy(float)
        frames.append(df)
    wide = pd.concat(frames, ignore_index=True)
    parts = wide[["dd_kidney_tx", "dd_liver_tx"]]
    organs = parts.sum(axis=1, min_count=2) + wide["heart_tx"].fillna(0) + wide["dd_lung_tx"].fillna(0)
    wide["dd_organs_tx"] = organs.where(parts.notna().all(axis=1))
    return wide


@dataclass
class ComparatorSeries:
    country: str
    measure: str
    years: np.ndarray
    values: np.ndarray

    @property
    def label(self) -> str:
        return f"{self.country} · {self.measure}"


@dataclass
class Windows:
    """Comparator windows of one period pattern: values, country ids, whose latest window."""

    Y: np.ndarray
    country: np.ndarray
    series: np.ndarray
    latest: np.ndarray
    labels: list[str]

    def __len__(self) -> int:
        return int(self.Y.shape[0])


def _windows_from(items: list[tuple[str, np.ndarray, np.ndarray]], offsets: tuple[int, ...],
                  countries: dict[str, int]) -> Windows:
    off = np.asarray(offsets, int)
    span = int(off[-1]) + 1
    blocks, cid, sid, latest, labels = [], [], [], [], []
    for k, (label, years, values) in enumerate(items):
        y0 = int(years.min())
        length = int(years.max()) - y0 + 1
        if length < span:
            continue
        dense = np.full((length,) + values.shape[1:], np.nan)
        dense[years - y0] = values
        starts = np.arange(length - span + 1)
        win = dense[starts[:, None] + off[None, :]]  # (starts, n) or (starts, n, 2)
        flat = win.reshape(win.shape[0], -1)
        ok = ~np.isnan(flat).any(axis=1)
        with np.errstate(invalid="ignore"):
            ok &= np.nan_to_num(flat, nan=0.0).min(axis=1) > 0
            means = win.mean(axis=1)
            ok &= (means.min(axis=-1) if means.ndim == 2 else means) >= MIN_MEAN
        if not ok.any():
            continue
        found = win[ok]
        blocks.append(found)
        cid.extend([countries[label.split(" · ")[0]]] * len(found))
        sid.extend([k] * len(found))
        latest.extend([False] * (len(found) - 1) + [True])
        labels.extend([label] * len(found))
    if not blocks:
        return Windows(np.zeros((0, len(off))), np.array([], int), np.array([], int),
                       np.array([], bool), [])
    return Windows(np.concatenate(blocks), np.array(cid, int), np.array(sid, int),
                   np.array(latest, bool), labels)


class ReferenceSet:
    """Comparator series and the noise pool for simulated genuine series."""

    def __init__(self, series: list[ComparatorSeries], name: str = "godt",
                 excluded: tuple[str, ...] = EXCLUDE) -> None:
        self.name = name
        self.excluded = excluded
        self.series = series
        self.countries = {c: i for i, c in enumerate(sorted({s.country for s in series}))}
        self._pairs = self._make_pairs()
        self.noise_pool = self._noise_pool()
        self._cache: dict[tuple, Windows] = {}

    @classmethod
    def godt(cls, exclude: tuple[str, ...] = EXCLUDE, folder: str | None = None) -> ReferenceSet:
        """The GODT comparator set shipped with the package, without the countries in
        ``exclude`` (China always; add the country under study when it is a comparator)."""
        wide = load_godt(folder)
        known = set(wide["country"])
        unknown = [c for c in exclude if c not in known]
        if unknown:
            raise InputError(f"no GODT country named {', '.join(map(repr, unknown))}",
                             hint="names as in the GODT export, e.g. 'Republic of Korea'")
        return _godt_cached(tuple(sorted({*EXCLUDE, *exclude})), folder)

    def describe(self) -> dict[str, object]:
        return {
            "name": self.name,
            "files": godt_hashes(),
            "excluded": list(self.excluded),
            "countries": len(self.countries),
            "series": len(self.series),
            "noise_cv_median": float(np.sqrt(np.median(self.noise_pool))),
        }

    def _make_pairs(self) -> list[tuple[str, np.ndarray, np.ndarray]]:
        by = {(s.country, s.measure): s for s in self.series}
        pairs = []
        for country in self.countries:
            for a, b in combinations(RATIO_MEASURES, 2):
                if frozenset((a, b)) in NESTED:
                    continue
                sa, sb = by.get((country, a)), by.get((country, b))
                if sa is None or sb is None:
                    continue
                common, ia, ib = np.intersect1d(sa.years, sb.years, return_indices=True)
                if common.size >= 3:
                    vals = np.stack([sa.values[ia], sb.values[ib]], axis=1)
                    pairs.append((f"{country} · {a}/{b}", common, vals))
        return pairs

    def windows(self, offsets: tuple[int, ...]) -> Windows:
        """Every comparator window observed at ``offsets`` (cached)."""
        key = ("single", offsets)
        if key not in self._cache:
            items = [(s.label, s.years, s.values) for s in self.series
                     if s.measure in SINGLE_MEASURES]
            self._cache[key] = _windows_from(items, offsets, self.countries)
        return self._cache[key]

    def pair_windows(self, offsets: tuple[int, ...]) -> Windows:
        """Windows of pairs of related measures in one country; ``Y`` is (m, n, 2)."""
        key = ("pair", offsets)
        if key not in self._cache:
            self._cache[key] = _windows_from(self._pairs, offsets, self.countries)
        return self._cache[key]

    def _noise_pool(self) -> np.ndarray:
        """Extra-Poisson variance c² of comparator series, from second differences.

        For counts with mean mu and variance mu + c² mu² on a locally linear trend,
        E[(Δ²y)²] ≈ 6 mean(mu) + 6 c² mean(mu²).
        """
        pool = []
        for s in self.series:
            if s.values.size < 6 or s.values.mean() < 20 or s.measure not in SINGLE_MEASURES:
                continue
            run = _longest_contiguous(s.years, s.values)
            if run.size < 6:
                continue
            d2 = run[2:] - 2 * run[1:-1] + run[:-2]
            c2 = (np.mean(d2**2) - 6 * run.mean()) / (6 * np.mean(run**2))
            pool.append(float(np.clip(c2, 0.0, 0.25)))
        return np.array(pool) if pool else np.array([0.01])

    def simulate(self, y: np.ndarray, x: np.ndarray, n: int,
                 rng: np.random.Generator) -> np.ndarray:
        """``n`` genuine-looking count series around the quadratic trend of ``y`` at ``x``."""
        x = np.asarray(x, float)
        t = (x - x.mean()) / max(float(np.ptp(x)), 1.0)
        deg = min(2, len(x) - 1)
        coef = np.polyfit(t, y, deg)
        trend = np.maximum(np.polyval(coef, t), max(1.0, 0.02 * float(np.mean(y))))
        c2 = rng.choice(self.noise_pool, size=(n, 1))
        shape = 1.0 / np.maximum(c2, 1e-9)
        lam = np.where(c2 > 1e-9, rng.gamma(shape, trend[None, :] / shape), trend[None, :])
        return rng.poisson(lam).astype(float)


def _longest_contiguous(years: np.ndarray, values: np.ndarray) -> np.ndarray:
    best, start = (0, 0), 0
    for i in range(1, len(years) + 1):
        if i == len(years) or years[i] - years[i - 1] != 1:
            if i - start > best[1] - best[0]:
                best = (start, i)
            start = i
    return values[best[0]:best[1]]


@functools.lru_cache(maxsize=4)
def _godt_cached(exclude: tuple[str, ...], folder: str | None) -> ReferenceSet:
    wide = load_godt(folder)
    series = []
    for (country, _part), rows in wide.groupby(["country", "part"], sort=True):
        if country in exclude:
            continue
        rows = rows.sort_values("year")
        for measure in SINGLE_MEASURES:
            if measure not in rows:
                continue
            ok = rows[measure].notna().to_numpy()
            if ok.sum() < 3:
                continue
            series.append(ComparatorSeries(
                str(country), measure,
                rows["year"].to_numpy(int)[ok], rows[measure].to_numpy(float)[ok]))
    # one series per country and measure across both exports (years never overlap)
    merged: dict[tuple[str, str], ComparatorSeries] = {}
    for s in series:
        key = (s.country, s.measure)
        if key in merged:
            m = merged[key]
            merged[key] = ComparatorSeries(s.country, s.measure,
                                           np.concatenate([m.years, s.years]),
                                           np.concatenate([m.values, s.values]))
        else:
            merged[key] = s
    return ReferenceSet(list(merged.values()), excluded=exclude)


def godt_country_frame(country: str, start: int | None = None,
                       end: int | None = None) -> pd.DataFrame:
    """One country's GODT measures in the long series format (series, period, value, ...)."""
    wide = load_godt()
    rows = wide[wide["country"].str.lower() == country.lower()]
    if rows.empty:
        near = sorted(c for c in wide["country"].unique() if country.lower()[:4] in c.lower())
        raise InputError(f"no GODT country named {country!r}",
                         hint=("did you mean: " + ", ".join(near[:5])) if near else
                         "names as in the GODT export, e.g. 'Republic of Korea'")
    years = sorted(int(y) for y in rows["year"].unique())
    if start is not None:
        rows = rows[rows["year"] >= start]
    if end is not None:
        rows = rows[rows["year"] <= end]
    if rows.empty:
        raise InputError(f"GODT has no figures for {country} from {start or 'the start'} to "
                         f"{end or 'the end'}",
                         hint=f"its years: {', '.join(map(str, years))}")
    name = rows["country"].iloc[0]
    out = []
    source = {"A": "GODT export 2018 (2000-2017)", "B": "GODT downloads 2025 (2020-2024)"}
    for measure in SINGLE_MEASURES:
        for _, r in rows.sort_values("year").iterrows():
            v = r.get(measure)
            if pd.notna(v):
                out.append({"series": f"{name} {measure}", "period": int(r["year"]),
                            "value": float(v), "group": name, "unit": "count",
                            "source": source[r["part"]]})
    return pd.DataFrame(out, columns=["series", "period", "value", "group", "unit", "source"])
