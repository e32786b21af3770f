"""Build ``src/tribunal/data/linkage/dialect_syllables.csv``: Cantonese and Hokkien
romanised syllables -> the Mandarin pinyin syllables of the same characters.

Run once, offline, when the inputs change; the package reads only the CSV it writes and
needs none of the packages below at run time:

    pip install --target TMP ToJyutping==3.2.0 taibun==1.1.8 msgpack
    PYTHONPATH=TMP:src python scripts/build_dialect_syllables.py

Method. For every character, its Mandarin readings (pypinyin, heteronyms), its Cantonese
readings (ToJyutping: Jyutping candidates, most likely first) and its Taiwanese Hokkien
readings (taibun's character table, Tai-lo, literary and colloquial) are crossed. Each
Cantonese reading is written the ways person names spell it (Jyutping without tones, and
the Hong Kong Government style: unaspirated stops as p/t/k, z/c as ch or ts, aa as a, oe
and eo as eu/u, yu as u/ue/yu ...); each Hokkien reading likewise (Pe-oe-ji without tones,
and the Singapore/Malaysia habits: aspiration dropped, u as oo, i as ee, final -k as -ck, a
final h after a, e, o). Every (spelling, pinyin) pair gets the weight of the character it
came from: 1 for the hand-listed characters common in given names (below), 0.05 for any
other character (all of them together at most 0.3 for one pair), times 1 for a character's first reading and 0.4 for its others. The
weights rank the candidate pinyin of a spelling; nothing here is counted from a corpus of
names.
"""

from __future__ import annotations

import csv
import itertools
import re
import unicodedata
from collections import defaultdict
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "src" / "tribunal" / "data" / "linkage"

# Characters common in Chinese given names (simplified), listed by hand for this project.
NAME_CHARACTERS = (
    "伟强军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林阳建国志峰磊东海亮晨博文成荣"
    "新德永福贵生祥才发忠孝仁义礼智信全兴安春达金山石光天振家兆耀汉坚维雄彬武威豪嘉毅锋哲"
    "瑞泽睿铭昊轩然航逸晓立正元庆喜清和中民学力友胜顺广开长大小子九亚水木松柏江河云风雷利"
    "钢铁宏洪红卫保树根茂森源渊泉灿炳焕煌培基堂棠满宝玉珠琪琳瑜璐珊美丽芳娟敏静秀英兰梅桂"
    "珍凤霞燕艳玲萍婷雪慧莉娜丹洁倩颖琴佳欣怡悦月娥妹娇嫦婉淑惠贞芬芝芷蓉莲荷菊萱薇蕾馨露"
    "晶彤璇雯妍翠爱恩思雅诗韵宜仪巧桃杏茵君若如绮琦婵少伯仲叔季昌盛隆旺财富锦绣彩银铜鸿鹤"
    "麟虎豹狮牛马狗亚阿添丁来有仕士其之乃汝为以克可世承继绍先启运展宗祖孙彦延益谦恭俭让道"
    "理典章良善贤圣宪政经纬炎焱淼品众星辰景晖晴昭显曜朗炜烨煜熙照灵秋冬夏瑶琼环璧璋琛瑾瑛"
    "琬斯书画棋乐歌笑欢吉意康泰寿禄勤俊杰敬业卓越超群振邦耀祖光宗锡沛霖润泽涵淳浚浦湘汶沐"
    "权衡鉴铿锵铎钧镇钟铨镛钦铠锐锟锋铮宇宙寰宸宏宽容实守定宝宜家富察审宾尚尧舜禹汤周秦汉"
    "唐宋元明清荣耀辉煌灿烂光明正大志远鹏程万里腾飞扬帆启航永恒坚定诚信忠厚仁爱和平团结友"
    "好善良美丽聪慧贤淑端庄温柔婉约娴静秀丽文雅俊朗英武刚毅勇敢顽强坚韧不拔厚德载物自强不"
    "息笃诚敦厚朴素淳朴正直公道廉洁奉公仪表堂堂凤鸾莺燕鹃鹂雁鸥鹭鸣翔翱翼羽冠冕彪炳焯煊炫"
    "坤乾震巽坎离艮兑鼎彝奎壁娄胃昴毕觜参井鬼柳张翼轸汉添财进宝招弟来喜亚九妹娣女儿仔珮佩"
    "玮璜珏琨琰琮瑗璟瑄瑢瑭璠璞珑玑璇珺玥琤瑱琅琇瑶碧翠莹滢瀅颂咏咏永泳詠钊剑锦棉绵联连莲"
    "坤培垣城基堃均圣在增壮声寅强弘弼彰德忠怀恒惠慈聪懋昶晋晟暄曦朝栋梁棠森楷榕樟槐樑橦"
)


RARE_CAP = 0.3


def _strip(text: str) -> str:
    s = unicodedata.normalize("NFD", text)
    return "".join(c for c in s if not unicodedata.combining(c)).replace("ⁿ", "")


# ---- Cantonese -------------------------------------------------------------------------
_JP = re.compile(r"^(gw|kw|ng|[bpmfdtnlgkhwzcsj])?([a-z]+?)(\d)?$")


def cantonese_spellings(jyutping: str) -> set[str]:
    """Ways a Jyutping syllable is written in names: itself (no tone) and Hong Kong
    Government-style spellings (Chan Tai Man, Cheung Ka Wai, Tsang Yam Kuen)."""
    jp = re.sub(r"\d", "", jyutping)
    out = {jp}
    m = _JP.match(jp)
    if not m:
        return out
    ini, fin = m.group(1) or "", m.group(2)
    inis = {"b": ["p", "b"], "d": ["t", "d"], "g": ["k", "g"], "gw": ["kw", "gw"],
            "z": ["ch", "ts", "j", "tz"], "c": ["ch", "ts", "tz"], "j": ["y"],
            "s": ["s", "sh"] if fin[:1] in ("i", "y", "e", "o", "u") else ["s"]}.get(ini, [ini])
    fins: list[str]
    if fin == "aa":
        fins = ["a", "ah", "ar"]
    elif fin.startswith("aa"):
        fins = ["a" + fin[2:]]
    elif fin == "i" and ini in ("z", "c", "s"):
        fins = ["i", "z", "ze", "ee"]
    elif fin == "ei":
        fins = ["ei", "ee", "i", "ay"]
    elif fin == "i":
        fins = ["i", "ee"]
    elif fin == "ou":
        fins = ["o", "oh", "ou"]
    elif fin == "o":
        fins = ["o", "oh", "or", "aw"]
    elif fin.startswith("oe"):
        fins = ["eu" + fin[2:], "e" + fin[2:]]
    elif fin == "eoi":
        fins = ["ui", "eui", "ue"]
    elif fin.startswith("eo"):
        fins = ["u" + fin[2:], "eu" + fin[2:]]
    elif fin == "yu":
        fins = ["u", "ue", "yu", "ui"]
    elif fin.startswith("yu"):
        fins = ["u" + fin[2:], "ue" + fin[2:], "yu" + fin[2:]]
    elif fin in ("an", "am") and ini in ("z", "c", "s"):
        fins = [fin, "u" + fin[1:]]  # zan -> chun (振), sam -> shum (深)
    elif fin in ("un", "ut"):
        fins = [fin, "oo" + fin[1:]]
    elif fin == "u":
        fins = ["u", "oo"]
    else:
        fins = [fin]
    for i, f in itertools.product(inis, fins):
        s = i + f
        if i == "y" and f.startswith("y"):
            s = f
        out.add(s)
    if ini == "j" and fin.startswith("yu"):
        out.add("y" + fin[1:])  # jyun -> yun, yuen
    return {s for s in out if s.isalpha()}


# ---- Hokkien ---------------------------------------------------------------------------
def hokkien_spellings(tailo: str) -> set[str]:
    """Ways a Tai-lo syllable is written in names: Pe-oe-ji without tones, and Singapore /
    Malaysia habits (Tan Ah Kow, Lim Boon Keng, Ong Eng Hock, Tan Kah Kee)."""
    base = _strip(tailo).lower()
    base = re.sub(r"nn(?=h?$)", "", base)  # nasalisation is not written in names
    aw = re.sub(r"oo$", "aw", base)  # hoo -> Haw (Aw Boon Haw)
    base = base.replace("oo", "o").replace("tsh", "chh").replace("ts", "ch")
    if not base.isalpha():
        return set()
    forms = {base, aw.replace("tsh", "ch").replace("ts", "ch")}
    rules = [
        (r"ing$", "eng"), (r"ik$", "ek"), (r"ua", "oa"), (r"ue", "oe"),
        (r"^(chh|kh|ph|th)", lambda m: m.group(1)[0] if m.group(1) != "chh" else "ch"),
        (r"^j", "l"), (r"u(?=n|t|$)", "oo"), (r"i$", "ee"), (r"k$", "ck"),
        (r"([aeo])$", r"\1h"), (r"au$", "ow"), (r"^i(?=[aou])", "y"), (r"^u(?=[aei])", "w"),
        (r"^(h|k)ua", r"\1wa"), (r"ian$", "ien"), (r"iau$", "eow"),
        (r"(?<=[a-z])ui$", "wee"), (r"ia(?=[tn]$)", "ea"),
    ]
    for pattern, repl in rules:
        forms |= {re.sub(pattern, repl, f) for f in forms}
        if len(forms) > 64:
            break
    return {f for f in forms if f.isalpha()}


def main() -> None:
    import msgpack
    import opencc
    import taibun
    import ToJyutping
    from pypinyin import Style, pinyin
    from pypinyin.pinyin_dict import pinyin_dict

    from tribunal.linkage.names_zh import COMMON_PINYIN_SURNAMES, surname_pinyin

    s2t = opencc.OpenCC("s2t")
    prons_path = Path(taibun.__file__).parent / "data" / "prons.msgpack"
    prons = msgpack.unpackb(prons_path.read_bytes(), raw=False)
    name_chars = set(NAME_CHARACTERS)
    table: dict[tuple[str, str, str, str], float] = defaultdict(float)
    # Other characters count, but together at most RARE_CAP per (spelling, pinyin): the many
    # rare characters sharing a reading must not outrank the few common name characters.
    rare: dict[tuple[str, str, str, str], float] = defaultdict(float)

    def readings_mandarin(ch: str) -> list[str]:
        got = pinyin(ch, style=Style.NORMAL, heteronym=True, v_to_u=False)
        return [p for p in dict.fromkeys(got[0]) if p.isascii() and p.isalpha()] if got else []

    def readings_dialects(ch: str) -> dict[str, list[str]]:
        # The traditional character's readings first, then the simplified one's: a
        # simplified character can merge two traditional ones (朴 and 樸).
        jp: list[str] = []
        hok: list[str] = []
        for form in dict.fromkeys((s2t.convert(ch), ch)):
            canto = ToJyutping.get_jyutping_candidates(form)
            jp.extend(r for r in (canto[0][1] if canto else []) if r)
            for r in prons.get(form, []):
                hok.extend(r.split("/"))
        return {"cantonese": list(dict.fromkeys(jp)), "hokkien": list(dict.fromkeys(hok))}

    chars = [chr(c) for c in sorted(pinyin_dict) if 0x4E00 <= c <= 0x9FFF]
    for ch in chars:
        mand = readings_mandarin(ch)
        if not mand:
            continue
        listed = ch in name_chars
        w_char = 1.0 if listed else 0.05
        for dialect, reads in readings_dialects(ch).items():
            spell_fn = cantonese_spellings if dialect == "cantonese" else hokkien_spellings
            for i, r in enumerate(dict.fromkeys(reads)):
                w_r = 1.0 if i == 0 else 0.4
                for j, p in enumerate(mand):
                    w = w_char * w_r * (1.0 if j == 0 else 0.4)
                    for s in spell_fn(r):
                        (table if listed else rare)[(dialect, "given", s, p)] += w

    # Surnames: the characters of the commonest surnames, each with its surname reading.
    surname_chars = {}
    for ch in ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐韩冯邓曹彭曾肖田董袁潘于蒋蔡"
               "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段"
               "雷侯龙史陶黎贺顾毛郝龚邵万钱严覃洪甘温欧麦关庄游涂翁柯辜骆戴连卓施"
               "单区查翟仇解乐朴"):
        sp = surname_pinyin(ch)
        if sp in COMMON_PINYIN_SURNAMES or sp:
            surname_chars[ch] = sp
    for ch, sp in surname_chars.items():
        for dialect, reads in readings_dialects(ch).items():
            spell_fn = cantonese_spellings if dialect == "cantonese" else hokkien_spellings
            for i, r in enumerate(dict.fromkeys(reads)):
                for s in spell_fn(r):
                    table[(dialect, "surname", s, sp)] += 1.0 if i == 0 else 0.4

    for k, w in rare.items():
        table[k] += min(w, RARE_CAP)
    grouped: dict[tuple[str, str, str], list[tuple[str, float]]] = defaultdict(list)
    for (dialect, kind, s, p), w in table.items():
        grouped[(dialect, kind, s)].append((p, w))
    rows = []
    for (dialect, kind, s), cands in sorted(grouped.items()):
        cands.sort(key=lambda t: (-t[1], t[0]))
        top = cands[0][1]
        keep = [(p, w) for p, w in cands if w >= 0.05 * top][:8]
        if kind == "given" and top < 0.04:
            continue  # spelling met only through rare characters' minor readings
        for p, w in keep:
            rows.append((dialect, kind, s, p, round(w, 3)))
    path = OUT / "dialect_syllables.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        wr = csv.writer(fh, lineterminator="\n")
        wr.writerow(["dialect", "kind", "spelling", "pinyin", "weight"])
        wr.writerows(rows)
    # A per-character reference for tests and the generated lists: the first reading of
    # each listed given-name and surname character, in the commonest written style.
    ref = OUT / "dialect_characters.csv"
    with ref.open("w", encoding="utf-8", newline="") as fh:
        wr = csv.writer(fh, lineterminator="\n")
        wr.writerow(["hanzi", "cantonese", "hokkien"])
        for ch in sorted(name_chars | set(surname_chars)):
            rd = readings_dialects(ch)
            canto = _hk_style(rd["cantonese"][0]) if rd["cantonese"] else ""
            hok = _sg_style(rd["hokkien"][0]) if rd["hokkien"] else ""
            if canto or hok:
                wr.writerow([ch, canto, hok])
    print(f"{len(rows)} rows -> {path}; reference -> {ref}")


def _hk_style(jyutping: str) -> str:
    """The single commonest Hong Kong Government spelling of a Jyutping syllable."""
    jp = re.sub(r"\d", "", jyutping)
    m = _JP.match(jp)
    if not m:
        return jp
    ini, fin = m.group(1) or "", m.group(2)
    ini = {"b": "p", "d": "t", "g": "k", "gw": "kw", "z": "ch", "c": "ch", "j": "y"}.get(ini, ini)
    fin = {"aa": "a", "ou": "o", "ei": "ei", "eoi": "ui", "yu": "u"}.get(fin, fin)
    if fin.startswith("aa"):
        fin = "a" + fin[2:]
    elif fin.startswith("oe"):
        fin = "eu" + fin[2:]
    elif fin.startswith("eo"):
        fin = "u" + fin[2:]
    elif fin.startswith("yu"):
        fin = "ue" + fin[2:]
    if ini in ("ch", "s") and fin == "i":
        fin = "ze" if ini == "s" else "i"
    s = ini + fin
    if ini == "y" and fin.startswith(("ue", "u")) and jp[1:3] == "yu":
        s = "yu" + fin[2:] if fin.startswith("ue") else "yu"
        s = "yuen" if jp[1:] == "yun" else s
    return s


def _sg_style(tailo: str) -> str:
    """The single commonest Singapore/Malaysia spelling of a Tai-lo syllable."""
    s = re.sub(r"nn(?=h?$)", "", _strip(tailo).lower())
    s = s.replace("oo", "o").replace("tsh", "ch").replace("ts", "ch")
    s = re.sub(r"^(kh|ph|th)", lambda m: m.group(1)[0], s)
    s = re.sub(r"ing$", "eng", s)
    s = re.sub(r"ik$", "ek", s)
    s = re.sub(r"k$", "ck", s)
    s = re.sub(r"u(?=n$)", "oo", s)
    s = re.sub(r"au$", "ow", s)
    s = re.sub(r"(?<![aeiou])i$", "ee", s) if len(s) <= 3 else s
    s = re.sub(r"^j", "l", s)
    return s


if __name__ == "__main__":
    main()
