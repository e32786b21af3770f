"""Partial dates, place hierarchies and resident ID numbers."""

import datetime as dt

import pytest

from tribunal.linkage.dates import parse_partial_date
from tribunal.linkage.places import parse_place
from tribunal.linkage.resident_id import check_character, parse_resident_id


@pytest.mark.parametrize(("text", "iso", "precision"), [
    ("1968", "1968", "year"), ("1968-03", "1968-03", "month"), ("1968-03-12", "1968-03-12", "day"),
    ("1968年3月12日", "1968-03-12", "day"), ("1968年3月", "1968-03", "month"),
    ("约1968年", "1968", "year"), ("12/03/1968", "1968-03-12", "day"),
    ("03/1968", "1968-03", "month"), ("19680312", "1968-03-12", "day"),
    ("1968-00-00", "1968", "year"), ("1968.0", "1968", "year"),
])
def test_partial_dates(text, iso, precision):
    d = parse_partial_date(text)
    assert d is not None and d.iso() == iso and d.precision == precision


@pytest.mark.parametrize("bad", ["", "68", "abc", None, "nan", "0968", "3000-01-01"])
def test_bad_dates_are_none(bad):
    assert parse_partial_date(bad) is None


@pytest.mark.parametrize(("typo", "iso"), [("1968-02-30", "1968-02"), ("1968-13-01", "1968"),
                                           ("1835-81-01", "1835")])
def test_impossible_month_or_day_keeps_what_is_sound(typo, iso):
    assert parse_partial_date(typo).iso() == iso


def test_month_first_option():
    assert parse_partial_date("03/12/1968", day_first=False).iso() == "1968-03-12"
    assert parse_partial_date("约1968").approximate


@pytest.mark.parametrize(("text", "province", "prefecture", "county"), [
    ("新疆维吾尔自治区喀什地区疏附县", "65", "kashi", "shufu"),
    ("新疆喀什疏附县", "65", "kashi", "shufu"),
    ("Shufu, Kashgar, Xinjiang", "65", "kashi", "shufu"),
    ("Kashgar", "65", "kashi", ""),
    ("新疆", "65", "", ""),
    ("Xinjiang Uyghur Autonomous Region", "65", "", ""),
    ("四川省成都市", "51", "chengdu", ""),
    ("北京市朝阳区", "11", "beijing", "zhaoyang"),
    ("廣東省廣州市", "44", "guangzhou", ""),
    ("", "", "", ""),
    # an inverted English name leaves no connector behind as a place of its own
    ("bristol, city of", "", "", "bristol"),
    ("City of London", "", "", "london"),
    ("No. 3 Detention Centre", "", "", "no3detentioncentre"),
])
def test_places(text, province, prefecture, county):
    p = parse_place(text)
    assert (p.province, p.prefecture, p.county) == (province, prefecture, county)


def test_resident_id_standard_example():
    # The example number printed in GB 11643-1999.
    rid = parse_resident_id("11010519491231002X")
    assert rid.valid_check and rid.birth_date == dt.date(1949, 12, 31)
    assert rid.sex == "f" and rid.county_code == "110105" and rid.province_code == "11"


def test_resident_id_check_digit_and_old_form():
    assert check_character("11010519491231002") == "X"
    old = parse_resident_id("110105491231002")
    assert old.number == "11010519491231002X" and old.original_length == 15
    typo = parse_resident_id("110105194912310021")
    assert typo is not None and not typo.valid_check
    assert parse_resident_id("11010519491331002X") is None  # month 13
    assert parse_resident_id("12345") is None
    assert parse_resident_id("1101 0519 4912 3100 2x").number == "11010519491231002X"


def test_check_character_against_independent_computation():
    import random

    rng = random.Random(1)
    for _ in range(200):
        first = "".join(rng.choice("0123456789") for _ in range(17))
        total = sum(int(c) * (2 ** (17 - i) % 11) for i, c in enumerate(first))
        expect = "10X98765432"[total % 11]
        assert check_character(first) == expect
        # ISO 7064 MOD 11-2: the full number including its check value is 1 mod 11.
        value = 10 if expect == "X" else int(expect)
        assert (sum(int(c) * 2 ** (17 - i) for i, c in enumerate(first)) + value) % 11 == 1
