"""The Q&A log, feedback, approved answers and the LLM cache on both real engines: the embedded SQLite
file in a temp DATA_DIR and a real PostgreSQL (a fresh database per test); and, on PostgreSQL, several
store instances with their own engines standing in for several workers."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from servers import Redis
from sqlalchemy import create_engine, func, select, text

from assistant.db import Database, schema, shared_database
from assistant.errors import ConfigError, InputError
from assistant.llm.cache import AnswerCache
from assistant.models import Answer, Citation
from assistant.settings import Settings
from assistant.web.store import QAStore

ROOT = Path(__file__).resolve().parent.parent
CITE = Citation(n=1, division="shanxi", doc_title="山西分赛通知", section="五、奖项设置", quote="一等奖 3 个 奖金 5 万元/个",
                chunk_id="shanxi:0010", context="奖金总额 60 万元：一等奖 3 个 奖金 5 万元/个")
DEAD_URL = "postgresql+psycopg://u:secret@127.0.0.1:1/nowhere"


def answer(question: str, text: str = "山西分赛：一等奖 5 万元[1]", status: str = "answered") -> Answer:
    return Answer(question=question, answer=text, status=status, divisions=["shanxi"], citations=[CITE])  # type: ignore[arg-type]


def settings(tmp_path: Path, database_url: str = "") -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path, database_url=database_url)  # type: ignore[call-arg]


@pytest.fixture(params=["sqlite", "postgresql"])
def open_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], QAStore]]:
    """Opens the store from settings as the server does: DATA_DIR/web.sqlite, or DATABASE_URL."""
    url = request.getfixturevalue("pg_url") if request.param == "postgresql" else ""
    opened: list[QAStore] = []

    def open_() -> QAStore:
        opened.append(QAStore.from_settings(settings(tmp_path, url)))
        return opened[-1]

    yield open_
    for store in opened:
        store.close()


@pytest.fixture
def worker_db(pg_url: str) -> Iterator[Callable[[], Database]]:
    """A database as another worker process sees it: the same PostgreSQL through its own engine and pool
    (pre-pinged, as `shared_database` makes it)."""
    shared_database(pg_url)  # migrated once
    engines = []

    def open_() -> Database:
        engines.append(create_engine(pg_url, pool_size=10, pool_pre_ping=True))
        return Database(engine=engines[-1], shared=True)

    yield open_
    for engine in engines:
        engine.dispose()


@pytest.fixture
def worker(worker_db: Callable[[], Database]) -> Iterator[Callable[[], QAStore]]:
    """The store of another worker on the same PostgreSQL."""
    stores: list[QAStore] = []

    def open_() -> QAStore:
        stores.append(QAStore(worker_db()))
        return stores[-1]

    yield open_
    for store in stores:
        store.close()


# -- one store, both engines ----------------------------------------------------------------------


def test_log_search_filters_and_feedback(open_store: Callable[[], QAStore]) -> None:
    store = open_store()
    a = store.log(answer("山西分赛一等奖奖金是多少？"), scope=None, channel="page")
    b = store.log(answer("今天天气", "抱歉", "out_of_scope"), scope="shanxi", channel="api")
    store.feedback(a, "down", "金额写法不清楚")
    assert [e.id for e in store.search(text="一等奖")] == [a]
    assert [e.id for e in store.search(scope="shanxi")] == [b]
    assert [e.id for e in store.search(scope="none")] == [a]
    assert [e.id for e in store.search(status="out_of_scope")] == [b]
    assert [(e.id, e.vote, e.comment) for e in store.search(feedback="down")] == [(a, "down", "金额写法不清楚")]
    assert [e.id for e in store.search(feedback="none")] == [b]
    store.feedback(a, "up")  # the latest vote is the one shown
    assert [(e.id, e.vote) for e in store.search(feedback="up")] == [(a, "up")]
    detail = store.get(a)
    assert detail is not None and detail.answer.citations[0].context == CITE.context and detail.vote == "up"
    assert store.get("missing") is None
    with pytest.raises(InputError):
        store.feedback("missing", "up")


def test_a_request_retried_by_the_proxy_is_logged_once(open_store: Callable[[], QAStore]) -> None:
    """nginx's X-Request-ID is the same on a retry: a worker that logged and died, then the next
    worker answering the same request, leave one row; an id of any other shape is not trusted."""
    store = open_store()
    rid = "0123456789abcdef0123456789abcdef"
    first = store.log(answer("陕西分赛报名截止时间？"), scope=None, channel="api", request_id=rid)
    again = store.log(answer("陕西分赛报名截止时间？"), scope=None, channel="api", request_id=rid)
    assert first == again == rid and len(store.search()) == 1
    forged = store.log(answer("陕西分赛报名截止时间？"), scope=None, channel="api", request_id="x' OR 1=1")
    assert forged != rid and len(forged) == 32 and len(store.search()) == 2


def test_search_is_newest_first_and_takes_wildcards_literally(open_store: Callable[[], QAStore]) -> None:
    store = open_store()
    ids = [store.log(answer(q), scope=None, channel="api") for q in ("报名100%免费吗", "a_b 是什么", "报名时间", "ABC 赛道")]
    assert [e.id for e in store.search()] == ids[::-1]  # same second: still in the order they were logged
    assert [e.id for e in store.search(text="%")] == [ids[0]]
    assert [e.id for e in store.search(text="_")] == [ids[1]]
    assert [e.id for e in store.search(text="abc")] == [ids[3]]  # ASCII case does not matter on either engine
    assert [e.id for e in store.search(limit=2)] == ids[:1:-1]


def test_approved_answers_survive_a_restart_and_record_history(open_store: Callable[[], QAStore]) -> None:
    store = open_store()
    store.approve(question="山西分赛一等奖奖金是多少？", scope=None, answer="一等奖每个 5 万元[1]", citations=[CITE], who="张三")
    store.approve(question="山西分赛一等奖奖金是多少", scope=None, answer="一等奖 3 个，每个 5 万元[1]", citations=[CITE], who="李四")
    reopened = open_store()
    hit = reopened.lookup("山西分赛一等奖奖金是多少", None)
    assert hit is not None and hit.approved and hit.note == "秘书处审定" and hit.answer == "一等奖 3 个，每个 5 万元[1]"
    assert hit.citations == [CITE] and hit.divisions == ["shanxi"]
    history = reopened.history()
    assert [(h.action, h.who, h.before, h.after) for h in history] == [
        ("edit", "李四", "一等奖每个 5 万元[1]", "一等奖 3 个，每个 5 万元[1]"),
        ("approve", "张三", None, "一等奖每个 5 万元[1]"),
    ]
    assert reopened.revoke(question="山西分赛一等奖奖金是多少", scope=None, who="张三")
    assert not reopened.revoke(question="山西分赛一等奖奖金是多少", scope=None, who="张三")
    assert reopened.lookup("山西分赛一等奖奖金是多少", None) is None
    assert reopened.history()[0].action == "revoke" and reopened.approved() == []


@pytest.mark.parametrize(
    ("approved_scope", "canonical", "asked_scope", "served"),
    [
        (None, "山西分赛一等奖奖金是多少", None, True),
        (None, "山西分赛一等奖奖金是多少", "shanxi", True),  # the scope repeats the division the question names
        ("shanxi", "山西分赛一等奖奖金是多少", None, True),
        (None, "山西分赛一等奖奖金是多少", "shaanxi", False),
        (None, "一等奖奖金是多少", "shanxi", False),  # names no division: 全部 and 山西 are different questions
        ("shanxi", "一等奖奖金是多少", "shanxi", True),
        ("shanxi", "一等奖奖金是多少", None, False),
    ],
)
def test_approved_lookup_scope(open_store: Callable[[], QAStore], approved_scope: str | None, canonical: str,
                               asked_scope: str | None, served: bool) -> None:
    store = open_store()
    store.approve(question=canonical, scope=approved_scope, answer="审定答案[1]", citations=[CITE], who="张三")  # type: ignore[arg-type]
    assert (store.lookup(canonical, asked_scope) is not None) is served  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"who": ""}, "审定人"),
        ({"answer": "  "}, "不能为空"),
        ({"question": "？？"}, "问题"),
        ({"answer": "长" * 5001}, "过长"),
    ],
)
def test_approve_rejects_bad_input(open_store: Callable[[], QAStore], kwargs: dict[str, str], message: str) -> None:
    base = {"question": "报名时间", "scope": None, "answer": "见通知[1]", "citations": [CITE], "who": "张三"}
    store = open_store()
    with pytest.raises(InputError, match=message):
        store.approve(**{**base, **kwargs})  # type: ignore[arg-type]
    assert store.history() == []


def test_llm_cache_keeps_the_latest_answer_per_key(tmp_path: Path, pg_url: str) -> None:
    for cache, again in (
        (AnswerCache.from_settings(settings(tmp_path)), AnswerCache.in_dir(tmp_path)),
        (AnswerCache.from_settings(settings(tmp_path, pg_url)), AnswerCache(shared_database(pg_url))),
    ):
        assert cache.get("k") is None
        cache.put("k", answer("报名时间", "第一次"))
        cache.put("k", answer("报名时间", "第二次"))
        found = again.get("k")
        assert found is not None and found.answer == "第二次"
    assert (tmp_path / "llm_cache.sqlite").exists()


# -- an existing data dir, a dead database ---------------------------------------------------------

# web.sqlite as the sqlite3 code before SQLAlchemy created it.
_OLD_SCHEMA = """
CREATE TABLE qa_log (id TEXT PRIMARY KEY, ts TEXT NOT NULL, question TEXT NOT NULL, canonical TEXT NOT NULL,
    scope TEXT NOT NULL DEFAULT '', status TEXT NOT NULL, approved INTEGER NOT NULL DEFAULT 0, channel TEXT NOT NULL,
    latency_ms REAL NOT NULL DEFAULT 0, answer_json TEXT NOT NULL);
CREATE INDEX qa_log_ts ON qa_log(ts);
CREATE TABLE feedback (id INTEGER PRIMARY KEY AUTOINCREMENT, qa_id TEXT NOT NULL REFERENCES qa_log(id), ts TEXT NOT NULL,
    vote TEXT NOT NULL CHECK (vote IN ('up', 'down')), comment TEXT NOT NULL DEFAULT '');
CREATE INDEX feedback_qa ON feedback(qa_id);
CREATE TABLE approved (canonical TEXT NOT NULL, scope TEXT NOT NULL DEFAULT '', question TEXT NOT NULL,
    answer_json TEXT NOT NULL, approved_by TEXT NOT NULL, updated_at TEXT NOT NULL, PRIMARY KEY (canonical, scope));
CREATE TABLE approved_history (id INTEGER PRIMARY KEY AUTOINCREMENT, canonical TEXT NOT NULL, scope TEXT NOT NULL,
    who TEXT NOT NULL, ts TEXT NOT NULL, action TEXT NOT NULL CHECK (action IN ('approve', 'edit', 'revoke')),
    before_text TEXT, after_text TEXT, before_json TEXT, after_json TEXT);
"""


def test_a_data_dir_of_the_old_code_opens_and_keeps_working(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "web.sqlite") as conn:
        conn.executescript(_OLD_SCHEMA)
        conn.execute("INSERT INTO qa_log VALUES ('old1', '2025-07-01T08:00:00+00:00', '报名时间', '报名时间', '', 'answered',"
                     " 0, 'page', 12.5, ?)", (answer("报名时间").model_dump_json(),))
        conn.execute("INSERT INTO feedback (qa_id, ts, vote, comment) VALUES ('old1', '2025-07-01T08:00:01+00:00', 'up', '')")
        conn.execute("INSERT INTO approved VALUES ('报名时间', '', '报名时间', ?, '张三', '2025-07-01T09:00:00+00:00')",
                     ('{"answer": "旧审定[1]", "citations": []}',))
        conn.execute("INSERT INTO approved_history (canonical, scope, who, ts, action, after_text) VALUES"
                     " ('报名时间', '', '张三', '2025-07-01T09:00:00+00:00', 'approve', '旧审定[1]')")
    store = QAStore.in_dir(tmp_path)
    hit = store.lookup("报名时间", None)
    assert hit is not None and hit.answer == "旧审定[1]"
    new = store.log(answer("报名时间"), scope=None, channel="api")
    assert [(e.id, e.vote) for e in store.search()] == [(new, ""), ("old1", "up")]
    store.approve(question="报名时间", scope=None, answer="新审定[1]", citations=[], who="李四")
    assert [h.action for h in store.history()] == ["edit", "approve"]
    assert (hit := store.lookup("报名时间", None)) is not None and hit.answer == "新审定[1]"


def test_a_dead_database_at_start_is_a_chinese_message(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        QAStore.from_settings(settings(tmp_path, DEAD_URL))
    assert "无法连接共享数据库 DATABASE_URL" in caught.value.message and "secret" not in caught.value.message
    with pytest.raises(ConfigError, match="无法连接共享数据库"):
        AnswerCache.from_settings(settings(tmp_path, DEAD_URL))


def test_the_server_refuses_to_start_on_a_dead_database_without_a_traceback(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": DEAD_URL,
           "SITES_FILE": str(tmp_path / "no-sites.yaml"), "PORT": "9", "GRADIO_ANALYTICS_ENABLED": "False"}
    out = subprocess.run([sys.executable, str(ROOT / "app.py")], cwd=tmp_path, env=env, capture_output=True, timeout=120)
    text = (out.stdout + out.stderr).decode("utf-8")
    assert out.returncode == 2, text
    assert "无法启动：无法连接共享数据库 DATABASE_URL" in text and "secret" not in text
    assert "Traceback" not in text and 'File "' not in text


# -- several workers on one PostgreSQL ------------------------------------------------------------


def test_an_approval_on_one_worker_is_served_by_another_and_a_revocation_is_gone_everywhere(
        worker: Callable[[], QAStore]) -> None:
    a, b = worker(), worker()
    question = "山西分赛一等奖奖金是多少"
    assert a.lookup(question, None) is None and b.lookup(question, None) is None  # both have looked (and cached)
    a.approve(question=question, scope=None, answer="一等奖 5 万元[1]", citations=[CITE], who="张三")
    hit = b.lookup(question, "shanxi")
    assert hit is not None and hit.answer == "一等奖 5 万元[1]" and hit.approved
    assert [e.answer for e in b.approved()] == ["一等奖 5 万元[1]"]
    b.approve(question=question, scope=None, answer="一等奖 3 个，每个 5 万元[1]", citations=[CITE], who="李四")
    assert (hit := a.lookup(question, None)) is not None and hit.answer == "一等奖 3 个，每个 5 万元[1]"
    assert b.revoke(question=question, scope=None, who="李四")
    assert a.lookup(question, None) is None and a.approved() == []
    assert not a.revoke(question=question, scope=None, who="张三")  # already gone: nothing recorded twice
    assert [(h.action, h.who) for h in a.history()] == [("revoke", "李四"), ("edit", "李四"), ("approve", "张三")]


def test_simultaneous_approvals_on_two_workers_are_all_served_by_both(worker: Callable[[], QAStore]) -> None:
    """Approvals racing with lookups: whatever order they commit in, no worker keeps a stale set."""
    stores = [worker(), worker()]
    questions = [f"第{i}个问题的报名时间" for i in range(24)]
    barrier = threading.Barrier(len(questions) + 2)
    errors: list[BaseException] = []
    done = threading.Event()

    def approve(i: int) -> None:
        barrier.wait()
        try:
            stores[i % 2].approve(question=questions[i], scope=None, answer=f"答案{i}", citations=[], who="张三")
        except BaseException as exc:  # noqa: BLE001 - asserted below
            errors.append(exc)

    def keep_looking(store: QAStore) -> None:
        barrier.wait()
        while not done.is_set():
            store.lookup(questions[0], None)

    threads = [threading.Thread(target=approve, args=(i,)) for i in range(len(questions))]
    lookers = [threading.Thread(target=keep_looking, args=(s,)) for s in stores]
    for t in threads + lookers:
        t.start()
    for t in threads:
        t.join(60)
    done.set()
    for t in lookers:
        t.join(60)
    assert errors == []
    for store in stores:
        served = [store.lookup(q, None) for q in questions]
        assert [s.answer if s else None for s in served] == [f"答案{i}" for i in range(len(questions))]
    assert len(stores[0].history(limit=100)) == len(questions)


def test_a_lookup_survives_the_database_dropping_its_connections(worker: Callable[[], QAStore], pg_url: str) -> None:
    """A database restart (here: every session of the database terminated) costs no lookup and no approval."""
    a, b = worker(), worker()
    assert a.lookup("报名时间", None) is None
    with create_engine(pg_url).connect() as admin:
        admin.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                           " WHERE datname = current_database() AND pid <> pg_backend_pid()"))
        admin.commit()
    b.approve(question="报名时间", scope=None, answer="见通知[1]", citations=[], who="张三")
    assert (hit := a.lookup("报名时间", None)) is not None and hit.answer == "见通知[1]"


def test_two_workers_logging_at_once_lose_no_row(worker: Callable[[], QAStore]) -> None:
    stores = [worker(), worker()]
    per_thread, threads_per_store = 25, 4
    ids: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(stores) * threads_per_store)

    def log(store: QAStore, n: int) -> None:
        barrier.wait()
        for i in range(per_thread):
            qa_id = store.log(answer(f"线程{n}的第{i}个问题"), scope=None, channel="api")
            with lock:
                ids.append(qa_id)

    threads = [threading.Thread(target=log, args=(s, n)) for n, s in enumerate(stores * threads_per_store)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    expected = len(stores) * threads_per_store * per_thread
    assert len(set(ids)) == expected
    with stores[0].db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(schema.qa_log)).scalar_one() == expected
    assert {e.id for e in stores[1].search(limit=1000)} == set(ids)


def test_the_web_services_use_the_shared_stores_from_settings(
        kb_index: object, kb_data_dir: Path, tmp_path: Path, worker: Callable[[], QAStore], pg_url: str,
        redis_server: Redis) -> None:
    """build_services with DATABASE_URL and REDIS_URL: an answer approved on another worker is what this
    worker's engine answers, the answer is logged in PostgreSQL, and quotas are counted in Redis."""
    from assistant.web.deps import build_services
    from assistant.web.quotas import RedisCounter

    redis_url = redis_server.url(1)
    web = build_services(Settings(_env_file=None, data_dir=kb_data_dir, today="2026-11-21",  # type: ignore[call-arg]
                                  sites_file=tmp_path / "no-sites.yaml", database_url=pg_url, redis_url=redis_url),
                         progress=False)
    assert web.store.db.shared and isinstance(web.quotas._counter, RedisCounter)
    question = "山西分赛一等奖奖金是多少"
    before, _ = web.ask(question, None, channel="api")
    assert not before.approved
    worker().approve(question=question, scope=None, answer="审定：一等奖 5 万元[1]", citations=[CITE], who="张三")
    after, log_id = web.ask(question, None, channel="api")
    assert after.approved and after.answer == "审定：一等奖 5 万元[1]"
    other = worker()
    assert [e.id for e in other.search()][0] == log_id and len(other.search()) == 2
    web.store.close()
