"""Streaming an answer: the LLM's checked sentences as they are released; an extractive answer in
small pieces.

`Engine.ask` runs in a worker thread that feeds a queue, so a page or an SSE response can forward
text while the answer is being made. The LLM path releases only grounded text and its answer is
what it released, so the pieces always add up to the final `Answer`: whatever of the answer was
not streamed (a fallback, a closing note) is sent as pieces before it.
"""

from __future__ import annotations

import logging
import queue
import re
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from assistant.errors import InputError
from assistant.models import Answer
from assistant.rules import divisions as div
from assistant.rules.pipeline import Engine, user_turns, validate_question

from .security import invalid_text_message

log = logging.getLogger(__name__)
_PIECE_RE = re.compile(r"\[\d+\]|[^\[]{1,8}|\[")


@dataclass(frozen=True)
class Piece:
    text: str


def pieces(text: str) -> list[str]:
    """Short slices of an answer that never split a citation marker like [12]."""
    return _PIECE_RE.findall(text)


def stream_answer(
    assistant: Engine,
    question: str,
    division: str | None,
    *,
    history: Sequence[object] | None = None,
    locked: bool = False,
) -> Iterator[Piece | Answer]:
    """`Piece`s then the `Answer`; bad input raises `InputError` here, before anything is streamed.

    The engine takes the server's CPU slot itself, around its CPU-bound stages only.
    """
    problem = invalid_text_message([question, division or "", *(t for t in history or () if isinstance(t, (str, dict)))])
    if problem:
        raise InputError(problem)
    validate_question(question)
    div.parse(division)
    user_turns(history)
    return _run(assistant, question, division, history, locked)


def _run(
    assistant: Engine, question: str, division: str | None, history: Sequence[object] | None, locked: bool
) -> Iterator[Piece | Answer]:
    events: queue.Queue[tuple[str, object]] = queue.Queue()

    def run() -> None:
        try:
            answer = assistant.ask(
                question, division, history, on_token=lambda t: events.put(("token", t)), locked=locked
            )
            events.put(("answer", answer))
        except Exception as exc:  # noqa: BLE001 - handed to the consumer's thread, which reports it
            events.put(("error", exc))

    threading.Thread(target=run, name="ask-stream", daemon=True).start()
    streamed = ""
    while True:
        kind, payload = events.get()
        if kind == "token":
            streamed += str(payload)
            yield Piece(str(payload))
        elif kind == "answer":
            assert isinstance(payload, Answer)
            if payload.answer.startswith(streamed):
                for text in pieces(payload.answer[len(streamed) :]):
                    yield Piece(text)
            else:  # never expected: the LLM path's answer is what it released
                log.error("streamed text is not a prefix of the answer (%d chars streamed)", len(streamed))
            yield payload
            return
        else:
            assert isinstance(payload, Exception)
            raise payload
