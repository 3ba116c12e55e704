"""A small exception hierarchy; each interface turns these into one Chinese message."""

from __future__ import annotations


class AssistantError(Exception):
    """Base class. `message` is the Chinese text shown to the user."""

    def __init__(self, message: str, *, code: str = "error") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class InputError(AssistantError):
    """Bad user input: empty, too long, control characters, unknown division."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="bad_input")


class ConfigError(AssistantError):
    """Misconfiguration; the message names the variable and the fix."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="config")


class LLMError(AssistantError):
    """The LLM endpoint failed (time-out, HTTP error, malformed reply)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="llm")
