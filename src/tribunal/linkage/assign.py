"""A second pass: records left alone are matched against whole people, not single records.

A record with a common-looking name and little else rarely reaches the threshold with any
single record of its person, even when that person has fifteen records with the same name:
the pairwise prior is tiny and term frequencies counted over records make a name carried by
one prolific person look common. After the first clustering each lone record, and each
group of two records (a fragment the first pass split off a person), is therefore compared
with each candidate *cluster* as a whole:

- candidates are the clusters sharing a blocking key with the record (the model's keys,
  and one value alone: a name element, an element's skeleton or one-deletion forms, a
  birth date, a place),
  keys carried by more than :data:`CROWDED` people giving none (assign_sql.key_sql);
- per comparison, the best level the record reaches with any member (a record agreeing on
  name with one member and on place with another gets both); for a group, the best over
  all pairs of its records and the members;
- the likelihood ratio of that level is m/u', with m the trained model's m. u' is the
  chance that a *different person* reaches it: for levels testing equality of one key or
  a shared element of one array (exact name, canonical key, skeleton, place, birth date,
  attributes), ``1 - (1 - q)^d`` with q the record's value's share of all (person,
  value) pairs of the key and d the candidate's distinct values of it (Winkler 1988's
  frequency-based weights, counted over people instead of records: for a person of
  average d about the share of people carrying the value, for one of many spellings
  more, as each is a chance to carry the value by luck); for
  other levels ``1 - (1 - u)^d`` from the model's pairwise u, with d the cluster's
  distinct values times the group's (each pair of distinct values is a chance to agree by
  luck); for a group, the commonest value among its records reaching the level. Missing
  values are neutral.
- the prior is the exchangeable-sequences-of-clusters (ESC) prior for microclustering of
  Betancourt, Zanella & Steorts ("Random partition models for microclustering tasks",
  JASA 117, 2022), with negative binomial sizes (ESC-NB): the record joins cluster C of
  n_C records with prior weight (n_C + r) p and starts a new person with weight
  (K + 1) mu(1), where mu = NB(r, p) truncated at zero is fitted by maximum likelihood to
  the sizes of the K clusters the sweep starts from (:func:`tribunal.linkage.partition_priors.esc_log_weights`). Records are
  thus assigned to latent people, as in Bayesian entity resolution (Steorts, Hall &
  Fienberg, JASA 111, 2016), under a partition prior whose clusters stay small as the
  list grows (the microclustering property, Zanella et al., "Flexible models for
  microclustering", NeurIPS 2016), unlike the Chinese restaurant process (weight n_C
  against a concentration alpha fitted to the number of people): its weights follow the
  sizes people have (on historical_50k it left about 200 fewer people at pairwise
  precision 0.928 against the CRP's 0.930, B-cubed F1 0.964 against 0.962). The step
  is a Gibbs-style reassignment of the lone records and groups only, in sweeps until one
  moves nothing (at most :data:`SWEEPS`), the prior refitted before each. A group has the prior weight of one record:
  seating its records one by one would weigh about n_C^s, the rich-get-richer growth that
  Zanella et al. find unsuited to entity resolution, and it joined most groups of three
  to the wrong person.

The record joins its most probable cluster when that posterior exceeds one half, i.e. it is
more likely than every alternative together (new person and all other candidates), so a
record that fits two namesakes equally stays alone. Lone records and groups join clusters
of two or more records only; within a sweep a group that receives another does not move
and one that moves receives none, so each join is weighed against the partition it is
made on and no chain of moves bridges two people. Two lone records are left to the
pairwise model, whose comparison of them is the same.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from tribunal.linkage.assign_sql import (
    Field,
    fields_from_linker,
    key_sql,
    pair_gamma_sql,
    people_carrying,
    values_per_person,
)
from tribunal.linkage.capture import first_appearance
from tribunal.linkage.partition_priors import crp_alpha, esc_log_weights

# A blocking key shared with more than this many people gives no candidates: the record
# cannot be placed by it, and a lone record whose exact name is that crowded stays alone.
# A lone record is compared with at most this many clusters (those sharing the rarest keys).
CROWDED = 20
# Members of a candidate cluster compared with the lone record (a sample of bigger ones).
PROFILE = 100
# Groups of at most this many records are matched as a unit against whole people: the
# fragments a first pass splits off a person (a record with a variant name and its copy).
# Larger groups are established people, whether two of them are one is left to the
# pairwise evidence between them (tribunal.linkage.capture.cluster_labels): the best level
# per field over s x n pairs grows likelier by luck with s, and with groups of three
# pairwise precision on historical_50k fell from 0.930 to 0.921.
SMALL = 2
# Reseating sweeps, until one moves nothing: each moves groups against the partition the
# last left (a lone record whose candidate fragment has since joined its person) under the
# prior refitted to it, until partition and prior agree. A cap on the cost: on
# historical_50k the sixth moved nothing.
SWEEPS = 10
# Packs a level and -log u' into one sortable number (-log u' stays below it).
_RANK = 1000.0


@dataclass
class AssignResult:
    """New labels and what the pass did."""

    labels: np.ndarray
    n_lone: int
    n_assigned: int
    alpha: float
    skipped: bool = False  # alpha >= records: a new person is a priori the likelier
    n_groups: int = 0  # groups of 2..SMALL records
    n_groups_assigned: int = 0

    def note(self, threshold: float) -> str:
        if self.skipped:
            return (f"at {threshold:g}: lone records not matched against whole people: "
                    "the first pass finds about one person per record, so a lone record "
                    "is a priori more likely a new person than anyone's")
        groups = "two records" if SMALL == 2 else f"2 to {SMALL} records"
        return (f"at {threshold:g}: {self.n_assigned} of {self.n_lone} lone records joined "
                f"a person as a whole, and {self.n_groups_assigned} of {self.n_groups} groups "
                f"of {groups} (ESC prior)")


def _u_prime(f: Field, gamma: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Chance that a different person with d distinct values reaches exactly level gamma
    with some member: P(best >= g) = 1 - (1 - U(>= g))^d, differenced."""
    u = np.array([lv.u for lv in f.levels][::-1], dtype=float)  # index = gamma
    u = u / u.sum()
    at_least = np.cumsum(u[::-1])[::-1]  # U(>= g)
    d = np.maximum(d, 1)
    ge = 1 - (1 - at_least[gamma]) ** d
    top = len(u) - 1
    above = np.where(gamma < top, 1 - (1 - at_least[np.minimum(gamma + 1, top)]) ** d, 0.0)
    return np.maximum(ge - above, 1e-12)


def assign_lone(
    con: Any,
    table: str,
    ids: pd.Series,
    labels: np.ndarray,
    fields: Sequence[Field],
    *,
    selective: Sequence[str] = (),
    cannot_link: pd.DataFrame | None = None,
    reuse: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
) -> AssignResult:
    """Move each record alone in ``labels`` into the cluster it most probably belongs to,
    when that posterior is above one half (see the module docstring for the method).

    ``table`` is a DuckDB table of standard records (``unique_id`` and the model's
    columns) and ``ids``/``labels`` give each record's first-pass cluster. Lone records
    and groups of at most :data:`SMALL` records choose among clusters of two or more
    records, all at once against the partition of the sweep (a Gibbs sweep reseating them
    against the rest); two lone records are left to the pairwise model, whose comparison
    of them is the same.

    ``cannot_link`` (``unique_id_l``, ``unique_id_r``: reviewed non-matches) rules out
    every person holding a record cannot-linked to a record of the group, and two groups
    holding a cannot-linked pair never join the same person.
    Skipped when the CRP's alpha (kept as a cheap gate) is at least the number of records (the first pass finds more than
    ln 2 = 0.69 people per record): a lone record is then a priori more likely a new person
    than a member of all existing people together.
    ``reuse`` keeps the pair comparisons of an earlier call on the same ``table`` and
    ``con`` (another threshold of the same run): they do not depend on the clustering.
    """
    if not reuse:
        con.execute("DROP TABLE IF EXISTS _asg_g")
    codes = first_appearance(labels)
    size = np.bincount(codes)
    n_lone = int((size == 1).sum())
    n_groups = int(((size > 1) & (size <= SMALL)).sum())
    alpha = crp_alpha(len(codes), len(size))
    if n_lone + n_groups == 0:
        return AssignResult(codes, n_lone, 0, alpha)
    if alpha >= len(codes):
        # The prior odds of joining any existing person, (N-1)/alpha, are below one: the
        # first pass says most records start a new person (lists with few records per
        # person), where the pairwise model already compared each lone record with the
        # few records of its candidates, and the pass would cost much and place few.
        return AssignResult(codes, n_lone, 0, alpha, skipped=True)
    lone_moved = groups_moved = 0
    for _ in range(SWEEPS):
        # the prior is fitted again to the sizes of the partition each sweep starts from
        codes, lone, groups = _reseat(con, table, pd.Series(ids).to_numpy(), codes, fields,
                                      selective, cannot_link)
        lone_moved += lone
        groups_moved += groups
        if not lone + groups:
            break
    if on_progress:
        on_progress(1, 1)
    return AssignResult(codes, n_lone, lone_moved, alpha, n_groups=n_groups,
                        n_groups_assigned=groups_moved)


def _reseat(con: Any, table: str, ids: np.ndarray, codes: np.ndarray,
            fields: Sequence[Field], selective: Sequence[str],
            cannot_link: pd.DataFrame | None) -> tuple[np.ndarray, int, int]:
    """One parallel reseating of the small groups (lone records and groups of at most
    :data:`SMALL` records); returns new labels and the lone records and groups moved."""
    size = np.bincount(codes)
    n_people = len(size)
    # pos (the record's place in the lists) draws the sample of a big person's members:
    # a record id would draw another sample when a list is renamed
    frame = pd.DataFrame({"unique_id": ids, "cl": codes, "n": size[codes],
                          "pos": np.arange(len(ids))})
    con.register("_asg_lab_df", frame)
    con.execute("CREATE OR REPLACE TEMP TABLE _asg_lab AS SELECT * FROM _asg_lab_df")
    con.unregister("_asg_lab_df")
    view = "_asg_v"
    con.execute(f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT t.*, a.cl, a.n "
                f"FROM {table} t JOIN _asg_lab a USING (unique_id)")
    columns = {r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()}
    sel = [c for c in selective if c in columns]
    con.execute(f"""CREATE OR REPLACE TEMP VIEW _asg_lone AS SELECT t.* FROM {table} t
        JOIN _asg_lab a USING (unique_id) WHERE a.n <= {SMALL}""")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _asg_lk AS
        SELECT k.unique_id, a.cl, k.key, k.fam FROM ({key_sql('_asg_lone', columns, sel)}) k
        JOIN _asg_lab a USING (unique_id)""")
    # keys of the records of clusters of two or more, kept where a small group has them
    con.execute(f"""CREATE OR REPLACE TEMP VIEW _asg_many AS SELECT t.* FROM {table} t
        JOIN _asg_lab a USING (unique_id) WHERE a.n > 1""")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _asg_mk AS
        SELECT k.unique_id, a.cl, a.n, k.key FROM ({key_sql('_asg_many', columns, sel)}) k
        JOIN _asg_lab a USING (unique_id) WHERE k.key IN (SELECT key FROM _asg_lk)""")
    con.execute("""CREATE OR REPLACE TEMP TABLE _asg_ok AS
        SELECT key, count(DISTINCT cl) - 1 AS people FROM (
          SELECT key, cl FROM _asg_mk UNION ALL SELECT key, cl FROM _asg_lk)
        GROUP BY key""")
    # A key shared by a crowd of people gives no candidates, and a group holding a record
    # whose exact name is that crowded is not placed (its rivals could not all be
    # compared). Of the rest, the clusters whose shared keys are rarest among people are
    # candidates: each key weighs log(people / people carrying it), the TF-IDF weighting
    # of canopy clustering for reference matching (McCallum, Nigam & Ungar, KDD 2000), so
    # one shared rare surname outranks a shared town and a shared common given name.
    # A name element and its one-deletion forms are one piece of evidence: per element
    # the rarest key it shares counts, so a misspelt element ranks as its spelling's
    # neighbour would and a shared one is not counted once per deletion form.
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _asg_cand AS
        SELECT u, cl_r FROM (
          SELECT u, cl_r, row_number() OVER (
            PARTITION BY u ORDER BY sum(w) DESC, max(n) DESC, cl_r) AS rank
          FROM (SELECT u, cl_r, fam, max(ln({n_people} / (people + 1))) AS w, max(n) AS n
            FROM (SELECT DISTINCT lk.cl AS u, mk.cl AS cl_r, key, lk.fam, o.people, mk.n
              FROM _asg_lk lk JOIN _asg_ok o USING (key) JOIN _asg_mk mk USING (key)
              WHERE o.people <= {CROWDED} AND mk.cl <> lk.cl
                AND lk.cl NOT IN (SELECT cl FROM _asg_lk JOIN _asg_ok USING (key)
                                  WHERE key LIKE 'k%' AND people > {CROWDED}))
            GROUP BY u, cl_r, fam)
          GROUP BY u, cl_r)
        WHERE rank <= {CROWDED}""")
    # every record of the group against every member of each candidate (a sample of big ones)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _asg_pairs AS
        SELECT c.u, l.unique_id AS id_l, m.unique_id AS id_r, c.cl_r FROM _asg_cand c
        JOIN _asg_lab l ON l.cl = c.u JOIN (
          SELECT unique_id, cl, row_number() OVER (
            PARTITION BY cl ORDER BY hash(pos), pos) AS k
          FROM _asg_lab WHERE cl IN (SELECT cl_r FROM _asg_cand)) m
        ON m.cl = c.cl_r WHERE m.k <= {PROFILE}""")
    # comparisons of a record pair do not depend on the clustering: computed once
    con.execute(f"CREATE TEMP TABLE IF NOT EXISTS _asg_g AS "
                f"{pair_gamma_sql('_asg_pairs', table, fields)} LIMIT 0")
    con.execute("""CREATE OR REPLACE TEMP TABLE _asg_new AS SELECT DISTINCT id_l, id_r
        FROM _asg_pairs ANTI JOIN _asg_g USING (id_l, id_r)""")
    con.execute(f"INSERT INTO _asg_g {pair_gamma_sql('_asg_new', table, fields)}")
    gmax = ", ".join(f"max(g.g_{i}) AS g_{i}" for i in range(len(fields)))
    best = con.execute(f"""SELECT p.u, p.id_l, p.cl_r, {gmax} FROM _asg_pairs p
        JOIN _asg_g g USING (id_l, id_r) GROUP BY p.u, p.id_l, p.cl_r
        ORDER BY p.u, p.id_l, p.cl_r""").df()  # a fixed order: the posterior sums over rows
    if best.empty:
        return codes, 0, 0
    dsel = ", ".join(
        f"count(DISTINCT CASE WHEN {' AND '.join(f'{c} IS NOT NULL' for c in f.null_columns) or 'TRUE'} "
        f"THEN concat_ws('|', {', '.join(f'CAST({c} AS VARCHAR)' for c in f.columns)}) END)"
        f" AS d_{i}" for i, f in enumerate(fields))
    dist = con.execute(f"""SELECT cl AS cl_r, {dsel} FROM {view}
        WHERE cl IN (SELECT DISTINCT cl_r FROM _asg_cand) GROUP BY cl""").df()
    best = best.merge(dist, on="cl_r", how="left")
    # the group's own distinct values: each is one more chance for another person to agree
    own = con.execute(f"""SELECT cl AS u, {dsel.replace(" AS d_", " AS e_")} FROM {view}
        WHERE cl IN (SELECT DISTINCT u FROM _asg_cand) GROUP BY cl""").df()
    best = best.merge(own, on="u", how="left")
    for tmp in ("_asg_lk", "_asg_mk", "_asg_ok", "_asg_cand", "_asg_pairs", "_asg_new"):
        con.execute(f"DROP TABLE IF EXISTS {tmp}")  # free memory; only _asg_g is reused
    lone_ids = best["id_l"].to_numpy()
    cache: dict[tuple[str, bool], tuple[pd.Series, pd.Series]] = {}
    # Per record of a group: the level reached and -log u' of that level (key u' from the
    # people carrying the record's own value). Per group and field, the best level over
    # its records wins, and among records reaching it the one with the commonest value.
    per: dict[str, np.ndarray] = {"u": best["u"].to_numpy(), "cl_r": best["cl_r"].to_numpy()}
    for i, f in enumerate(fields):
        g = best[f"g_{i}"].to_numpy().astype(int)
        ok = g >= 0
        gg = np.where(ok, g, 0)
        # the person's and the group's distinct values: d x e chances to agree by luck
        d = (best[f"d_{i}"].fillna(1).to_numpy()
             * np.maximum(best[f"e_{i}"].fillna(1).to_numpy(), 1))
        u = _u_prime(f, gg, d)
        for k, lv in enumerate(f.levels):
            at = ok & (g == len(f.levels) - 1 - k)
            key = lv.key
            if not at.any() or key is None or key[0] not in columns:
                continue
            if key not in cache:
                cache[key] = (people_carrying(con, view, *key, small=SMALL),
                              values_per_person(con, view, *key))
            people, slots = cache[key]
            # a person carrying d distinct values has d chances to carry the record's:
            # q is the value's share of all (person, value) slots
            q = np.maximum(people.reindex(lone_ids[at]).fillna(1).to_numpy(), 1) / max(
                float(slots.sum()), 1.0)
            dc = slots.reindex(best["cl_r"].to_numpy()[at]).fillna(1).to_numpy()
            u[at] = -np.expm1(dc * np.log1p(-np.minimum(q, 1 - 1e-12)))
        per[f"s_{i}"] = g * _RANK + (_RANK - 1 - np.minimum(-np.log(u), _RANK - 1))
    unit = pd.DataFrame(per).groupby(["u", "cl_r"], sort=False).max().reset_index()
    # ESC prior weight of one record, for a group too: a group is one observation of its
    # person. (Seating its s records one by one multiplies s weights, the growth of large
    # clusters that suits entity resolution badly: Zanella et al. 2016; measured under the
    # CRP, it joined most groups of three to the wrong person.)
    log_join, log_new = esc_log_weights(size)
    logw = log_join[size[unit["cl_r"].to_numpy()]]
    for i, f in enumerate(fields):
        score = unit[f"s_{i}"].to_numpy()
        g = np.floor(score / _RANK).astype(int)
        ok = g >= 0
        m = np.array([lv.m for lv in f.levels][::-1], dtype=float)  # index = gamma
        m = m / m.sum()
        minus_log_u = _RANK - 1 - (score - g * _RANK)
        logw += np.where(ok, np.log(m[np.where(ok, g, 0)]) + minus_log_u, 0.0)
    out = pd.DataFrame({"u": unit["u"].to_numpy(), "cl_r": unit["cl_r"].to_numpy(),
                        "logw": logw})
    return _apply(out, ids, codes, log_new, cannot_link)


def _posterior(best: pd.DataFrame, log_new: float) -> np.ndarray:
    """P(group joins this candidate): prior weight times likelihood ratio, against all its
    candidates and a new person (log prior weight ``log_new``)."""
    top = best.groupby("u")["logw"].transform("max").to_numpy()
    shift = np.maximum(top, log_new)
    w = np.exp(best["logw"].to_numpy() - shift)
    total = pd.Series(w).groupby(best["u"].to_numpy()).transform("sum").to_numpy()
    return w / (total + np.exp(log_new - shift))


def _apply(best: pd.DataFrame, ids: np.ndarray, codes: np.ndarray, log_new: float,
           cannot_link: pd.DataFrame | None = None) -> tuple[np.ndarray, int, int]:
    """MAP moves of small groups whose best candidate has posterior above 1/2; returns
    labels and the lone records and groups moved."""
    from tribunal.linkage.constraints import index_pairs

    ca, cb = index_pairs(pd.Index(ids), cannot_link)
    partner: dict[int, set[int]] = {}
    if len(ca):
        # a reviewed non-match between the group and a member rules the person out
        ga, gb = codes[ca], codes[cb]
        banned = pd.MultiIndex.from_arrays([np.r_[ga, gb], np.r_[gb, ga]])
        keys = pd.MultiIndex.from_arrays([best["u"].to_numpy(), best["cl_r"].to_numpy()])
        best = best[~keys.isin(banned)].copy()
        for a, b in zip(ga.tolist(), gb.tolist(), strict=True):
            partner.setdefault(a, set()).add(b)
            partner.setdefault(b, set()).add(a)
        if best.empty:
            return codes, 0, 0
    best = best.assign(post=_posterior(best, log_new))
    win = best.loc[best.groupby("u")["post"].idxmax()]
    win = win[win["post"] > 0.5].sort_values(["post", "u"], ascending=[False, True])
    # Most probable first. A group that receives another does not move, and one that moves
    # receives none: every join is one decision against the partition it was weighed on,
    # so no chain of moves bridges two people. Of two groups holding a cannot-linked pair,
    # only the more probable joins a given person.
    target = np.arange(len(np.bincount(codes)))
    moved: set[int] = set()
    received: set[int] = set()
    for u, c in zip(win["u"].tolist(), win["cl_r"].tolist(), strict=True):
        if u in received or c in moved or any(target[o] == c for o in partner.get(u, ())):
            continue
        target[u] = c
        moved.add(u)
        received.add(c)
    size = np.bincount(codes)
    sizes = size[list(moved)] if moved else np.zeros(0, dtype=int)
    return (pd.factorize(target[codes])[0], int((sizes == 1).sum()),
            int((sizes > 1).sum()))


def lone_refiner(con: Any, table: str, ids: pd.Series, model: Any,
                 selective: Sequence[str] = (), notes: list[str] | None = None,
                 cannot_link: pd.DataFrame | None = None,
                 ) -> Callable[[np.ndarray, float], np.ndarray]:
    """A second pass for :func:`tribunal.linkage.capture.cluster` and ``sensitivity_band``:
    labels at a threshold -> labels with lone records placed (see :func:`assign_lone`).
    ``model`` is the trained model (``.linker``); what each threshold did goes to
    ``notes``; ``cannot_link`` pairs are respected. Results are kept per partition, so
    asking twice costs nothing."""
    fields = fields_from_linker(model.linker)
    done: dict[bytes, AssignResult] = {}

    def refine(labels: np.ndarray, threshold: float) -> np.ndarray:
        # thresholds that give the same partition give the same answer
        codes = first_appearance(labels)
        key = codes.tobytes()
        if key not in done:
            done[key] = assign_lone(con, table, ids, codes, fields, selective=selective,
                                    cannot_link=cannot_link, reuse=bool(done))
        res = done[key]
        if notes is not None:
            _add_note(notes, res.note(threshold))
        return res.labels

    return refine


def _add_note(notes: list[str], note: str) -> None:
    """Add ``note`` ("at T: text") to ``notes``, merged into an earlier note of the same
    text ("at T1, T2: text") so that five thresholds skipped alike read as one line."""
    head, _, text = note.partition(": ")
    for i, old in enumerate(notes):
        old_head, _, old_text = old.partition(": ")
        if old_text == text and old_head.startswith("at "):
            if head.removeprefix("at ") not in old_head.removeprefix("at ").split(", "):
                notes[i] = f"{old_head}, {head.removeprefix('at ')}: {text}"
            return
    notes.append(note)
