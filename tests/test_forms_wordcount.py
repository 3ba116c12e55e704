"""字数 as Word counts it, and 字符数."""

from __future__ import annotations

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
    ],
)
def test_word_count_matches_word(text: str, words: int) -> None:
    assert count_words(text) == words


def test_character_counts_with_and_without_spaces() -> None:
    counts = count_text("Hello, world! 你好。\n第二行")
    assert (counts.words, counts.chars, counts.chars_no_spaces) == (8, 20, 18)
