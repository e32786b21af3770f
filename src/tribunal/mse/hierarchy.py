"""Hierarchical log-linear models on lists: terms, parsing, closure and enumeration.

A model is the set of its interaction terms of order 2 and more; main effects and the
intercept are always present. A term is a sorted tuple of list indices, written with the
table's column names as ``"A:B"``. A model is hierarchical when every sub-term of an
included term is included too (Bishop, Fienberg & Holland 1975, ch. 3).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import combinations

from tribunal.errors import InputError

Term = tuple[int, ...]
Model = tuple[Term, ...]

# Beyond this many models an exhaustive search takes minutes: use a stepwise search.
MAX_ENUMERATED = 250_000


def format_term(term: Term, lists: Sequence[str]) -> str:
    return ":".join(lists[i] for i in term)


def format_model(model: Iterable[Term], lists: Sequence[str]) -> list[str]:
    return [format_term(t, lists) for t in sort_terms(model)]


def sort_terms(terms: Iterable[Term]) -> Model:
    """Terms ordered by order, then lexicographically (``A:B`` before ``A:C`` before ``A:B:C``)."""
    return tuple(sorted(set(terms), key=lambda t: (len(t), t)))


def parse_term(text: str, lists: Sequence[str]) -> Term:
    """``"A:B"`` (column names) or ``"12"`` / ``"1:2"`` (1-based list numbers) -> (0, 1)."""
    text = text.strip()
    names = {name: i for i, name in enumerate(lists)}
    parts = [p.strip() for p in text.split(":")]
    if all(p in names for p in parts):
        idx = [names[p] for p in parts]
    elif ":" not in text and text.isdigit() and len(lists) < 10:
        idx = [int(c) - 1 for c in text]
    elif all(p.isdigit() for p in parts):
        idx = [int(p) - 1 for p in parts]
    else:
        unknown = [p for p in parts if p not in names]
        raise InputError(
            f"unknown list {unknown[0]!r} in model term {text!r}",
            hint=f"use the table's column names: {', '.join(lists)}",
        )
    if any(i < 0 or i >= len(lists) for i in idx) or len(set(idx)) != len(idx):
        raise InputError(f"model term {text!r} does not name distinct lists of this table")
    return tuple(sorted(idx))


def parse_model(spec: str | Sequence[str] | None, lists: Sequence[str]) -> Model:
    """Parse ``"A:B,B:C"`` or ``["A:B", "B:C"]`` into a hierarchical model.

    Single lists (main effects) are accepted and ignored; the hierarchical closure is
    added, so ``["A:B:C"]`` means the model with all of A:B, A:C, B:C and A:B:C.
    """
    if spec is None:
        return ()
    items = spec.replace(";", ",").split(",") if isinstance(spec, str) else list(spec)
    terms = [parse_term(s, lists) for s in items if s.strip()]
    return closure(t for t in terms if len(t) >= 2)


def closure(terms: Iterable[Term]) -> Model:
    """The smallest hierarchical model holding ``terms`` (interaction terms only)."""
    out: set[Term] = set()
    for term in terms:
        for k in range(2, len(term) + 1):
            out.update(combinations(term, k))
    return sort_terms(out)


def all_terms(n_lists: int, max_order: int) -> list[Term]:
    """Every interaction term of order 2..max_order, in :func:`sort_terms` order."""
    return [
        t for k in range(2, max_order + 1) for t in combinations(range(n_lists), k)
    ]


def count_hierarchical(n_lists: int, max_order: int) -> int:
    return sum(1 for _ in enumerate_hierarchical(n_lists, max_order, limit=None))


def enumerate_hierarchical(
    n_lists: int, max_order: int, *, limit: int | None = MAX_ENUMERATED
) -> Iterator[Model]:
    """Yield every hierarchical model with terms of order at most ``max_order``.

    Built level by level: any subset of pairs; then any subset of those triples whose
    pairs are all present; and so on. For 4 lists and order 3 this gives 113 models, for
    6 lists and order 2 it gives 2**15 = 32,768 (as Rcapture's closedpMS.t counts them).
    """
    if max_order < 1:
        raise InputError("the maximum order must be at least 1")
    max_order = min(max_order, n_lists - 1) if n_lists > 1 else 1
    count = 0

    def extend(model: tuple[Term, ...], order: int) -> Iterator[Model]:
        nonlocal count
        if order > max_order:
            count += 1
            if limit is not None and count > limit:
                raise InputError(
                    f"more than {limit:,} hierarchical models of order {max_order} on "
                    f"{n_lists} lists",
                    hint="lower --max-order, or use a stepwise search: "
                    "tribunal mse estimate --search bhs|csv",
                )
            yield model
            return
        present = set(model)
        candidates = [
            t
            for t in combinations(range(n_lists), order)
            if all(s in present for s in combinations(t, order - 1))
        ] if order > 2 else list(combinations(range(n_lists), 2))
        for r in range(len(candidates) + 1):
            for chosen in combinations(candidates, r):
                yield from extend(model + chosen, order + 1)

    if max_order < 2:
        yield ()
        return
    yield from extend((), 2)
