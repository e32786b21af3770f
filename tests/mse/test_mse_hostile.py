"""`tribunal mse` against the files a hostile or new user gives it: spreadsheet exports,
odd spellings, degenerate tables. Each is read correctly or refused with exit status 2, a
message saying what to do and no traceback; never a silently wrong number."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_runner import run

from tribunal.mse.closed import ClosedFit

# A small 5-list table; every variant below must give its estimate under the model A:E.
ROWS = """\
1,0,0,0,0,52
0,1,0,0,0,90
0,0,1,0,0,114
0,0,0,1,0,45
0,0,0,0,1,11
1,0,1,0,0,5
0,1,1,0,0,3
1,0,0,0,1,4
0,0,1,1,0,9
0,1,0,1,0,6
1,1,1,0,0,1
0,0,1,1,1,2
1,0,1,0,1,3
"""
HEADER = "A,B,C,D,E,count\n"




def write(tmp_path: Path, text: str | bytes, name: str = "t.csv") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


def estimate(path: Path, capsys, *extra: str) -> tuple[int, dict | None, str]:
    code, out, err = run(["mse", "estimate", str(path), "--model", "A:E", "--json", *extra],
                         capsys)
    return code, (json.loads(out) if code == 0 else None), err


@pytest.fixture
def reference(tmp_path, capsys) -> float:
    code, data, _ = estimate(write(tmp_path, HEADER + ROWS, "ref.csv"), capsys)
    assert code == 0
    return data["estimate"]


def _as_words(true: str, false: str) -> str:
    lines = []
    for line in ROWS.splitlines():
        *flags, count = line.split(",")
        lines.append(",".join([true if f == "1" else false for f in flags] + [count]))
    return HEADER + "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    "text",
    [
        "\ufeff" + HEADER + ROWS,                                  # BOM (Excel "CSV UTF-8")
        (HEADER + ROWS).replace(",", ";"),                         # European spreadsheets
        (HEADER + ROWS).replace(",", "\t"),                        # tab-separated
        " A , B ,C,D,E, count \n" + ROWS,                          # spaces in the header
        HEADER.replace("count", "Count") + ROWS,                   # capitalised count
        _as_words("TRUE", "FALSE"),
        _as_words("yes", "No"),
        HEADER + ROWS.replace("\n", ".0\n"),                       # counts written 52.0
        HEADER.replace("\n", ",\n") + ROWS.replace("\n", ",\n") + ",,,,,,\n",  # trailing ","
    ],
    ids=["bom", "semicolon", "tab", "spaces", "Count", "TRUE/FALSE", "yes/no", "float",
         "trailing-empty"],
)
def test_spreadsheet_exports_give_the_same_estimate(tmp_path, capsys, reference, text):
    code, data, err = estimate(write(tmp_path, text), capsys)
    assert code == 0, err
    assert data["estimate"] == pytest.approx(reference, rel=1e-12)
    assert data["lists"] == ["A", "B", "C", "D", "E"]
    assert data["model"] == ["A:E"]


def test_individual_records_without_count(tmp_path, capsys, reference):
    lines = []
    for line in ROWS.splitlines():
        *flags, count = line.split(",")
        lines += [",".join(flags)] * int(count)
    code, data, err = estimate(write(tmp_path, "A,B,C,D,E\n" + "\n".join(lines) + "\n"), capsys)
    assert code == 0, err
    assert data["estimate"] == pytest.approx(reference, rel=1e-12)


@pytest.mark.parametrize(
    ("text", "message", "hint"),
    [
        ("", "is empty", "header line"),
        (HEADER, "no rows", ""),
        (HEADER.replace("count", "freq") + ROWS, "holds '52' in line 2", "name that column"),
        ("id,A,B,C\n1,1,0,0\n2,0,1,1\n", "'id' holds '2' in line 3", "remove it"),
        (HEADER + "1,,0,0,0,5\n" + ROWS, "'B' is empty in line 2", "0/1"),
        (HEADER + "1,maybe,0,0,0,5\n" + ROWS, "holds 'maybe'", "yes/no"),
        ("A,A,C,D,E,count\n" + ROWS, "repeated column name", "distinct"),
        (HEADER + ROWS.replace("52", "1e19"), "more than 1e+12", "count column"),
        (HEADER + ROWS.replace("52", "inf"), "more than 1e+12", "count column"),
        (b"A,B,C,D,E,count\n\xe9,0,0,0,0,5\n", "not UTF-8", "UTF-8"),
        ("A,B,C,count\n1,1,1,50\n", "all cases share one pattern", "several patterns"),
        ("A:1,B,C,D,E,count\n" + ROWS, "list name(s) with ':'", "rename"),
    ],
    ids=["empty", "header-only", "freq-not-count", "id-column", "empty-cell", "word", "duplicate",
         "overflow", "inf", "latin-1", "one-pattern", "colon-in-name"],
)
def test_bad_files_are_refused_with_a_hint(tmp_path, capsys, text, message, hint):
    path = write(tmp_path, text)
    for command in (["estimate"], ["estimate", "--method", "dga"], ["models"], ["closed"]):
        code, out, err = run(["mse", *command, str(path)], capsys)
        if command == ["closed"] and message == "all cases share one pattern":
            continue  # Rcapture's models give N = n there (every case on every list): exact
        assert code == 2, (command, out)
        assert message in err and hint in err, (command, err)
        assert "Traceback" not in err and "np.float64" not in err and "np.int64" not in err


def test_one_pattern_refused_before_sampling(tmp_path, capsys):
    path = write(tmp_path, "A,B,C,count\n1,1,1,50\n")
    code, _, err = run(["mse", "estimate", str(path), "--method", "lcmcr", "--K", "2",
                        "--burnin", "10", "--samples", "10", "--chains", "1"], capsys)
    assert code == 2 and "share one pattern" in err


def test_no_overlap_refused_by_closed_and_models(tmp_path, capsys):
    """Without recaptures Rcapture's models have no MLE: closed printed N in the trillions."""
    path = write(tmp_path, "A,B,C,count\n1,0,0,5\n0,1,0,3\n0,0,1,4\n")
    for command in ("closed", "models"):
        code, _, err = run(["mse", command, str(path)], capsys)
        assert code == 2 and "no case is on more than one list" in err


def test_closed_fit_without_mle_has_no_number():
    fit = ClosedFit("M0", 2.1e13, 1e12, 0.5, 5, 14.2, 15.2, converged=False, dropped=[])
    assert fit.to_dict()["estimate"] is None and fit.to_dict()["se"] is None


def test_list_without_cases_refused_by_closed_and_models(tmp_path, capsys):
    path = write(tmp_path, "A,B,C,count\n1,0,0,40\n0,1,0,30\n1,1,0,5\n")
    for command in ("closed", "models"):
        code, _, err = run(["mse", command, str(path)], capsys)
        assert code == 2 and "have no cases" in err and "drop the empty list" in err


def test_paths_that_are_not_files(tmp_path, capsys):
    for path in (tmp_path, tmp_path / "missing.csv"):
        for command in ("estimate", "models", "closed"):
            code, _, err = run(["mse", command, str(path)], capsys)
            assert code == 2 and ("is a directory" in err or "does not exist" in err)


def test_too_many_lists(tmp_path, capsys):
    def table(j: int) -> Path:
        rows = [",".join("1" if k in (i, (i + 1) % j) else "0" for k in range(j)) + ",3"
                for i in range(j)]
        rows += [",".join("1" if k == i else "0" for k in range(j)) + ",7" for i in range(j)]
        header = ",".join(f"L{k}" for k in range(j)) + ",count"
        return write(tmp_path, header + "\n" + "\n".join(rows) + "\n", f"t{j}.csv")

    code, _, err = run(["mse", "estimate", str(table(7)), "--search", "exhaustive"], capsys)
    assert code == 2 and "exhaustive search over 7 lists is too large" in err
    assert "--search bhs or --search csv" in err
    code, _, err = run(["mse", "models", str(table(7))], capsys)
    assert code == 2 and "stepwise" in err
    code, out, _ = run(["mse", "estimate", str(table(7)), "--json"], capsys)
    assert code == 0 and json.loads(out)["parameters"]["search"] == "csv"
    for command in ("estimate", "closed"):
        code, _, err = run(["mse", command, str(table(16))], capsys)
        assert code == 2 and "limited to 15 lists" in err and "lcmcr" in err


@pytest.mark.parametrize(
    "args",
    [["--seed", "-1", "--bootstrap", "10"], ["--p-threshold", "2", "--search", "csv"],
     ["--max-order", "0"]],
)
def test_out_of_range_options(tmp_path, capsys, args):
    code, _, err = run(["mse", "estimate", str(write(tmp_path, HEADER + ROWS)), *args], capsys)
    assert code == 2 and "Traceback" not in err and "range" in err


def test_models_top_must_be_positive(tmp_path, capsys):
    code, _, err = run(["mse", "models", str(write(tmp_path, HEADER + ROWS)), "--top", "-1"],
                       capsys)
    assert code == 2 and "range" in err


def test_unwritable_plot_path(tmp_path, capsys):
    blocker = write(tmp_path, "not a folder", "file")
    code, _, err = run(["mse", "estimate", str(write(tmp_path, HEADER + ROWS)), "--plot",
                        str(blocker / "p.png")], capsys)
    assert code == 2 and "cannot write the plot" in err


STRATA = """\
region,A,B,C,count
north,1,0,0,30
north,0,1,0,25
north,0,0,1,20
north,1,1,0,8
north,1,0,1,6
north,0,1,1,5
north,1,1,1,2
south,1,0,0,40
south,0,1,0,35
south,0,0,1,30
south,1,1,0,5
south,1,0,1,9
south,0,1,1,4
south,1,1,1,1
west,1,0,0,10
west,0,1,0,12
west,1,1,0,4
east,1,1,0,1
"""


@pytest.mark.parametrize("method", ["loglinear", "dga"])
def test_strata_with_too_few_lists_and_single_cases(tmp_path, capsys, method):
    png = tmp_path / "strata.png"
    code, out, err = run(["mse", "estimate", str(write(tmp_path, STRATA)), "--stratum",
                          "region", "--method", method, "--json", "--plot", str(png)], capsys)
    assert code == 0, err
    data = json.loads(out)
    skipped = {s["stratum"]: s for s in data["diagnostics"]["skipped_strata"]}
    assert set(skipped) == {"east", "west"}
    assert data["n_observed"] == 96 + 124
    assert any("leaves out 2 stratum/strata with 27 observed cases" in w
               for w in data["warnings"])
    assert [s["stratum"] for s in data["diagnostics"]["strata"]] == ["north", "south"]
    assert png.stat().st_size > 1000 and data["plot"] == str(png)


def test_rows_without_a_stratum_are_refused(tmp_path, capsys):
    path = write(tmp_path, STRATA + ",1,1,0,100\n")
    code, _, err = run(["mse", "estimate", str(path), "--stratum", "region"], capsys)
    assert code == 2 and "empty in 1 row(s)" in err and "line 20" in err


def test_unknown_stratum_column_lists_the_columns(tmp_path, capsys):
    code, _, err = run(["mse", "estimate", str(write(tmp_path, STRATA)), "--stratum",
                        "Region"], capsys)
    assert code == 2 and "region, A, B, C, count" in err


def test_huge_counts_are_estimated(tmp_path, capsys, reference):
    """A billion times the counts: the same model gives a billion times the estimate."""
    scaled = "\n".join(
        ",".join([*line.split(",")[:-1], str(int(line.split(",")[-1]) * 10**9)])
        for line in ROWS.splitlines()
    )
    code, data, err = estimate(write(tmp_path, HEADER + scaled + "\n"), capsys)
    assert code == 0, err
    assert data["estimate"] == pytest.approx(reference * 1e9, rel=1e-9)


def test_lcmcr_refuses_two_lists(tmp_path, capsys):
    """Two lists leave a latent class model unidentified: its 'estimate' was the prior's,
    with chains that disagree; the log-linear Lincoln-Petersen estimate stays available."""
    path = write(tmp_path, "A,B,count\n1,0,40\n0,1,30\n1,1,10\n")
    code, _, err = run(["mse", "estimate", str(path), "--method", "lcmcr", "--K", "2",
                        "--burnin", "10", "--samples", "10", "--chains", "1"], capsys)
    assert code == 2 and "at least 3 lists" in err and "loglinear" in err
    code, out, _ = run(["mse", "estimate", str(path), "--json"], capsys)
    assert code == 0 and json.loads(out)["estimate"] == pytest.approx(50 * 40 / 10)  # Lincoln-Petersen


def test_bootstrap_with_many_failed_resamples_warns(tmp_path, capsys):
    """List C holds 2 of 72 cases: about 13% of resamples lose it and have no MLE."""
    path = write(tmp_path, "A,B,C,count\n1,0,0,30\n0,1,0,30\n1,1,0,10\n0,0,1,1\n1,0,1,1\n")
    code, out, err = run(["mse", "estimate", str(path), "--bootstrap", "200", "--seed", "3",
                          "--json"], capsys)
    assert code == 0, err
    data = json.loads(out)
    failed = data["diagnostics"]["bootstrap"]["failed_resamples"]
    assert failed > 10
    assert any(f"failed on {failed} of 200" in w and "probably too narrow" in w
               for w in data["warnings"])
