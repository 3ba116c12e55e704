"""字数 as Microsoft Word counts it, plus 字符数 (what many web platforms count).

Word's rule for Chinese documents: every East-Asian character or full-width
punctuation mark is one 字; every run of other non-space characters (an English
word, 2025, 3.5, a URL, "Hello,") is one 字; spaces and line breaks count nothing.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class TextCount:
    """Counts for one text: Word's 字数, and 字符数 with and without spaces."""

    words: int
    chars: int  # 字符数（计空格）: every character except line breaks
    chars_no_spaces: int  # 字符数（不计空格）


def is_east_asian(ch: str) -> bool:
    """True for characters Word counts one by one (CJK, kana, Hangul, full-width marks).

    Ambiguous-width punctuation such as “ ” — … · is counted like full-width
    punctuation, because in a Chinese document Word treats it as East-Asian text.
    """
    width = unicodedata.east_asian_width(ch)
    if width in ("W", "F"):
        return True
    return width == "A" and unicodedata.category(ch).startswith("P")


def count_words(text: str) -> int:
    """Word-compatible 字数."""
    total = 0
    in_run = False
    for ch in text:
        if ch.isspace():
            in_run = False
        elif is_east_asian(ch):
            total += 1
            in_run = False
        elif not in_run:
            total += 1
            in_run = True
    return total


def count_text(text: str) -> TextCount:
    """字数 and both 字符数 figures for `text`."""
    no_breaks = text.replace("\r", "").replace("\n", "")
    no_spaces = "".join(ch for ch in no_breaks if not ch.isspace())
    return TextCount(words=count_words(text), chars=len(no_breaks), chars_no_spaces=len(no_spaces))
