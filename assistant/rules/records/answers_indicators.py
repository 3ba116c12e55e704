"""Evaluation indicator questions answered from the indicator trees: the level-1 indicators, a
node's children, a node's full name (correcting a near miss), differences between two trees."""

from __future__ import annotations

import re

from assistant.models import DivisionId

from ..query import Part
from .base import Finding, Source
from .indicators import Indicators, Node, Tree

_APPLIES = re.compile(r"指标|评价体系|评分标准|评审标准|打分|评分|评审看|考察|看哪几|看哪些|大的方面")
_CHILDREN = re.compile(
    r"下面|下有|下的|之下|包含|包括|分为|分成|有哪些|细分|具体|哪几|拆成|考察|看哪些|看什么|有什么|看啥|分哪|哪两|几块|几部分|构成|组成|分几"
)
_CHANGE = re.compile(r"改|修订|调整|变化|变动|更新|不一样|会变")
_NAME = re.compile(r"全称|叫什么|叫啥|名字|名称|是叫|叫做|写法|对吗|对不对|吧$|是不是")
_LEVEL = {"一级": 1, "二级": 2, "三级": 3}
# "问题解决程度归哪个一级指标": a node asked for the indicator above it
_PARENT = re.compile(r"归哪|归属|属于|算哪|隶属|在哪个|是哪个|哪个.{0,4}指标(?:下|里)|挂在")


def asks_indicators(part: Part) -> bool:
    return bool(_APPLIES.search(part.canonical) or part.of("indicator")) and not part.of("track")


def tree_for(indicators: Indicators, division: DivisionId, companions: tuple[DivisionId, ...]) -> Tree | None:
    tree = indicators.of(division)
    if tree is None:
        for c in companions:
            tree = indicators.of(c)
            if tree is not None:
                break
    return tree


def _shared(a: str, b: str) -> int:
    best = 0
    for i in range(len(a)):
        for j in range(i + best + 1, len(a) + 1):
            if a[i:j] in b:
                best = j - i
            else:
                break
    return best


def _named(q: str, tree: Tree, level: int | None) -> tuple[list[Node], bool]:
    """Nodes the question names; exact names first, else the closest name (≥ 3 shared characters)."""
    nodes = [n for n in tree.nodes() if level is None or n.level == level or _CHILDREN.search(q)]
    exact = [n for n in nodes if n.name in q]
    if exact:
        longest = max(len(n.name) for n in exact)
        return [n for n in exact if len(n.name) == longest or not any(n.name in m.name for m in exact if m is not n)], True
    scored = sorted(((_shared(n.name, q), n) for n in nodes if level is None or n.level == level), key=lambda p: -p[0])
    if scored and scored[0][0] >= 3 and (len(scored) == 1 or scored[0][0] > scored[1][0]):
        return [scored[0][1]], False
    return [], False


def _rows(nodes: list[Node]) -> list[Source]:
    out: list[Source] = []
    for n in nodes:
        if n.source not in out:
            out.append(n.source)
    return out


def answer(
    part: Part, division: DivisionId, indicators: Indicators, companions: tuple[DivisionId, ...] = ()
) -> Finding | None:
    q = part.canonical
    tree = tree_for(indicators, division, companions)
    if tree is None or not (_APPLIES.search(q) or part.of("indicator")) or part.of("track"):
        return None
    if part.kind.name in ("score", "ratio"):  # a weight or a share of one is a figure the trees never give
        remark = tree.note
        text = "评价指标只列出一级、二级、三级指标的名称，没有写明各项的分值或权重"
        sources = [tree.roots[0].source] if tree.roots else []
        if remark is not None:
            text += f"。相关说明：{remark.quote.rstrip('。')}"
            sources.append(remark)
        return Finding(division, False, text, sources)
    if _CHANGE.search(q) and tree.note is not None:
        return Finding(division, True, tree.note.quote, [tree.note], key=tree.note.quote)
    asked = [lv for word, lv in _LEVEL.items() if word in q]
    level = asked[-1] if asked else None
    if level and _PARENT.search(q):
        found = _ancestors(q, tree, level)
        if found:
            text = "；".join(found[0])
            return Finding(division, True, text, _rows(found[1]), key=text)
    named, exact = _named(q, tree, None if _CHILDREN.search(q) else level)
    if named and (_CHILDREN.search(q) or (level and named[0].level < level)) and not _NAME.search(q):
        node = named[0]
        target = level if level and level > node.level else node.level + 1
        kids = node.descendants(target) if target > node.level else []
        if kids:
            text = f"{node.name}下的{'二三'[target - 2]}级指标：" + "、".join(k.name for k in kids)
            return Finding(division, True, text, _rows([node, *kids]), key=text)
    if named:
        node = named[0]
        path = []
        n: Node | None = node
        while n is not None:
            path.append(n.name)
            n = n.parent
        where = " > ".join(reversed(path))
        level_name = "一二三"[node.level - 1]
        note = "" if exact else f"评价指标中的名称是“{node.name}”"
        text = f"{level_name}级指标“{node.name}”（{where}）"
        return Finding(division, True, text, _rows([node]), key=node.name, note=note)
    if level:
        nodes = [n for r in tree.roots for n in r.descendants(level)]
        text = f"{'一二三'[level - 1]}级指标：" + "、".join(n.name for n in nodes)
        return Finding(division, True, text, _rows(nodes), key=text)
    lines = [f"{r.name} > {c.name}：" + "、".join(g.name for g in c.children) for r in tree.roots for c in r.children]
    text = "评价指标（一级指标 > 二级指标：三级指标）：\n" + "\n".join(f"- {ln}" for ln in lines)
    nodes = tree.nodes()
    return Finding(division, True, text, _rows(nodes), key=text)


def _ancestors(q: str, tree: Tree, level: int) -> tuple[list[str], list[Node]] | None:
    """Each node below `level` the question names (in full, or by a run of ≥ 4 characters of its
    name: 数据合规 for 数据合规情况) with the indicator above it at that level."""
    deeper = [n for n in tree.nodes() if n.level > level]
    named = [n for n in deeper if n.name in q] or [n for n in deeper if _shared(n.name, q) >= 4]
    named = [n for n in named if not any(n is not m and n.name in m.name and m.name in q for m in named)]
    if not named:
        return None
    lines: list[str] = []
    nodes: list[Node] = []
    for n in named[:4]:
        path: list[Node] = []
        up: Node | None = n
        while up is not None:
            path.append(up)
            up = up.parent
        above = next((p for p in path if p.level == level), None)
        if above is None:
            continue
        where = " > ".join(p.name for p in reversed(path))
        lines.append(f"“{n.name}”属于{'一二三'[level - 1]}级指标“{above.name}”（{where}）")
        nodes += [p for p in reversed(path) if p not in nodes]
    return (lines, nodes) if lines else None


def differences(a: Tree, b: Tree) -> list[tuple[Node, Node]]:
    """Nodes at the same place in two trees whose names differ."""
    out: list[tuple[Node, Node]] = []

    def walk(xs: list[Node], ys: list[Node]) -> None:
        for x, y in zip(xs, ys, strict=False):
            if x.name != y.name:
                out.append((x, y))
            walk(x.children, y.children)

    walk(a.roots, b.roots)
    return out
