"""Uyghur names: four scripts, unordered elements, the curated table."""

import pytest

from tribunal.linkage.names import normalise_name
from tribunal.linkage.names_uyghur import (
    canonical_element,
    hanzi_to_latin,
    looks_uyghur_hanzi,
    segment_hanzi,
    skeleton,
)


@pytest.mark.parametrize("text", ["买买提·吐尔逊", "買買提·吐爾遜", "买买提吐尔逊", "Memet Tursun",
                                  "Tursun Memet", "Mehmet Tursunov", "MEMET Tursun",
                                  "Мемет Турсунов", "مەمەت تۇرسۇن"])
def test_renderings_of_memet_tursun_share_the_key(text):
    assert normalise_name(text).key == "memet tursun"


def test_table_maps_common_spellings():
    assert hanzi_to_latin("买买提") == "memet"
    assert hanzi_to_latin("吐尔逊") == "tursun"
    assert hanzi_to_latin("阿不都") == "abdu"
    assert hanzi_to_latin("艾力") == "eli"
    assert hanzi_to_latin("王") is None


def test_han_names_are_not_read_as_uyghur():
    assert not looks_uyghur_hanzi("艾青")
    assert not looks_uyghur_hanzi("王秀英")
    assert normalise_name("艾青").script == "han"
    assert segment_hanzi("买买提吐尔逊") == ["买买提", "吐尔逊"]


def test_russian_suffixes_and_variants():
    assert canonical_element("Tursunov") == "tursun"
    assert canonical_element("Kurbanov") == "qurban"
    assert canonical_element("Abdullah") == "abdulla"


def test_skeleton_joins_spelling_variants_but_not_different_names():
    assert skeleton("memet") == skeleton("mamat")
    assert skeleton("ehmet") == skeleton("ahmad")
    assert skeleton("tursun") != skeleton("memet")


def test_unknown_hanzi_element_falls_back_to_pinyin():
    keys = normalise_name("买买提·王")
    assert keys.script == "uyghur"
    assert "memet" in keys.tokens and "wang" in keys.tokens
