"""Each division's contact clause, read line by line: label, names, phones, e-mails, hours.

The applicants' contact block starts with its label (联系人：/联系方式：/(四)联系方式。) and runs
over the short lines after it. A notice that lists names only gives no phone: that is said,
not papered over.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.models import Chunk, DivisionId

from .. import patterns
from ..index import KnowledgeIndex
from ..units import Unit
from .base import Source

_HEAD = re.compile(r"联系人|联系方式|联系电话|赛事联系")
_BARE_LABEL = re.compile(r"^[（(]?[一二三四五六七八九十\d]*[）)]?\s*联系(方式|人|电话)[。：:]?$")
_LABEL = re.compile(r"^\s*(?:\d+\s*[.．、]\s*)?(?P<label>[\u4e00-\u9fff]{2,10})[：:]")
_NAME = re.compile(r"[\u4e00-\u9fff](?:\s?[\u4e00-\u9fff]){1,3}")


_ENTRY_START = re.compile(r"^\s*\d+\s*[.．、]")
_SPACED_NAME = re.compile(r"(?<![\u4e00-\u9fff])([\u4e00-\u9fff]) ([\u4e00-\u9fff])(?![\u4e00-\u9fff])")  # 柴 瑞
_ORG = re.compile(r"[局处厅委办院所]$|中心$|公司$")
_NOT_NAME = re.compile(r"电话|邮箱|时间|工作日|至")


def _names(text: str) -> tuple[str, ...]:
    """The people a contact line names (乔春蕾, 柴瑞, 李老师), without its label, units or hours."""
    body = _LABEL.sub("", _SPACED_NAME.sub(r"\1\2", text), count=1)
    body = patterns.EMAIL.sub(" ", patterns.PHONE.sub(" ", body))
    words = re.findall(r"[\u4e00-\u9fff]+", body)
    return tuple(w for w in words if 2 <= len(w) <= 3 and not _ORG.search(w) and not _NOT_NAME.search(w))


@dataclass(frozen=True)
class ContactLine:
    label: str  # 赛事联系电话 / 组委会邮箱 / 技术支持 / 监督举报电话 / 受理时间 / 联系人…
    source: Source
    phones: tuple[str, ...]
    emails: tuple[str, ...]
    names: tuple[str, ...] = ()  # the people it names (spaces inside a name dropped)
    entry: int = 0  # the numbered entry it belongs to (3. 监督举报电话 and its 受理时间 line)

    @property
    def text(self) -> str:
        return re.sub(r"\s*\n\s*", "；", self.source.quote.replace("**", "")).strip("；")


class Contacts:
    """The contact lines of each division (the applicants' block) and every e-mail in a notice."""

    def __init__(self, index: KnowledgeIndex) -> None:
        self.lines: dict[DivisionId, list[ContactLine]] = {}
        self.emails: dict[DivisionId, list[Source]] = {}
        for row, chunk in enumerate(index.chunks):
            units = index.units[row]
            if chunk.division not in self.lines:
                self._block(chunk, units)
            for u in units:
                if patterns.EMAIL.search(u.text):
                    self.emails.setdefault(chunk.division, []).append(Source(chunk, u.text))

    def _block(self, chunk: Chunk, units: list[Unit]) -> None:
        for i, unit in enumerate(units):
            head = _HEAD.search(unit.text)
            if not head or head.start() > 8 or "附件" in unit.text:
                continue
            start = i + 1 if _BARE_LABEL.match(unit.text) else i
            label = "联系方式"
            entry = 0
            out: list[ContactLine] = []
            for nxt in units[start : start + 12]:
                text = nxt.text
                if "附件" in text or (len(text) > 60 and not patterns.PHONE.search(text)):
                    break
                m = _LABEL.match(text)
                if m:
                    label = m.group("label")
                if _ENTRY_START.match(text) and out:
                    entry += 1
                out.append(
                    ContactLine(
                        label=label,
                        source=Source(chunk, text),
                        phones=tuple(p.group(0) for p in patterns.PHONE.finditer(text)),
                        emails=tuple(e.group(0) for e in patterns.EMAIL.finditer(text)),
                        names=_names(text),
                        entry=entry,
                    )
                )
            if out:
                self.lines[chunk.division] = out
                return

    def owner(self, text: str) -> DivisionId | None:
        """The one division whose contact block names a person the text names (许知行 → 新疆)."""
        compact = re.sub(r"\s+", "", text)
        owners = {d for d, lines in self.lines.items() for ln in lines for n in ln.names if n in compact}
        return next(iter(owners)) if len(owners) == 1 else None

    def of(self, division: DivisionId) -> list[ContactLine]:
        return list(self.lines.get(division, []))

    def summary(self, division: DivisionId) -> list[ContactLine]:
        """The lines an applicant is referred to: the consultation lines (not reporting or hours)."""
        lines = self.of(division)
        consult = [ln for ln in lines if not re.search(r"举报|受理时间|技术支持", ln.label)]
        return consult or lines
