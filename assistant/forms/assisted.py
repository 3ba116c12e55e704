"""The flow's optional LLM commands: explain a field, and propose fields found in a pasted paragraph.

Proposals are validated like typed answers and applied only after the applicant's "采用".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from assistant.errors import LLMError
from assistant.forms.answers import Context, interpret
from assistant.forms.assist import FormAssistant
from assistant.forms.questions import instructions, short
from assistant.forms.render import format_value
from assistant.forms.steps import Step, is_answered
from assistant.forms.validators import InvalidAnswer

OFFLINE_NOTE = "（智能辅助暂不可用：{reason}。已改为离线方式继续，不影响填写。）"


def explain(assistant: FormAssistant | None, step: Step) -> str:
    """What the field wants: the template's hint offline, the model's words (plus the hint) online."""
    f = step.field
    assert f is not None
    rules = "；".join(instructions(f) + ([f"字数要求：{f.limit_text}"] if f.limit_text else []))
    offline = template_note(step)
    if assistant is None:
        return offline
    try:
        explained = assistant.explain(label=f.label, where=step.where, hint=f.hint, rules=rules)
    except LLMError as exc:
        return offline + "\n" + OFFLINE_NOTE.format(reason=exc.message)
    return f"{explained}\n（模板原文：{f.hint or f.label}）"


def template_note(step: Step) -> str:
    """What the template says of a field, offline: its own hint (or prompt), the limits it prints,
    whether it is required, and how an answer of its kind is written; never a generic filler."""
    f = step.field
    assert f is not None
    said = [x for x in (f.hint, f.prompt if f.prompt != step.display else "") if x]
    if not f.is_choice:
        said += [line.rstrip("。") for line in instructions(f)]
    need = "必填" if f.required else "选填"
    rules = [x for x in (f.constraint, f.limit_text) if x]
    note = step.section.note
    fallback = "从所列选项中选择" if f.is_choice else "模板对此项没有另外的说明，请按实际情况填写"
    lines = [f"“{step.display}”（{need}{'，' + '，'.join(rules) if rules else ''}）：{'；'.join(said) or fallback}。"]
    if note:
        lines.append(f"本部分说明：{note}。")
    return "".join(lines)


@dataclass
class Proposal:
    accepted: dict[str, Any] = field(default_factory=dict)  # step id → validated value
    lines: list[str] = field(default_factory=list)


def extraction_targets(steps: list[Step], current: Step, answers: dict[str, Any]) -> list[Step]:
    """Blank single-value fields of the part being filled (same section and unit)."""
    return [
        s
        for s in steps
        if s.kind == "field"
        and s.field is not None
        and s.section is current.section
        and s.unit == current.unit
        and s.table is None
        and s.field.kind not in ("group", "table", "block")
        and not is_answered(answers, s)
    ]


def propose(
    assistant: FormAssistant, targets: list[Step], paragraph: str, context: Callable[[Step], Context]
) -> Proposal:
    """Values found in `paragraph`, each checked by the field's own validator; raises LLMError."""
    found, dropped = assistant.extract([s.field for s in targets if s.field is not None], paragraph)
    proposal = Proposal()
    for s in targets:
        assert s.field is not None
        raw = found.get(s.field.key)
        if raw is None:
            continue
        try:
            result = interpret(s.field, raw, context(s))
        except InvalidAnswer as exc:
            proposal.lines.append(f"· {s.display}：未采用（{exc.message}）")
            continue
        if result.confirm or result.over_limit:
            proposal.lines.append(f"· {s.display}：未采用（需要您逐项确认）")
            continue
        proposal.accepted[s.id] = result.value
        proposal.lines.append(f"· {s.display}：{short(format_value(s.field, result.value))}")
    proposal.lines.extend(f"· {label}：未采用（原文中找不到依据）" for label in dropped)
    return proposal
