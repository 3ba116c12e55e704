"""字数 as Word counts it, and 字符数."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.forms.wordcount import count_text, count_words


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("基于AI的Deep Learning平台", 8),
        ("成立于2025年，营收3.5万元。", 12),
        ("Hello, world! 你好。", 5),
        ("第一段\n第二段", 6),
        ("", 0),
        ("   \n\t ", 0),
        ("访问 https://example.com/a?b=1 查看", 5),
        ("他说：“你好”——好。", 11),
        ("ＡＢＣ１２３", 6),  # full-width letters and digits count one by one, as in Word
        ("第一段\r\n\r\n第二段", 6),
        ("2023年-2025年", 4),
        # emoji join runs like letters: Word counts a run of emoji (or emoji beside letters) as 1
        ("😀😀 好", 2),
        ("好😀", 2),
        ("Hello👍World", 1),
        ("👨‍👩‍👧‍👦", 1),  # a ZWJ family sequence
        ("👍🏻 赞", 2),  # a skin-tone modifier stays in the run
        # zero-width characters count nothing and do not split a run
        ("\u200b", 0),
        ("你好\u200b世界", 4),
        ("foo\u200bbar", 1),
        ("\ufeff数据", 2),
        # half-width katakana count one by one, like full-width kana (the sound marks too)
        ("ｶﾀｶﾅ", 4),
        ("ｶﾞ", 2),
        ("データ", 3),
        # Hangul: Word reports "中文字符和朝鲜语单词": a Korean word (a run) counts 1
        ("한국어", 1),
        ("안녕하세요 세계", 2),
        # enclosed alphanumerics are not East-Asian in Word: a run counts 1 (LibreOffice says 5)
        ("①②③④⑤", 1),
    ],
)
def test_word_count_matches_word(text: str, words: int) -> None:
    assert count_words(text) == words


def test_character_counts_with_and_without_spaces() -> None:
    counts = count_text("Hello, world! 你好。\n第二行")
    assert (counts.words, counts.chars, counts.chars_no_spaces) == (8, 20, 18)


def test_the_worked_example_in_the_docs_is_what_we_count() -> None:
    docs = (Path(__file__).resolve().parent.parent / "docs" / "forms.md").read_text(encoding="utf-8")
    match = re.search(r"\*\*Worked example\.\*\* `([^`]+)`.*?is \*\*(\d+)\*\* 字.*?字符数（计空格）is (\d+)", docs, re.S)
    assert match is not None
    counts = count_text(match.group(1))
    assert (counts.words, counts.chars) == (int(match.group(2)), int(match.group(3)))
