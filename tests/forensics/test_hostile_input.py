"""Series files as spreadsheets and hostile users write them: each is read correctly or
refused with a message that says what to do (exit 2), never a traceback or a wrong number."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from tribunal.errors import InputError
from tribunal.forensics.plots import _slug
from tribunal.forensics.series import load_series_csv
from tribunal.forensics.tests_consistency import series_cumulative_vs_yearly

ROWS = [(2010, 10), (2011, 20), (2012, 40), (2013, 50), (2014, 70)]


def _write(tmp_path: Path, data: bytes, name: str = "s.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _main(args: list[str]) -> int:
    from tribunal.cli import main

    with pytest.raises(SystemExit) as exc:
        main(args)
    return int(exc.value.code or 0)


@pytest.mark.parametrize(
    ("sep", "bom", "newline"),
    [(",", True, "\n"), (";", False, "\r\n"), ("\t", False, "\n"), (";", True, "\r\n")],
)
def test_spreadsheet_exports_read_the_same(tmp_path, sep, bom, newline) -> None:
    lines = [sep.join(("series", "period", "value"))]
    lines += [sep.join(("donors", str(y), str(v))) for y, v in ROWS]
    data = ("\ufeff" if bom else "") + newline.join(lines) + newline
    (s,) = load_series_csv(_write(tmp_path, data.encode("utf-8")))
    assert s.name == "donors"
    assert s.periods.tolist() == [y for y, _ in ROWS]
    assert s.values.tolist() == [v for _, v in ROWS]


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        # an unquoted thousands separator splits a number: never read 1 instead of 1,234
        (b"series,period,value\nd,2010,1,234\nd,2011,2\n", "more fields than the header"),
        (b"series,period,value\nd,2010,1\nd,2011,2,345\n", "thousands separator"),
        # comma decimals in a semicolon file
        (b"series;period;value\r\nd;2010;1,5\r\nd;2011;2,5\r\n", "decimal point"),
        ("series,period,value\n器官,2010,1\n".encode("gb18030"), "not UTF-8"),
        (b"series,period,value\nd,2010,1\nd,2011,inf\n", "infinite or implausibly large"),
        (b"series,period,value\nd,2010,1e300\n", "infinite or implausibly large"),
        (b"series,period,value\n,2010,1\nd,2011,2\n", "series name is empty in row(s) 2"),
        (b'series,period,value\n"open,2010,1\n', "not a readable CSV"),
        (b"", "not a readable CSV"),
        # months that a spreadsheet turned into dates: the hint says how to keep them as text
        (b"series,period,value\nd,2015-03-01,5\n", "series 'd': period '2015-03-01'"),
    ],
)
def test_hostile_files_are_clear_user_errors(tmp_path, capsys, data, needle) -> None:
    path = _write(tmp_path, data)
    with pytest.raises(InputError) as exc:
        load_series_csv(path)
    assert needle in str(exc.value)
    assert _main(["forensics", "run", str(path), "--n-sim", "99"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "hint:" in err


def test_long_series_load_in_linear_time(tmp_path) -> None:
    # 30,000 monthly rows took 25 s when duplicates were found with list.count
    lines = ["series,period,value"] + [
        f"m,{1000 + i // 12}-{i % 12 + 1:02d},{100 + i % 50}" for i in range(30_000)
    ]
    path = _write(tmp_path, ("\n".join(lines) + "\n").encode())
    t0 = time.perf_counter()
    (s,) = load_series_csv(path)
    assert len(s) == 30_000 and s.frequency == "month"
    assert time.perf_counter() - t0 < 10


def test_cli_option_errors_exit_2(tmp_path, capsys) -> None:
    path = _write(tmp_path, b"series,period,value\nd,2010,1\nd,2011,2\n")
    assert _main(["forensics", "run", str(path), "--seed", "-1"]) == 2
    assert _main(["forensics", "consistency", str(path), "--compare", "d", "d", "--level", "7"]) == 2
    assert _main(["forensics", "godt", "Thailand", "--from", "2030"]) == 2
    assert "its years" in capsys.readouterr().err
    assert _main(["forensics", "godt", "Thailand", "--out", str(tmp_path / "no" / "x.csv")]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_cumulative_check_refuses_mixed_frequencies_and_labels_months(tmp_path) -> None:
    yearly = _write(tmp_path, b"series,period,value\nc,2015,5\nc,2016,9\n", "y.csv")
    monthly = _write(
        tmp_path, b"series,period,value\nm,2016-01,2\nm,2016-02,3\nm,2016-04,1\n", "m.csv"
    )
    (cum,) = load_series_csv(yearly)
    (mon,) = load_series_csv(monthly)
    with pytest.raises(InputError, match="mix yearly and monthly"):
        series_cumulative_vs_yearly(cum, mon)
    (cum_m,) = load_series_csv(
        _write(tmp_path, b"series,period,value\ncm,2016-02,5\ncm,2016-04,6\n", "cm.csv")
    )
    findings = series_cumulative_vs_yearly(cum_m, mon)
    assert findings[0].details["yearly"] == {"2016-01": 2.0, "2016-02": 3.0}
    assert "2016-03" in findings[1].explanation  # the missing month, as written


def test_plot_names_of_chinese_series_do_not_collide() -> None:
    assert _slug("肝脏") != _slug("器官")
    assert _slug("Thailand dd_organs_tx") == "thailand_dd_organs_tx"


def test_cli_help_gives_examples() -> None:
    from tribunal.cli import cli

    for sub in ("run", "consistency", "godt"):
        r = CliRunner().invoke(cli, ["forensics", sub, "--help"])
        assert r.exit_code == 0 and "Examples:" in r.output, sub


def test_simulations_that_cannot_fit_in_memory_are_refused(tmp_path, capsys) -> None:
    # 600 monthly points x 100,000 simulations would need tens of GB: refused up front
    lines = ["series,period,value"] + [
        f"m,{1950 + i // 12}-{i % 12 + 1:02d},{100 + i % 7}" for i in range(600)
    ]
    path = _write(tmp_path, ("\n".join(lines) + "\n").encode())
    assert _main(["forensics", "run", str(path), "--n-sim", "100000"]) == 2
    err = capsys.readouterr().err
    assert "--n-sim 83,333 or fewer" in err and "Traceback" not in err


def test_dates_get_a_hint_about_spreadsheets(tmp_path) -> None:
    path = _write(tmp_path, b"series,period,value\nd,3/1/2015,5\n")
    with pytest.raises(InputError) as exc:
        load_series_csv(path)
    assert "format the period column as text" in (exc.value.hint or "")
