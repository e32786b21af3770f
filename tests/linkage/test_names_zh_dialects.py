"""Cantonese and Hokkien given names read as pinyin: known names meet their characters."""

import csv

import pytest

from tribunal.linkage.names import normalise_name
from tribunal.linkage.names_zh import hanzi_pinyin, pinyin_syllables
from tribunal.linkage.names_zh_dialects import (
    DATA_DIR,
    MAX_DIALECT_VARIANTS,
    dialect_variants,
    given_name_readings,
    split_syllables,
    syllable_readings,
)


def meet(a: str, b: str) -> bool:
    return bool(set(normalise_name(a).variants) & set(normalise_name(b).variants))


# Public figures' names as published in English and Chinese, and the Hong Kong
# Government's sample name (Chan Tai Man); none of them is in the table.
KNOWN = [
    ("Chan Tai Man", "陳大文"), ("Tai Man Chan", "陈大文"), ("CHAN Tai-man", "陈大文"),
    ("Chan Taiman", "陈大文"), ("Can4 Daai6 Man4", "陈大文"), ("Wong Siu Ming", "黄小明"),
    ("Cheung Ka Wai", "张家伟"), ("Lee Wing Kin", "李永健"), ("Lau Tak Wah", "刘德华"),
    ("Chow Yun Fat", "周润发"), ("Leung Chiu Wai", "梁朝伟"), ("Cheung Hok Yau", "張學友"),
    ("Tsang Yam Kuen", "曾荫权"), ("Leung Chun Ying", "梁振英"), ("Wong Kar Wai", "王家卫"),
    ("Chan Kong Sang", "陈港生"), ("Ho Kai", "何启"),
    ("Tan Ah Kow", "陈亚狗"), ("Lim Boon Keng", "林文庆"), ("Ong Eng Hock", "王荣福"),
    ("Tan Tock Seng", "陈笃生"), ("Goh Chok Tong", "吴作栋"), ("Aw Boon Haw", "胡文虎"),
    ("Tan Cheng Lock", "陈祯禄"), ("Heng Swee Keat", "王瑞杰"), ("Koh Boon Hwee", "许文辉"),
]


@pytest.mark.parametrize(("latin", "hanzi"), KNOWN)
def test_dialect_names_meet_their_characters(latin, hanzi):
    assert meet(latin, hanzi), (normalise_name(latin).variants, normalise_name(hanzi).variants)


def test_most_known_names_meet():
    # Not every name can: Tan Kah Kee's 庚 is too rare a name character to rank, Lee Kuan
    # Yew and Tung Chee Hwa are Hakka / Shanghainese spellings.
    hard = [("Tan Kah Kee", "陈嘉庚"), ("Lee Kuan Yew", "李光耀"), ("Tung Chee Hwa", "董建华")]
    assert sum(meet(a, b) for a, b in KNOWN + hard) >= len(KNOWN)


@pytest.mark.parametrize(("a", "b"), [("Chan Tai Man", "陈小明"), ("Wong Siu Ming", "黄家伟"),
                                      ("Tan Ah Kow", "林文庆"), ("Lee Wing Kin", "李家明"),
                                      ("Cheung Ka Wai", "张大文")])
def test_different_names_do_not_meet(a, b):
    assert not meet(a, b)


def test_syllables_are_ambiguous_sets():
    wai = {p for p, _ in syllable_readings("wai", "cantonese")}
    assert {"wei", "hui", "huai"} <= wai
    assert syllable_readings("xyz", "cantonese") == ()
    shares = [w for _, w in syllable_readings("man", "cantonese")]
    assert shares == sorted(shares, reverse=True) and sum(shares) <= 1.0 + 1e-9
    assert [g for g, _ in given_name_readings(["tai", "man"], "cantonese")].count("dawen") == 1


def test_key_set_is_bounded():
    for name in ["Chan Tai Man", "Cheung Ka Wai Ming", "Tan Ah Kow", "Ho Wai Man"]:
        extra = dialect_variants(name.lower().split())
        assert 0 < len(extra) <= MAX_DIALECT_VARIANTS
    assert dialect_variants(["chan", "a", "b", "c", "d"]) == ()  # five words: not read


def test_pinyin_and_english_names_are_left_alone():
    assert normalise_name("Li Ming").variants == ("li|ming",)
    assert normalise_name("Wang Xiu Ying").variants == ("wang|xiuying",)
    assert dialect_variants(["john", "lee"]) == ()


def test_run_together_given_names_split_in_two():
    assert split_syllables("taiman", "cantonese") == ("tai", "man")
    assert split_syllables("tai-man", "cantonese") == ("tai", "man")
    assert split_syllables("taiman", "cantonese", join=False) is None
    assert split_syllables("qqq", "cantonese") is None
    # ... but only beside a hand-listed dialect surname: English names stay as they are.
    assert dialect_variants(["sam", "chapman"]) == ()
    assert dialect_variants(["jim", "cowan"]) == ()


def test_table_rows_are_pinyin_and_reference_characters_are_found():
    syllables = pinyin_syllables()
    with (DATA_DIR / "dialect_syllables.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) > 5000
    assert all(r["pinyin"] in syllables and float(r["weight"]) > 0 for r in rows)
    assert {r["dialect"] for r in rows} == {"cantonese", "hokkien"}
    # Each listed character's own commonest spelling reads back to its pinyin, for most.
    found = total = 0
    with (DATA_DIR / "dialect_characters.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            py = hanzi_pinyin(r["hanzi"])
            if not py or not r["cantonese"]:
                continue
            total += 1
            found += py[0] in {p for p, _ in syllable_readings(r["cantonese"], "cantonese")}
    assert total > 400 and found / total > 0.85, (found, total)
