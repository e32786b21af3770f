"""A list of frequent Chinese characters, used to tell a right decoding from mojibake.

Written for this project from general knowledge of modern Chinese character frequency
(function words, common verbs and nouns, and the vocabulary of medical and transplant
documents). It only has to be long enough that correctly decoded Chinese text hits it far
more often than bytes decoded with the wrong codec do; exact ranks do not matter.
"""

from __future__ import annotations

from functools import lru_cache

_SIMPLIFIED = (
    "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过"
    "家学对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本"
    "见经头面公同三已老从动两长知民样现分将外但身些与高意进把法此实回二理美点月明其种声全工己"
    "话儿者向情部正名定女问力机给等几很业最间新什打便位因重被走电四第门相次东政海口使教西再平"
    "真听世气信北少关并内加化由却代军产入先山五太水万市眼体别处总才场师书比住员九笑性通目华报"
    "立马命张活难神数件安表原车白应路期叫死常提感金何更反合放做系计或司利受光王果亲界及今京务"
    "制解各任至清物台象记边共风战干接它许八特觉望直服毛林题建南度统色字请交爱让认算论百吃义科"
    "怎元社术结六功指思非流每青管夫连远资队跟带花快条院变联言权往展该领传近留红治决周保达办运"
    "武半候七必城父强步完革深区即求品士转量空甚众技轻程告江语英基派满式李息写呢识极令黄德收脸"
    "钱党倒未持取设始版双历越史商千片容研像找友孩站广改议形委早房音火际则首单据导影失拿网香似"
    "专石若兵弟谁校读志飞观争究包组造落视济喜离虽坐集编宝谈府拉黑且随格尽讲布杀微怕母调局根曾"
    "准团段终乐切级克精哪官示冷器移植医患供肝脏肾术待病症药疗检查报告统计数据调查证据记录省县"
    "乡村镇街号码电话月日年时分秒元亿万百千第章节条款规定办法通知公告单位部门机构负责人员工作"
    "活动会议决定意见要求情况问题方面发展建设管理服务系统技术研究分析结果方法标准质量安全生产"
    "经济社会文化教育卫生健康人民政府国家中央地方组织领导干部群众党员委员会主任主席书记院长所"
    "长局长处长科长医生护士病人死亡器官移植捐献登记分配等待名单血型配型手术肾脏肝脏心脏肺胰角"
    "膜监狱看守劳教法轮功信仰宗教迫害人权证人证词采访录音电话调查报道新闻媒体网站网页"
)


@lru_cache(maxsize=1)
def common_han() -> frozenset[str]:
    """The frequent characters in simplified and traditional forms."""
    chars = set(_SIMPLIFIED)
    try:
        from opencc import OpenCC

        chars |= set(OpenCC("s2t").convert(_SIMPLIFIED))
    except Exception:  # pragma: no cover - opencc is a dependency; stay usable without it
        pass
    return frozenset(ch for ch in chars if "\u4e00" <= ch <= "\u9fff")
