"""Blocking: which pairs of records the linkage model scores at all.

A pair is scored when any rule puts both records in one block (Splink's
``blocking_rules_to_generate_predictions``; Christen, "A survey of indexing techniques for
scalable record linkage and deduplication", IEEE TKDE 24(9), 2012). Rules pair records
that share a name key, a surname variant, a canonical (diminutive-free) key, a skeleton, or
one name element together with a birth year, place or selective attribute, an element's
skeleton together with the place, and records whose names both carry typos through birth
year and place.

A record that carries nothing but a slightly misspelt or shortened name ("Stephen
Girardot" beside "Steven Girardot, 1856, London") shares none of these with its person's
other records. Blocking on one name element alone would catch it, but common elements
(John, Smith, Wang) make blocks of millions of pairs. :func:`add_blocking_keys` therefore
lists, per record, only the *rare* elements: those held by at most :data:`RARE_MAX`
records in all lists and by at most one record in :data:`RARE_SHARE` (element skeletons
are too coarse: they joined different short Chinese names, Chen/Cheng). A block then
holds at most ``RARE_MAX`` records, so
the rule adds at most ``RARE_MAX / 2`` pairs per element occurrence, however large the
lists (the frequency cap of "sorted neighbourhood"-style indexes with limited block size,
Christen 2012, section 5).
"""

from __future__ import annotations

from typing import Any

# A name element held by at most this many records, and by at most one record in
# RARE_SHARE, is rare enough to block on alone: ~10 records of a person plus a few
# namesakes. On a short list every element is "rare" by count, and one shared given name
# (Min, Hui) is then weak evidence that the other fields rarely outweigh: the share bounds it.
RARE_MAX = 50
RARE_SHARE = 1000
# Largest block of the composite rules (element + birth year, element + place, birth year +
# place): a block of 500 records is 125,000 pairs; larger ones (Wang born 1970 in Beijing,
# John in London) are left to the rules on the whole name.
BLOCK_MAX = 500
# A name element with only an initial of the other is weak: smaller blocks.
INITIAL_MAX = 100

# column -> (SQL giving unique_id, key rows; largest block). {t} is the records table.
_KEYED: dict[str, tuple[str, int]] = {
    "name_rare": ("""
        select unique_id, unnest(name_tokens) as k from {t}""", RARE_MAX),
    "block_element_year": ("""
        select unique_id, unnest(name_tokens) || '|' || birth_year as k from {t}
        where birth_year is not null""", BLOCK_MAX),
    "block_element_place": ("""
        select unique_id, unnest(name_tokens) || '|' || place_leaf as k from {t}
        where place_leaf is not null""", BLOCK_MAX),
    # a formal name element (Tom -> thomas) and the initial of another element: a given
    # name and the surname's first letter (Bill Bennet / William Bennett -> william|b)
    "block_element_initial": ("""
        select a.unique_id, a.x || '|' || substr(b.x, 1, 1) as k from (
            select distinct unique_id, unnest(string_split(c, ' ')) as x
            from (select unique_id, unnest(name_canon) as c from {t})
        ) as a join (
            select distinct unique_id, unnest(string_split(c, ' ')) as x
            from (select unique_id, unnest(name_canon) as c from {t})
        ) as b on a.unique_id = b.unique_id and a.x <> b.x""", INITIAL_MAX),
    # an element's consonant skeleton and the place: a misspelt surname in the same town
    # (Tom Whyte / Thomas White, Ealing), whatever the given name is written as
    "block_skeleton_place": ("""
        select distinct unique_id, unnest(string_split(name_skel, ' ')) || '|' || place_leaf as k
        from {t} where place_leaf is not null and name_skel is not null""", INITIAL_MAX),
    "block_year_place": ("""
        select unique_id, birth_year || '|' || place_leaf as k from {t}
        where birth_year is not null and place_leaf is not null""", BLOCK_MAX),
}


def add_blocking_keys(con: Any, table: str = "records") -> None:
    """Add list columns of block keys to the DuckDB table ``table``, each key kept only
    when few records share it (module docstring): ``name_rare`` (name elements and element
    skeletons, prefixed ``~``, held by at most :data:`RARE_MAX` records),
    ``block_element_year``, ``block_element_place`` and ``block_year_place`` (at most
    :data:`BLOCK_MAX` records)."""
    cols = {r[0] for r in con.execute(f"describe {table}").fetchall()}
    need = {"name_tokens", "name_skel", "name_canon", "birth_year", "place_leaf", "unique_id"}
    if not need <= cols or "name_rare" in cols:
        return
    parts = [f"select '{name}' as c, unique_id, k from ({sql.format(t=table)})"
             for name, (sql, _) in _KEYED.items()]
    n_records = con.execute(f"select count(*) from {table}").fetchall()[0][0]
    rare = min(RARE_MAX, max(1, n_records // RARE_SHARE))
    caps = " or ".join(f"(c = '{name}' and n <= {rare if name == 'name_rare' else cap})"
                       for name, (_, cap) in _KEYED.items())
    lists = ", ".join(f"list(distinct k order by k) filter (where c = '{name}') as {name}"
                      for name in _KEYED)
    # The table keeps its row order (outputs list records in file order).
    con.execute(f"""
        create or replace table {table} as
        with t as (select *, row_number() over () as __order from {table}),
        keys as ({' union all '.join(parts)}),
        kept as (
            select keys.c, keys.unique_id, keys.k from keys
            join (select c, k, count(*) as n from keys group by c, k) using (c, k)
            where ({caps}) and length(keys.k) > 2
        ),
        per_record as (select unique_id, {lists} from kept group by unique_id)
        select t.* exclude (__order), {', '.join(f'per_record.{n}' for n in _KEYED)}
        from t left join per_record using (unique_id) order by t.__order
    """)
    # An empty list would make an empty block key; nothing is clearer than null.
    for name in _KEYED:
        con.execute(f"update {table} set {name} = null where len({name}) = 0")


def uses_block_keys(rules: list[Any] | None) -> bool:
    """Whether blocking by ``rules`` (None: the default rules) reads a column that
    :func:`add_blocking_keys` makes; a run with its own rules that do not need them skips
    computing them."""
    if rules is None:
        return True
    from splink.internals.blocking_rule_creator_utils import to_blocking_rule_creator

    for rule in rules:
        sql = to_blocking_rule_creator(rule).get_blocking_rule("duckdb").blocking_rule_sql
        if any(name in sql for name in _KEYED):
            return True
    return False


def _exploded(col: str) -> Any:
    from splink import block_on

    return block_on(col, arrays_to_explode=[col])


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
    # One shared name element and the same birth year: catches a surname with a nickname
    # (Tom/Thomas) or one Uyghur element respelled. Records without a birth date: one shared
    # element and the same place. Where add_blocking_keys has run, the keys of large blocks
    # are left out (module docstring).
    capped = has("name_rare")
    if has("birth_year") and has("name_tokens"):
        rules.append(_exploded("block_element_year") if capped else
                     block_on("name_tokens", "birth_year", arrays_to_explode=["name_tokens"]))
    if has("place_leaf") and has("name_tokens"):
        rules.append(_exploded("block_element_place") if capped else
                     block_on("name_tokens", "place_leaf", arrays_to_explode=["name_tokens"]))
    if has("name_tokens"):
        # the same value of a selective extra attribute (e.g. an address or postcode)
        for col in selective or []:
            rules.append(block_on("name_tokens", col, arrays_to_explode=["name_tokens"]))
    # Rules without any name column, for records whose names both carry typos (Rhomas
    # Chudleigh / Thomas Chydleigh): the other fields must then carry the evidence.
    if has("birth_year") and has("place_leaf"):
        rules.append(block_on("block_year_place") if capped else
                     block_on("birth_year", "place_leaf"))
    for col in selective or []:
        rules.append(block_on(col))
    if capped:
        # One rare name element alone; a formal given name and an
        # initial (module docstring).
        rules.append(_exploded("name_rare"))
        rules.append(_exploded("block_element_initial"))
        if has("place_leaf"):
            rules.append(_exploded("block_skeleton_place"))
    rules.extend(extra or [])
    return rules
