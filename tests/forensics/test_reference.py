from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from tribunal.forensics.reference import ReferenceSet, godt_dir


def test_shipped_godt_files_are_the_shared_exports(shared_data: Path) -> None:
    for name in ("godt_2000_2017_all_countries.csv", "godt_2020_2024_103_countries.csv"):
        ours = hashlib.sha256((godt_dir() / name).read_bytes()).hexdigest()
        theirs = hashlib.sha256((shared_data / "official" / name).read_bytes()).hexdigest()
        assert ours == theirs
        assert (godt_dir() / name.replace(".csv", ".md")).is_file()


def test_windows_follow_the_period_pattern(godt_ref: ReferenceSet) -> None:
    w = godt_ref.windows((0, 5, 6))
    assert w.Y.shape[1] == 3 and len(w) > 100 and np.all(w.Y > 0)
    assert w.latest.sum() == len(np.unique(w.series))


def test_simulation_is_seeded_and_keeps_the_level(godt_ref: ReferenceSet) -> None:
    y = np.array([100, 120, 150, 170, 200, 230, 260.0])
    x = np.arange(7.0)
    a = godt_ref.simulate(y, x, 200, np.random.default_rng(4))
    b = godt_ref.simulate(y, x, 200, np.random.default_rng(4))
    assert np.array_equal(a, b) and abs(a.mean() - y.mean()) / y.mean() < 0.05


def test_exclude_country_and_unknown_names() -> None:
    import pytest

    from tribunal.errors import InputError

    ref = ReferenceSet.godt(exclude=("Thailand",))
    assert "Thailand" not in ref.countries and "China" not in ref.countries
    with pytest.raises(InputError):
        ReferenceSet.godt(exclude=("Narnia",))


def test_godt_export_round_trips_through_the_loader(tmp_path: Path) -> None:
    from tribunal.forensics.reference import godt_country_frame
    from tribunal.forensics.series import load_series_csv

    p = tmp_path / "th.csv"
    godt_country_frame("Thailand", 2010, 2016).to_csv(p, index=False)
    s = {x.name: x for x in load_series_csv(p)}["Thailand deceased_donors"]
    assert s.values.tolist() == [87, 113, 136, 158, 188, 206, 220]
