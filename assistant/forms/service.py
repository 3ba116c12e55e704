"""The form agent's Python API (used by the web page and the CLI): create, answer, status, export, import, check.

Every method returns plain pydantic objects with Chinese messages; problems the
applicant can fix raise `AssistantError` subclasses whose `.message` is Chinese.
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
from assistant.forms.check import CheckReport
from assistant.forms.drafts import DraftStore, DraftSummary
from assistant.forms.export import MEDIA_TYPES, ExportFormat, export_draft, from_json
from assistant.forms.flow import Flow, FlowReply
from assistant.forms.integrity import bad_text, xml_safe
from assistant.forms.masking import mask_sensitive, mask_token
from assistant.forms.render import format_value
from assistant.forms.review import review
from assistant.forms.schema import FormSchema, load_schema
from assistant.forms.state import DraftState
from assistant.forms.steps import get_value, progress
from assistant.forms.uploads import DocxChecker, UploadLimits, check_json_depth, check_size
from assistant.settings import Settings

log = logging.getLogger(__name__)


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
            store=DraftStore.in_dir(settings.data_dir),
            today=today_from(settings),
            assistant=assistant,
            limits=UploadLimits.from_settings(settings),
        )

    # ---- conversation -----------------------------------------------------------------------

    def create(self) -> FormReply:
        state = DraftState(schema_id=self.schema.schema_id, schema_version=self.schema.version)
        token = self.store.create(state)
        reply = self.flow.start(state)
        self.store.save(token, state)
        return self._view(token, state, reply)

    def resume(self, token: str) -> FormReply:
        state = self._load(token)
        reply = self.flow.start(state)
        self.store.save(token, state)
        return self._view(token, state, reply)

    def answer(self, token: str, text: str) -> FormReply:
        if bad_text(text):
            raise InputError("回答中含有无法识别的控制字符，请删除后重新输入。")
        state = self._load(token)
        reply = self.flow.handle(state, text)
        self.store.save(token, state)  # every turn, so a restart loses at most the reply being typed
        log.debug("draft %s reply %r", mask_token(token), mask_sensitive(text[:80]))
        return self._view(token, state, reply)

    def status(self, token: str) -> DraftStatus:
        state = self._load(token)
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
        )

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
        token = self.store.create(state)
        reply = self.flow.start(state)
        self.store.save(token, state)
        return self._view(token, state, reply), warnings

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

    def _title(self, state: DraftState) -> str:
        basic = state.answers.get("basic")
        return str(basic.get("name") or "") if isinstance(basic, dict) else ""

    def _progress(self, state: DraftState) -> ProgressView:
        p = progress(self.schema, state.answers)
        return ProgressView(done=p.done, total=p.total, percent=p.percent)

    def _view(self, token: str, state: DraftState, reply: FlowReply) -> FormReply:
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
        )


def _xml_safe(state: DraftState) -> DraftState:
    """The draft without characters a Word file cannot hold (stored before they were refused)."""
    return state.model_copy(update={"answers": xml_safe(state.answers)})
