"""Consistency audit for secretariats: does a question get the same answer in every surface form?

`python -m assistant audit QUESTIONS.txt [--out FILE] [--division ID]` (see `evals.cli`) asks each
question and its automatic variants (width, punctuation, spacing, trailing particles, 陕西→陕西省 and
similar) and reports every question whose status, citations or answer text diverge. The web console
calls `run_audit(assistant, questions)`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Literal, Protocol

from pydantic import BaseModel, Field

from ..errors import AssistantError, InputError
from ..models import Answer

Aspect = Literal["status", "citations", "answer", "error"]
_TERMINAL = "？?。.！!～~"
_PARTICLES = re.compile(r"(呢|吗|嘛|啊|呀|吧|么)$")
# Surface substitutions that keep the meaning (the division stays the same).
_NAME_SWAPS = (
    ("陕西省", "陕西", "陕西→陕西省"),
    ("山西省", "山西", "山西→山西省"),
    ("新疆维吾尔自治区", "新疆", "新疆→新疆维吾尔自治区"),
    ("益阳市", "益阳", "益阳→益阳市"),
    ("湖南省", "湖南", "湖南→湖南省"),
)
_FULL_PUNCT = str.maketrans({"?": "？", "!": "！", ",": "，", ":": "：", ";": "；", "(": "（", ")": "）"})
_HALF_PUNCT = str.maketrans({"？": "?", "！": "!", "，": ",", "：": ":", "；": ";", "（": "(", "）": ")"})
_PUNCT_RE = re.compile(r"[\s!-/:-@\[-`{-~，。、；：？！“”‘’（）《》【】…—·～]+")


def _to_full_width(text: str) -> str:
    """ASCII letters, digits and punctuation as their full-width forms (２０２５, ？)."""
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text)


def _end_body(q: str) -> tuple[str, str]:
    body = q.rstrip()
    tail = ""
    while body and body[-1] in _TERMINAL:
        tail = body[-1] + tail
        body = body[:-1]
    return body, tail


def surface_variants(question: str) -> list[tuple[str, str]]:
    """(label, variant) pairs that a reader would call the same question, without repeats."""
    q = question.strip()
    body, tail = _end_body(q)
    out: list[tuple[str, str]] = [
        ("全角", _to_full_width(q).translate(_FULL_PUNCT)),
        ("半角", unicodedata.normalize("NFKC", q).translate(_HALF_PUNCT)),
        ("去标点", _PUNCT_RE.sub("", q)),
        ("问号", body + ("?" if tail.startswith("？") else "？")),
        ("空格", " " + re.sub(r"(?<=[\u4e00-\u9fff])(?=[\dA-Za-z])|(?<=[\dA-Za-z])(?=[\u4e00-\u9fff])", " ", q) + "  "),
        ("词间空格", re.sub(r"(分赛区?|初赛|大赛)", r"\1 ", q).replace("  ", " ")),
    ]
    if _PARTICLES.search(body):
        out.append(("去语气词", _PARTICLES.sub("", body) + tail))
    else:
        out += [("加“呢”", body + "呢" + tail), ("加“啊”", body + "啊" + tail)]
    for long, short, label in _NAME_SWAPS:
        if short in q and long not in q:
            out.append((label, q.replace(short, long, 1)))
    if "分赛" in q and "分赛区" not in q:
        out.append(("分赛→分赛区", q.replace("分赛", "分赛区", 1)))
    if "陕西" in q:
        out.append(("陕→陝", q.replace("陕西", "陝西", 1)))
    seen = {q}
    unique: list[tuple[str, str]] = []
    for label, variant in out:
        if variant.strip() and variant not in seen:
            seen.add(variant)
            unique.append((label, variant))
    return unique


class AuditAnswer(BaseModel):
    label: str  # "原问题" or the variant's label
    question: str
    status: str
    answer: str
    citations: list[str] = Field(default_factory=list)  # "division · section"
    differs: list[Aspect] = Field(default_factory=list)  # what differs from the original


class AuditItem(BaseModel):
    question: str
    division: str | None = None
    original: AuditAnswer
    variants: list[AuditAnswer]

    @property
    def diverged(self) -> bool:
        return any(v.differs for v in self.variants)


class AuditReport(BaseModel):
    items: list[AuditItem]

    @property
    def diverged(self) -> list[AuditItem]:
        return [i for i in self.items if i.diverged]

    def to_markdown(self) -> str:
        variants = sum(len(i.variants) for i in self.items)
        lines = [
            "# 一致性审计",
            "",
            f"{len(self.items)} 个问题，{variants} 个表面变体（全角/半角、标点、空格、语气词、省市全称等）；"
            f"{len(self.diverged)} 个问题的回答不一致。",
            "",
        ]
        for item in self.diverged:
            o = item.original
            lines += [f"## {item.question}" + (f"（分赛：{item.division}）" if item.division else ""), ""]
            lines += [f"- 原问题（{o.status}）：{_one_line(o.answer)}"]
            lines += [f"  - 引用：{'；'.join(o.citations) or '无'}"]
            for v in item.variants:
                if not v.differs:
                    continue
                what = "、".join(_ASPECTS[d] for d in v.differs)
                lines += [f"- **{v.label}**「{v.question}」— 不同：{what}"]
                lines += [f"  - 回答（{v.status}）：{_one_line(v.answer)}"]
                if "citations" in v.differs:
                    lines += [f"  - 引用：{'；'.join(v.citations) or '无'}"]
            lines.append("")
        if not self.diverged:
            lines.append("所有问题在各变体下的状态、引用和回答都一致。")
        return "\n".join(lines) + "\n"


_ASPECTS: dict[str, str] = {"status": "状态", "citations": "引用", "answer": "回答文字", "error": "报错"}


def _one_line(text: str) -> str:
    return text.replace("\n", " ⏎ ")


def _ask(ask: Callable[..., Answer], label: str, question: str, division: str | None) -> AuditAnswer:
    try:
        a = ask(question, division)
    except AssistantError as exc:
        return AuditAnswer(label=label, question=question, status="error", answer=exc.message)
    cites = [f"{c.division} · {c.section}" for c in a.citations]
    return AuditAnswer(label=label, question=question, status=a.status, answer=a.answer, citations=cites)


def _differences(base: AuditAnswer, other: AuditAnswer) -> list[Aspect]:
    if other.status == "error" or base.status == "error":
        return ["error"] if other.status != base.status or other.answer != base.answer else []
    out: list[Aspect] = []
    if other.status != base.status:
        out.append("status")
    if other.citations != base.citations:
        out.append("citations")
    if other.answer != base.answer:
        out.append("answer")
    return out


class Asker(Protocol):
    """What the audit needs: the Assistant's `ask`."""

    def ask(self, question: str, division: str | None = None) -> Answer: ...


def run_audit(assistant: Asker, questions: list[str], division: str | None = None) -> AuditReport:
    """Ask each question and its surface variants and mark what differs from the original's answer."""
    ask = assistant.ask
    items: list[AuditItem] = []
    for q in questions:
        if not q.strip():
            continue
        base = _ask(ask, "原问题", q, division)
        variants = []
        for label, variant in surface_variants(q):
            v = _ask(ask, label, variant, division)
            v.differs = _differences(base, v)
            variants.append(v)
        items.append(AuditItem(question=q, division=division, original=base, variants=variants))
    return AuditReport(items=items)


def read_questions(path: Path) -> list[str]:
    """One question per line; blank lines and lines starting with # are skipped."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(f"无法读取问题文件 {path}：{exc.strerror or exc}") from exc
    questions = [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]
    if not questions:
        raise InputError(f"问题文件 {path} 中没有问题（每行一个问题，# 开头的行为注释）。")
    return questions
