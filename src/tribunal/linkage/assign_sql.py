"""SQL for matching lone records against whole clusters (used by :mod:`tribunal.linkage.assign`).

The trained model's comparison levels (their SQL conditions on ``<column>_l`` and
``<column>_r``) are evaluated in DuckDB for each pair of a lone record and a member of a
candidate cluster; the best level reached with any member is the record's level against the
cluster. Candidate clusters share a blocking key with the lone record. The levels are read
from the trained Splink model (:func:`fields_from_linker`); :func:`people_carrying` counts
the people (clusters) carrying a lone record's value, for frequency-based u.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

# Name elements of at least this many characters are keyed by their one-deletion forms.
EDIT_MIN = 5


@dataclass(frozen=True)
class Level:
    """One non-null comparison level: SQL condition (DuckDB), trained m and u, and the
    column whose value frequency adjusts u (Splink's term-frequency column), if any."""

    sql: str
    m: float
    u: float
    tf_column: str | None = None

    @property
    def key(self) -> tuple[str, bool] | None:
        """``(column, is_array)`` when the level is equality of one column, or sharing at
        least one element of one array column: then the chance that a different person
        reaches it is the share of people carrying the record's value (or elements)."""
        m = _EXACT.fullmatch(self.sql.strip())
        if m and m.group(1) == m.group(2):
            return m.group(1), False
        m = _SHARES.fullmatch(self.sql.strip())
        if m and m.group(1) == m.group(2):
            return m.group(1), True
        return None


_EXACT = re.compile(r'"?(\w+)_l"?\s*=\s*"?(\w+)_r"?')
_SHARES = re.compile(r'array_length\(list_intersect\("?(\w+)_l"?,\s*"?(\w+)_r"?\)\)\s*>=\s*1',
                     re.IGNORECASE)
# Splink's Spark functions (the Scala UDFs of its similarity jar, and Spark's array
# intersection) under the names DuckDB gives them, for levels trained on Spark.
_DUCKDB_FUNCTIONS = {"jaro_winkler": "jaro_winkler_similarity", "jaro": "jaro_similarity"}


@dataclass(frozen=True)
class Field:
    """One comparison: its null condition and its levels from strict to loose (else last)."""

    name: str
    null_sql: str
    levels: tuple[Level, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        """Input columns the conditions read (``x`` for ``x_l`` / ``x_r``)."""
        text = " ".join([self.null_sql] + [lv.sql for lv in self.levels])
        found = re.findall(r"\b([A-Za-z_]\w*?)_[lr]\b", text)
        return tuple(dict.fromkeys(found))

    @property
    def null_columns(self) -> tuple[str, ...]:
        """Columns whose absence makes the comparison null."""
        found = re.findall(r"\b([A-Za-z_]\w*?)_[lr]\b", self.null_sql)
        return tuple(dict.fromkeys(found))

    def gamma_sql(self) -> str:
        """CASE expression: -1 null, len-1 for the strictest level down to 0 for else."""
        top = len(self.levels) - 1
        parts = [f"WHEN {self.null_sql} THEN -1"]
        for k, lv in enumerate(self.levels[:-1]):
            parts.append(f"WHEN {lv.sql} THEN {top - k}")
        return "CASE " + " ".join(parts) + " ELSE 0 END"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def key_sql(view: str, columns: set[str], selective: Sequence[str]) -> str:
    """Blocking keys per record (``unique_id, key, fam``): the exact name keys, each
    canonical key and surname variant, the skeleton, each name element with the birth year,
    the place or a selective attribute, birth year with place, a selective attribute
    alone and the ID number; each name element alone, its skeleton and its one-deletion
    forms. Mirrors the model's candidate rules, keyed by value. ``fam`` names the evidence
    a key stands for: the key itself, or for a name element's keys the element, so that
    an element and its deletion forms count once when candidates are ranked."""
    has = columns.__contains__
    parts: list[str] = []

    def add(expr: str, where: str, src: str = view, element: str | None = None) -> None:
        # fam: keys from one name element are one piece of evidence, not one per key
        fam = f"'e' || {element}" if element else expr
        parts.append(f"SELECT unique_id, {expr} AS key, {fam} AS fam FROM {src} "
                     f"WHERE {where}")

    if has("name_hz"):
        add("'h' || name_hz", "name_hz IS NOT NULL")
    if has("name_key"):
        add("'k' || name_key", "name_key IS NOT NULL")
    if has("name_skel"):
        add("'s' || name_skel", "name_skel IS NOT NULL")
    for col, tag in (("name_canon", "c"), ("name_variants", "v")):
        if has(col):
            add(f"'{tag}' || e", "e IS NOT NULL",
                f"(SELECT unique_id, unnest({col}) AS e FROM {view})")
    if has("id_number"):
        add("'i' || id_number", "id_number IS NOT NULL")
    if has("name_tokens"):
        # One name element with the start or end of another element: a record
        # whose other element carries a typo (Robert Everes6, Charles Namilton). Elements
        # carried by a crowd of people give no candidates (see CROWDED in assign).
        two = (f"(SELECT unique_id, t1, unnest(ts) AS t2 FROM (SELECT unique_id, "
               f"unnest(name_tokens) AS t1, name_tokens AS ts FROM {view}))")
        for tag, part in (("f", "left(t2, 3)"), ("g", "right(t2, 3)")):
            add(f"'{tag}' || t1 || '|' || {part}", "t1 <> t2 AND length(t2) >= 4", two)
    # One value alone: a name element, an element's skeleton, a full birth date, a place.
    # Against people, not records, such a key is only used when few people carry it
    # (CROWDED in assign): the frequency-capped index of Christen (2012, section 5),
    # counted over first-pass people, so a rare surname (Dawbarn) or a misspelt one whose
    # skeleton is rare reaches its person whatever else the record lacks.
    if has("name_tokens"):
        add("'e' || e", "e IS NOT NULL AND length(e) >= 3",
            f"(SELECT DISTINCT unique_id, unnest(name_tokens) AS e FROM {view})", "e")
        # An element one edit from another (palner / palmer, 0olden / polden, hingest9n /
        # hingeston) shares one of its one-deletion forms: the deletion neighbourhood of
        # Mor & Fraenkel (1982), the symmetric-delete index of spelling correction. Only
        # elements of five characters or more: a shorter one's neighbours are other names.
        dels = (f"(SELECT unique_id, e, unnest(range(0, length(e) + 1)) AS i FROM "
                f"(SELECT DISTINCT unique_id, unnest(name_tokens) AS e FROM {view}) "
                f"WHERE length(e) >= {EDIT_MIN})")
        add("'x' || left(e, i - 1) || substr(e, i + 1)", "i > 0", dels, "e")
        add("'x' || e", "i = 0", dels, "e")
    if has("name_skel"):
        add("'q' || e", "length(e) >= 3",
            f"(SELECT DISTINCT unique_id, unnest(string_split(name_skel, ' ')) AS e "
            f"FROM {view} WHERE name_skel IS NOT NULL)")
    if has("birth_date"):
        add("'d' || birth_date", "birth_date IS NOT NULL")
    if has("place_leaf"):
        add("'p' || place_leaf", "place_leaf IS NOT NULL")
    others = [c for c in ("birth_year", "place_leaf", *selective) if has(c)]
    if has("name_tokens") and others:
        sel = ", ".join(_q(c) for c in others)
        tok = f"(SELECT unique_id, unnest(name_tokens) AS t, {sel} FROM {view})"
        for col in others:
            add(f"'t' || t || '|{col}|' || CAST({_q(col)} AS VARCHAR)",
                f"{_q(col)} IS NOT NULL AND t IS NOT NULL", tok)
    if has("birth_year") and has("place_leaf"):
        add("'yp' || CAST(birth_year AS VARCHAR) || '|' || place_leaf",
            "birth_year IS NOT NULL AND place_leaf IS NOT NULL")
    for col in selective:
        if has(col):
            add(f"'a{col}|' || {_q(col)}", f"{_q(col)} IS NOT NULL")
    return "\nUNION ALL\n".join(parts)


def pair_gamma_sql(pairs: str, table: str, fields: Sequence[Field]) -> str:
    """Comparison level per field (``g_<i>``) of each pair (``id_l``, ``id_r``) in
    ``pairs``, evaluated on the records of ``table``."""
    cols = sorted({c for f in fields for c in f.columns})
    sel = ", ".join(f"l.{_q(c)} AS {_q(c + '_l')}, r.{_q(c)} AS {_q(c + '_r')}" for c in cols)
    gammas = ", ".join(f"{f.gamma_sql()} AS g_{i}" for i, f in enumerate(fields))
    return (f"SELECT id_l, id_r, {gammas} FROM (SELECT p.id_l, p.id_r, {sel} FROM {pairs} p "
            f"JOIN {table} l ON l.unique_id = p.id_l JOIN {table} r ON r.unique_id = p.id_r)")


def fields_from_linker(linker: Any) -> list[Field]:
    """The trained model's comparisons as :class:`Field` objects in DuckDB SQL."""
    settings = linker._settings_obj  # no public accessor for levels with trained m/u
    dialect = getattr(settings, "_sql_dialect_str", "duckdb") or "duckdb"

    def sql(text: str) -> str:
        return text if dialect == "duckdb" else to_duckdb_sql(text, dialect)

    out = []
    for comp in settings.comparisons:
        levels = comp.comparison_levels
        null = [lv for lv in levels if lv.is_null_level]
        rest = [lv for lv in levels if not lv.is_null_level]
        out.append(Field(
            comp.output_column_name,
            sql(null[0].sql_condition) if null else "FALSE",
            tuple(Level(sql(lv.sql_condition), float(lv.m_probability or 1e-6),
                        float(lv.u_probability or 1e-6),
                        getattr(lv, "_tf_adjustment_input_column_name", None))
                  for lv in rest)))
    return out


def to_duckdb_sql(condition: str, dialect: str) -> str:
    """A Splink level's SQL condition written for ``dialect`` (e.g. "spark") as DuckDB SQL:
    transpiled by sqlglot, with the functions sqlglot does not know (Splink's similarity
    UDFs) renamed to DuckDB's and Spark's array intersection written as DuckDB's
    ``list_intersect``, so that the level reads as it does on a model trained on DuckDB
    (:attr:`Level.key` recognises it). The else level's ``ELSE`` is kept as it is."""
    import sqlglot
    from sqlglot import exp

    if condition.strip().upper() == "ELSE":
        return condition.strip()

    def rename(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Anonymous) and node.name.lower() in _DUCKDB_FUNCTIONS:
            return exp.Anonymous(this=_DUCKDB_FUNCTIONS[node.name.lower()],
                                 expressions=node.expressions)
        if isinstance(node, exp.ArrayIntersect):
            return exp.Anonymous(this="list_intersect", expressions=node.expressions)
        return node

    tree = sqlglot.parse_one(condition, read=dialect).transform(rename)
    return tree.sql(dialect="duckdb")


def duckdb_settings(model_json: Any) -> dict[str, Any]:
    """A saved Splink model (``model.json``) as settings a DuckDB linker reads: a model
    trained on another backend (Spark) has its levels' and blocking rules' SQL written
    again as DuckDB SQL (:func:`to_duckdb_sql`); its trained m and u are kept as they are."""
    import json
    from pathlib import Path

    settings: dict[str, Any] = json.loads(Path(model_json).read_text(encoding="utf-8"))
    dialect = settings.get("sql_dialect") or "duckdb"
    if dialect == "duckdb":
        return settings
    for comp in settings.get("comparisons", []):
        for level in comp.get("comparison_levels", []):
            level["sql_condition"] = to_duckdb_sql(level["sql_condition"], dialect)
    rules = settings.get("blocking_rules_to_generate_predictions", [])
    for i, rule in enumerate(rules):
        if isinstance(rule, dict):
            rule["blocking_rule"] = to_duckdb_sql(rule["blocking_rule"], dialect)
            rule["sql_dialect"] = "duckdb"
        else:
            rules[i] = to_duckdb_sql(str(rule), dialect)
    settings["sql_dialect"] = "duckdb"
    return settings


def people_carrying(con: Any, view: str, col: str, is_array: bool, small: int = 1
                    ) -> pd.Series:
    """Per record of a cluster of at most ``small`` records (a lone record by default): how
    many other people (clusters) carry its value of ``col`` (for an array column, the sum
    over its elements)."""
    q = f'"{col}"'
    if is_array:
        src = f"(SELECT unique_id, cl, n, unnest({q}) AS v FROM {view})"
    else:
        src = f"(SELECT unique_id, cl, n, {q} AS v FROM {view})"
    df = con.execute(f"""WITH s AS {src},
        f AS (SELECT v, count(DISTINCT cl) - 1 AS k FROM s
              WHERE v IN (SELECT v FROM s WHERE n <= {small}) GROUP BY v)
        SELECT s.unique_id, sum(f.k) AS k FROM s JOIN f USING (v) WHERE s.n <= {small}
        GROUP BY s.unique_id""").df()
    return pd.Series(df["k"].to_numpy(dtype=float), index=df["unique_id"].to_numpy())


def values_per_person(con: Any, view: str, col: str, is_array: bool) -> pd.Series:
    """Per cluster (``cl``) of ``view``: how many distinct values of ``col`` its records
    carry (for an array column, distinct elements); clusters with none are absent."""
    q = f'"{col}"'
    v = f"unnest({q})" if is_array else q
    df = con.execute(f"""SELECT cl, count(DISTINCT v) AS d FROM (
        SELECT cl, {v} AS v FROM {view}) WHERE v IS NOT NULL GROUP BY cl""").df()
    return pd.Series(df["d"].to_numpy(dtype=float), index=df["cl"].to_numpy())
