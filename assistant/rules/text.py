"""Surface normalisation of questions and knowledge text: width, punctuation, spaces, particles."""

from __future__ import annotations

import re
import unicodedata

from . import tables

_PUNCT_RE = re.compile(r"[\s\u3000!-/:-@\[-`{-~，。、；：？！“”‘’（）《》〈〉【】〔〕…—·～]+")
_TRAILING_PARTICLES = re.compile(r"(呢|吗|嘛|啊|呀|吧|哈|哦|呐|啦)+$")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACE_RE = re.compile(r"\s+")
# "24年", "25版" are the years 2024, 2025 as applicants write them.
_SHORT_YEAR = re.compile(r"(?<![\d.])(2[0-9])(?=\s*(?:年|版|届))")


def has_control_chars(text: str) -> bool:
    return bool(_CONTROL_RE.search(text))


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def fold_names(text: str) -> str:
    """陕西省 → 陕西, 分赛区 → 分赛…: surface variants of division names (data/divisions.yaml)."""
    for v in tables.divisions().variants:
        text = text.replace(v.long, v.short)
    return text


# "三等的名额" / "一等能拿多少": a prize level without 奖 is still the prize (the notices: 一等奖、二等奖、三等奖).
_PRIZE_LEVEL = re.compile(r"([一二三])等(?![奖座舱厢品级功])")  # 一等的奖, 拿了二等; not 二等座, 一等品, 三等功


def canonical_question(text: str) -> str:
    """The key under which two surface variants of a question are the same question.

    Full/half width, punctuation, spaces, trailing modal particles and 省/市 suffixes of
    division names are removed; detection and matching downstream see only this form.
    """
    t = fold_names(nfkc(text).lower())
    t = _SHORT_YEAR.sub(r"20\1", t)
    t = _PRIZE_LEVEL.sub(r"\1等奖", t)
    t = _PUNCT_RE.sub(" ", t).strip()
    return _TRAILING_PARTICLES.sub("", t.replace(" ", ""))


def compact(text: str) -> str:
    """Text without whitespace, width-normalised: for verbatim/number comparisons."""
    return _SPACE_RE.sub("", nfkc(text))


_BOLD = re.compile(r"</?b>")  # the notices' own bold tags (kept as in the source, so quotes stay verbatim)


def plain(text: str) -> str:
    """Knowledge text as matched: width-normalised, lower case, no spaces or Markdown marks."""
    return _SPACE_RE.sub("", _BOLD.sub("", nfkc(text).lower().replace("**", "").replace("\\_", "_")))
