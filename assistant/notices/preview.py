"""What a notice will change, before it is added: the answers that differ once its amendments are in force.

The questions audited are the ones that can be affected: our evaluation cases and the questions
applicants actually asked (the Q&A log), each asked of the engine as it is and of the same engine
with the draft notice's amendments applied as on its publication day (or today, if later). Nothing
is stored; the index is not rebuilt (the amendments rewrite answers citing the clauses they change).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.models import DivisionId
from assistant.rules import divisions as div
from assistant.rules.pipeline import Engine

from .amendments import verify
from .apply import Amender, Notice
from .intake import Draft
from .model import Amendment

if TYPE_CHECKING:
    from assistant.web.store import QAStore

MAX_SHOWN = 12


@dataclass(frozen=True)
class Changed:
    question: str
    division: DivisionId | None
    before: str
    after: str


def engines(engine: Engine, draft: Draft, amendments: list[Amendment], existing: Sequence[Notice]) -> tuple[Engine, Engine]:
    """The engine without and with the draft's amendments, both on the day they take effect (so a
    deadline's 进行中/已结束 is the same on both sides and only the notice makes a difference)."""
    meta = draft.meta.model_copy(update={"amendments": amendments})
    verify(meta, draft.body, draft.chunks, name=draft.notice_id)  # a wrong amendment is said before anything runs
    own = [c for c in draft.chunks if c.doc_id == draft.notice_id]
    notices = [n for n in existing if n.notice_id != draft.notice_id] + [Notice(draft.notice_id, meta, draft.body)]
    in_force = max(engine.clock(), meta.published)
    before, after = copy.copy(engine), copy.copy(engine)
    after.amend = Amender(notices, [*engine.index.chunks, *own])
    before.clock = after.clock = lambda: in_force
    return before, after


def changes(
    engine: Engine, candidate: Engine, questions: Iterable[tuple[str, DivisionId | None]], *, limit: int = MAX_SHOWN
) -> tuple[list[Changed], int]:
    """The questions whose answer text differs between the two engines (first `limit`), and how many were audited."""
    out: list[Changed] = []
    seen: set[tuple[str, DivisionId | None]] = set()
    for question, division in questions:
        key = (question.strip(), division)
        if not key[0] or key in seen:
            continue
        seen.add(key)
        before = engine.ask(key[0], division)
        after = candidate.ask(key[0], division)
        if before.answer != after.answer and len(out) < limit:
            out.append(Changed(key[0], division, before.answer, after.answer))
    return out, len(seen)


def render(found: list[Changed], audited: int) -> str:
    """Plain text for the CLI and the console (Markdown-safe: no markup of ours in the answers)."""
    if not found:
        return f"预览：检查了 {audited} 个问题（评估用例和已记录的提问），添加后回答都不变。"
    lines = [f"预览：检查了 {audited} 个问题，以下 {len(found)} 个问题的回答将会改变（生效后）："]
    for i, c in enumerate(found, start=1):
        scope = f"（{div.SHORT[c.division]}）" if c.division else ""
        lines += [f"{i}. {c.question}{scope}", f"   现在：{_one_line(c.before)}", f"   添加后：{_one_line(c.after)}"]
    return "\n".join(lines)


def _one_line(text: str, limit: int = 160) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def audit_set(cases_dir: Path, store: QAStore | None, *, logged: int = 300) -> list[tuple[str, DivisionId | None]]:
    """Our evaluation cases' questions, then the latest questions applicants asked (the Q&A log)."""
    from assistant.evals.cases import load_cases

    questions: list[tuple[str, DivisionId | None]] = [(c.question, c.division) for c in load_cases(cases_dir)] if cases_dir.exists() else []
    if store is not None:
        questions += [(e.question, div.parse(e.scope or None)) for e in store.search(limit=logged)]
    return questions
