"""How the console shows stored values: times in 北京时间 and channels by name, in Chinese.

The store keeps UTC ISO timestamps and short channel ids (`page`, `api`, `embed:<site>`);
secretariats read 2025-07-25 14:03 and 页面 / 接口 / 挂件（山西分赛智能助手）.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from .sites import Sites

BEIJING = timezone(timedelta(hours=8), "北京时间")  # China keeps no summer time: UTC+8 all year
CHANNELS = {"page": "页面", "gradio": "页面接口", "api": "接口"}
EMBED = "embed:"


def beijing_time(ts: str) -> str:
    """A stored UTC timestamp as 北京时间 to the minute ("2025-07-25 14:03"); a naive one counts as UTC,
    and text that is not a timestamp is shown as it is."""
    try:
        moment = datetime.fromisoformat(ts)
    except (TypeError, ValueError):
        return ts
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def channel_name(channel: str, sites: Sites | None = None) -> str:
    """页面 / 页面接口 / 接口, or 挂件 with the site's title (its key when the site is no longer listed)."""
    if channel.startswith(EMBED):
        key = channel[len(EMBED) :]
        site = sites.get(key) if sites is not None else None
        return f"挂件（{site.title if site is not None and site.title else key}）"
    return CHANNELS.get(channel, channel)
