"""Per-site, per-client quotas over the current minute and the current day in 北京时间.

One meaning in every backend: a request is answered only while fewer than N requests of its
(bucket, client) were answered in that window, and a refused request counts for nothing (it
neither eats the day's allowance nor the next minute's). The day resets at midnight Beijing time,
as the refusal promises (次日零点恢复), whatever the server's own time zone.

Backends: in memory (one process, the single-machine default), the shared PostgreSQL
(`quota_counts`, one conditional insert-or-increment per window inside one transaction), or
Redis when REDIS_URL is set (one Lua script: check every window, then increment them all).
If a shared backend cannot be reached while serving, the request is let through and logged:
a quota protects capacity and must not turn a storage hiccup into refusing every applicant.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Literal, Protocol
from urllib.parse import urlsplit

from sqlalchemy import and_, or_
from sqlalchemy.exc import SQLAlchemyError

from assistant.db import Database, schema, shared_database
from assistant.db.dialect import upsert
from assistant.errors import ConfigError
from assistant.settings import Settings

from .errors import ApiError
from .sites import Site

if TYPE_CHECKING:
    import redis

log = logging.getLogger(__name__)

# Asia/Shanghai has been UTC+8 without daylight saving since 1991: a fixed offset needs no tzdata.
BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")
Window = Literal["minute", "day"]
COUNTS = schema.quota_counts
_MAX_TRACKED = 100_000


@dataclass(frozen=True)
class Limit:
    """One window of one request: its period's name (北京时间), its limit and when the period ends."""

    window: Window
    period: str
    limit: int
    ends: float  # epoch seconds


def limits_at(now: float, per_minute: int, per_day: int) -> list[Limit]:
    """The windows a request at `now` counts in (a limit of 0 means none)."""
    local = datetime.fromtimestamp(now, BEIJING)
    minute_end = (math.floor(now / 60) + 1) * 60.0
    midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), BEIJING).timestamp()
    found = [Limit("minute", local.strftime("%Y-%m-%dT%H:%M"), per_minute, minute_end),
             Limit("day", local.strftime("%Y-%m-%d"), per_day, midnight)]
    return [limit for limit in found if limit.limit > 0]


class CounterUnavailable(Exception):
    """A shared counter that cannot be reached right now."""


class Counter(Protocol):
    def take(self, bucket: str, client: str, limits: Sequence[Limit], now: float) -> Window | None:
        """Count one request in every window, unless one is full: then count nothing and return that window."""
        ...


class MemoryCounter:
    """Counters of this process only (the single-machine default)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[tuple[str, str, Window], tuple[str, int, float]] = {}

    def take(self, bucket: str, client: str, limits: Sequence[Limit], now: float) -> Window | None:
        with self._lock:
            if len(self._counts) > _MAX_TRACKED:
                self._counts = {k: v for k, v in self._counts.items() if v[2] > now}
            counts: list[int] = []
            for limit in limits:
                period, count, _ = self._counts.get((bucket, client, limit.window), (limit.period, 0, 0.0))
                count = count if period == limit.period else 0
                if count >= limit.limit:
                    return limit.window
                counts.append(count)
            for limit, count in zip(limits, counts, strict=True):
                self._counts[(bucket, client, limit.window)] = (limit.period, count + 1, limit.ends)
            return None


class DatabaseCounter:
    """`quota_counts` in the shared PostgreSQL: per window `INSERT … ON CONFLICT DO UPDATE SET count = count + 1
    WHERE count < limit RETURNING count`, all windows in one transaction. No row back means the window is
    full: the transaction is rolled back, so the windows already counted for this request are not."""

    def __init__(self, database: Database) -> None:
        self.db = database
        self._pruned = ""

    def take(self, bucket: str, client: str, limits: Sequence[Limit], now: float) -> Window | None:
        self._prune(now)
        try:
            with self.db.connect() as conn, conn.begin() as tx:
                for limit in limits:
                    row = {"bucket": bucket, "client": client, "window": limit.window, "period": limit.period, "count": 1}
                    counted = upsert(conn, COUNTS, row, keys=("bucket", "client", "window", "period"),
                                     update={"count": COUNTS.c.count + 1}, where=COUNTS.c.count < limit.limit)
                    if conn.execute(counted.returning(COUNTS.c.count)).first() is None:
                        tx.rollback()
                        return limit.window
        except SQLAlchemyError as exc:
            raise CounterUnavailable(str(exc)) from exc
        return None

    def _prune(self, now: float) -> None:
        """Once a minute per worker: drop the rows of periods before the previous one (a worker whose clock
        lags a little may still count in the previous minute)."""
        previous = limits_at(now - 60, 1, 0)[0].period
        if previous == self._pruned:
            return
        self._pruned = previous
        yesterday = limits_at(now - 86_400, 0, 1)[0].period
        old = or_(and_(COUNTS.c.window == "minute", COUNTS.c.period < previous),
                  and_(COUNTS.c.window == "day", COUNTS.c.period < yesterday))
        try:
            with self.db.begin() as conn:
                conn.execute(COUNTS.delete().where(old))
        except SQLAlchemyError:
            log.warning("old quota rows not pruned", exc_info=True)


# Check every window, then increment them all: atomic in Redis, so a refused request counts nowhere.
_TAKE = """
for i, key in ipairs(KEYS) do
  if tonumber(redis.call('GET', key) or '0') >= tonumber(ARGV[2 * i - 1]) then return i end
end
for i, key in ipairs(KEYS) do
  redis.call('INCR', key)
  redis.call('EXPIRE', key, ARGV[2 * i])
end
return 0
"""


class RedisCounter:
    """One key per (bucket, client, window, period), expiring a minute after its period ends."""

    def __init__(self, client: redis.Redis) -> None:
        self._redis = client
        self._take = client.register_script(_TAKE)

    @classmethod
    def from_url(cls, url: str) -> RedisCounter:
        import redis

        try:
            client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
            client.ping()
        except (redis.RedisError, ValueError) as exc:
            raise ConfigError(
                f"无法连接 REDIS_URL（{_masked(url)}）：{str(exc)[:200]}。请检查地址和 redis-server 是否已启动；"
                "不用 Redis 时请留空 REDIS_URL（配额改记在共享数据库中）。"
            ) from None
        return cls(client)

    def take(self, bucket: str, client: str, limits: Sequence[Limit], now: float) -> Window | None:
        # One hash tag per (bucket, client): in a Redis Cluster all its keys sit in one slot, as a script needs.
        keys = [f"quota:{{{bucket}|{client}}}:{limit.window}:{limit.period}" for limit in limits]
        args: list[int] = []
        for limit in limits:
            args += [limit.limit, math.ceil(limit.ends - now) + 60]  # seconds: no clock shared with Redis needed
        import redis

        try:
            full = int(self._take(keys=keys, args=args))
        except redis.RedisError as exc:
            raise CounterUnavailable(str(exc)) from exc
        return limits[full - 1].window if full else None


def _masked(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")).geturl()


class Quotas:
    """Per-site, per-IP quotas over the current minute and the current 北京时间 day."""

    def __init__(self, clock: Callable[[], float] = time.time, counter: Counter | None = None) -> None:
        self._clock = clock
        self._counter: Counter = counter or MemoryCounter()

    @classmethod
    def from_settings(cls, settings: Settings, clock: Callable[[], float] = time.time) -> Quotas:
        """Redis when REDIS_URL is set, else the shared PostgreSQL of DATABASE_URL, else this process's memory."""
        if settings.redis_url.strip():
            return cls(clock, RedisCounter.from_url(settings.redis_url.strip()))
        if settings.database_url.strip():
            return cls(clock, DatabaseCounter(shared_database(settings.database_url.strip())))
        return cls(clock)

    def hit(self, site: Site, ip: str) -> None:
        """Count one request, or raise a 429 `ApiError` with a clear 请稍后再试 message."""
        self.count(site.key, ip, site.quota.per_minute, site.quota.per_day, "本网站")

    def count(self, bucket: str, ip: str, per_minute: int, per_day: int, who: str) -> None:
        """Count one request of `ip` in `bucket` (0 = no limit), or raise a 429 naming `who`'s limit."""
        now = self._clock()
        limits = limits_at(now, per_minute, per_day)
        if not limits:
            return
        try:
            full = self._counter.take(bucket, ip, limits, now)
        except CounterUnavailable:  # see the module docstring: an unreachable counter lets the request through
            log.warning("quota counter unavailable: request let through uncounted", exc_info=True)
            return
        if full == "minute":
            raise ApiError(
                429,
                "quota",
                f"提问过于频繁：{who}每分钟最多 {per_minute} 次，请稍后再试。",
                {"Retry-After": str(60 - int(now % 60))},
            )
        if full == "day":
            until = next(limit for limit in limits if limit.window == "day").ends
            raise ApiError(429, "quota", f"今天的提问次数已达{who}上限（{per_day} 次），请稍后再试（次日零点恢复）。",
                           {"Retry-After": str(max(1, math.ceil(until - now)))})
