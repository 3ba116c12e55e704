"""Track and topic questions answered from the guide trees: the tracks of a guide, the topics of
a track, what a track covers, and which track a topic or a project belongs to."""

from __future__ import annotations

import re

from assistant.models import DivisionId

from ..query import Part
from ..text import plain
from .base import Finding, Source
from .guide import Guides, Topic, Track, named_tracks

# (在哪个 alone is not a track lookup: 决赛在哪个城市办 asks for a place.)
_WHICH = re.compile(r"哪个赛道|哪条赛道|哪个赛题|哪个方向|属于|归哪|归属|对应|报哪|投哪|选哪|放哪|算哪|哪一个赛道|什么赛道|哪类赛道|哪个题|在哪个赛道|在哪个方向|在哪个赛题")
_TRACK_COUNT = re.compile(r"几个赛道|多少个?赛道|赛道数|几大赛道|哪些赛道|哪几个赛道|什么赛道|赛道有哪些|赛道都有|设了.{0,4}赛道|赛道.{0,3}(?:几个|多少|数量|总数|列)|分了.{0,4}赛道|几条赛道")
_TOPIC_ASK = re.compile(r"赛题|题目|题|方向|有哪些|有什么|有啥|包括|包含|几个|多少|都有|列|分别")
_TOPIC_NOUN = re.compile(r"赛题|题目|道题|几个题|哪些题|方向")
_DESCRIBE = re.compile(r"领域|覆盖|范围|是什么|是啥|什么意思|指什么|介绍|开放|都能报|什么项目|干什么|做什么|定位|是个啥|具体指|啥意思|管哪些|哪些行业")
_EXISTS = re.compile(r"有没有|有无|是否有|有.{0,8}吗|有.{0,8}不")
_OTHER_SUBJECT = re.compile(r"单位|负责|指导|主管|谁|名额|奖|评分|指标|评价|推荐|宣传|推介|展示|公示|举报")
# Who may enter which tracks is an eligibility rule, not a list of tracks.
_ELIGIBILITY = re.compile(
    r"(政府|部门|机关|事业单位|国企|央企|高校|学校|个人|单位|公司|企业|团队).{0,8}(能|可以|可|允许|能否).{0,4}(报|参加|参赛|参与|选)"
)
_GUIDE_WORDS = frozenset("赛道 赛题 题 题目 项目 报 报名 做 属于 方向 领域 指南 赛题指南 参赛 选 投 归 对应 有没有 方案 我们 应该 该 哪个 的 相关".split())
_MIN_MATCH = 0.5
_MIN_TRACK = 0.34
_MATCHING = re.compile(r"对口|相关的赛题|有关的赛题|相应的赛题|适合.{0,6}赛|能报.{0,4}赛题|可以报.{0,4}赛题")


def _tracks(guides: Guides, division: DivisionId, companions: tuple[DivisionId, ...]) -> list[Track]:
    own = guides.of(division)
    if own:
        return own
    for c in companions:
        if guides.of(c):
            return guides.of(c)
    return []


def _topic_match(part: Part, topics: list[tuple[Track, Topic]]) -> tuple[float, Track, Topic] | None:
    terms = [t for t in part.terms if t.known and not t.fallback and t.text not in _GUIDE_WORDS]
    total = sum(t.weight for t in terms)
    if not total:
        return None
    best: tuple[float, Track, Topic] | None = None
    for track, topic in topics:
        title = plain(topic.title)
        score = 0.0
        for t in terms:
            if any(a in title for a in t.alternatives):
                score += 1.2 * t.weight
            elif any(a in topic.body for a in t.alternatives):
                score += t.weight
        score /= total
        if best is None or score > best[0] + 1e-9:
            best = (score, track, topic)
    return best


def _strip_label(text: str, limit: int = 160) -> str:
    """A topic's line without its number, cut at a clause boundary when long."""
    text = re.sub(r"^\s*(?:[-*]\s*)?(?:赛题\s*\d+\s*[：:]|\d+\s*[.．、·]\s*)", "", text).replace("**", "")
    if len(text) <= limit:
        return text
    cut = max(text.rfind("，", 0, limit), text.rfind("。", 0, limit), text.rfind("；", 0, limit))
    return text[: cut if cut > 40 else limit] + "…"


def _named_topic(q: str, tracks: list[Track]) -> tuple[Track, Topic] | None:
    """A topic the question names by its title (the longest title found)."""
    best: tuple[int, Track, Topic] | None = None
    for track in tracks:
        for tp in track.topics:
            title = plain(tp.title)
            if len(title) >= 4 and title in q and (best is None or len(title) > best[0]):
                best = (len(title), track, tp)
    return (best[1], best[2]) if best else None


def _track_match(part: Part, tracks: list[Track]) -> Track | None:
    """The track whose name, introduction and topics share most of the question's words."""
    terms = [t for t in part.terms if t.known and not t.fallback and t.text not in _GUIDE_WORDS]
    total = sum(t.weight for t in terms)
    if not total:
        return None
    best: tuple[float, Track] | None = None
    for track in tracks:
        text = plain(track.name + (track.intro.quote if track.intro else "")) + "".join(t.body for t in track.topics)
        score = sum(t.weight for t in terms if any(a in text for a in t.alternatives)) / total
        if best is None or score > best[0] + 1e-9:
            best = (score, track)
    return best[1] if best and best[0] >= _MIN_TRACK else None


def project_track(
    part: Part, division: DivisionId, guides: Guides, companions: tuple[DivisionId, ...] = ()
) -> tuple[Track, Topic] | None:
    """The track a described project belongs to (博物馆藏品三维数字化 → 文化旅游), by the topic
    that shares most of its words; None when no topic matches well enough."""
    tracks = _tracks(guides, division, companions)
    hit = _topic_match(part, [(t, tp) for t in tracks for tp in t.topics])
    return (hit[1], hit[2]) if hit and hit[0] >= _MIN_MATCH else None


def _topic_lines(track: Track, *, numbered: bool = False) -> tuple[str, list[Source]]:
    """A track's topics; `numbered` (a count was asked) keeps the notice's own numbers (赛题6：…,
    8.…) so the count is read off the quoted lines, not stated by us."""
    lines = [f"{track.name}："]
    for t in track.topics:
        if numbered and t.label:
            label = f"{t.label}：" if "赛题" in t.label else f"{t.label}." if t.label[0].isdigit() else f"{t.label}、"
        else:
            label = f"{t.label}、" if t.label and not t.label[0].isdigit() and "赛题" not in t.label else ""
        lines.append(f"- {label}{t.title}")
    return "\n".join(lines), [track.source] + [t.source for t in track.topics]


def answer(
    part: Part, division: DivisionId, guides: Guides, companions: tuple[DivisionId, ...] = ()
) -> Finding | None:
    tracks = _tracks(guides, division, companions)
    if not tracks:
        return None
    q = part.canonical
    named = named_tracks(q, tracks)
    summary = guides.summary.get(division)
    titled = _named_topic(q, tracks)
    if titled is not None and not _TRACK_COUNT.search(q):
        track, tp = titled
        detail = tp.detail or tp.source
        text = f"{track.name} > {_strip_label(detail.quote)}"
        return Finding(division, True, text, [detail, track.source], key=tp.title)
    if _ELIGIBILITY.search(q) or part.of("award") or part.of("role"):
        return None
    if _OTHER_SUBJECT.search(q) and (not _WHICH.search(q) or named):
        return None  # "科技创新赛道归哪个局负责": the track is named; the unit in charge is asked
    lookup = _WHICH.search(q) or (not named and _EXISTS.search(q) and _TOPIC_NOUN.search(q)) or _MATCHING.search(q)
    if lookup and not _TRACK_COUNT.search(q):
        pool = [(t, tp) for t in (named or tracks) for tp in t.topics]
        hit = _topic_match(part, pool)
        if hit and hit[0] >= _MIN_MATCH:
            _, track, topic = hit
            text = f"{track.name} > {topic.label + '：' if topic.label.startswith('赛题') else ''}{topic.title}"
            return Finding(division, True, text, [topic.source, track.source], key=track.name + topic.title)
        if not named:
            near = _track_match(part, tracks)
            if near is not None:
                text = f"赛题指南中没有与此完全对应的赛题，最接近的是{near.name}"
                return Finding(division, True, text, [near.source], key=near.name, weak=True)
        if named and not _TOPIC_ASK.search(q.replace("赛道", "")):
            return _describe(division, named, summary, guides.open_note.get(division))
        if not named:
            return None
    if named and _DESCRIBE.search(q) and not _TOPIC_NOUN.search(q):
        return _describe(division, named, summary, guides.open_note.get(division))
    if named and part.kind.name == "count" and not _TOPIC_NOUN.search(q) and _counts_other(part, named):
        return None  # "城市治理赛道每家推几个" counts something else than its topics
    if named and (_TOPIC_ASK.search(q.replace("赛道", "")) or _EXISTS.search(q) or part.kind.name in ("count", "list")):
        if _EXISTS.search(q) and not _TOPIC_ASK.search(q.replace("赛道", "")):
            return _describe(division, named, summary, guides.open_note.get(division))
        chosen = [t for t in named if t.topics][:2]
        if not chosen:
            return _describe(division, named, summary, guides.open_note.get(division))
        texts, sources = [], []
        for t in chosen:
            text, srcs = _topic_lines(t, numbered=part.kind.name == "count")
            texts.append(text)
            sources += srcs
        return Finding(division, True, "\n".join(texts), sources, key="|".join(t.name for t in chosen))
    if _TRACK_COUNT.search(q) or (re.search(r"赛题", q) and part.kind.name in ("count", "list") and not named):
        if re.search(r"赛题", q) and not re.search(r"赛道", q):
            if summary and re.search(r"\d+\s*个\s*赛题", summary.quote):
                return Finding(division, True, summary.quote, [summary], key=summary.quote)
            return None
        listing = "赛题指南中的赛道：\n" + "\n".join(f"- {t.name}" for t in tracks)
        sources = [tracks[0].source, tracks[-1].source] if len(tracks) > 1 else [tracks[0].source]
        if summary:
            return Finding(division, True, f"{summary.quote}\n{listing}", [summary, *sources], key=summary.quote)
        return Finding(division, True, listing, sources, key="|".join(t.name for t in tracks))
    return None


def _counts_other(part: Part, named: list[Track]) -> bool:
    """A count question about a named track that has words of its own beyond the track (每家推几个)."""
    names = "".join(plain(t.name) for t in named)
    return any(t.text not in _GUIDE_WORDS and t.text not in names for t in part.terms)


def _describe(division: DivisionId, named: list[Track], summary: Source | None, open_note: Source | None) -> Finding:
    texts: list[str] = []
    sources: list[Source] = []
    for t in named[:2]:
        body = t.intro.quote if t.intro else ""
        texts.append(f"{t.name}：{body}" if body else t.name)
        sources.append(t.intro or t.source)
        extra = open_note if t.is_open and open_note else None
        if extra is None and summary and t.core and f"{t.core}（" in summary.quote:
            extra = summary  # "民生服务（覆盖医疗、金融、商贸、气象等领域）"
        if extra is not None and extra not in sources:
            texts.append(extra.quote)
            sources.append(extra)
    return Finding(division, True, "\n".join(texts), sources, key="|".join(t.name for t in named[:2]))
