"""PRC resident identity card numbers (居民身份证号码), GB 11643-1999.

An 18-character number is: 6-digit address code of the county where it was issued
(GB/T 2260: 2 digits province, 2 prefecture, 2 county), 8-digit birth date YYYYMMDD,
3-digit sequence (odd for men, even for women) and a check character computed with
ISO 7064 MOD 11-2 (``X`` stands for 10). The older 15-digit form (issued before 1999) has
a 6-digit birth date YYMMDD (all 19YY), a 3-digit sequence and no check character.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))  # 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2
_CHECK = "10X98765432"


def check_character(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character of the first 17 digits."""
    if not re.fullmatch(r"\d{17}", first17):
        raise ValueError("need exactly 17 digits")
    total = sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


@dataclass(frozen=True)
class ResidentId:
    """A parsed resident ID: ``number`` is always the 18-character form."""

    number: str
    county_code: str
    birth_date: dt.date
    sex: str  # "m" or "f"
    valid_check: bool
    original_length: int

    @property
    def province_code(self) -> str:
        return self.county_code[:2]

    @property
    def prefecture_code(self) -> str:
        return self.county_code[:4]


def upgrade_15(number15: str) -> str:
    """Turn a 15-digit old-form number into the 18-character form (insert 19, add check)."""
    first17 = number15[:6] + "19" + number15[6:15]
    return first17 + check_character(first17)


def parse_resident_id(text: object) -> ResidentId | None:
    """Parse an 18- or 15-character resident ID number; None if it is not one.

    Spaces and hyphens are ignored and a lower-case ``x`` is accepted. A number whose
    shape and birth date are right but whose check character is wrong is returned with
    ``valid_check=False``: a typo in the last digit should lower, not erase, the evidence.
    """
    if text is None:
        return None
    s = re.sub(r"[\s\-]", "", str(text)).upper()
    if s.endswith(".0"):  # read from a spreadsheet as a number
        s = s[:-2]
    if re.fullmatch(r"\d{17}[\dX]", s):
        number, length = s, 18
    elif re.fullmatch(r"\d{15}", s):
        number, length = upgrade_15(s), 15
    else:
        return None
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None
    if not 1880 <= birth.year <= dt.date.today().year or number[:2] in ("00",):
        return None
    sex = "m" if int(number[16]) % 2 == 1 else "f"
    valid = check_character(number[:17]) == number[17]
    return ResidentId(number, number[:6], birth, sex, valid, length)
