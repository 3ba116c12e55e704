"""字数 as Microsoft Word counts it, plus 字符数 (what many web platforms count).

Word's 字数 is "中文字符和朝鲜语单词" plus "非中文单词" (its statistics dialog):

- every East-Asian character counts 1 on its own: 汉字, kana (half-width katakana too, each
  sound mark included), CJK and full-width punctuation, full-width letters and digits;
- every run of other visible characters counts 1: an English word, 2025, 3.5, a URL, a Korean
  word (Hangul is counted in words, not syllables), a run of emoji, ①②③④⑤;
- spaces and line breaks separate runs and count nothing; zero-width characters (U+200B, the
  joiners, U+FEFF, variation selectors) and combining marks count nothing and split nothing.

LibreOffice and WPS count some of these differently (LibreOffice: ①②③④⑤ → 5); docs/forms.md
has a worked example. The browser counter (`assistant/web/counter.py`) is generated from
`is_east_asian` and `is_invisible`, so the page and the saved draft agree.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

# Hangul is East-Asian wide but Word counts it in words: 字母 (jamo), compatibility jamo, syllables.
_HANGUL = ((0x1100, 0x11FF), (0x3130, 0x318F), (0xA960, 0xA97F), (0xAC00, 0xD7FF))
# Wide symbols in these blocks are emoji (⌚ ☔ ⚡ ✅ ⭐ 😀 👍 …): Word counts them like letters.
_EMOJI_BLOCKS = ((0x2300, 0x23FF), (0x2600, 0x27BF), (0x2B00, 0x2BFF), (0x1F000, 0x1FAFF))
_HALFWIDTH_KATAKANA = (0xFF61, 0xFF9F)  # ｡｢｣､･ｦ…ﾝﾞﾟ


@dataclass(frozen=True)
class TextCount:
    """Counts for one text: Word's 字数, and 字符数 with and without spaces."""

    words: int
    chars: int  # 字符数（计空格）: every character except line breaks
    chars_no_spaces: int  # 字符数（不计空格）


def _within(cp: int, ranges: tuple[tuple[int, int], ...]) -> bool:
    return any(lo <= cp <= hi for lo, hi in ranges)


def is_invisible(ch: str) -> bool:
    """Zero-width format characters and combining marks: they neither count nor split a run."""
    category = unicodedata.category(ch)
    return category == "Cf" or category.startswith("M")


def is_east_asian(ch: str) -> bool:
    """True for characters Word counts one by one (汉字, kana, CJK and full-width marks).

    Ambiguous-width punctuation such as “ ” — … · is counted like full-width punctuation,
    because in a Chinese document Word treats it as East-Asian text. Hangul and emoji are wide
    but are not counted one by one (see the module docstring).
    """
    cp = ord(ch)
    width = unicodedata.east_asian_width(ch)
    category = unicodedata.category(ch)
    if width in ("W", "F"):
        if _within(cp, _HANGUL):
            return False
        return not (category.startswith("S") and _within(cp, _EMOJI_BLOCKS))
    if _within(cp, (_HALFWIDTH_KATAKANA,)):
        return True
    return width == "A" and category.startswith("P")


def count_words(text: str) -> int:
    """Word-compatible 字数."""
    total = 0
    in_run = False
    for ch in text:
        if ch.isspace():
            in_run = False
        elif is_invisible(ch):
            continue
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
