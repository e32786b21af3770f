"""Existence and identifiability of the log-linear MLE on sparse tables.

Fienberg & Rinaldo (2012, Ann. Statist. 40:996) show that the MLE of a log-linear model
exists iff the observed margins ``t = X' y`` lie in the relative interior of the marginal
cone spanned by the design rows; equivalently iff some strictly positive table has the same
margins. That is a linear program: maximise ``s`` subject to ``X' x = t``, ``x_i >= s``,
``x >= 0``; the MLE exists iff the optimum is positive.

Terms whose lists never overlap are first given the minus-infinity treatment of Chan,
Silverman & Vincent (2021, JASA 116:1297): the cells they cover are removed and the term
dropped, as SparseMSE's ``checkident`` does. The model is then identifiable iff the
remaining design has full column rank. Codes follow ``checkident``: 0 fine, 1 the
(extended) MLE does not exist, 2 not identifiable, 3 both.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

from tribunal.mse.hierarchy import Model, format_model, sort_terms
from tribunal.mse.loglinear import cell_counts, cell_patterns, reduced_design
from tribunal.mse.table import CaptureTable

MESSAGES = {
    0: "the maximum likelihood estimate exists and is identifiable",
    1: "the maximum likelihood estimate does not exist (Fienberg-Rinaldo linear program)",
    2: "the model is not identifiable (design not of full rank)",
    3: "the MLE does not exist and the model is not identifiable",
}


@dataclass(frozen=True)
class ExistenceCheck:
    """Outcome of :func:`check_existence` for one model."""

    code: int
    lp_value: float
    rank_deficiency: int
    minus_infinity_terms: list[str]

    @property
    def ok(self) -> bool:
        return self.code == 0

    @property
    def message(self) -> str:
        return MESSAGES[self.code]


def check_existence(table: CaptureTable, model: Model = ()) -> ExistenceCheck:
    """Check a model on a table for MLE existence and identifiability (codes as above)."""
    model = sort_terms(model)
    patterns = cell_patterns(table.n_lists)
    y = cell_counts(table)
    empty, keep, _, x = reduced_design(patterns, y, model)
    yk = y[keep]
    rank_def = x.shape[1] - int(np.linalg.matrix_rank(x))
    value = lp_interior_value(x, yk)
    code = int(value <= 1e-9) + 2 * int(rank_def > 0)
    return ExistenceCheck(code, value, rank_def, format_model(empty, table.lists))


@lru_cache(maxsize=65536)
def _code_on_support(n_lists: int, model: Model, support: bytes) -> int:
    table_y = np.frombuffer(support, dtype=np.uint8).astype(float)
    _, keep, _, x = reduced_design(cell_patterns(n_lists), table_y, model)
    rank_def = x.shape[1] - int(np.linalg.matrix_rank(x))
    yk = table_y[keep]
    # A strictly positive table is its own witness: no linear program needed.
    value = 1.0 if yk.min(initial=1.0) > 0 else lp_interior_value(x, yk)
    return int(value <= 1e-9) + 2 * int(rank_def > 0)


def existence_code(table: CaptureTable, model: Model = ()) -> int:
    """The :func:`check_existence` code, cached.

    Existence of the MLE depends only on which cells are positive (the face of the marginal
    cone holding the margins; Fienberg & Rinaldo 2012, Thm. 3), and identifiability only on
    the model and the non-overlapping pairs, so the check runs on the table's support and
    is reused across bootstrap resamples with the same support.
    """
    support = (cell_counts(table) > 0).astype(np.uint8).tobytes()
    return _code_on_support(table.n_lists, sort_terms(model), support)


def lp_interior_value(x: np.ndarray, y: np.ndarray) -> float:
    """max s such that a table x_i >= s >= 0 has the margins ``x' y``; 0 means on the boundary."""
    n_cells, n_par = x.shape
    t = x.T @ y
    # variables: cell values (n_cells) then s
    c = np.zeros(n_cells + 1)
    c[-1] = -1.0
    a_eq = sparse.hstack([sparse.csr_matrix(x.T), sparse.csr_matrix((n_par, 1))]).tocsr()
    a_ub = sparse.hstack(
        [-sparse.identity(n_cells, format="csr"), sparse.csr_matrix(np.ones((n_cells, 1)))]
    ).tocsr()
    res = linprog(
        c,
        A_ub=a_ub,
        b_ub=np.zeros(n_cells),
        A_eq=a_eq,
        b_eq=t,
        bounds=[(0, None)] * (n_cells + 1),
        method="highs",
    )
    if res.status != 0:
        return 0.0
    return float(-res.fun)


def count_overlapping_triples(table: CaptureTable) -> int:
    """Triples of lists whose every pair overlaps; zero means the all-pairs model is not
    identifiable (Chan, Silverman & Vincent 2021, Sec. 2)."""
    pats = table.patterns[table.counts > 0].astype(int)
    adj = (pats.T @ pats > 0).astype(int)
    np.fill_diagonal(adj, 0)
    return int((adj * (adj @ adj)).sum() // 6)


def non_overlapping_pairs(table: CaptureTable) -> list[str]:
    """Pairs of lists with no case in common, as ``"A:B"`` strings."""
    pats = table.patterns[table.counts > 0].astype(int)
    overlap = pats.T @ (pats * table.counts[table.counts > 0, None])
    out = []
    for i in range(table.n_lists):
        for k in range(i + 1, table.n_lists):
            if overlap[i, k] == 0:
                out.append(f"{table.lists[i]}:{table.lists[k]}")
    return out
