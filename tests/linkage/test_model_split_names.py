"""Surname and given name weighed apart, person-level name frequencies, capped blocking."""

import duckdb
import numpy as np
import pandas as pd
import pytest

from tribunal.linkage.blocking import add_blocking_keys
from tribunal.linkage.frequencies import person_frequency_sql
from tribunal.linkage.mapping import ColumnMapping, surname_columns
from tribunal.linkage.model import ModelOptions, build_settings
from tribunal.linkage.names import name_parts, normalise_name
from tribunal.linkage.records import standardise

FORMAL = {"thomas": "tom", "elizabeth": "betty", "william": "bill", "robert": "bob",
          "margaret": "peggy", "edward": "ted", "richard": "dick", "catherine": "kate"}
SYL = ["mor", "bel", "wick", "ham", "ley", "ton", "ridge", "stock", "fen", "gar", "lin",
       "dal", "brook", "cot", "wor", "thorn"]


def _list(seed: int = 5) -> pd.DataFrame:
    """People with made-up surnames, four records each; the given name is written in full
    or as a diminutive, the birth date and place are often missing."""
    rng = np.random.default_rng(seed)
    rows = []
    surnames = sorted({a + b for a in SYL for b in SYL if a != b})
    for pid, sur in enumerate(rng.choice(surnames, size=90, replace=False)):
        given = str(rng.choice(list(FORMAL)))
        dob = f"{rng.integers(1800, 1900)}-{rng.integers(1, 13):02d}-{rng.integers(1, 28):02d}"
        place = str(rng.choice(["leeds", "york", "bath", "hull", "ely", "wells", "truro"]))
        for _ in range(4):
            rows.append({"first_name": FORMAL[given] if rng.random() < 0.3 else given,
                         "surname": sur, "dob": dob if rng.random() < 0.6 else "",
                         "birth_place": place if rng.random() < 0.5 else "",
                         "person": pid})
    # Betty Pepys, twice with nothing else, and Elizabeth Pepys; a namesake Elizabeth Peyton
    # born the same year in the same place.
    rows += [{"first_name": "betty", "surname": "pepys", "dob": "", "birth_place": "",
              "person": 900}] * 2
    rows += [{"first_name": "elizabeth", "surname": "pepys", "dob": "1840-03-02",
              "birth_place": "york", "person": 900}] * 3
    rows += [{"first_name": "elizabeth", "surname": "peyton", "dob": "1840-07-09",
              "birth_place": "york", "person": 901}] * 3
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def linked(tmp_path_factory):
    from tribunal.linkage.link import run_linkage

    tmp = tmp_path_factory.mktemp("split")
    frame = _list()
    frame.drop(columns=["person"]).to_csv(tmp / "people.csv", index=False)
    mapping = {"people.csv": ColumnMapping({"name": ["first_name", "surname"],
                                            "birth_date": ["dob"], "place": ["birth_place"]})}
    res = run_linkage([tmp / "people.csv"], tmp / "out", mappings=mapping, threshold=0.8)
    return frame, res, pd.read_parquet(tmp / "out" / "pairs.parquet")


def _score(pairs: pd.DataFrame, a: int, b: int) -> float:
    ids = {f"people:{a + 1}", f"people:{b + 1}"}
    hit = pairs[pairs["unique_id_l"].isin(ids) & pairs["unique_id_r"].isin(ids)]
    return float(hit["match_probability"].max()) if len(hit) else 0.0


def test_surname_exact_diminutive_beats_namesake(linked):
    frame, res, pairs = linked
    rows = frame.index[frame["person"] >= 900].tolist()
    betty, elizabeth, peyton = rows[0], rows[2], rows[5]
    same_person = _score(pairs, betty, elizabeth)
    namesake = _score(pairs, elizabeth, peyton)
    assert same_person >= 0.5
    assert same_person > namesake + 0.2, (same_person, namesake)
    assert any("term frequencies counted over other people" in n for n in res.notes)


def test_split_levels_only_when_surname_known():
    def labels(present):
        name = build_settings(present, ModelOptions()).comparisons[0]
        return [lv.get("label_for_charts", "") for lv in
                name.get_comparison("duckdb").as_dict()["comparison_levels"]]

    assert any("same surname" in lb for lb in labels({"name_key", "name_sur"}))
    assert not any("same surname" in lb for lb in labels({"name_key", "name_canon"}))


def test_surname_column_gives_name_parts():
    assert surname_columns(["First name", "Surname"]) == ["Surname"]
    assert surname_columns(["姓", "名"]) == ["姓"]
    assert surname_columns(["name"]) == [] and surname_columns(["a", "b"]) == []
    frame = pd.DataFrame({"first_name": ["Sir", "Tom", None], "surname": ["Duckworth",
                                                                          "Chudleigh", "Lloyd"]})
    rec = standardise(frame, ColumnMapping({"name": ["first_name", "surname"]}), "a")
    assert rec["name_sur"].tolist() == ["duckworth", "chudleigh", "lloyd"]
    # a title in the given-name column is no given name
    assert rec["name_given"].tolist() == [None, "tom", None]
    assert rec["name_gforms"][1] == ["thomas"]
    # Chinese and Uyghur names stay order-free; a surname in capitals marks the parts
    assert name_parts("王", "秀英").surname == ""
    assert normalise_name("John SMITH").parts.surname == "smith"
    assert normalise_name("John Smith").parts.surname == ""


def test_person_frequency_counts_other_people():
    con = duckdb.connect()
    con.execute("create table r as select * from (values ('a', 'horsburgh'), ('b', 'horsburgh'),"
                " ('c', 'horsburgh'), ('d', 'smith'), ('e', 'smith'), ('f', 'smith'),"
                " ('g', 'lone')) v(unique_id, name_key)")
    # the three Horsburgh records are one person (all pairs certain); the Smiths are three
    con.execute("create table p as select * from (values ('a', 'b', 1.0), ('a', 'c', 1.0),"
                " ('b', 'c', 1.0), ('d', 'e', 0.0)) v(unique_id_l, unique_id_r, match_probability)")
    tf = dict(con.execute(person_frequency_sql("r", "p", "name_key")).fetchall())
    assert tf["horsburgh"] == pytest.approx(1 / 7)   # floor: one record
    assert tf["smith"] == pytest.approx(2 / 7)       # c - 1: no matches among them
    assert tf["lone"] == pytest.approx(1 / 7)


def test_blocking_keys_are_capped_and_keep_order(monkeypatch):
    import tribunal.linkage.blocking as blocking

    monkeypatch.setattr(blocking, "RARE_SHARE", 100)  # 602 records: rare = at most 6
    n = 600  # more records than BLOCK_MAX share "john" and the year: that block is dropped
    frame = pd.DataFrame({
        "unique_id": [f"a:{i}" for i in range(n + 2)],
        "name_tokens": [["john", f"x{i:04d}"] for i in range(n)] + [["girardot", "stephen"],
                                                                     ["girardot", "steven"]],
        "name_skel": ["jn"] * n + ["grdt stfn", "grdt stvn"],
        "name_canon": [["john x"]] * n + [["girardot stephen"], ["girardot steven"]],
        "birth_year": [1850] * (n + 2), "place_leaf": [None] * (n + 2)})
    con = duckdb.connect()
    con.execute("create table records as select * from frame")
    add_blocking_keys(con, "records")
    out = con.execute("select * from records").df()
    assert out["unique_id"].tolist() == frame["unique_id"].tolist()
    assert list(out["name_rare"].iloc[-1]) == ["girardot", "steven"]
    assert "john" not in list(out["name_rare"].iloc[0])
    years = out["block_element_year"].iloc[0]
    assert "john|1850" not in list(years) and "x0000|1850" in list(years)
    assert out["block_year_place"].isna().all()
    # on a short list nothing is rare enough to block on alone
    monkeypatch.setattr(blocking, "RARE_SHARE", 1000)
    con.execute("create or replace table records as select * from frame")
    add_blocking_keys(con, "records")
    shared = con.execute("select k, count(*) as n from (select unnest(name_rare) as k "
                         "from records) group by k having n > 1").fetchall()
    assert shared == []
    # a formal name element with the other element's initial
    assert list(out["block_element_initial"].iloc[-1]) == ["girardot|s", "steven|g"]
    assert pd.isna(out["block_element_initial"].iloc[0])  # "john|x": 600 records


def test_a_misspelt_surname_meets_its_person_in_the_same_place():
    # Tom Whyte and Thomas White of Ealing share no name element, canonical key or whole
    # skeleton; the surname's skeleton with the place brings them into one block, and a
    # crowded skeleton-and-place block (more than INITIAL_MAX records) is left out.
    from tribunal.linkage.blocking import INITIAL_MAX

    n = INITIAL_MAX + 5
    frame = pd.DataFrame({
        "unique_id": ["a:1", "a:2", "a:3"] + [f"b:{i}" for i in range(n)],
        "name_tokens": [["tom", "whyte"], ["thomas", "white"], ["tom", "whyte"]]
        + [["li", f"x{i}"] for i in range(n)],
        "name_skel": ["tm wht", "tms wht", "tm wht"] + ["l"] * n,
        "name_canon": [["thomas whyte"], ["thomas white"], ["thomas whyte"]] + [["li x"]] * n,
        "birth_year": [None] * (n + 3),
        "place_leaf": ["ealing", "ealing", "hull"] + ["leeds"] * n})
    con = duckdb.connect()
    con.register("frame", frame)
    con.execute("create table records as select * from frame")
    add_blocking_keys(con, "records")
    out = con.execute("select unique_id, block_skeleton_place from records").df()
    keys = {u: set(k) if isinstance(k, (list, np.ndarray)) else set()
            for u, k in zip(out["unique_id"], out["block_skeleton_place"], strict=True)}
    assert "wht|ealing" in keys["a:1"] & keys["a:2"]
    assert not keys["a:3"] & keys["a:2"]  # another town
    assert keys["b:0"] == set()  # "l|leeds" is held by too many records
