"""Answers from clauses: the selected units of one division, as readable text with verbatim sources;
silence said plainly, with the nearest clause and the division's contact."""

from __future__ import annotations

import re

from assistant.models import DivisionId

from . import intent
from .patterns import LIST_NUMBER
from .query import Part
from .records.base import Finding, Source
from .records.contacts import Contacts
from .retrieval import Ranking
from .select import MIN_COVERAGE, Pick, Selector
from .units import Unit

_LINE_MAX = 170
_MAX_ITEMS = 14
_LEAD_NUM = re.compile(r"^[（(]?[一二三四五六七八九十\d]+[）)、.．]\s*")
_NUMBER_RE = re.compile(r"\d+(?:\.\d+)?")
_NEGATIVE = re.compile(r"不得|不可|不能|不允许|禁止|严禁|无效|不予|不向")
_POSITIVE = re.compile(r"可以|均可|允许|鼓励|可参与")


def substance(text: str) -> str:
    """What two answers must share to say the same thing: the values they state (不超过5人, 1个项目),
    or, stating none, whether they allow or forbid; else the words themselves."""
    compacted = re.sub(r"\s+", "", text)
    numbers = sorted({m.group(0) for m in _NUMBER_RE.finditer(compacted) if m.group(0) not in ("2024", "2025")})
    if numbers:
        return "n:" + "|".join(numbers)
    polarity = ("neg" if _NEGATIVE.search(compacted) else "") + ("pos" if _POSITIVE.search(compacted) else "")
    return f"p:{polarity}" if polarity else f"t:{compacted}"


class ClauseAnswerer:
    def __init__(self, selector: Selector, contacts: Contacts) -> None:
        self.selector = selector
        self.contacts = contacts

    def answer(
        self, part: Part, ranking: Ranking, division: DivisionId, *, template: bool = False
    ) -> tuple[Finding, Pick | None]:
        pick = self.selector.best(part, ranking, division, template=template)
        if pick is None:
            return self.silent(part, division, None), None
        found = pick.coverage >= MIN_COVERAGE and (pick.typed or part.kind.name not in intent.TYPED)
        if found and not _decides(part, pick):
            return self.silent(part, division, pick), pick  # "税前还是税后": the clause names neither
        if found and not pick.addresses and part.predicate is not None:
            # the notice never speaks of what is asked (a number of the question's own, 60岁, is not repeated)
            what = "" if re.search(r"\d", part.predicate.text) else f"“{part.predicate.text}”的相关规定"
            return self.silent(part, division, pick, what=what), pick
        if not found and part.kind.name == "count" and pick.coverage >= MIN_COVERAGE:
            counted = self.counted(part, pick)
            if counted is not None:
                return counted, pick
        if not found and part.kind.name == "url" and pick.coverage >= MIN_COVERAGE:
            linked = self.site_address(pick, part, division)
            if linked is not None:
                return linked, pick
        if not found:
            predicate = part.predicate
            if predicate is not None and not re.search(r"\d", predicate.text) and self.selector.absent(predicate, division):
                return self.silent(part, division, pick, what=f"“{predicate.text}”的相关规定"), pick  # say what is missing
            return self.silent(part, division, pick), pick
        text = pick_text(pick, part)
        return Finding(division, True, text, pick_sources(pick), key=substance(text)), pick

    def site_address(self, pick: Pick, part: Part, division: DivisionId) -> Finding | None:
        """"公示挂在哪个网站上": the clause names the site (在新疆分赛官方网站进行公示) and the notice
        gives that site's address elsewhere (新疆分赛官方网站：<http://sjysx.xj.gov.cn/>); both answer."""
        said = " ".join(u.text for u in pick.content or pick.units)
        # the name's tails (在新疆分赛官方网站 → 新疆分赛官方网站), never shorter than the site word with two more characters
        names = {m.group(0)[i:] for m in _SITE.finditer(said) for i in range(len(m.group(0)) - 5)}
        if not names:
            return None
        index = self.selector.index
        for row, chunk in enumerate(index.chunks):
            if chunk.division != division:
                continue
            for unit in index.units[row]:
                if _ADDRESS.search(unit.text) and any(n in unit.text for n in names):
                    text = f"{pick_text(pick, part)}\n{trim(unit.display, part, 120)}"
                    return Finding(division, True, text, [*pick_sources(pick), Source(chunk, unit.text)], key=unit.text)
        return None

    def counted(self, part: Part, pick: Pick) -> Finding | None:
        """"大赛目标有几条": a section whose heading names the question's topic and whose body is a
        numbered list ((一)…(四), 1. 2.) is answered by its items in their own numbering, each cited
        (no count of ours: every number shown stands in a quote)."""
        heading = pick.chunk.section.split(" > ")[-1]
        topics = [t for t in part.terms if t.known and len(t.text) >= 2 and not t.fallback]
        if not topics or not all(any(a in heading for a in t.alternatives) for t in topics):
            return None  # the heading must name the whole topic (推荐…项目…总决赛 is not 参赛项目要求)
        units = self.selector.index.units[self.selector.index.chunks.index(pick.chunk)]
        items = [u for u in units if LIST_NUMBER.match(u.text)]
        if len(items) < 2 or len(items) > _MAX_ITEMS:
            return None
        # The items keep the notice's own numbering ((一)…(四)): the count shows without a number of ours.
        names = [u.text.rstrip("。；;") for u in items]
        text = f"{_LEAD_NUM.sub('', heading)}列出以下各条：" + "；".join(names)
        sources = [Source(pick.chunk, u.text) for u in items]
        return Finding(pick.division, True, text, sources, key=text)

    def stated_count(self, part: Part, division: DivisionId, found: Finding) -> Finding | None:
        """"新疆分赛一共分几个阶段": the notice states the count itself ("分为赛事报名、初赛及决赛三个
        阶段"); that sentence answers, not a listing of ours the reader would have to count."""
        m = _COUNTED.search(part.canonical)
        if m is None or re.search(_NUMERAL + r"\s*[个大项类]?\s*" + m.group(1), found.text):
            return None
        # "限报一个赛题" is a limit, not a count; the sentence must speak of the question's subject too
        stated = re.compile(r"(?<![\d一二三四五六七八九十])(?!一个|1\s*个)" + _NUMERAL + r"\s*[个大项类]\s*" + re.escape(m.group(1)))
        topics = [t for t in part.terms if t.known and len(t.text) >= 2 and not t.fallback and t.text != m.group(1)]
        index = self.selector.index
        for row, chunk in enumerate(index.chunks):
            if chunk.division != division or row in self.selector.template_rows:
                continue
            for unit in index.units[row]:
                said = chunk.section + unit.text
                if stated.search(unit.text) and all(any(a in said for a in t.alternatives) for t in topics):
                    return Finding(division, True, unit.display, [Source(chunk, unit.text)], key=unit.text)
        return None

    def silent(self, part: Part, division: DivisionId, pick: Pick | None, *, what: str = "") -> Finding:
        text = f"通知中没有写明{what or part.kind.silent}"
        sources: list[Source] = []
        if pick is not None and pick.coverage >= MIN_COVERAGE and pick.content:
            nearest = pick.content[0]
            text += f"。相关条款：{trim(nearest.body, part, 100).rstrip('。')}"
            sources.append(Source(pick.chunk, nearest.text))
        return self.refer(Finding(division, False, text, sources), division)

    def refer(self, finding: Finding, division: DivisionId) -> Finding:
        """Add the division's contact lines to a finding that cannot answer."""
        lines = self.contacts.summary(division)
        if lines:
            shown = "；".join(ln.text for ln in lines)
            finding.contact_text = f"如需确认，请联系：{shown[:110] + ('…' if len(shown) > 110 else '')}"
            finding.contact = [ln.source for ln in lines]
        return finding


def line_groups(pick: Pick) -> list[str]:
    """Display text of the picked content, one entry per source line."""
    groups: list[list[Unit]] = []
    for u in pick.content:
        if groups and groups[-1][-1].line == u.line and not u.is_row:
            groups[-1].append(u)
        else:
            groups.append([u])
    return [Unit(g[0].start, g[-1].end, pick.chunk.text[g[0].start : g[-1].end], is_row=g[0].is_row).body for g in groups]


def pick_text(pick: Pick, part: Part) -> str:
    heading = next((u.body for u in pick.units if u.is_heading), "")
    lines = table_lines(pick) if pick.table else line_groups(pick)
    if pick.extra:
        titles = [c.section.split(" > ")[-1] for c, _ in pick.extra]
        head = heading or (lines[0] if lines else "")
        return trim(head, part, 80) + "\n" + "\n".join(f"- {t}" for t in titles)
    if heading:
        heading = _LEAD_NUM.sub("", heading)
    if len(lines) <= 1:
        body = trim(lines[0], part, _LINE_MAX) if lines else ""
        return f"{heading}：{body}" if heading and body else heading or body
    head, items = (lines[0], lines[1:]) if lines[0].rstrip().endswith(("：", ":")) else (heading, lines)
    short = part.list_answer and len(items) > 8 and sum(map(len, items)) / len(items) > 50
    limit = _MAX_ITEMS * 2 if pick.table else _MAX_ITEMS
    rows = [f"- {title(t) if short else trim(t, part, 80)}" for t in items[:limit]]
    return ((head.rstrip("：:") + "：\n") if head else "") + "\n".join(rows)


def table_lines(pick: Pick) -> list[str]:
    """A whole table, header once, row groups in document order."""
    header = pick.table[0][1][0].text if pick.table[0][1] else ""
    lines = [header] if header else []
    for _, rows in pick.table:
        lines.extend(u.text for u in rows if u.text != header)
    return [Unit(0, 0, t, is_row=True).body for t in lines]


def title(text: str) -> str:
    m = re.match(r"^(.{2,40}?)[：:。]", text)
    return m.group(1) if m else text[:40]


def pick_sources(pick: Pick) -> list[Source]:
    content = pick.content
    if pick.table:
        # Quotes start at the first data row: a repeated header is not where the rows are.
        header = pick.table[0][1][0].text
        groups = [(c, rows[1:] if rows and rows[0].text == header else rows) for c, rows in pick.table]
        return [Source(c, c.text[rows[0].start : rows[-1].end]) for c, rows in groups[:4] if rows]
    if content:
        first = Source(pick.chunk, pick.chunk.text[content[0].start : content[-1].end])
    else:
        first = Source(pick.chunk, pick.units[0].text)
    more = pick.extra[:3]
    return [first] + [Source(c, c.text[us[0].start : us[-1].end]) for c, us in more if us]


def trim(text: str, part: Part, limit: int) -> str:
    """A verbatim window of at most `limit` characters, chosen to hold the most question terms."""
    if len(text) <= limit:
        return text
    words = [a for t in part.terms for a in (t.alternatives if not t.fallback else t.alternatives[:1])]
    clauses = re.split(r"(?<=[，,；;。：、])", text)  # a long list is cut between its items
    best: tuple[int, int, int] = (-1, 0, 0)  # hits, first clause, last clause
    for i in range(len(clauses)):
        length, hits = 0, 0
        for j in range(i, len(clauses)):
            length += len(clauses[j])
            if length > limit:
                break
            hits += sum(1 for t in words if t in clauses[j])
            if hits > best[0] or (hits == best[0] and i == best[1] and j > best[2]):
                best = (hits, i, j)  # as many terms as possible, then as much of their clause as fits
    if best[0] < 0:
        return text[:limit] + "…"
    _, i, j = best
    body = "".join(clauses[i : j + 1])
    return ("…" if i > 0 else "") + body + ("…" if j < len(clauses) - 1 else "")


_SITE = re.compile(r"[\u4e00-\u9fff]{2,10}?(?:官方网站|官网)")
_ADDRESS = re.compile(r"https?://|www\.")
_EITHER = re.compile(r"还是")
_NUMERAL = r"(?:\d+|[一二三四五六七八九十两]+)"
_COUNTED = re.compile(r"(?:几|多少)[个大项类]?([\u4e00-\u9fff]{2})")  # 分几个阶段 → 阶段


def _decides(part: Part, pick: Pick) -> bool:
    """An either-or question ("奖金是税前还是税后", "线上还是线下评") is answered by a clause that
    names at least one of the two choices: the term nearest each side of 还是. A clause naming
    neither speaks of the topic, not of the choice."""
    m = _EITHER.search(part.canonical)
    if m is None:
        return True
    left, right = part.canonical[: m.start()], part.canonical[m.end() :]
    before = [t for t in part.terms if t.text in left]
    after = [t for t in part.terms if t.text in right]
    if not before or not after:
        return True
    nearest = (max(before, key=lambda t: left.rfind(t.text) + len(t.text)), min(after, key=lambda t: right.find(t.text)))
    text = " ".join([pick.chunk.section, *(u.text for u in pick.units)])
    # an unknown word counts whole (its single characters, 税前 → 前, are not the choice)
    return any(a in text for t in nearest for a in (t.alternatives[:1] if t.fallback else t.alternatives))

