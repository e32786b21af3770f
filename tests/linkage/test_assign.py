"""Second pass: lone records matched against whole people (tribunal.linkage.assign)."""

import math

import duckdb
import numpy as np
import pandas as pd
import pytest

from tribunal.linkage.assign import AssignResult, assign_lone
from tribunal.linkage.assign_sql import Field, Level, values_per_person
from tribunal.linkage.partition_priors import crp_alpha, esc_log_weights

# A small model of the kind the trained linker provides: levels strict -> loose, else last.
FIELDS = [
    Field("name", '"name_key_l" IS NULL OR "name_key_r" IS NULL', (
        Level('"name_key_l" = "name_key_r"', 0.6, 1e-4, "name_key"),
        Level('array_length(list_intersect("name_canon_l", "name_canon_r")) >= 1', 0.15, 2e-4),
        Level('array_length(list_intersect("name_tokens_l", "name_tokens_r")) >= 1', 0.15, 0.02),
        Level("ELSE", 0.1, 0.98),
    )),
    Field("birth", '"birth_year_l" IS NULL OR "birth_year_r" IS NULL', (
        Level('"birth_year_l" = "birth_year_r"', 0.9, 0.01),
        Level("ELSE", 0.1, 0.99),
    )),
    Field("place", '"place_leaf_l" IS NULL OR "place_leaf_r" IS NULL', (
        Level('"place_leaf_l" = "place_leaf_r"', 0.85, 0.01, "place_leaf"),
        Level("ELSE", 0.15, 0.99),
    )),
]

SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "ze", "ha", "po", "di"]


def _people(n: int, rng: np.random.Generator) -> list[dict]:
    seen: set[str] = set()
    out = []
    while len(out) < n:
        given = "".join(rng.choice(SYLLABLES, 2))
        sur = "".join(rng.choice(SYLLABLES, 3))
        if f"{given} {sur}" in seen:
            continue
        seen.add(f"{given} {sur}")
        out.append({"given": given, "sur": sur, "year": int(rng.integers(1600, 1900)),
                    "place": f"town{int(rng.integers(0, 400))}"})
    return out


def _row(uid: str, given: str | None, sur: str | None, year=None, place=None) -> dict:
    tokens = [t for t in (given, sur) if t]
    key = " ".join(tokens) or None
    return {"unique_id": uid, "name_key": key, "name_tokens": tokens or None,
            "name_canon": [key] if key else None, "birth_year": year, "place_leaf": place}


def _world(extra: list[dict], extra_people: list[tuple[str, dict, int]] | None = None,
           seed: int = 3) -> tuple[pd.DataFrame, np.ndarray]:
    """300 people of 6 records each (first pass got them right), plus ``extra`` lone
    records and ``extra_people`` (label, person, records) clustered people."""
    rng = np.random.default_rng(seed)
    rows, labels = [], []
    people = [(f"p{i}", p, 6) for i, p in enumerate(_people(300, rng))]
    for label, p, k in people + (extra_people or []):
        for j in range(k):
            rows.append(_row(f"{label}:{j}", p["given"], p["sur"],
                             p["year"] if j % 2 == 0 else None,
                             p["place"] if j % 3 else None))
            labels.append(label)
    for r in extra:
        rows.append(r)
        labels.append("lone:" + r["unique_id"])
    return pd.DataFrame(rows), np.array(labels, dtype=object)


def _run(frame: pd.DataFrame, labels: np.ndarray,
         cannot: list[tuple[str, str]] | None = None) -> tuple[AssignResult, pd.Series]:
    con = duckdb.connect()
    con.register("frame", frame)
    con.execute("CREATE TABLE records AS SELECT * FROM frame")
    cl = pd.DataFrame(cannot or [], columns=["unique_id_l", "unique_id_r"])
    res = assign_lone(con, "records", frame["unique_id"], labels, FIELDS, cannot_link=cl)
    return res, pd.Series(res.labels, index=frame["unique_id"])


def test_crp_alpha_gives_the_expected_number_of_people():
    for n, k in ((1000, 100), (50578, 5156), (1500, 860)):
        a = crp_alpha(n, k)
        assert sum(a / (a + i) for i in range(n)) == pytest.approx(k, rel=1e-6)


def test_esc_prior_recovers_negative_binomial_sizes():
    """Sizes drawn from a zero-truncated NB(r, p): the fitted prior weighs joining a person
    of n records (n + r) p and a new person (K + 1) mu(1), as ESC-NB prescribes."""
    rng = np.random.default_rng(7)
    r, p = 4.0, 0.6
    draws = rng.negative_binomial(r, 1 - p, 60000)  # numpy counts failures, success 1-p
    size = draws[draws > 0][:20000]
    join, log_new = esc_log_weights(size)
    for n in (1, 5, 12):
        assert math.exp(join[n]) == pytest.approx((n + r) * p, rel=0.1)
    mu1 = r * p * (1 - p) ** r / (1 - (1 - p) ** r)
    assert math.exp(log_new) == pytest.approx((len(size) + 1) * mu1, rel=0.1)


def test_prior_follows_the_sizes_people_have():
    """Weak evidence: four records carrying only a surname that one person of six records
    (and nobody else) carries, so five people carry it. Where people have six records and
    hardly any is alone, the ESC prior gives a new person little weight and they join;
    the CRP's alpha, fitted to the number of people (~100 against a person's 6), left
    them alone."""
    rng = np.random.default_rng(3)
    sur = _people(301, rng)[-1]["sur"]  # a surname the world's people do not carry
    ann = {"given": "anna", "sur": sur, "year": 1801, "place": "townx"}
    frame, labels = _world([_row(f"x:{i}", None, sur) for i in range(4)], [("ann", ann, 6)])
    res, lab = _run(frame, labels)
    assert all(lab[f"x:{i}"] == lab["ann:0"] for i in range(4)) and res.n_assigned == 4


def test_lone_record_with_only_a_name_joins_its_person():
    """'nicholas lloyd' with nothing else joins the one person of that name (many records),
    although no single pair would reach a threshold; a true newcomer stays alone."""
    nick = {"given": "nicholas", "sur": "lloyd", "year": 1630, "place": "flintshire"}
    frame, labels = _world(
        [_row("x:1", "nicholas", "lloyd"),
         _row("x:2", "zebedee", "quartermaine"),        # nobody else is called this
         _row("x:3", "nicholas", None, 1630, "flintshire")],  # given name, year and place
        [("nick", nick, 15)])
    res, lab = _run(frame, labels)
    assert lab["x:1"] == lab["nick:0"]
    assert lab["x:3"] == lab["nick:0"]
    assert (lab == lab["x:2"]).sum() == 1
    assert res.n_lone == 3 and res.n_assigned == 2


def test_reviewed_non_matches_are_respected():
    """A reviewed non-match with any member rules the person out; of two lone records
    reviewed as different people, only the more probable joins."""
    nick = {"given": "nicholas", "sur": "lloyd", "year": 1630, "place": "flintshire"}
    lone = [_row("x:1", "nicholas", "lloyd"), _row("x:2", "nicholas", "lloyd", 1630),
            _row("x:3", "nicholas", "lloyd")]
    frame, labels = _world(lone, [("nick", nick, 15)])
    _, lab = _run(frame, labels, [("x:1", "nick:7"), ("x:2", "x:3")])
    assert (lab == lab["x:1"]).sum() == 1
    assert lab["x:2"] == lab["nick:0"] and lab["x:3"] != lab["nick:0"]
    _, lab = _run(frame, labels)
    assert lab["x:1"] == lab["x:2"] == lab["x:3"] == lab["nick:0"]


def test_namesakes_split_the_evidence_and_the_record_stays_alone():
    """Two people share a name; a lone record with the name and nothing else could be
    either, so it is not forced into one. With a birth year it goes to the right one."""
    a = {"given": "john", "sur": "smith", "year": 1700, "place": "town1"}
    b = {"given": "john", "sur": "smith", "year": 1850, "place": "town2"}
    frame, labels = _world(
        [_row("x:1", "john", "smith"), _row("x:2", "john", "smith", 1850)],
        [("a", a, 6), ("b", b, 6)])
    _, lab = _run(frame, labels)
    assert (lab == lab["x:1"]).sum() == 1
    assert lab["x:2"] == lab["b:0"]


def test_common_given_name_alone_is_not_enough():
    """A record with only a given name joins none of the eight people who also have a
    record with only that name; had one person carried it, it would join."""
    rng = np.random.default_rng(5)
    extra = [(f"w{i}", {"given": "william", "sur": s, "year": 1800 + i, "place": f"t{i}"}, 6)
             for i, s in enumerate(["".join(rng.choice(SYLLABLES, 3)) for _ in range(8)])]
    frame, labels = _world([_row("x:1", "william", None)], extra)
    for k in (8, 1):
        bare = [_row(f"w{i}:bare", "william", None) for i in range(k)]
        _, lab = _run(pd.DataFrame(frame.to_dict("records") + bare),
                      np.concatenate([labels, [f"w{i}" for i in range(k)]]))
        assert ((lab == lab["x:1"]).sum() == 1) == (k == 8)


def test_lone_records_join_people_not_each_other():
    """Two lone records agreeing on a rare name, birth year and place are left to the
    pairwise model (their comparison there is the same): the second pass moves lone
    records into people of two or more records only."""
    frame, labels = _world([_row("x:1", "quintus", "marwood", 1777, "town9"),
                            _row("x:2", "quintus", "marwood", 1777, "town9")])
    res, lab = _run(frame, labels)
    assert lab["x:1"] != lab["x:2"] and res.n_assigned == 0


def test_nothing_to_do():
    frame, labels = _world([])
    res, lab = _run(frame, labels)
    assert res.n_lone == 0 and res.n_assigned == 0
    assert lab.nunique() == 300


def _english_list(path, seed: int = 2) -> list[str]:
    """A list where each of 60 people has 8 records: nicknames, missing years and places,
    and two thin records (name only, sometimes a nickname). Returns the true person per row."""
    rng = np.random.default_rng(seed)
    given = [("thomas", "tom"), ("william", "bill"), ("margaret", "peggy"), ("robert", "bob"),
             ("elizabeth", "betty"), ("richard", "dick"), ("edward", "ned"), ("mary", "polly")]
    rows, truth = [], []
    for p, sur in enumerate(["".join(rng.choice(SYLLABLES, 3)) for _ in range(60)]):
        formal, nick = given[p % len(given)]
        year, place = int(rng.integers(1600, 1900)), f"parish{int(rng.integers(0, 500))}"
        for j in range(8):
            thin = j >= 6
            rows.append({"first_name": nick if (j % 3 == 1) else formal, "surname": sur,
                         "dob": "" if thin or rng.random() < 0.2 else f"{year}-05-0{p % 9 + 1}",
                         "birth_place": "" if thin or rng.random() < 0.2 else place})
            truth.append(f"P{p}")
    pd.DataFrame(rows).to_csv(path, index=False)
    return truth


def test_run_with_and_without_second_pass(tmp_path):
    """End to end: the second pass brings the count closer to the truth without lowering
    B-cubed F1, and linkage.json says what it did; --no-assign switches it off."""
    from click.testing import CliRunner

    from tribunal.cli import cli
    from tribunal.linkage.evaluate import evaluate_clusters
    from tribunal.linkage.link import load_result

    src = tmp_path / "people.csv"
    truth = _english_list(src)
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("lists:\n  people.csv:\n    name: [first_name, surname]\n"
                       "    birth_date: dob\n    place: birth_place\n", encoding="utf-8")
    ev = {}
    for on in (True, False):
        args = ["link", "run", str(src), "--mapping", str(mapping),
                "--out", str(tmp_path / f"out{on}"), "--json"]
        res = CliRunner().invoke(cli, args + ([] if on else ["--no-assign"]))
        assert res.exit_code == 0, res.output
        clusters = pd.read_csv(tmp_path / f"out{on}" / "clusters.csv")
        ev[on] = evaluate_clusters(clusters["person_id"], truth)
        notes = " ".join(load_result(tmp_path / f"out{on}")["notes"])
        assert ("lone records joined a person" in notes) == on
        assert ("--no-assign" in notes) == (not on)
    assert abs(ev[True].count_error) < abs(ev[False].count_error), (ev[True], ev[False])
    assert ev[True].bcubed.f1 >= ev[False].bcubed.f1

    # an earlier run's folder gives the same people again (as the benchmark re-clusters)
    from tribunal.linkage.capture import cluster
    from tribunal.linkage.recluster import refiner_from_output

    records, refine = refiner_from_output(tmp_path / "outTrue")
    pairs = pd.read_parquet(tmp_path / "outTrue" / "pairs.parquet")
    again = cluster(records, pairs, 0.8, refine=refine)
    first = pd.read_csv(tmp_path / "outTrue" / "clusters.csv")["person_id"]
    assert evaluate_clusters(again.to_numpy(), first.to_numpy()).bcubed.f1 == 1.0


def test_skipped_when_most_records_are_new_people():
    """When the first pass finds mostly one-record people (alpha above the number of
    records), a lone record is a priori a new person: the pass is skipped and says so."""
    rng = np.random.default_rng(9)
    nick = {"given": "nicholas", "sur": "lloyd", "year": 1630, "place": "flintshire"}
    lone = [_row(f"y:{i}", p["given"], p["sur"], p["year"]) for i, p in
            enumerate(_people(400, rng))] + [_row("x:1", "nicholas", "lloyd")]
    frame, labels = _world(lone, [("nick", nick, 15)])
    keep = ~pd.Series(labels).str.match(r"p\d+$").to_numpy()  # drop the 300 six-record people
    res, lab = _run(frame[keep].reset_index(drop=True), labels[keep])
    assert res.skipped and res.n_assigned == 0 and res.alpha >= keep.sum()
    assert (lab == lab["x:1"]).sum() == 1
    assert "a priori more likely a new person" in res.note(0.8)


def test_rare_surname_alone_finds_its_person():
    """'jody dawbarn' with nothing else shares no whole name, year or place with Joseph
    Dawbarn's records; the rare surname alone (few people carry it) makes him a candidate,
    and he is the only one."""
    joe = {"given": "joseph", "sur": "dawbarn", "year": 1856, "place": "rotherham"}
    frame, labels = _world([_row("x:1", "jody", "dawbarn")], [("joe", joe, 10)])
    _, lab = _run(frame, labels)
    assert lab["x:1"] == lab["joe:0"]


def test_fragment_of_two_joins_its_person():
    """Two records the first pass left as a group of their own join the person they match
    as a whole (a group, not only a lone record, is reseated)."""
    nick = {"given": "nicholas", "sur": "lloyd", "year": 1630, "place": "flintshire"}
    frame, labels = _world([], [("nick", nick, 15), ("frag", nick, 2)])
    res, lab = _run(frame, labels)
    assert lab["frag:0"] == lab["frag:1"] == lab["nick:0"]
    assert res.n_groups == 1 and res.n_groups_assigned == 1


def test_namesake_fragment_stays_apart():
    """A group of two with the name of one person but another birth year and place, and a
    group with nothing but a name two people share, both stay groups of their own."""
    a = {"given": "quintus", "sur": "marwood", "year": 1700, "place": "town1"}
    other = {"given": "quintus", "sur": "marwood", "year": 1850, "place": "town2"}
    js1 = {"given": "john", "sur": "smith", "year": 1700, "place": "town3"}
    js2 = {"given": "john", "sur": "smith", "year": 1820, "place": "town4"}
    frame, labels = _world(
        [], [("a", a, 8), ("b", other, 2), ("js1", js1, 6), ("js2", js2, 6)])
    bare = [_row(f"j:{k}", "john", "smith") for k in range(2)]
    frame = pd.DataFrame(frame.to_dict("records") + bare)
    labels = np.concatenate([labels, ["j", "j"]])
    res, lab = _run(frame, labels)
    assert lab["b:0"] == lab["b:1"] and (lab == lab["b:0"]).sum() == 2
    assert lab["j:0"] == lab["j:1"] and (lab == lab["j:0"]).sum() == 2
    assert res.n_groups == 2 and res.n_groups_assigned == 0


def test_fragment_respects_a_reviewed_non_match():
    """A reviewed non-match between a record of the group and a member of the person keeps
    the group apart, though it would join without it."""
    nick = {"given": "nicholas", "sur": "lloyd", "year": 1630, "place": "flintshire"}
    frame, labels = _world([], [("nick", nick, 15), ("frag", nick, 2)])
    _, lab = _run(frame, labels, [("frag:1", "nick:3")])
    assert lab["frag:0"] == lab["frag:1"] and lab["frag:0"] != lab["nick:0"]


def test_no_chain_through_a_moving_group():
    """A lone record that fits a group of two, and the group that fits a person: in one
    sweep only one of the moves is made against the partition it was weighed on; the
    next sweep makes the other, so all end in the person."""
    nick = {"given": "nicholas", "sur": "lloyd", "year": 1630, "place": "flintshire"}
    frame, labels = _world([_row("x:1", "nicholas", "lloyd", 1630)],
                           [("nick", nick, 15), ("frag", nick, 2)])
    res, lab = _run(frame, labels)
    assert lab["x:1"] == lab["frag:0"] == lab["nick:0"]


def test_notes_alike_at_several_thresholds_read_as_one_line():
    from tribunal.linkage.assign import _add_note

    notes = ["prior estimate: left at 0.0001"]
    for t in ("0.8", "0.5", "0.9", "0.8"):
        _add_note(notes, f"at {t}: lone records not matched: reason")
    _add_note(notes, "at 0.95: 3 of 10 lone records joined")
    assert notes == ["prior estimate: left at 0.0001",
                     "at 0.8, 0.5, 0.9: lone records not matched: reason",
                     "at 0.95: 3 of 10 lone records joined"]


# The model's levels with a fuzzy name level, as the trained model has (Jaro-Winkler).
FUZZY = [Field(FIELDS[0].name, FIELDS[0].null_sql, (
    *FIELDS[0].levels[:-1],
    Level('jaro_winkler_similarity("name_key_l", "name_key_r") >= 0.88', 0.1, 5e-4),
    FIELDS[0].levels[-1])), *FIELDS[1:]]


def _run_fuzzy(frame: pd.DataFrame, labels: np.ndarray) -> pd.Series:
    con = duckdb.connect()
    con.register("frame", frame)
    con.execute("CREATE TABLE records AS SELECT * FROM frame")
    res = assign_lone(con, "records", frame["unique_id"], labels, FUZZY)
    return pd.Series(res.labels, index=frame["unique_id"])


def _surname_only(label: str, sur: str, k: int) -> tuple[list[dict], list[str]]:
    return [_row(f"{label}:{j}", None, sur) for j in range(k)], [label] * k


def test_misspelt_element_alone_finds_its_person():
    """'hingest9n' alone shares no key value with the person written 'hingeston' (no
    whole name, element, year or place): one of its one-deletion forms ('hingestn') is one
    of his, so he becomes a candidate and the fuzzy name level places the record. Without
    that key the record had no candidate at all."""
    frame, labels = _world([_row("x:1", None, "hingest9n")])
    rows, labs = _surname_only("h", "hingeston", 10)
    frame = pd.DataFrame(frame.to_dict("records") + rows)
    labels = np.concatenate([labels, labs])
    lab = _run_fuzzy(frame, labels)
    assert lab["x:1"] == lab["h:0"]


def test_misspelt_element_between_two_people_stays_alone():
    """'dawbarx' is one edit from 'dawbarn' and from 'dawbarm', two people of the same
    size: both are candidates, the evidence is split and the record stays alone."""
    frame, labels = _world([_row("x:1", None, "dawbarx")])
    rows_a, labs_a = _surname_only("a", "dawbarn", 8)
    rows_b, labs_b = _surname_only("b", "dawbarm", 8)
    frame = pd.DataFrame(frame.to_dict("records") + rows_a + rows_b)
    labels = np.concatenate([labels, labs_a, labs_b])
    lab = _run_fuzzy(frame, labels)
    assert (lab == lab["x:1"]).sum() == 1
    assert lab["a:0"] != lab["b:0"]


def test_deletion_keys_are_the_one_deletion_neighbourhood():
    """An element of five letters or more gives itself and each form with one letter
    deleted, all of one family (the element); a shorter element gives none."""
    from tribunal.linkage.assign_sql import key_sql

    con = duckdb.connect()
    con.execute("CREATE TABLE r AS SELECT 'a' AS unique_id, ['palner', 'jon'] AS name_tokens")
    keys = con.execute(f"SELECT key, fam FROM ({key_sql('r', {'unique_id', 'name_tokens'}, [])}) "
                       "WHERE key LIKE 'x%'").df()
    word = "palner"
    expected = {"x" + word} | {"x" + word[:i] + word[i + 1:] for i in range(len(word))}
    assert set(keys["key"]) == expected
    assert set(keys["fam"]) == {"epalner"}


def test_a_person_of_many_names_is_likelier_to_carry_one_by_luck():
    """Two people of six records carry the lone record's exact name: one under that name
    alone, the other among six different names (a merged or much-misspelt person). The
    second has six chances to carry a given name by luck, so the agreement weighs less
    there and the record joins the first; were both carrying one name, it stays alone."""
    a = {"given": "ambrose", "sur": "kettleby", "year": 1700, "place": "town1"}
    for varied in (True, False):
        frame, labels = _world([_row("x:1", "ambrose", "kettleby")], [("a", a, 6)])
        names = (["ambrose kettleby"] + [f"ambrose kettleb{c}" for c in "cdfgh"] if varied
                 else ["ambrose kettleby"] * 6)
        extra = [_row(f"b:{j}", *n.split(), 1850 if j % 2 == 0 else None, "town2")
                 for j, n in enumerate(names)]
        frame = pd.DataFrame(frame.to_dict("records") + extra)
        labels = np.concatenate([labels, ["b"] * 6])
        _, lab = _run(frame, labels)
        assert (lab["x:1"] == lab["a:0"]) == varied
        assert lab["x:1"] != lab["b:0"]


def test_values_per_person_counts_distinct_values_and_elements():
    con = duckdb.connect()
    con.execute("""CREATE TABLE v AS SELECT * FROM (VALUES
        (1, 'a b', ['a', 'b']), (1, 'a b', ['a', 'b']), (1, 'a c', ['a', 'c']),
        (2, NULL, NULL), (3, 'd', ['d'])) t(cl, name_key, name_tokens)""")
    d = values_per_person(con, "v", "name_key", False)
    assert d.to_dict() == {1: 2.0, 3: 1.0}
    assert values_per_person(con, "v", "name_tokens", True).to_dict() == {1: 3.0, 3: 1.0}
