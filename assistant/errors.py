"""A small exception hierarchy; each interface turns these into one Chinese message."""

from __future__ import annotations

from pathlib import Path


class AssistantError(Exception):
    """Base class. `message` is the Chinese text shown to the user, `code` a stable machine name,
    `status` the HTTP status the web layer answers with (from the code when the raiser gave none)."""

    status: int = 400

    def __init__(self, message: str, *, code: str = "error", status: int | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.headers = headers
        if status is not None:
            self.status = status
        elif code in _STATUS_OF_CODE:
            self.status = _STATUS_OF_CODE[code]


# Codes raised as a plain AssistantError/InputError whose HTTP status differs from their class's.
_STATUS_OF_CODE: dict[str, int] = {"file_too_large": 413, "check_failed": 500, "not_found": 404}


class ApiError(AssistantError):
    """An error the web layer reports as is: a status, a code and the Chinese message (and headers,
    e.g. `Retry-After` on a 429)."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message, code=code, status=status, headers=headers)


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

    status = 409

    def __init__(self, message: str) -> None:
        super().__init__(message, code="conflict")


class BusyError(AssistantError):
    """Every worker for a heavy task (a Word check) is taken; try again shortly."""

    status = 503

    def __init__(self, message: str) -> None:
        super().__init__(message, code="busy")


class ConfigError(AssistantError):
    """Misconfiguration; the message names the variable and the fix."""

    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message, code="config")


class LLMError(AssistantError):
    """The LLM endpoint failed (time-out, HTTP error, malformed reply)."""

    status = 502

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
