"""Chinese names: scripts, surname readings, order and romanisation variants."""

import pytest

from tribunal.linkage.names import normalise_name
from tribunal.linkage.names_zh import (
    split_hanzi_name,
    surname_pinyin,
    to_simplified,
    wade_giles_syllable,
)


@pytest.mark.parametrize(
    ("char", "reading"),
    [("曾", "zeng"), ("单", "shan"), ("仇", "qiu"), ("解", "xie"), ("区", "ou"), ("查", "zha"),
     ("翟", "zhai"), ("乐", "yue"), ("朴", "piao"), ("覃", "qin")],
)
def test_polyphonic_surnames_take_their_surname_reading(char, reading):
    assert surname_pinyin(char) == reading
    assert normalise_name(char + "伟").variants == (f"{reading}|wei",)


@pytest.mark.parametrize(("name", "surname", "given"),
                         [("欧阳修", "欧阳", "修"), ("司马光", "司马", "光"),
                          ("上官婉儿", "上官", "婉儿"), ("诸葛亮", "诸葛", "亮"),
                          ("王秀英", "王", "秀英")])
def test_compound_surnames_split(name, surname, given):
    assert split_hanzi_name(name) == (surname, given)


def test_compound_surname_pinyin():
    assert normalise_name("欧阳修").variants == ("ouyang|xiu",)
    assert normalise_name("歐陽修").hanzi == "欧阳修"


def test_traditional_to_simplified():
    assert to_simplified("張偉") == "张伟"
    assert normalise_name("王秀英").hanzi == normalise_name("王秀英").hanzi
    assert normalise_name("陳大文").hanzi == "陈大文"


@pytest.mark.parametrize("text", ["王秀英", "Wang Xiuying", "Xiuying Wang", "WANG Hsiu-ying",
                                  "wang xiu ying", "Wáng Xiùyīng"])
def test_forms_of_wang_xiuying_share_the_key(text):
    assert normalise_name(text).key == "wang xiuying"


@pytest.mark.parametrize(("latin", "hanzi"),
                         [("Chang Wei", "张伟"), ("Hsu Ming", "徐明"), ("Wong Wei", "黄伟"),
                          ("Wong Wei", "王伟"), ("Tan Ming", "陈明"), ("Wei Chang", "张伟"),
                          ("Lee Ming", "李明"), ("Lim Hua", "林华")])
def test_surname_equivalents_meet_pinyin(latin, hanzi):
    a, b = normalise_name(latin), normalise_name(hanzi)
    assert set(a.variants) & set(b.variants), (a.variants, b.variants)


@pytest.mark.parametrize(("latin", "surname"), [("Cheung Wai", "zhang"), ("Chan Tai-man", "chen"),
                                                ("Kwok Fu-shing", "guo"), ("Ng Ka-ming", "wu")])
def test_cantonese_surnames_map_even_when_given_names_differ(latin, surname):
    # Whatever the given name, the surname alone maps (given names: test_names_zh_dialects).
    assert any(v.startswith(f"{surname}|") for v in normalise_name(latin).variants)


def test_different_people_do_not_share_variants():
    assert not set(normalise_name("Chang Wei").variants) & set(normalise_name("李伟").variants)
    assert normalise_name("王秀英").key != normalise_name("王秀兰").key


@pytest.mark.parametrize(("wg", "py"), [("hsiu", "xiu"), ("ch'iang", "qiang"),
                                        ("chung", "zhong"), ("tsung", "zong"), ("shih", "shi"),
                                        ("ying", "ying"), ("hsüeh", "xue"), ("jih", "ri")])
def test_wade_giles_syllables(wg, py):
    assert wade_giles_syllable(wg) == py


@pytest.mark.parametrize("empty", ["", None, "nan", "不详", "  "])
def test_empty_names_have_no_keys(empty):
    keys = normalise_name(empty)
    assert keys.script == "" and keys.key == ""
