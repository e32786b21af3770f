"""Person lists as case items: import, link by item id, protected lists, mappings kept."""

import json
import os
import re
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from tribunal.archive.case import Case
from tribunal.archive.items import Capture, list_items
from tribunal.archive.verify import verify_case
from tribunal.cli import cli
from tribunal.errors import InputError
from tribunal.linkage.case_lists import (
    case_inputs,
    import_lists,
    reveal_protected,
    stored_mapping,
    withhold_protected,
)
from tribunal.linkage.link import run_linkage
from tribunal.linkage.mapping import parse_mapping
from tribunal.linkage.synth import make_lists

MAPPING = "lists:\n  witnesses.csv:\n    name: victim\n    birth_date: born\n    place: origin\n"


@pytest.fixture(scope="module")
def lists(tmp_path_factory):
    """Three generated lists; the third ("witnesses") with headers that need a mapping."""
    base = tmp_path_factory.mktemp("lists")
    frames, truth = make_lists(80, seed=5)
    paths = {}
    for name, frame in frames.items():
        if name == "testimony":
            name = "witnesses"
            frame = frame.rename(columns={"name": "victim", "date_of_birth": "born",
                                          "address": "origin"})
        paths[name] = base / f"{name}.csv"
        frame.to_csv(paths[name], index=False)
    mapping = base / "mapping.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    return paths, mapping, frames


@pytest.fixture(scope="module")
def imported(lists, tmp_path_factory):
    """A case holding the three lists, the witness list protected, imported by the CLI."""
    paths, mapping, _ = lists
    case_dir = tmp_path_factory.mktemp("c") / "case"
    Case.init(case_dir).close()
    runner = CliRunner()
    ids = {}
    for name, extra in (("registry", []), ("hospital", ["--collector", "analyst A"]),
                        ("witnesses", ["--sensitivity", "protected", "--mapping", str(mapping)])):
        res = runner.invoke(cli, ["--case", str(case_dir), "link", "import", str(paths[name]),
                                  *extra, "--json"])
        assert res.exit_code == 0, res.output
        (row,) = json.loads(res.output)
        ids[name] = row
    return case_dir, ids


def _link_three(imported, out, *extra: str):
    """The three imported lists linked by item id into ``out``; (out, printed summary)."""
    case_dir, ids = imported
    res = CliRunner().invoke(cli, ["--case", str(case_dir), "link", "run",
                                   *(ids[n]["item_id"] for n in ("registry", "hospital",
                                                                 "witnesses")),
                                   "--out", str(out), *extra, "--json"])
    assert res.exit_code == 0, res.output
    return out, json.loads(res.output)


@pytest.fixture(scope="module")
def linked(imported, tmp_path_factory):
    return _link_three(imported, tmp_path_factory.mktemp("o") / "linked")


def test_import_stores_lists_and_mappings_through_the_archive(imported, lists):
    case_dir, ids = imported
    paths, _, _ = lists
    assert all(r["item_id"].startswith("E-") and r["new"] for r in ids.values())
    wit = ids["witnesses"]
    assert wit["name"] == "[protected]" and wit["sensitivity"] == "protected"
    assert wit["mapping"]["fields"]["name"] == ["victim"]
    with Case.open(case_dir, readonly=True) as case:
        assert verify_case(case).ok
        mapping_item, mapping = stored_mapping(case, wit["item_id"])
        assert mapping_item == wit["mapping_item"] and mapping.exact
        assert mapping.fields["birth_date"] == ["born"]
        item = next(i for i in list_items(case.db) if i.id == wit["item_id"])
        assert item.sensitivity == "protected" and item.kind != "mapping"
        blob = case.blobs.path(item.sha256)
        assert blob.read_bytes() == paths["witnesses"].read_bytes()  # original untouched
        n_items = len(list_items(case.db))
    # the same file again: same item, same mapping item, no new item
    res = CliRunner().invoke(cli, ["--case", str(case_dir), "link", "import",
                                   str(paths["registry"]), "--json"])
    assert res.exit_code == 0, res.output
    (again,) = json.loads(res.output)
    assert again["item_id"] == ids["registry"]["item_id"] and not again["new"]
    assert again["mapping_item"] == ids["registry"]["mapping_item"]
    with Case.open(case_dir, readonly=True) as case:
        assert len(list_items(case.db)) == n_items


def test_run_by_item_id_names_each_records_item(linked, imported):
    out, summary = linked
    _, ids = imported
    clusters = pd.read_csv(out / "clusters.csv", dtype=str)
    by_list = clusters.groupby("source")["item_id"].unique().to_dict()
    wit_id = ids["witnesses"]["item_id"]
    # the protected list's records are left out of clusters.csv (by default)
    assert {k: list(v) for k, v in by_list.items()} == {
        "registry": [ids["registry"]["item_id"]], "hospital": [ids["hospital"]["item_id"]]}
    # ... and named by its item id, the others by file name
    table = pd.read_csv(out / "capture_history.csv")
    assert list(table.columns) == ["registry", "hospital", wit_id, "count"]
    sources = {s["item_id"]: s for s in json.loads((out / "linkage.json").read_text())["sources"]}
    assert {i: s["sha256"] for i, s in sources.items()} == {
        r["item_id"]: r["sha256"] for r in ids.values()}
    # the stored mapping was used (the witness list's headers are not recognised)
    assert sources[wit_id]["mapping"]["fields"]["name"] == ["victim"]
    assert summary["n_clusters"] < summary["n_records"]
    # nothing names the protected list's file, not even its location
    assert "witnesses" not in (out / "linkage.json").read_text(encoding="utf-8")


def test_protected_names_stay_out_of_outputs(linked, lists):
    out, summary = linked
    _, _, frames = lists
    assert summary["withheld"] and summary["protected_lists"]
    # Names also held by an unprotected list may appear, in any spacing or dotting
    # (买买提·吐尔逊 there, 买买提吐尔逊 here, as the outputs' normalised hanzi).
    others = set(frames["registry"]["姓名"]) | set(frames["hospital"]["name"])
    compact = {re.sub(r"[\s·]", "", o) for o in others}
    names = {n for n in set(frames["testimony"]["name"]) - others
             if re.sub(r"[\s·]", "", n) not in compact}
    assert len(names) > 10
    texts = []
    for path in out.rglob("*"):
        if path.suffix == ".parquet":
            texts.append(pd.read_parquet(path).to_csv())
        elif path.is_file():
            texts.append(path.read_text(encoding="utf-8", errors="replace"))
    blob = "\n".join(texts)
    leaked = [n for n in names if n in blob]
    assert not leaked, leaked[:5]
    queue = pd.read_csv(out / "review_queue.csv", dtype=str, keep_default_na=False)
    wit = summary["protected_lists"][0]
    side = queue[queue["source_l"] == wit]
    if len(side):
        assert set(side["name_l"]) == {"[protected]"}


def test_include_protected_keeps_names_and_record_stores_the_table(imported, lists, tmp_path):
    case_dir, ids = imported
    paths, _, frames = lists
    out = tmp_path / "linked"
    res = CliRunner().invoke(cli, ["--case", str(case_dir), "link", "run",
                                   ids["registry"]["item_id"], str(paths["witnesses"]),
                                   "--out", str(out), "--include-protected", "--record",
                                   "--json"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.output)
    assert not summary["withheld"]
    # a path whose content the case holds is linked as that item; a protected list keeps
    # its item id as name, so record ids do not depend on --include-protected
    clusters = pd.read_csv(out / "clusters.csv", dtype=str)
    wit_id = ids["witnesses"]["item_id"]
    assert set(clusters["item_id"]) == {ids["registry"]["item_id"], wit_id}
    assert set(clusters["source"]) == {"registry", wit_id}
    records = pd.concat(pd.read_parquet(p) for p in (out / "records").glob("*.parquet"))
    assert set(frames["testimony"]["name"]) & set(records["name"])
    assert len(summary["recorded"]) == 2
    with Case.open(case_dir, readonly=True) as case:
        assert verify_case(case).ok
        held = {i.id: i for i in list_items(case.db)}
        table = held[summary["recorded"][0]]
        assert table.parent_id in (ids["registry"]["item_id"], ids["witnesses"]["item_id"])
        assert case.blobs.path(table.sha256).read_bytes() == (
            out / "capture_history.csv").read_bytes()
        assert held[summary["recorded"][1]].sensitivity in ("public", "protected")


def test_new_mapping_supersedes_and_is_used(tmp_path, lists):
    paths, _, _ = lists
    case = Case.init(tmp_path / "case")
    try:
        first = import_lists(case, [paths["witnesses"]], parse_mapping(
            {"witnesses.csv": {"name": "victim"}}), Capture())[0]
        second = import_lists(case, [paths["witnesses"]], parse_mapping(
            {"witnesses.csv": {"name": "victim", "place": "origin"}}), Capture())[0]
        assert second.item_id == first.item_id and second.mapping_item != first.mapping_item
        # a re-import without a mapping keeps the current one
        third = import_lists(case, [paths["witnesses"]], None, Capture())[0]
        assert third.mapping_item == second.mapping_item
        (src,) = case_inputs(case, [first.item_id])
        # the complete mapping resolved at import: recognised headers plus the given ones
        assert src.mapping.fields == {"name": ["victim"], "place": ["origin"],
                                      "birth_date": ["born"], "sex": ["sex"]}
        doc = json.loads(case.blobs.path(case.db.execute(
            "SELECT sha256 FROM items WHERE id = ?", (second.mapping_item,)).fetchone()[0]
        ).read_text())
        assert doc["supersedes"] == first.mapping_item
        # a mapped column that is not there, or no name column: refused, nothing stored
        n_items = len(list_items(case.db))
        with pytest.raises(InputError, match="not in the file: nonexistent"):
            import_lists(case, [paths["witnesses"]], parse_mapping(
                {"witnesses.csv": {"name": "nonexistent"}}), Capture())
        no_name = tmp_path / "no_name.csv"
        no_name.write_text("序号,日期\n1,1990\n", encoding="utf-8")
        with pytest.raises(InputError, match="no usable name column"):
            import_lists(case, [paths["registry"], no_name], None, Capture())
        assert len(list_items(case.db)) == n_items
        assert verify_case(case).ok
    finally:
        case.close()


def test_altered_blob_is_refused(tmp_path, lists):
    paths, _, _ = lists
    case = Case.init(tmp_path / "case")
    try:
        (a,) = import_lists(case, [paths["registry"]], None, Capture())
        (b,) = import_lists(case, [paths["hospital"]], None, Capture())
        blob = case.blobs.path(a.sha256)
        os.chmod(blob, 0o644)
        blob.write_bytes(blob.read_bytes().replace("新疆".encode(), "西藏".encode(), 1))
        inputs = case_inputs(case, [a.item_id, b.item_id])
        with pytest.raises(InputError, match="does not match its recorded SHA-256"):
            run_linkage(inputs, tmp_path / "out")
        assert not (tmp_path / "out").exists()
    finally:
        case.close()


def test_without_a_case_import_checks_only_and_item_ids_are_refused(lists, tmp_path,
                                                                     monkeypatch):
    paths, _, _ = lists
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    res = runner.invoke(cli, ["link", "import", str(paths["registry"]), "--json"])
    assert res.exit_code == 0 and json.loads(res.output)[0]["keys"]["han"] > 0
    assert not list(tmp_path.iterdir())  # nothing written, no ./case created
    from tribunal.cli import main

    for argv in (["link", "import", str(paths["registry"]), "--sensitivity", "protected"],
                 ["link", "run", "E-7K3QX9ZB2M", "--out", "o"],
                 ["link", "run", str(paths["registry"]), "--record"]):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 2, argv
    assert not list(tmp_path.iterdir())


def test_unknown_item_and_output_inside_the_case_are_refused(imported, lists):
    case_dir, ids = imported
    from tribunal.cli import main

    for argv in (["--case", str(case_dir), "link", "run", "E-0000000000", "--out",
                  str(Path(case_dir).parent / "x")],
                 ["--case", str(case_dir), "link", "run", ids["registry"]["item_id"],
                  "--out", str(Path(case_dir) / "out")]):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 2, argv
    assert not (Path(case_dir) / "out").exists()


def test_xlsx_list_and_its_sheet_table_are_read_from_blobs(tmp_path, lists):
    from tribunal.archive.items import list_items as items_of
    from tribunal.linkage.link import normalise_lists

    paths, _, frames = lists
    xlsx = tmp_path / "hospital_book.xlsx"
    frames["hospital"].to_excel(xlsx, index=False)
    case = Case.init(tmp_path / "case")
    try:
        (held,) = import_lists(case, [xlsx], None, Capture())
        sheet = next(i for i in items_of(case.db, parent_id=held.item_id) if i.kind == "table")
        inputs = case_inputs(case, [held.item_id, sheet.id])
        assert [i.suffix for i in inputs] == [".xlsx", ".csv"]
        infos, _ = normalise_lists(inputs, tmp_path / "work", max_records=10_000)
    finally:
        case.close()
    assert [i.n_rows for i in infos] == [len(frames["hospital"])] * 2
    assert [i.item_id for i in infos] == [held.item_id, sheet.id]
    assert infos[0].sha256 == held.sha256


def test_review_shows_protected_fields_only_when_asked_inside_the_case(
        linked, linked_all, imported, lists):
    out, _ = linked
    case_dir, ids = imported
    _, _, frames = lists
    wit = ids["witnesses"]["item_id"]
    runner = CliRunner()
    res = runner.invoke(cli, ["link", "review", str(out), "--limit", "200", "--json"])
    hidden = pd.DataFrame(json.loads(res.output))
    assert len(hidden) and not ((hidden["source_l"] == wit) | (hidden["source_r"] == wit)).any()
    # a queue whose protected fields read [protected] (as folders written before protected
    # records were left out) is filled in from the case, for display only
    full_out, _ = linked_all
    full = pd.read_csv(full_out / "review_queue.csv", dtype=str, keep_default_na=False)
    assert ((full["source_l"] == wit) | (full["source_r"] == wit)).any()
    summary = json.loads((full_out / "linkage.json").read_text(encoding="utf-8"))
    with Case.open(case_dir, readonly=True) as case:
        inputs = case_inputs(case, [ids[n]["item_id"] for n in ("registry", "hospital",
                                                                "witnesses")])
        masked, _ = withhold_protected(full, full_out / "no-records", inputs)
        shown = reveal_protected(case, summary, masked)
    names = set(frames["testimony"]["name"])
    for side in ("l", "r"):
        mine = shown[shown[f"source_{side}"] == wit]
        assert set(masked.loc[mine.index, f"name_{side}"]) <= {"[protected]"}
        assert set(mine[f"name_{side}"]) <= names and "[protected]" not in set(mine[f"name_{side}"])
    res = runner.invoke(cli, ["link", "review", str(out), "--show-protected"])
    assert isinstance(res.exception, InputError)  # no case given: nothing to read them from


@pytest.fixture(scope="module")
def linked_all(imported, tmp_path_factory):
    """The three lists linked again with --include-protected."""
    return _link_three(imported, tmp_path_factory.mktemp("o") / "linked-all",
                       "--include-protected")


def _protected_rows(frame: pd.DataFrame, wit: str) -> pd.DataFrame:
    cols = [c for c in frame.columns if c.startswith(("unique_id", "source"))]
    touch = frame[cols].apply(lambda c: c.astype(str).str.startswith(wit)).any(axis=1)
    return frame[touch]


def test_membership_of_a_protected_list_is_withheld_by_default(linked, linked_all, imported):
    """A protected list sharing people with public lists: by default no per-record output
    names its records or shows which public records matched one; the counts stay whole."""
    out, summary = linked
    full_out, full_summary = linked_all
    case_dir, ids = imported
    wit = ids["witnesses"]["item_id"]
    record_id = re.compile(re.escape(wit) + r":\d")
    printed = CliRunner().invoke(cli, ["--case", str(case_dir), "link", "run",
                                       *(ids[n]["item_id"] for n in ("registry", "hospital",
                                                                     "witnesses")),
                                       "--out", str(out.parent / "again")]).output
    texts = {"stdout": printed, "json": json.dumps(summary)}
    for name in ("clusters.csv", "review_queue.csv", "linkage.json"):
        texts[name] = (out / name).read_text(encoding="utf-8")
    texts["pairs"] = pd.read_parquet(out / "pairs.parquet").to_csv()
    assert not [k for k, t in texts.items() if record_id.search(t)]
    assert {"clusters.csv", "pairs.parquet", "records/"} <= set(summary["withheld"])
    assert any("--include-protected" in n and "clusters.csv" in n for n in summary["notes"])
    assert "keep this folder as protected" not in printed
    # with the flag, the rows are there (and the folder is said to need protection)
    full = pd.read_csv(full_out / "clusters.csv", dtype=str)
    pairs = pd.read_parquet(full_out / "pairs.parquet")
    assert len(_protected_rows(full, wit)) == sum(
        s["n_rows"] for s in full_summary["sources"] if s["name"] == wit)
    assert len(_protected_rows(pairs, wit))
    assert any("keep this folder as protected" in w for w in full_summary["warnings"])
    assert not full_summary["withheld"]
    # the public people matched with a witness: their rows do not show it
    shared = full[full["person_id"].isin(_protected_rows(full, wit)["person_id"])]
    public = shared[~shared["source"].str.startswith(wit)]
    assert len(public) > 5, "the fixture should share people between the lists"
    mine = pd.read_csv(out / "clusters.csv", dtype=str)
    assert len(mine) == len(full) - len(_protected_rows(full, wit))
    assert mine["unique_id"].tolist() == full.loc[~full["source"].str.startswith(wit),
                                                  "unique_id"].tolist()
    # person ids numbered among the public records only: first appearances in order 1, 2 ...
    first = pd.factorize(mine["person_id"])[0]
    assert (mine["person_id"] == [f"P{k + 1:06d}" for k in first]).all()
    # the public records as clustered on their own, second pass included (here the same
    # grouping as the full run's: no witness bridges two public people in this fixture)
    from tribunal.linkage.capture import cluster
    from tribunal.linkage.recluster import refiner_from_output

    records, refine = refiner_from_output(out)
    alone = pd.Series(cluster(records, pd.read_parquet(out / "pairs.parquet"), 0.8,
                              refine=refine).to_numpy(), index=records["unique_id"].to_numpy())
    alone = alone.loc[mine["unique_id"]].to_numpy()
    assert pd.Series(first).groupby(alone).nunique().max() == 1
    assert pd.Series(alone).groupby(first).nunique().max() == 1
    full_public = full[~full["source"].str.startswith(wit)]
    assert (pd.factorize(full_public["person_id"])[0] == first).all()
    # the counts by capture pattern are the same as with --include-protected
    for name in ["capture_history.csv", "sensitivity.csv",
                 *(f"band/{p.name}" for p in (full_out / "band").iterdir())]:
        assert (out / name).read_bytes() == (full_out / name).read_bytes(), name


def test_a_protected_record_bridging_two_public_ones_does_not_join_them():
    """A witness's record strongly matches a registry record and a hospital record that
    do not match each other: the full clustering makes one person of the three, the
    per-record output keeps the two public records apart (as linking the public lists
    alone would), and the counts still see one person."""
    import pyarrow as pa

    from tribunal.linkage.capture import person_ranks
    from tribunal.linkage.membership import public_clusters, withhold_membership

    records = pd.DataFrame({"unique_id": ["reg:1", "wit:1", "hos:1", "reg:2", "hos:2"],
                            "source": ["reg", "wit", "hos", "reg", "hos"]})
    ids = pa.table({"unique_id": records["unique_id"], "source": records["source"],
                    "row": [1, 1, 1, 2, 2]})
    pairs = pd.DataFrame({"unique_id_l": ["reg:1", "hos:1", "reg:1", "hos:2"],
                          "unique_id_r": ["wit:1", "wit:1", "hos:1", "reg:2"],
                          "match_probability": [0.97, 0.96, 0.2, 0.95]})
    hidden = pd.Index(["wit:1"])
    assert len(set(person_ranks(records, pairs, 0.8)[:3])) == 1  # one person with the witness
    clusters = public_clusters(records, ids, pairs, hidden, 0.8, {})
    kept = withhold_membership(clusters, pairs, hidden).clusters
    assert kept["unique_id"].tolist() == ["reg:1", "hos:1", "reg:2", "hos:2"]
    assert kept["person_id"].tolist() == ["P000001", "P000002", "P000003", "P000003"]
    assert not kept["unique_id"].str.startswith("wit").any()


def test_decide_refuses_a_withheld_protected_record_clearly(linked, imported):
    out, _ = linked
    _, ids = imported
    clusters = pd.read_csv(out / "clusters.csv", dtype=str)
    res = CliRunner().invoke(cli, ["link", "decide", str(out), clusters["unique_id"][0],
                                   f"{ids['witnesses']['item_id']}:1", "match",
                                   "--reviewer", "A"])
    assert isinstance(res.exception, InputError)
    assert "protected list" in str(res.exception)
    assert "--include-protected" in res.exception.hint
    assert not (out / "decisions.csv").exists()


def test_a_protected_list_linked_alone_leaves_no_record_and_still_reviews(imported, tmp_path):
    case_dir, ids = imported
    out = tmp_path / "alone"
    runner = CliRunner()
    res = runner.invoke(cli, ["--case", str(case_dir), "link", "run",
                              ids["witnesses"]["item_id"], "--out", str(out), "--json"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.output)
    assert summary["n_records"] >= summary["n_clusters"] > 0  # counted ...
    assert pd.read_csv(out / "clusters.csv").empty  # ... but no row kept
    assert pd.read_parquet(out / "pairs.parquet").empty
    assert int(pd.read_csv(out / "capture_history.csv")["count"].sum()) == summary["n_clusters"]
    res = runner.invoke(cli, ["link", "review", str(out)])
    assert res.exit_code == 0 and "no pairs left to review" in res.output
