"""LLM mode: a thin OpenAI-compatible chat adapter and the grounded answerer built on it.

Every endpoint failure becomes `LLMError` with a Chinese message; the answerer turns it (and an
answer that fails grounding) into `LLMOutcome(ok=False)` so the caller falls back to extractive.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, cast

import openai

from assistant.errors import ConfigError, LLMError
from assistant.models import Chunk
from assistant.prompts import load_prompt
from assistant.rules.grounding import ground_answer, pick_quote, renumber_citations
from assistant.settings import Settings
from assistant.tokens import count_tokens, fit_passages, truncate_to_tokens

log = logging.getLogger(__name__)

Messages = list[dict[str, str]]

DIVISION_LABELS: dict[str, str] = {
    "shanxi": "山西分赛",
    "shaanxi": "陕西分赛",
    "xinjiang": "新疆分赛",
    "yiyang": "益阳初赛（湖南）",
    "national-2025": "全国 2025 年赛道指南与评价指标",
    "national-2024": "全国 2024 年赛题指南",
}


class Completer(Protocol):
    """What the form agent needs from a chat model."""

    def complete(self, messages: Messages) -> str: ...


class ChatClient:
    """An OpenAI-compatible chat endpoint at temperature 0 (openai client, no retries: we fall back instead)."""

    def __init__(
        self,
        *,
        base_url: str,
        model: str,
        api_key: str = "",
        timeout: float = 30.0,
        max_retries: int = 0,
    ) -> None:
        self.base_url = base_url
        self.model = model
        self.timeout = timeout
        # The client insists on some key; local endpoints (vLLM, Ollama) accept any string.
        self._client = openai.OpenAI(
            base_url=base_url, api_key=api_key or "not-needed", timeout=timeout, max_retries=max_retries
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> ChatClient:
        if not settings.llm_enabled:
            raise ConfigError("未配置大模型：请设置环境变量 LLM_BASE_URL 和 LLM_MODEL（或在 .env 中填写）。")
        return cls(
            base_url=settings.llm_base_url,
            model=settings.llm_model,
            api_key=settings.llm_api_key,
            timeout=settings.llm_timeout,
        )

    def complete(self, messages: Messages) -> str:
        """The whole reply text."""
        try:
            resp = self._client.chat.completions.create(
                model=self.model, messages=cast(Any, messages), temperature=0
            )
            choices = getattr(resp, "choices", None)
            if choices is None:
                raise LLMError("大模型接口返回了无法解析的回复。")
            if not choices:
                raise LLMError("大模型接口返回了空回复（没有 choices）。")
            content = choices[0].message.content
        except Exception as exc:
            raise self._error(exc) from exc
        if not isinstance(content, str) or not content.strip():
            raise LLMError("大模型接口返回了空回复。")
        return content

    def stream(self, messages: Messages) -> Iterator[str]:
        """The reply as text deltas, in order; raises LLMError on failure, also mid-stream."""
        got_text = False
        try:
            chunks = self._client.chat.completions.create(
                model=self.model, messages=cast(Any, messages), temperature=0, stream=True
            )
            for chunk in chunks:
                choices = getattr(chunk, "choices", None)
                if choices is None:
                    raise LLMError("大模型接口返回了无法解析的流式数据。")
                if not choices:  # e.g. a final usage-only chunk
                    continue
                delta = choices[0].delta.content
                if delta:
                    got_text = True
                    yield delta
        except Exception as exc:
            raise self._error(exc) from exc
        if not got_text:
            raise LLMError("大模型接口返回了空回复。")

    def _error(self, exc: Exception) -> LLMError:
        """One Chinese message per kind of failure; the raw exception goes to the log only."""
        if isinstance(exc, LLMError):
            return exc
        log.warning("LLM call to %s failed: %r", self.base_url, exc)
        if isinstance(exc, openai.APITimeoutError):
            return LLMError(f"大模型接口超时（{self.timeout:g} 秒内没有响应）。")
        if isinstance(exc, openai.APIConnectionError):
            return LLMError(f"无法连接大模型接口 {self.base_url}，请检查 LLM_BASE_URL 和网络。")
        if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
            return LLMError(f"大模型接口拒绝访问（HTTP {exc.status_code}），请检查 LLM_API_KEY。")
        if isinstance(exc, openai.NotFoundError):
            return LLMError("大模型接口返回 HTTP 404，请检查 LLM_BASE_URL（通常以 /v1 结尾）和 LLM_MODEL。")
        if isinstance(exc, openai.RateLimitError):
            return LLMError("大模型接口请求过于频繁（HTTP 429），请稍后再试。")
        if isinstance(exc, openai.APIStatusError):
            return LLMError(f"大模型接口返回错误（HTTP {exc.status_code}）。")
        if isinstance(
            exc, openai.APIResponseValidationError | ValueError | TypeError | AttributeError | KeyError
        ):
            return LLMError("大模型接口返回了无法解析的回复。")
        log.exception("unexpected LLM failure", exc_info=exc)
        return LLMError("调用大模型时出现未知错误。")


@dataclass
class LLMOutcome:
    ok: bool  # False → the caller falls back to extractive
    text: str  # grounded answer with [n] markers renumbered 1..m in citation order
    cited: list[tuple[int, Chunk, str]]  # (n, chunk, verbatim quote ≤120 chars from chunk.text)
    dropped: list[str]  # sentences removed by grounding
    error: str | None  # Chinese reason when not ok
    silent: bool = False  # the model only said the notices are silent (通知未规定)
    passages: list[Chunk] = field(default_factory=list)  # what the model was shown, numbered from 1


def _failed(error: str, **kw: Any) -> LLMOutcome:
    return LLMOutcome(ok=False, text="", cited=[], dropped=[], error=error, **kw)


def passage_header(n: int, chunk: Chunk) -> str:
    label = DIVISION_LABELS.get(chunk.division, chunk.division)
    return f"[{n}] 分赛：{label}｜文件：{chunk.doc_title}｜章节：{chunk.section}"


class LLMAnswerer:
    """Numbered passages in, a streamed answer out, then every sentence checked against what it cites."""

    MESSAGE_OVERHEAD = 16  # tokens the chat format adds around two messages

    def __init__(self, *, chat: ChatClient, prompts_dir: Path, max_context_tokens: int) -> None:
        self._chat = chat
        self._system = load_prompt("answer_system", prompts_dir, expected=())
        self._user = load_prompt("answer_user", prompts_dir, expected=("passages", "divisions", "question"))
        self._max_tokens = max_context_tokens

    def build_messages(
        self, question: str, chunks: Sequence[Chunk], divisions: Sequence[str]
    ) -> tuple[Messages, int]:
        """The chat messages and how many of `chunks` fit the token budget (numbered [1]..[k])."""
        system = self._system.render()
        scope = "、".join(DIVISION_LABELS.get(d, d) for d in divisions) or "未指明"
        empty_user = self._user.render(passages="", divisions=scope, question=question)
        budget = self._max_tokens - count_tokens(system) - count_tokens(empty_user) - self.MESSAGE_OVERHEAD
        blocks = [f"{passage_header(i + 1, c)}\n{c.text.strip()}\n\n" for i, c in enumerate(chunks)]
        k = fit_passages(blocks, budget)
        if k == 0 and blocks and budget > 100:  # one long passage: send its head rather than nothing
            blocks[0] = truncate_to_tokens(blocks[0], budget)
            k = 1
        user = self._user.render(passages="".join(blocks[:k]).strip(), divisions=scope, question=question)
        return [{"role": "system", "content": system}, {"role": "user", "content": user}], k

    def answer(
        self,
        question: str,
        chunks: list[Chunk],
        divisions: list[str],
        on_token: Callable[[str], None] | None = None,
    ) -> LLMOutcome:
        """Stream the model's answer (each delta to `on_token`), then ground it; never raises LLMError.

        The streamed deltas are the raw, ungrounded text: when the outcome is not ok, or sentences
        were dropped, the caller replaces what it showed with `text` (or the extractive answer).
        """
        if not chunks:
            return _failed("没有检索到可供大模型参考的通知条款。")
        messages, k = self.build_messages(question, chunks, divisions)
        if k == 0:
            return _failed("上下文预算不足，放不下任何通知条款：请调大 LLM_MAX_CONTEXT_TOKENS 或精简问题。")
        shown = chunks[:k]
        parts: list[str] = []
        try:
            for delta in self._chat.stream(messages):
                parts.append(delta)
                if on_token is not None:
                    on_token(delta)
        except LLMError as exc:
            return _failed(exc.message, passages=shown)
        return self._ground("".join(parts), shown)

    def _ground(self, raw: str, shown: list[Chunk]) -> LLMOutcome:
        sources = [f"{passage_header(i + 1, c)}\n{c.text}" for i, c in enumerate(shown)]
        result = ground_answer(raw, sources)
        if not result.ok:
            if result.silent:
                error = "大模型判断通知未规定该内容。"
            else:
                total = len(result.kept) + len(result.dropped)
                error = f"大模型的回答中有 {len(result.dropped)}/{total} 句无法在所引通知原文中核实。"
            return LLMOutcome(
                ok=False,
                text="",
                cited=[],
                dropped=result.dropped,
                error=error,
                silent=result.silent,
                passages=shown,
            )
        mapping: dict[int, int] = {}
        support: dict[int, list[str]] = {}
        for sentence in result.kept:
            for old in sentence.cites:
                mapping.setdefault(old, len(mapping) + 1)
                support.setdefault(old, []).append(sentence.text)
        cited = [
            (new, shown[old - 1], pick_quote(shown[old - 1].text, " ".join(support[old])))
            for old, new in mapping.items()
        ]
        return LLMOutcome(
            ok=True,
            text=renumber_citations(result.text, mapping),
            cited=cited,
            dropped=result.dropped,
            error=None,
            passages=shown,
        )
