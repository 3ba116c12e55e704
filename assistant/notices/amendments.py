"""What a notice changes: amendments suggested from its wording, and verified before it loads.

An amendment's `old` text must occur verbatim in its target clause and its `new` text verbatim
in the notice, so every answer that follows it can quote both.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from assistant.models import Chunk, DivisionId

from .model import Amendment, AmendmentType, NoticeError, NoticeMeta, Target

_SENTENCE_RE = re.compile(r"[^。；\n]+[。；]?")
_NUMBER_RE = re.compile(r"^\s*(?:[（(]?[一二三四五六七八九十\d]+[）)、.．]\s*)+")
_CHANGE_RE = re.compile(
    r"由(?P<old>[^，。；由]{2,40}?)(?P<verb>延期至|推迟至|延长至|调整为|变更为|更正为)(?P<new>[^，。；（(]{1,60})"
)
_QUOTED_RE = re.compile(r"将“(?P<old>[^”]{1,80})”(?P<verb>调整|变更|修改|更正)为“(?P<new>[^”]{1,80})”")
_REPEAL_QUOTED_RE = re.compile(r"“(?P<old>[^”]{2,80})”[^，。；]{0,8}?(?:予以)?(?:废止|不再执行|不再适用|删除)")
_REPEAL_OBJECT_RE = re.compile(r"不再(?:设置|设立|执行|组织|开展|提供|安排)(?P<old>[^，。；]{2,40})")
_VERB_TYPES: dict[str, AmendmentType] = {"更正": "correction", "更正为": "correction"}


@dataclass(frozen=True)
class Suggestion:
    """A proposed amendment with the notice sentence it was read from."""

    amendment: Amendment
    sentence: str


def _compact(text: str) -> tuple[str, list[int]]:
    """Text without whitespace, and each kept character's index in the original."""
    keep = [i for i, ch in enumerate(text) if not ch.isspace()]
    return "".join(text[i] for i in keep), keep


def find_verbatim(needle: str, text: str) -> str | None:
    """The original spelling in `text` of `needle`, ignoring whitespace ("2025年7月31日" → "2025 年 7 月 31 日")."""
    if needle in text:
        return needle
    compact, keep = _compact(text)
    target = re.sub(r"\s+", "", needle)
    pos = compact.find(target) if target else -1
    if pos < 0:
        return None
    return text[keep[pos] : keep[pos + len(target) - 1] + 1]


def _fact(prefix: str) -> str | None:
    """The fact a sentence changes: the words before 由 ("1. 报名截止时间由…" → 报名截止时间)."""
    words = re.split(r"[，、：:]", _NUMBER_RE.sub("", prefix))[-1]
    words = re.sub(r"^(?:将|原通知中?的?|原定的?)", "", words.strip()).rstrip("的")
    return words or None


def _target(old: str, fact: str | None, chunks: Iterable[Chunk]) -> tuple[Chunk, str] | None:
    """The clause (best first by the fact's characters in its heading and text) holding `old`."""
    best: tuple[int, Chunk, str] | None = None
    for c in chunks:
        spelled = find_verbatim(old, c.text)
        if spelled is None:
            continue
        score = sum(ch in c.section + c.text for ch in set(fact or ""))
        if best is None or score > best[0]:
            best = (score, c, spelled)
    return (best[1], best[2]) if best else None


def suggest(body: str, division: DivisionId, chunks: list[Chunk], *, notice_id: str) -> list[Suggestion]:
    """Amendments read from the wording (由…延期至…, 调整为, 更正为, 不再, 废止), each with its target clause."""
    originals = [c for c in chunks if c.division == division and c.doc_id != notice_id]
    out: list[Suggestion] = []
    for sentence in (m.group(0).strip() for m in _SENTENCE_RE.finditer(body)):
        found: list[tuple[str, str, AmendmentType, str | None]] = []
        for m in _CHANGE_RE.finditer(sentence):
            kind = _VERB_TYPES.get(m.group("verb"), "substitution")
            found.append((m.group("old"), m.group("new").strip(), kind, _fact(sentence[: m.start()])))
        for m in _QUOTED_RE.finditer(sentence):
            found.append((m.group("old"), m.group("new"), _VERB_TYPES.get(m.group("verb"), "substitution"), None))
        for m in [*_REPEAL_QUOTED_RE.finditer(sentence), *_REPEAL_OBJECT_RE.finditer(sentence)]:
            found.append((m.group("old"), sentence, "repeal", None))
        for old, new, kind, fact in found:
            hit = _target(old, fact, originals)
            if hit is None:
                continue
            chunk, spelled = hit
            target = Target(document=chunk.doc_id, section=chunk.section, fact=fact)
            out.append(Suggestion(Amendment(target=target, type=kind, old=spelled, new=new), sentence))
    return out


def clause_text(chunks: Iterable[Chunk], document: str, section: str) -> str:
    """All text of one clause: the chunks of `document` under exactly `section`."""
    return "\n\n".join(c.text for c in chunks if c.doc_id == document and c.section == section)


def verify(meta: NoticeMeta, body: str, chunks: list[Chunk], *, name: str) -> None:
    """Refuse, in Chinese, an amendment whose target is missing or whose old/new text is not verbatim."""
    documents = {c.doc_id for c in chunks}
    for i, a in enumerate(meta.amendments, start=1):
        where = f"通知 {name} 的第 {i} 条修改"
        if a.target.document not in documents:
            raise NoticeError(f"{where}指向的文件“{a.target.document}”不在知识库中。")
        clause = clause_text(chunks, a.target.document, a.target.section)
        if not clause:
            raise NoticeError(f"{where}指向的条款“{a.target.section}”在“{a.target.document}”中不存在。")
        if a.old not in clause:
            raise NoticeError(f"{where}的原文“{a.old}”没有逐字出现在条款“{a.target.section}”中，请从原通知中逐字复制。")
        if a.new not in body:
            raise NoticeError(f"{where}的新内容“{a.new}”没有逐字出现在新通知正文中，请从新通知中逐字复制。")
