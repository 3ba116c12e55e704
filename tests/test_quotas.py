"""Quotas in every backend (this process's memory, the shared PostgreSQL, Redis; real servers on loopback),
with an injected clock: exact limits under concurrency across two workers, refusals that count for
nothing, and the day that ends at midnight 北京时间 whatever the server's time zone."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import redis
from servers import Redis
from sqlalchemy import create_engine, select

from assistant.db import Database, schema, shared_database
from assistant.errors import ConfigError
from assistant.settings import Settings
from assistant.web.errors import ApiError
from assistant.web.quotas import Counter, DatabaseCounter, MemoryCounter, Quotas, RedisCounter
from assistant.web.sites import load_sites

BEIJING = timezone(timedelta(hours=8))
Clock = list[float]


def beijing(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=BEIJING).timestamp()


@pytest.fixture
def redis_url(redis_server: Redis) -> str:
    url = redis_server.url(0)
    redis.Redis.from_url(url).flushdb()
    return url


@pytest.fixture(params=["memory", "postgresql", "redis"])
def new_counter(request: pytest.FixtureRequest) -> Iterator[Callable[[], Counter]]:
    """Counters as separate workers have them (memory: one process, so one counter)."""
    engines = []
    if request.param == "memory":
        memory = MemoryCounter()
        yield lambda: memory
    elif request.param == "postgresql":
        url = request.getfixturevalue("pg_url")
        shared_database(url)  # migrated once

        def database_counter() -> Counter:
            engines.append(create_engine(url, pool_size=10))
            return DatabaseCounter(Database(engine=engines[-1], shared=True))

        yield database_counter
    else:
        url = request.getfixturevalue("redis_url")
        yield lambda: RedisCounter.from_url(url)
    for engine in engines:
        engine.dispose()


def _quotas(new_counter: Callable[[], Counter], now: Clock) -> Quotas:
    return Quotas(clock=lambda: now[0], counter=new_counter())


def _passes(quotas: Quotas, per_minute: int, per_day: int, ip: str = "1.2.3.4") -> bool:
    try:
        quotas.count("site", ip, per_minute, per_day, "本网站")
    except ApiError as exc:
        assert exc.status == 429
        return False
    return True


def test_quota_per_minute_then_next_minute_and_refusals_count_for_nothing(
        tmp_path: Path, new_counter: Callable[[], Counter]) -> None:
    path = tmp_path / "sites.yaml"
    path.write_text("sites:\n  s:\n    origins: ['https://a.gov.cn']\n    quota: {per_minute: 2, per_day: 3}\n", "utf-8")
    site = load_sites(path).get("s")
    assert site is not None
    now = [beijing("2026-12-02T10:00:05")]
    quotas = _quotas(new_counter, now)
    quotas.hit(site, "1.2.3.4")
    quotas.hit(site, "1.2.3.4")
    quotas.hit(site, "5.6.7.8")  # another visitor has its own count
    for _ in range(5):  # refused five times: neither the day's allowance nor the next minute's is eaten
        with pytest.raises(ApiError, match="请稍后再试") as minute:
            quotas.hit(site, "1.2.3.4")
        assert minute.value.status == 429 and minute.value.headers == {"Retry-After": "55"}
    now[0] += 60
    quotas.hit(site, "1.2.3.4")  # the day's third
    with pytest.raises(ApiError, match="今天的提问次数.*次日零点恢复") as day:
        quotas.hit(site, "1.2.3.4")
    assert day.value.headers == {"Retry-After": str(14 * 3600 - 65)}  # until midnight 北京时间


@pytest.mark.parametrize("server_tz", ["UTC", "America/Los_Angeles"])
def test_the_day_resets_at_midnight_beijing_time_whatever_the_server_zone(
        new_counter: Callable[[], Counter], server_tz: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", server_tz)
    time.tzset()
    try:
        now = [beijing("2026-12-02T07:59:50")]  # UTC 23:59:50: the server's midnight is ten seconds away
        quotas = _quotas(new_counter, now)
        assert [_passes(quotas, 0, 2) for _ in range(3)] == [True, True, False]
        now[0] = beijing("2026-12-02T08:00:10")  # a new day in UTC, still 2 December in Beijing
        assert not _passes(quotas, 0, 2)
        now[0] = beijing("2026-12-02T23:59:59")
        assert not _passes(quotas, 0, 2)
        now[0] = beijing("2026-12-03T00:00:00")  # 次日零点
        assert [_passes(quotas, 0, 2) for _ in range(3)] == [True, True, False]
    finally:
        monkeypatch.undo()
        time.tzset()


def test_three_a_minute_across_two_workers_with_eight_threads_each_lets_exactly_three_through(
        new_counter: Callable[[], Counter]) -> None:
    now = [beijing("2026-12-02T10:00:00")]
    workers = [_quotas(new_counter, now), _quotas(new_counter, now)]
    for minute in range(3):  # three minutes: refusals of one minute never eat the next one's three
        passed = _at_once(workers, 8, lambda quotas: _passes(quotas, 3, 1000))
        assert len(passed) == 16 and passed.count(True) == 3, f"minute {minute}: {passed.count(True)} passed"
        now[0] += 60
    assert not _passes(workers[0], 1000, 9)  # 9 answered over the three minutes: the day is full, refusals uncounted


def _at_once(workers: list[Quotas], threads_each: int, ask: Callable[[Quotas], bool]) -> list[bool]:
    barrier = threading.Barrier(len(workers) * threads_each)
    passed: list[bool] = []
    lock = threading.Lock()

    def run(quotas: Quotas) -> None:
        barrier.wait()
        ok = ask(quotas)
        with lock:
            passed.append(ok)

    threads = [threading.Thread(target=run, args=(w,)) for w in workers for _ in range(threads_each)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return passed


def test_old_quota_rows_are_pruned(pg_url: str) -> None:
    database = shared_database(pg_url)
    now = [beijing("2026-12-02T10:00:00")]
    quotas = Quotas(clock=lambda: now[0], counter=DatabaseCounter(database))

    def periods() -> set[tuple[str, str]]:
        with database.connect() as conn:
            return {(r.window, r.period) for r in conn.execute(select(schema.quota_counts))}

    assert _passes(quotas, 5, 5)
    now[0] = beijing("2026-12-02T10:01:30")
    assert _passes(quotas, 5, 5)
    assert periods() == {("minute", "2026-12-02T10:00"), ("minute", "2026-12-02T10:01"), ("day", "2026-12-02")}
    now[0] = beijing("2026-12-04T10:05:00")
    assert _passes(quotas, 5, 5)
    assert periods() == {("minute", "2026-12-04T10:05"), ("day", "2026-12-04")}


def test_quotas_come_from_settings_and_an_unreachable_store_is_a_chinese_message(
        tmp_path: Path, pg_url: str, redis_url: str) -> None:
    def settings(**kwargs: str) -> Settings:
        return Settings(_env_file=None, data_dir=tmp_path, **kwargs)  # type: ignore[arg-type]

    assert isinstance(Quotas.from_settings(settings())._counter, MemoryCounter)
    assert isinstance(Quotas.from_settings(settings(database_url=pg_url))._counter, DatabaseCounter)
    assert isinstance(Quotas.from_settings(settings(database_url=pg_url, redis_url=redis_url))._counter, RedisCounter)
    with pytest.raises(ConfigError, match="无法连接 REDIS_URL") as caught:
        Quotas.from_settings(settings(redis_url="redis://:secret@127.0.0.1:1/0"))
    assert "secret" not in caught.value.message
    with pytest.raises(ConfigError, match="无法连接共享数据库"):
        Quotas.from_settings(settings(database_url="postgresql+psycopg://u@127.0.0.1:1/nowhere"))


def test_a_counter_lost_while_serving_lets_the_request_through() -> None:
    dead = Database(engine=create_engine("postgresql+psycopg://u@127.0.0.1:1/nowhere"), shared=True)
    quotas = Quotas(counter=DatabaseCounter(dead))
    assert all(_passes(quotas, 1, 1) for _ in range(3))
