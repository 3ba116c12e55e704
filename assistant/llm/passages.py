"""Numbered passages for the model, fitted to the token budget (tiktoken, offline BPE files).

A passage is shown as `[n] 分赛：…｜文件：…｜章节：…` and its verbatim text; grounding checks a
sentence against exactly that (header included), so a title's year counts as stated.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from langchain_core.messages import BaseMessage

from assistant.models import Chunk
from assistant.rules import divisions as div
from assistant.tokens import count_tokens, fit_passages, truncate_to_tokens

MESSAGE_OVERHEAD = 8  # tokens the chat format adds around each message
_MIN_HEAD = 100  # below this budget one long passage is not worth its head


@dataclass(frozen=True)
class Passage:
    n: int  # the number the model cites, from 1
    chunk: Chunk
    text: str  # what the model reads (the chunk's text, or the head that fitted)

    @property
    def header(self) -> str:
        label = div.NAMES.get(self.chunk.division, self.chunk.division)
        return f"[{self.n}] 分赛：{label}｜文件：{self.chunk.doc_title}｜章节：{self.chunk.section}"

    @property
    def block(self) -> str:
        return f"{self.header}\n{self.text.strip()}"

    @property
    def source(self) -> str:
        """What a sentence citing this passage is checked against."""
        return f"{self.header}\n{self.text}"


def prompt_tokens(messages: Sequence[BaseMessage]) -> int:
    return sum(count_tokens(str(m.content)) + MESSAGE_OVERHEAD for m in messages)


def fit(chunks: Sequence[Chunk], budget: int) -> list[Passage]:
    """The first chunks (distinct, in order) whose blocks fit `budget` tokens, numbered [1]..[k]."""
    unique: list[Chunk] = []
    for c in chunks:
        if all(c.chunk_id != u.chunk_id for u in unique):
            unique.append(c)
    blocks = [Passage(i + 1, c, c.text).block + "\n\n" for i, c in enumerate(unique)]
    k = fit_passages(blocks, budget)
    if k == 0 and unique and budget > _MIN_HEAD:  # one long passage: its head rather than nothing
        first = Passage(1, unique[0], unique[0].text)
        room = budget - count_tokens(first.header) - 2
        return [Passage(1, unique[0], truncate_to_tokens(unique[0].text, room))]
    return [Passage(i + 1, c, c.text) for i, c in enumerate(unique[:k])]


def render(passages: Sequence[Passage]) -> str:
    return "\n\n".join(p.block for p in passages)
