"""LLM mode end to end against a real local OpenAI-compatible server with scripted replies."""

from __future__ import annotations

import hashlib
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import tiktoken
import tiktoken.load
import tiktoken.registry
from fake_openai import Delay, EmptyChoices, FakeOpenAI, HTTPError, Malformed, Stream, Text

from assistant import tokens
from assistant.errors import LLMError
from assistant.llm import ChatClient, LLMAnswerer
from assistant.models import Chunk
from assistant.prompts import PromptError, load_prompt
from assistant.rules.grounding import extract_numbers, ground_answer, pick_quote, split_sentences

PROMPTS = Path(__file__).resolve().parent.parent / "prompts"
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}

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


@pytest.fixture(autouse=True)
def no_remote_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """Guard: no LLM endpoint outside 127.0.0.1 and no outbound connection at all during these tests."""
    for var in ("LLM_BASE_URL", "OPENAI_BASE_URL", "EMBEDDING_BASE_URL"):
        host = urlparse(os.environ.get(var, "")).hostname
        if host and host not in _LOOPBACK:
            monkeypatch.delenv(var)
    real_connect = socket.socket.connect

    def guarded(sock: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else address
        if sock.family in (socket.AF_INET, socket.AF_INET6) and host not in _LOOPBACK:
            raise AssertionError(f"test tried to reach {address!r}; only 127.0.0.1 is allowed")
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


def make_answerer(server: FakeOpenAI, timeout: float = 5.0, max_tokens: int = 6000) -> LLMAnswerer:
    chat = ChatClient(base_url=server.base_url, model="fake-model", api_key="test", timeout=timeout)
    return LLMAnswerer(chat=chat, prompts_dir=PROMPTS, max_context_tokens=max_tokens)


def ask(server: FakeOpenAI, reply: Any, timeout: float = 5.0) -> Any:
    server.enqueue(reply)
    return make_answerer(server, timeout).answer("山西分赛一等奖奖金多少？", CHUNKS, ["shanxi"])


# --- the LLM path -------------------------------------------------------------------------------


def test_streamed_grounded_answer_is_kept_and_renumbered(server: FakeOpenAI) -> None:
    reply = "山西分赛一等奖 3 个，奖金 5 万元/个[1]。决赛在 2025年8月上旬举行[2]。"
    server.enqueue(Stream([reply[i : i + 3] for i in range(0, len(reply), 3)]))
    deltas: list[str] = []
    out = make_answerer(server).answer("山西分赛一等奖奖金多少？", CHUNKS, ["shanxi"], on_token=deltas.append)

    assert out.ok and out.error is None and out.dropped == []
    assert "".join(deltas) == reply and len(deltas) > 3
    assert out.text == reply
    assert [(n, c.chunk_id) for n, c, _ in out.cited] == [(1, "shanxi:0020"), (2, "shanxi:0016")]
    for _, chunk, quote in out.cited:
        assert quote in chunk.text and 0 < len(quote) <= 120
    assert "5 万元" in out.cited[0][2]


def test_request_is_temperature_zero_streaming_with_numbered_passages(server: FakeOpenAI) -> None:
    ask(server, Text("一等奖奖金 5 万元/个[1]。"))
    request = server.requests[0]
    assert request["temperature"] == 0 and request["stream"] is True and request["model"] == "fake-model"
    system, user = request["messages"]
    assert system["role"] == "system" and "通知未规定" in system["content"]
    for n, chunk in enumerate(CHUNKS, start=1):
        assert f"[{n}] 分赛：" in user["content"] and chunk.section in user["content"]
    assert "山西分赛一等奖奖金多少？" in user["content"] and "{{" not in user["content"]


def test_citations_renumbered_in_order_of_use(server: FakeOpenAI) -> None:
    out = ask(server, Text("决赛在 2025 年 8 月上旬[2]。一等奖奖金 5 万元[1]。"))
    assert out.ok and out.text == "决赛在 2025 年 8 月上旬[1]。一等奖奖金 5 万元[2]。"
    assert [c.chunk_id for _, c, _ in out.cited] == ["shanxi:0016", "shanxi:0020"]


def test_hallucinated_amount_is_removed(server: FakeOpenAI) -> None:
    out = ask(
        server,
        Text("山西分赛一等奖奖金50万元[1]。一等奖拟设 3 个[1]。二等奖奖金 3 万元/个[1]。"),
    )
    assert out.ok
    assert out.dropped == ["山西分赛一等奖奖金50万元[1]。"]
    assert "50" not in out.text and out.text == "一等奖拟设 3 个[1]。二等奖奖金 3 万元/个[1]。"


def test_amount_from_another_passage_is_not_grounded(server: FakeOpenAI) -> None:
    # 5 万元 is in passage [1], not in the Shaanxi passage [3] the sentence cites.
    out = ask(
        server, Text("陕西分赛一等奖奖金 5 万元[3]。山西分赛一等奖奖金 5 万元[1]。陕西分赛设特色单项奖[3]。")
    )
    assert out.ok and out.dropped == ["陕西分赛一等奖奖金 5 万元[3]。"]
    assert [c.division for _, c, _ in out.cited] == ["shanxi", "shaanxi"]


def test_citation_that_does_not_exist_is_removed(server: FakeOpenAI) -> None:
    out = ask(server, Text("一等奖奖金 5 万元/个[1]。报名截止时间另行通知[7]。三等奖 9 个[1]。"))
    assert out.ok and out.dropped == ["报名截止时间另行通知[7]。"]
    assert "[7]" not in out.text and [n for n, _, _ in out.cited] == [1]


def test_uncited_sentence_is_removed(server: FakeOpenAI) -> None:
    out = ask(server, Text("一等奖奖金 5 万元/个[1]。二等奖 6 个[1]。报名免费且奖金当场发放。"))
    assert out.ok and out.dropped == ["报名免费且奖金当场发放。"]


def test_everything_removed_is_not_ok(server: FakeOpenAI) -> None:
    out = ask(
        server,
        Text("山西分赛一等奖奖金 50 万元[1]。获奖团队还可获得 100 万元扶持资金[9]。请拨打 12345 咨询。"),
    )
    assert not out.ok and out.text == "" and out.cited == []
    assert len(out.dropped) == 3 and out.error and "核实" in out.error


def test_model_saying_notice_is_silent_is_flagged(server: FakeOpenAI) -> None:
    out = ask(server, Text("通知未规定陕西分赛的奖金金额。"))
    assert not out.ok and out.silent and out.error


def test_http_500_falls_back_with_chinese_error(server: FakeOpenAI) -> None:
    out = ask(server, HTTPError(500))
    assert not out.ok and out.error == "大模型接口返回错误（HTTP 500）。"


def test_timeout_falls_back(server: FakeOpenAI) -> None:
    out = ask(server, Delay(2.5, Text("一等奖奖金 5 万元[1]。")), timeout=1.0)
    assert not out.ok and out.error is not None and "超时" in out.error


@pytest.mark.parametrize(
    "reply",
    [Malformed("this is not json"), Malformed("<html>502 Bad Gateway</html>", "text/html"), EmptyChoices()],
    ids=["not-json", "html", "empty-choices"],
)
def test_malformed_reply_falls_back(server: FakeOpenAI, reply: Any) -> None:
    out = ask(server, reply)
    assert not out.ok and out.error and out.error.startswith("大模型接口")


def test_connection_refused_falls_back() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    chat = ChatClient(base_url=f"http://127.0.0.1:{port}/v1", model="m", timeout=1)
    out = LLMAnswerer(chat=chat, prompts_dir=PROMPTS, max_context_tokens=6000).answer("问题", CHUNKS, [])
    assert not out.ok and out.error and "无法连接" in out.error


@pytest.mark.parametrize(
    "reply",
    [
        HTTPError(500),
        HTTPError(401, '{"error": {"message": "bad key"}}'),
        Malformed(),
        EmptyChoices(),
        Delay(2.5),
    ],
    ids=["500", "401", "not-json", "empty", "timeout"],
)
def test_chat_client_complete_raises_only_llm_error(server: FakeOpenAI, reply: Any) -> None:
    server.enqueue(reply)
    chat = ChatClient(base_url=server.base_url, model="fake-model", timeout=1.0)
    with pytest.raises(LLMError) as info:
        chat.complete([{"role": "user", "content": "你好"}])
    assert any("\u4e00" <= ch <= "\u9fff" for ch in info.value.message)


def test_chat_client_complete_returns_text(server: FakeOpenAI) -> None:
    server.enqueue(Text("好的。"))
    chat = ChatClient(base_url=server.base_url, model="fake-model", timeout=5)
    assert chat.complete([{"role": "user", "content": "你好"}]) == "好的。"
    assert server.requests[0]["temperature"] == 0 and not server.requests[0].get("stream")


def test_budget_keeps_passages_within_context(server: FakeOpenAI) -> None:
    answerer = make_answerer(server, max_tokens=1200)
    many = [PRIZES.model_copy(update={"chunk_id": f"shanxi:{i:04d}"}) for i in range(30)]
    messages, k = answerer.build_messages("山西分赛一等奖奖金多少？", many, ["shanxi"])
    assert 0 < k < 30
    assert sum(tokens.count_tokens(m["content"]) for m in messages) <= 1200
    assert f"[{k}] 分赛：" in messages[1]["content"] and f"[{k + 1}] 分赛：" not in messages[1]["content"]


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


def test_tiny_context_budget_falls_back_without_calling_the_model(server: FakeOpenAI) -> None:
    out = make_answerer(server, max_tokens=500).answer("山西分赛一等奖奖金多少？", CHUNKS, ["shanxi"])
    assert not out.ok and out.error and "LLM_MAX_CONTEXT_TOKENS" in out.error and server.requests == []


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
