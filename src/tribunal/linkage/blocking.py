"""Blocking: which pairs of records the linkage model scores at all.

A pair is scored when any rule puts both records in one block (Splink's
``blocking_rules_to_generate_predictions``; Christen, "A survey of indexing techniques for
scalable record linkage and deduplication", IEEE TKDE 24(9), 2012). Rules pair records
that share a name key, a surname variant, a canonical (diminutive-free) key, a skeleton, or
one name element together with a birth year, place or selective attribute, and records
whose names both carry typos through birth year and place.

A record that carries nothing but a slightly misspelt or shortened name ("Stephen
Girardot" beside "Steven Girardot, 1856, London") shares none of these with its person's
other records. Blocking on one name element alone would catch it, but common elements
(John, Smith, Wang) make blocks of millions of pairs. :func:`add_rare_elements` therefore
lists, per record, only the *rare* elements and element skeletons: those held by at most
:data:`RARE_MAX` records in all lists. A block then holds at most ``RARE_MAX`` records, so
the rule adds at most ``RARE_MAX / 2`` pairs per element occurrence, however large the
lists (the frequency cap of "sorted neighbourhood"-style indexes with limited block size,
Christen 2012, section 5).
"""

from __future__ import annotations

from typing import Any

# A name element (or element skeleton) held by at most this many records is rare enough to
# block on alone: ~10 records of a person plus a few namesakes.
RARE_MAX = 50


def add_rare_elements(con: Any, table: str = "records", max_count: int = RARE_MAX) -> None:
    """Add the list column ``name_rare`` to the DuckDB table ``table``: the record's name
    elements and element skeletons (prefixed ``~``) held by at most ``max_count`` records."""
    cols = [r[0] for r in con.execute(f"describe {table}").fetchall()]
    if "name_tokens" not in cols or "name_rare" in cols:
        return
    # The table keeps its row order (outputs list records in file order).
    con.execute(f"""
        create or replace table {table} as
        with t as (select *, row_number() over () as __order from {table}),
        el as (
            select unique_id, unnest(name_tokens) as e from {table}
            union
            select unique_id, '~' || unnest(string_split(name_skel, ' ')) as e from {table}
            where name_skel is not null
        ),
        freq as (select e, count(*) as n from el group by e),
        rare as (
            select el.unique_id, list(distinct el.e order by el.e) as name_rare
            from el join freq using (e)
            where freq.n <= {int(max_count)} and length(el.e) > 2
            group by el.unique_id
        )
        select t.* exclude (__order), rare.name_rare
        from t left join rare using (unique_id) order by t.__order
    """)


def blocking_rules(
    present: set[str], extra: list[Any] | None = None, selective: list[str] | None = None
) -> list[Any]:
    """Rules generating candidate pairs: any of them suffices for a pair to be scored.

    Only rules on columns that hold values are used, so a list without IDs or hanzi does
    not pay for them.
    """
    from splink import block_on

    has = present.__contains__
    rules = []
    if has("name_hz"):
        rules.append(block_on("name_hz"))
    rules.append(block_on("name_key"))
    if has("id_number"):
        rules.append(block_on("id_number"))
    if has("birth_year"):
        rules.append(block_on("name_skel", "birth_year"))
    if has("name_variants"):
        rules.append(block_on("name_variants", arrays_to_explode=["name_variants"]))
    if has("name_canon"):
        rules.append(block_on("name_canon", arrays_to_explode=["name_canon"]))
    if has("birth_date"):
        rules.append(block_on("birth_date", "substr(name_key, 1, 1)"))
    if has("birth_year") and has("name_tokens"):
        # One shared name element and the same birth year: catches a surname with a
        # nickname (Tom/Thomas) or one Uyghur element respelled.
        rules.append(block_on("name_tokens", "birth_year", arrays_to_explode=["name_tokens"]))
    if has("name_tokens"):
        # Records without a birth date: one shared name element and the same place, or the
        # same value of a selective extra attribute (e.g. an address or postcode).
        for col in (["place_leaf"] if has("place_leaf") else []) + list(selective or []):
            rules.append(block_on("name_tokens", col, arrays_to_explode=["name_tokens"]))
    # Rules without any name column, for records whose names both carry typos (Rhomas
    # Chudleigh / Thomas Chydleigh): the other fields must then carry the evidence.
    if has("birth_year") and has("place_leaf"):
        rules.append(block_on("birth_year", "place_leaf"))
    for col in selective or []:
        rules.append(block_on(col))
    if has("name_rare"):
        # One rare name element or element skeleton alone (module docstring).
        rules.append(block_on("name_rare", arrays_to_explode=["name_rare"]))
    rules.extend(extra or [])
    return rules
