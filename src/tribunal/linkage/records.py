"""Turn rows of a list into standard person records with comparison keys.

Every record keeps its source list, its row number and its raw name; every other column is
derived (names, dates, places, ID numbers normalised) so the original file stays the
reference. A resident ID fills in a missing birth date, sex and province, since the number
encodes them (GB 11643-1999).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from tribunal.linkage.dates import infer_day_first, parse_partial_date, year_from
from tribunal.linkage.distinct import DistinctTable
from tribunal.linkage.mapping import ColumnMapping, surname_columns
from tribunal.linkage.names import NameParts, name_parts, normalise_name
from tribunal.linkage.names_zh import has_han
from tribunal.linkage.places import PlaceKeys, parse_place
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


# Cells that say a value is missing. Read as values, every "N/A" place or "unknown" name
# would agree with every other: strangers sharing a placeholder. ("NA" stays: 那 Na is a
# surname.)
_BLANK = frozenset({"nan", "none", "nat", "null", "n/a", "#n/a", "n.a.", "-", "--", "?",
                    "unknown", "unk", "不详", "未知", "不明", "无"})


def _joined(frame: pd.DataFrame, cols: list[str], sep: str = " ") -> pd.Series:
    """Columns joined row-wise with ``sep``, blank and placeholder cells (:data:`_BLANK`)
    dropped (vectorised)."""
    if not cols:
        return pd.Series([""] * len(frame), index=frame.index, dtype=object)
    parts = []
    for c in cols:
        col = frame[c].astype(object).where(frame[c].notna(), "")
        if pd.api.types.infer_dtype(col, skipna=True) not in ("string", "empty"):
            col = col.map(_cell_text)
        col = col.astype(str).str.strip()
        parts.append(col.where(~col.str.lower().isin(_BLANK), ""))
    out = parts[0]
    for part in parts[1:]:
        out = (out + sep + part).str.strip(sep) if sep else out + part
    return out


def _cell_text(v: object) -> str:
    """A spreadsheet cell as text; a whole number stored as a float (a postcode, an ID, a
    year: 4011.0) is written as the integer it is, as a CSV export of it would."""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _clean_cell(v: object) -> str:
    """One cell as ``_joined`` reads it: stripped text, '' for blanks and placeholders."""
    t = str(v).strip()
    return "" if t.lower() in _BLANK else t


def _column_codes(frame: pd.DataFrame, col: str) -> tuple[np.ndarray, list[str]]:
    """Row codes into the cleaned distinct values of one column (missing -> '')."""
    arr = frame[col].to_numpy(dtype=object)
    if len(arr) and pd.api.types.infer_dtype(arr, skipna=True) not in ("string", "empty"):
        # Mixed cell types (spreadsheets): 1 and 1.0 hash alike but print differently, so
        # they are turned into text row by row before being grouped.
        arr = _joined(frame, [col]).to_numpy(dtype=object)
    codes, uniques = pd.factorize(arr)  # missing cells get code -1
    cleaned = [_clean_cell(v) for v in uniques]
    cleaned.append("")  # for code -1
    codes = np.where(codes < 0, len(cleaned) - 1, codes)
    return codes, cleaned


def _joined_codes(
    frame: pd.DataFrame, cols: list[str], sep: str = " "
) -> tuple[np.ndarray, list[str]]:
    """Row codes and the values they stand for: the same text per row as :func:`_joined`,
    but each distinct cell (or combination of cells) cleaned and joined once."""
    n = len(frame)
    if not cols:
        return np.zeros(n, dtype=np.intp), [""]
    codes, values = _column_codes(frame, cols[0])
    for col in cols[1:]:
        c2, v2 = _column_codes(frame, col)
        combined, first = pd.factorize(codes.astype(np.int64) * len(v2) + c2)
        joined = []
        for k in first:
            left, right = values[k // len(v2)], v2[k % len(v2)]
            joined.append((left + sep + right).strip(sep) if sep else left + right)
        codes, values = combined, joined
    return codes, values


def _factorised(
    frame: pd.DataFrame, cols: list[str], func: Callable[[Any], Any], sep: str = " "
) -> tuple[np.ndarray, list]:
    """Row codes and ``func`` of each distinct joined value: lists repeat names, dates and
    places, so the Python work is done once per distinct value, not once per row."""
    codes, values = _joined_codes(frame, cols, sep)
    return codes, [func(v) for v in values]


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


_ID_SEPARATORS = re.compile(r"[\s\-./]+")


def _id_keys(text: str) -> tuple[ResidentId | None, str | None]:
    """The parsed resident ID and the ID number to keep: otherwise the text in capitals
    without the spaces, hyphens, dots and slashes that lists write numbers with
    (123-45-6789 is 123456789)."""
    rid = parse_resident_id(text) if text else None
    return rid, rid.number if rid else (_ID_SEPARATORS.sub("", text).upper() or None)


_PLACE_SEP = "\x1f"  # joins a place's columns until the parser sees them


def _place_keys(text: str) -> PlaceKeys:
    """Place keys of one record's place columns (largest unit first, joined by
    :data:`_PLACE_SEP`). Chinese is read as one string from the largest unit down;
    romanised parts are given to the parser as "town, county, state", the order in which
    it reads them, so that the columns stay levels rather than one run-together name."""
    parts = [p for p in text.split(_PLACE_SEP) if p.strip()]
    if not parts:
        return parse_place(None)
    if len(parts) == 1 or any(has_han(p) for p in parts):
        return parse_place("".join(parts))
    return parse_place(", ".join(reversed(parts)))


_NAME_COLUMNS = ("name_script", "name_hz", "name_key", "name_tokens", "name_variants",
                 "name_canon", "name_skel")


def _name_row(raw: str) -> tuple[Any, ...]:
    """The name columns of one raw name, in :data:`_NAME_COLUMNS` order (None = empty),
    then its surname, given-name key and given-name forms as the writing tells them."""
    # uncached: the table keeps what is needed, not the whole keys of every name
    k = normalise_name.__wrapped__(raw)
    p = k.parts
    return (k.script or None, k.hanzi or None, k.key or None, list(k.tokens) or None,
            list(k.variants) or None, list(k.canon) or None, k.skeleton or None,
            p.surname or None, p.given or None, list(p.given_forms) or None)


def _date_row(text: str, day_first: bool) -> tuple[str | None, str | None, int | None]:
    """Birth date, year-month and year of one date's text, read day or month first."""
    d = parse_partial_date(text, day_first=day_first) if text else None
    return (d.full, d.year_month, d.year) if d else (None, None, None)


def _date_tables() -> dict[bool, DistinctTable]:
    import pyarrow as pa

    types = [pa.string(), pa.string(), pa.int64()]
    return {first: DistinctTable(partial(_date_row, day_first=first), types, 100_000)
            for first in (True, False)}


_DATES = _date_tables()


def _name_types() -> list[Any]:
    import pyarrow as pa

    text, texts = pa.string(), pa.list_(pa.string())
    return [text, text, text, texts, texts, texts, text, text, text, texts]


# Names recur across chunks (and lists): their columns are built once per process, for
# at most this many distinct names at a time (memory bound of a list of distinct names).
_NAMES = DistinctTable(_name_row, _name_types(), 500_000)


def load_reference_tables() -> None:
    """Load the tables names, places and dates are read with (pinyin, surnames, Uyghur
    elements, dialects, given names, titles, places) by normalising one value of each
    kind: done before worker processes are forked, they share one copy instead of each
    loading its own."""
    for name in ("Wang Xiu Ying", "WANG Hsiu-ying", "Tom Chudleigh", "Chan Tai Man",
                 "王秀英", "買買提·吐爾遜", "Мәмәт Турсун", "Mehmet Tursun"):
        _name_row(name)
    for place in ("北京市海淀区", "Ealing, London"):
        _place_keys(place)
    parse_partial_date("12 March 1968")


@dataclass
class _Coded:
    """A column given as row codes into per-distinct-value ``values``."""

    codes: np.ndarray
    values: Any  # a list, or a pyarrow Array (of a DistinctTable)

    def rows(self) -> np.ndarray:
        values = self.values if isinstance(self.values, list) else self.values.to_pylist()
        return _take(self.codes, values)


_Column = _Coded | np.ndarray
_LISTS = ("name_tokens", "name_variants", "name_canon", "name_gforms")
_INTS = ("row", "birth_year")


def _name_parts(frame: pd.DataFrame, sur_cols: list[str], name_cols: list[str]
                ) -> list[_Coded]:
    """Surname, given-name key and given-name forms from the surname column, when the name
    is written in several columns."""
    sc, surs = _joined_codes(frame, sur_cols)
    gc, givens = _joined_codes(frame, [c for c in name_cols if c not in sur_cols])
    codes, first = pd.factorize(sc.astype(np.int64) * len(givens) + gc)
    parts: list[NameParts] = [name_parts(surs[k // len(givens)], givens[k % len(givens)])
                              for k in first]
    return [_Coded(codes, [x.surname or None for x in parts]),
            _Coded(codes, [x.given or None for x in parts]),
            _Coded(codes, [list(x.given_forms) or None for x in parts])]


def _columns(
    frame: pd.DataFrame, mapping: ColumnMapping, source: str, start_row: int
) -> dict[str, _Column]:
    """The standard record columns of one chunk; columns derived from one distinct value
    stay coded, so neither the Python work nor the conversion is repeated per row."""
    f = mapping.fields
    n = len(frame)
    rows = np.arange(start_row + 1, start_row + n + 1, dtype=np.int64)
    nc, raw_names = _joined_codes(frame, f.get("name", []))
    name_ids, name_arrays = _NAMES.lookup(raw_names)
    name_codes = name_ids[nc]
    dc, date_texts = _joined_codes(frame, f.get("birth_date", []))
    # read the way this list writes dates (day or month first), judged on its values
    day_first = infer_day_first(date_texts)
    date_ids, (birth_dates, birth_yms, birth_years) = _DATES[day_first].lookup(date_texts)
    date_codes = date_ids[dc]
    pc, places = _factorised(frame, f.get("place", []), _place_keys, _PLACE_SEP)
    ic, ids = _factorised(frame, f.get("id_number", []), _id_keys, "")
    rids = [r for r, _ in ids]
    sc, sex_u = _factorised(frame, f.get("sex", []), normalise_sex)
    sexes: _Column = _Coded(sc, sex_u)
    birth_date: _Column = _Coded(date_codes, birth_dates)
    birth_ym: _Column = _Coded(date_codes, birth_yms)
    byears: _Column = _Coded(date_codes, birth_years)
    if f.get("birth_year"):
        yc, years_alt = _factorised(frame, f["birth_year"],
                                    lambda t: year_from(t) if t else None)
        by = byears.rows()
        byears = np.where(pd.isna(by), _take(yc, years_alt), by)
    # Resident IDs fill in what the other columns leave empty (GB 11643 encodes them).
    has_rid = np.array([r is not None for r in rids], dtype=bool)[ic]
    out: dict[str, _Column] = {}
    if has_rid.any():
        sexes = sexes.rows()
        birth_date, birth_ym = birth_date.rows(), birth_ym.rows()
        byears = byears.rows() if isinstance(byears, _Coded) else byears
        # a parsed date always has its year
        no_date = birth_years.is_null().to_numpy(zero_copy_only=False)[date_codes]
        for i in np.flatnonzero(has_rid):
            rid = rids[ic[i]]
            if no_date[i] and (d := parse_partial_date(rid.birth_date.isoformat())):
                birth_date[i], birth_ym[i], byears[i] = d.full, d.year_month, d.year
            sexes[i] = sexes[i] or rid.sex
        rid_province = _take(ic, [r.province_code if r else "" for r in rids])
        p_province = _take(pc, [p.province for p in places])
        provinces = np.where(p_province != "", p_province, rid_province)
        leaf = _take(pc, [p.county or p.prefecture for p in places])
        out["place_province"] = _blank_none(provinces)
        out["place_leaf"] = _blank_none(np.where(leaf != "", leaf, provinces))
    else:
        out["place_province"] = _Coded(pc, [p.province or None for p in places])
        out["place_leaf"] = _Coded(pc, [p.county or p.prefecture or p.province or None
                                        for p in places])
    out.update({
        "sex": sexes,
        **{col: _Coded(name_codes, values)
           for col, values in zip(_NAME_COLUMNS, name_arrays[:7], strict=True)},
        "birth_date": birth_date,
        "birth_ym": birth_ym,
        "birth_year": byears,
        "place_prefecture": _Coded(pc, [p.prefecture or None for p in places]),
        "id_number": _Coded(ic, [number for _, number in ids]),
        "source": _Coded(np.zeros(n, dtype=np.intp), [source]),
        "row": rows,
        "name": _Coded(nc, raw_names),
    })
    sur_cols = surname_columns(f.get("name", []))
    if sur_cols:
        out["name_sur"], out["name_given"], out["name_gforms"] = _name_parts(
            frame, sur_cols, f.get("name", []))
    else:  # as the writing of the name tells them
        for col, values in zip(("name_sur", "name_given", "name_gforms"), name_arrays[7:],
                               strict=True):
            out[col] = _Coded(name_codes, values)
    for fld in ("event", "event_date", "facility"):
        codes, values = _joined_codes(frame, f.get(fld, []))
        out[fld] = _Coded(codes, [v or None for v in values])
    for c in mapping.attributes:
        codes, values = _joined_codes(frame, [c])
        out[f"attr_{c}"] = _Coded(codes, [v.lower() or None for v in values])
    return out


def standardise(
    frame: pd.DataFrame, mapping: ColumnMapping, source: str, start_row: int = 0
) -> pd.DataFrame:
    """Standard records for a chunk of one list (``start_row`` numbers rows across chunks).

    ``unique_id`` is ``source:row`` with rows counted from 1 after the header, so a reviewer
    can find the original line.
    """
    cols = _columns(frame, mapping, source, start_row)
    out = {k: v.rows() if isinstance(v, _Coded) else v for k, v in cols.items()}
    out["unique_id"] = (source + ":" + pd.Series(out["row"]).astype(str)).to_numpy(dtype=object)
    result = pd.DataFrame({c: out[c] for c in RECORD_COLUMNS}, columns=list(RECORD_COLUMNS))
    for c in mapping.attributes:
        result[f"attr_{c}"] = out[f"attr_{c}"]
    result["birth_year"] = result["birth_year"].astype("Int64")
    result["row"] = result["row"].astype("int64")
    return result


def standardise_table(
    frame: pd.DataFrame, mapping: ColumnMapping, source: str, start_row: int = 0
) -> Any:
    """:func:`standardise` as a pyarrow Table with fixed column types (text, lists of text,
    64-bit integers). Coded columns are converted once per distinct value and expanded by
    Arrow's ``take``, which is what makes writing a million records cheap."""
    import pyarrow as pa
    import pyarrow.compute as pc

    cols = _columns(frame, mapping, source, start_row)
    arrays, names = [], []
    for name in [*RECORD_COLUMNS[1:], *(f"attr_{c}" for c in mapping.attributes)]:
        typ = (pa.list_(pa.string()) if name in _LISTS
               else pa.int64() if name in _INTS else pa.string())
        col = cols[name]
        if isinstance(col, _Coded):
            values = (pa.array(col.values, type=typ) if isinstance(col.values, list)
                      else col.values)
            arr = values.take(pa.array(col.codes))
        else:
            arr = pa.array(col, type=typ, from_pandas=True)
        arrays.append(arr)
        names.append(name)
    uid = pc.binary_join_element_wise(
        pa.scalar(source), pc.cast(arrays[names.index("row")], pa.string()), ":")
    return pa.Table.from_arrays([uid, *arrays], names=["unique_id", *names])
