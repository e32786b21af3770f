"""Place hierarchies: province > prefecture > county, from Chinese or romanised text.

One list gives 新疆维吾尔自治区喀什地区疏附县, another "Kashgar, Xinjiang", a third only
新疆. The model can then compare at the deepest level both records know. Province codes are
the 2-digit codes of GB/T 2260 (the same as the first two digits of a resident ID).
Prefecture aliases cover Xinjiang (with Uyghur and older Western exonyms) and the provincial
capitals; other places are compared by their pinyin with administrative suffixes removed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from tribunal.linkage.names_zh import hanzi_pinyin, has_han, strip_accents, to_simplified

# code: (short hanzi, pinyin, other names)
PROVINCES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "11": ("北京", "beijing", ("peking",)), "12": ("天津", "tianjin", ("tientsin",)),
    "13": ("河北", "hebei", ("hopei",)), "14": ("山西", "shanxi", ("shansi",)),
    "15": ("内蒙古", "neimenggu", ("inner mongolia", "nei mongol")),
    "21": ("辽宁", "liaoning", ()), "22": ("吉林", "jilin", ("kirin",)),
    "23": ("黑龙江", "heilongjiang", ("heilungkiang",)), "31": ("上海", "shanghai", ()),
    "32": ("江苏", "jiangsu", ("kiangsu",)), "33": ("浙江", "zhejiang", ("chekiang",)),
    "34": ("安徽", "anhui", ("anhwei",)), "35": ("福建", "fujian", ("fukien",)),
    "36": ("江西", "jiangxi", ("kiangsi",)), "37": ("山东", "shandong", ("shantung",)),
    "41": ("河南", "henan", ("honan",)), "42": ("湖北", "hubei", ("hupeh",)),
    "43": ("湖南", "hunan", ()), "44": ("广东", "guangdong", ("kwangtung", "canton")),
    "45": ("广西", "guangxi", ("kwangsi",)), "46": ("海南", "hainan", ()),
    "50": ("重庆", "chongqing", ("chungking",)), "51": ("四川", "sichuan", ("szechwan",)),
    "52": ("贵州", "guizhou", ("kweichow",)), "53": ("云南", "yunnan", ()),
    "54": ("西藏", "xizang", ("tibet",)), "61": ("陕西", "shaanxi", ("shensi",)),
    "62": ("甘肃", "gansu", ("kansu",)), "63": ("青海", "qinghai", ("tsinghai",)),
    "64": ("宁夏", "ningxia", ("ningsia",)),
    "65": ("新疆", "xinjiang", ("sinkiang", "east turkistan", "east turkestan", "uyghur region")),
    "71": ("台湾", "taiwan", ()), "81": ("香港", "xianggang", ("hong kong", "hongkong")),
    "82": ("澳门", "aomen", ("macau", "macao")),
}
_MUNICIPALITIES = {"11", "12", "31", "50"}

# prefecture pinyin key: (province code, other names)
PREFECTURES: dict[str, tuple[str, tuple[str, ...]]] = {
    "wulumuqi": ("65", ("urumqi", "urumchi", "ürümchi", "urumchi")),
    "kashi": ("65", ("kashgar", "qeshqer", "kashghar")),
    "hetian": ("65", ("hotan", "khotan", "xoten")), "akesu": ("65", ("aksu", "aqsu")),
    "yili": ("65", ("ili", "ghulja", "kulja")), "yining": ("65", ("ghulja", "gulja")),
    "tulufan": ("65", ("turpan", "turfan")), "hami": ("65", ("kumul", "qumul")),
    "kelamayi": ("65", ("karamay", "qaramay")), "aletai": ("65", ("altay", "altai")),
    "tacheng": ("65", ("chochek", "chöchek")), "boertala": ("65", ("bortala",)),
    "changji": ("65", ()), "bayinguoleng": ("65", ("bayingolin",)),
    "kuerle": ("65", ("korla",)), "kezilesu": ("65", ("kizilsu", "qizilsu")),
    "atushi": ("65", ("atush", "artux", "artush")), "shihezi": ("65", ()),
    "chengdu": ("51", ()), "wuhan": ("42", ()), "guangzhou": ("44", ("canton city",)),
    "shenyang": ("21", ("mukden",)), "haerbin": ("23", ("harbin",)),
    "changchun": ("22", ()), "nanjing": ("32", ("nanking",)), "hangzhou": ("33", ()),
    "jinan": ("37", ()), "zhengzhou": ("41", ()), "changsha": ("43", ()),
    "xian": ("61", ("sian",)), "lanzhou": ("62", ()), "lasa": ("54", ("lhasa",)),
    "xining": ("63", ()), "yinchuan": ("64", ()), "huhehaote": ("15", ("hohhot",)),
    "kunming": ("53", ()), "guiyang": ("52", ()), "nanning": ("45", ()),
    "fuzhou": ("35", ()), "nanchang": ("36", ()), "hefei": ("34", ()),
    "taiyuan": ("14", ()), "shijiazhuang": ("13", ()), "haikou": ("46", ()),
    "dalian": ("21", ()), "qingdao": ("37", ("tsingtao",)), "shenzhen": ("44", ()),
    "suzhou": ("32", ()), "tianjin": ("12", ()),
}

_ADMIN_SUFFIX_HAN = re.compile(
    r"(维吾尔自治区|壮族自治区|回族自治区|自治区|特别行政区|省|自治州|地区|盟|市|自治县|县|区|旗|镇|乡)$"
)
_ADMIN_WORDS = re.compile(
    r"\b(uyghur|uygur|uighur|autonomous|region|province|prefecture|city|county|district|"
    r"municipality|sar|special administrative|shi|xian|sheng|qu|zhou|diqu)\b"
)
# English connectors left by an inverted name ("bristol, city of", "city of london"): not a
# place of their own.
_CONNECTOR_WORDS = re.compile(r"\b(of|the)\b")
_PREF_SPLIT = re.compile(r"^(.+?(?:自治州|地区|盟|市))")
_COUNTY_SPLIT = re.compile(r"^(.+?(?:自治县|县|区|市|旗))")


@dataclass(frozen=True)
class PlaceKeys:
    """Keys at each level; empty when that level is unknown."""

    province: str = ""  # GB/T 2260 2-digit code
    prefecture: str = ""  # pinyin key
    county: str = ""  # pinyin key

    def to_dict(self) -> dict[str, str]:
        return {"province": self.province, "prefecture": self.prefecture, "county": self.county}


@lru_cache(maxsize=1)
def _lookup() -> dict[str, tuple[str, str]]:
    """alias -> (level, value): level 'p' gives a province code, 'f' a prefecture key."""
    out: dict[str, tuple[str, str]] = {}
    for code, (han, py, others) in PROVINCES.items():
        for alias in (han, py, *others):
            out[alias] = ("p", code)
    for key, (_code, others) in PREFECTURES.items():
        for alias in (key, *others):
            out.setdefault(alias, ("f", key))
    return out


def _known_prefecture_prefix(rest: str) -> tuple[int, str]:
    """(length, key) of a known prefecture name, by its pinyin, at the start of ``rest``."""
    for k in (4, 3, 2):
        if len(rest) >= k and (key := "".join(hanzi_pinyin(rest[:k]))) in PREFECTURES:
            return k, key
    return 0, ""


def _han_key(part: str) -> str:
    core = _ADMIN_SUFFIX_HAN.sub("", part) or part
    return "".join(hanzi_pinyin(core))


def _latin_key(part: str) -> str:
    s = strip_accents(part).lower()
    s = _CONNECTOR_WORDS.sub(" ", _ADMIN_WORDS.sub(" ", s))
    # Digits stay: "No. 3 Detention Centre" is not "No. 4".
    return re.sub(r"[^a-z0-9]", "", s) if s.strip() else ""


@lru_cache(maxsize=100_000)
def parse_place(text: object) -> PlaceKeys:
    """Split a place into province code, prefecture key and county key.

    Chinese text is read from the largest unit down (省 > 地区/州/市 > 县/区); romanised
    text is split at commas with the largest unit last, as in "Shufu, Kashgar, Xinjiang".
    """
    if text is None:
        return PlaceKeys()
    s = str(text).strip()
    if not s or s.lower() in ("nan", "none", "null"):
        return PlaceKeys()
    lookup = _lookup()
    province = prefecture = county = ""
    if has_han(s):
        rest = re.sub(r"[\s,，、]", "", to_simplified(s))
        for code, (han, _py, _o) in PROVINCES.items():
            if rest.startswith(han):
                province = code
                rest = rest[len(han):]
                rest = re.sub(r"^(维吾尔自治区|壮族自治区|回族自治区|自治区|特别行政区|省|市)", "", rest)
                break
        if province in _MUNICIPALITIES:
            prefecture = PROVINCES[province][1]
        elif rest and (known := _known_prefecture_prefix(rest))[0]:
            k, prefecture = known
            rest = re.sub(r"^(自治州|地区|盟|市)", "", rest[k:])
        elif rest and (m := _PREF_SPLIT.match(rest)):
            prefecture = _han_key(m.group(1))
            rest = rest[m.end():]
        if rest and (m := _COUNTY_SPLIT.match(rest)):
            county = _han_key(m.group(1))
        elif rest and not prefecture:
            prefecture = _han_key(rest)
        elif rest:
            county = _han_key(rest)
    else:
        unknown: list[str] = []
        for part in reversed([p for p in re.split(r"[,;/]", s) if p.strip()]):
            folded = strip_accents(part).lower().strip()
            hit = lookup.get(folded) or lookup.get(_latin_key(part))
            if hit and hit[0] == "p" and not province:
                province = hit[1]
            elif hit and hit[0] == "f" and not prefecture:
                prefecture = hit[1]
            elif key := _latin_key(part):
                unknown.append(key)
        if unknown and not prefecture and len(unknown) > 1:
            prefecture = unknown.pop(0)
        if unknown:
            county = unknown[-1]
    # Map a prefecture alias written in pinyin to its key and infer the province.
    if prefecture in lookup and lookup[prefecture][0] == "f":
        prefecture = lookup[prefecture][1]
    if prefecture and not province and prefecture in PREFECTURES:
        province = PREFECTURES[prefecture][0]
    return PlaceKeys(province, prefecture, county)


def place_from_county_code(code: str) -> PlaceKeys:
    """Province (and prefecture code) from a 6-digit GB/T 2260 county code."""
    if not re.fullmatch(r"\d{6}", code or "") or code[:2] not in PROVINCES:
        return PlaceKeys()
    return PlaceKeys(province=code[:2])
