"""English given-name diminutives: Tom and Thomas, Wally and Walter, Peggy and Margaret.

Hypocoristic forms are a common reason why two records of one person disagree on the given
name while a string distance finds them far apart (Tom/Thomas scores Jaro-Winkler 0.82,
Peggy/Margaret 0.0). The table ``data/linkage/given_name_variants.csv`` (formal name,
variant; compiled by hand, see its ``.md``) maps each variant to the formal names it can
stand for. A name's *canonical keys* are its elements with each element replaced by one of
its formal names, sorted like the order-free name key, so "Tom Chudleigh" and "Thomas
Chudleigh" share the key ``chudleigh thomas``. An ambiguous variant (Fred: Alfred,
Frederick, Wilfred) gives several keys; two names agree when any key is shared. The table
is data: a list in another language can replace or extend it without code change.
"""

from __future__ import annotations

import csv
import itertools
from functools import lru_cache
from importlib import resources

# An ambiguous name of three ambiguous elements would otherwise give dozens of keys.
MAX_KEYS = 8


@lru_cache(maxsize=1)
def variant_table() -> dict[str, tuple[str, ...]]:
    """Element -> the formal names it can stand for (a formal name stands for itself)."""
    ref = resources.files("tribunal") / "data" / "linkage" / "given_name_variants.csv"
    forms: dict[str, set[str]] = {}
    with ref.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            formal = row["name"].strip().lower()
            variant = row["variant"].strip().lower()
            if not formal or not variant:
                continue
            forms.setdefault(formal, set()).add(formal)
            forms.setdefault(variant, set()).add(formal)
    return {k: tuple(sorted(v)) for k, v in forms.items()}


def formal_forms(element: str) -> tuple[str, ...]:
    """The formal names ``element`` can stand for, or the element itself if unknown."""
    return variant_table().get(element, (element,))


def canonical_keys(tokens: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Order-free keys of a name with diminutives replaced by formal names (sorted, at most
    :data:`MAX_KEYS`; empty for an empty name)."""
    if not tokens:
        return ()
    choices = [formal_forms(t) for t in tokens]
    keys = {" ".join(sorted(combo))
            for combo in itertools.islice(itertools.product(*choices), 64)}
    return tuple(sorted(keys)[:MAX_KEYS])
