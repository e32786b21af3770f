"""Generated person lists with known truth, for tests, benchmarks and the demo.

Everyone here is fictitious: names are drawn at random from common surnames, given-name
characters and Uyghur name elements, birth dates and places at random, and ID numbers are
built with a valid check digit but random digits. Each list renders names its own way
(simplified or traditional characters, pinyin in either order, Wade-Giles/Cantonese
surnames, Cantonese and Hokkien renderings of the whole name as Hong Kong and Singapore
lists write them, Uyghur in Chinese characters, Latin with Russian suffixes, Cyrillic,
Arabic script), drops parts of dates and places and adds typos, as real lists do.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from tribunal.linkage.names_uyghur import DATA_DIR
from tribunal.linkage.names_uyghur import _table as uyghur_table
from tribunal.linkage.names_zh import hanzi_pinyin, surname_pinyin
from tribunal.linkage.resident_id import check_character

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐韩冯邓曹彭曾肖田董袁潘"
            "于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱"
            "江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃单区查翟仇解乐朴")
COMPOUND = ("欧阳", "司马", "上官", "诸葛")
GIVEN = "秀英华明国建平志伟芳丽军红强玉兰桂敏静海燕霞文斌勇杰涛超娟刚辉丹成云波春雪梅林"
PLACES = (
    ("新疆", "喀什", "疏附"), ("新疆", "喀什", "伽师"), ("新疆", "和田", "墨玉"),
    ("新疆", "阿克苏", "库车"), ("新疆", "乌鲁木齐", "天山"), ("四川", "成都", "武侯"),
    ("辽宁", "沈阳", "苏家屯"), ("河南", "郑州", "中原"), ("广东", "广州", "天河"),
    ("湖北", "武汉", "汉阳"), ("山东", "济南", "历下"), ("吉林", "长春", "朝阳"),
)
_PLACE_CODES = {"新疆": "65", "四川": "51", "辽宁": "21", "河南": "41", "广东": "44",
                "湖北": "42", "山东": "37", "吉林": "22"}
_WG = {"zhang": "Chang", "xu": "Hsu", "chen": "Chan", "huang": "Wong", "zhou": "Chow",
       "li": "Lee", "lin": "Lam", "wu": "Ng", "guo": "Kwok", "yang": "Yeung", "zheng": "Cheng",
       "liu": "Lau", "he": "Ho", "xie": "Hsieh", "zeng": "Tsang", "cai": "Tsai"}
# Established surname spellings (Hong Kong Cantonese; Singapore / Malaysia Hokkien).
_CANTO_SURNAME = {"chen": "Chan", "huang": "Wong", "zhang": "Cheung", "li": "Lee",
                  "wang": "Wong", "wu": "Ng", "liu": "Lau", "lin": "Lam", "he": "Ho",
                  "guo": "Kwok", "yang": "Yeung", "zhou": "Chow", "xu": "Hui", "zheng": "Cheng",
                  "liang": "Leung", "xie": "Tse", "zhao": "Chiu", "ma": "Ma", "luo": "Law",
                  "zeng": "Tsang", "feng": "Fung", "deng": "Tang", "cai": "Choi", "pan": "Poon",
                  "ye": "Yip", "yuan": "Yuen", "tang": "Tong", "cao": "Tso", "zhu": "Chu"}
_HOKKIEN_SURNAME = {"chen": "Tan", "lin": "Lim", "huang": "Ng", "zhang": "Teo", "li": "Lee",
                    "wang": "Ong", "wu": "Goh", "xu": "Koh", "zheng": "Tay", "yang": "Yeo",
                    "guo": "Quek", "cai": "Chua", "liu": "Lau", "he": "Ho", "zhou": "Chew",
                    "xie": "Chia", "pan": "Phua", "liang": "Neo", "shen": "Sim", "hong": "Ang",
                    "zhuo": "Toh", "ye": "Yeo", "zeng": "Chan", "jiang": "Kang", "qiu": "Khoo"}


@lru_cache(maxsize=1)
def _dialect_characters() -> dict[str, tuple[str, str]]:
    """hanzi -> (Cantonese, Hokkien) commonest spelling of each listed character."""
    with (DATA_DIR / "dialect_characters.csv").open(encoding="utf-8") as fh:
        return {r["hanzi"]: (r["cantonese"], r["hokkien"]) for r in csv.DictReader(fh)}


@lru_cache(maxsize=1)
def _uyghur_genders() -> dict[str, str]:
    with (DATA_DIR / "uyghur_names.csv").open(encoding="utf-8") as fh:
        return {r["hanzi"]: r.get("gender") or "" for r in csv.DictReader(fh)}


_CYR = {"sh": "ш", "ch": "ч", "zh": "ж", "gh": "ғ", "ng": "ң", "a": "а", "b": "б", "d": "д",
        "e": "е", "f": "ф", "g": "г", "h": "һ", "i": "и", "j": "ж", "k": "к", "l": "л",
        "m": "м", "n": "н", "o": "о", "p": "п", "q": "қ", "r": "р", "s": "с", "t": "т",
        "u": "у", "w": "в", "x": "х", "y": "й", "z": "з", "v": "в", "ö": "ө", "ü": "ү"}
_ARA = {"sh": "ش", "ch": "چ", "zh": "ژ", "gh": "غ", "ng": "ڭ", "a": "ا", "b": "ب", "d": "د",
        "e": "ە", "f": "ف", "g": "گ", "h": "ھ", "i": "ى", "j": "ج", "k": "ك", "l": "ل",
        "m": "م", "n": "ن", "o": "و", "p": "پ", "q": "ق", "r": "ر", "s": "س", "t": "ت",
        "u": "ۇ", "w": "ۋ", "x": "خ", "y": "ي", "z": "ز", "v": "ۋ", "ö": "ۆ", "ü": "ۈ"}


def _letters(text: str, table: dict[str, str]) -> str:
    out, i = [], 0
    while i < len(text):
        if text[i:i + 2] in table:
            out.append(table[text[i:i + 2]])
            i += 2
        else:
            out.append(table.get(text[i], text[i]))
            i += 1
    return "".join(out)


def _typo(rng: np.random.Generator, text: str) -> str:
    if len(text) < 3:
        return text
    i = int(rng.integers(1, len(text) - 1))
    kind = rng.integers(3)
    if kind == 0:
        return text[:i] + text[i + 1:]
    if kind == 1:
        return text[:i] + text[i] + text[i:]
    return text[:i] + text[i + 1] + text[i] + text[i + 2:]


@dataclass(frozen=True)
class Person:
    pid: str
    kind: str  # "han" or "uyghur"
    hanzi: str
    surname: str  # han: surname characters; uyghur: unused
    elements: tuple[tuple[str, str, tuple[str, ...]], ...]  # uyghur (hanzi, latin, variants)
    sex: str
    birth: dt.date
    place: tuple[str, str, str]
    id_number: str


def make_people(n: int, seed: int, uyghur_share: float = 0.4) -> list[Person]:
    """``n`` fictitious people; a share of them with Uyghur names."""
    rng = np.random.default_rng(seed)
    table = list(uyghur_table().items())
    genders = _uyghur_genders()
    males = [t for t in table if genders.get(t[0]) == "m"]
    females = [t for t in table if genders.get(t[0]) == "f"]
    people = []
    for k in range(n):
        sex = "m" if rng.random() < 0.6 else "f"
        birth = dt.date(1950, 1, 1) + dt.timedelta(days=int(rng.integers(0, 365 * 50)))
        place = PLACES[int(rng.integers(len(PLACES)))]
        if rng.random() < uyghur_share:
            pool = males if sex == "m" else females
            own = pool[int(rng.integers(len(pool)))]
            father = males[int(rng.integers(len(males)))]
            elements = ((own[0], own[1][0], own[1][1]), (father[0], father[1][0], father[1][1]))
            hanzi, surname, kind = "·".join(e[0] for e in elements), "", "uyghur"
            place = PLACES[int(rng.integers(5))]
        else:
            surname = (COMPOUND[int(rng.integers(len(COMPOUND)))] if rng.random() < 0.03
                       else SURNAMES[int(rng.integers(len(SURNAMES)))])
            given = "".join(GIVEN[int(i)] for i in rng.integers(len(GIVEN),
                                                                 size=int(rng.integers(1, 3))))
            hanzi, elements, kind = surname + given, (), "han"
        county = f"{_PLACE_CODES[place[0]]}{int(rng.integers(1, 99)):02d}{int(rng.integers(1, 99)):02d}"
        seq = int(rng.integers(0, 500)) * 2 + (1 if sex == "m" else 0)
        first17 = f"{county}{birth:%Y%m%d}{seq:03d}"
        people.append(Person(f"T{k:06d}", kind, hanzi, surname, elements, sex, birth, place,
                             first17 + check_character(first17)))
    return people


def _han_latin(p: Person, rng: np.random.Generator, style: str) -> str:
    sp = surname_pinyin(p.surname)
    gp = "".join(hanzi_pinyin(p.hanzi[len(p.surname):]))
    sur = sp.capitalize()
    if style == "wg" and sp in _WG:
        sur = _WG[sp]
    given = gp.capitalize()
    if style == "wg" and len(gp) > 3:
        sylls = hanzi_pinyin(p.hanzi[len(p.surname):])
        given = "-".join(sylls).capitalize()
        return f"{sur.upper()} {given}" if rng.random() < 0.5 else f"{given} {sur}"
    return f"{sur} {given}" if rng.random() < 0.5 else f"{given} {sur}"


def _dialect_latin(p: Person, rng: np.random.Generator, dialect: str) -> str | None:
    """The name as a Hong Kong (Cantonese) or Singapore (Hokkien) list writes it: surname
    first, given syllables separate ("Chan Tai Man", "Tan Ah Kow") or hyphenated
    ("CHAN Tai-man"), sometimes in Western order. None if a character has no reading."""
    chars = _dialect_characters()
    idx = 0 if dialect == "cantonese" else 1
    sp = surname_pinyin(p.surname)
    known = _CANTO_SURNAME if dialect == "cantonese" else _HOKKIEN_SURNAME
    sur = known.get(sp) or (chars.get(p.surname, ("", ""))[idx].capitalize()
                            if len(p.surname) == 1 else "")
    given = [chars.get(c, ("", ""))[idx] for c in p.hanzi[len(p.surname):]]
    if not sur or not all(given):
        return None
    if dialect == "cantonese" and len(given) > 1 and rng.random() < 0.4:
        g = "-".join(given).capitalize()
        return f"{sur.upper()} {g}" if rng.random() < 0.5 else f"{g} {sur}"
    g = " ".join(x.capitalize() for x in given)
    return f"{sur} {g}" if rng.random() < 0.8 else f"{g} {sur}"


def _uyghur_render(p: Person, rng: np.random.Generator, style: str) -> str:
    (_, own, own_var), (_, father, father_var) = p.elements
    if style == "hanzi":
        return p.hanzi
    if style == "cyrillic":
        return f"{_letters(own, _CYR).capitalize()} {_letters(father, _CYR).capitalize()}ов"
    if style == "arabic":
        return f"{_letters(own, _ARA)} {_letters(father, _ARA)}"
    if style == "variant":
        o = own_var[int(rng.integers(len(own_var)))] if own_var else own
        f = father_var[int(rng.integers(len(father_var)))] if father_var else father
        return f"{o.capitalize()} {f.capitalize()}"
    return f"{own.capitalize()} {father.capitalize()}" if rng.random() < 0.7 else \
        f"{father.capitalize()} {own.capitalize()}"


LIST_STYLES: dict[str, dict[str, object]] = {
    # name style for han / uyghur, date precision, place level, has id, typo rate
    "registry": {"han": "hanzi", "ug": "hanzi", "date": "day", "place": 3, "id": True,
                 "typo": 0.02, "capture": 0.6},
    "hospital": {"han": "latin", "ug": "latin", "date": "month", "place": 2, "id": False,
                 "typo": 0.05, "capture": 0.5},
    "testimony": {"han": "mixed", "ug": "mixed", "date": "year", "place": 1, "id": False,
                  "typo": 0.08, "capture": 0.4},
}


def make_lists(
    n_people: int = 300, seed: int = 7, styles: dict[str, dict[str, object]] | None = None,
    duplicate_rate: float = 0.03, dialect_names: bool = True,
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Generate lists of fictitious people and the truth (``list``, ``row``, ``person``).

    Each list captures each person independently with its ``capture`` probability and
    sometimes records the same person twice. ``dialect_names=False`` leaves out the
    Cantonese and Hokkien renderings of Chinese names (the set as it was before they were
    added).
    """
    rng = np.random.default_rng(seed)
    styles = styles or LIST_STYLES
    people = make_people(n_people, seed)
    lists: dict[str, pd.DataFrame] = {}
    truth = []
    import opencc

    s2t = opencc.OpenCC("s2t")
    for lname, st in styles.items():
        rows = []
        for p in people:
            if rng.random() >= float(st["capture"]):
                continue
            for _ in range(2 if rng.random() < duplicate_rate else 1):
                if p.kind == "han":
                    style = str(st["han"])
                    if style == "mixed":
                        choices = ("trad", "latin", "wg") + (
                            ("cantonese", "hokkien") if dialect_names else ())
                        style = choices[int(rng.integers(len(choices)))]
                    if style in ("cantonese", "hokkien"):
                        name = _dialect_latin(p, rng, style) or _han_latin(p, rng, "latin")
                    else:
                        name = (p.hanzi if style == "hanzi" else s2t.convert(p.hanzi)
                                if style == "trad" else _han_latin(p, rng, style))
                else:
                    style = str(st["ug"])
                    if style == "mixed":
                        style = ("cyrillic", "arabic", "variant", "hanzi")[int(rng.integers(4))]
                    name = _uyghur_render(p, rng, style)
                if rng.random() < float(st["typo"]):
                    name = _typo(rng, name)
                date = {"day": p.birth.isoformat(), "month": f"{p.birth:%Y年%m月}",
                        "year": str(p.birth.year)}[str(st["date"])]
                if rng.random() < 0.1:
                    date = ""
                level = int(st["place"])  # type: ignore[call-overload]
                place = "".join(p.place[:level]) if level > 1 else p.place[0]
                rows.append({"name": name, "sex": "男" if p.sex == "m" else "女",
                             "birth": date, "place": place,
                             "id": p.id_number if st["id"] else "", "_person": p.pid})
        frame = pd.DataFrame(rows).sample(frac=1.0, random_state=int(rng.integers(1 << 31)))
        frame = frame.reset_index(drop=True)
        for i, pid in enumerate(frame["_person"], start=1):
            truth.append({"list": lname, "row": i, "person": pid})
        out = frame.drop(columns=["_person"])
        if lname == "registry":
            out = out.rename(columns={"name": "姓名", "sex": "性别", "birth": "出生日期",
                                      "place": "户籍地", "id": "身份证号"})
        else:
            out = out.rename(columns={"birth": "date_of_birth", "place": "address"})
            out = out.drop(columns=["id"])
        lists[lname] = out
    return lists, pd.DataFrame(truth)
