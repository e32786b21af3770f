"""Chinese personal names: script, romanisation and keys that survive how lists write them.

The same person can be 王秀英 (simplified), 王秀英 in traditional characters, "Wang Xiuying",
"Xiuying Wang" or "WANG Hsiu-ying". This module reduces each to keys a linkage model can
compare:

- ``hanzi``: simplified characters (OpenCC ``t2s``), separators removed;
- ``tokens``: romanised name elements, pinyin without tones, surname first for hanzi;
- ``variants``: ``surname|given`` strings for every plausible canonical pinyin surname, so
  that Wade-Giles (Chang, Hsu), Cantonese (Cheung, Chan, Wong) and Hokkien (Tan, Lim, Ong)
  spellings meet their pinyin form whatever the order of the name.

Surname readings follow the polyphonic-surname conventions of the 《百家姓》 tradition as
used in Xinhua Zidian (曾 zeng, 单 shan, 仇 qiu, 解 xie, 区 ou, ...), which general pinyin
converters get wrong because they pick the commonest reading of the character. Wade-Giles
conversion follows the standard correspondence tables (e.g. Library of Congress, "Pinyin
conversion project", 2000).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Characters whose reading as a surname differs from their commonest reading.
SURNAME_READINGS: dict[str, str] = {
    "曾": "zeng", "单": "shan", "仇": "qiu", "解": "xie", "区": "ou", "查": "zha",
    "翟": "zhai", "乐": "yue", "朴": "piao", "覃": "qin", "盖": "ge", "缪": "miao",
    "尉": "yu", "种": "chong", "召": "shao", "繁": "po", "秘": "bi", "黑": "he",
    "员": "yun", "宿": "su", "句": "gou", "洗": "xian", "冼": "xian", "万": "wan",
    "长": "chang", "重": "chong", "尧": "yao", "折": "she", "柏": "bai", "那": "na",
    "华": "hua", "任": "ren", "沈": "shen", "纪": "ji", "过": "guo", "殷": "yin",
}

# Two-character surnames, so that 欧阳修 splits as 欧阳|修, not 欧|阳修.
COMPOUND_SURNAMES: dict[str, str] = {
    "欧阳": "ouyang", "司马": "sima", "上官": "shangguan", "诸葛": "zhuge",
    "东方": "dongfang", "皇甫": "huangfu", "尉迟": "yuchi", "公孙": "gongsun",
    "慕容": "murong", "令狐": "linghu", "夏侯": "xiahou", "长孙": "zhangsun",
    "宇文": "yuwen", "司徒": "situ", "端木": "duanmu", "轩辕": "xuanyuan",
    "西门": "ximen", "南宫": "nangong", "独孤": "dugu", "万俟": "moqi",
    "闻人": "wenren", "澹台": "tantai", "公冶": "gongye", "呼延": "huyan",
    "赫连": "helian", "申屠": "shentu", "太史": "taishi", "百里": "baili",
    "钟离": "zhongli", "宗政": "zongzheng", "濮阳": "puyang", "淳于": "chunyu",
}

# Non-pinyin romanisations of surnames -> the pinyin surnames they can stand for.
# Wade-Giles (Taiwan and older literature), Cantonese (Hong Kong, Macau, diaspora) and
# Hokkien/Teochew (Singapore, Malaysia, Philippines). Ambiguous spellings map to several.
SURNAME_EQUIVALENTS: dict[str, tuple[str, ...]] = {
    "chang": ("zhang", "chang"), "cheung": ("zhang",), "cheong": ("zhang",),
    "teo": ("zhang",), "teoh": ("zhang",), "tiong": ("zhang",),
    "hsu": ("xu",), "hsü": ("xu",), "hui": ("xu", "hui"), "tsui": ("xu", "cui"),
    "koh": ("xu",), "khoo": ("qiu",),
    "chan": ("chen",), "tan": ("chen", "tan"), "chin": ("chen", "qian"), "chen": ("chen",),
    "wong": ("huang", "wang"), "ng": ("wu", "huang"), "ong": ("wang",), "wee": ("huang",),
    "lee": ("li",), "lei": ("li", "lei"), "ly": ("li",),
    "chow": ("zhou",), "chou": ("zhou", "chou"), "chau": ("zhou",), "chew": ("zhou",),
    "chiu": ("zhao", "qiu"), "chao": ("zhao",), "chiew": ("zhao",),
    "lau": ("liu",), "low": ("liu",), "lou": ("liu", "lou"),
    "lam": ("lin",), "lim": ("lin",),
    "ho": ("he",), "hoh": ("he",),
    "kwok": ("guo",), "kuo": ("guo",), "quek": ("guo",), "kok": ("guo",),
    "yeung": ("yang",), "yeo": ("yang",), "yeoh": ("yang",), "ieong": ("yang",),
    "cheng": ("zheng", "cheng"), "tay": ("zheng",), "teh": ("zheng",),
    "tsang": ("zeng",), "tseng": ("zeng",),
    "woo": ("wu", "hu"), "goh": ("wu",),
    "mah": ("ma",), "suen": ("sun",), "soon": ("sun",),
    "kao": ("gao",), "ko": ("gao", "ke"),
    "chiang": ("jiang",), "keung": ("jiang",),
    "tsao": ("cao",), "tso": ("cao",), "cho": ("cao",),
    "teng": ("deng",), "tang": ("deng", "tang"),
    "fung": ("feng",), "chu": ("zhu", "chu"), "choo": ("zhu",), "chue": ("zhu",),
    "kung": ("gong",), "kong": ("kong", "jiang"),
    "hsieh": ("xie",), "tse": ("xie",), "cheah": ("xie",),
    "leung": ("liang",), "sung": ("song",), "hon": ("han",), "tung": ("dong",),
    "tsai": ("cai",), "choi": ("cai",), "chua": ("cai",), "tsoi": ("cai",),
    "poon": ("pan",), "phua": ("pan",), "yuen": ("yuan",), "mak": ("mai",),
    "tien": ("tian",), "tin": ("tian",), "ting": ("ding",), "yip": ("ye",), "ip": ("ye",),
    "yeh": ("ye",), "kwan": ("guan",), "kuan": ("guan",), "fong": ("fang",),
    "szeto": ("situ",), "auyeung": ("ouyang",), "owyang": ("ouyang",), "au": ("ou",),
    "chung": ("zhong",), "chong": ("zhong", "chong"), "loh": ("luo",), "law": ("luo",),
    "lo": ("luo", "lu"), "lu": ("lu",), "luk": ("lu",), "kam": ("jin", "gan"),
    "kim": ("jin",), "wan": ("wan", "yin", "wen"), "man": ("wen", "man"), "yau": ("qiu", "you"),
    "pang": ("peng", "pang"), "fan": ("fan",), "mo": ("mo", "mao"),
    # Hokkien/Teochew spellings common in Singapore and Malaysia.
    "aw": ("hu", "ou"), "ang": ("hong",), "heng": ("wang",), "neo": ("liang",),
    "sim": ("shen",), "khor": ("xu",), "toh": ("zhuo", "du"), "seow": ("xiao",),
    "yap": ("ye",), "kwek": ("guo",), "chia": ("xie",), "png": ("fang",), "ow": ("ou",),
    "tham": ("tan",), "sham": ("cen",),
}

# A set of pinyin surnames common enough to recognise in romanised names (rank order of
# the 2020 national census surname report, top ~120).
COMMON_PINYIN_SURNAMES: frozenset[str] = frozenset(
    ["wang", "li", "zhang", "liu", "chen", "yang", "huang", "zhao", "wu", "zhou", "xu", "sun", "ma", "zhu", "hu", "guo", "he", "gao", "lin", "luo", "zheng", "liang", "xie", "song", "tang", "han", "feng", "deng", "cao", "peng", "zeng", "xiao", "tian", "dong", "yuan", "pan", "yu", "jiang", "cai", "jia", "ding", "wei", "xue", "ye", "yan", "lu", "du", "dai", "su", "shen", "cui", "jiang", "zhong", "tan", "ren", "liao", "yao", "fang", "jin", "qiu", "xia", "fu", "zou", "xiong", "meng", "qin", "bai", "jiang", "mao", "hao", "wan", "gu", "lai", "gong", "shao", "kong", "cheng", "chang", "kang", "shi", "duan", "lei", "qian", "yin", "yi", "hou", "long", "shan", "qiao", "he", "hao", "ge", "gan", "zhai", "ou", "niu", "wen", "mo", "xiang", "xing", "an", "chang", "tao", "mou", "bi", "tan", "qi", "zhan", "mei", "sheng", "lan", "huo", "ou", "lian", "geng", "rao", "kou", "ji", "bao", "jing", "zha", "yue", "piao", "miao", "xian"]
) | frozenset(COMPOUND_SURNAMES.values())

_SEPARATORS = re.compile(r"[\s·•・‧.\-_,，、]+")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def has_han(text: str) -> bool:
    """True when ``text`` contains at least one CJK ideograph."""
    return bool(_HAN.search(text or ""))


@lru_cache(maxsize=1)
def _t2s():
    import opencc  # opencc-python-reimplemented: pure Python, no native library

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=200_000)
def to_simplified(text: str) -> str:
    """Traditional -> simplified characters with OpenCC's ``t2s`` dictionaries."""
    return _t2s().convert(text)


@lru_cache(maxsize=1)
def pinyin_syllables() -> frozenset[str]:
    """Every toneless pinyin syllable pypinyin knows (ü written ``v``), about 420."""
    from pypinyin.pinyin_dict import pinyin_dict

    out = set()
    for readings in pinyin_dict.values():
        for reading in readings.split(","):
            out.add(strip_accents(reading).replace("ü", "v"))
    return frozenset(s for s in out if s.isalpha())


def strip_accents(text: str) -> str:
    """Remove tone marks and other diacritics (ü kept as ü)."""
    if text.isascii():  # NFD/NFC leave ASCII unchanged and it has no combining marks
        return text
    decomposed = unicodedata.normalize("NFD", text)
    out = []
    for ch in decomposed:
        if unicodedata.combining(ch):
            if ch == "\u0308" and out and out[-1] in "uU":
                out[-1] = "ü" if out[-1] == "u" else "Ü"
            continue
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


def hanzi_pinyin(text: str) -> list[str]:
    """Toneless pinyin of each character, ``ü`` as ``v``; non-han characters dropped."""
    from pypinyin import lazy_pinyin

    return [p for p in lazy_pinyin(text, v_to_u=False, errors="ignore") if p.isalpha()]


def split_hanzi_name(hanzi: str) -> tuple[str, str]:
    """Split a simplified Chinese name into (surname, given name).

    A known compound surname (欧阳, 司马, ...) takes two characters, otherwise the surname is
    the first character. Names of one character are all surname.
    """
    if len(hanzi) >= 3 and hanzi[:2] in COMPOUND_SURNAMES:
        return hanzi[:2], hanzi[2:]
    return hanzi[:1], hanzi[1:]


def surname_pinyin(surname: str) -> str:
    """Pinyin of a surname with the surname reading of polyphonic characters."""
    if surname in COMPOUND_SURNAMES:
        return COMPOUND_SURNAMES[surname]
    if surname in SURNAME_READINGS:
        return SURNAME_READINGS[surname]
    return "".join(hanzi_pinyin(surname))


# Wade-Giles initials and finals that cannot occur in pinyin, rewritten in order.
_WG_RULES: tuple[tuple[str, str], ...] = (
    (r"^hs", "x"), (r"^ch'(?=[iü])", "q"), (r"^ch(?=[iü])", "j"), (r"^ch'", "ch"),
    (r"^ch", "zh"), (r"^ts'|^tz'", "c"), (r"^ts|^tz", "z"), (r"^k'", "k"), (r"^k", "g"),
    (r"^p'", "p"), (r"^p", "b"), (r"^t'", "t"), (r"^t", "d"), (r"^j", "r"),
    (r"ieh$", "ie"), (r"ueh$", "ue"), (r"üeh$", "ue"), (r"ien$", "ian"), (r"ung$", "ong"),
    (r"uei$", "ui"), (r"ih$", "i"), (r"^yeh$", "ye"), (r"^yen$", "yan"), (r"^erh$", "er"),
    (r"ü", "u"),
)
_WG_WHOLE = {"szu": "si", "ssu": "si", "tzu": "zi", "tz'u": "ci", "shih": "shi",
             "chih": "zhi", "ch'ih": "chi", "jih": "ri", "yü": "yu", "hsü": "xu"}


@lru_cache(maxsize=20_000)
def wade_giles_syllable(syllable: str) -> str:
    """Convert one Wade-Giles syllable to pinyin, leaving valid pinyin syllables alone.

    Without apostrophes aspirated and plain stops look alike (k'ang / kang); then a syllable
    that is already valid pinyin is kept as is, which is right for pinyin input and the
    best guess for Wade-Giles.
    """
    s = syllable.lower().replace("’", "'").replace("‘", "'")
    if s.replace("'", "") in pinyin_syllables() and "'" not in s:
        return s
    if s in _WG_WHOLE:
        return _WG_WHOLE[s]
    for pattern, repl in _WG_RULES:
        s = re.sub(pattern, repl, s)
    s = s.replace("'", "")
    if s.startswith(("g", "k")) and s[1:] == "o":
        s = s[0] + "e"  # WG ko/k'o -> pinyin ge/ke
    if s in ("ho", "o") or (len(s) == 2 and s.endswith("o") and s[0] in "dtz"):
        s = s[:-1] + "e"  # WG ho, to, tso -> he, de, ze
    return s


def latin_fold(text: str) -> str:
    """Lower-case, strip diacritics (keeping ü), keep letters, apostrophes and hyphens."""
    s = strip_accents(text).lower().replace("’", "'")
    return re.sub(r"[^a-zü'\- ]+", " ", s)


def latin_token(token: str) -> str:
    """Canonical form of one romanised name token: hyphenated syllables are converted from
    Wade-Giles where needed and joined (Hsiu-ying -> xiuying). A hyphenated word whose
    parts do not all convert to pinyin syllables is not Chinese (Smith-Jones, Anne-Marie)
    and is joined as written."""
    parts = [p for p in token.split("-") if p]
    if len(parts) > 1:
        if all(_WG_SHAPE.match(p) for p in parts):
            return "".join(wade_giles_syllable(p) for p in parts)
        return "".join(parts).replace("'", "").replace("ü", "v")
    return token.replace("'", "").replace("ü", "v")


# The shape of a Wade-Giles (or pinyin) syllable: one initial, one to three vowels, and a
# final n, ng, h (ih, ieh) or rh (erh). Smith, Jones, Marie or Luc have none of it.
_WG_SHAPE = re.compile(r"^(?:ch'?|ts'?|tz'?|k'?|p'?|t'?|hs|sh|ss|sz|[bcdfghjlmnqrswxyz])?"
                       r"(?:[aeiouüŭv]{1,3})(?:ng|n|h|rh)?$")


def surname_candidates(token: str) -> tuple[str, ...]:
    """Pinyin surnames a romanised token can stand for (empty when it is not a surname)."""
    token = token.replace("-", "").replace("'", "")
    found = list(SURNAME_EQUIVALENTS.get(token, ()))
    if token in COMMON_PINYIN_SURNAMES and token not in found:
        found.insert(0, token)
    return tuple(found)


def name_variants(tokens: list[str], surname_first: str | None = None) -> list[str]:
    """``surname|given`` keys for each token that can be a surname.

    ``surname_first`` (pinyin) pins the surname when the script tells it (hanzi, or an
    all-capitals token as in "WANG Hsiu-ying"); otherwise every token that is a known
    surname spelling is tried, so that name order does not matter.
    """
    out: list[str] = []
    for i, token in enumerate(tokens):
        if surname_first and i > 0:
            continue
        cands = (surname_first,) if surname_first and i == 0 else surname_candidates(token)
        if not any(cands):
            continue  # no key from this token: the rest of the name need not be joined
        rest = "".join(sorted(t for j, t in enumerate(tokens) if j != i))
        out.extend(f"{c}|{rest}" for c in cands if c)
    return sorted(set(out))
