"""Surface normalisation of questions and text: width, punctuation, spaces, particles."""

from __future__ import annotations

import re
import unicodedata

_PUNCT_RE = re.compile(r"[\s\u3000!-/:-@\[-`{-~，。、；：？！“”‘’（）《》〈〉【】〔〕…—·～]+")
_TRAILING_PARTICLES = re.compile(r"(呢|吗|嘛|啊|呀|吧|哈|哦|呐|啦)+$")
# Surface variants of division names that mean the same thing to a question.
_NAME_VARIANTS = (
    ("新疆维吾尔自治区", "新疆"),
    ("陕西省", "陕西"),
    ("山西省", "山西"),
    ("湖南省", "湖南"),
    ("益阳市", "益阳"),
    ("陝西", "陕西"),
    ("分赛区", "分赛"),
    ("赛区", "分赛"),
)
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def has_control_chars(text: str) -> bool:
    return bool(_CONTROL_RE.search(text))


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def canonical_question(text: str) -> str:
    """The key under which two surface variants of a question are the same question.

    Full/half width, punctuation, spaces, trailing modal particles and 省/市 suffixes of
    division names are removed; everything downstream of `ask` sees only this form.
    """
    t = nfkc(text).lower()
    for long, short in _NAME_VARIANTS:
        t = t.replace(long, short)
    t = _PUNCT_RE.sub(" ", t).strip()
    t = _TRAILING_PARTICLES.sub("", t.replace(" ", ""))
    return t


def compact(text: str) -> str:
    """Text without whitespace, width-normalised: for verbatim/number comparisons."""
    return re.sub(r"\s+", "", nfkc(text))
