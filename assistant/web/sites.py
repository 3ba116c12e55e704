"""Division websites allowed to embed the widget (the sites file) and their per-IP quotas (counted in `quotas.py`).

The sites file (YAML, `SITES_FILE`) maps a site key to its allowed origins, division scope,
title, colour and quotas; see `sites.example.yaml`. Without a sites file no site may embed
the widget and no other origin may call the API from a browser; the server still runs.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from assistant.errors import ConfigError, InputError
from assistant.models import DivisionId
from assistant.rules import divisions as div

_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_COLOUR_RE = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


def normalise_origin(value: str) -> str:
    """`scheme://host[:port]` in lower case, the form browsers send in the Origin header."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"来源 {value!r} 不是有效的网址来源，应形如 https://www.example.gov.cn")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError(f"来源 {value!r} 只能包含协议、域名和端口，不能带路径")
    host = parts.hostname.lower()
    default = {"http": 80, "https": 443}[parts.scheme]
    port = f":{parts.port}" if parts.port and parts.port != default else ""
    return f"{parts.scheme}://{host}{port}"


class Quota(BaseModel):
    model_config = ConfigDict(extra="forbid")

    per_minute: int = Field(default=10, ge=1, le=100_000)
    per_day: int = Field(default=200, ge=1, le=10_000_000)


class Site(BaseModel):
    """One division website allowed to embed the widget."""

    model_config = ConfigDict(extra="forbid")

    key: str
    title: str = Field(default="数据要素×大赛智能助手", min_length=1, max_length=40)
    division: DivisionId | None = None
    colour: str = "#1f5fbf"
    origins: list[str] = Field(min_length=1)
    quota: Quota = Field(default_factory=Quota)

    @field_validator("key")
    @classmethod
    def _key(cls, value: str) -> str:
        if not _KEY_RE.match(value):
            raise ValueError("站点密钥只能由字母、数字、- 和 _ 组成（最长 64 个字符）")
        return value

    @field_validator("division", mode="before")
    @classmethod
    def _division(cls, value: object) -> object:
        if value is None or value == "":
            return None
        try:
            return div.parse(str(value))
        except InputError as exc:
            raise ValueError(exc.message) from exc

    @field_validator("colour")
    @classmethod
    def _colour(cls, value: str) -> str:
        if not _COLOUR_RE.match(value):
            raise ValueError("颜色应为 #RRGGBB 形式，例如 #c0392b")
        return value

    @field_validator("origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        return [normalise_origin(v) for v in value]

    def allows(self, origin: str | None) -> bool:
        return bool(origin) and origin in self.origins

    def public(self) -> dict[str, object]:
        """What the widget may learn about its own site."""
        return {
            "key": self.key,
            "title": self.title,
            "division": self.division,
            "division_name": div.NAMES[self.division] if self.division else "全部分赛",
            "colour": self.colour,
        }


class Sites:
    def __init__(self, sites: dict[str, Site], source: Path | None = None) -> None:
        self.sites = sites
        self.source = source
        self.origins: frozenset[str] = frozenset(o for s in sites.values() for o in s.origins)

    def get(self, key: str | None) -> Site | None:
        return self.sites.get(key or "")

    def at(self, origin: str) -> list[Site]:
        """The sites that list `origin`."""
        return [s for s in self.sites.values() if origin in s.origins]


def load_sites(path: Path) -> Sites:
    """Read the sites file; a missing file means no embedding sites."""
    if not path.exists():
        logging.getLogger(__name__).info("no sites file at %s: embedding disabled", path)
        return Sites({}, None)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"站点配置文件 {path} 无法读取：{exc}。请检查 YAML 格式，或修改 SITES_FILE。") from exc
    entries = raw.get("sites") if isinstance(raw, dict) else None
    if not isinstance(entries, dict):
        raise ConfigError(f"站点配置文件 {path} 应包含 sites: 映射（站点密钥 → 配置），参见 sites.example.yaml。")
    sites: dict[str, Site] = {}
    for key, conf in entries.items():
        try:
            sites[str(key)] = Site.model_validate({**(conf or {}), "key": str(key)})
        except ValidationError as exc:
            problems = "；".join(
                f"{'.'.join(str(p) for p in e['loc'])}: {str(e['msg']).removeprefix('Value error, ')}" for e in exc.errors()
            )
            raise ConfigError(f"站点配置文件 {path} 中站点 {key} 有误：{problems}") from exc
    return Sites(sites, path)
