"""Tokenisation for BM25 and sentence scoring: jieba plus a domain dictionary."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from functools import lru_cache

import jieba

from .textnorm import nfkc

# Terms jieba would split or merge wrongly; track/topic names are added from headings at index time.
DOMAIN_TERMS: tuple[str, ...] = (
    "数据要素", "数据要素×", "乘数效应", "山西分赛", "陕西分赛", "新疆分赛", "益阳初赛", "湖南分赛",
    "地方分赛", "分赛区", "全国总决赛", "总决赛", "初赛", "复赛", "决赛", "路演", "答辩",
    "赛道", "赛题", "赛题指南", "赛题方向", "开放性创新赛道", "创新赛道", "X赛道", "申报书", "项目申报书",
    "参赛项目申报书", "参赛单位", "参赛团队", "参赛代表", "参赛项目", "牵头参赛单位", "独立法人",
    "独立法人资格", "失信被执行人", "信用中国", "重大税收违法", "政府采购严重违法失信行为记录名单",
    "组委会", "秘书处", "专家委", "评审委员会", "专家评审", "一等奖", "二等奖", "三等奖", "优秀奖",
    "单项奖", "特色单项奖", "优秀组织奖", "突出贡献奖", "奖金", "奖杯", "证书", "获奖证书", "公示期",
    "实名制", "匿名举报", "参赛费用", "知识产权", "证明材料", "典型案例集", "产融对接", "产融合作",
    "供需对接", "联系人", "联系方式", "联系电话", "邮箱", "官方网站", "报名", "报名截止", "截止时间",
    "资格审查", "资格审核", "技术验证", "颁奖", "颁奖仪式", "评价指标", "一级指标", "二级指标",
    "三级指标", "主管单位", "指导单位", "主办单位", "承办单位", "协办单位", "支持单位", "推荐名额",
    "晋数所", "能源区域中心", "工业制造", "现代农业", "商贸流通", "交通运输", "金融服务", "科技创新",
    "文化旅游", "医疗健康", "医疗保障", "应急管理", "气象服务", "城市治理", "绿色低碳", "能源低碳",
    "数字治理", "民生服务", "高质量数据集", "公共数据", "大模型", "应用场景", "商业模式", "数据治理",
)

# Colloquial question words → the words the notices use. A question term matches a clause
# when the term or any of its alternatives occurs in it.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "交钱": ("费用", "收取"), "交费": ("费用", "收取"), "要钱": ("费用", "收取"), "收钱": ("费用", "收取"),
    "掏钱": ("费用",), "差旅": ("交通", "食宿", "费用"), "差旅费": ("交通", "食宿", "费用"),
    "报销": ("自理", "费用"), "吃住": ("食宿",), "住宿": ("食宿",), "交通费": ("交通", "费用"), "路费": ("交通", "费用", "自理"), "食宿": ("食宿", "费用", "自理"), "费": ("费用",), "收费": ("费用", "收取"), "报名费": ("费用", "收取"), "花钱": ("费用",),
    "付费": ("费用",), "缴费": ("费用",), "参赛费": ("参赛费用",), "免费": ("费用", "收取"), "钱": ("费用", "奖金"),
    "参加": ("参赛", "参与", "报名"), "参与": ("参赛", "参加"), "报": ("报名", "参赛", "申报", "提交"),
    "报名": ("报名", "注册"), "同时": ("重复", "仅能", "其他分赛", "一个地方分赛"),
    "个人": ("个人", "独立法人", "法人"), "自然人": ("个人", "独立法人"),
    "奖励": ("奖金", "奖励", "奖项"), "多少钱": ("奖金", "万元"), "奖多少": ("奖金", "万元"),
    "网址": ("网站", "官网", "http", "www", "平台"), "网站": ("网站", "官网", "http", "www"), "官网": ("官网", "官方网站", "http"),
    "链接": ("链接", "http", "www"), "入口": ("平台", "网站", "官网"), "渠道": ("渠道", "网站", "平台"),
    "最晚": ("截止",), "ddl": ("截止",), "截至": ("截止",),
    "成员": ("成员", "参赛代表", "人数"), "人数": ("人数", "不超过"), "队员": ("参赛代表", "成员"),
    "队伍": ("团队", "队伍"), "队": ("团队", "队伍"), "团队": ("团队", "队伍"), "组": ("团队", "组队"), "公司": ("企业", "单位"), "企业": ("企业", "单位"), "大学": ("高校",), "学校": ("高校",),
    "政府": ("政府部门", "政府"), "机关": ("政府部门",), "国企": ("企业",), "央企": ("央企", "企业"),
    "黑名单": ("失信", "违法"), "老赖": ("失信被执行人",), "失信": ("失信",),
    "专利": ("知识产权", "专利"), "版权": ("知识产权", "著作权"), "侵权": ("侵犯", "侵权"),
    "去年": ("2024",), "得奖": ("获奖",), "拿奖": ("获奖",), "获过奖": ("获奖",),
    "晋级": ("推荐", "晋级"), "国赛": ("全国总决赛", "全国"), "进国赛": ("全国总决赛",),
    "打分": ("评分", "评价指标", "评审"), "评分": ("评分", "评价指标"), "标准": ("指标", "标准"),
    "资料": ("材料",), "交什么": ("提交", "材料"), "电话": ("电话", "联系"), "手机": ("电话", "联系"),
    "主办方": ("主办单位",), "承办方": ("承办单位",), "谁办": ("主办单位",), "举办": ("主办", "举办"),
    "写": ("填写", "包括", "内容", "应提交"), "填": ("填写",), "交": ("提交",),
    "字数": ("字",), "多少字": ("字",), "几个字": ("字",), "限字": ("字",),
    "改": ("更改", "变更", "修改"), "换人": ("更改", "参赛代表"), "换": ("更改",),
    "赛题": ("赛题", "方向"), "题目": ("赛题",), "选题": ("赛题",),
    "路演": ("路演", "答辩", "演示"), "现场": ("现场", "线下"),
    "名额": ("名额", "推荐名额"), "几等奖": ("等奖",), "奖项": ("奖项", "等奖", "奖"),
}

STOPWORDS = frozenset(
    "的 了 是 吗 呢 啊 呀 吧 嘛 和 与 及 或 在 有 没有 要 需要 请问 问 一下 我 我们 你 你们 他们 这个 那个 "
    "什么 怎么 怎样 如何 多少 几 几个 哪 哪些 哪个 哪里 哪儿 谁 吧 能 能否 可以 可不可以 是否 是不是 会 "
    "都 也 就 还 又 被 把 对 给 让 从 到 为 以 等 及其 其 之 各 该 此 如 若 则 但 而 并 且 之后 之前 "
    "个 项 下 上 中 里 时候 时间 一个 这 那 说 想 知道 告诉 具体 呢 吗 嘛 么 啥 咋 咱 咱们 呗 哦 "
    "区别 不同 差异 对比 比较 一样 相同 分别 各自 请 帮 帮忙 查 查一下 看看 问下 问一下 了解 还 吗 么 "
    "各 规定 要求 怎么办 办 情况 方面 相关 有关 方式 内容 一共 总共 共 总计 合计 到底 究竟 大概 能够 得 需 应该 "
    "哪家 啥样 怎么样 么样 如何是好 吧 行 吗？ 的话 是否是 请教 麻烦 谢谢".split()
)

_TOKEN_OK = re.compile(r"[\w×]")
log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _tokenizer() -> jieba.Tokenizer:
    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    for term in DOMAIN_TERMS:
        tok.add_word(term, freq=50000)
    return tok


def add_terms(terms: Iterable[str]) -> None:
    """Teach the tokeniser extra domain terms (track and topic names found in headings)."""
    tok = _tokenizer()
    for term in terms:
        if 2 <= len(term) <= 16:
            tok.add_word(term, freq=20000)


# Question words the notices answer under another concept: asking whether 个人 may enter is
# answered by the legal-entity rule, not by clauses that merely mention 个人.
REWRITES: dict[str, str] = {"个人": "独立法人", "自然人": "独立法人", "个体户": "独立法人"}


def alternatives(term: str) -> tuple[str, ...]:
    """The term and the notice wordings it stands for."""
    return (term, *SYNONYMS.get(term, ()))


def _kept(raw: Iterable[str]) -> list[str]:
    out: list[str] = []
    for t in raw:
        t = t.strip()
        if t and t not in STOPWORDS and _TOKEN_OK.search(t):
            out.append(t)
    return out


def words(text: str) -> list[str]:
    """Precise-mode words (no overlapping sub-words): the terms of a question."""
    return _kept(_tokenizer().lcut(nfkc(text).lower()))


def tokens(text: str) -> list[str]:
    """Search-mode tokens without stop words or punctuation, lower-cased and width-normalised."""
    return _kept(_tokenizer().cut_for_search(nfkc(text).lower()))
