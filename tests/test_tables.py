"""The lexical tables are data with provenance, loaded by typed loaders; the index owns its tokenizer."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import jieba
import pydantic
import pytest
import yaml

from assistant.rules import tables
from assistant.rules.index import KnowledgeIndex
from assistant.rules.pipeline import Engine as Assistant
from assistant.rules.tokenizer import Tokenizer

DATA = Path(str(resources.files("assistant.rules") / "data"))


@pytest.mark.parametrize("name", sorted(p.name for p in DATA.glob("*.yaml")))
def test_every_entry_notes_the_notice_wording_it_maps_to(name: str) -> None:
    raw = yaml.safe_load((DATA / name).read_text(encoding="utf-8"))
    entries = [e for value in raw.values() if isinstance(value, list) for e in value if isinstance(e, dict)]
    assert entries, name
    for e in entries:
        assert str(e.get("note", "")).strip(), f"{name}: an entry without a note: {e}"


def test_one_entry_a_line() -> None:
    for path in DATA.glob("*.yaml"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.lstrip().startswith("- {"):
                assert line.rstrip().endswith("}"), f"{path.name}: an entry spread over lines: {line}"


def test_loaders_are_typed_and_strict(tmp_path: Path) -> None:
    with pytest.raises(pydantic.ValidationError):
        tables.SynonymTable.model_validate({"synonyms": [{"word": "a", "means": ["b"], "note": "n", "extra": 1}], "morphemes": []})
    assert all(t.kind for t in tables.intents().kinds)
    assert {"money", "date", "count", "phone", "yesno"} <= {k.kind for k in tables.intents().kinds}


def test_no_duplicate_words_in_a_table() -> None:
    words = [s.word for s in tables.synonyms().synonyms]
    assert len(words) == len(set(words))
    terms = [t.term for t in tables.terms().terms]
    assert len(terms) == len(set(terms))


def test_the_index_owns_its_tokenizer(kb_index: KnowledgeIndex) -> None:
    """Building an index teaches its own jieba instance the domain terms, never the process-wide one."""
    assert isinstance(kb_index.tokenizer, Tokenizer)
    assert "开放性创新赛道" in kb_index.tokenizer.words("开放性创新赛道有哪些赛题")
    default = jieba.Tokenizer()
    assert "开放性创新赛道" not in default.lcut("开放性创新赛道有哪些赛题")
    assert "开放性创新赛道" not in jieba.lcut("开放性创新赛道有哪些赛题")


def test_a_domain_term_wins_its_boundary_over_a_colloquial_word(kb_index: KnowledgeIndex) -> None:
    """两边报 (a colloquial synonym) must not eat the first character of 报名 in 两边报名."""
    words = kb_index.tokenizer.raw_words("新疆陕西两边报名分别哪天关")
    assert "报名" in words and "两边报" not in words
    assert "两边报" in kb_index.tokenizer.raw_words("能两边报吗")  # on its own it stays whole


def test_stop_words_by_shape_and_glue_suffixes(kb_index: KnowledgeIndex) -> None:
    """几条 / 多少份 ask a count whatever the measure word; 交些 is the verb 交 (the notices' 提交)."""
    words = kb_index.tokenizer.words("陕西大赛目标有几条，要交些啥材料，多少份")
    assert "几条" not in words and "多少份" not in words and "交些" not in words
    assert "交" in words and "目标" in words


def test_a_morpheme_maps_only_the_words_it_names(assistant: Assistant) -> None:
    """车票 (路费) maps to 交通; 股票 holds 票 too but is no travel cost: a stock tip stays off-topic."""
    stock = next(t for t in assistant.analyzer.part("股票值得买吗", "股票值得买吗").terms if t.text == "股票")
    assert "交通" not in stock.alternatives
    ticket = next(t for t in assistant.analyzer.part("火车票能报吗", "火车票能报吗").terms if t.text == "火车票")
    assert "交通" in ticket.alternatives
    answer = assistant.ask("有什么数据交易概念的股票值得买吗")
    assert answer.status == "out_of_scope", answer.answer


@pytest.mark.parametrize(
    ("typed", "repaired"),
    [
        ("山西的自动驾驶赛题在哪个塞道", "山西的自动驾驶赛题在哪个赛道"),
        ("申保书技术路线部分限多少字", "申报书技术路线部分限多少字"),
        ("山西分赛区一等将奖金是多少", "山西分赛区一等奖奖金是多少"),
        ("陕西分赛去年获奖项目可以再报名吗", "陕西分赛去年获奖项目可以再报名吗"),  # 分赛|去年 is not 分赛区|年
        ("将近多少", "将近多少"),  # a real word is never "repaired"
    ],
)
def test_homophones_of_domain_terms_are_repaired(kb_index: KnowledgeIndex, typed: str, repaired: str) -> None:
    assert kb_index.tokenizer.repair(typed) == repaired
