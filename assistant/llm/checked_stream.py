"""Grounding while the model streams: nothing is released before its sentence is complete and checked.

The stream is buffered until a sentence ends (。！？；, a line break, or the end of a complete
reply, with the citation markers that follow a terminator). Each sentence is then checked against
the passages it cites (`rules.grounding.ground_answer`: numbers, dates, amounts, phones, e-mails,
URLs, citation numbers that exist) and against the divisions it names; only then is it released.
A lead-in ("山西分赛：") or a "通知未规定" sentence waits for a grounded sentence after it, so a
reply that grounds nothing releases nothing. A failing sentence is dropped and counted.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from assistant.models import DivisionId
from assistant.rules import divisions as div
from assistant.rules.grounding import citation_numbers, ground_answer, strip_citations
from assistant.rules.text import canonical_question

_TERMINATORS = "。！？；!?;"
_MARKER = re.compile(r"\s*[\[［【]\s*\d{1,3}(?:\s*[,，、;；]\s*\d{1,3})*\s*[\]］】]")
_MARKER_START = re.compile(r"\s*(?:[\[［【][\d\s,，、;；]*)?")  # what could still grow into a marker
_LAYOUT = re.compile(r"[\s\-—–*_=#|>·•]+")  # a rule or bullet glyphs alone: no words, nothing to check
_MAX_BREAKS = 2

Verdict = Literal["keep", "silent", "lead", "drop", "layout"]


@dataclass(frozen=True)
class Emit:
    """Checked text to release now (leading line breaks included), with the passages it cites."""

    text: str
    cites: list[int]


@dataclass(frozen=True)
class Drop:
    """A sentence that failed grounding (never released)."""

    sentence: str


Event = Emit | Drop


@dataclass
class _Held:
    kind: Literal["lead", "silent"]
    text: str
    breaks: int


@dataclass
class SentenceGate:
    """Feed it the model's deltas; it returns what may be released, in order.

    `sources[i]` is passage `[i+1]` as the model saw it; `divisions[i]` is its division.
    """

    sources: Sequence[str]
    divisions: Sequence[DivisionId]
    kept: int = 0
    dropped: list[str] = field(default_factory=list)
    cut: str = ""  # an unfinished sentence at the end of an incomplete reply
    _buf: str = ""
    _breaks: int = 0  # line breaks between the last released text and what comes next
    _run: int = 0
    _held: list[_Held] = field(default_factory=list)
    _dirty: bool = False  # a sentence was dropped after the held lead-ins
    _released: bool = False

    @property
    def released(self) -> bool:
        return self._released

    def feed(self, delta: str) -> list[Event]:
        self._buf += delta
        return self._drain(final=False)

    def close(self, *, complete: bool) -> list[Event]:
        """The end of the reply. An incomplete reply's unfinished last sentence is never released."""
        events = self._drain(final=True, complete=complete)
        if self._released:
            silent = [h for h in self._held if h.kind == "silent"]
            if silent:
                text = self._join(silent)
                events.append(Emit(text, citation_numbers(text)))
        self._held.clear()
        return events

    # -- splitting ---------------------------------------------------------------------------------

    def _drain(self, *, final: bool, complete: bool = True) -> list[Event]:
        events: list[Event] = []
        while self._buf:
            end, newline = self._boundary(self._buf, final)
            if end is None:
                break
            piece, self._buf = self._buf[:end], self._buf[end + (1 if newline else 0) :]
            if final and not newline and not self._buf and not complete and not _ends_sentence(piece):
                self.cut = piece.strip()
                break
            if piece.strip():
                events += self._sentence(piece)
            if newline:
                self._run += 1
                self._breaks = max(self._breaks, self._run)
        return events

    @staticmethod
    def _boundary(buf: str, final: bool) -> tuple[int | None, bool]:
        """(end of the first complete sentence, whether a line break ends it); None: wait for more."""
        i = 0
        while i < len(buf):
            ch = buf[i]
            if ch == "\n":
                return i, True
            if ch in _TERMINATORS:
                j = i
                while j < len(buf) and buf[j] in _TERMINATORS:
                    j += 1
                while (m := _MARKER.match(buf, j)) is not None:
                    j = m.end()
                rest = buf[j:]
                if not final and _MARKER_START.fullmatch(rest):
                    return None, False  # more terminators or a citation marker may follow
                return j, False
            i += 1
        return (len(buf), False) if final else (None, False)

    # -- checking ----------------------------------------------------------------------------------

    def verdict(self, sentence: str) -> Verdict:
        if _LAYOUT.fullmatch(sentence):
            return "layout"
        if ground_answer(strip_citations(sentence), self.sources).silent:
            return "silent"  # "通知未规定…", cited or not: it states nothing to check
        result = ground_answer(sentence, self.sources, min_ratio=0.0)
        if result.kept:
            return "keep" if self._divisions_match(sentence) else "drop"
        if result.dropped or result.text:  # failed, or no words at all (a stray marker)
            return "drop"
        return "lead"

    def _divisions_match(self, sentence: str) -> bool:
        """A sentence naming regional divisions cites a passage of at least one of them (or of a
        national document that division adopts): 陕西 figures are never told from a 山西 passage."""
        named = [d for d in div.detect(canonical_question(strip_citations(sentence))) if d in div.REGIONAL]
        if not named:
            return True
        cited = {self.divisions[n - 1] for n in citation_numbers(sentence) if 0 < n <= len(self.divisions)}
        return any(d in cited or cited & set(div.COMPANIONS.get(d, ())) for d in named)

    def _sentence(self, piece: str) -> list[Event]:
        kind = self.verdict(piece)
        self._run = 0
        if kind == "drop":
            self.dropped.append(piece.strip())
            self._dirty = True
            return [Drop(piece.strip())]
        if kind == "lead":
            if self._dirty:
                self._held = [h for h in self._held if h.kind != "lead"]  # its content was dropped
                self._dirty = False
            self._held.append(_Held("lead", piece, self._breaks))
            self._breaks = 0
            return []
        if kind == "silent" and not self._released:
            self._held.append(_Held("silent", piece, self._breaks))
            self._breaks = 0
            return []
        if kind == "keep":
            self.kept += 1
        held = [*self._held, _Held("silent", piece, self._breaks)]  # the kind of the last is unused
        self._held.clear()
        self._dirty = False
        text = self._join(held)
        return [Emit(text, citation_numbers(text))]

    def _join(self, items: list[_Held]) -> str:
        out = []
        for h in items:
            breaks = min(h.breaks, _MAX_BREAKS) if self._released else 0
            out.append("\n" * breaks + (h.text.lstrip() if breaks or not self._released else h.text))
            self._released = True
        self._breaks = 0
        return "".join(out)


def _ends_sentence(piece: str) -> bool:
    body = _MARKER.sub("", piece).rstrip()
    return bool(body) and body[-1] in _TERMINATORS
