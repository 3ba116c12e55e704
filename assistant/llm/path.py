"""LLM mode on top of the engine: the engine decides, the model writes, grounding gates every sentence.

The engine has already resolved the question, split it into parts, scoped each part and decided
its status. Here the model writes the text of the answered parts only (one chain run per part,
passages scoped to the part's divisions); every other part keeps the engine's text. One deadline
(LLM_TIMEOUT) covers the whole answer. Any failure before anything was released gives the
extractive answer with a visible 【提示】; after that, what was released stands and the rest of the
answer comes from the engine, with the reason said.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from langchain_core.runnables import Runnable

from assistant.errors import LLMError
from assistant.models import Answer, AnswerPart, Chunk, Citation
from assistant.rules.index import KnowledgeIndex

from .cache import AnswerCache, cache_key
from .chain import ChainEvent, Finished, PartRequest, Shown
from .chat import llm_error, watching
from .checked_stream import Drop, Emit
from .deadline import DeadlineExceeded, until
from .writer import AnswerWriter

log = logging.getLogger(__name__)

_ORDINALS = "一二三四五六七八九十"
_NOTE_LINE = re.compile(r"（(?![一二三四五六七八九十\d]+）)[^\n]+）")  # a scope note, not an ordinal
_MAX_CONDENSED = 200
_LABEL = re.compile(r"^(?:独立问题|改写后的问题|问题|standalone question)\s*[:：]\s*", re.I)


@dataclass
class GroundingStats:
    """Sentences the model wrote and how many grounding dropped, over this process (for eval)."""

    sentences: int = 0
    dropped: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, sentences: int, dropped: int) -> None:
        with self._lock:
            self.sentences += sentences
            self.dropped += dropped

    @property
    def dropped_share(self) -> float | None:
        return round(self.dropped / self.sentences, 4) if self.sentences else None


@dataclass
class _Outcome:
    released: int = 0  # checked pieces released
    dropped: int = 0
    error: str | None = None  # why the model's text for the part stopped or never came
    complete: bool = True


class LLMPath:
    """Implements the engine's `LLMBackend` with the LCEL chains (see `chain.py`)."""

    def __init__(
        self,
        *,
        answer: Runnable[PartRequest, ChainEvent],
        condense: Runnable[dict[str, str], str],
        index: KnowledgeIndex,
        timeout: float,
        cache: AnswerCache | None,
        config_key: str,
        base_url: str = "",
    ) -> None:
        self.answer_chain = answer
        self.condense_chain = condense
        self.timeout = timeout
        self.cache = cache
        self.config_key = config_key
        self.base_url = base_url
        self.stats = GroundingStats()
        self._chunks = {c.chunk_id: c for c in index.chunks}

    # -- a follow-up the engine could not resolve -------------------------------------------------

    def condense(self, question: str, history: list[str], *, started: float) -> str | None:
        """The standalone question the model reads from the conversation, or None (no reading, a
        failure, or the same question back). The engine answers it as if it had been typed."""
        turns = "\n".join(f"{i}. {t}" for i, t in enumerate(history, start=1))
        variables = {"history": turns, "question": question}
        try:
            replies = list(until(started + self.timeout, lambda: [self.condense_chain.invoke(variables)], seconds=self.timeout))
        except Exception as exc:  # noqa: BLE001 - condensing is optional: the engine's reading stands
            log.warning("condensing a follow-up failed: %s", llm_error(exc, base_url=self.base_url).message)
            return None
        lines = [ln.strip() for ln in (replies[0] if replies else "").splitlines() if ln.strip()]
        text = _LABEL.sub("", lines[0]).strip(" \"'“”「」") if lines else ""
        if not text or len(text) > _MAX_CONDENSED or text == question.strip():
            return None
        return text

    # -- the answer ----------------------------------------------------------------------------------

    def answer_with_fallback(
        self, extractive: Answer, on_token: Callable[[str], None] | None, *, started: float
    ) -> Answer:
        """The model's grounded text for the answered parts, streamed sentence by sentence to
        `on_token`; the returned answer's text is exactly what was streamed."""
        if not any(p.status == "answered" for p in extractive.parts):
            return extractive  # nothing for the model to write: clarify and silences are the engine's
        key = cache_key(extractive, self.config_key)
        cached = self.cache.get(key) if self.cache is not None else None
        if cached is not None:
            if on_token is not None:
                on_token(cached.answer)
            return cached
        deadline = started + self.timeout
        writer = AnswerWriter(on_token)
        problems: list[str] = []
        dropped = 0
        blocks = _distinct(extractive.parts)
        preamble = _preamble(extractive, blocks)
        for i, part in enumerate(blocks):
            prefix = f"（{_ORDINALS[i] if i < len(_ORDINALS) else i + 1}）" if len(blocks) > 1 else ""
            lead, body = _split_lead(part.answer)
            writer.start_block(prefix, lead, above=preamble if i == 0 else "")
            own = [extractive.citations[n - 1] for n in part.citations if 0 < n <= len(extractive.citations)]
            late = part.status == "answered" and time.perf_counter() >= deadline
            if late and not writer.released:
                return _fallback(extractive, f"大模型在 {self.timeout:g} 秒内没有完成回答")
            if part.status != "answered" or late:
                if late:
                    problems.append(f"大模型在 {self.timeout:g} 秒内没有完成回答，其余部分为通知原文摘录")
                writer.engine_text(body, own)
                writer.end_block(part)
                continue
            outcome = self._model_block(part, own, writer, deadline)
            dropped += outcome.dropped
            if not writer.block_released:
                reason = outcome.error or "大模型没有给出可核实的回答"
                if not writer.released:
                    return _fallback(extractive, reason)
                problems.append(f"{prefix}{reason.rstrip('。')}，改为通知原文摘录")
                writer.engine_text(body, own)
            elif outcome.error:
                problems.append(f"{prefix}{outcome.error.rstrip('。')}，只保留了已核实的完整句子")
            writer.end_block(part)
        notes = list(dict.fromkeys(problems))
        if notes:
            writer.tail("【提示】" + "；".join(notes) + "。")
        note_parts = [f"已删除 {dropped} 句无法在通知原文中核实的内容。"] if dropped else []
        note_parts += [n + "。" for n in notes]
        answer = Answer(
            question=extractive.question,
            answer=writer.text,
            status=extractive.status,
            divisions=extractive.divisions,
            citations=writer.book.citations(),
            mode="llm",
            note="".join(note_parts) or None,
            resolved_question=extractive.resolved_question,
            parts=_every_part(extractive.parts, blocks, writer.parts),
        )
        if self.cache is not None and not notes:
            self.cache.put(key, answer)
        return answer

    def _model_block(self, part: AnswerPart, own: list[Citation], writer: AnswerWriter, deadline: float) -> _Outcome:
        pinned = [self._chunks[c.chunk_id] for c in own if c.chunk_id in self._chunks]
        request = PartRequest(question=part.question, divisions=list(part.divisions), pinned=pinned)

        def produce() -> Iterator[ChainEvent]:
            with watching(request.watch):
                yield from self.answer_chain.stream(request)

        outcome = _Outcome()
        shown: list[Chunk] = []
        try:
            for event in until(deadline, produce, seconds=self.timeout):
                if isinstance(event, Shown):
                    shown = [p.chunk for p in event.passages]
                elif isinstance(event, Emit):
                    cited = {n: shown[n - 1] for n in event.cites if 0 < n <= len(shown)}
                    writer.model_text(event.text, cited)
                    outcome.released += 1
                elif isinstance(event, Drop):
                    outcome.dropped += 1
                elif isinstance(event, Finished) and not event.complete:
                    outcome.complete = False
                    outcome.error = _incomplete(event)
        except DeadlineExceeded as exc:
            outcome.complete, outcome.error = False, exc.message
        except LLMError as exc:
            outcome.complete, outcome.error = False, exc.message
        except Exception as exc:  # noqa: BLE001 - any client failure falls back; logged in llm_error
            outcome.complete, outcome.error = False, llm_error(exc, base_url=self.base_url, timeout=self.timeout).message
        if outcome.released == 0 and outcome.error is None and outcome.dropped:
            total = outcome.dropped + outcome.released
            outcome.error = f"大模型的回答中有 {outcome.dropped}/{total} 句无法在所引通知原文中核实"
        elif outcome.released == 0 and outcome.error is None:
            outcome.error = "大模型判断通知未规定该内容"
        self.stats.add(outcome.released + outcome.dropped, outcome.dropped)
        return outcome


def _incomplete(event: Finished) -> str:
    if event.finish_reason == "length":
        return "大模型的回答达到长度上限被截断"
    if event.finish_reason == "content_filter":
        return "大模型的回答被内容过滤截断"
    if event.finish_reason not in (None, "stop"):
        return f"大模型的回答异常结束（finish_reason={event.finish_reason}）"
    return "大模型的回答没有正常结束（数据流中断）"


def _distinct(parts: list[AnswerPart]) -> list[AnswerPart]:
    """Parts that came to the same engine text are said once (as the engine composes them)."""
    seen: set[str] = set()
    out = []
    for p in parts:
        if p.answer not in seen:
            seen.add(p.answer)
            out.append(p)
    return out


def _every_part(parts: list[AnswerPart], blocks: list[AnswerPart], written: list[AnswerPart]) -> list[AnswerPart]:
    """Each of the engine's parts, in order, with the text written for its block (a part whose
    engine text repeated an earlier part's shares that part's block)."""
    by_text = {b.answer: w for b, w in zip(blocks, written, strict=True)}
    return [
        p.model_copy(update={"answer": by_text[p.answer].answer, "citations": by_text[p.answer].citations})
        for p in parts
    ]


def _preamble(extractive: Answer, blocks: list[AnswerPart]) -> str:
    """The note every part shares, said once above the parts: "（申报书问题按山西分赛回答）"."""
    if len(blocks) < 2:
        return ""
    head = extractive.answer.split("\n\n", 1)[0]
    return head if _NOTE_LINE.fullmatch(head) else ""


def _split_lead(text: str) -> tuple[str, str]:
    """A part's scope note line ("（已按陕西分赛回答）") stays the engine's; the rest is the body."""
    first, _, rest = text.partition("\n")
    if rest and _NOTE_LINE.fullmatch(first):
        return first, rest
    return "", text


def _fallback(extractive: Answer, reason: str) -> Answer:
    note = f"{reason.rstrip('。')}。以下为通知原文摘录。"
    return extractive.model_copy(update={"answer": f"【提示】{note}\n{extractive.answer}", "note": note})
