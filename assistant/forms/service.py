"""The form agent's Python API (used by the web page and the CLI): create, answer, status, export, import, check.

Every method returns plain pydantic objects with Chinese messages; problems the
applicant can fix raise `AssistantError` subclasses whose `.message` is Chinese.
Every reply carries the draft's version. A write based on an older version (another window
saved since) is re-applied on the current draft when it changes other fields, and refused
with DraftConflict when it would overwrite what the other window wrote: never lost silently.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from assistant.errors import ConfigError, FileRejected, InputError
from assistant.forms.answers import options
from assistant.forms.assist import Completer, FormAssistant
from assistant.forms.changes import changed, overlap, rebase
from assistant.forms.check import CheckReport
from assistant.forms.drafts import FIRST_VERSION, DraftConflict, DraftStore, DraftSummary, StaleVersion
from assistant.forms.export import MEDIA_TYPES, ExportFormat, export_draft, from_json
from assistant.forms.flow import Flow, FlowReply
from assistant.forms.integrity import bad_text, xml_safe
from assistant.forms.masking import mask_sensitive, mask_token
from assistant.forms.questions import summary
from assistant.forms.render import format_value
from assistant.forms.review import review
from assistant.forms.schema import FormSchema, load_schema
from assistant.forms.state import DraftState
from assistant.forms.steps import get_value, progress
from assistant.forms.uploads import DocxChecker, UploadLimits, check_json_depth, check_size
from assistant.settings import Settings

log = logging.getLogger(__name__)

Turn = Callable[[DraftState], FlowReply]
_SAVE_ATTEMPTS = 5  # compare-and-set retries when other writes keep landing in between


class ChoiceView(BaseModel):
    number: str
    label: str
    group: str = ""
    other: bool = False


class QuestionView(BaseModel):
    """The current question, for a page that wants to show more than the message text."""

    step_id: str
    kind: str
    label: str
    required: bool
    hint: str = ""
    limit: int | None = None
    limit_text: str = ""
    constraint: str = ""
    choices: list[ChoiceView] = []
    subfields: list[str] = []
    current: str = ""


class ProgressView(BaseModel):
    done: int
    total: int
    percent: int


class FormReply(BaseModel):
    token: str
    message: str
    question: QuestionView | None
    progress: ProgressView
    finished: bool
    export_ready: bool = False
    version: int = FIRST_VERSION  # send it back with the next answer (see FormService.answer)


class IssueView(BaseModel):
    kind: str
    where: str
    message: str
    blocking: bool


class DraftStatus(BaseModel):
    token: str
    title: str
    progress: ProgressView
    finished: bool
    issues: list[IssueView]
    summary: str
    version: int = FIRST_VERSION


class ExportResult(BaseModel):
    filename: str
    media_type: str
    data: bytes


def today_from(settings: Settings) -> Callable[[], date]:
    """The clock: settings.today (YYYY-MM-DD) when set, else the real date."""
    if not settings.today:
        return date.today
    try:
        fixed = date.fromisoformat(settings.today)
    except ValueError as exc:
        raise ConfigError(
            f"TODAY 应为 YYYY-MM-DD 格式的日期，当前为“{settings.today}”。请修改或删除该变量。"
        ) from exc
    return lambda: fixed


class FormService:
    def __init__(
        self,
        *,
        schema: FormSchema,
        store: DraftStore,
        today: Callable[[], date] = date.today,
        assistant: FormAssistant | None = None,
        limits: UploadLimits | None = None,
    ) -> None:
        self.schema = schema
        self.store = store
        self.today = today
        self.flow = Flow(schema, today=today, assistant=assistant)
        self.limits = limits or UploadLimits()
        self.checker = DocxChecker(schema, self.limits)

    @classmethod
    def from_settings(cls, settings: Settings, completer: Completer | None = None) -> FormService:
        """Build from settings; `completer` (None = offline) comes from the caller's LLM factory."""
        assistant = FormAssistant(completer, settings.prompts_dir) if completer is not None else None
        return cls(
            schema=load_schema(settings.form_schema_dir),
            store=DraftStore.from_settings(settings),
            today=today_from(settings),
            assistant=assistant,
            limits=UploadLimits.from_settings(settings),
        )

    # ---- conversation -----------------------------------------------------------------------

    def create(self) -> FormReply:
        state = DraftState(schema_id=self.schema.schema_id, schema_version=self.schema.version)
        reply = self.flow.start(state)
        token = self.store.create(state)
        return self._view(token, state, reply, FIRST_VERSION)

    def resume(self, token: str) -> FormReply:
        return self._write(token, None, self.flow.start)

    def answer(self, token: str, text: str, version: int | None = None) -> FormReply:
        """Apply one reply. `version` is the one the applicant's window last saw (FormReply.version);
        without it, the version loaded now. Saved every turn, so a restart loses at most the reply
        being typed."""
        if bad_text(text):
            raise InputError("回答中含有无法识别的控制字符，请删除后重新输入。")
        reply = self._write(token, version, lambda state: self.flow.handle(state, text))
        log.debug("draft %s reply %r", mask_token(token), mask_sensitive(text[:80]))
        return reply

    def is_command(self, token: str, text: str) -> bool:
        """Whether `text` is a whole reply as it stands (a command), not the first line of a long answer."""
        return self.flow.is_command(self._load(token), text)

    def status(self, token: str) -> DraftStatus:
        state, version = self.store.load_versioned(token.strip())
        issues = review(self.schema, state.answers, state.flags)
        return DraftStatus(
            token=token,
            title=self._title(state),
            progress=self._progress(state),
            finished=state.finished,
            issues=[
                IssueView(kind=i.kind, where=i.where, message=i.message, blocking=i.blocking) for i in issues
            ],
            summary=self.flow.progress_text(state) + self.flow.summary(state),
            version=version,
        )

    def export_summary(self, token: str) -> str:
        """What is still to fix in a draft being exported (the page exports in one click and says this)."""
        return summary(self.schema, self._load(token), closing=False).strip()

    # ---- files ------------------------------------------------------------------------------------

    def export(self, token: str, fmt: ExportFormat) -> ExportResult:
        state = _xml_safe(self._load(token))
        data = export_draft(self.schema, state, fmt, self.today())
        name = re.sub(r'[\\/:*?"<>|\s]+', "_", self._title(state))[:40] or token[:8]
        log.info("draft %s exported as %s", mask_token(token), fmt)
        return ExportResult(filename=f"申报书_{name}.{fmt}", media_type=MEDIA_TYPES[fmt], data=data)

    def import_json(self, raw: bytes | str) -> tuple[FormReply, list[str]]:
        """A new draft from an exported JSON file, and any warnings (e.g. an unconfirmed check character)."""
        check_size(len(raw.encode("utf-8") if isinstance(raw, str) else raw), self.limits)
        check_json_depth(raw, self.limits.json_max_depth)
        state, warnings = from_json(self.schema, raw, self.today())
        reply = self.flow.start(state)
        token = self.store.create(state)
        return self._view(token, state, reply, FIRST_VERSION), warnings

    def check(self, data: bytes) -> CheckReport:
        """Per-section 字数 of an uploaded Word draft, checked in a worker process under limits."""
        return self.checker.check(data)

    def check_file(self, path: Path) -> CheckReport:
        """The same check for a local file (CLI); a file that cannot be checked is a report whose
        only content is the reason, so `--json` output keeps one shape."""
        try:
            return self.checker.check_file(path)
        except FileRejected as exc:
            return CheckReport(errors=[exc.message])

    def list(self, tokens: list[str]) -> list[DraftSummary]:
        """Only the drafts whose tokens the caller holds."""
        return self.store.summaries(tokens)

    def delete(self, token: str) -> bool:
        return self.store.delete(token)

    # ---- helpers ------------------------------------------------------------------------------------

    def _load(self, token: str) -> DraftState:
        return self.store.load(token.strip())

    def _write(self, token: str, version: int | None, turn: Turn) -> FormReply:
        """Run `turn` on the draft as of `version` and save it as the next version.

        A save is compare-and-set. When the draft moved on since `version` (another window, or
        a request that landed in between), the turn is run again on the current answers with
        the conversation as this window saw it; it is kept if it changed other fields than the
        ones changed since, and refused (DraftConflict) otherwise.
        """
        token = token.strip()
        current, at = self.store.load_versioned(token)
        base = at if version is None else version
        for _ in range(_SAVE_ATTEMPTS):
            if base == at:
                work = current.model_copy(deep=True)
                reply = turn(work)
            else:
                work, reply = self._reapply(token, base, current, turn)
            try:
                saved = self.store.save(token, work, expected=at)
            except StaleVersion:
                current, at = self.store.load_versioned(token)
                continue
            return self._view(token, work, reply, saved)
        raise DraftConflict()

    def _reapply(self, token: str, base: int, current: DraftState, turn: Turn) -> tuple[DraftState, FlowReply]:
        seen = self.store.load_version(token, base)
        work = rebase(self.schema, seen, current) if seen is not None else None
        if seen is None or work is None:
            raise DraftConflict()
        reply = turn(work)
        clash = overlap(changed(self.schema, current, work), changed(self.schema, seen, current))
        if clash:
            log.info("draft %s: write on version %d refused, same field changed since: %s", mask_token(token), base, clash[:3])
            raise DraftConflict()
        return work, reply

    def _title(self, state: DraftState) -> str:
        basic = state.answers.get("basic")
        return str(basic.get("name") or "") if isinstance(basic, dict) else ""

    def _progress(self, state: DraftState) -> ProgressView:
        p = progress(self.schema, state.answers)
        return ProgressView(done=p.done, total=p.total, percent=p.percent)

    def _view(self, token: str, state: DraftState, reply: FlowReply, version: int) -> FormReply:
        question = None
        step = reply.step
        if step is not None and step.kind == "field" and step.field is not None:
            f = step.field
            current: Any = get_value(state.answers, step)
            question = QuestionView(
                step_id=step.id,
                kind=f.kind,
                label=step.display,
                required=f.required,
                hint=f.hint,
                limit=f.limit,
                limit_text=f.limit_text,
                constraint=f.constraint,
                choices=[
                    ChoiceView(
                        number=o.number,
                        label=o.choice.label,
                        group=o.group.label if o.group else "",
                        other=o.choice.other,
                    )
                    for o in options(f)
                ]
                if f.is_choice
                else [],
                subfields=[s.label for s in f.subfields],
                current=format_value(f, current) if current is not None else "",
            )
        elif step is not None:
            question = QuestionView(step_id=step.id, kind="add", label=step.display, required=False)
        return FormReply(
            token=token,
            message=reply.message,
            question=question,
            progress=ProgressView(
                done=reply.progress.done, total=reply.progress.total, percent=reply.progress.percent
            ),
            finished=reply.finished,
            export_ready=reply.export_requested,
            version=version,
        )


def _xml_safe(state: DraftState) -> DraftState:
    """The draft without characters a Word file cannot hold (stored before they were refused)."""
    return state.model_copy(update={"answers": xml_safe(state.answers)})
