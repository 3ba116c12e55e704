"""The evaluation: case files against the notices, the metric functions, --compare, the gate, the audit.

The extractive evaluation itself runs once per session (module fixture, index in a tmp dir) and
must pass the gate in evals/thresholds.yaml — this is how `make test` catches regressions.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Any, get_args

import pytest
import yaml

from assistant.errors import ConfigError, InputError
from assistant.evals.audit import AuditReport, read_questions, run_audit, surface_variants
from assistant.evals.cases import DEFAULT_CASES, Case, CaseFile, Kind, load_cases
from assistant.evals.cli import run_eval
from assistant.evals.devset import (
    DEFAULT_DEVSET,
    DOC_DIV,
    DevItem,
    DevItemResult,
    DevQuery,
    grade,
    item_result,
    load_devset,
    load_sources,
    skip_reason,
    summarize_devset,
)
from assistant.evals.gate import (
    DEFAULT_THRESHOLDS,
    Thresholds,
    gate,
    gate_notes,
    load_thresholds,
    suggest_thresholds,
)
from assistant.evals.metrics import (
    CaseResult,
    Corpus,
    case_result,
    fact_hits,
    forbidden_hits,
    norm,
    percentile,
    score,
    section_matches,
    status_ok,
    ungrounded,
)
from assistant.evals.report import compare, write_outputs
from assistant.evals.runner import evaluate, run_cases, run_devset
from assistant.evals.summary import Summary, summarize
from assistant.models import DIVISION_IDS, Answer, Citation
from assistant.rules.pipeline import Engine as Assistant
from assistant.settings import ROOT, Settings

KNOWLEDGE = ROOT / "knowledge"
CASE_FILES = sorted(DEFAULT_CASES.glob("*.yaml"))
CASES = load_cases(DEFAULT_CASES)
TODAY = "2026-11-21"


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return Corpus(KNOWLEDGE)


# --- the case set ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", CASE_FILES, ids=[p.name for p in CASE_FILES])
def test_case_file_validates(path: Path) -> None:
    CaseFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def test_case_set_size_and_coverage() -> None:
    assert len(CASES) >= 150
    assert all(len(c.paraphrases) >= 2 for c in CASES)
    kinds = Counter(c.kind for c in CASES)
    missing_kinds = set(get_args(Kind)) - set(kinds)
    assert not missing_kinds, f"no case of kind {missing_kinds}"
    divisions = {g.division for c in CASES for g in c.gold}
    assert divisions == set(DIVISION_IDS)
    assert {c.expected_status for c in CASES} == {"answered", "not_found", "out_of_scope", "clarify"}
    assert any(c.severity == "critical" for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case_is_written_from_the_notices(case: Case, corpus: Corpus) -> None:
    """Every gold quote occurs in its division's notice, every first fact variant in the notices,
    every gold section in the section paths: cases cannot drift from the knowledge base."""
    problems = [f"fact {g[0]!r}" for g in case.facts if not corpus.contains(g[0])]
    for gold in case.gold:
        if gold.quote and not corpus.contains(gold.quote, gold.division):
            problems.append(f"quote {gold.quote!r} ({gold.division})")
        if not any(section_matches(gold, d, s) for d, s in corpus.sections):
            problems.append(f"section {gold.section!r} ({gold.division})")
    assert not problems, "; ".join(problems)


def test_thresholds_file_is_valid() -> None:
    thresholds = load_thresholds(DEFAULT_THRESHOLDS)
    assert thresholds.extractive.min
    ids = {c.id for c in CASES}
    critical = {c.id for c in CASES if c.severity == "critical"}
    assert set(thresholds.allowed_critical_failures) <= critical & ids


def test_duplicate_ids_are_rejected(tmp_path: Path) -> None:
    text = (DEFAULT_CASES / "declines.yaml").read_text(encoding="utf-8")
    (tmp_path / "a.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match="重复"):
        load_cases(tmp_path)


# --- metric functions on hand-made answers -------------------------------------------------------

SHANXI_PRIZES = "五、奖项设置 > （一）优秀作品奖"
SHANXI_TITLE = "关于举办2025年“数据要素×”大赛山西分赛的通知"


def _case(**kw: object) -> Case:
    data: dict[str, object] = {
        "id": "t-case",
        "question": "山西分赛一等奖奖金多少？",
        "paraphrases": ["山西一等奖多少钱", "山西分赛区一等奖奖金"],
        "expected_status": "answered",
        "facts": [["5 万元", "50000元"]],
        "gold": [{"division": "shanxi", "section": "五、奖项设置"}],
        "kind": "prizes",
        "severity": "critical",
    }
    data.update(kw)
    return Case.model_validate(data)


def _cite(n: int = 1, division: str = "shanxi", section: str = SHANXI_PRIZES, quote: str | None = None) -> Citation:
    return Citation.model_validate(
        {
            "n": n,
            "division": division,
            "doc_title": SHANXI_TITLE,
            "section": section,
            "quote": quote or "1. 一等奖 3 个 奖金 5 万元/个 总金额 15 万元",
        }
    )


def _answer(text: str, status: str = "answered", citations: list[Citation] | None = None) -> Answer:
    cites = [_cite()] if citations is None else citations
    return Answer.model_validate({"question": "q", "answer": text, "status": status, "citations": cites})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("山西分赛：一等奖 3 个 奖金 5 万元/个[1]", [True]),
        ("一等奖奖金５万元", [True]),  # full-width digit, no spaces
        ("一等奖奖金 50000 元", [True]),
        ("一等奖奖金 3 万元", [False]),
    ],
)
def test_fact_hits_fold_width_and_spaces(text: str, expected: list[bool]) -> None:
    assert fact_hits([["5 万元", "50000元"]], text) == expected


def test_forbidden_hits_and_norm() -> None:
    assert forbidden_hits(["5万元", "7月31日"], "陕西分赛：奖金 5 万元") == ["5万元"]
    assert norm("**陕数政发〔2025〕19号** [1]") == norm("陕数政发[2025]19号")


def test_section_matches_division_and_path_fragment() -> None:
    case = _case()
    assert section_matches(case.gold[0], "shanxi", SHANXI_PRIZES)
    assert not section_matches(case.gold[0], "shaanxi", SHANXI_PRIZES)  # 山/陕: division must agree
    assert not section_matches(case.gold[0], "shanxi", "八、其他事项")


def test_status_ok_accepts_a_per_division_enumeration_for_clarify() -> None:
    case = _case(
        expected_status="clarify",
        gold=[{"division": "shanxi", "section": "五、奖项设置"}, {"division": "shaanxi", "section": "八、奖励机制"}],
    )
    both = [_cite(1), _cite(2, "shaanxi", "八、奖励机制及成果应用")]
    assert status_ok(case, _answer("…", "clarify"))
    assert status_ok(case, _answer("山西：5 万元[1]\n陕西：未写明[2]", "answered", both))
    assert not status_ok(case, _answer("山西：5 万元[1]", "answered"))  # only one division
    assert not status_ok(case, _answer("…", "out_of_scope", []))


def test_score_passes_a_correct_cited_answer(corpus: Corpus) -> None:
    result = score(_case(), 0, _answer("山西分赛：一等奖 3 个 奖金 5 万元/个 总金额 15 万元[1]"), corpus)
    assert result.passed and result.answer_correct and result.gold_cited == [True]
    assert not result.ungrounded and all(c.verbatim for c in result.citations)


def test_score_catches_a_hallucinated_amount(corpus: Corpus) -> None:
    result = score(_case(), 0, _answer("山西分赛一等奖奖金 5 万元，另有补贴 2000 元[1]"), corpus)
    assert result.answer_correct  # the fact is there …
    assert not result.passed and "2000" in result.ungrounded  # … but 2000 is in no cited passage


def test_score_catches_a_non_verbatim_quote_and_wrong_division(corpus: Corpus) -> None:
    fake = _cite(1, "shaanxi", "八、奖励机制及成果应用", quote="陕西分赛一等奖奖金 5 万元/个")
    result = score(_case(), 0, _answer("陕西分赛：一等奖奖金 5 万元[1]", citations=[fake]), corpus)
    assert not result.passed
    assert result.citations[0].verbatim is False and result.citations[0].gold is False
    assert result.gold_cited == [False] and "未引用标准条款" in result.problems


def test_ungrounded_ignores_refusals_labels_and_system_notes(corpus: Corpus) -> None:
    refusal = _answer("抱歉，我只回答2025年“数据要素×”大赛的问题。", "out_of_scope", [])
    assert ungrounded(refusal, corpus) == []
    label_only = _answer("全国大赛2025年赛题指南及评价指标：通知中没有写明这一点", "not_found", [])
    assert ungrounded(label_only, corpus) == []
    note = "无法连接大模型接口 http://127.0.0.1:9/v1，请检查 LLM_BASE_URL。"
    fallback = _answer(f"【提示】{note}\n一等奖 3 个 奖金 5 万元/个 总金额 15 万元[1]").model_copy(update={"note": note})
    assert ungrounded(fallback, corpus) == []


def test_case_result_consistency_and_percentile(corpus: Corpus) -> None:
    case = _case()
    good = _answer("一等奖 3 个 奖金 5 万元/个 总金额 15 万元[1]")
    other = _answer("一等奖 3 个 奖金 5 万元/个 总金额 15 万元[1]", citations=[_cite(section="八、其他事项")])
    same = case_result(case, [score(case, i, good, corpus) for i in range(3)])
    mixed = case_result(case, [score(case, 0, good, corpus), score(case, 1, other, corpus), score(case, 2, good, corpus)])
    assert same.consistent and same.passed
    assert not mixed.consistent
    assert percentile([5, 1, 3, 2, 4], 50) == 3 and percentile([1.0] * 19 + [100.0], 95) == 1.0
    assert percentile([], 95) is None


def _summary(results: list[CaseResult], cases: list[Case]) -> Summary:
    return summarize(results, cases, mode="extractive", today=TODAY)


def test_summarize_decline_and_false_refusal_rates(corpus: Corpus) -> None:
    answerable = _case()
    decline = _case(id="t-decline", expected_status="not_found", facts=[], gold=[], kind="not_found")
    refused = _answer("山西分赛：通知中没有写明这一点。", "not_found", [])
    answered = _answer("一等奖 3 个 奖金 5 万元/个 总金额 15 万元[1]")
    results = [
        case_result(answerable, [score(answerable, 0, refused, corpus)]),
        case_result(decline, [score(decline, 0, answered, corpus)]),
    ]
    m = _summary(results, [answerable, decline]).metrics
    assert m.false_refusal_rate == 1.0 and m.false_answer_rate == 1.0 and m.decline_accuracy == 0.0
    assert m.case_pass_rate == 0.0 and m.critical_pass_rate == 0.0
    assert m.citation_recall == 0.0 and m.clarify_accuracy is None


def _run_dir(tmp_path: Path, name: str, passed: dict[str, bool], corpus: Corpus) -> tuple[Path, Summary, list[CaseResult]]:
    good = _answer("一等奖 3 个 奖金 5 万元/个 总金额 15 万元[1]")
    bad = _answer("不知道", "not_found", [])
    cases = [_case(id=cid) for cid in passed]
    results = [case_result(c, [score(c, 0, good if passed[c.id] else bad, corpus)]) for c in cases]
    summary = _summary(results, cases)
    out = tmp_path / name
    write_outputs(out, summary, results)
    return out, summary, results


def test_compare_reports_flips_and_deltas(tmp_path: Path, corpus: Corpus) -> None:
    before, _, _ = _run_dir(tmp_path, "before", {"a": True, "b": False, "c": True, "gone": True}, corpus)
    _, summary, results = _run_dir(tmp_path, "after", {"a": False, "b": True, "c": True, "new": True}, corpus)
    cmp = compare(summary, results, before)
    assert cmp.pass_to_fail == ["a"] and cmp.fail_to_pass == ["b"]
    assert cmp.new_cases == ["new"] and cmp.removed_cases == ["gone"]
    assert cmp.deltas["case_pass_rate"] == (0.75, 0.75, 0.0)
    saved = json.loads((before / "cases.json").read_text(encoding="utf-8"))
    assert {c["id"] for c in saved} == {"a", "b", "c", "gone"}
    assert "quote" not in saved[0]["queries"][0]["citations"][0]  # results stay small
    with pytest.raises(ConfigError):
        compare(summary, results, tmp_path / "missing")


def test_gate_thresholds_allow_list_and_strict(tmp_path: Path, corpus: Corpus) -> None:
    _, summary, _ = _run_dir(tmp_path, "run", {"a": True, "b": False}, corpus)
    assert summary.critical_failures == ["b"]
    loose = Thresholds.model_validate({"extractive": {"min": {"case_pass_rate": 0.4}}, "allowed_critical_failures": ["b", "z"]})
    assert gate(summary, loose) == []
    assert gate(summary, loose, strict=True) == ["关键用例失败：b"]
    assert gate_notes(summary, loose, ["a", "b"]) == []  # b still fails, z is not in this run
    notes = gate_notes(summary, Thresholds.model_validate({"allowed_critical_failures": ["a", "b"]}), ["a", "b"])
    assert len(notes) == 1 and "允许清单中的 a 已通过" in notes[0]
    tight = Thresholds.model_validate({"extractive": {"min": {"case_pass_rate": 0.9}, "max": {"false_refusal_rate": 0.1}}})
    violations = gate(summary, tight)
    assert "关键用例失败：b" in violations
    assert any("case_pass_rate" in v for v in violations) and any("false_refusal_rate" in v for v in violations)
    with pytest.raises(ValueError):
        Thresholds.model_validate({"extractive": {"min": {"no_such_metric": 1}}})


def test_suggested_thresholds_sit_just_below_the_run(tmp_path: Path, corpus: Corpus) -> None:
    _, summary, _ = _run_dir(tmp_path, "run", {"a": True, "b": True, "c": True, "d": False}, corpus)
    suggested = suggest_thresholds(summary)
    assert suggested.extractive.min["case_pass_rate"] == 0.73  # 0.75 - 0.02
    assert suggested.extractive.min["verbatim_quote_rate"] == 1.0  # a contract stays a contract
    assert suggested.extractive.max["false_refusal_rate"] == 0.27
    assert suggested.allowed_critical_failures == ["d"]
    assert gate(summary, suggested) == []


def test_llm_mode_is_skipped_without_an_endpoint(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = argparse.Namespace(mode="llm")
    settings = Settings(data_dir=tmp_path, llm_base_url="", llm_model="")
    assert run_eval(args, settings) == 0
    assert "跳过" in capsys.readouterr().out


# --- the extractive evaluation, gated -----------------------------------------------------------


# `assistant` is the session fixture of conftest.py: the real engine on a temp index, extractive mode.


@pytest.fixture(scope="module")
def evaluation(assistant: Assistant, corpus: Corpus) -> tuple[Summary, list[CaseResult]]:
    return evaluate(assistant.ask, CASES, corpus, mode="extractive", today=TODAY, repeat="original")


def test_extractive_evaluation_passes_the_gate(evaluation: tuple[Summary, list[CaseResult]]) -> None:
    summary, results = evaluation
    assert len(results) == len(CASES)
    violations = gate(summary, load_thresholds(DEFAULT_THRESHOLDS))
    assert not violations, "\n".join(violations)


def test_every_case_was_scored(evaluation: tuple[Summary, list[CaseResult]]) -> None:
    summary, results = evaluation
    assert sum(len(r.queries) for r in results) == summary.metrics.queries == sum(len(c.variants) for c in CASES)
    assert not [q for r in results for q in r.queries if q.error], "ask() raised on a case question"


# --- the consistency audit ----------------------------------------------------------------------


def test_surface_variants_keep_the_question() -> None:
    variants = dict(surface_variants("陕西分赛报名截止时间是什么时候？"))
    assert variants["陕西→陕西省"] == "陕西省分赛报名截止时间是什么时候？"
    assert variants["加“呢”"] == "陕西分赛报名截止时间是什么时候呢？"
    assert "陕西分赛报名截止时间是什么时候?" in variants.values()  # half-width question mark
    assert "山西" not in "".join(variants.values())  # never the other province
    assert dict(surface_variants("2024年获奖项目能报吗"))["全角"].startswith("２０２４")
    assert "去语气词" in dict(surface_variants("2024年获奖项目能报吗"))


class _FlakyAssistant:
    """Answers differently when the question has a trailing particle: the audit must notice."""

    def ask(self, question: str, division: str | None = None) -> Answer:
        if not question.strip():
            raise InputError("问题不能为空")
        text = "不知道" if question.rstrip("？?").endswith("呢") else "一等奖 5 万元[1]"
        status = "not_found" if text == "不知道" else "answered"
        return _answer(text, status, [] if status == "not_found" else None)


def test_audit_reports_divergent_variants() -> None:
    report = run_audit(_FlakyAssistant(), ["山西分赛一等奖奖金多少？", "  "])
    assert len(report.items) == 1 and report.diverged
    flagged = [v for v in report.items[0].variants if v.differs]
    assert [v.label for v in flagged] == ["加“呢”"]
    assert flagged[0].differs == ["status", "citations", "answer"]
    md = report.to_markdown()
    assert "加“呢”" in md and "不知道" in md and "1 个问题的回答不一致" in md
    assert AuditReport.model_validate_json(report.model_dump_json()).items[0].diverged


def test_audit_on_the_real_assistant_width_punctuation_spacing(assistant: Assistant) -> None:
    """Extractive mode is byte-identical across width, punctuation and spacing (issue 2 contract)."""
    report = run_audit(assistant, ["山西分赛一等奖奖金多少？", "陕西分赛报名截止时间是什么时候"])
    surface = {"全角", "半角", "去标点", "问号", "空格"}
    bad = [(i.question, v.label) for i in report.items for v in i.variants if v.label in surface and v.differs]
    assert not bad
    assert all(i.variants for i in report.items)


def test_read_questions_skips_comments(tmp_path: Path) -> None:
    path = tmp_path / "q.txt"
    path.write_text("# 注释\n\n山西分赛报名网址？\n  陕西分赛联系电话  \n", encoding="utf-8")
    assert read_questions(path) == ["山西分赛报名网址？", "陕西分赛联系电话"]
    (tmp_path / "empty.txt").write_text("# only\n", encoding="utf-8")
    with pytest.raises(InputError):
        read_questions(tmp_path / "empty.txt")


# --- the shared development set (temp files only: ../shared need not exist) ---------------------

DEV_LINES = [
    {
        "id": "dev-a", "question": "山西分赛一等奖奖金多少？", "paraphrases": ["山西一等奖多少钱", "山西分赛区一等奖奖金"],
        "division": "shanxi", "category": "awards", "expect": "answer", "facts": [["5万元", "5万"]],
        "source": [{"doc": "003_22111ded05495491.txt", "quote": "一等奖 3 个 奖金 5 万元/个"}], "history": [],
    },
    {
        "id": "dev-b", "question": "那二等奖呢", "paraphrases": ["二等奖多少钱", "二等奖奖金呢"],
        "division": "shanxi", "category": "followup", "expect": "answer", "facts": [["3万元", "3万"]],
        "source": [{"doc": "003_22111ded05495491.txt", "quote": "二等奖 5 个 奖金 3 万元/个"}],
        "history": [{"role": "user", "content": "山西分赛设哪些奖"}, {"role": "user", "content": "一等奖奖金多少？"}],
        "note": "fields the product does not know are ignored",
    },
    {
        "id": "dev-c", "question": "全国总决赛的报名截止时间是什么时候", "paraphrases": ["国赛总决赛啥时候截止报名"],
        "division": None, "category": "deadline", "expect": "decline", "facts": [], "source": [], "history": [],
    },
]


def _devset_file(tmp_path: Path, items: list[dict[str, object]] = DEV_LINES) -> Path:
    path = tmp_path / "dev.jsonl"
    path.write_text("\n".join(json.dumps(i, ensure_ascii=False) for i in items) + "\n\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def sources() -> dict[str, str]:
    return load_sources()  # tests/seeds, the vendored copy of ../shared/seeds


def test_devset_loader_parses_the_format(tmp_path: Path) -> None:
    items = load_devset(_devset_file(tmp_path))
    assert [i.id for i in items] == ["dev-a", "dev-b", "dev-c"]
    follow_up = items[1]
    assert follow_up.variants == ["那二等奖呢", "二等奖多少钱", "二等奖奖金呢"]
    assert follow_up.history_dicts() == [
        {"role": "user", "content": "山西分赛设哪些奖"},
        {"role": "user", "content": "一等奖奖金多少？"},
    ]
    assert follow_up.source[0].doc == "003_22111ded05495491.txt" and follow_up.facts == [["3万元", "3万"]]
    assert items[2].division is None and items[2].expect == "decline"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"expect": "maybe"}, "第 1 行"),
        ({"source": [{"doc": "999_unknown.txt", "quote": "…"}]}, "第 1 行"),
        ({"id": "dev-b"}, "id 重复"),
    ],
)
def test_devset_loader_rejects_bad_lines(tmp_path: Path, change: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_devset(_devset_file(tmp_path, [DEV_LINES[0] | change, DEV_LINES[1]]))


def _dev_item(expect: str, facts: list[list[str]], **kw: object) -> DevItem:
    data: dict[str, object] = {"id": "t", "question": "q", "category": "c", "expect": expect, "facts": facts}
    return DevItem.model_validate(data | kw)


TWO_FACTS = [["7月10日", "7月10号"], ["7月31日", "7月31号"]]


@pytest.mark.parametrize(
    ("expect", "facts", "status", "text", "passes"),
    [
        ("answer", TWO_FACTS, "answered", "新疆 7 月 10 日截止；陕西 7月31号截止[1]", True),
        ("answer", TWO_FACTS, "answered", "新疆７月１０日截止，陕西７月３１日[1]", True),  # NFKC, spaces dropped
        ("answer", TWO_FACTS, "answered", "新疆 7 月 10 日截止[1]", False),  # a fact missing
        ("answer", TWO_FACTS, "clarify", "新疆 7月10日；陕西 7月31日[1]", False),  # facts but not answered
        ("answer", [], "answered", "可以[1]", True),  # nothing to check beyond the status
        ("decline", [], "not_found", "通知中没有写明这一点", True),
        ("decline", [], "out_of_scope", "抱歉，这个问题不在范围内", True),
        ("decline", [], "answered", "7月10日[1]", False),
        ("decline", [], "clarify", "请问是哪个分赛？", False),
        ("clarify_or_enumerate", TWO_FACTS, "clarify", "请问您问的是哪个分赛？", True),
        ("clarify_or_enumerate", TWO_FACTS, "answered", "新疆：7月10日[1]\n陕西：7月31日[2]", True),
        ("clarify_or_enumerate", TWO_FACTS, "answered", "新疆：7月10日[1]", False),
        ("clarify_or_enumerate", [], "answered", "都一样[1]", False),  # no facts: only clarify passes
    ],
)
def test_devset_grading_rules(
    expect: str, facts: list[list[str]], status: str, text: str, passes: bool, sources: dict[str, str]
) -> None:
    assert grade(_dev_item(expect, facts), 0, _answer(text, status), sources).passed is passes


def test_devset_grading_false_refusal_missing_facts_and_errors(sources: dict[str, str]) -> None:
    refused = grade(_dev_item("answer", TWO_FACTS), 0, _answer("通知中没有写明", "not_found", []), sources)
    assert refused.false_refusal and refused.missing_facts == TWO_FACTS and refused.facts_seen == [False, False]
    declined = grade(_dev_item("decline", []), 0, _answer("通知中没有写明", "not_found", []), sources)
    assert not declined.false_refusal
    error = grade(_dev_item("decline", []), 0, None, sources, error="问题不能为空")
    assert error.status == "error" and not error.passed and error.error == "问题不能为空"


SEED_QUOTE = "报名阶段（5月至7月10日）"  # text of the Xinjiang notice (seed 000)


@pytest.mark.parametrize(
    ("division", "doc", "cited", "quote", "hit", "verified"),
    [
        ("xinjiang", "000_d2a138442f4e7653.txt", "xinjiang", SEED_QUOTE, True, 1),
        ("xinjiang", "000_d2a138442f4e7653.txt", "shaanxi", SEED_QUOTE, False, 0),  # quote not in Shaanxi's notice
        (None, "000_d2a138442f4e7653.txt", "xinjiang", "报名阶段 (5月至7月 10日）", True, 1),  # width and spaces folded
        ("national2025", "001_9353c53a7b511560.txt", "yiyang", "编造的引文", True, 0),  # the guide sits in Yiyang's notice
        ("national-2024", "004_dfffbdba3c31c784.txt", "national-2025", "编造的引文", False, 0),
    ],
)
def test_devset_citation_hit_and_verbatim_quotes(
    division: str | None, doc: str, cited: str, quote: str, hit: bool, verified: int, sources: dict[str, str]
) -> None:
    item = _dev_item("answer", [], division=division, source=[{"doc": doc, "quote": "…"}])
    result = grade(item, 0, _answer("…[1]", citations=[_cite(division=cited, quote=quote)]), sources)
    assert (result.cite_hit, result.n_cits, result.n_verified) == (hit, 1, verified)


def test_doc_divisions_agree_with_the_knowledge_front_matter() -> None:
    from assistant.rules.knowledge import load_documents

    by_file: dict[str, set[str]] = {}
    for doc in load_documents(KNOWLEDGE):
        by_file.setdefault(doc.source_file, set()).add(doc.division)
    assert set(DOC_DIV) == set(by_file)
    assert all(DOC_DIV[f] in divisions for f, divisions in by_file.items())


def _dev_result(item_id: str, category: str, expect: str, verdicts: list[bool], refused: bool = False) -> DevItemResult:
    item = _dev_item(expect, [], id=item_id, category=category, paraphrases=[f"{item_id}-{k}" for k in range(len(verdicts) - 1)])
    queries = [
        DevQuery(variant=v, question=q, status="not_found" if refused else "answered", answer="", passed=ok,
                 false_refusal=refused, cite_hit=ok, n_cits=1, n_verified=1, facts_seen=[])
        for v, (q, ok) in enumerate(zip(item.variants, verdicts, strict=True))
    ]
    return item_result(item, queries)


def test_devset_summary_figures() -> None:
    results = [
        _dev_result("a", "awards", "answer", [True, True, True]),  # robust
        _dev_result("b", "awards", "answer", [True, False, True]),  # passes, not robust, inconsistent
        _dev_result("c", "followup", "answer", [False, False, False], refused=True),  # consistent failure
        _dev_result("d", "deadline", "decline", [True, True, True]),
    ]
    d = summarize_devset(results, Path("dev.jsonl"))
    assert (d.items, d.queries, d.overall_accuracy) == (4, 12, 0.75)
    assert (d.answer_accuracy, d.false_refusal_rate, d.decline_accuracy, d.ambiguous_handled) == (0.6667, 0.3333, 1.0, None)
    assert (d.paraphrase_consistency, d.robust_pass_rate) == (0.75, 0.5)
    assert d.by_category["awards"].accuracy == 1.0 and d.by_category["followup"].accuracy == 0.0
    assert d.failed == ["c"]


class _Recorder:
    """The real assistant's ask, recording how it was called."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        self.calls: list[tuple[str, str | None, dict[str, object]]] = []

    def __call__(self, question: str, division: str | None = None, **kw: Any) -> Answer:
        self.calls.append((question, division, kw))
        return self.assistant.ask(question, division, **kw)


def test_devset_runner_passes_history_to_ask(tmp_path: Path, assistant: Assistant, sources: dict[str, str]) -> None:
    items = load_devset(_devset_file(tmp_path))
    ask = _Recorder(assistant)
    results = run_devset(ask, items, sources)
    assert [(q, d, kw["history"]) for q, d, kw in ask.calls] == [
        (text, None, item.history_dicts()) for item in items for text in item.variants
    ]
    assert [len(r.queries) for r in results] == [3, 3, 2]
    assert results[1].history == items[1].history and not any(q.error for r in results for q in r.queries)


def test_case_runner_asks_with_the_case_division_only(assistant: Assistant, corpus: Corpus) -> None:
    ask = _Recorder(assistant)
    case = _case(division="shanxi")
    run_cases(ask, [case], corpus, repeat="none")
    assert ask.calls == [(text, "shanxi", {}) for text in case.variants]


def test_devset_skip_reasons(tmp_path: Path) -> None:
    present = _devset_file(tmp_path)
    missing = tmp_path / "nowhere" / "dev.jsonl"
    assert skip_reason(present) is None
    assert str(missing) in (skip_reason(missing) or "")
    assert "--no-devset" in (skip_reason(present, enabled=False) or "")
    assert DEFAULT_DEVSET == ROOT.parent / "shared" / "questions" / "dev.jsonl"


def test_an_old_summary_without_devset_still_loads() -> None:
    baseline = ROOT / "evals" / "results" / "baseline" / "summary.json"
    old = json.loads(baseline.read_text(encoding="utf-8"))
    old.pop("devset", None)  # --compare against a baseline written before the dev set
    summary = Summary.model_validate(old)
    assert summary.devset is None and summary.metrics.cases == old["metrics"]["cases"]


@pytest.mark.parametrize("present", [True, False], ids=["devset", "no-devset-file"])
def test_eval_command_runs_both_suites(
    tmp_path: Path, kb_settings: Settings, present: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    from assistant.cli import build_parser

    case = _case(severity="normal").model_dump(exclude_defaults=True)
    (tmp_path / "cases.yaml").write_text(yaml.safe_dump({"cases": [case]}, allow_unicode=True), encoding="utf-8")
    devset = _devset_file(tmp_path) if present else tmp_path / "missing.jsonl"
    out = tmp_path / "run"
    out.mkdir()
    (out / "devset.json").write_text("[]", encoding="utf-8")  # a stale file from an earlier run
    argv = ["eval", "--cases", str(tmp_path / "cases.yaml"), "--out", str(out), "--devset", str(devset),
            "--thresholds", str(tmp_path / "none.yaml"), "--repeat", "none"]
    assert run_eval(build_parser()[0].parse_args(argv), kb_settings) == 0
    printed = capsys.readouterr().out
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "## 开发集（外部编写）" in report
    if present:
        assert summary["devset"]["items"] == 3 and set(summary["devset"]["by_category"]) == {"awards", "followup", "deadline"}
        assert [r["id"] for r in json.loads((out / "devset.json").read_text(encoding="utf-8"))] == ["dev-a", "dev-b", "dev-c"]
        assert "our cases" in printed and "dev set" in printed and "follow-ups" in printed
    else:
        assert summary["devset"] is None and not (out / "devset.json").exists()
        assert f"开发集已跳过：未找到 {devset}" in printed and "our cases" not in printed
