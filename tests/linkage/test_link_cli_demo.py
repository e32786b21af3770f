"""End to end: generated lists with known truth, the command line, bad input, the demo step."""

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from tribunal.cli import cli
from tribunal.errors import InputError
from tribunal.linkage.evaluate import evaluate_clusters
from tribunal.linkage.link import run_linkage
from tribunal.linkage.review import record_decision
from tribunal.linkage.synth import make_lists


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    base = tmp_path_factory.mktemp("lists")
    lists, truth = make_lists(300, seed=11)
    paths = []
    for name, frame in lists.items():
        path = base / f"{name}.csv"
        frame.to_csv(path, index=False)
        paths.append(path)
    return paths, truth


@pytest.fixture(scope="module")
def linked(generated, tmp_path_factory):
    paths, truth = generated
    out = tmp_path_factory.mktemp("out") / "linked"
    return run_linkage(paths, out, threshold=0.8), truth


def test_chinese_uyghur_set_with_known_truth(linked):
    """Generated set (300 people, 3 lists, 7 scripts/romanisations): B-cubed F1 >= 0.95 and
    the number of people within 10% of the truth."""
    result, truth = linked
    clusters = pd.read_csv(result.clusters)
    lookup = {f"{r.list}:{r.row}": r.person for r in truth.itertuples()}
    ev = evaluate_clusters(clusters["person_id"], [lookup[u] for u in clusters["unique_id"]])
    assert ev.bcubed.f1 >= 0.95, ev.to_dict()
    assert abs(ev.count_error) <= 0.10, ev.to_dict()
    assert ev.pairwise.precision >= 0.97


def test_outputs_and_band(linked):
    result, _ = linked
    out = result.out_dir
    table = pd.read_csv(result.capture_table)
    assert list(table.columns) == ["registry", "hospital", "testimony", "count"]
    assert table["count"].sum() == result.n_clusters
    people = [row["n_people"] for row in result.sensitivity]
    assert people == sorted(people)  # stricter thresholds never find fewer people
    for row in result.sensitivity:
        assert pd.read_csv(out / row["table"])["count"].sum() == row["n_people"]
    for name in ("clusters.csv", "review_queue.csv", "pairs.parquet", "model.json",
                 "linkage.json", "sensitivity.csv"):
        assert (out / name).exists(), name
    assert not list(out.parent.glob(".*partial*"))


def test_review_accuracy_judges_the_model_not_the_decisions(generated, linked, tmp_path):
    """A reviewer overruling the model's surest pair shows in the accuracy: the model's
    score, not the decision that replaced it, is judged against the decision."""
    paths, _ = generated
    result, _ = linked
    pairs = pd.read_parquet(result.out_dir / "pairs.parquet")
    top = pairs.sort_values("match_probability", kind="stable").iloc[-1]
    assert top["match_probability"] >= 0.99
    decisions = tmp_path / "decisions.csv"
    record_decision(decisions, top["unique_id_l"], top["unique_id_r"], "non-match", "tester")
    rerun = run_linkage(paths, tmp_path / "out", threshold=0.8, decisions_path=decisions)
    assert rerun.accuracy is not None
    assert rerun.accuracy["n_accepted"] == 1 and rerun.accuracy["precision"] == 0.0


def test_cli_run_json_and_review(generated, tmp_path):
    paths, _ = generated
    out = tmp_path / "cli_out"
    runner = CliRunner()
    res = runner.invoke(cli, ["link", "run", *map(str, paths), "--out", str(out), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["n_records"] > 0 and data["n_clusters"] > 0
    assert Path(data["capture_table"]).exists()
    res = runner.invoke(cli, ["link", "review", str(out), "--limit", "2", "--json"])
    assert res.exit_code == 0, res.output
    pairs = json.loads(res.output)
    assert pairs and "name_l" in pairs[0]
    p = pairs[0]
    res = runner.invoke(cli, ["link", "decide", str(out), p["unique_id_l"], p["unique_id_r"],
                              "non-match", "--reviewer", "tester", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["reviewer"] == "tester"
    # re-running keeps decisions and applies them
    res = runner.invoke(cli, ["link", "run", *map(str, paths), "--out", str(out), "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["accuracy"]["n_reviewed"] == 1
    assert (out / "decisions.csv").exists()


def test_bad_input_leaves_nothing(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    header_only = tmp_path / "header.csv"
    header_only.write_text("姓名,性别\n", encoding="utf-8")
    no_name = tmp_path / "noname.csv"
    no_name.write_text("序号,日期\n1,1990\n", encoding="utf-8")
    good = tmp_path / "good.csv"
    good.write_text("姓名\n王伟\n李明\n", encoding="utf-8")
    for bad, msg in ((empty, "empty"), (header_only, "no records"),
                     (no_name, "no usable name column")):
        with pytest.raises(InputError, match=msg):
            run_linkage([good, bad], tmp_path / "out")
        assert not (tmp_path / "out").exists()
        assert not list(tmp_path.glob(".out*"))
    blank = tmp_path / "blank.csv"
    blank.write_text("姓名,性别\n,男\n不详,女\n", encoding="utf-8")
    with pytest.raises(InputError, match="readable name"):
        run_linkage([blank], tmp_path / "out")
    assert not (tmp_path / "out").exists()
    with pytest.raises(InputError, match="more than --max-records 1"):
        run_linkage([good], tmp_path / "out", max_records=1)


def test_cli_bad_input_is_a_message_not_a_traceback(tmp_path):
    from tribunal.cli import main

    no_name = tmp_path / "noname.csv"
    no_name.write_text("序号,日期\n1,1990\n", encoding="utf-8")
    with pytest.raises(SystemExit) as exc:
        main(["link", "run", str(no_name), "--out", str(tmp_path / "o")])
    assert exc.value.code == 2


def test_existing_foreign_folder_is_not_replaced(tmp_path, generated):
    paths, _ = generated
    out = tmp_path / "mine"
    out.mkdir()
    (out / "precious.txt").write_text("keep")
    with pytest.raises(InputError, match="not an earlier linkage output"):
        run_linkage(paths[:1], out)
    assert (out / "precious.txt").read_text() == "keep"


def test_demo_step(tmp_path):
    from rich.console import Console

    from tribunal.demo import DemoContext, prepare_out_dir
    from tribunal.demo.linkage_step import run

    ctx = DemoContext(out_dir=tmp_path / "demo", console=Console(quiet=True), quick=True)
    prepare_out_dir(ctx.out_dir)
    run(ctx)
    assert ctx.outputs["linkage capture histories"].exists()
    assert ctx.summary["linkage_bcubed_f1"] >= 0.93
    assert abs(ctx.summary["linkage_people_linked"] - ctx.summary["linkage_people_true"]) <= (
        0.1 * ctx.summary["linkage_people_true"])


def test_prior_is_re_estimated_near_the_truth(linked):
    """The prior match probability after re-estimation is within a factor 2 of the true
    share of matching pairs in the generated set."""
    result, truth = linked
    model = json.loads((result.out_dir / "model.json").read_text())
    sizes = truth.groupby("person").size()
    n = len(truth)
    true_share = float((sizes * (sizes - 1) / 2).sum() / (n * (n - 1) / 2))
    ratio = model["probability_two_random_records_match"] / true_share
    assert 0.5 <= ratio <= 2.0, ratio


def test_cli_import_profiles_without_writing(generated, tmp_path, monkeypatch):
    paths, _ = generated
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(cli, ["link", "import", *map(str, paths), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    reg = next(d for d in data if d["name"] == "registry")
    assert reg["mapping"]["fields"]["name"] == ["姓名"]
    assert reg["keys"]["records"] == reg["n_rows"] and reg["keys"]["han"] > 0
    assert not list(tmp_path.iterdir())


def test_reviewed_non_matches_as_constraints_against_known_truth(linked):
    """Decide the 300 pairs nearest the threshold from the truth; with the non-matches as
    cannot-link constraints no two records reviewed apart share a person, and B-cubed F1
    is at least that of cutting only the reviewed edges."""
    from tribunal.linkage.capture import apply_decisions, cluster
    from tribunal.linkage.constraints import cannot_link_pairs
    from tribunal.linkage.review import review_queue

    result, truth = linked
    lookup = {f"{r.list}:{r.row}": r.person for r in truth.itertuples()}
    records = pd.read_csv(result.clusters)[["unique_id", "source", "row"]]
    pairs = pd.read_parquet(result.out_dir / "pairs.parquet")
    queue = review_queue(pairs, records, 0.8, limit=300, width=6.0)
    same = [lookup[a] == lookup[b] for a, b in zip(queue["unique_id_l"], queue["unique_id_r"],
                                                  strict=True)]
    decisions = pd.DataFrame({"unique_id_l": queue["unique_id_l"],
                              "unique_id_r": queue["unique_id_r"],
                              "decision": ["match" if s else "non-match" for s in same]})
    assert (decisions["decision"] == "non-match").sum() >= 5
    scored = apply_decisions(pairs, decisions)
    true_labels = [lookup[u] for u in records["unique_id"]]
    cut = cluster(records, scored, 0.8)
    held = cluster(records, scored, 0.8, cannot_link=cannot_link_pairs(decisions))
    person = dict(zip(records["unique_id"], held, strict=True))
    apart = decisions[decisions["decision"] == "non-match"]
    assert all(person[a] != person[b] for a, b in zip(apart["unique_id_l"],
                                                      apart["unique_id_r"], strict=True))
    f1_cut = evaluate_clusters(cut, true_labels).bcubed.f1
    f1_held = evaluate_clusters(held, true_labels).bcubed.f1
    assert f1_held >= f1_cut - 1e-9, (f1_held, f1_cut)
    print(f"B3 F1 cut edges {f1_cut:.4f}, constraints {f1_held:.4f}; "
          f"people {cut.nunique()} -> {held.nunique()} (true {len(set(true_labels))})")
