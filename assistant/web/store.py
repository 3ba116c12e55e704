"""SQLite Q&A log, feedback, and secretariat-approved answers with their change history.

`QAStore.lookup` is the `ApprovedLookup` the assistant consults before answering: an
approved answer is served for the same canonical question (after `canonical_question`).
Approved answers are also kept in memory, so the lookup on every question is a dict read.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from assistant.errors import ConfigError, InputError
from assistant.models import Answer, Citation, DivisionId
from assistant.rules import divisions as div
from assistant.rules.text import canonical_question

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

_SCHEMA = """
CREATE TABLE IF NOT EXISTS qa_log (
    id TEXT PRIMARY KEY,
    ts TEXT NOT NULL,
    question TEXT NOT NULL,
    canonical TEXT NOT NULL,
    scope TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    approved INTEGER NOT NULL DEFAULT 0,
    channel TEXT NOT NULL,
    latency_ms REAL NOT NULL DEFAULT 0,
    answer_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS qa_log_ts ON qa_log(ts);
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    qa_id TEXT NOT NULL REFERENCES qa_log(id),
    ts TEXT NOT NULL,
    vote TEXT NOT NULL CHECK (vote IN ('up', 'down')),
    comment TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS feedback_qa ON feedback(qa_id);
CREATE TABLE IF NOT EXISTS approved (
    canonical TEXT NOT NULL,
    scope TEXT NOT NULL DEFAULT '',
    question TEXT NOT NULL,
    answer_json TEXT NOT NULL,
    approved_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (canonical, scope)
);
CREATE TABLE IF NOT EXISTS approved_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    canonical TEXT NOT NULL,
    scope TEXT NOT NULL,
    who TEXT NOT NULL,
    ts TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('approve', 'edit', 'revoke')),
    before_text TEXT,
    after_text TEXT,
    before_json TEXT,
    after_json TEXT
);
"""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


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
    """One SQLite file in the data dir; safe to share between the server's threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._approved: dict[tuple[str, str], ApprovedEntry] = {}
        self._words: Callable[[str], list[str]] | None = None
        self._keys: dict[str, tuple[str, ...] | None] = {}
        try:
            self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.execute("PRAGMA foreign_keys=ON")
            self._conn.executescript(_SCHEMA)
            self._load_approved()
        except sqlite3.Error as exc:
            raise ConfigError(
                f"问答记录数据库 {path} 无法打开（{exc}）：文件可能已损坏或不可写。"
                "请把它备份后移走（将新建空的记录库），或把 DATA_DIR 指向另一个目录。"
            ) from None

    @classmethod
    def in_dir(cls, data_dir: Path) -> QAStore:
        return cls(data_dir / "web.sqlite")

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def _rows(self, sql: str, params: tuple[object, ...] = ()) -> list[sqlite3.Row]:
        with self._lock:
            cur = self._conn.cursor()
            cur.row_factory = sqlite3.Row
            return list(cur.execute(sql, params))

    # -- Q&A log ---------------------------------------------------------------------------

    def log(self, answer: Answer, *, scope: DivisionId | None, channel: str) -> str:
        """Record one answered question; returns the log id (unguessable, used for feedback)."""
        qa_id = uuid.uuid4().hex
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO qa_log (id, ts, question, canonical, scope, status, approved, channel, latency_ms, answer_json)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    qa_id,
                    _now(),
                    answer.question,
                    canonical_question(answer.question),
                    scope or "",
                    answer.status,
                    int(answer.approved),
                    channel,
                    answer.latency_ms,
                    answer.model_dump_json(),
                ),
            )
        return qa_id

    def feedback(self, qa_id: str, vote: Vote, comment: str = "") -> None:
        comment = (comment or "").strip()
        if len(comment) > MAX_COMMENT:
            raise InputError(f"评论过长（{len(comment)} 字符），请控制在 {MAX_COMMENT} 字符以内。")
        if not self._rows("SELECT 1 FROM qa_log WHERE id = ?", (qa_id,)):
            raise InputError("没有找到这条回答，无法记录反馈。")
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO feedback (qa_id, ts, vote, comment) VALUES (?, ?, ?, ?)", (qa_id, _now(), vote, comment)
            )

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
        where: list[str] = []
        params: list[object] = []
        if text.strip():
            where.append("(q.question LIKE ? OR q.canonical LIKE ?)")
            like = f"%{text.strip()}%"
            params += [like, f"%{canonical_question(text) or text.strip()}%"]
        if scope:
            where.append("q.scope = ?")
            params.append("" if scope == "none" else scope)
        if status:
            where.append("q.status = ?" if status != "approved" else "q.approved = 1")
            if status != "approved":
                params.append(status)
        if feedback in ("up", "down"):
            where.append("f.vote = ?")
            params.append(feedback)
        elif feedback == "none":
            where.append("f.vote IS NULL")
        sql = (
            "SELECT q.id, q.ts, q.question, q.scope, q.status, q.approved, q.channel, q.latency_ms,"
            " f.vote, f.comment FROM qa_log q LEFT JOIN feedback f ON f.id ="
            " (SELECT MAX(id) FROM feedback WHERE qa_id = q.id)"
            + (" WHERE " + " AND ".join(where) if where else "")
            + " ORDER BY q.ts DESC, q.rowid DESC LIMIT ?"
        )
        params.append(max(1, min(limit, 1000)))
        return [_entry(r) for r in self._rows(sql, tuple(params))]

    def get(self, qa_id: str) -> LogDetail | None:
        rows = self._rows(
            "SELECT q.*, f.vote, f.comment FROM qa_log q LEFT JOIN feedback f ON f.id ="
            " (SELECT MAX(id) FROM feedback WHERE qa_id = q.id) WHERE q.id = ?",
            (qa_id,),
        )
        if not rows:
            return None
        r = rows[0]
        return LogDetail(**_entry(r).model_dump(), answer=Answer.model_validate_json(r["answer_json"]))

    # -- approved answers ---------------------------------------------------------------------

    def _load_approved(self) -> None:
        rows = self._rows("SELECT * FROM approved")
        self._approved = {(r["canonical"], r["scope"]): _approved(r) for r in rows}

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

    def _find(self, canonical: str, division: DivisionId | None) -> tuple[ApprovedEntry | None, bool]:
        """The approved entry for this question and scope, and whether it matched only on meaning."""
        for scope in self._scopes(canonical, division):
            entry = self._approved.get((canonical, scope))
            if entry is not None:
                return entry, False
        key = self.meaning_key(canonical)
        if key is None:
            return None, False
        for scope in self._scopes(canonical, division):
            for entry in self._approved.values():
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
        """The approved answer for this question and scope, if staff approved one.

        The same canonical question first; then the same meaning (`meaning_key`: 山西分赛的咨询电话是多少
        and 山西分赛咨询电话多少), whose note names the approved question it matched. A scope that only
        repeats the division the question itself names is the same question: "山西分赛一等奖奖金"
        asked under 全部 and under 山西 share one approved answer.
        """
        if not self._approved:
            return None
        entry, by_meaning = self._find(canonical, division)
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
        return sorted(self._approved.values(), key=lambda e: e.updated_at, reverse=True)

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
        key = (canonical, scope or "")
        before = self._approved.get(key)
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
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO approved (canonical, scope, question, answer_json, approved_by, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(canonical, scope) DO UPDATE SET question = excluded.question,"
                " answer_json = excluded.answer_json, approved_by = excluded.approved_by, updated_at = excluded.updated_at",
                (canonical, scope or "", entry.question, payload, who, entry.updated_at),
            )
            _record(conn, entry.canonical, entry.scope, who, "edit" if before else "approve", before, entry)
        self._approved[key] = entry
        return entry

    def revoke(self, *, question: str, scope: DivisionId | None, who: str) -> bool:
        who = (who or "").strip()
        if not who:
            raise InputError("请填写审定人姓名，以便记录是谁撤销了审定。")
        key = (canonical_question(question or ""), scope or "")
        before = self._approved.get(key)
        if before is None:
            return False
        with self._tx() as conn:
            conn.execute("DELETE FROM approved WHERE canonical = ? AND scope = ?", key)
            _record(conn, key[0], key[1], who, "revoke", before, None)
        self._approved.pop(key, None)
        return True

    def history(self, limit: int = 200) -> list[HistoryEntry]:
        rows = self._rows("SELECT * FROM approved_history ORDER BY id DESC LIMIT ?", (limit,))
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


def _entry(r: sqlite3.Row) -> LogEntry:
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


def _approved(r: sqlite3.Row) -> ApprovedEntry:
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


def _record(
    conn: sqlite3.Connection,
    canonical: str,
    scope: str,
    who: str,
    action: str,
    before: ApprovedEntry | None,
    after: ApprovedEntry | None,
) -> None:
    conn.execute(
        "INSERT INTO approved_history (canonical, scope, who, ts, action, before_text, after_text, before_json, after_json)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            canonical,
            scope,
            who,
            _now(),
            action,
            before.answer if before else None,
            after.answer if after else None,
            before.model_dump_json() if before else None,
            after.model_dump_json() if after else None,
        ),
    )
