"""Q&A log, feedback, and secretariat-approved answers with their change history.

One code path over `assistant.db`: the embedded `DATA_DIR/web.sqlite` by default, the shared
PostgreSQL of `DATABASE_URL` in shared mode. `QAStore.lookup` is the `ApprovedLookup` the
assistant consults before answering: an approved answer is served for the same canonical
question (after `canonical_question`). Approved answers are kept in memory; every lookup first
reads one change marker (the newest `approved_history` id, an index read) and reloads them
when it moved, so an approval or revocation made on any worker is served or gone on all at once.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import Connection, RowMapping, func, or_, select, text
from sqlalchemy.exc import SQLAlchemyError

from assistant.db import Database, schema, shared_database, sqlite_database
from assistant.db.dialect import insert, upsert
from assistant.errors import ConfigError, InputError
from assistant.models import Answer, Citation, DivisionId
from assistant.rules import divisions as div
from assistant.rules.text import canonical_question
from assistant.settings import Settings

_REQUEST_ID = re.compile(r"[0-9a-f]{32}")
Vote = Literal["up", "down"]
FeedbackFilter = Literal["", "up", "down", "none"]
APPROVED_NOTE = "秘书处审定"
MAX_COMMENT = 1000
MAX_ANSWER = 5000
# Words that never change what a question asks; everything else (question words included) is meaning.
GLUE_WORDS = frozenset(
    "的 了 是 吗 呢 啊 呀 吧 嘛 么 呗 哦 哈 啦 请问 请 问 问下 问一下 想问 想问下 一下 麻烦 您好 你好 谢谢 我想 我们想 "
    "帮忙 帮我 告诉我 请告诉我 了解 了解一下 知道 想知道 具体".split()
)

log = logging.getLogger(__name__)

QA, FEEDBACK, APPROVED, HISTORY = schema.qa_log, schema.feedback, schema.approved, schema.approved_history
# pg_advisory_xact_lock key taken by every approval or revocation (see `_one_at_a_time`).
APPROVALS_LOCK = 0x617070726F76  # "approv"
Approved = dict[tuple[str, str], "ApprovedEntry"]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _stamp() -> str:
    """A log row's time, to the microsecond: rows are listed newest first by it, across workers too."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


class LogEntry(BaseModel):
    id: str
    ts: str
    question: str
    scope: str
    status: str
    approved: bool
    channel: str
    latency_ms: float
    vote: str = ""
    comment: str = ""


class LogDetail(LogEntry):
    answer: Answer


class ApprovedEntry(BaseModel):
    canonical: str
    scope: str
    question: str
    answer: str
    citations: list[Citation]
    approved_by: str
    updated_at: str


class HistoryEntry(BaseModel):
    canonical: str
    scope: str
    who: str
    ts: str
    action: str
    before: str | None
    after: str | None


class QAStore:
    """The log and the approved answers in one `Database`; safe to share between the server's threads
    and, on PostgreSQL, between any number of workers."""

    def __init__(self, database: Database) -> None:
        self.db = database
        self._refreshing = threading.Lock()
        self._marking = threading.Lock()
        self._marker_conn: Connection | None = None
        self._writing = threading.Lock()
        self._approved: Approved = {}
        self._marker: int | None = None  # the newest approved_history id the dict reflects
        self._words: Callable[[str], list[str]] | None = None
        self._keys: dict[str, tuple[str, ...] | None] = {}
        self._current()

    @classmethod
    def in_dir(cls, data_dir: Path) -> QAStore:
        """The embedded store of the single-machine default: `data_dir/web.sqlite`."""
        path = data_dir / "web.sqlite"
        try:
            return cls(sqlite_database(path, schema.WEB_TABLES))
        except SQLAlchemyError as exc:
            raise ConfigError(
                f"问答记录数据库 {path} 无法打开（{getattr(exc, 'orig', None) or exc}）：文件可能已损坏或不可写。"
                "请把它备份后移走（将新建空的记录库），或把 DATA_DIR 指向另一个目录。"
            ) from None

    @classmethod
    def from_settings(cls, settings: Settings) -> QAStore:
        """The shared PostgreSQL of DATABASE_URL, or the embedded file in DATA_DIR when it is empty."""
        if settings.database_url.strip():
            return cls(shared_database(settings.database_url.strip()))
        return cls.in_dir(settings.data_dir)

    def close(self) -> None:
        """Close an embedded file; the shared engine belongs to the process (`assistant.db.close_shared`)."""
        with self._marking:
            self._drop_marker_conn()
        if not self.db.shared:
            self.db.engine.dispose()

    # -- Q&A log ---------------------------------------------------------------------------

    def log(self, answer: Answer, *, scope: DivisionId | None, channel: str, request_id: str | None = None) -> str:
        """Record one answered question; returns the log id (unguessable, used for feedback).

        `request_id` (the front proxy's per-request id, 32 hex digits) is the log id when given: a
        request the proxy retried on another worker after the first logged it and died is one row."""
        qa_id = request_id if request_id and _REQUEST_ID.fullmatch(request_id) else uuid.uuid4().hex
        row = insert(self.db, QA).values(
            id=qa_id,
            ts=_stamp(),
            question=answer.question,
            canonical=canonical_question(answer.question),
            scope=scope or "",
            status=answer.status,
            approved=int(answer.approved),
            channel=channel,
            latency_ms=answer.latency_ms,
            answer_json=answer.model_dump_json(),
        )
        with self.db.begin() as conn:
            conn.execute(row.on_conflict_do_nothing(index_elements=[QA.c.id]))
        return qa_id

    def feedback(self, qa_id: str, vote: Vote, comment: str = "") -> None:
        comment = (comment or "").strip()
        if len(comment) > MAX_COMMENT:
            raise InputError(f"评论过长（{len(comment)} 字符），请控制在 {MAX_COMMENT} 字符以内。")
        with self.db.begin() as conn:
            if conn.execute(select(QA.c.id).where(QA.c.id == qa_id)).first() is None:
                raise InputError("没有找到这条回答，无法记录反馈。")
            conn.execute(FEEDBACK.insert().values(qa_id=qa_id, ts=_now(), vote=vote, comment=comment))

    def search(
        self,
        *,
        text: str = "",
        scope: str = "",
        status: str = "",
        feedback: FeedbackFilter = "",
        limit: int = 200,
    ) -> list[LogEntry]:
        """Newest first; `text` matches the question; `scope` "none" means asked without a division."""
        q, f = QA, FEEDBACK
        query = _with_latest_vote(q.c.id, q.c.ts, q.c.question, q.c.scope, q.c.status, q.c.approved, q.c.channel,
                                  q.c.latency_ms)
        if text.strip():
            typed = text.strip()
            query = query.where(or_(q.c.question.icontains(typed, autoescape=True),
                                    q.c.canonical.icontains(canonical_question(text) or typed, autoescape=True)))
        if scope:
            query = query.where(q.c.scope == ("" if scope == "none" else scope))
        if status:
            query = query.where(q.c.approved == 1 if status == "approved" else q.c.status == status)
        if feedback in ("up", "down"):
            query = query.where(f.c.vote == feedback)
        elif feedback == "none":
            query = query.where(f.c.vote.is_(None))
        query = query.order_by(q.c.ts.desc(), q.c.id.desc()).limit(max(1, min(limit, 1000)))
        with self.db.connect() as conn:
            return [_entry(r) for r in conn.execute(query).mappings()]

    def get(self, qa_id: str) -> LogDetail | None:
        query = _with_latest_vote(*QA.c).where(QA.c.id == qa_id)
        with self.db.connect() as conn:
            r = conn.execute(query).mappings().first()
        if r is None:
            return None
        return LogDetail(**_entry(r).model_dump(), answer=Answer.model_validate_json(r["answer_json"]))

    # -- approved answers ---------------------------------------------------------------------

    def _current(self) -> Approved:
        """The approved answers as of now: one marker read, and a reload only when an approval changed.

        The marker is read again with the rows, before them, so a change landing in between makes the
        next look reload again rather than keep a stale answer. If the database cannot be read, the
        answers last loaded are used (an answer matters more than its approval badge)."""
        try:
            if self._read_marker() == self._marker:
                return self._approved
            with self._refreshing, self.db.connect() as conn:
                marker = _marker(conn)
                if marker != self._marker:
                    rows = conn.execute(select(APPROVED)).mappings().all()
                    self._approved = {(r["canonical"], r["scope"]): _approved(r) for r in rows}
                    self._marker = marker
        except SQLAlchemyError:
            if self._marker is None:
                raise
            log.warning("approved answers could not be re-read; serving those loaded before", exc_info=True)
        return self._approved

    def _read_marker(self) -> int:
        """The marker in one round trip, on a connection kept for it in autocommit (so it holds no
        transaction between lookups); a connection lost since the last look is replaced once."""
        with self._marking:
            for attempt in range(2):
                try:
                    if self._marker_conn is None:
                        self._marker_conn = self.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
                    return _marker(self._marker_conn)
                except SQLAlchemyError:
                    self._drop_marker_conn()
                    if attempt:
                        raise
            raise AssertionError("unreachable")

    def _drop_marker_conn(self) -> None:
        conn, self._marker_conn = self._marker_conn, None
        if conn is not None:
            try:
                conn.close()
            except SQLAlchemyError:
                log.debug("closing a lost connection failed", exc_info=True)

    def use_words(self, words: Callable[[str], list[str]]) -> None:
        """Match approved answers on meaning too: `words` cuts a canonical question into words
        (the index's tokenizer, stop words kept; the store drops only glue, see `meaning_key`)."""
        self._words = words

    def meaning_key(self, canonical: str) -> tuple[str, ...] | None:
        """The meaning-bearing key of a question: its divisions and its words without glue
        (的, 是, 请问 …), as a sorted set. Question words (多少, 几, 什么时候) stay: they say what is asked."""
        if self._words is None:
            return None
        if canonical not in self._keys:
            if len(self._keys) > 10_000:
                self._keys.clear()
            words = sorted({w for w in self._words(canonical) if w.strip() and w not in GLUE_WORDS})
            self._keys[canonical] = (",".join(div.detect(canonical)), *words) if words else None
        return self._keys[canonical]

    def _find(self, approved: Approved, canonical: str, division: DivisionId | None) -> tuple[ApprovedEntry | None, bool]:
        """The approved entry for this question and scope, and whether it matched only on meaning."""
        for scope in self._scopes(canonical, division):
            entry = approved.get((canonical, scope))
            if entry is not None:
                return entry, False
        key = self.meaning_key(canonical)
        if key is None:
            return None, False
        for scope in self._scopes(canonical, division):
            for entry in approved.values():
                if entry.scope == scope and self.meaning_key(entry.canonical) == key:
                    return entry, True
        return None, False

    @staticmethod
    def _scopes(canonical: str, division: DivisionId | None) -> list[str]:
        """A scope that only repeats the division the question itself names is the same question."""
        scopes: list[str] = [division or ""]
        named = div.detect(canonical)
        if len(named) == 1 and division in (None, named[0]):
            scopes.append(named[0] if division is None else "")
        return scopes

    def lookup(self, canonical: str, division: DivisionId | None) -> Answer | None:
        """The approved answer for this question and scope, if staff approved one (on any worker).

        The same canonical question first; then the same meaning (`meaning_key`: 山西分赛的咨询电话是多少
        and 山西分赛咨询电话多少), whose note names the approved question it matched. A scope that only
        repeats the division the question itself names is the same question: "山西分赛一等奖奖金"
        asked under 全部 and under 山西 share one approved answer.
        """
        approved = self._current()
        if not approved:
            return None
        entry, by_meaning = self._find(approved, canonical, division)
        if entry is None:
            return None
        return Answer(
            question=entry.question,
            answer=entry.answer,
            status="answered",
            divisions=sorted({c.division for c in entry.citations}, key=list(div.NAMES).index)
            or ([division] if division else []),
            citations=[c.model_copy() for c in entry.citations],
            mode="extractive",
            note=f"{APPROVED_NOTE}（按已审定的问题“{entry.question}”）" if by_meaning else APPROVED_NOTE,
            approved=True,
        )

    def approved(self) -> list[ApprovedEntry]:
        """Every approved answer, newest change first (read from the database)."""
        query = select(APPROVED).order_by(APPROVED.c.updated_at.desc(), APPROVED.c.canonical, APPROVED.c.scope)
        with self.db.connect() as conn:
            return [_approved(r) for r in conn.execute(query).mappings()]

    def approve(
        self,
        *,
        question: str,
        scope: DivisionId | None,
        answer: str,
        citations: list[Citation],
        who: str,
    ) -> ApprovedEntry:
        """Create or edit the approved answer for a question; the change is recorded in the history."""
        who = (who or "").strip()
        answer = (answer or "").strip()
        if not who:
            raise InputError("请填写审定人姓名，以便记录是谁修改了答案。")
        if not answer:
            raise InputError("审定答案不能为空。")
        if len(answer) > MAX_ANSWER:
            raise InputError(f"审定答案过长（{len(answer)} 字符），请控制在 {MAX_ANSWER} 字符以内。")
        canonical = canonical_question(question or "")
        if not canonical:
            raise InputError("请填写要审定的问题。")
        entry = ApprovedEntry(
            canonical=canonical,
            scope=scope or "",
            question=question.strip(),
            answer=answer,
            citations=citations,
            approved_by=who,
            updated_at=_now(),
        )
        payload = json.dumps({"answer": answer, "citations": [c.model_dump() for c in citations]}, ensure_ascii=False)
        row = {"canonical": canonical, "scope": entry.scope, "question": entry.question, "answer_json": payload,
               "approved_by": who, "updated_at": entry.updated_at}
        with self._one_at_a_time() as conn:
            before = _approved_row(conn, canonical, entry.scope)
            conn.execute(upsert(conn, APPROVED, row, keys=("canonical", "scope"),
                                update={k: v for k, v in row.items() if k not in ("canonical", "scope")}))
            _record(conn, entry.canonical, entry.scope, who, "edit" if before else "approve", before, entry)
        return entry

    def revoke(self, *, question: str, scope: DivisionId | None, who: str) -> bool:
        who = (who or "").strip()
        if not who:
            raise InputError("请填写审定人姓名，以便记录是谁撤销了审定。")
        canonical, scope_id = canonical_question(question or ""), scope or ""
        with self._one_at_a_time() as conn:
            before = _approved_row(conn, canonical, scope_id)
            if before is None:
                return False
            conn.execute(APPROVED.delete().where(APPROVED.c.canonical == canonical, APPROVED.c.scope == scope_id))
            _record(conn, canonical, scope_id, who, "revoke", before, None)
        return True

    @contextmanager
    def _one_at_a_time(self) -> Iterator[Connection]:
        """The transaction of one approval or revocation, one at a time across every worker.

        The change marker is the newest history id, so ids must be handed out in commit order: else a
        worker could read the marker of a later change before an earlier one commits, and never reload.
        On PostgreSQL a transaction-level advisory lock orders them across workers (SQLite's single
        writer already does); the thread lock keeps this process's threads from each holding a connection."""
        with self._writing, self.db.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": APPROVALS_LOCK})
            yield conn

    def history(self, limit: int = 200) -> list[HistoryEntry]:
        query = select(HISTORY).order_by(HISTORY.c.id.desc()).limit(max(1, limit))
        with self.db.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [
            HistoryEntry(
                canonical=r["canonical"],
                scope=r["scope"],
                who=r["who"],
                ts=r["ts"],
                action=r["action"],
                before=r["before_text"],
                after=r["after_text"],
            )
            for r in rows
        ]


def _marker(conn: Connection) -> int:
    return int(conn.execute(select(func.coalesce(func.max(HISTORY.c.id), 0))).scalar_one())


def _with_latest_vote(*columns: Any) -> Any:
    """SELECT `columns` of qa_log with the vote and comment of each row's latest feedback (if any)."""
    votes = FEEDBACK.alias("votes")
    latest = select(func.max(votes.c.id)).where(votes.c.qa_id == QA.c.id).correlate(QA).scalar_subquery()
    return select(*columns, FEEDBACK.c.vote, FEEDBACK.c.comment).select_from(
        QA.outerjoin(FEEDBACK, FEEDBACK.c.id == latest)
    )


def _entry(r: RowMapping) -> LogEntry:
    return LogEntry(
        id=r["id"],
        ts=r["ts"],
        question=r["question"],
        scope=r["scope"],
        status=r["status"],
        approved=bool(r["approved"]),
        channel=r["channel"],
        latency_ms=r["latency_ms"],
        vote=r["vote"] or "",
        comment=r["comment"] or "",
    )


def _approved(r: RowMapping) -> ApprovedEntry:
    data = json.loads(r["answer_json"])
    return ApprovedEntry(
        canonical=r["canonical"],
        scope=r["scope"],
        question=r["question"],
        answer=data["answer"],
        citations=[Citation.model_validate(c) for c in data.get("citations", [])],
        approved_by=r["approved_by"],
        updated_at=r["updated_at"],
    )


def _approved_row(conn: Connection, canonical: str, scope: str) -> ApprovedEntry | None:
    row = conn.execute(select(APPROVED).where(APPROVED.c.canonical == canonical, APPROVED.c.scope == scope)).mappings().first()
    return _approved(row) if row is not None else None


def _record(
    conn: Connection,
    canonical: str,
    scope: str,
    who: str,
    action: str,
    before: ApprovedEntry | None,
    after: ApprovedEntry | None,
) -> None:
    conn.execute(
        HISTORY.insert().values(
            canonical=canonical,
            scope=scope,
            who=who,
            ts=_now(),
            action=action,
            before_text=before.answer if before else None,
            after_text=after.answer if after else None,
            before_json=before.model_dump_json() if before else None,
            after_json=after.model_dump_json() if after else None,
        )
    )
