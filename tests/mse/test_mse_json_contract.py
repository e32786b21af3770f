"""The JSON contract of `tribunal mse estimate --json`, the same for every method (issue 3):
method, estimate (MLE or posterior median), interval [lo, hi] at 95%, model ("A:B" strings
with the table's own column names), diagnostics, input_sha256 (SHA-256 of the file's
bytes), and numbers that are finite or null (JSON has no NaN or Infinity)."""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import pytest
from cli_runner import run

# Western U.S. with long, spaced list names, so the model strings must use them.
NAMES = ["police", "ngo list", "church", "press", "family"]
QUICK = {
    "loglinear": [],
    "dga": [],
    "lcmcr": ["--K", "3", "--chains", "2", "--burnin", "200", "--samples", "100", "--thin",
              "2", "--seed", "1"],
}




def _reject_constant(name: str) -> float:
    raise AssertionError(f"non-standard JSON number {name}")


def _numbers(value, where: str = "$"):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _numbers(v, f"{where}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _numbers(v, f"{where}[{i}]")
    elif isinstance(value, float):
        yield where, value


@pytest.fixture(scope="module")
def table(tmp_path_factory, shared_data) -> Path:
    text = (shared_data / "mse" / "western_us.csv").read_text()
    header, rest = text.split("\n", 1)
    assert header.split(",")[:5] == ["A", "B", "C", "D", "E"]
    path = tmp_path_factory.mktemp("contract") / "western named.csv"
    path.write_text(",".join([*NAMES, "count"]) + "\n" + rest)
    return path


def check_contract(data: dict, method: str, path: Path) -> None:
    assert data["method"] == method
    assert isinstance(data["estimate"], float) and math.isfinite(data["estimate"])
    assert data["estimate"] >= data["n_observed"]
    lo, hi = data["interval"]
    assert lo is not None and lo <= data["estimate"]
    assert hi is None or data["estimate"] <= hi  # null only for an infinite upper end
    assert isinstance(data["model"], list)
    for term in data["model"]:
        parts = term.split(":")
        assert len(parts) >= 2 and set(parts) <= set(NAMES), term
    assert isinstance(data["diagnostics"], dict) and data["diagnostics"]
    assert data["input_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert data["lists"] == NAMES
    assert isinstance(data["warnings"], list)
    assert "details" not in data
    for where, number in _numbers(data):
        assert math.isfinite(number), where


@pytest.mark.parametrize("method", ["loglinear", "dga", "lcmcr"])
def test_estimate_json_contract(table, capsys, method):
    code, out, err = run(["mse", "estimate", str(table), "--method", method, "--json",
                          *QUICK[method]], capsys)
    assert code == 0, err
    data = json.loads(out, parse_constant=_reject_constant)
    check_contract(data, method, table)
    assert data["stratum"] is None
    if method == "loglinear":
        assert data["model"] == ["police:family"]  # A:E, published for Western U.S.
        assert data["estimate"] == pytest.approx(2483.384, abs=5e-4)
    else:
        assert data["parameters"]  # every setting recorded


@pytest.mark.parametrize("method", ["loglinear", "dga", "lcmcr"])
def test_stratified_json_contract(table, tmp_path, capsys, method):
    rows = table.read_text().splitlines()
    path = tmp_path / "strata.csv"
    path.write_text("\n".join(["region," + rows[0]] + [f"{r},{line}" for r in ("n", "s")
                                                       for line in rows[1:]]) + "\n")
    code, out, err = run(["mse", "estimate", str(path), "--method", method, "--stratum",
                          "region", "--json", *QUICK[method]], capsys)
    assert code == 0, err
    data = json.loads(out, parse_constant=_reject_constant)
    check_contract(data, method, path)
    assert data["stratum"] == "total"
    strata = data["diagnostics"]["strata"]
    assert [s["stratum"] for s in strata] == ["n", "s"]
    for s in strata:
        check_contract(s, method, path)
    total = sum(s["estimate"] for s in strata)
    if method == "dga":  # the median of the convolved posterior; right skew puts it above
        assert total <= data["estimate"] <= data["interval"][1]
    else:
        assert data["estimate"] == pytest.approx(total)
