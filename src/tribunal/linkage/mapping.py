"""Column mapping: which columns of each list hold which standard field.

A mapping YAML names each list file (by file name) and, for each standard field, the column
or columns holding it::

    lists:
      hospital_a.csv:
        name: [姓, 名]          # several columns are joined in order
        birth_date: 出生日期
        place: [省, 县]
      wanted.xlsx:
        name: Full name
        id_number: ID

Columns with recognisable headers (姓名, 性别, 出生日期, name, full_name, dob, ...) need no
mapping; an explicit mapping for a field replaces the recognised one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tribunal.errors import InputError

STANDARD_FIELDS: tuple[str, ...] = (
    "name", "sex", "birth_date", "birth_year", "place", "event", "event_date", "facility",
    "id_number",
)

# Place columns by the size of the unit they name, largest first (China: province >
# prefecture > county > township; elsewhere: state > county > town); a column naming no
# unit (籍贯, address, birth_place) holds a whole place. Several columns of one place join
# from the largest unit to the smallest.
_PLACE_RANK = {"省": 0, "省份": 0, "province": 0, "state": 0, "region": 0,
               "地区": 1, "州": 1, "市": 1, "地市": 1, "prefecture": 1,
               "县": 2, "区": 2, "县区": 2, "县市": 2, "county": 2, "district": 2,
               "乡": 3, "镇": 3, "乡镇": 3, "村": 3, "city": 3, "town": 3, "suburb": 3,
               "village": 3, "locality": 3, "municipality": 3}
_TOWN = 3
_WHOLE_PLACE = 4
_PLACE_UNITS = tuple(_PLACE_RANK)

# Header spellings recognised without a mapping (compared lower-cased, without spaces,
# underscores or hyphens). Order within a field is the order columns are joined.
_WHOLE_NAME = ("姓名", "名字", "全名", "人名", "name", "fullname", "personname")
AUTO_HEADERS: dict[str, tuple[str, ...]] = {
    "name": (*_WHOLE_NAME, "姓", "名", "surname", "lastname", "familyname", "lname",
             "firstname", "givenname", "givennames", "forename", "forenames", "fname",
             "middlename", "middlenames"),
    "sex": ("性别", "sex", "gender"),
    "birth_date": ("出生日期", "出生年月", "出生年月日", "生日", "dob", "birthdate",
                   "dateofbirth", "born", "birthday"),
    "birth_year": ("出生年份", "出生年", "birthyear", "yearofbirth", "yob", "yearborn"),
    "place": ("籍贯", "户籍地", "户籍所在地", "出生地", "住址", "地址", "家庭住址", "place",
              "birthplace", "placeofbirth", "cityofbirth", "birthcity", "townofbirth",
              "address", "residence", "hometown", *_PLACE_UNITS),
    "event": ("事件", "状态", "event", "status"),
    "event_date": ("死亡日期", "拘留日期", "关押日期", "事件日期", "eventdate", "dateofdeath",
                   "detentiondate", "dateofdetention"),
    "facility": ("关押地点", "关押场所", "监狱", "看守所", "医院", "facility", "camp",
                 "prison", "hospital", "detentionfacility"),
    # Numbers issued to one person for life; a row or record number (id, rec_id,
    # unique_id) is not one: every record has its own, so it is never recognised.
    "id_number": ("身份证号", "身份证号码", "公民身份号码", "证件号码", "身份证", "idnumber",
                  "idno", "nationalid", "nationalidnumber", "residentid", "idcard",
                  "idcardnumber", "identitynumber", "identitycardnumber", "ssn",
                  "socialsecuritynumber", "socialsecurityno", "socialsecurityid", "socsecid",
                  "socsecno", "nationalinsurancenumber", "ninumber", "nino", "passport",
                  "passportnumber", "passportno", "personalnumber", "personalidnumber",
                  "nhsnumber"),
}
# Columns compared as attributes (exact, one typo, Jaro-Winkler) when present: the parts of
# an address below the town, contact details, an occupation.
AUTO_ATTRIBUTES: tuple[str, ...] = (
    "postcode", "postalcode", "zip", "zipcode", "address1", "address2", "address3",
    "addressline1", "addressline2", "street", "streetaddress", "streetname",
    "streetnumber", "housenumber", "email", "emailaddress", "phone", "phonenumber",
    "telephone", "mobile", "occupation", "profession", "job",
)
# Surname columns come before given-name columns when both are recognised.
_NAME_ORDER = ("姓", "surname", "lastname", "familyname", "lname")


def _fold(header: str) -> str:
    # a note in brackets says how the column is written, not what it holds:
    # "Date of birth (dd/mm/yyyy)", "出生日期（年月日）"
    header = re.sub(r"\([^)]*\)|\[[^\]]*\]|（[^）]*）", "", str(header))
    return re.sub(r"[\s_\-.:：]+", "", header).lower()


def surname_columns(name_columns: list[str]) -> list[str]:
    """The name columns whose header says they hold the surname (姓, surname, last name,
    family name), when the name is written in several columns; else empty."""
    if len(name_columns) < 2:
        return []
    found = [c for c in name_columns if _fold(c) in _NAME_ORDER]
    return found if len(found) < len(name_columns) else []


@dataclass
class ColumnMapping:
    """field -> columns, plus ``attributes``: extra columns compared for exact equality."""

    fields: dict[str, list[str]] = field(default_factory=dict)
    attributes: list[str] = field(default_factory=list)
    # A mapping stored with a list in the case is complete: used as is, without adding
    # headers that a later version might recognise (the same list links the same way).
    exact: bool = False

    def columns(self) -> list[str]:
        out = [c for cols in self.fields.values() for c in cols]
        return out + [c for c in self.attributes if c not in out]

    def to_dict(self) -> dict[str, object]:
        return {"fields": self.fields, "attributes": self.attributes}

    @classmethod
    def from_dict(cls, doc: dict[str, Any], *, exact: bool = True) -> ColumnMapping:
        """A mapping as :meth:`to_dict` wrote it (stored in the case, or in a run's
        summary); ``exact`` by default: a written mapping was complete when written."""
        return cls({k: list(v) for k, v in doc.get("fields", {}).items()},
                   list(doc.get("attributes", [])), exact=exact)


def _place_columns(hits: list[str]) -> tuple[list[str], list[str]]:
    """(place columns, left over): one column per unit (state > county > town), largest
    first, then the first column holding a whole place or an address, which names the
    rest (省 + 地址). Beside a town column an address is the street, below what the model
    compares as a place; a second whole place (a birthplace beside a residence) is
    another fact about the person. Both are left over, to be compared as attributes."""
    ranked = sorted(hits, key=lambda c: _PLACE_RANK.get(_fold(c), _WHOLE_PLACE))
    units: dict[int, str] = {}
    for c in ranked:
        units.setdefault(_PLACE_RANK.get(_fold(c), _WHOLE_PLACE), c)
    place = [c for r, c in units.items() if not (r == _WHOLE_PLACE and _TOWN in units)]
    return place, [c for c in hits if c not in place]


def recognise(columns: list[str]) -> ColumnMapping:
    """Map recognisable headers to standard fields, and columns such as a postcode, a
    street address or an e-mail address to attributes."""
    folded: dict[str, str] = {}
    for c in columns:
        folded.setdefault(_fold(c), c)
    fields: dict[str, list[str]] = {}
    attributes: list[str] = []
    for name, aliases in AUTO_HEADERS.items():
        hits = [folded[a] for a in aliases if a in folded]
        if name == "name":
            whole = [folded[a] for a in _WHOLE_NAME if a in folded]
            if whole:
                hits = whole[:1]
            else:
                hits.sort(key=lambda c: 0 if _fold(c) in _NAME_ORDER else 1)
        elif name == "place":
            hits, rest = _place_columns(hits)
            attributes += rest
        else:
            hits = hits[:1]
        if hits:
            fields[name] = hits
    attributes += [folded[a] for a in AUTO_ATTRIBUTES if a in folded]
    return ColumnMapping(fields, attributes)


def _as_list(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return [str(value)]


def parse_mapping(data: object) -> dict[str, ColumnMapping]:
    """Validate a mapping document (already parsed YAML) into file name -> mapping."""
    if not isinstance(data, dict):
        raise InputError("the mapping file must be a YAML mapping of list file names",
                         hint="see docs/linkage.md for the format")
    lists = data.get("lists", data)
    if not isinstance(lists, dict):
        raise InputError("'lists' in the mapping file must map file names to fields")
    out: dict[str, ColumnMapping] = {}
    for fname, spec in lists.items():
        if not isinstance(spec, dict):
            raise InputError(f"mapping for {fname!r} must map fields to columns")
        unknown = [k for k in spec if k not in STANDARD_FIELDS and k != "attributes"]
        if unknown:
            raise InputError(
                f"unknown field(s) {', '.join(map(str, unknown))} in the mapping for {fname!r}",
                hint=f"standard fields: {', '.join(STANDARD_FIELDS)}, plus 'attributes'",
            )
        out[str(fname)] = ColumnMapping(
            {k: _as_list(v) for k, v in spec.items() if k != "attributes"},
            _as_list(spec.get("attributes")),
        )
    return out


def load_mapping(path: str | Path) -> dict[str, ColumnMapping]:
    """Read a mapping YAML file (see the module docstring for its format)."""
    import yaml

    path = Path(path)
    if not path.is_file():
        raise InputError(f"no such mapping file: {path}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the mapping file {path}: {exc}") from exc
    return parse_mapping(data)


def resolve(columns: list[str], explicit: ColumnMapping | None, source: str) -> ColumnMapping:
    """The mapping for one list: recognised headers overridden by explicit fields.

    Raises :class:`InputError` when a mapped column is missing or no name column is found.
    """
    if explicit is not None and explicit.exact:
        mapping = ColumnMapping({k: list(v) for k, v in explicit.fields.items() if v},
                                list(explicit.attributes))
    else:
        mapping = recognise(columns)
    if explicit and not explicit.exact:
        mapping.fields.update({k: v for k, v in explicit.fields.items() if v})
        if explicit.attributes:
            mapping.attributes = list(explicit.attributes)
        # a recognised attribute the mapping gives a field is compared once, as that field
        used = {c for cols in mapping.fields.values() for c in cols}
        mapping.attributes = [c for c in mapping.attributes if c not in used]
    missing = [c for c in mapping.columns() if c not in columns]
    if missing:
        raise InputError(
            f"{source}: mapped column(s) not in the file: {', '.join(missing)}",
            hint=f"the file has: {', '.join(columns[:20])}",
        )
    if not mapping.fields.get("name"):
        raise InputError(
            f"{source}: no usable name column",
            hint="name it 姓名/name/full_name, or map it: lists: {FILE: {name: COLUMN}} "
            "in a --mapping YAML file",
        )
    return mapping
