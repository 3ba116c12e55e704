"""LLM mode, unit by unit: the chat adapter against a real local OpenAI-compatible server, the
sentence gate, the deadline, prompts, passages and the grounding helpers."""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import tiktoken
import tiktoken.load
import tiktoken.registry
from fake_openai import Delay, EmptyChoices, FakeOpenAI, HTTPError, Malformed, Stream, Text, loopback_only
from langchain_core.messages import HumanMessage

from assistant import tokens
from assistant.errors import LLMError
from assistant.llm.chat import ChatCompleter, StreamWatch, build_chat_model, watching
from assistant.llm.checked_stream import Drop, Emit, SentenceGate
from assistant.llm.deadline import DeadlineExceeded, until
from assistant.llm.passages import fit, render
from assistant.models import Chunk
from assistant.prompts import PromptError, chat_prompt, load_prompt
from assistant.rules.grounding import extract_numbers, ground_answer, pick_quote, split_sentences
from assistant.settings import Settings

__all__ = ["loopback_only"]  # the autouse guard of fake_openai applies to this module

PROMPTS = Path(__file__).resolve().parent.parent / "prompts"

SHANXI_TITLE = "关于举办 2025 年“数据要素×”大赛 山西分赛的通知"
SHAANXI_TITLE = "关于举办2025年“数据要素×”大赛陕西分赛的通知"
PRIZES = Chunk(
    chunk_id="shanxi:0020",
    doc_id="shanxi",
    division="shanxi",
    doc_title=SHANXI_TITLE,
    section="五、奖项设置 > （一）优秀作品奖",
    ordinal=20,
    text=(
        "参赛作品拟设置一、二、三等奖及优秀奖，颁发奖金、奖杯及获奖证书，获奖团队需由参赛代表持获奖证书"
        "前往山西分赛组委会指定的承办单位领取奖金。奖金总额 60 万元，具体如下：\n\n"
        "1. 一等奖 3 个 奖金 5 万元/个 总金额 15 万元\n"
        "2. 二等奖 6 个 奖金 3 万元/个 总金额 18 万元\n"
        "3. 三等奖 9 个 奖金 2 万元/个 总金额 18 万元\n"
        "4. 优秀奖 18 个 奖金 0.5 万元/个 总金额 9 万元"
    ),
)
SCHEDULE = Chunk(
    chunk_id="shanxi:0016",
    doc_id="shanxi",
    division="shanxi",
    doc_title=SHANXI_TITLE,
    section="四、赛事安排 > （三）赛程设置",
    ordinal=16,
    text=(
        "1. 报名和审核（2025 年 5-7 月）。参赛单位通过山西分赛官网注册报名、提交作品，组委会秘书处办公室"
        "完成参赛者资格审核和申报作品形式审查。\n\n"
        "4. 决赛（2025 年 8 月上旬）。决赛评审方式为现场演示答辩。由专家委对入围决赛作品进行评审，参赛队伍"
        "现场答辩。现场评选出一二三等奖。拟设一等奖 3 个、二等奖 6 个、三等奖 9 个。"
    ),
)
SHAANXI_PRIZES = Chunk(
    chunk_id="shaanxi:0030",
    doc_id="shaanxi",
    division="shaanxi",
    doc_title=SHAANXI_TITLE,
    section="八、奖励机制及成果应用",
    ordinal=30,
    text=(
        "陕西分赛设置一、二、三等奖以及特色单项奖，拟以奖杯、证书等形式发放。每个赛道按照陕西分赛决赛入围"
        "队伍数量按比例设置一等奖、二等奖、三等奖，特色单项奖等。"
    ),
)
CHUNKS = [PRIZES, SCHEDULE, SHAANXI_PRIZES]
PASSAGES = fit(CHUNKS, 5000)


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


def settings_for(server: FakeOpenAI, timeout: float = 5.0) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None, llm_base_url=server.base_url, llm_model="fake-model", llm_api_key="test", llm_timeout=timeout
    )


# --- the chat model adapter (one for answers and the form agent) -----------------------------------


def test_chat_model_is_temperature_zero_and_streams(server: FakeOpenAI) -> None:
    server.enqueue(Text("一等奖奖金 5 万元[1]。"))
    model = build_chat_model(settings_for(server))
    text = "".join(str(c.content) for c in model.stream([HumanMessage("山西分赛一等奖奖金多少？")]))
    assert text == "一等奖奖金 5 万元[1]。"
    request = server.requests[0]
    assert request["temperature"] == 0 and request["stream"] is True and request["model"] == "fake-model"


@pytest.mark.parametrize(("done", "seen"), [(True, True), (False, False)], ids=["with-done", "without-done"])
def test_stream_watch_sees_the_terminator(server: FakeOpenAI, done: bool, seen: bool) -> None:
    server.enqueue(Stream(["一等奖", "5 万元[1]。"], done=done))
    model = build_chat_model(settings_for(server))
    with watching(StreamWatch()) as watch:
        chunks = list(model.stream([HumanMessage("问")]))
    assert "".join(str(c.content) for c in chunks) == "一等奖5 万元[1]。"
    assert watch.done is seen


@pytest.mark.parametrize(
    ("reply", "words"),
    [
        (HTTPError(500), "HTTP 500"),
        (HTTPError(401, '{"error": {"message": "bad key"}}'), "LLM_API_KEY"),
        (HTTPError(404, '{"error": {"message": "no such model"}}'), "LLM_MODEL"),
        (Malformed(), "无法解析"),
        (EmptyChoices(), "大模型接口"),
        (Delay(2.5), "超时"),
    ],
    ids=["500", "401", "404", "not-json", "empty", "timeout"],
)
def test_completer_raises_one_chinese_llm_error(server: FakeOpenAI, reply: Any, words: str) -> None:
    server.enqueue(reply)
    completer = ChatCompleter.from_settings(settings_for(server, timeout=1.0))
    with pytest.raises(LLMError) as info:
        completer.complete([{"role": "system", "content": "你是助手"}, {"role": "user", "content": "你好"}])
    assert words in info.value.message and "Traceback" not in info.value.message


def test_completer_returns_the_reply(server: FakeOpenAI) -> None:
    server.enqueue(Text("好的。"))
    completer = ChatCompleter.from_settings(settings_for(server))
    assert completer.complete([{"role": "system", "content": "甲"}, {"role": "user", "content": "你好"}]) == "好的。"
    assert [m["role"] for m in server.requests[0]["messages"]] == ["system", "user"]


def test_completer_refuses_a_dead_endpoint_in_chinese() -> None:
    with FakeOpenAI() as gone:
        url = gone.base_url
    settings = Settings(_env_file=None, llm_base_url=url, llm_model="m", llm_timeout=1.0)  # type: ignore[call-arg]
    with pytest.raises(LLMError, match="无法连接"):
        ChatCompleter.from_settings(settings).complete([{"role": "user", "content": "你好"}])


# --- the sentence gate: nothing released before it is complete and grounded ------------------------


def gate_run(text: str, step: int = 3, complete: bool = True) -> tuple[list[str], SentenceGate]:
    gate = SentenceGate([p.source for p in PASSAGES], [p.chunk.division for p in PASSAGES])
    events: list[Emit | Drop] = []
    for i in range(0, len(text), step):
        events += gate.feed(text[i : i + step])
    events += gate.close(complete=complete)
    return [e.text for e in events if isinstance(e, Emit)], gate


@pytest.mark.parametrize(
    ("reply", "released", "dropped"),
    [
        (
            "山西分赛一等奖 3 个，奖金 5 万元/个[1]。另有特别奖 88 万元[1]。决赛在 2025 年 8 月上旬[2]。",
            "山西分赛一等奖 3 个，奖金 5 万元/个[1]。决赛在 2025 年 8 月上旬[2]。",
            ["另有特别奖 88 万元[1]。"],
        ),
        ("山西分赛奖项如下：\n- 一等奖 3 个[1]；\n- 二等奖 6 个。[1]", "山西分赛奖项如下：\n- 一等奖 3 个[1]；\n- 二等奖 6 个。[1]", []),
        (
            "**山西分赛**：\n- 一等奖 50 万元[1]。\n\n**陕西分赛**：\n- 设特色单项奖[3]。",
            "**陕西分赛**：\n- 设特色单项奖[3]。",
            ["- 一等奖 50 万元[1]。"],
        ),
        ("陕西分赛一等奖奖金 5 万元[1]。山西分赛一等奖奖金 5 万元[1]。", "山西分赛一等奖奖金 5 万元[1]。", ["陕西分赛一等奖奖金 5 万元[1]。"]),
        ("一等奖奖金 5 万元[1]。报名截止时间另行通知[7]。", "一等奖奖金 5 万元[1]。", ["报名截止时间另行通知[7]。"]),
        ("一等奖奖金 5 万元/个[1]。报名免费且奖金当场发放。", "一等奖奖金 5 万元/个[1]。", ["报名免费且奖金当场发放。"]),
        ("通知未规定陕西分赛的奖金金额[3]。", "", []),
        ("一等奖奖金 5 万元/个[1]。通知未规定陕西分赛的金额。", "一等奖奖金 5 万元/个[1]。通知未规定陕西分赛的金额。", []),
        ("1. 一等奖 3 个 奖金 5 万元/个[1]\n2. 二等奖 6 个[1]\n3. 三等奖 9 个[9]", "1. 一等奖 3 个 奖金 5 万元/个[1]\n2. 二等奖 6 个[1]", ["3. 三等奖 9 个[9]"]),
        ("一等奖奖金 5 万元/个。[1]二等奖奖金 3 万元/个[1]", "一等奖奖金 5 万元/个。[1]二等奖奖金 3 万元/个[1]", []),
    ],
    ids=["invented-amount", "lead-in-list", "orphan-heading", "other-division", "missing-passage", "uncited",
         "only-silence", "silence-after-fact", "numbered-list", "marker-after-stop"],
)
def test_gate_releases_only_grounded_sentences(reply: str, released: str, dropped: list[str]) -> None:
    for step in (1, 3, 50):
        pieces, gate = gate_run(reply, step)
        assert "".join(pieces) == released and gate.dropped == dropped


def test_gate_holds_a_sentence_until_its_citation_marker_arrives() -> None:
    gate = SentenceGate([p.source for p in PASSAGES], [p.chunk.division for p in PASSAGES])
    assert gate.feed("一等奖奖金 5 万元/个。") == []  # the marker may still follow the stop
    assert gate.feed("[1") == []
    assert gate.feed("]二等") == [Emit("一等奖奖金 5 万元/个。[1]", [1])]
    assert gate.feed("奖 6 个") == []
    assert gate.close(complete=True) == [Drop("二等奖 6 个")]


def test_gate_never_releases_the_unfinished_sentence_of_a_cut_stream() -> None:
    pieces, gate = gate_run("一等奖奖金 5 万元/个[1]。二等奖奖金 3 万元/个[1]。三等奖 9", complete=False)
    assert pieces == ["一等奖奖金 5 万元/个[1]。", "二等奖奖金 3 万元/个[1]。"] and gate.cut == "三等奖 9"
    pieces, gate = gate_run("一等奖奖金 5 万元/个[1]。三等奖 9 个[1]", complete=True)
    assert "".join(pieces).endswith("三等奖 9 个[1]") and gate.cut == ""


# --- one deadline over the whole call -------------------------------------------------------------


def test_deadline_passes_items_and_stops_a_trickle() -> None:
    def trickle() -> Iterator[int]:
        for i in range(100):
            time.sleep(0.2)
            yield i

    started = time.perf_counter()
    got: list[int] = []
    with pytest.raises(DeadlineExceeded) as info:
        for item in until(started + 1.0, trickle, seconds=1.0):
            got.append(item)
    assert 1.0 <= time.perf_counter() - started < 1.5 and 2 <= len(got) <= 5
    assert "1 秒内" in info.value.message
    assert list(until(time.perf_counter() + 5, lambda: [1, 2, 3], seconds=5)) == [1, 2, 3]


def test_deadline_reraises_the_worker_error_in_the_caller() -> None:
    def broken() -> Iterator[int]:
        yield 1
        raise ValueError("bad chunk")

    seen: list[str] = []
    with pytest.raises(ValueError, match="bad chunk"):
        for item in until(time.perf_counter() + 5, broken, seconds=5):
            seen.append(threading.current_thread().name)
            assert item == 1
    assert seen == [threading.current_thread().name]  # items are handed to the caller's thread


# --- passages within the token budget ---------------------------------------------------------------


def test_passages_fit_the_budget_numbered_from_one() -> None:
    many = [PRIZES.model_copy(update={"chunk_id": f"shanxi:{i:04d}"}) for i in range(30)]
    shown = fit(many, 1000)
    assert 0 < len(shown) < 30 and [p.n for p in shown] == list(range(1, len(shown) + 1))
    assert tokens.count_tokens(render(shown)) <= 1000
    assert fit([PRIZES, PRIZES, SCHEDULE], 5000)[1].chunk.chunk_id == SCHEDULE.chunk_id  # repeats shown once
    head = fit([PRIZES.model_copy(update={"text": "奖金" * 3000})], 400)
    assert len(head) == 1 and tokens.count_tokens(head[0].block) <= 400
    assert fit([PRIZES], 20) == []


def test_chat_prompt_inserts_values_verbatim() -> None:
    prompt = chat_prompt(load_prompt("answer_system", PROMPTS, expected=()), load_prompt("answer_user", PROMPTS))
    assert set(prompt.input_variables) == {"passages", "divisions", "question"}
    value = '[1] 奖金 <5> "万元" & {年} {{x}}'
    system, user = prompt.format_messages(passages=value, divisions="山西分赛", question="一等奖？")
    assert value in str(user.content) and "{{" not in str(system.content)
    assert "<资料>" in str(user.content) and "通知未规定" in str(system.content)


# --- prompts --------------------------------------------------------------------------------------


def test_prompt_render_with_missing_placeholder_raises() -> None:
    template = load_prompt("answer_user", PROMPTS)
    with pytest.raises(PromptError) as info:
        template.render(question="问题")
    assert info.value.missing == ["divisions", "passages"]
    assert "divisions" in info.value.message and "passages" in info.value.message


def test_prompt_files_have_expected_placeholders(tmp_path: Path) -> None:
    assert load_prompt("answer_system", PROMPTS).placeholders == frozenset()
    (tmp_path / "p.md").write_text("<!-- note -->问题：{{question}} {{ extra }}", encoding="utf-8")
    with pytest.raises(PromptError, match="多出 extra"):
        load_prompt("p", tmp_path, expected=["question"])
    assert load_prompt("p", tmp_path).render(question="甲", extra="乙") == "问题：甲 乙\n"
    (tmp_path / "bad.md").write_text("{{question}", encoding="utf-8")
    with pytest.raises(PromptError):
        load_prompt("bad", tmp_path)
    with pytest.raises(PromptError, match="找不到"):
        load_prompt("missing", tmp_path)


# --- tiktoken offline ----------------------------------------------------------------------------


def test_tiktoken_works_offline_from_fresh_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_download(blobpath: str) -> bytes:
        raise AssertionError(f"tiktoken tried to download {blobpath}")

    monkeypatch.setattr(tiktoken.load, "read_file", no_download)
    monkeypatch.setattr(tiktoken.registry, "ENCODINGS", {})
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / "fresh"))
    tokens.get_encoding.cache_clear()
    try:
        n = tokens.count_tokens("山西分赛一等奖 3 个，奖金 5 万元/个。")
    finally:
        tokens.get_encoding.cache_clear()
    assert 5 < n < 60
    url = "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken"
    cached = tmp_path / "fresh" / hashlib.sha1(url.encode()).hexdigest()
    expected = "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"
    assert hashlib.sha256(cached.read_bytes()).hexdigest() == expected
    assert tokens.fit_passages(["一等奖", "二等奖", "三等奖" * 100], 10) == 2
    assert isinstance(tiktoken.get_encoding("cl100k_base"), tiktoken.Encoding)


# --- grounding helpers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "source", "grounded"),
    [
        ("报名时间为2025年5-7月", "报名和审核（2025 年 5-7 月）", True),
        ("一等奖奖金五万元", "一等奖 3 个 奖金 5 万元/个", True),
        ("一等奖奖金50000元", "一等奖 3 个 奖金 5 万元/个", True),
        ("一等奖奖金50万元", "一等奖 3 个 奖金 5 万元/个", False),
        ("优秀奖奖金0.5万元", "优秀奖 18 个 奖金 0.5 万元/个", True),
        ("拟设一等奖三个", "拟设一等奖 3 个", True),
        ("文号为陕数政发[2025]19号", "陕数政发〔2025〕19号", True),
        ("联系电话 188-2987-1377", "联系人：乔春蕾 18829871377", True),
        ("联系电话 18829871378", "联系人：乔春蕾 18829871377", False),
        ("平台网址 http://www.sxsjds.com/", "平台链接（[www.sxsjds.com](http://www.sxsjds.com)）", True),
        ("截止日期为２０２５年７月３１日", "截止时间 2025 年 7 月 31 日", True),
        ("截止日期为2025年7月30日", "截止时间 2025 年 7 月 31 日", False),
        ("设一等奖、二等奖和三等奖", "设置一、二、三等奖", True),
    ],
)
def test_number_grounding(sentence: str, source: str, grounded: bool) -> None:
    result = ground_answer(sentence + "[1]。", [source])
    assert result.ok is grounded


def test_split_sentences_keeps_markers_and_bullets() -> None:
    text = "山西分赛奖项如下：\n- 一等奖 3 个[1]；\n- 二等奖 6 个。[1]\n通知未规定报名费！"
    assert split_sentences(text) == [
        "山西分赛奖项如下：",
        "- 一等奖 3 个[1]；",
        "- 二等奖 6 个。[1]",
        "通知未规定报名费！",
    ]
    result = ground_answer(text, [PRIZES.text])
    assert result.ok and result.text == text and result.dropped == []


def test_list_ordinals_are_not_facts() -> None:
    result = ground_answer("1. 一等奖奖金 5 万元/个[1]\n2. 二等奖奖金 3 万元/个[1]", [PRIZES.text])
    assert result.ok and result.dropped == []


def test_extract_numbers_kinds() -> None:
    kinds = [
        f.kind
        for f in extract_numbers("2025年7月31日前发邮件至 a@b.cn 或致电 0351-4567890，详见 www.sxsjds.com")
    ]
    assert kinds == ["url", "email", "phone", "date", "number", "number", "number"]


def test_pick_quote_is_verbatim_and_short() -> None:
    quote = pick_quote(PRIZES.text, "二等奖奖金 3 万元/个[1]")
    assert quote == "2. 二等奖 6 个 奖金 3 万元/个 总金额 18 万元"
    long = "数据要素" * 100 + "奖金 5 万元。"
    assert len(pick_quote(long, "奖金")) <= 120 and pick_quote(long, "奖金") in long


def test_layout_and_lead_ins_survive_grounding() -> None:
    text = "**山西分赛**：\n- 一等奖 3 个，每个 5 万元[1]。\n\n**陕西分赛**：\n- 奖金 50 万元[2]。\n- 设特色单项奖[2]。"
    result = ground_answer(text, [PRIZES.text, SHAANXI_PRIZES.text])
    assert result.ok and result.dropped == ["- 奖金 50 万元[2]。"]
    assert (
        result.text
        == "**山西分赛**：\n- 一等奖 3 个，每个 5 万元[1]。\n\n**陕西分赛**：\n- 设特色单项奖[2]。"
    )


def test_tiktoken_set_up_leaves_the_environment_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TIKTOKEN_CACHE_DIR", raising=False)
    monkeypatch.setenv("DATA_GYM_CACHE_DIR", str(tmp_path / "gym"))  # tiktoken's second lookup
    monkeypatch.setattr(tiktoken.registry, "ENCODINGS", {})
    before = dict(os.environ)
    tokens.get_encoding.cache_clear()
    try:
        assert tokens.count_tokens("新疆分赛报名截止时间") > 0
    finally:
        tokens.get_encoding.cache_clear()
    assert dict(os.environ) == before
    assert any((tmp_path / "gym").iterdir())


def test_the_form_agent_uses_the_same_chat_adapter(server: FakeOpenAI) -> None:
    from assistant.forms.assist import FormAssistant

    server.enqueue(Text("请简要说明项目背景、问题、技术和成效。"), HTTPError(500))
    helper = FormAssistant(ChatCompleter.from_settings(settings_for(server)), PROMPTS)
    text = helper.explain(label="项目简述", where="申报书", hint="介绍项目背景", rules="不超过 500 字")
    assert text == "请简要说明项目背景、问题、技术和成效。" and server.requests[0]["temperature"] == 0
    with pytest.raises(LLMError, match="HTTP 500"):
        helper.explain(label="项目简述", where="申报书", hint="", rules="")
