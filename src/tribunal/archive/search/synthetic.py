"""Generated Chinese, English and mixed documents with known content, for tests and benchmarks.

Nothing here is evidence: the documents are random sentences over a small vocabulary of
transplant-related words, so that a test knows exactly which documents contain a word and
can measure recall. A share of Chinese documents is converted to traditional characters
(OpenCC s2t) so that cross-script matching is exercised.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

ZH_WORDS = ["器官", "肝脏", "供体", "肾脏", "心脏", "移植", "医院", "患者", "手术", "等待", "时间", "配型", "血型", "死刑", "犯人", "监狱", "法轮", "学员", "抽血", "检查", "体检", "登记", "捐献", "中心", "主任", "医生", "护士", "病房", "床位", "数量", "统计", "年度", "报告", "官方", "数据", "军队", "武警", "公安", "看守", "劳教", "宗教", "迫害", "证人", "证词", "电话", "录音", "调查", "网站", "网页", "删除", "保存", "省份", "城市", "北京", "上海", "天津", "广州", "武汉", "沈阳", "郑州", "费用", "美元", "人民币", "外国", "病人", "韩国", "日本"]
ZH_LONG = ["器官移植", "肝脏移植", "肾脏移植", "等待时间", "死刑犯人", "法轮功学员", "活体器官", "强制摘取", "移植中心", "红十字会"]
ZH_FILLER = "的一是了在有和这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经"
ZH_PUNCT = "，。；、：！？"
EN_WORDS = ["organ", "organs", "transplant", "transplants", "transplanted", "transplantation", "hospital", "hospitals", "liver", "livers", "kidney", "kidneys", "heart", "donor", "donors", "patient", "patients", "waiting", "wait", "waited", "time", "times", "day", "days", "week", "weeks", "prisoner", "prisoners", "execution", "executed", "blood", "test", "tests", "tested", "record", "records", "recording", "call", "calls", "called", "doctor", "doctors", "surgeon", "surgery", "official", "officials", "statistic", "statistics", "report", "reports", "reported", "data", "registry", "the", "a", "of", "in", "and", "to", "was", "were", "is", "are", "for", "with", "on", "by", "from", "that", "this", "it", "as", "at", "be"]


@dataclass
class SyntheticDoc:
    doc_id: str
    text: str
    language: str  # "zh", "en" or "mixed"
    traditional: bool


def _zh_sentence(rng: random.Random) -> str:
    parts: list[str] = []
    for _ in range(rng.randint(4, 12)):
        r = rng.random()
        if r < 0.55:
            parts.append(rng.choice(ZH_WORDS))
        elif r < 0.65:
            parts.append(rng.choice(ZH_LONG))
        else:
            parts.append("".join(rng.choice(ZH_FILLER) for _ in range(rng.randint(1, 3))))
    return "".join(parts) + rng.choice(ZH_PUNCT)


def _en_sentence(rng: random.Random) -> str:
    words = [rng.choice(EN_WORDS) for _ in range(rng.randint(6, 16))]
    words[0] = words[0].capitalize()
    return " ".join(words) + "."


def generate(n: int, *, seed: int, traditional_share: float = 0.3,
             sentences: tuple[int, int] = (2, 8)) -> list[SyntheticDoc]:  # fmt: skip
    """``n`` documents: 40% Chinese, 40% English, 20% mixed; reproducible from ``seed``."""
    from opencc import OpenCC

    s2t = OpenCC("s2t")
    rng = random.Random(seed)
    docs: list[SyntheticDoc] = []
    for i in range(n):
        r = rng.random()
        k = rng.randint(*sentences)
        if r < 0.4:
            lang, text = "zh", "".join(_zh_sentence(rng) for _ in range(k))
        elif r < 0.8:
            lang, text = "en", " ".join(_en_sentence(rng) for _ in range(k))
        else:
            lang = "mixed"
            text = " ".join(
                _zh_sentence(rng) if rng.random() < 0.5 else _en_sentence(rng) for _ in range(k)
            )
        trad = lang != "en" and rng.random() < traditional_share
        if trad:
            text = s2t.convert(text)
        docs.append(SyntheticDoc(f"doc{i:06d}", text, lang, trad))
    return docs
