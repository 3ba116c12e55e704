"""Two windows on one draft, against the service with real SQLite and PostgreSQL: every write lands or is refused.

Each window sends the version it last saw. A write based on an old version is re-applied on
the current draft when it changes another field, and refused with the Chinese conflict message
when the other window changed the same field; nothing is ever lost silently. In shared mode
the two windows may be served by two workers: two services, each with its own engine, on one
PostgreSQL database.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path

import pytest
from backends import DraftBackend

from assistant.errors import AssistantError, ConfigError, ConflictError
from assistant.forms.changes import changed, overlap
from assistant.forms.drafts import CONFLICT, KEEP_VERSIONS, DraftStore
from assistant.forms.schema import load_schema
from assistant.forms.service import FormReply, FormService
from assistant.forms.state import DraftState

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = load_schema(ROOT / "form_schema")


def make_service(drafts: DraftBackend) -> FormService:
    """A service on the test's store with its own engine: another worker, or the same one restarted."""
    return FormService(schema=SCHEMA, store=drafts.store(), today=lambda: date(2025, 6, 1))


def _at_once(*calls: Callable[[], FormReply]) -> list[FormReply | AssistantError]:
    """Run `calls` at the same moment, one thread each; each result or the error it raised."""
    barrier = threading.Barrier(len(calls))
    results: list[FormReply | AssistantError | None] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = calls[i]()
        except AssistantError as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert all(r is not None for r in results)
    return [r for r in results if r is not None]


def test_two_simultaneous_answers_to_one_field_one_lands_one_is_refused(drafts: DraftBackend) -> None:
    service = make_service(drafts)
    for trial in range(20):
        created = service.create()
        texts = [f"甲窗口项目{trial}", f"乙窗口项目{trial}"]
        results = _at_once(*(partial(service.answer, created.token, t, version=created.version) for t in texts))
        landed = [t for t, r in zip(texts, results, strict=True) if isinstance(r, FormReply)]
        refused = [r for r in results if isinstance(r, AssistantError)]
        assert len(landed) == 1, results
        assert len(refused) == 1 and isinstance(refused[0], ConflictError) and refused[0].message == CONFLICT
        assert service.store.load(created.token).answers["basic"]["name"] == landed[0]


def test_two_simultaneous_answers_to_different_fields_both_land(drafts: DraftBackend) -> None:
    service = make_service(drafts)
    for trial in range(10):
        a = service.create()  # window A is asked 项目名称
        b = service.answer(a.token, "修改 参赛单位1·单位名称", version=a.version)  # window B opens 单位名称
        results = _at_once(
            partial(service.answer, a.token, f"智煤平台{trial}", version=a.version),
            partial(service.answer, a.token, f"煤炭数据公司{trial}", version=b.version),
        )
        answers = service.store.load(a.token).answers
        assert all(isinstance(r, FormReply) for r in results), results
        assert answers["basic"]["name"] == f"智煤平台{trial}"
        assert answers["units"][0]["name"] == f"煤炭数据公司{trial}"


def two_workers(pg_url: str, tmp_path: Path) -> tuple[FormService, FormService]:
    """Two services as two worker processes have them: each its own engine, one PostgreSQL database."""
    shared = DraftBackend(name="postgresql", data_dir=tmp_path / "data", url=pg_url)
    return make_service(shared), make_service(shared)


def test_two_workers_answering_different_fields_at_once_lose_nothing(pg_url: str, tmp_path: Path) -> None:
    w1, w2 = two_workers(pg_url, tmp_path)
    for trial in range(20):
        a = w1.create()  # the window on worker 1 is asked 项目名称
        b = w2.answer(a.token, "修改 参赛单位1·单位名称", version=a.version)  # the one on worker 2 opens 单位名称
        results = _at_once(
            partial(w1.answer, a.token, f"智煤平台{trial}", version=a.version),
            partial(w2.answer, a.token, f"煤炭数据公司{trial}", version=b.version),
        )
        assert all(isinstance(r, FormReply) for r in results), results
        for worker in (w1, w2):
            state, version = worker.store.load_versioned(a.token)
            assert state.answers["basic"]["name"] == f"智煤平台{trial}"
            assert state.answers["units"][0]["name"] == f"煤炭数据公司{trial}"
            assert version == b.version + 2


def test_two_workers_answering_one_field_at_once_one_wins_the_other_is_told(pg_url: str, tmp_path: Path) -> None:
    w1, w2 = two_workers(pg_url, tmp_path)
    for trial in range(20):
        created = w1.create()
        texts = [f"一号进程项目{trial}", f"二号进程项目{trial}"]
        results = _at_once(
            partial(w1.answer, created.token, texts[0], version=created.version),
            partial(w2.answer, created.token, texts[1], version=created.version),
        )
        landed = [t for t, r in zip(texts, results, strict=True) if isinstance(r, FormReply)]
        refused = [r for r in results if isinstance(r, AssistantError)]
        assert len(landed) == 1, results
        assert len(refused) == 1 and isinstance(refused[0], ConflictError) and refused[0].message == CONFLICT
        assert w2.store.load(created.token).answers["basic"]["name"] == landed[0]
        assert w1.store.load_versioned(created.token)[1] == created.version + 1


def test_a_stale_window_answering_another_field_is_reapplied(drafts: DraftBackend) -> None:
    service = make_service(drafts)
    a = service.create()  # window A: asked 项目名称, version 1
    token = a.token
    b = service.answer(token, "修改 参赛单位1·单位名称", version=a.version)  # window B moves on…
    b = service.answer(token, "山西煤炭数据有限公司", version=b.version)  # …and saves another field
    late = service.answer(token, "山西智煤数据平台", version=a.version)  # A answers what it was shown
    answers = service.store.load(token).answers
    assert answers["basic"]["name"] == "山西智煤数据平台"
    assert answers["units"][0]["name"] == "山西煤炭数据有限公司"
    assert late.version == b.version + 1 and "项目名称" in late.message


def test_a_stale_window_answering_the_same_field_is_refused(drafts: DraftBackend) -> None:
    service = make_service(drafts)
    a = service.create()
    token = a.token
    service.answer(token, "乙窗口的项目", version=a.version)
    with pytest.raises(ConflictError, match="草稿已在另一窗口更新，请刷新后再填"):
        service.answer(token, "甲窗口的项目", version=a.version)
    assert service.store.load(token).answers["basic"]["name"] == "乙窗口的项目"
    fresh = service.status(token)  # after a refresh the window holds the current version
    reply = service.answer(token, "修改 项目名称", version=fresh.version)
    service.answer(token, "甲窗口的项目", version=reply.version)
    assert service.store.load(token).answers["basic"]["name"] == "甲窗口的项目"


def test_a_window_far_behind_must_refresh(drafts: DraftBackend) -> None:
    service = make_service(drafts)
    a = service.create()
    for _ in range(KEEP_VERSIONS + 1):
        service.answer(a.token, "进度")
    with pytest.raises(ConflictError):
        service.answer(a.token, "山西智煤数据平台", version=a.version)


def test_versions_survive_a_restart_and_old_data_dirs_get_them(tmp_path: Path) -> None:
    import sqlite3

    db = tmp_path / "forms.sqlite3"
    with sqlite3.connect(db) as conn:  # a data dir from before versions
        conn.execute(
            "CREATE TABLE drafts (token TEXT PRIMARY KEY, schema_id TEXT NOT NULL, schema_version INTEGER NOT NULL,"
            " title TEXT NOT NULL DEFAULT '', created_at TEXT NOT NULL, updated_at TEXT NOT NULL, state TEXT NOT NULL)"
        )
    service = FormService(schema=SCHEMA, store=DraftStore.in_dir(tmp_path), today=lambda: date(2025, 6, 1))
    reply = service.create()
    again = FormService(schema=SCHEMA, store=DraftStore(db), today=lambda: date(2025, 6, 1)).answer(reply.token, "山西智煤数据平台", version=reply.version)
    assert again.version == reply.version + 1


def _state(answers: dict[str, object], flags: dict[str, list[str]] | None = None) -> DraftState:
    return DraftState(schema_id=SCHEMA.schema_id, schema_version=SCHEMA.version, answers=answers, flags=flags or {})  # type: ignore[arg-type]


M1 = {"name": "甲", "mobile": "13800000000"}
M2 = {"name": "乙"}


@pytest.mark.parametrize(
    ("base", "mine", "theirs", "clash"),
    [
        ({}, {"basic": {"name": "甲"}}, {"basic": {"name": "乙"}}, True),  # one field, two values
        ({}, {"basic": {"name": "甲"}}, {"basic": {"name": "甲"}}, False),  # the same value twice
        ({}, {"basic": {"name": "甲"}}, {"basic": {"source": "山西"}}, False),  # two fields of one section
        ({"team": {"members": [M1]}}, {"team": {"members": [{**M1, "name": "丙"}]}},
         {"team": {"members": [M1, M2]}}, False),  # a cell of row 1 and a new row 2
        ({"team": {"members": [M1, M2]}}, {"team": {"members": [M1, {**M2, "name": "丁"}]}},
         {"team": {"members": [M1]}}, True),  # a cell of a row the other window removed
        ({}, {"units": [{"name": "甲公司"}]}, {"units": [{"uscc": "91350100M000100Y44"}]}, False),
    ],
)
def test_which_writes_overlap(base: dict[str, object], mine: dict[str, object], theirs: dict[str, object], clash: bool) -> None:
    b, m, t = _state(base), _state(mine), _state(theirs)
    assert bool(overlap(changed(SCHEMA, b, m), changed(SCHEMA, b, t))) is clash


def test_a_flag_and_a_value_of_one_field_overlap() -> None:
    base = _state({"units": [{"uscc": "91350100M000100Y44"}]})
    confirmed = _state({"units": [{"uscc": "91350100M000100Y44"}]}, {"units[0].uscc": ["checksum_confirmed"]})
    retyped = _state({"units": [{"uscc": "91140100MA0000000X"}]})
    assert overlap(changed(SCHEMA, base, confirmed), changed(SCHEMA, base, retyped)) == [("units", 0, "uscc")]


def test_the_terminal_dialogue_sends_its_version_and_is_told_of_a_conflict(drafts: DraftBackend) -> None:
    """`form fill` answers on the version it showed: a web tab that changed the same field meanwhile
    wins, and the terminal says so and shows the current question instead of overwriting it."""
    import io

    from assistant.forms.fill import fill

    service = make_service(drafts)
    token = service.create().token
    replies = iter(["甲终端的项目", None])

    class Script:
        interactive = False
        asked = 0

        def read_line(self, prompt: str = "") -> str | None:
            self.asked += 1
            if self.asked == 1:
                service.answer(token, "乙窗口的项目")  # another window answers first
            return next(replies)

    out = io.StringIO()
    assert fill(service, token, None, Script(), out) == 0
    assert "草稿已在另一窗口更新" in out.getvalue()
    assert service.store.load(token).answers["basic"]["name"] == "乙窗口的项目"


def test_a_damaged_drafts_file_names_its_directory_and_the_fix(tmp_path: Path) -> None:
    (tmp_path / "forms.sqlite3").write_bytes(b"this is not a database" * 100)
    with pytest.raises(ConfigError) as caught:
        DraftStore.in_dir(tmp_path)
    assert str(tmp_path) in caught.value.message and "DATA_DIR" in caught.value.message
