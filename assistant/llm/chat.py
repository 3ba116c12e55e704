"""The one chat-model adapter: `ChatOpenAI` for any OpenAI-compatible endpoint, built from settings.

Answers and the form agent's optional help use the same model object. The HTTP client notes
whether a streamed reply really ended with `data: [DONE]` (`StreamWatch`): the SDK ends a cut
stream silently, and a cut stream is an incomplete answer.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import httpx
import openai
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langchain_openai import ChatOpenAI

from assistant.errors import ConfigError, LLMError
from assistant.settings import Settings

log = logging.getLogger(__name__)

_DONE = (b"data: [DONE]", b"data:[DONE]")


@dataclass
class StreamWatch:
    """What the HTTP layer saw of one streamed reply."""

    done: bool = False  # the server sent its terminator, `data: [DONE]`


_WATCH: ContextVar[StreamWatch | None] = ContextVar("llm_stream_watch", default=None)


@contextmanager
def watching(watch: StreamWatch) -> Iterator[StreamWatch]:
    """Requests made inside this block (same thread) report to `watch`."""
    token = _WATCH.set(watch)
    try:
        yield watch
    finally:
        _WATCH.reset(token)


class _DoneSpotter(httpx.SyncByteStream):
    def __init__(self, inner: httpx.SyncByteStream, watch: StreamWatch) -> None:
        self._inner = inner
        self._watch = watch

    def __iter__(self) -> Iterator[bytes]:
        tail = b""
        for chunk in self._inner:
            if not self._watch.done:
                window = tail + chunk
                self._watch.done = any(marker in window for marker in _DONE)
                tail = window[-16:]
            yield chunk

    def close(self) -> None:
        self._inner.close()


def _spot_done(response: httpx.Response) -> None:
    watch = _WATCH.get()
    if watch is not None and isinstance(response.stream, httpx.SyncByteStream):
        response.stream = _DoneSpotter(response.stream, watch)


def build_chat_model(settings: Settings) -> ChatOpenAI:
    """ChatOpenAI at temperature 0, streaming, no retries (we fall back instead)."""
    if not settings.llm_enabled:
        raise ConfigError("未配置大模型：请设置环境变量 LLM_BASE_URL 和 LLM_MODEL（或在 .env 中填写）。")
    client = httpx.Client(timeout=settings.llm_timeout, event_hooks={"response": [_spot_done]})
    return ChatOpenAI(
        base_url=settings.llm_base_url,
        model=settings.llm_model,
        # The client insists on some key; local endpoints (vLLM, Ollama) accept any string.
        api_key=settings.llm_api_key or "not-needed",  # type: ignore[arg-type]
        temperature=0,
        streaming=True,
        max_retries=0,
        timeout=settings.llm_timeout,
        http_client=client,
    )


def llm_error(exc: BaseException, *, base_url: str = "", timeout: float = 0.0) -> LLMError:
    """One Chinese message per kind of failure; the raw exception goes to the log only."""
    if isinstance(exc, LLMError):
        return exc
    log.warning("LLM call to %s failed: %r", base_url, exc)
    if isinstance(exc, openai.APITimeoutError | httpx.TimeoutException | TimeoutError):
        return LLMError(f"大模型接口超时（{timeout:g} 秒内没有响应）。" if timeout else "大模型接口超时。")
    if isinstance(exc, openai.APIConnectionError | httpx.TransportError):
        return LLMError(f"无法连接大模型接口 {base_url}，请检查 LLM_BASE_URL 和网络。")
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        return LLMError(f"大模型接口拒绝访问（HTTP {exc.status_code}），请检查 LLM_API_KEY。")
    if isinstance(exc, openai.NotFoundError):
        return LLMError("大模型接口返回 HTTP 404，请检查 LLM_BASE_URL（通常以 /v1 结尾）和 LLM_MODEL。")
    if isinstance(exc, openai.RateLimitError):
        return LLMError("大模型接口请求过于频繁（HTTP 429），请稍后再试。")
    if isinstance(exc, openai.APIStatusError):
        return LLMError(f"大模型接口返回错误（HTTP {exc.status_code}）。")
    if isinstance(exc, openai.APIResponseValidationError | ValueError | TypeError | AttributeError | KeyError):
        return LLMError("大模型接口返回了无法解析的回复。")
    log.error("unexpected LLM failure", exc_info=exc)
    return LLMError("调用大模型时出现未知错误。")


def to_messages(messages: list[dict[str, str]]) -> list[BaseMessage]:
    """OpenAI-style role/content dicts as LangChain messages."""
    kinds = {"system": SystemMessage, "user": HumanMessage, "assistant": AIMessage}
    out: list[BaseMessage] = []
    for m in messages:
        kind = kinds.get(m.get("role", ""))
        if kind is None:
            raise LLMError(f"不支持的消息角色：{m.get('role')}")
        out.append(kind(content=m.get("content", "")))
    return out


class ChatCompleter:
    """The form agent's `Completer` on the shared chat model: messages in, the whole reply out."""

    def __init__(self, model: BaseChatModel, *, base_url: str = "", timeout: float = 0.0) -> None:
        self.model = model
        self._base_url = base_url
        self._timeout = timeout

    @classmethod
    def from_settings(cls, settings: Settings) -> ChatCompleter:
        return cls(build_chat_model(settings), base_url=settings.llm_base_url, timeout=settings.llm_timeout)

    def complete(self, messages: list[dict[str, str]]) -> str:
        try:
            reply = self.model.invoke(to_messages(messages))
        except Exception as exc:  # noqa: BLE001 - every client failure becomes one Chinese message
            raise llm_error(exc, base_url=self._base_url, timeout=self._timeout) from exc
        content = reply.content if isinstance(reply.content, str) else ""
        if not content.strip():
            raise LLMError("大模型接口返回了空回复。")
        return content
