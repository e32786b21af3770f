"""`tribunal mse` through the command line: results, JSON, and clear errors for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_runner import run


def write(tmp_path: Path, text: str, name: str = "t.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_estimate_json_korea(shared_data, capsys):
    code, out, _ = run(
        ["mse", "estimate", str(shared_data / "mse" / "korea_palembang.csv"), "--json"], capsys
    )
    assert code == 0
    data = json.loads(out)
    assert data["method"] == "loglinear"
    assert data["estimate"] == pytest.approx(157.1667, abs=5e-5)
    assert data["model"] == ["b:c", "c:d"]
    lo, hi = data["interval"]
    assert lo < data["estimate"] < hi
    assert len(data["input_sha256"]) == 64
    assert "details" not in data


def test_estimate_fixed_model_and_plot(shared_data, tmp_path, capsys):
    png = tmp_path / "of.png"
    code, out, _ = run(
        ["mse", "estimate", str(shared_data / "mse" / "western_us.csv"), "--model", "A:E",
         "--plot", str(png), "--json"],
        capsys,
    )
    assert code == 0
    assert json.loads(out)["estimate"] == pytest.approx(2483.384, abs=5e-4)
    assert png.stat().st_size > 1000


def test_models_and_closed(shared_data, tmp_path, capsys):
    code, out, _ = run(
        ["mse", "models", str(shared_data / "mse" / "korea_palembang.csv"), "--json",
         "--plot", str(tmp_path / "w.png")],
        capsys,
    )
    assert code == 0
    data = json.loads(out)
    assert data["n_models"] == 8
    assert [m["existence_code"] for m in data["models"]][:4] == [0, 0, 1, 1]
    code, out, _ = run(["mse", "closed", str(shared_data / "mse" / "hare_6occasions.csv"),
                        "--json"], capsys)
    rows = {m["model"]: m for m in json.loads(out)["models"]}
    assert rows["Mth Poisson2"]["estimate"] == pytest.approx(81.1, abs=0.05)


def test_failing_fixed_model_is_an_error(shared_data, capsys):
    code, _, err = run(
        ["mse", "estimate", str(shared_data / "mse" / "korea_palembang.csv"),
         "--model", "b:c,b:d"],
        capsys,
    )
    assert code == 2
    assert "does not exist" in err


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("A,B,C,count\n1,0,0,5\n0,2,0,3\n", "must be 0 or 1"),
        ("A,B,C,count\n1,0,0,5\n0,1,0,-3\n", "negative"),
        ("A,B,C,count\n1,0,0,5\n0,1,0,2.5\n", "fractional"),
        ("A,B,C,count\n1,0,0,5\n0,0,0,7\n", "all-zero pattern"),
        ("A,count\n1,5\n", "at least two lists"),
        ("A,B,count\n1,0,x\n", "non-numeric"),
        ("A,B,C,count\n1,0,0,40\n0,1,0,30\n1,1,0,5\n", "have no cases"),
    ],
)
def test_bad_input_is_a_clear_error(tmp_path, capsys, text, message):
    code, _, err = run(["mse", "estimate", str(write(tmp_path, text))], capsys)
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_lists_that_never_overlap(tmp_path, capsys):
    # B and C never meet: the B:C term is at minus infinity, and the JSON says so.
    text = "A,B,C,count\n1,0,0,40\n0,1,0,30\n0,0,1,20\n1,1,0,6\n1,0,1,5\n"
    code, out, _ = run(["mse", "estimate", str(write(tmp_path, text)), "--model", "B:C",
                        "--json"], capsys)
    assert code == 0
    data = json.loads(out)
    assert data["diagnostics"]["non_overlapping_pairs"] == ["B:C"]
    assert any("minus infinity" in w for w in data["warnings"])


def test_no_overlap_at_all_is_refused(tmp_path, capsys):
    text = "A,B,C,count\n1,0,0,40\n0,1,0,30\n0,0,1,20\n"
    code, _, err = run(["mse", "estimate", str(write(tmp_path, text))], capsys)
    assert code == 2


def test_strata(shared_data, tmp_path, capsys):
    src = (shared_data / "mse" / "korea_palembang.csv").read_text().splitlines()
    west = (shared_data / "mse" / "western_us.csv").read_text().splitlines()
    # two strata of the same three lists (Korea, and Western U.S. lists A-C)
    rows = ["region,b,c,d,count"] + [f"k,{r}" for r in src[1:]]
    for r in west[1:]:
        v = r.split(",")
        if any(x == "1" for x in v[:3]):
            rows.append(f"w,{v[0]},{v[1]},{v[2]},{v[5]}")
    rows.append("tiny,1,0,0,3")
    rows.append("tiny,0,1,0,2")
    path = write(tmp_path, "\n".join(rows) + "\n")
    code, out, _ = run(["mse", "estimate", str(path), "--stratum", "region", "--json"], capsys)
    assert code == 0, out
    data = json.loads(out)
    strata = {s["stratum"]: s for s in data["diagnostics"]["strata"]}
    assert set(strata) == {"k", "w"}
    assert data["estimate"] == pytest.approx(sum(s["estimate"] for s in strata.values()))
    assert data["diagnostics"]["interval_method"].startswith("delta method")
    assert data["diagnostics"]["skipped_strata"][0]["stratum"] == "tiny"
    assert any("leaves out" in w for w in data["warnings"])


def test_loglinear_options_rejected_for_other_methods(shared_data, capsys):
    code, _, err = run(
        ["mse", "estimate", str(shared_data / "mse" / "korea_palembang.csv"),
         "--method", "dga", "--model", "b:c"],
        capsys,
    )
    assert code == 2
    assert "loglinear only" in err


def test_help_lists_commands(capsys):
    code, out, _ = run(["mse", "--help"], capsys)
    assert code == 0
    for name in ("estimate", "models", "closed"):
        assert name in out




def test_too_many_lists_for_loglinear(shared_data, capsys):
    path = shared_data / "mse" / "colombia_reclutamiento_R1_hombre_1999.csv"
    code, _, err = run(["mse", "estimate", str(path)], capsys)
    assert code == 2
    assert "lcmcr" in err
