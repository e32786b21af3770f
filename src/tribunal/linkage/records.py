"""Turn rows of a list into standard person records with comparison keys.

Every record keeps its source list, its row number and its raw name; every other column is
derived (names, dates, places, ID numbers normalised) so the original file stays the
reference. A resident ID fills in a missing birth date, sex and province, since the number
encodes them (GB 11643-1999).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from tribunal.linkage.dates import parse_partial_date, year_from
from tribunal.linkage.mapping import ColumnMapping, surname_columns
from tribunal.linkage.names import NameParts, name_parts, normalise_name
from tribunal.linkage.places import parse_place
from tribunal.linkage.resident_id import ResidentId, parse_resident_id

RECORD_COLUMNS: tuple[str, ...] = (
    "unique_id", "source", "row", "name", "name_script", "name_hz", "name_key",
    "name_tokens", "name_variants", "name_canon", "name_skel", "name_sur", "name_given",
    "name_gforms", "sex", "birth_date", "birth_ym",
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


def _factorised(series: pd.Series, func: Callable[[Any], Any]) -> tuple[np.ndarray, list]:
    """Row codes and ``func`` of each distinct value: lists repeat names, dates and places,
    so the Python work is done once per distinct value, not once per row."""
    codes, uniques = pd.factorize(series.to_numpy(dtype=object))
    return codes, [func(v) for v in uniques]


def _take(codes: np.ndarray, values: list) -> np.ndarray:
    """Per-row object array from per-distinct-value ``values`` (lists stay single cells)."""
    arr = np.empty(len(values), dtype=object)
    for i, v in enumerate(values):  # element-wise: a list value must not become a 2-D array
        arr[i] = v
    return arr[codes]


def _blank_none(arr: np.ndarray) -> np.ndarray:
    """Empty strings (and None) become None, as ``value or None`` would per row."""
    out = arr.copy()
    out[(arr == "") | pd.isna(arr)] = None
    return out


def _id_keys(text: str) -> tuple[ResidentId | None, str | None]:
    """The parsed resident ID and the ID number to keep (the raw text when not valid)."""
    rid = parse_resident_id(text) if text else None
    return rid, rid.number if rid else (text.upper() or None)


def _name_parts(frame: pd.DataFrame, name_cols: list[str], nc: np.ndarray,
                keys: list) -> list[np.ndarray]:
    """Surname, given-name key and given-name forms per row: from the surname column when
    the name is written in several columns, else from the writing of the name itself."""
    sur_cols = surname_columns(name_cols)
    if sur_cols:
        given = _joined(frame, [c for c in name_cols if c not in sur_cols])
        codes, parts = _factorised(_joined(frame, sur_cols) + "\x1f" + given,
                                   lambda t: name_parts(*t.split("\x1f")))
    else:
        codes, parts = nc, [k.parts for k in keys]
    p: list[NameParts] = parts
    return [_take(codes, [x.surname or None for x in p]),
            _take(codes, [x.given or None for x in p]),
            _take(codes, [list(x.given_forms) or None for x in p])]


def standardise(
    frame: pd.DataFrame, mapping: ColumnMapping, source: str, start_row: int = 0
) -> pd.DataFrame:
    """Standard records for a chunk of one list (``start_row`` numbers rows across chunks).

    ``unique_id`` is ``source:row`` with rows counted from 1 after the header, so a reviewer
    can find the original line.
    """
    f = mapping.fields
    n = len(frame)
    rows = np.arange(start_row + 1, start_row + n + 1, dtype=np.int64)
    raw_name = _joined(frame, f.get("name", []))
    nc, keys = _factorised(raw_name, normalise_name)
    dc, dates = _factorised(_joined(frame, f.get("birth_date", [])),
                            lambda t: parse_partial_date(t) if t else None)
    pc, places = _factorised(_joined(frame, f.get("place", [])), lambda t: parse_place(t or None))
    id_text = _joined(frame, f.get("id_number", []), "")
    ic, ids = _factorised(id_text, _id_keys)
    rids = [r for r, _ in ids]
    sc, sex_u = _factorised(_joined(frame, f.get("sex", [])), normalise_sex)
    sexes = _take(sc, sex_u)
    birth_date = _take(dc, [d.full if d else None for d in dates])
    birth_ym = _take(dc, [d.year_month if d else None for d in dates])
    byears = _take(dc, [d.year if d else None for d in dates])
    if f.get("birth_year"):
        yc, years_alt = _factorised(_joined(frame, f["birth_year"]),
                                    lambda t: year_from(t) if t else None)
        byears = np.where(pd.isna(byears), _take(yc, years_alt), byears)
    # Resident IDs fill in what the other columns leave empty (GB 11643 encodes them).
    has_rid = np.array([r is not None for r in rids], dtype=bool)[ic] if rids else np.zeros(n, bool)
    no_date = np.array([d is None for d in dates], dtype=bool)[dc] if dates else np.ones(n, bool)
    for i in np.flatnonzero(has_rid):
        rid = rids[ic[i]]
        if no_date[i] and (d := parse_partial_date(rid.birth_date.isoformat())):
            birth_date[i], birth_ym[i], byears[i] = d.full, d.year_month, d.year
        sexes[i] = sexes[i] or rid.sex
    rid_province = _take(ic, [r.province_code if r else "" for r in rids])
    p_province = _take(pc, [p.province for p in places])
    provinces = np.where(p_province != "", p_province, rid_province)
    leaf = _take(pc, [p.county or p.prefecture for p in places])
    leaf = np.where(leaf != "", leaf, provinces)
    out: dict[str, object] = {
        "sex": sexes,
        "name_script": _take(nc, [k.script or None for k in keys]),
        "name_hz": _take(nc, [k.hanzi or None for k in keys]),
        "name_key": _take(nc, [k.key or None for k in keys]),
        "name_tokens": _take(nc, [list(k.tokens) or None for k in keys]),
        "name_variants": _take(nc, [list(k.variants) or None for k in keys]),
        "name_canon": _take(nc, [list(k.canon) or None for k in keys]),
        "name_skel": _take(nc, [k.skeleton or None for k in keys]),
        "birth_date": birth_date,
        "birth_ym": birth_ym,
        "birth_year": byears,
        "place_province": _blank_none(provinces),
        "place_prefecture": _take(pc, [p.prefecture or None for p in places]),
        "place_leaf": _blank_none(leaf),
        "id_number": _take(ic, [number for _, number in ids]),
    }
    out["name_sur"], out["name_given"], out["name_gforms"] = _name_parts(
        frame, f.get("name", []), nc, keys)
    out["unique_id"] = (source + ":" + pd.Series(rows).astype(str)).to_numpy(dtype=object)
    out["source"] = np.full(n, source, dtype=object)
    out["row"] = rows
    out["name"] = raw_name.to_numpy(dtype=object)
    for fld in ("event", "event_date", "facility"):
        out[fld] = _blank_none(_joined(frame, f.get(fld, [])).to_numpy(dtype=object))
    result = pd.DataFrame(out, columns=list(RECORD_COLUMNS))
    for c in mapping.attributes:
        col = _joined(frame, [c]).str.lower()
        result[f"attr_{c}"] = col.where(col != "", None).to_numpy()
    result["birth_year"] = result["birth_year"].astype("Int64")
    result["row"] = result["row"].astype("int64")
    return result
