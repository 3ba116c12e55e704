"""The LLM answer as it is released: blocks per part, citation numbers across the whole answer.

Every piece of text goes to the client through `release`, and the final `Answer.answer` is the
concatenation of what was released, so the page shows exactly what the answer event holds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from assistant.models import AnswerPart, Chunk, Citation
from assistant.rules.grounding import pick_quote, renumber_citations


@dataclass
class _Entry:
    citation: Citation
    chunk: Chunk | None = None  # set for a passage the model cited: its quote is picked at the end
    support: list[str] = field(default_factory=list)


class CitationBook:
    """Numbers in order of first release; a passage the model cites gets the quote that best
    supports the sentences citing it, an engine citation keeps its own quote."""

    def __init__(self) -> None:
        self._entries: list[_Entry] = []

    def passage(self, chunk: Chunk, sentence: str) -> int:
        for i, e in enumerate(self._entries, start=1):
            if e.chunk is not None and e.chunk.chunk_id == chunk.chunk_id:
                e.support.append(sentence)
                return i
        n = len(self._entries) + 1
        citation = Citation(
            n=n,
            division=chunk.division,
            doc_title=chunk.doc_title,
            section=chunk.section,
            quote="",
            chunk_id=chunk.chunk_id,
            context=chunk.text,
        )
        self._entries.append(_Entry(citation, chunk, [sentence]))
        return n

    def engine(self, citation: Citation) -> int:
        for i, e in enumerate(self._entries, start=1):
            c = e.citation
            if e.chunk is None and c.chunk_id == citation.chunk_id and c.quote == citation.quote:
                return i
        n = len(self._entries) + 1
        self._entries.append(_Entry(citation.model_copy(update={"n": n})))
        return n

    def citations(self) -> list[Citation]:
        out = []
        for e in self._entries:
            if e.chunk is not None:
                quote = pick_quote(e.chunk.text, " ".join(e.support))
                out.append(e.citation.model_copy(update={"quote": quote}))
            else:
                out.append(e.citation)
        return out


class AnswerWriter:
    """Releases text to `on_token` block by block; a block's prefix waits for its first content."""

    def __init__(self, on_token: Callable[[str], None] | None) -> None:
        self._on_token = on_token
        self.book = CitationBook()
        self.text = ""
        self.parts: list[AnswerPart] = []
        self._pending = ""
        self._block = ""
        self._block_nums: list[int] = []

    @property
    def released(self) -> bool:
        return bool(self.text)

    @property
    def block_released(self) -> bool:
        return bool(self._block)

    def start_block(self, prefix: str, lead: str = "", *, above: str = "") -> None:
        """A new block: its ordinal prefix (（一）), a lead line of the engine's (a scope note), and
        a note said once above every block; all released with the block's first content."""
        self._pending = ("\n\n" if self.text else "") + (above + "\n\n" if above else "") + prefix
        self._pending += lead + "\n" if lead else ""
        self._block = lead + "\n" if lead else ""
        self._block_nums = []

    def release(self, text: str) -> None:
        out, self._pending = self._pending + text, ""
        self.text += out
        self._block += text
        if self._on_token is not None and out:
            self._on_token(out)

    def model_text(self, text: str, cited: dict[int, Chunk]) -> None:
        """A checked piece of the model's text; `cited` maps its passage numbers to chunks."""
        mapping = {n: self.book.passage(chunk, text) for n, chunk in cited.items()}
        self._block_nums += [m for m in mapping.values() if m not in self._block_nums]
        self.release(renumber_citations(text, mapping) if mapping else text)

    def engine_text(self, text: str, citations: list[Citation]) -> None:
        """The engine's own text for a part, its citation markers renumbered into this answer."""
        mapping = {c.n: self.book.engine(c) for c in citations}
        self._block_nums += [m for m in mapping.values() if m not in self._block_nums]
        self.release(renumber_citations(text, mapping) if mapping else text)

    def end_block(self, part: AnswerPart) -> None:
        self.parts.append(part.model_copy(update={"answer": self._block.strip(), "citations": self._block_nums}))
        self._pending = ""

    def tail(self, text: str) -> None:
        """A closing line (the 【提示】 note) after everything else."""
        self._pending = "\n\n" if self.text else ""
        self.release(text)
