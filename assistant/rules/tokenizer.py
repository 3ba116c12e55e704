"""The index's own tokenizer: a private jieba instance with the domain dictionary, the one stop
list, and homophone repair of typed questions (塞道 → 赛道, 申保书 → 申报书).

Nothing here touches process-wide state: each `KnowledgeIndex` owns one `Tokenizer`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

import jieba
from pypinyin import lazy_pinyin

from . import tables
from .text import nfkc

_TOKEN_OK = re.compile(r"[\w×]")
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_MAX_CACHE = 4096
logging.getLogger("jieba").setLevel(logging.WARNING)


class Tokenizer:
    """Words (precise mode) for question terms, tokens (search mode) for BM25."""

    def __init__(self, extra_terms: Iterable[str] = ()) -> None:
        self._jieba = jieba.Tokenizer()
        self._jieba.initialize()
        self.domain_terms: list[str] = [t.term for t in tables.terms().terms]
        for term in self.domain_terms:
            self._jieba.add_word(term, freq=50000)
        for syn in tables.synonyms().synonyms:
            if len(syn.word) >= 2:
                self._jieba.add_word(syn.word, freq=30000)  # colloquial words stay whole: 最晚, 吃住
        for term in extra_terms:
            if 2 <= len(term) <= 16:
                self._jieba.add_word(term, freq=20000)
                self.domain_terms.append(term)
        self._domain_set = frozenset(self.domain_terms)
        self.stopwords = tables.stopwords()
        self._shape = tables.stop_shape()
        self._suffixes = tables.stop_suffixes()
        self._words: dict[str, list[str]] = {}
        self._tokens: dict[str, list[str]] = {}
        self._pinyin: dict[str, str] = {}
        self._sound_of: dict[str, str] = {}
        self._fix_cache: dict[str, str] = {}
        self._build_sounds()

    # -- tokens ----------------------------------------------------------------------------------

    def _kept(self, raw: Iterable[str]) -> list[str]:
        out: list[str] = []
        for t in raw:
            t = t.strip()
            for suffix in self._suffixes:
                rest = t[: -len(suffix)]
                if len(t) > len(suffix) and t.endswith(suffix) and t not in self._domain_set and rest not in self.stopwords:
                    t = t[: -len(suffix)]
            if t and t not in self.stopwords and not self._shape.fullmatch(t) and _TOKEN_OK.search(t):
                out.append(t)
        return out

    def words(self, text: str) -> list[str]:
        """Precise-mode words without stop words (no overlapping sub-words): a question's terms."""
        hit = self._words.get(text)
        if hit is None:
            hit = self._kept(self._cut(nfkc(text).lower()))
            if len(self._words) > _MAX_CACHE:
                self._words.clear()
            self._words[text] = hit
        return list(hit)

    def raw_words(self, text: str) -> list[str]:
        """Precise-mode words with stop words kept (for splitting and follow-up analysis)."""
        return [w for w in self._cut(nfkc(text).lower()) if w.strip()]

    def _cut(self, text: str) -> list[str]:
        """Precise mode, where a domain term wins its boundary: "两边报名" is 两边 + 报名, not the
        colloquial 两边报 + 名 (a word ending in a domain term's first character gives it back)."""
        words: list[str] = list(self._jieba.lcut(text))
        i = 0
        while i + 1 < len(words):
            w, nxt = words[i], words[i + 1]
            if (
                len(w) > 2
                and w not in self._domain_set
                and w[-1] + nxt in self._domain_set
                and nxt not in self._domain_set
                and self._jieba.FREQ.get(w[:-1])
            ):
                words[i : i + 2] = [w[:-1], w[-1] + nxt]
            i += 1
        return words

    def tokens(self, text: str) -> list[str]:
        """Search-mode tokens without stop words or punctuation: BM25's vocabulary."""
        hit = self._tokens.get(text)
        if hit is None:
            hit = self._kept(self._jieba.cut_for_search(nfkc(text).lower()))
            if len(self._tokens) > _MAX_CACHE:
                self._tokens.clear()
            self._tokens[text] = hit
        return list(hit)

    def exact_pieces(self, word: str) -> list[str]:
        """The dictionary words that make up `word` exactly (no HMM guessing), or [] if it is one."""
        parts = [w for w in self._jieba.lcut(word, HMM=False) if w.strip()]
        if len(parts) > 1:
            return parts
        # A dictionary word of its own (咨询电话): its search-mode words, when they spell it out.
        subs = [w for w in self._jieba.cut_for_search(word) if w != word and w.strip()]
        for size in (2, 3):
            pieces = [word[i : i + size] for i in range(0, len(word), size)]
            if len(pieces) > 1 and all(p in subs for p in pieces):
                return pieces
        return []

    def pieces(self, word: str) -> list[str]:
        """The shorter words a word is made of (search mode), without stop words."""
        return [w for w in self._kept(self._jieba.cut_for_search(word)) if w != word]

    def is_word(self, text: str) -> bool:
        """A word of jieba's dictionary or the domain dictionary."""
        return bool(self._jieba.FREQ.get(text))

    # -- homophones ------------------------------------------------------------------------------

    def _sound(self, text: str) -> str:
        parts: list[str] = []
        for ch in text:
            p = self._pinyin.get(ch)
            if p is None:
                p = lazy_pinyin(ch)[0]
                self._pinyin[ch] = p
            parts.append(p)
        return " ".join(parts)

    def _build_sounds(self) -> None:
        """Pinyin of every domain term; a sound shared by two terms repairs nothing."""
        owners: dict[str, set[str]] = {}
        for term in self.domain_terms:
            if 2 <= len(term) <= 6 and _CJK_RUN.fullmatch(term):
                owners.setdefault(self._sound(term), set()).add(term)
        self._sound_of = {s: next(iter(ts)) for s, ts in owners.items() if len(ts) == 1}

    def repair(self, text: str) -> str:
        """Replace a typed homophone of a domain term (a run jieba does not know as a word)."""
        hit = self._fix_cache.get(text)
        if hit is not None:
            return hit
        out = _CJK_RUN.sub(lambda m: self._repair_run(m.group(0)), text)
        if len(self._fix_cache) > _MAX_CACHE:
            self._fix_cache.clear()
        self._fix_cache[text] = out
        return out

    def _repair_run(self, run: str) -> str:
        # A repair never cuts a word jieba sees in the run ("分赛去年" is 分赛|去年, not 分赛区|年).
        bounds = {0}
        for w in self._jieba.lcut(run, HMM=False):  # dictionary words only: unknown runs stay open
            bounds.add(max(bounds) + len(w))
        out: list[str] = []
        i = 0
        while i < len(run):
            for size in range(min(6, len(run) - i), 1, -1):
                window = run[i : i + size]
                if i not in bounds or i + size not in bounds or self.is_word(window):
                    continue
                term = self._sound_of.get(self._sound(window))
                if term is not None and term != window and len(term) == len(window):  # a homophone keeps its length
                    out.append(term)
                    i += size
                    break
            else:
                out.append(run[i])
                i += 1
        return "".join(out)
