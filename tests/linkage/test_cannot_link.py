"""Reviewed non-matches are cannot-link constraints: no path may join the two records."""

import numpy as np
import pandas as pd

from tribunal.linkage.capture import apply_decisions, cluster, cluster_labels, sensitivity_band
from tribunal.linkage.constraints import cannot_link_pairs, constrained_components
from tribunal.linkage.review import load_decisions, record_decision

COLS = ["unique_id_l", "unique_id_r", "match_probability"]


def _pairs(rows):
    return pd.DataFrame(rows, columns=COLS)


def _apart(labels, ids, x, y):
    return labels[ids.index(x)] != labels[ids.index(y)]


def test_non_match_holds_against_a_path_through_a_third_record(tmp_path):
    ids = ["a", "b", "c"]
    records = pd.DataFrame({"unique_id": ids})
    pairs = _pairs([("a", "c", 0.9995), ("c", "b", 0.999)])
    path = tmp_path / "d.csv"
    record_decision(path, "a", "b", "non-match", "reviewer")
    decisions = load_decisions(path)
    scored = apply_decisions(pairs, decisions)
    # cutting the a-b edge alone leaves the path a-c-b: one person
    assert cluster(records, scored, 0.8).nunique() == 1
    # as a constraint the stronger pair (a-c) is taken, the merge with b refused
    lab = cluster(records, scored, 0.8, cannot_link=cannot_link_pairs(decisions)).to_list()
    assert lab[0] == lab[2] != lab[1]


def test_support_merge_refused_for_cannot_linked_groups():
    # two people of three records each, linked by enough moderate pairs to merge (step 2)
    ids = [f"a{i}" for i in range(3)] + [f"b{i}" for i in range(3)]
    records = pd.DataFrame({"unique_id": ids})
    inner = [(f"{g}{i}", f"{g}{i + 1}", 0.999) for g in "ab" for i in range(2)]
    bridge = [("a0", "b0", 0.9), ("a1", "b1", 0.9)]
    pairs = _pairs(inner + bridge)
    assert cluster(records, pairs, 0.8).nunique() == 1
    cannot = pd.DataFrame({"unique_id_l": ["a2"], "unique_id_r": ["b2"]})
    lab = cluster_labels(records, pairs, 0.8, cannot_link=cannot)
    assert len(set(lab)) == 2 and _apart(lab, ids, "a0", "b0")


def test_lone_record_attaches_to_the_best_person_it_may_join():
    ids = ["a", "b", "c", "d", "x"]
    records = pd.DataFrame({"unique_id": ids})
    pairs = _pairs([("a", "b", 0.999), ("c", "d", 0.999), ("x", "a", 0.7), ("x", "c", 0.6)])
    lab = cluster_labels(records, pairs, 0.95)
    assert lab[4] == lab[0]  # best partner a
    cannot = pd.DataFrame({"unique_id_l": ["x"], "unique_id_r": ["b"]})
    lab = cluster_labels(records, pairs, 0.95, cannot_link=cannot)
    assert lab[4] == lab[2] != lab[0]  # next best: c's person
    # two lone records that cannot be one person never attach to the same person
    pairs2 = _pairs([("a", "b", 0.999), ("x", "a", 0.7), ("c", "a", 0.6)])
    cannot2 = pd.DataFrame({"unique_id_l": ["x"], "unique_id_r": ["c"]})
    lab = cluster_labels(records, pairs2, 0.95, cannot_link=cannot2)
    assert lab[4] == lab[0] and lab[2] != lab[0]


def test_constraint_holds_at_every_band_threshold_and_reviewed_match_still_joins():
    ids = ["a", "b", "c", "d"]
    records = pd.DataFrame({"unique_id": ids, "source": ["l1", "l2", "l1", "l2"]})
    pairs = _pairs([("a", "c", 0.97), ("c", "b", 0.96), ("b", "d", 0.6)])
    decisions = pd.DataFrame({"unique_id_l": ["a", "c"], "unique_id_r": ["b", "d"],
                              "decision": ["non-match", "match"]})
    scored = apply_decisions(pairs, decisions)
    cannot = cannot_link_pairs(decisions)
    for row in sensitivity_band(records, scored, [0.5, 0.8, 0.95, 0.99], ["l1", "l2"],
                                cannot_link=cannot):
        lab = cluster_labels(records, scored, row.threshold, cannot_link=cannot)
        assert _apart(lab, ids, "a", "b"), row.threshold
        assert not _apart(lab, ids, "c", "d"), row.threshold  # reviewed match joins


def test_components_without_conflict_are_plain_components():
    rng = np.random.default_rng(3)
    a, b = rng.integers(0, 200, 300), rng.integers(0, 200, 300)
    w = rng.random(300)
    none = np.zeros(0, dtype=np.int64)
    plain = constrained_components(200, a, b, w, none, none)
    # a constraint between two components that never meet changes nothing
    x = int(np.flatnonzero(plain == plain[a[0]])[0])
    y = int(np.flatnonzero(plain != plain[a[0]])[0])
    same = constrained_components(200, a, b, w, np.array([x]), np.array([y]))
    assert np.array_equal(np.unique(plain, return_inverse=True)[1], same)
    # a constraint inside a component splits it, and the two ends end up apart
    big = np.bincount(plain).argmax()
    members = np.flatnonzero(plain == big)
    split = constrained_components(200, a, b, w, members[:1], members[-1:])
    assert split[members[0]] != split[members[-1]]
    assert len(set(split)) > len(set(plain))


def test_contradicting_decisions_keep_the_non_match_and_warn():
    from tribunal.linkage.constraints import contradicted_matches

    records = pd.DataFrame({"unique_id": ["a", "b", "c"]})
    decisions = pd.DataFrame({"unique_id_l": ["a", "b", "a"], "unique_id_r": ["b", "c", "c"],
                              "decision": ["match", "match", "non-match"]})
    scored = apply_decisions(_pairs([]), decisions)
    person = cluster(records, scored, 0.8, cannot_link=cannot_link_pairs(decisions))
    assert person[0] != person[2] and person.nunique() == 2
    (warning,) = contradicted_matches(decisions, records["unique_id"], person)
    assert warning.startswith("1 reviewed match(es) kept apart")
    assert contradicted_matches(decisions.iloc[:2], records["unique_id"],
                                cluster(records, scored, 0.8)) == []
