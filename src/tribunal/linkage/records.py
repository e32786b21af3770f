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
    "name_tokens", "name_variants", "name_skel", "sex", "birth_date", "birth_ym",
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
    out: dict[str, list[object]] = {c: [] for c in RECORD_COLUMNS}
    for i in range(n):
        k, bdate, place, rid, sex = keys[i], dates[i], places[i], rids[i], sexes[i]
        byear = bdate.year if bdate else years_alt[i]
        province = place.province
        if rid is not None:
            if bdate is None:
                bdate = parse_partial_date(rid.birth_date.isoformat())
                byear = rid.birth_date.year
            sex = sex or rid.sex
            province = province or rid.province_code
        out["sex"].append(sex)
        out["name_script"].append(k.script or None)
        out["name_hz"].append(k.hanzi or None)
        out["name_key"].append(k.key or None)
        out["name_tokens"].append(list(k.tokens) or None)
        out["name_variants"].append(list(k.variants) or None)
        out["name_skel"].append(k.skeleton or None)
        out["birth_date"].append(bdate.full if bdate else None)
        out["birth_ym"].append(bdate.year_month if bdate else None)
        out["birth_year"].append(byear)
        out["place_province"].append(province or None)
        out["place_prefecture"].append(place.prefecture or None)
        out["place_leaf"].append((place.county or place.prefecture or province) or None)
        out["id_number"].append(rid.number if rid else (id_text.iloc[i].upper() or None))
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
