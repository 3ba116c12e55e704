"""The guided conversation: one field (or small group) at a time, in template order.

`Flow.handle(state, text)` reads one reply, validates it, updates `state` and
returns the next message. It never touches storage; the service saves the state
after every turn, so a restart loses at most the reply being typed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from assistant.errors import LLMError
from assistant.forms.answers import Context, check_table_rule, interpret
from assistant.forms.assist import FormAssistant
from assistant.forms.assisted import OFFLINE_NOTE, explain, extraction_targets, propose
from assistant.forms.commands import EXPORT_WORDS, PENDING_WORDS, CommandWord, bare_word, parse_command
from assistant.forms.fit import check_fits
from assistant.forms.questions import (
    HELP,
    LLM_HELP,
    PENDING_PROMPTS,
    preview,
    progress_text,
    question_text,
    summary,
)
from assistant.forms.receipt import long_text_summary, receipt
from assistant.forms.review import section_words
from assistant.forms.schema import FormSchema, scope_fields
from assistant.forms.state import DraftState, Pending
from assistant.forms.steps import (
    Progress,
    Step,
    find_step,
    is_answered,
    min_filled_blocks,
    progress,
    row_count,
    section_scope,
    set_value,
    step_scope,
    unit_count,
    walk,
)
from assistant.forms.validators import InvalidAnswer, check_rows, parse_yesno
from assistant.forms.wordcount import count_text

NEUTRAL: tuple[CommandWord, ...] = ("进度", "预览", "帮助", "说明", "解释")


@dataclass
class FlowReply:
    message: str
    step: Step | None
    progress: Progress
    finished: bool
    export_requested: bool = False


class Flow:
    def __init__(
        self,
        schema: FormSchema,
        *,
        today: Callable[[], date] = date.today,
        assistant: FormAssistant | None = None,
    ) -> None:
        self.schema = schema
        self.today = today
        self.assistant = assistant

    # ---- entry points -------------------------------------------------------------

    def start(self, state: DraftState) -> FlowReply:
        """The opening message for a new draft, or where a resumed draft stands."""
        if not state.started:
            state.started = True
            steps = walk(self.schema, state.answers)
            state.cursor = self._first_open(state, steps, 0)
            intro = (
                f"您好！我将按《{self.schema.title}》的顺序，逐项引导您填写申报书。"
                "每个回答都会立即保存。" + HELP + (LLM_HELP if self.assistant else "")
            )
            return self._reply(state, [intro])
        if state.pending:
            return self._reply(
                state, ["欢迎回来，我们继续。", PENDING_PROMPTS[state.pending.kind]], ask=False
            )
        return self._reply(state, ["欢迎回来，我们从上次的位置继续。"])

    def handle(self, state: DraftState, text: str) -> FlowReply:
        text = text.strip()
        if not state.started:
            return self.start(state)
        command = parse_command(text, lambda name: self._names_field(state, name))
        word = command.word if command else None
        if state.pending and word not in NEUTRAL:
            reply = self._handle_pending(state, text, word)
            if reply is not None:
                return reply
        if command is not None and command.word in PENDING_WORDS:
            return self._reply(state, [f"现在没有待确认的事项，“{command.word}”不会被当作回答保存。"], ask=False)
        if command is not None:
            return self._command(state, command.word, command.arg)
        step = self._current(state)
        if step is None:
            return self._reply(state, ["申报书的问题已全部问完。" + self.summary(state)], ask=False)
        return self._answer(state, step, text)

    def is_command(self, state: DraftState, text: str) -> bool:
        """Whether a reply is complete as it stands: a command, not the first line of a long answer."""
        if state.pending is not None and state.pending.kind == "confirm_export" and bare_word(text) in EXPORT_WORDS:
            return True
        command = parse_command(text, lambda name: self._names_field(state, name))
        return command is not None and command.word != "提取"  # 提取's paragraph may run over several lines

    # ---- answering ----------------------------------------------------------------------

    def _answer(self, state: DraftState, step: Step, text: str) -> FlowReply:
        if step.kind == "add":
            return self._answer_add(state, step, text)
        f = step.field
        assert f is not None
        try:
            check_fits(f, text)
            result = interpret(f, text, self._context(state, step))
        except InvalidAnswer as exc:
            return self._reply(
                state, [f"{exc.message}\n请重新输入“{step.display}”，或回复“跳过”。"], ask=False
            )
        if result.confirm:
            state.pending = Pending(kind="confirm_code", step_id=step.id, value=result.value)
            return self._reply(state, [result.confirm], ask=False)
        self._save(state, step, result.value)
        notes = list(result.notes)
        if result.over_limit:
            return self._over_limit(state, step, result.value, notes)
        notes.extend(self._after_save_notes(state, step))
        blocked = self._min_filled_unmet(state, step)
        if blocked:
            return self._reply(state, [receipt(step, result.value), *notes, blocked], ask=False)
        return self._advance(state, step, [receipt(step, result.value), *notes])

    def _answer_add(self, state: DraftState, step: Step, text: str, *, skipping: bool = False) -> FlowReply:
        try:
            yes = not skipping and parse_yesno(text) == "是"
        except InvalidAnswer as exc:
            return self._reply(state, [exc.message], ask=False)
        if not yes:
            unmet = self._table_rule_unmet(state, step)
            if unmet and not skipping:
                return self._reply(state, [f"{unmet}，或回复“是”继续添加；暂不设置请回复“跳过”（导出时会标注）。"], ask=False)
            state.add_flag(step.id, "skipped")
            note = f"注意：{unmet}（导出时会标注）。" if unmet else ""
            return self._advance(state, step, ["好的，不再添加。" + note])
        try:
            self._add_row(state, step)
        except InvalidAnswer as exc:
            return self._reply(state, [exc.message], ask=False)
        steps = walk(self.schema, state.answers)
        new = next(
            s
            for s in steps
            if s.kind == "field"
            and (
                (step.field is None and s.section is step.section and s.unit == step.row)
                or (
                    step.field is not None
                    and s.table is step.field
                    and s.unit == step.unit
                    and s.row == step.row
                )
            )
        )
        state.history.append(step.id)
        state.cursor = new.id
        return self._reply(state, ["好的，已添加。"])

    def _table_rule_unmet(self, state: DraftState, step: Step) -> str:
        """Why a table cannot end here (团队联络人必须恰好有 1 名…) and how to fix it, or ""."""
        table = step.field
        if table is None or not table.exactly_one:
            return ""
        rows = section_scope(state.answers, step.section, step.unit).get(table.key) or []
        try:
            check_table_rule(table, rows)
        except InvalidAnswer as exc:
            col = next(c for c in table.columns if c.key == table.exactly_one.column)
            return f"{exc.message}请用“修改 {table.label}1·{col.label}”等命令设置"
        return ""

    def _add_row(self, state: DraftState, step: Step) -> None:
        """Append a row (table) or a unit (repeated section), refusing one beyond the limit."""
        n = (step.row or 0) + 1
        if step.field is None:
            rep = step.section.repeat
            assert rep is not None
            check_rows(label=rep.label, rows=n, max_rows=rep.max, row_noun=rep.row_noun)
            units = state.answers.setdefault(step.section.key, [])
            while len(units) < n:
                units.append({})
            return
        table = step.field
        check_rows(label=table.label, rows=n, max_rows=table.max_rows, row_noun=table.row_noun)
        scope = section_scope(state.answers, step.section, step.unit, create=True)
        rows = scope.setdefault(table.key, [])
        while len(rows) < n:
            rows.append({})

    def _save(self, state: DraftState, step: Step, value: object) -> None:
        set_value(state.answers, step, value)
        state.drop_flag(step.id, "skipped")
        state.drop_flag(step.id, "over_limit_kept")
        state.drop_flag(step.id, "checksum_confirmed")

    def _over_limit(self, state: DraftState, step: Step, value: object, notes: list[str]) -> FlowReply:
        f = step.field
        assert f is not None and f.limit is not None and isinstance(value, str)
        words = count_text(value).words
        lines = [
            *notes,
            f"已保存：{step.display}，{long_text_summary(value)}"
            f"超出“{f.limit_text}”的要求 {words - f.limit} 字。原文已完整保留并标记为超限，不会被截断。",
        ]
        suggestion = None
        if self.assistant is not None:
            try:
                suggestion = self.assistant.shorten(
                    label=f.label, limit=f.limit, limit_text=f.limit_text, text=value
                )
            except LLMError as exc:
                lines.append(OFFLINE_NOTE.format(reason=exc.message))
        state.pending = Pending(kind="over_limit", step_id=step.id, value=suggestion)
        if suggestion:
            lines.append(
                f"智能精简建议（{count_text(suggestion).words} 字，仅供参考，请核对）：\n{suggestion}"
            )
            lines.append("回复“采用”用建议替换原文；回复“保留”保留原文继续；或直接发送您修改后的全文。")
        else:
            lines.append("请发送精简后的全文替换；或回复“保留”保留原文继续（导出时会标注超限）。")
        return self._reply(state, lines, ask=False)

    def _after_save_notes(self, state: DraftState, step: Step) -> list[str]:
        """Section totals over their limit, and reaching a row limit."""
        notes = []
        section = step.section
        if section.limit is not None and step.field is not None and step.field.kind == "longtext":
            words = section_words(section, section_scope(state.answers, section, step.unit))
            if words > section.limit:
                notes.append(
                    f"注意：{section.number}{section.title}各部分合计 {words} 字，超出“{section.limit_text}”的要求"
                    f" {words - section.limit} 字。内容已保留，请后续精简。"
                )
        return notes

    def _limit_notes(self, state: DraftState, done: Step, steps: list[Step], nxt: Step | None) -> list[str]:
        notes = []
        table = done.table
        if table is not None and table.max_rows is not None and done.row == table.max_rows - 1:
            scope = section_scope(state.answers, done.section, done.unit)
            leaving = nxt is None or nxt.table is not table or nxt.unit != done.unit
            if leaving and row_count(scope, table) >= table.max_rows:
                notes.append(
                    f"{table.label}已达上限：最多 {table.max_rows} {table.row_noun[:1]}，不能再添加。"
                )
                try:
                    check_table_rule(table, scope.get(table.key) or [])
                except InvalidAnswer as exc:
                    notes.append(f"注意：{exc.message}")
        rep = done.section.repeat
        if rep is not None and done.unit == rep.max - 1 and (nxt is None or nxt.section is not done.section):
            if unit_count(state.answers, done.section) >= rep.max:
                notes.append(f"{rep.label}已达上限：最多 {rep.max} {rep.row_noun[:1]}，不能再添加。")
        return notes

    def _min_filled_unmet(self, state: DraftState, step: Step) -> str | None:
        for block in min_filled_blocks(self.schema, state.answers):
            if block.last_step_id == step.id and not block.ok:
                first = next(c for c in scope_fields(block.block.fields) if c.kind != "block")
                return (
                    f"{block.block.label}{block.block.constraint}，目前只填了 {block.filled} 项。"
                    f"请在本项补充，或用“修改 {first.label}”补充前面的项目；确实没有可回复“跳过”（导出时会标注）。"
                )
        return None

    def _context(self, state: DraftState, step: Step) -> Context:
        scope = step_scope(state.answers, step)
        if step.table is not None:
            rows = section_scope(state.answers, step.section, step.unit).get(step.table.key)
            labels = {c.key: c.label for c in step.table.columns}
            return Context(
                today=self.today(),
                scope=scope,
                rows=rows if isinstance(rows, list) else [],
                row=step.row,
                table=step.table,
                labels=labels,
            )
        labels = {f.key: f.label for f in scope_fields(step.section.fields)}
        return Context(today=self.today(), scope=scope, labels=labels)

    # ---- moving around --------------------------------------------------------------------

    def _current(self, state: DraftState) -> Step | None:
        steps = walk(self.schema, state.answers)
        index = find_step(steps, state.cursor)
        if index is None and state.cursor is not None:
            state.cursor = self._first_open(state, steps, 0)
            index = find_step(steps, state.cursor)
        return steps[index] if index is not None else None

    def _open(self, state: DraftState, step: Step) -> bool:
        if "skipped" in state.flags.get(step.id, []):
            return False
        return step.kind == "add" or not is_answered(state.answers, step)

    def _first_open(self, state: DraftState, steps: list[Step], start: int) -> str | None:
        for step in steps[start:]:
            if self._open(state, step):
                return step.id
        return None

    def _advance(self, state: DraftState, done: Step, lines: list[str]) -> FlowReply:
        state.history.append(done.id)
        steps = walk(self.schema, state.answers)
        index = find_step(steps, done.id)
        start = (index + 1) if index is not None else 0
        target: str | None
        if state.return_to is not None:
            back = find_step(steps, state.return_to)
            nxt = steps[start] if start < len(steps) else None
            follow_up = nxt is not None and nxt.field is not None and nxt.field.show_if is not None
            if (
                nxt is not None
                and nxt.kind == "field"
                and self._open(state, nxt)
                and (follow_up or back is None or start < back)
            ):
                target = nxt.id  # a follow-up the change just revealed ("如是，…")
            else:
                target = state.return_to if back is not None else self._first_open(state, steps, 0)
                state.return_to = None
        else:
            target = self._first_open(state, steps, start)
        nxt_step = steps[find_step(steps, target) or 0] if target is not None else None
        lines = lines + self._limit_notes(state, done, steps, nxt_step)
        state.cursor = target
        if target is None:
            state.finished = True
            return self._reply(state, [*lines, "申报书的问题已全部问完。" + self.summary(state)], ask=False)
        return self._reply(state, lines)

    def _back(self, state: DraftState) -> FlowReply:
        steps = walk(self.schema, state.answers)
        while state.history:
            prev = state.history.pop()
            if find_step(steps, prev) is not None and prev != state.cursor:
                state.cursor = prev
                state.finished = False
                return self._reply(state, ["回到上一步。"])
        return self._reply(state, ["已经是第一个问题了。"])

    def _skip(self, state: DraftState) -> FlowReply:
        step = self._current(state)
        if step is None:
            return self._reply(state, ["没有可跳过的问题。" + self.summary(state)], ask=False)
        if step.kind == "add":
            return self._answer_add(state, step, "否", skipping=True)  # never a dead end, even with a rule unmet
        note = f"已跳过：{step.display}。"
        if is_answered(state.answers, step):
            note = f"保持不变：{step.display}。"
        else:
            state.add_flag(step.id, "skipped")
            if step.field is not None and step.field.required:
                note += "这是必填项，导出时会标为“未填写”，之后可用“修改”补填。"
        unmet = self._min_filled_unmet(state, step)
        if unmet:
            note += "注意：" + unmet.split("请在本项补充")[0] + "导出时会标注，之后可用“修改”补充。"
        return self._advance(state, step, [note])

    def _named(self, state: DraftState, name: str) -> tuple[list[Step], list[Step]]:
        """Field steps a name means: (exact name or label, else names containing it)."""
        steps = [s for s in walk(self.schema, state.answers) if s.kind == "field"]
        key = _norm(name)
        exact = [s for s in steps if _norm(s.display) == key or _norm(s.id) == key]
        by_label = [s for s in steps if s.field is not None and _norm(s.field.label) == key]
        partial = [s for s in steps if key and key in _norm(s.display)]
        return exact or by_label, partial

    def _names_field(self, state: DraftState, name: str) -> bool:
        """Whether `name` is exactly a field's name (for “修改项目名称” written without a space)."""
        return bool(_norm(name)) and bool(self._named(state, name)[0])

    def _goto(self, state: DraftState, name: str) -> FlowReply:
        exact, partial = self._named(state, name)
        hits = exact or partial
        if not hits:
            return self._reply(
                state, [f"没有找到字段“{name}”。回复“进度”可查看各部分，或直接写字段名称。"], ask=False
            )
        if len(hits) > 1:
            names = "、".join(s.display for s in hits[:12])
            more = f" 等 {len(hits)} 处" if len(hits) > 12 else ""
            return self._reply(
                state,
                [f"“{name}”对应多个字段：{names}{more}。请写得更具体，例如“修改 {hits[0].display}”。"],
                ask=False,
            )
        target = hits[0]
        if state.return_to is None and state.cursor != target.id:
            state.return_to = state.cursor
        state.cursor = target.id
        state.finished = False
        state.pending = None
        return self._reply(state, [f"修改“{target.display}”。"])

    # ---- commands ------------------------------------------------------------------------------

    def _command(self, state: DraftState, command: CommandWord, arg: str) -> FlowReply:
        if command == "跳过":
            return self._skip(state)
        if command == "上一步":
            state.pending = None
            return self._back(state)
        if command == "修改":
            if not arg:
                return self._reply(state, ["请写明要修改的字段，例如“修改 项目名称”。"], ask=False)
            return self._goto(state, arg)
        if command == "进度":
            return self._reply(state, [self.progress_text(state)], ask=False)
        if command == "预览":
            return self._reply(state, [preview(self.schema, state.answers)], ask=False)
        if command == "导出":
            state.pending = Pending(kind="confirm_export")
            return self._reply(
                state, [self.summary(state), "确认导出请回复“确认”；继续填写请直接回答当前问题。"], ask=False
            )
        if command in ("说明", "解释"):
            step = self._current(state)
            if step is None or step.kind != "field":
                return self._reply(state, [HELP], ask=False)
            return self._reply(state, [explain(self.assistant, step)], ask=False)
        if command == "提取":
            return self._extract(state, arg)
        return self._reply(state, [HELP + (LLM_HELP if self.assistant else "")], ask=False)

    def _handle_pending(self, state: DraftState, text: str, word: CommandWord | None) -> FlowReply | None:
        """A reply to what the flow asked; None lets it go on as a command or an answer (the question lapses)."""
        pending = state.pending
        assert pending is not None
        steps = walk(self.schema, state.answers)
        index = find_step(steps, pending.step_id)
        step = steps[index] if index is not None else None
        reply = bare_word(text)
        if pending.kind == "confirm_code" and reply == "确认" and step is not None:
            state.pending = None
            self._save(state, step, pending.value)
            state.add_flag(step.id, "checksum_confirmed")
            return self._advance(state, step, [receipt(step, pending.value, "已确认并记录")])
        if pending.kind == "over_limit" and step is not None and reply in ("保留", "确认", "跳过"):
            state.pending = None
            state.add_flag(step.id, "over_limit_kept")
            return self._advance(state, step, [f"已保留原文（超限，导出时会标注）：{step.display}。"])
        if pending.kind == "over_limit" and step is not None and reply == "采用" and pending.value:
            state.pending = None
            return self._answer(state, step, str(pending.value))
        if pending.kind == "confirm_export":
            if reply in ("确认", "确认导出", "是"):
                state.pending = None
                export = self._reply(
                    state, ["好的，正在导出申报书（可导出为 Word、JSON 或 Markdown 文件）。"], ask=False
                )
                export.export_requested = True
                return export
            if reply in ("否", "取消", "不"):
                state.pending = None
                return self._reply(state, ["已取消导出。"])
        if pending.kind == "accept_extraction" and reply == "采用":
            state.pending = None
            return self._apply_extraction(state, pending.extracted)
        if word == "取消":
            state.pending = None
            return self._reply(state, ["好的，已取消。"])
        if word in PENDING_WORDS:  # a confirmation word that does not answer this question: never an answer
            return self._reply(state, [f"“{word}”不适用于这里。{PENDING_PROMPTS[pending.kind]}"], ask=False)
        state.pending = None
        return None

    # ---- LLM-assisted commands (optional) ------------------------------------------------------

    def _extract(self, state: DraftState, paragraph: str) -> FlowReply:
        if self.assistant is None:
            return self._reply(state, ["未配置大模型，无法自动提取。请逐项回答当前问题。"], ask=False)
        if not paragraph.strip():
            return self._reply(state, ["请在“提取：”后粘贴一段介绍文字。"], ask=False)
        current = self._current(state)
        if current is None:
            return self._reply(state, ["所有问题都已问完，无需提取。"], ask=False)
        targets = extraction_targets(walk(self.schema, state.answers), current, state.answers)
        if not targets:
            return self._reply(state, ["本部分没有可提取的空白字段。"], ask=False)
        try:
            proposal = propose(self.assistant, targets, paragraph, lambda s: self._context(state, s))
        except LLMError as exc:
            return self._reply(
                state, [OFFLINE_NOTE.format(reason=exc.message), "请逐项回答当前问题。"], ask=False
            )
        if not proposal.accepted:
            return self._reply(
                state, ["没有从文字中识别出可用的内容。", *proposal.lines, "请逐项回答当前问题。"], ask=False
            )
        state.pending = Pending(kind="accept_extraction", extracted=proposal.accepted)
        lines = ["从您的文字中识别出以下内容（仅摘录原文，请核对）：", *proposal.lines]
        return self._reply(state, [*lines, "回复“采用”保存这些内容，或直接回答当前问题。"], ask=False)

    def _apply_extraction(self, state: DraftState, extracted: dict[str, object]) -> FlowReply:
        saved = []
        for step in walk(self.schema, state.answers):
            if step.id in extracted:
                self._save(state, step, extracted[step.id])
                saved.append(step.display)
        steps = walk(self.schema, state.answers)
        state.cursor = self._first_open(state, steps, find_step(steps, state.cursor) or 0)
        state.finished = state.cursor is None
        return self._reply(state, [f"已保存 {len(saved)} 项：{'、'.join(saved)}。"])

    # ---- summaries ------------------------------------------------------------------------------

    def progress_text(self, state: DraftState) -> str:
        return progress_text(self.schema, state.answers)

    def summary(self, state: DraftState) -> str:
        return summary(self.schema, state)

    # ---- reply --------------------------------------------------------------------------------

    def _reply(self, state: DraftState, lines: list[str], *, ask: bool = True) -> FlowReply:
        step = self._current(state)
        parts = [line for line in lines if line]
        if ask and step is not None:
            parts.append(question_text(state.answers, step))
        elif (
            not ask
            and step is not None
            and state.pending is None
            and not any("请重新输入" in p for p in parts)
        ):
            parts.append(f"（当前问题：{step.display}）")
        return FlowReply(
            message="\n".join(parts),
            step=step,
            progress=progress(self.schema, state.answers),
            finished=state.finished and step is None,
        )


def _norm(text: str) -> str:
    return re.sub(r"[\s*·•.．、:：]", "", text).lower()
