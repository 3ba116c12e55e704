"""What kind of answer a question wants, and which text patterns can carry that answer."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal["money", "date", "count", "contact", "channel", "url", "fee", "place", "list", "yesno", "general"]

_INJECTION = re.compile(
    r"忽略.{0,8}(指令|指示|提示|规则|设定|要求|限制)|无视.{0,6}(指令|规则|设定)|ignore.{0,20}(instruction|prompt|rule)"
    r"|system\s*prompt|系统提示|提示词|你的(指令|设定|规则|prompt)|(输出|打印|泄露|重复|告诉我|显示).{0,8}(提示|prompt|指令|设定)"
    r"|扮演|假装你是|你现在是|你现在的|从现在起|从现在开始|角色扮演|developer\s*mode|开发者模式|越狱|jailbreak|dan模式"
    r"|新规则|新的规则|照此回答|按我说的|按照我的|以我说的为准|不要引用|不用引用|编一个|编造|随便说"
)
# Words that tie a question to the competition; without one, a question must match the notices well.
DOMAIN_ANCHOR = re.compile(
    r"大赛|比赛|竞赛|赛事|分赛|初赛|复赛|决赛|参赛|赛道|赛题|报名|奖|申报|评审|评分|路演|答辩|组委会|秘书处|"
    r"数据要素|团队|项目|指南|指标|公示|举报|联系人|主办|承办|协办|指导单位|主管单位|晋级|推荐|知识产权|材料|"
    r"截止|资格|法人|失信|获奖|参加|参与|组队|联合|报|奖项|主题|申请|单位|评委|专家|赛|队|成员|电话|咨询|数据局"
)

_MONEY_Q = re.compile(r"奖金|多少钱|几万|金额|奖励多少|多少万|万元|现金|奖多少")
_DATE_Q = re.compile(r"截止|截至|什么时候|啥时候|何时|几号|哪天|哪一天|日期|几月|时间|期限|时间表|日程|安排在|开始|结束|ddl|deadline")
_COUNT_Q = re.compile(r"多久|多长时间|几天|多少天|多少字|几个字|字数|限多少|几个人|几个|多少个|多少名|多少人|几人|几名|几支|多少支|多少项|几项|几家|多少家|上限|最多|最少|至少|名额|人数|数量|几大|多少大")
_CONTACT_Q = re.compile(r"联系|电话|邮箱|咨询|找谁|热线|举报电话|手机号|座机|email|e-mail|qq")
_PLACE_Q = re.compile(r"(在|去)?(哪里|哪儿|哪个城市|什么地方|何地|哪座城市)(举办|举行|办|开|比)|地点|场地|举办地|在哪(举办|举行|办)")
_URL_Q = re.compile(r"在哪里?报名|哪里报名|哪儿报名|去哪报|网址|链接|网站是|官网是|网站地址|url|哪个网站|什么网站|官网|官方网站")
_CHANNEL_Q = re.compile(r"网站|官网|网址|平台|在哪报名|哪里报名|哪儿报名|怎么报名|如何报名|报名渠道|报名方式|入口|链接|公众号|渠道|在哪里报|去哪报")
_FEE_Q = re.compile(r"费用|收费|交钱|交费|要钱|收钱|掏钱|报名费|免费|花钱|付费|缴费|参赛费|路费|食宿")
_LIST_Q = re.compile(r"哪些|有什么|有哪几|都有啥|都有什么|包括什么|包括哪些|列出|列一下|分别是|清单|目录|哪几个|有啥")
_YESNO_Q = re.compile(r"能不能|能否|可不可以|可以不|是否|允许|能参加|能参赛|可以参加|可以参赛|行不行|算不算|要不要|必须|需不需要|可否|吗$|能报|可以报")

_PHONE = r"1[3-9]\d{9}|0\d{2,3}-\d{7,8}"
EXPECT: dict[Kind, re.Pattern[str]] = {
    "money": re.compile(r"\d+(?:\.\d+)?\s*万?元"),
    "date": re.compile(r"\d{4}\s*年|\d{1,2}\s*月|月[底初]|[上中下]旬|即日起"),
    "count": re.compile(r"\d+\s*(?:个|名|人|家|项|支|天|字|%|万|元|次|大|份|条)|[一二三四五六七八九十两]+\s*[个名人家项支天]|若干|不超过|不少于"),
    "place": re.compile(r"地点|举办地|场地|会场|在[^，。；]{1,12}(?:举办|举行|召开)"),
    "contact": re.compile(rf"{_PHONE}|@|联系人|联系方式|电话"),
    "channel": re.compile(r"https?://|www\.|网站|官网|平台|公众号|专栏|链接"),
    "url": re.compile(r"https?://|www\."),
    "fee": re.compile(r"费用|收取"),
    "list": re.compile(r"."),
    "yesno": re.compile(r"不得|不允许|不可|不能|可以|可参与|均可|允许|须|需|应|原则上|鼓励|禁止|严禁|无效"),
    "general": re.compile(r"."),
}
# Cue words that make a unit more likely to answer this kind of question.
CUES: dict[Kind, re.Pattern[str]] = {
    "money": re.compile(r"奖金|万元|元/个|总金额|总额"),
    "date": re.compile(r"截止|阶段|\d{4}\s*年\s*\d{1,2}\s*月|\d{1,2}\s*月\s*\d{1,2}\s*日|月底|上旬|下旬"),
    "count": re.compile(r"不超过|不少于|\d+\s*[个名人家项支]|若干"),
    "contact": re.compile(rf"{_PHONE}|@|联系人|联系方式|联系电话"),
    "channel": re.compile(r"https?://|www\.|官方网站|平台|唯一渠道|报名"),
    "url": re.compile(r"https?://|www\."),
    "place": re.compile(r"地点|举办地|场地"),
    "fee": re.compile(r"参赛费用|不收取"),
    "list": re.compile(r"、|；"),
    "yesno": re.compile(r"不得|不允许|可参与|均可|允许|原则上|无效"),
    "general": re.compile(r"$^"),
}


# Other competitions and everyday topics: anchored words ("大赛", "申报") do not make them ours.
_FOREIGN = re.compile(
    r"互联网\+|挑战杯|创新创业大赛|数学建模|电子设计大赛|蓝桥杯|服务外包|个人所得税|所得税|汇算|社保|公积金|"
    r"天气|股票|概念股|基金净值|彩票|菜谱|怎么做好吃|写一首|写首|翻译|算命|星座"
)


@dataclass(frozen=True)
class Intent:
    kind: Kind
    injection: bool
    anchored: bool  # names the competition or one of its concepts
    foreign: bool = False  # names another competition or an everyday topic


def classify(canonical: str) -> Intent:
    """Classify a canonical question (see textnorm.canonical_question)."""
    q = canonical
    kind: Kind
    if _PLACE_Q.search(q):
        kind = "place"
    elif _CONTACT_Q.search(q):
        kind = "contact"
    elif _FEE_Q.search(q):
        kind = "fee"
    elif _MONEY_Q.search(q):
        kind = "money"
    elif _URL_Q.search(q):
        kind = "url"
    elif _CHANNEL_Q.search(q):
        kind = "channel"
    elif _DATE_Q.search(q):
        kind = "date"
    elif _COUNT_Q.search(q):
        kind = "count"
    elif _LIST_Q.search(q):
        kind = "list"
    elif _YESNO_Q.search(q):
        kind = "yesno"
    else:
        kind = "general"
    anchored = bool(DOMAIN_ANCHOR.search(q)) and not _FOREIGN.search(q)
    return Intent(kind=kind, injection=bool(_INJECTION.search(q)), anchored=anchored, foreign=bool(_FOREIGN.search(q)))
