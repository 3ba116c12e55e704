"""Added notices in shared mode, on a real PostgreSQL (tests/servers.py): the database holds them
and the corpus version, every worker mirrors them into its own DATA_DIR and swaps its engine when
the version moves, learnt by LISTEN/NOTIFY or, when a notification is lost, by comparing versions."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text
from test_notices import DEADLINE_Q, KNOWLEDGE, ROOT, _docx

from assistant.db import shared_database
from assistant.notices.model import Amendment, NoticeError, NoticeMeta, Target
from assistant.notices.shared import CHANNEL, SharedNoticeStore
from assistant.notices.store import NoticeStore, open_store
from assistant.notices.watch import CorpusWatcher, libpq_url
from assistant.rules.knowledge import corpus_hash
from assistant.settings import Settings

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

NEW = "延期至2025年8月10日（原定2025年7月31日）"
OLD = "2025 年 7 月 31 日"
BODY = "## 一、报名时间调整\n\n陕西分赛注册报名和参赛项目提交截止时间由2025年7月31日延期至2025年8月10日。\n\n2025年7月25日"
META = NoticeMeta(
    division="shaanxi", title="关于陕西分赛报名时间延期的公告", date="2025-07-25", source_file="延期.md", kind="postponement",
    published=date(2025, 7, 25),
    amendments=[Amendment(target=Target(document="shaanxi", section="七、赛程安排", fact="报名截止时间"), type="substitution",
                          old=OLD, new="2025年8月10日")],
)


def until(check: Callable[[], bool], seconds: float, what: str) -> None:
    """Poll `check` until it holds; fail naming `what` once `seconds` have passed."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {seconds:.0f} s: {what}")
        time.sleep(0.05)


def _version(url: str) -> int:
    with shared_database(url).connect() as conn:
        return int(conn.execute(text("SELECT coalesce(max(version), 0) FROM corpus_state")).scalar_one())


def _original(tmp_path: Path) -> Path:
    path = tmp_path / "延期.md"
    path.write_text(BODY, encoding="utf-8")
    return path


def test_notices_live_in_the_database_and_each_change_bumps_the_version_and_notifies(pg_url: str, tmp_path: Path) -> None:
    database = shared_database(pg_url)
    one, two = SharedNoticeStore(database, tmp_path / "w1"), SharedNoticeStore(database, tmp_path / "w2")
    with psycopg.connect(libpq_url(pg_url), autocommit=True) as listener:
        listener.execute(f"LISTEN {CHANNEL}")
        notice_id = one.new_id(META)
        one.add(notice_id, META, BODY, _original(tmp_path))
        assert [n.payload for n in listener.notifies(timeout=5, stop_after=1)] == ["1"]
    assert two.new_id(META) == "notice-shaanxi-20250725-2"  # ids are taken in the database, not on one disk
    assert [n.notice_id for n in two.load()] == [notice_id] and two.get(notice_id).meta == META
    assert two.mirror() == 1
    files = NoticeStore(tmp_path / "file-mode")  # what single-machine mode writes for the same notice
    files.add(notice_id, META, BODY, _original(tmp_path))
    assert (two.root / f"{notice_id}.md").read_bytes() == (files.root / f"{notice_id}.md").read_bytes()
    assert (two.originals / f"{notice_id}.md").read_text(encoding="utf-8") == BODY
    assert corpus_hash(KNOWLEDGE, two.root) != corpus_hash(KNOWLEDGE)
    two.remove(notice_id)
    assert _version(pg_url) == 2 and two.load() == []
    with pytest.raises(NoticeError, match="没有编号为"):
        two.remove(notice_id)
    assert _version(pg_url) == 2  # a refused removal bumps nothing
    assert two.mirror() == 2 and not list(two.root.rglob("notice-*"))
    assert corpus_hash(KNOWLEDGE, two.root) == corpus_hash(KNOWLEDGE)


def _cli(args: list[str], data_dir: Path, url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATA_DIR": str(data_dir), "DATABASE_URL": url, "TODAY": "2025-08-05", "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "assistant", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def test_the_notice_cli_works_against_the_database(pg_url: str, tmp_path: Path) -> None:
    """Added from one DATA_DIR, listed, shown, mirrored and removed from another: the database is the store."""
    one, two = tmp_path / "one", tmp_path / "two"
    added = _cli(["notice", "add", str(_docx(tmp_path / "延期.docx")), "--division", "shaanxi", "--yes"], one, pg_url)
    assert added.returncode == 0, added.stderr
    assert "已添加通知 notice-shaanxi-20250725" in added.stdout and "各服务进程随即" in added.stdout
    listed = _cli(["notice", "list"], two, pg_url)
    assert "notice-shaanxi-20250725  [shaanxi] 延期公告 2025-07-25" in listed.stdout, listed.stderr
    assert "文号：陕数政函〔2025〕30号" in _cli(["notice", "show", "notice-shaanxi-20250725"], two, pg_url).stdout
    sources = _cli(["sources"], two, pg_url)
    assert "关于2025年“数据要素×”大赛陕西分赛报名时间延期的补充通知" in sources.stdout, sources.stderr
    assert (two / "shared-notices" / "originals" / "notice-shaanxi-20250725.docx").is_file()
    assert not (two / "notices").exists()  # a single machine's own folder is never the mirror
    removed = _cli(["notice", "remove", "notice-shaanxi-20250725"], two, pg_url)
    assert removed.returncode == 0, removed.stderr
    assert "还没有添加任何通知" in _cli(["notice", "list"], one, pg_url).stdout
    missing = _cli(["notice", "remove", "notice-shaanxi-20250725"], one, pg_url)
    assert missing.returncode == 2 and "没有编号为" in missing.stderr and "Traceback" not in missing.stderr


Watched = tuple[CorpusWatcher, list[int], SharedNoticeStore]


@pytest.fixture
def watch(pg_url: str, tmp_path: Path) -> Iterator[Callable[[float], Watched]]:
    """Start a watcher (checking versions every `interval` seconds) on its own mirror, with a rebuild
    that records how many notices it finds; also returns another worker's store."""
    database = shared_database(pg_url)
    started: list[CorpusWatcher] = []

    def start(interval: float) -> Watched:
        store = SharedNoticeStore(database, tmp_path / "watched")
        watcher = CorpusWatcher(store, pg_url, interval=interval)
        built: list[int] = []
        watcher.mirror()
        watcher.start(lambda: built.append(len(store.load())))
        started.append(watcher)
        until(watcher.connected.is_set, 10, "the listener connects")
        return watcher, built, SharedNoticeStore(database, tmp_path / "other")

    yield start
    for watcher in started:
        watcher.stop()


def test_a_notification_reaches_the_listener_at_once(watch: Callable[[float], Watched], tmp_path: Path) -> None:
    watcher, built, other = watch(3600)  # only the notification can tell it
    other.add("notice-shaanxi-20250725", META, BODY, _original(tmp_path))
    until(lambda: built == [1], 5, "the listener rebuilds on the NOTIFY")
    assert (watcher.notified, watcher.caught_up, watcher.version) == (1, 0, 1)
    assert (watcher.store.root / "notice-shaanxi-20250725.md").is_file()


def test_a_change_without_notification_is_found_by_the_periodic_check(watch: Callable[[float], Watched], pg_url: str) -> None:
    watcher, built, _ = watch(0.5)
    with shared_database(pg_url).begin() as conn:  # a version bump whose NOTIFY never arrives
        conn.execute(text("INSERT INTO corpus_state (name, version) VALUES ('notices', 7)"))
    until(lambda: built == [0], 5, "the periodic check rebuilds")
    assert (watcher.notified, watcher.caught_up, watcher.version) == (0, 1, 7)


def test_a_notification_missed_while_the_connection_was_down_is_caught_up(
    watch: Callable[[float], Watched], pg_url: str, tmp_path: Path
) -> None:
    watcher, built, other = watch(3600)  # not the periodic check: the check made on reconnecting
    pid = watcher.backend_pid
    with shared_database(pg_url).connect() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()
    until(lambda: not watcher.connected.is_set(), 10, "the listener notices its connection died")
    other.add("notice-shaanxi-20250725", META, BODY, _original(tmp_path))  # its NOTIFY finds nobody listening
    until(lambda: built == [1], 15, "the listener reconnects and catches up")
    assert watcher.reconnects == 1 and watcher.backend_pid != pid
    assert (watcher.notified, watcher.caught_up) == (0, 1)


# -- two workers, each with its own DATA_DIR and engine, on one database --------------------------


@pytest.fixture
def workers(pg_url: str, tmp_path: Path, kb_index: object, kb_data_dir: Path) -> Iterator[list[object]]:
    """Two web workers built from settings as app.py builds them; their Chroma starts from the
    session's index of the shipped knowledge (same corpus hash), so only the changes are built here."""
    from assistant.web.deps import build_services

    built = []
    try:
        for name in ("w1", "w2"):
            data_dir = tmp_path / name
            shutil.copytree(kb_data_dir / "chroma", data_dir / "chroma")
            settings = Settings(  # type: ignore[call-arg]
                _env_file=None, data_dir=data_dir, today="2025-08-05", sites_file=data_dir / "sites.yaml",
                database_url=pg_url, corpus_check_seconds=1.0,
            )
            built.append(build_services(settings, progress=False))
        yield built
    finally:
        for services in built:
            if services.corpus is not None:
                services.corpus.stop()


def test_a_notice_added_on_one_worker_is_answered_by_the_other_and_a_removal_comes_back(workers: list[object]) -> None:
    from assistant.services import build_llm
    from assistant.web.deps import WebServices
    from assistant.web.notices_tab import add_notice, read_notice, remove_notice

    w1, w2 = workers
    assert isinstance(w1, WebServices) and isinstance(w2, WebServices)
    assert w1.corpus is not None and w2.corpus is not None
    before = w2.assistant.ask(DEADLINE_Q)
    assert OLD in before.answer and "8月10日" not in before.answer
    old_hash = w2.assistant.index.corpus_hash
    w2.store.approve(question=DEADLINE_Q, scope=None, answer="陕西分赛报名截止：2025年7月31日。", citations=before.citations, who="秘书处")
    assert w2.assistant.ask(DEADLINE_Q).approved

    # Added through worker 1's console: worker 2 hears of it at once and swaps its engine.
    docx = _docx(Path(w1.settings.data_dir) / "延期.docx")
    _, labels, draft = read_notice(w1.settings, str(docx), "shaanxi", "")
    status = add_notice(w1, open_store(w1.settings), draft, labels[:1])
    assert status.startswith("已添加通知 notice-shaanxi-20250725（1 条修改）")
    until(lambda: w2.corpus is not None and w2.corpus.seen == 1, 5, "worker 2 learns of the new version")
    until(lambda: NEW in w2.assistant.ask(DEADLINE_Q).answer, 300, "worker 2 answers by the new notice")
    after = w2.assistant.ask(DEADLINE_Q)
    assert not after.approved  # the approved answer cites the changed clause: 待复核, not served
    assert [c.role for c in after.citations].count("superseded") == 1
    new_hash = w2.assistant.index.corpus_hash
    assert new_hash == w1.assistant.index.corpus_hash != old_hash
    llm = build_llm(w2.settings.model_copy(update={"llm_base_url": "http://127.0.0.1:9/v1", "llm_model": "m"}), w2.assistant.index)
    assert llm is not None and llm.config_key.split("|")[0] == new_hash  # the LLM cache follows the new corpus

    # Removed on worker 2 while worker 1's listener is cut off: its NOTIFY is lost, the reconnection catches up.
    assert w1.corpus.backend_pid is not None
    notified, caught_up = w1.corpus.notified, w1.corpus.caught_up
    with psycopg.connect(libpq_url(w1.settings.database_url), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (w1.corpus.backend_pid,))
    until(lambda: w1.corpus is not None and not w1.corpus.connected.is_set(), 10, "worker 1's listener is cut off")
    assert remove_notice(w2, open_store(w2.settings), "notice-shaanxi-20250725").startswith("已删除通知")
    assert w2.assistant.ask(DEADLINE_Q).approved  # worker 2 itself answers by the original at once
    # approvals are shared too: once worker 1 is back on the original corpus it serves worker 2's approved answer
    until(lambda: w1.assistant.ask(DEADLINE_Q).approved, 300, "worker 1 answers by the original again")
    assert "8月10日" not in w1.assistant.ask(DEADLINE_Q).answer
    assert (w1.corpus.notified, w1.corpus.caught_up) == (notified, caught_up + 1) and w1.corpus.reconnects >= 1
    assert w1.assistant.index.corpus_hash == w2.assistant.index.corpus_hash == old_hash
