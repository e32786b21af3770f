from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tribunal.errors import InputError
from tribunal.forensics.series import load_series_csv, parse_period


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "s.csv"
    p.write_text(text)
    return p


def test_loads_long_format_with_group_unit_source(tmp_path: Path) -> None:
    p = write(tmp_path, "series,period,value,group,unit,source\n"
                        "a,2012,5,g,donors,X\na,2010,3,g,donors,X\na,2011,4,g,donors,Y\n"
                        "b,2010,7,g,donors,Z\n")
    a, b = load_series_csv(p)
    assert a.name == "a" and list(a.periods) == [2010, 2011, 2012]
    assert list(a.values) == [3, 4, 5] and a.unit == "donors" and a.group == "g"
    assert a.sources == ["X", "Y"] and a.contiguous and b.values.tolist() == [7]


def test_gaps_are_reported_not_filled(tmp_path: Path) -> None:
    p = write(tmp_path, "series,period,value\nx,2010,34\nx,2015,2766\nx,2016,4080\n")
    (s,) = load_series_csv(p)
    assert s.gaps == ["2011–2014"] and s.offsets == (0, 5, 6)


def test_monthly_periods() -> None:
    assert parse_period("2015-03") == (12 * 2015 + 2, "month")
    assert parse_period("2015") == (2015, "year")
    with pytest.raises(InputError):
        parse_period("2010-2013")


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("series,period,value\na,2010,1\na,2010,2\n", "duplicate period"),
        ("series,period,value\na,2010,-1\n", "negative value"),
        ("series,period,value,unit\na,2010,1,donors\na,2011,2,organs\n", "mixes units"),
        ("series,period,value\na,2010,1\na,2011-02,2\n", "mixes years and months"),
        ("series,period,value\na,2010,abc\n", "not a number"),
        ("series,value\na,1\n", "lacks the column"),
    ],
)
def test_bad_input_is_a_clear_message(tmp_path: Path, text: str, needle: str) -> None:
    with pytest.raises(InputError) as exc:
        load_series_csv(write(tmp_path, text))
    assert needle in str(exc.value)


def test_missing_values_are_dropped_not_zero(tmp_path: Path) -> None:
    (s,) = load_series_csv(write(tmp_path, "series,period,value\na,2010,1\na,2011,\na,2012,3\n"))
    assert np.array_equal(s.periods, [2010, 2012]) and s.gaps == ["2011–2011"]
