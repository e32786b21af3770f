from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from rich.console import Console

from tribunal.cli import cli, main
from tribunal.demo import DemoContext, prepare_out_dir


def test_run_json(tmp_path: Path) -> None:
    p = tmp_path / "s.csv"
    p.write_text("series,period,value,group\n" + "".join(
        f"kid,{y},{v},cn\n" for y, v in zip(range(2004, 2016),
                                            [9700, 7800, 5900, 4500, 3500, 3500, 4577, 4577,
                                             4577, 4577, 4577, 4931], strict=True)))
    res = CliRunner().invoke(cli, ["forensics", "run", str(p), "--json", "--n-sim", "199",
                                   "--plots", str(tmp_path / "plots")])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    rep = next(f for f in data["findings"] if f["test"] == "repeated_values")
    assert rep["flag"] is True and rep["level"] == 0.01 and rep["series"] == "kid"
    assert data["plots"] and all(Path(x).is_file() for x in data["plots"])


def test_bad_input_exits_2_without_traceback(tmp_path: Path, capsys) -> None:
    p = tmp_path / "bad.csv"
    p.write_text("series,period,value\na,2010,1\na,2010,2\n")
    try:
        main(["forensics", "run", str(p)])
    except SystemExit as exc:
        assert exc.code == 2
    err = capsys.readouterr().err
    assert "duplicate period" in err and "Traceback" not in err


def test_demo_step_runs(tmp_path: Path) -> None:
    from tribunal.demo import forensics_step

    ctx = DemoContext(out_dir=tmp_path / "demo", console=Console(quiet=True), quick=True)
    prepare_out_dir(ctx.out_dir)
    forensics_step.run(ctx)
    out = json.loads((ctx.out_dir / "forensics_china.json").read_text())
    flagged = {f["series"] for f in out["findings"] if f["flag"]}
    assert {"cn_godt_dd_kidney_tx", "cn_godt_ld_kidney_tx"} <= flagged
    assert any(ctx.plots_dir.glob("forensics_*.png"))
    assert {r["series"].split()[0] for r in out["naive_rule"]} == {"Thailand", "Brazil"}
