"""A small exception hierarchy; each interface turns these into one Chinese message."""

from __future__ import annotations

from pathlib import Path


class AssistantError(Exception):
    """Base class. `message` is the Chinese text shown to the user."""

    def __init__(self, message: str, *, code: str = "error") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class InputError(AssistantError):
    """Bad user input: empty, too long, control characters, unknown division."""

    def __init__(self, message: str, *, code: str = "bad_input") -> None:
        super().__init__(message, code=code)


class FileRejected(InputError):
    """An uploaded file that cannot be opened, or is over a limit (size, XML size, paragraphs, time).

    `code` is "bad_file" (damaged, not Word, too complex) or "file_too_large" (over the size limit).
    """

    def __init__(self, message: str, *, code: str = "bad_file") -> None:
        super().__init__(message, code=code)


class ConflictError(AssistantError):
    """A write based on a version that another window has changed in the same place."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="conflict")


class BusyError(AssistantError):
    """Every worker for a heavy task (a Word check) is taken; try again shortly."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="busy")


class ConfigError(AssistantError):
    """Misconfiguration; the message names the variable and the fix."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="config")


class LLMError(AssistantError):
    """The LLM endpoint failed (time-out, HTTP error, malformed reply)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="llm")


def store_problem(data_dir: Path, exc: BaseException) -> str:
    """The Chinese message for a store that failed to open in a way no layer foresaw (a damaged
    SQLite or Chroma file, a permission changed under us): where, and what to do."""
    return (
        f"数据目录 DATA_DIR（{data_dir}）中的数据无法打开（{type(exc).__name__}：{str(exc)[:200]}）。"
        "文件可能已损坏或不可写：请检查该目录的权限；索引损坏时运行 python -m assistant ingest --rebuild 重建，"
        "或把 DATA_DIR 指向另一个目录。"
    )
