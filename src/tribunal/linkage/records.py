"""Turn rows of a list into standard person records with comparison keys.

Every record keeps its source list, its row number and its raw name; every other column is
derived (names, dates, places, ID numbers normalised) so the original file stays the
reference. A resident ID fills in a missing birth date, sex and province, since the number
encodes them (GB 11643-1999).
"""

from __future__ import annotations

import pandas as pd

from tribunal.linkage.dates import parse_partial_date, year_from
from tribunal.linkage.mapping import ColumnMapping
from tribunal.linkage.names import normalise_name
from tribunal.linkage.places import parse_place
from tribunal.linkage.resident_id import parse_resident_id

RECORD_COLUMNS: tuple[str, ...] = (
    "unique_id", "source", "row", "name", "name_script", "name_hz", "name_key",
    "name_tokens", "name_variants", "name_canon", "name_skel", "sex", "birth_date", "birth_ym",
    "birth_year", "place_province", "place_prefecture", "place_leaf", "id_number",
    "event", "event_date", "facility",
)

_SEX = {
    "男": "m", "m": "m", "male": "m", "man": "m", "1": "m", "er": "m", "эр": "m",
    "女": "f", "f": "f", "female": "f", "woman": "f", "2": "f", "ayal": "f", "аял": "f",
}


def normalise_sex(value: object) -> str | None:
    """'m' or 'f' from 男/女, male/female, M/F, 1/2 (GB/T 2261.1 codes); None otherwise."""
    if value is None:
        return None
    return _SEX.get(str(value).strip().lower().removesuffix("性"))


def _joined(frame: pd.DataFrame, cols: list[str], sep: str = " ") -> pd.Series:
    """Columns joined row-wise with ``sep``, blanks and 'nan' dropped (vectorised)."""
    if not cols:
        return pd.Series([""] * len(frame), index=frame.index, dtype=object)
    parts = []
    for c in cols:
        col = frame[c].astype(object).where(frame[c].notna(), "").astype(str).str.strip()
        parts.append(col.where(~col.str.lower().isin(["nan", "none", "nat"]), ""))
    out = parts[0]
    for part in parts[1:]:
        out = (out + sep + part).str.strip(sep) if sep else out + part
    return out


def _mapped(series: pd.Series, func) -> list:
    """Apply ``func`` once per distinct value (lists repeat names, dates and places)."""
    uniq = {v: func(v) for v in pd.unique(series)}
    return [uniq[v] for v in series]


def standardise(
    frame: pd.DataFrame, mapping: ColumnMapping, source: str, start_row: int = 0
) -> pd.DataFrame:
    """Standard records for a chunk of one list (``start_row`` numbers rows across chunks).

    ``unique_id`` is ``source:row`` with rows counted from 1 after the header, so a reviewer
    can find the original line.
    """
    f = mapping.fields
    n = len(frame)
    rows = list(range(start_row + 1, start_row + n + 1))
    raw_name = _joined(frame, f.get("name", []))
    keys = _mapped(raw_name, normalise_name)
    dates = _mapped(_joined(frame, f.get("birth_date", [])),
                    lambda t: parse_partial_date(t) if t else None)
    years_alt = (_mapped(_joined(frame, f["birth_year"]), lambda t: year_from(t) if t else None)
                 if f.get("birth_year") else [None] * n)
    places = _mapped(_joined(frame, f.get("place", [])), lambda t: parse_place(t or None))
    id_text = _joined(frame, f.get("id_number", []), "")
    rids = _mapped(id_text, lambda t: parse_resident_id(t) if t else None)
    sexes = _mapped(_joined(frame, f.get("sex", [])), normalise_sex)
    # Resident IDs fill in what the other columns leave empty (GB 11643 encodes them).
    for i in [i for i, r in enumerate(rids) if r is not None]:
        rid = rids[i]
        if dates[i] is None:
            dates[i] = parse_partial_date(rid.birth_date.isoformat())
        sexes[i] = sexes[i] or rid.sex
    byears = [d.year if d else y for d, y in zip(dates, years_alt, strict=True)]
    provinces = [p.province or (r.province_code if r else "")
                 for p, r in zip(places, rids, strict=True)]
    out: dict[str, list[object]] = {
        "sex": sexes,
        "name_script": [k.script or None for k in keys],
        "name_hz": [k.hanzi or None for k in keys],
        "name_key": [k.key or None for k in keys],
        "name_tokens": [list(k.tokens) or None for k in keys],
        "name_variants": [list(k.variants) or None for k in keys],
        "name_canon": [list(k.canon) or None for k in keys],
        "name_skel": [k.skeleton or None for k in keys],
        "birth_date": [d.full if d else None for d in dates],
        "birth_ym": [d.year_month if d else None for d in dates],
        "birth_year": byears,
        "place_province": [p or None for p in provinces],
        "place_prefecture": [p.prefecture or None for p in places],
        "place_leaf": [(p.county or p.prefecture or pv) or None
                       for p, pv in zip(places, provinces, strict=True)],
        "id_number": [r.number if r else (t.upper() or None)
                      for r, t in zip(rids, id_text, strict=True)],
    }
    out["unique_id"] = [f"{source}:{r}" for r in rows]
    out["source"] = [source] * n
    out["row"] = rows
    out["name"] = list(raw_name)
    for fld in ("event", "event_date", "facility"):
        out[fld] = [v or None for v in _joined(frame, f.get(fld, []))]
    result = pd.DataFrame(out, columns=list(RECORD_COLUMNS))
    for c in mapping.attributes:
        col = _joined(frame, [c]).str.lower()
        result[f"attr_{c}"] = col.where(col != "", None).to_numpy()
    result["birth_year"] = result["birth_year"].astype("Int64")
    result["row"] = result["row"].astype("int64")
    return result
