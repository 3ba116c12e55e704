"""Questions about a division's track guide: which tracks, and which topics a track has."""

from __future__ import annotations

import re

from .facts import Facts, Located, Track
from .lexicon import words
from .models import DivisionId

_TRACKS_Q = re.compile(r"赛道")
_ENUM_Q = re.compile(r"哪些|哪几|几个|多少个|几大|有什么|有啥|都有|分别|列出|列一下|清单|包括|是什么|设置|设了")
_TOPIC_Q = re.compile(r"赛题|方向|题目|选题|任务|哪些|有什么|有啥|包括|内容")
_OTHER_SUBJECT = re.compile(r"单位|负责|指导|主管|谁|政府|部门|企业|可以参加|能参加|参与|报名|推荐|名额|奖")
_TRACK_LIST_WORDS = frozenset("年 各 各设 赛道 赛题 赛题指南 设 设置 设了 设立 几个 多少 多少个 几大 哪些 哪几个 有 都 什么 啥 列出 分别 清单 包括 个 大 一共 总共 共 方向 领域 指南".split())
_ABBREV = {"文旅": "文化旅游", "医保": "医疗保障", "双碳": "绿色低碳", "碳": "低碳", "政务": "数字治理"}
_GENERIC_HALVES = frozenset({"数据", "创新", "服务", "管理", "领域"})


def core_name(track_name: str) -> str:
    """"赛道一：数据要素×能源低碳领域赛题" → "能源低碳"; "赛道九：开创性创新赛道" → "开创性创新"."""
    name = re.sub(r"^\**赛道[一二三四五六七八九十\d]+\s*[：:]\s*", "", track_name).strip("* ")
    name = re.sub(r"^数据要素\s*[×x]\s*", "", name)
    return re.sub(r"(领域)?(赛题指南|赛题|赛道)$", "", name)


def matching_tracks(q: str, tracks: list[Track]) -> list[Track]:
    """Tracks a question names, by full name, an unambiguous half, or a common abbreviation."""
    for short, full in _ABBREV.items():
        if short in q:
            q = q + full
    full_hits = [t for t in tracks if core_name(t.name) and core_name(t.name) in q]
    if full_hits:
        return full_hits
    hits: list[Track] = []
    for t in tracks:
        core = core_name(t.name)
        halves = {core[:2], core[2:4]} - _GENERIC_HALVES if len(core) == 4 else set()
        if any(h and h in q for h in halves):
            hits.append(t)
    return hits


def guide_answer(q: str, facts: Facts, d: DivisionId) -> tuple[str, list[Located]] | None:
    """A track list or a topic list from the guide, or None when the question is not about that."""
    tracks = facts.tracks.get(d, [])
    if not tracks:
        return None
    if _OTHER_SUBJECT.search(q):
        return None  # who supervises a track, who may enter it…: not a list of tracks or topics
    named = matching_tracks(q, tracks) if _TOPIC_Q.search(q) else []
    if named and len(named) <= 2 and re.search(r"赛题|方向|题目|选题|有哪些|有什么|包括|内容", q):
        lines: list[str] = []
        sources: list[Located] = []
        for t in named:
            if not t.topics:
                continue
            lines.append(f"{t.name}：")
            lines.extend(f"- {title}" for title, _ in t.topics[:14])
            sources.append(t.topics[0][1])
        return ("\n".join(lines), sources) if lines else None
    rest = [t for t in words(q) if t not in _TRACK_LIST_WORDS and not re.search(r"山西|陕西|新疆|益阳|湖南|全国|分赛|大赛|20\d\d", t)]
    if _TRACKS_Q.search(q) and _ENUM_Q.search(q) and not named and not rest:
        listing = "赛题指南中的赛道：\n" + "\n".join(f"- {t.name}" for t in tracks)
        summary = facts.track_summary.get(d)
        if summary:
            # The notice's own sentence ("设立……等 9 大赛道") goes first, then the guide's list.
            return f"{summary.quote}\n{listing}", [summary, tracks[0].source]
        return listing, [tracks[0].source]
    return None
