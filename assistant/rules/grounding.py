"""Check an LLM answer against the passages it cites; drop every sentence that is not grounded.

Pure functions, no I/O: the extractive path and the evaluation reuse `extract_numbers`,
`ungrounded_facts` and `pick_quote`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from .patterns import (
    CN_DIGITS,
    CN_NUMBER,
    CN_UNITS,
    DATE,
    EMAIL,
    MAGNITUDE,
    NUMBER,
    PHONE_LIKE,
    URL,
    cn_to_int,
)

# --- citation markers -------------------------------------------------------------------------

# [1] ［1］ 【1】 and lists such as [1,2] [1、3]; 〔2025〕 is a document-number bracket, never a citation.
_CITE_RE = re.compile(r"[\[［【]\s*(\d{1,3}(?:\s*[,，、;；]\s*\d{1,3})*)\s*[\]］】](?!\s*\d+\s*号)")
_TERMINATORS = "。！？；!?;"
_BULLET_RE = re.compile(
    r"^\s*(?:[-*•·●▪]\s+|\d{1,2}[.、)）](?!\d)\s*|[（(](?:\d{1,2}|[一二三四五六七八九十]{1,3})[)）]\s*|[一二三四五六七八九十]{1,3}、\s*)"
)
_SILENT_RE = re.compile(r"未(?:作)?(?:规定|提及|明确|说明|载明|写明)|没有(?:规定|提及|明确)|未找到")
_CONTENT_RE = re.compile(r"[\w\u4e00-\u9fff]")
_HEADING_RE = re.compile(r"^\s*(?:#{1,6}\s+.+|\*\*[^*]+\*\*[:：]?)\s*$")
_SPACES_RE = re.compile(r"\s*")


def citation_numbers(sentence: str) -> list[int]:
    """The passage numbers a sentence cites, in order, without repeats."""
    seen: list[int] = []
    for m in _CITE_RE.finditer(sentence):
        for part in re.split(r"[,，、;；\s]+", m.group(1)):
            if part and int(part) not in seen:
                seen.append(int(part))
    return seen


def strip_citations(text: str) -> str:
    return _CITE_RE.sub("", text)


def renumber_citations(text: str, mapping: dict[int, int]) -> str:
    """Rewrite every marker to the canonical `[n]` form using `mapping` (old → new)."""

    def repl(m: re.Match[str]) -> str:
        nums = [int(p) for p in re.split(r"[,，、;；\s]+", m.group(1)) if p]
        return "".join(f"[{mapping[n]}]" for n in nums if n in mapping)

    return _CITE_RE.sub(repl, text)


# --- sentences ----------------------------------------------------------------------------------


def _split_line(line: str) -> list[str]:
    """Split one line after each terminator run, keeping the citation markers that follow it."""
    out: list[str] = []
    start = i = 0
    while i < len(line):
        if line[i] in _TERMINATORS:
            while i < len(line) and line[i] in _TERMINATORS:
                i += 1
            while True:
                spaces = _SPACES_RE.match(line, i)
                c = _CITE_RE.match(line, spaces.end() if spaces else i)
                if not c:
                    break
                i = c.end()
            out.append(line[start:i])
            start = i
        else:
            i += 1
    if line[start:].strip():
        out.append(line[start:])
    elif out:
        out[-1] += line[start:]
    return out


def split_sentences(text: str) -> list[str]:
    """Sentences of an answer: split at 。！？；, line breaks and bullets; markers stay with their sentence."""
    return [s for line in text.split("\n") for s in _split_line(line) if s.strip()]


# --- facts: numbers, dates, amounts, phones, e-mails, URLs -------------------------------------

_CN_DIGITS = CN_DIGITS
_CN_UNITS = CN_UNITS
_MAGNITUDE = MAGNITUDE
_CN_NUM_RE = CN_NUMBER
_URL_RE = URL
_EMAIL_RE = EMAIL
_PHONE_RE = PHONE_LIKE
_DATE_RE = DATE
_NUM_RE = NUMBER


_BRACKETS = str.maketrans("〔〕【】（）", "[][]()")


def normalize(text: str) -> str:
    """Width, spacing and bracket variants folded so "2025 年" matches "2025年" and "〔2025〕" matches "[2025]"."""
    text = unicodedata.normalize("NFKC", text)
    text = text.translate(_BRACKETS)
    text = re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", text)  # 100,000 → 100000
    return re.sub(r"\s+", "", text)


_cn_to_int = cn_to_int


def _canon(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


@dataclass(frozen=True)
class Fact:
    """One checkable fact of a text.

    `forms` are every spelling it may be matched by when it sits in a source; `need` are the
    spellings of which one must occur in the sources when it sits in an answer (an amount with
    万/亿 must match by its scaled value, so "50万元" is not grounded by a bare "50").
    """

    kind: str  # number | date | phone | email | url
    text: str
    forms: frozenset[str]
    need: frozenset[str]


def _fact(kind: str, text: str, forms: set[str], need: set[str] | None = None) -> Fact:
    return Fact(kind, text, frozenset(forms), frozenset(need if need is not None else forms))


def _is_date(m: re.Match[str]) -> bool:
    month, day = int(m.group(2)), int(m.group(3))
    sep = m.group(0)[m.end(2) - m.start() :].lstrip()[:1]
    return 1 <= month <= 12 and 1 <= day <= 31 and (sep in "月-/" or "日" in m.group(0))


def extract_numbers(text: str) -> list[Fact]:
    """Every number, date, amount, phone, e-mail and URL in `text`, with its normalised forms.

    Amounts carry the bare and the scaled value ("5 万元" → 5 and 50000), so "50000元" and
    "5万元" match; Chinese numerals count only before a measure word ("三个", "五万元"), never
    in "一等奖"; "2025 年" and "２０２５年" both give 2025.
    """
    facts: list[Fact] = []
    t = unicodedata.normalize("NFKC", text)
    t = re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", t)  # 100,000 → 100000
    for m in _URL_RE.finditer(t):
        url = re.sub(r"^(?:https?://)?(?:www\.)?", "", m.group(0).lower()).rstrip("/.,;)")
        facts.append(_fact("url", m.group(0), {url}))
    t = _URL_RE.sub(" ", t)
    for m in _EMAIL_RE.finditer(t):
        facts.append(_fact("email", m.group(0), {m.group(0).lower()}))
    t = _EMAIL_RE.sub(" ", t)
    for m in _PHONE_RE.finditer(t):
        digits = re.sub(r"\D", "", m.group(0))
        looks_dated = re.match(r"(?:19|20)\d{2}", digits) is not None
        if len(digits) >= 11 or (len(digits) >= 7 and not looks_dated):
            facts.append(_fact("phone", m.group(0), {digits}))
            t = t.replace(m.group(0), " ", 1)
    for m in _DATE_RE.finditer(t):
        if _is_date(m):
            facts.append(_fact("date", m.group(0), {f"{int(m.group(2))}-{int(m.group(3))}"}))
    for m in _NUM_RE.finditer(t):
        value = Decimal(m.group(0))
        forms = {_canon(value)}
        unit = re.match(r"\s*([万亿千])", t[m.end() :])
        if unit is None:
            facts.append(_fact("number", m.group(0), forms))
            continue
        scaled = _canon(value * _MAGNITUDE[unit.group(1)])
        facts.append(_fact("number", m.group(0), forms | {scaled}, {scaled}))
    for m in _CN_NUM_RE.finditer(t):
        n = _cn_to_int(m.group(1))
        if n is None or n <= 1:  # "一个", "一项" are prose, not facts
            continue
        literal = m.group(0) + t[m.end() : m.end() + 1]  # "三个", "五万"
        unit = re.match(r"([万亿])", t[m.end() :])
        canon = _canon(Decimal(n) * _MAGNITUDE[unit.group(1)]) if unit else str(n)
        facts.append(_fact("number", literal, {str(n), canon, literal}, {canon, literal}))
    return facts


def ungrounded_facts(sentence: str, sources: Sequence[str]) -> list[Fact]:
    """The facts of `sentence` that occur in none of `sources` (empty list → grounded)."""
    joined = "\n".join(sources)
    norm_src = normalize(joined).lower()
    src_forms: set[str] = set()
    for f in extract_numbers(joined):
        src_forms |= f.forms
    missing: list[Fact] = []
    for fact in extract_numbers(sentence):
        if fact.need & src_forms:
            continue
        if any(normalize(form).lower() in norm_src for form in fact.need if not form.isascii()):
            continue  # a Chinese numeral written the same way in the source
        if fact.kind in {"url", "email", "phone"} and any(form in norm_src for form in fact.need):
            continue
        missing.append(fact)
    return missing


# --- grounding an answer -----------------------------------------------------------------------


@dataclass
class GroundedSentence:
    text: str  # as written, markers included
    cites: list[int]


@dataclass
class GroundResult:
    ok: bool
    text: str  # kept sentences, original layout, original markers
    kept: list[GroundedSentence]
    dropped: list[str]
    silent: bool  # the model said the notices are silent and stated nothing checkable


def _is_lead_in(sentence: str) -> bool:
    """A lead-in such as "山西分赛奖项如下：" or a Markdown heading: no fact of its own."""
    body = strip_citations(sentence).strip()
    return (body.rstrip("* ").endswith(("：", ":")) or bool(_HEADING_RE.match(body))) and not extract_numbers(
        body
    )


def ground_answer(answer: str, passages: Sequence[str], *, min_ratio: float = 0.5) -> GroundResult:
    """Keep the sentences whose citations exist and whose facts occur in the passages they cite.

    `passages[i]` is the text of passage `[i+1]` as the model saw it (headers included).
    A sentence saying the notices are silent may stand without a citation if it states no fact.
    Not ok when no cited sentence survives or fewer than `min_ratio` of the sentences do.
    """
    kept: list[GroundedSentence] = []
    dropped: list[str] = []
    out_lines: list[str] = []
    counted = silent_kept = 0
    for line in answer.split("\n"):
        if not line.strip():
            out_lines.append("")  # keep paragraph breaks
            continue
        pending_lead: str | None = None
        kept_line: list[str] = []
        for i, sentence in enumerate(_split_line(line)):
            body = strip_citations(_BULLET_RE.sub("", sentence, count=1) if i == 0 else sentence).strip()
            if not _CONTENT_RE.search(body):
                kept_line.append(sentence)
                continue
            cites = citation_numbers(sentence)
            if not cites and _is_lead_in(sentence):
                pending_lead = sentence
                continue
            counted += 1
            if not cites and _SILENT_RE.search(body) and not extract_numbers(body):
                kept_line.append(sentence)
                silent_kept += 1
                continue
            if not cites or any(n < 1 or n > len(passages) for n in cites):
                dropped.append(sentence.strip())
                continue
            if ungrounded_facts(body, [passages[n - 1] for n in cites]):
                dropped.append(sentence.strip())
                continue
            if pending_lead is not None:
                kept_line.append(pending_lead)
                pending_lead = None
            kept_line.append(sentence)
            kept.append(GroundedSentence(sentence.strip(), cites))
        if pending_lead is not None and not kept_line:
            out_lines.append("\x00" + pending_lead)  # a lead-in line kept only if what follows survives
        elif any(_CONTENT_RE.search(strip_citations(s)) for s in kept_line):
            out_lines.append("".join(kept_line).rstrip())
    text = _drop_orphan_lead_ins(out_lines)
    survived = len(kept) + silent_kept
    ok = bool(kept) and counted > 0 and survived / counted >= min_ratio
    silent = not kept and silent_kept > 0
    return GroundResult(ok=ok, text=text.strip(), kept=kept, dropped=dropped, silent=silent)


def _drop_orphan_lead_ins(lines: list[str]) -> str:
    """Drop a lead-in whose following content line was removed; collapse repeated blank lines."""
    out: list[str] = []
    for i, line in enumerate(lines):
        if line.startswith("\x00"):
            nxt = next((x for x in lines[i + 1 :] if x), "")
            if nxt and not nxt.startswith("\x00"):
                out.append(line[1:])
        elif line or (out and out[-1]):
            out.append(line)
    return "\n".join(out)


# --- quotes --------------------------------------------------------------------------------------

_SEGMENT_RE = re.compile(r"[^。！？；\n]+[。！？；]?")


def _bigrams(text: str) -> set[str]:
    t = normalize(strip_citations(text))
    return {t[i : i + 2] for i in range(len(t) - 1)}


def _score(segment: str, sentence: str, want: set[str]) -> float:
    grams = _bigrams(segment)
    overlap = len(grams & _bigrams(sentence))
    seg_forms: set[str] = set()
    for f in extract_numbers(segment):
        seg_forms |= f.forms
    return overlap + 5 * len(want & seg_forms)


def pick_quote(chunk_text: str, sentence: str, *, limit: int = 120) -> str:
    """A verbatim substring of `chunk_text`, at most `limit` characters, that best supports `sentence`."""
    want: set[str] = set()
    for f in extract_numbers(strip_citations(sentence)):
        want |= f.forms
    best, best_score = "", -1.0
    for m in _SEGMENT_RE.finditer(chunk_text):
        seg = m.group(0).strip()
        if not _CONTENT_RE.search(seg):
            continue
        score = _score(seg, sentence, want)
        if score > best_score:
            best, best_score = seg, score
    if not best:
        return chunk_text.strip()[:limit]
    if len(best) <= limit:
        return best
    windows = (best[i : i + limit] for i in range(0, len(best) - limit + 1, 10))
    return max(windows, key=lambda w: _score(w, sentence, want))
