"""A second pass: records left alone are matched against whole people, not single records.

A record with a common-looking name and little else rarely reaches the threshold with any
single record of its person, even when that person has fifteen records with the same name:
the pairwise prior is tiny and term frequencies counted over records make a name carried by
one prolific person look common. After the first clustering each lone record is therefore
compared with each candidate *cluster* as a whole:

- per comparison, the best level the record reaches with any member (a record agreeing on
  name with one member and on place with another gets both);
- the likelihood ratio of that level is m/u', with m the trained model's m. u' is the
  chance that a *different person* reaches it: for levels testing equality of one key or
  a shared element of one array (exact name, canonical key, skeleton, place, birth date,
  attributes), the share of people (first-pass clusters) carrying the record's value
  (Winkler 1988's frequency-based weights, counted over people instead of records); for
  other levels ``1 - (1 - u)^d`` from the model's pairwise u, with d the cluster's
  distinct values. Missing values are neutral.
- the prior is a Chinese restaurant process (Blackwell & MacQueen 1973; Aldous 1985): the
  record joins cluster C with prior weight n_C and starts a new person with weight alpha,
  where alpha solves E[number of people] = sum_i alpha/(alpha+i) for the first-pass count.
  Records are thus assigned to latent people, as in Bayesian entity resolution (Steorts,
  Hall & Fienberg, JASA 111, 2016), under the Dirichlet-process partition prior discussed
  for entity resolution by Zanella et al. ("Flexible models for microclustering",
  NeurIPS 2016); the step is one Gibbs-style reassignment, at the first-pass partition,
  of the lone records only.

The record joins its most probable cluster when that posterior exceeds one half, i.e. it is
more likely than every alternative together (new person and all other candidates), so a
record that fits two namesakes equally stays alone. Lone records join clusters of two or
more records only, each at most once, so no chain can bridge two people; two lone records
are left to the pairwise model, whose comparison of them is the same.
"""

from __future__ import annotations

import math
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
)
from tribunal.linkage.capture import connected_components

# A blocking key shared with more than this many people gives no candidates: the record
# cannot be placed by it, and a lone record whose exact name is that crowded stays alone.
# A lone record is compared with at most this many clusters (those sharing most keys).
CROWDED = 20
# Members of a candidate cluster compared with the lone record (a sample of bigger ones).
PROFILE = 100


@dataclass
class AssignResult:
    """New labels and what the pass did."""

    labels: np.ndarray
    n_lone: int
    n_assigned: int
    alpha: float
    skipped: bool = False  # alpha >= records: a new person is a priori the likelier

    def note(self, threshold: float) -> str:
        if self.skipped:
            return (f"at {threshold:g}: lone records not matched against whole people: "
                    f"CRP alpha {self.alpha:.0f} exceeds the records, so a lone record is a "
                    "priori more likely a new person than anyone's")
        return (f"at {threshold:g}: {self.n_assigned} of {self.n_lone} lone records joined "
                f"a person as a whole (CRP alpha {self.alpha:.0f})")


def crp_alpha(n_records: int, n_people: int) -> float:
    """Concentration alpha of a Chinese restaurant process expecting ``n_people`` tables
    after ``n_records`` customers: solves sum_{i<n} alpha/(alpha+i) = k (Antoniak 1974)."""
    from scipy.special import digamma

    n, k = int(n_records), int(n_people)
    if k <= 1:
        return 1e-9
    if k >= n:
        return 1e12

    def expected(a: float) -> float:
        return a * (digamma(a + n) - digamma(a))

    lo, hi = 1e-9, 1.0
    while expected(hi) < k:
        hi *= 2
    for _ in range(100):
        mid = math.sqrt(lo * hi)
        lo, hi = (mid, hi) if expected(mid) < k else (lo, mid)
    return math.sqrt(lo * hi)


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
    choose among clusters of two or more records, all at once against the first-pass
    partition (as a Gibbs sweep reseating them against the rest); two lone records are
    left to the pairwise model, whose comparison of them is the same.

    ``cannot_link`` (``unique_id_l``, ``unique_id_r``: reviewed non-matches) rules out
    every person holding a record cannot-linked to the lone record, and two cannot-linked
    lone records never join the same person.
    Skipped when alpha is at least the number of records (the first pass finds more than
    ln 2 = 0.69 people per record): a lone record is then a priori more likely a new person
    than a member of all existing people together.
    ``reuse`` keeps the pair comparisons of an earlier call on the same ``table`` and
    ``con`` (another threshold of the same run): they do not depend on the clustering.
    """
    if not reuse:
        con.execute("DROP TABLE IF EXISTS _asg_g")
    codes = pd.factorize(np.asarray(labels))[0]
    size = np.bincount(codes)
    n_lone = int((size == 1).sum())
    alpha = crp_alpha(len(codes), len(size))
    if n_lone == 0:
        return AssignResult(codes, n_lone, 0, alpha)
    if alpha >= len(codes):
        # The prior odds of joining any existing person, (N-1)/alpha, are below one: the
        # first pass says most records start a new person (lists with few records per
        # person), where the pairwise model already compared each lone record with the
        # few records of its candidates, and the pass would cost much and place few.
        return AssignResult(codes, n_lone, 0, alpha, skipped=True)
    codes, moved = _reseat(con, table, pd.Series(ids).to_numpy(), codes, fields, alpha,
                           selective, cannot_link)
    if on_progress:
        on_progress(1, 1)
    return AssignResult(codes, n_lone, moved, alpha)


def _reseat(con: Any, table: str, ids: np.ndarray, codes: np.ndarray,
            fields: Sequence[Field], alpha: float, selective: Sequence[str],
            cannot_link: pd.DataFrame | None) -> tuple[np.ndarray, int]:
    """One parallel reseating of the lone records; returns new labels and moves made."""
    size = np.bincount(codes)
    n_people = len(size)
    frame = pd.DataFrame({"unique_id": ids, "cl": codes, "n": size[codes]})
    con.register("_asg_lab_df", frame)
    con.execute("CREATE OR REPLACE TEMP TABLE _asg_lab AS SELECT * FROM _asg_lab_df")
    con.unregister("_asg_lab_df")
    view = "_asg_v"
    con.execute(f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT t.*, a.cl, a.n "
                f"FROM {table} t JOIN _asg_lab a USING (unique_id)")
    columns = {r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()}
    sel = [c for c in selective if c in columns]
    con.execute(f"""CREATE OR REPLACE TEMP VIEW _asg_lone AS SELECT t.* FROM {table} t
        JOIN _asg_lab a USING (unique_id) WHERE a.n = 1""")
    con.execute(f"CREATE OR REPLACE TEMP TABLE _asg_lk AS {key_sql('_asg_lone', columns, sel)}")
    # keys of the records of clusters of two or more, kept where a lone record has them
    con.execute(f"""CREATE OR REPLACE TEMP VIEW _asg_many AS SELECT t.* FROM {table} t
        JOIN _asg_lab a USING (unique_id) WHERE a.n > 1""")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _asg_mk AS
        SELECT k.unique_id, a.cl, a.n, k.key FROM ({key_sql('_asg_many', columns, sel)}) k
        JOIN _asg_lab a USING (unique_id) WHERE k.key IN (SELECT key FROM _asg_lk)""")
    con.execute("""CREATE OR REPLACE TEMP TABLE _asg_ok AS
        SELECT key, sum(k) - 1 AS people FROM (
          SELECT key, count(DISTINCT cl) AS k FROM _asg_mk GROUP BY key
          UNION ALL SELECT key, count(DISTINCT unique_id) FROM _asg_lk GROUP BY key)
        GROUP BY key""")
    # A key shared by a crowd of people gives no candidates, and a lone record whose exact
    # name is that crowded is not placed (its rivals could not all be compared). Of the
    # rest, the clusters sharing most keys with the record are its candidates.
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _asg_cand AS
        SELECT id_l, cl_r FROM (
          SELECT lk.unique_id AS id_l, mk.cl AS cl_r, row_number() OVER (
            PARTITION BY lk.unique_id ORDER BY count(DISTINCT lk.key) DESC,
            max(mk.n) DESC, mk.cl) AS rank
          FROM _asg_lk lk JOIN _asg_ok o USING (key) JOIN _asg_mk mk USING (key)
          WHERE o.people <= {CROWDED}
            AND lk.unique_id NOT IN (SELECT unique_id FROM _asg_lk JOIN _asg_ok USING (key)
                                     WHERE key LIKE 'k%' AND people > {CROWDED})
          GROUP BY lk.unique_id, mk.cl)
        WHERE rank <= {CROWDED}""")
    # the record against every member of each candidate cluster (a sample of big ones)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _asg_pairs AS
        SELECT c.id_l, m.unique_id AS id_r, c.cl_r FROM _asg_cand c JOIN (
          SELECT unique_id, cl, row_number() OVER (
            PARTITION BY cl ORDER BY hash(unique_id)) AS k
          FROM _asg_lab WHERE cl IN (SELECT cl_r FROM _asg_cand)) m
        ON m.cl = c.cl_r WHERE m.k <= {PROFILE}""")
    # comparisons of a record pair do not depend on the clustering: computed once
    con.execute(f"CREATE TEMP TABLE IF NOT EXISTS _asg_g AS "
                f"{pair_gamma_sql('_asg_pairs', table, fields)} LIMIT 0")
    con.execute("""CREATE OR REPLACE TEMP TABLE _asg_new AS SELECT id_l, id_r FROM _asg_pairs
        ANTI JOIN _asg_g USING (id_l, id_r)""")
    con.execute(f"INSERT INTO _asg_g {pair_gamma_sql('_asg_new', table, fields)}")
    gmax = ", ".join(f"max(g.g_{i}) AS g_{i}" for i in range(len(fields)))
    best = con.execute(f"""SELECT p.id_l, p.cl_r, {gmax} FROM _asg_pairs p
        JOIN _asg_g g USING (id_l, id_r) GROUP BY p.id_l, p.cl_r""").df()
    if best.empty:
        return codes, 0
    dsel = ", ".join(
        f"count(DISTINCT CASE WHEN {' AND '.join(f'{c} IS NOT NULL' for c in f.null_columns) or 'TRUE'} "
        f"THEN concat_ws('|', {', '.join(f'CAST({c} AS VARCHAR)' for c in f.columns)}) END)"
        f" AS d_{i}" for i, f in enumerate(fields))
    dist = con.execute(f"""SELECT cl AS cl_r, {dsel} FROM {view}
        WHERE cl IN (SELECT DISTINCT cl_r FROM _asg_cand) GROUP BY cl""").df()
    best = best.merge(dist, on="cl_r", how="left")
    for tmp in ("_asg_lk", "_asg_mk", "_asg_ok", "_asg_cand", "_asg_pairs", "_asg_new"):
        con.execute(f"DROP TABLE IF EXISTS {tmp}")  # free memory; only _asg_g is reused
    lone_ids = best["id_l"].to_numpy()
    cache: dict[tuple[str, bool], pd.Series] = {}
    gam, logu = [], []
    for i, f in enumerate(fields):
        g = best[f"g_{i}"].to_numpy().astype(int)
        ok = g >= 0
        gg = np.where(ok, g, 0)
        u = _u_prime(f, gg, best[f"d_{i}"].fillna(1).to_numpy())
        for k, lv in enumerate(f.levels):
            at = ok & (g == len(f.levels) - 1 - k)
            key = lv.key
            if not at.any() or key is None or key[0] not in columns:
                continue
            if key not in cache:
                cache[key] = people_carrying(con, view, *key)
            people = cache[key]
            u[at] = np.maximum(people.reindex(lone_ids[at]).fillna(1).to_numpy(), 1) / n_people
        gam.append(g)
        logu.append(np.log(u))
    logw = np.log(size[best["cl_r"].to_numpy()].astype(float))
    for i, f in enumerate(fields):
        g = gam[i]
        ok = g >= 0
        m = np.array([lv.m for lv in f.levels][::-1], dtype=float)  # index = gamma
        m = m / m.sum()
        logw += np.where(ok, np.log(m[np.where(ok, g, 0)]) - logu[i], 0.0)
    best["logw"] = logw
    return _apply(best, frame, codes, alpha, cannot_link)


def _posterior(best: pd.DataFrame, alpha: float) -> np.ndarray:
    """P(record joins this candidate): prior weight n_C times likelihood ratio, against
    all its candidates and a new person (weight alpha)."""
    top = best.groupby("id_l")["logw"].transform("max").to_numpy()
    shift = np.maximum(top, math.log(alpha))
    w = np.exp(best["logw"].to_numpy() - shift)
    total = pd.Series(w).groupby(best["id_l"].to_numpy()).transform("sum").to_numpy()
    return w / (total + np.exp(math.log(alpha) - shift))


def _apply(best: pd.DataFrame, frame: pd.DataFrame, codes: np.ndarray, alpha: float,
           cannot_link: pd.DataFrame | None = None) -> tuple[np.ndarray, int]:
    """MAP moves of lone records whose best candidate has posterior above 1/2."""
    from tribunal.linkage.constraints import index_pairs

    index = pd.Index(frame["unique_id"])
    ca, cb = index_pairs(index, cannot_link)
    if len(ca):
        # a reviewed non-match with a member rules the person out (posterior 0)
        banned = pd.MultiIndex.from_arrays([np.r_[frame["unique_id"].to_numpy()[ca],
                                                  frame["unique_id"].to_numpy()[cb]],
                                            np.r_[codes[cb], codes[ca]]])
        keys = pd.MultiIndex.from_arrays([best["id_l"].to_numpy(), best["cl_r"].to_numpy()])
        best = best[~keys.isin(banned)].copy()
        if best.empty:
            return codes, 0
    best["post"] = _posterior(best, alpha)
    win = best.loc[best.groupby("id_l")["post"].idxmax()]
    win = win[win["post"] > 0.5].sort_values("post", ascending=False)
    pos = index.get_indexer(win["id_l"])
    if len(ca):
        # two cannot-linked lone records: the more probable move is made, the other not
        partner: dict[int, list[int]] = {}
        for a, b in zip(ca, cb, strict=True):
            partner.setdefault(int(a), []).append(int(b))
            partner.setdefault(int(b), []).append(int(a))
        joined: dict[int, int] = {}
        keep = np.ones(len(win), dtype=bool)
        for k, (r, c) in enumerate(zip(pos, win["cl_r"].to_numpy(), strict=True)):
            if any(joined.get(o) == c for o in partner.get(int(r), ())):
                keep[k] = False
            else:
                joined[int(r)] = int(c)
        win, pos = win[keep], pos[keep]
    src = codes[pos]
    dst = win["cl_r"].to_numpy()
    n = int(codes.max()) + 1
    comp = connected_components(np.arange(n), src, dst)
    return pd.factorize(comp[codes])[0], len(win)


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
        key = pd.factorize(np.asarray(labels))[0].astype(np.int64).tobytes()
        if key not in done:
            done[key] = assign_lone(con, table, ids, labels, fields, selective=selective,
                                    cannot_link=cannot_link, reuse=bool(done))
        res = done[key]
        if notes is not None and res.note(threshold) not in notes:
            notes.append(res.note(threshold))
        return res.labels

    return refine


def refiner_from_output(out_dir: str | Any, selective: Sequence[str] | None = None
                        ) -> tuple[pd.DataFrame, Callable[[np.ndarray, float], np.ndarray]]:
    """The records and a second-pass refiner rebuilt from a finished run's folder
    (``records/`` and ``model.json``): for re-clustering an earlier run at new thresholds.
    ``selective`` defaults to the attributes the run blocks on (more than 5% distinct
    values, as :func:`tribunal.linkage.link.run_linkage` chooses them); reviewed
    non-matches in the folder's ``decisions.csv`` are respected. Records of protected lists
    whose normalised records were withheld from the folder are missing (as they are from
    its ``pairs.parquet`` and ``clusters.csv``): the records the folder holds are
    re-clustered, a partition of the other lists' records only."""
    import logging
    from pathlib import Path

    import duckdb
    from splink import DuckDBAPI, Linker

    out = Path(out_dir)
    con = duckdb.connect()
    glob = str(out / "records" / "*.parquet").replace("'", "''")
    con.execute(f"CREATE TABLE records AS SELECT * FROM read_parquet('{glob}', "
                "union_by_name = true) ORDER BY source, row")
    records = con.execute("SELECT unique_id, source, row FROM records").df()
    if selective is None:
        attrs = [r[0] for r in con.execute("DESCRIBE records").fetchall()
                 if r[0].startswith("attr_")]
        selective = [a for a in attrs if (lambda d, f: f and d / f > 0.05)(*con.execute(
            f'SELECT approx_count_distinct("{a}"), count("{a}") FROM records').fetchall()[0])]
    linker = Linker(DuckDBAPI(con).register("records"), str(out / "model.json"),
                    log_level=logging.ERROR)

    class _Model:
        pass

    model = _Model()
    model.linker = linker  # type: ignore[attr-defined]
    from tribunal.linkage.constraints import cannot_link_pairs
    from tribunal.linkage.review import load_decisions

    decisions = out / "decisions.csv"
    cannot = cannot_link_pairs(load_decisions(decisions) if decisions.exists() else None)
    return records, lone_refiner(con, "records", records["unique_id"], model, selective,
                                 cannot_link=cannot)
