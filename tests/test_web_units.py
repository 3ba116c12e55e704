"""Web-layer pieces without a server: the SQLite store (real, in tmp_path), sites file, quotas, origins,
escaping, streaming pieces, the browser word counter's character class, and the admin token check."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.errors import ConfigError, InputError
from assistant.forms.wordcount import is_east_asian, is_invisible
from assistant.models import Answer, Citation
from assistant.settings import Settings
from assistant.web.admin import check_token
from assistant.web.counter import east_asian_class, invisible_class
from assistant.web.errors import ApiError
from assistant.web.render import answer_markdown, sources_html, text_markdown
from assistant.web.server import _console_disabled
from assistant.web.sites import Quotas, load_sites, normalise_origin
from assistant.web.store import QAStore
from assistant.web.streaming import pieces

ROOT = Path(__file__).resolve().parent.parent
CITE = Citation(n=1, division="shanxi", doc_title="山西分赛通知", section="五、奖项设置", quote="一等奖 3 个 奖金 5 万元/个",
                chunk_id="shanxi:0010", context="奖金总额 60 万元：一等奖 3 个 奖金 5 万元/个")


def answer(question: str, text: str = "山西分赛：一等奖 5 万元[1]", status: str = "answered") -> Answer:
    return Answer(question=question, answer=text, status=status, divisions=["shanxi"], citations=[CITE])  # type: ignore[arg-type]


# -- store ------------------------------------------------------------------------------------------


def test_log_search_filters_and_feedback(tmp_path: Path) -> None:
    store = QAStore.in_dir(tmp_path)
    a = store.log(answer("山西分赛一等奖奖金是多少？"), scope=None, channel="page")
    b = store.log(answer("今天天气", "抱歉", "out_of_scope"), scope="shanxi", channel="api")
    store.feedback(a, "down", "金额写法不清楚")
    assert [e.id for e in store.search(text="一等奖")] == [a]
    assert [e.id for e in store.search(scope="shanxi")] == [b]
    assert [e.id for e in store.search(scope="none")] == [a]
    assert [e.id for e in store.search(status="out_of_scope")] == [b]
    assert [(e.id, e.vote, e.comment) for e in store.search(feedback="down")] == [(a, "down", "金额写法不清楚")]
    assert [e.id for e in store.search(feedback="none")] == [b]
    detail = store.get(a)
    assert detail is not None and detail.answer.citations[0].context == CITE.context
    with pytest.raises(InputError):
        store.feedback("missing", "up")


def test_approved_answers_survive_a_restart_and_record_history(tmp_path: Path) -> None:
    store = QAStore.in_dir(tmp_path)
    store.approve(question="山西分赛一等奖奖金是多少？", scope=None, answer="一等奖每个 5 万元[1]", citations=[CITE], who="张三")
    store.approve(question="山西分赛一等奖奖金是多少", scope=None, answer="一等奖 3 个，每个 5 万元[1]", citations=[CITE], who="李四")
    reopened = QAStore.in_dir(tmp_path)
    hit = reopened.lookup("山西分赛一等奖奖金是多少", None)
    assert hit is not None and hit.approved and hit.note == "秘书处审定" and hit.answer == "一等奖 3 个，每个 5 万元[1]"
    assert hit.citations == [CITE] and hit.divisions == ["shanxi"]
    history = reopened.history()
    assert [(h.action, h.who, h.before, h.after) for h in history] == [
        ("edit", "李四", "一等奖每个 5 万元[1]", "一等奖 3 个，每个 5 万元[1]"),
        ("approve", "张三", None, "一等奖每个 5 万元[1]"),
    ]
    assert reopened.revoke(question="山西分赛一等奖奖金是多少", scope=None, who="张三")
    assert reopened.lookup("山西分赛一等奖奖金是多少", None) is None
    assert reopened.history()[0].action == "revoke"


@pytest.mark.parametrize(
    ("approved_scope", "canonical", "asked_scope", "served"),
    [
        (None, "山西分赛一等奖奖金是多少", None, True),
        (None, "山西分赛一等奖奖金是多少", "shanxi", True),  # the scope repeats the division the question names
        ("shanxi", "山西分赛一等奖奖金是多少", None, True),
        (None, "山西分赛一等奖奖金是多少", "shaanxi", False),
        (None, "一等奖奖金是多少", "shanxi", False),  # names no division: 全部 and 山西 are different questions
        ("shanxi", "一等奖奖金是多少", "shanxi", True),
        ("shanxi", "一等奖奖金是多少", None, False),
    ],
)
def test_approved_lookup_scope(tmp_path: Path, approved_scope: str | None, canonical: str, asked_scope: str | None,
                               served: bool) -> None:
    store = QAStore.in_dir(tmp_path)
    store.approve(question=canonical, scope=approved_scope, answer="审定答案[1]", citations=[CITE], who="张三")  # type: ignore[arg-type]
    assert (store.lookup(canonical, asked_scope) is not None) is served  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"who": ""}, "审定人"),
        ({"answer": "  "}, "不能为空"),
        ({"question": "？？"}, "问题"),
        ({"answer": "长" * 5001}, "过长"),
    ],
)
def test_approve_rejects_bad_input(tmp_path: Path, kwargs: dict[str, str], message: str) -> None:
    base = {"question": "报名时间", "scope": None, "answer": "见通知[1]", "citations": [CITE], "who": "张三"}
    with pytest.raises(InputError, match=message):
        QAStore.in_dir(tmp_path).approve(**{**base, **kwargs})  # type: ignore[arg-type]


# -- sites and quotas --------------------------------------------------------------------------------


def test_example_sites_file_loads() -> None:
    sites = load_sites(ROOT / "sites.example.yaml")
    portal = sites.get("shanxi-portal")
    assert portal is not None and portal.division == "shanxi" and portal.quota.per_minute == 10
    assert "https://sxsjds.example.gov.cn" in sites.origins


def test_missing_sites_file_means_no_sites(tmp_path: Path) -> None:
    sites = load_sites(tmp_path / "absent.yaml")
    assert sites.sites == {} and sites.origins == frozenset()


@pytest.mark.parametrize(
    ("conf", "message"),
    [
        ("origins: ['https://a.gov.cn/path']", "不能带路径"),
        ("origins: ['ftp://a.gov.cn']", "有效的网址来源"),
        ("origins: []", "origins"),
        ("origins: ['https://a.gov.cn']\n    colour: red", "颜色"),
        ("origins: ['https://a.gov.cn']\n    division: 火星", "未知的分赛"),
        ("origins: ['https://a.gov.cn']\n    quota: {per_minute: 0}", "quota"),
    ],
)
def test_bad_sites_file_names_the_problem(tmp_path: Path, conf: str, message: str) -> None:
    path = tmp_path / "sites.yaml"
    path.write_text(f"sites:\n  k1:\n    {conf}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_sites(path)


@pytest.mark.parametrize(
    ("raw", "origin"),
    [
        ("https://WWW.Example.gov.cn", "https://www.example.gov.cn"),
        ("https://example.gov.cn:443/", "https://example.gov.cn"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://localhost:80", "http://localhost"),
    ],
)
def test_normalise_origin(raw: str, origin: str) -> None:
    assert normalise_origin(raw) == origin


def test_quota_per_minute_then_next_minute(tmp_path: Path) -> None:
    path = tmp_path / "sites.yaml"
    path.write_text("sites:\n  s:\n    origins: ['https://a.gov.cn']\n    quota: {per_minute: 2, per_day: 3}\n", "utf-8")
    site = load_sites(path).get("s")
    assert site is not None
    now = [1_000_000.0]
    quotas = Quotas(clock=lambda: now[0])
    quotas.hit(site, "1.2.3.4")
    quotas.hit(site, "1.2.3.4")
    quotas.hit(site, "5.6.7.8")  # another visitor has its own count
    with pytest.raises(ApiError, match="请稍后再试") as minute:
        quotas.hit(site, "1.2.3.4")
    assert minute.value.status == 429
    now[0] += 60
    quotas.hit(site, "1.2.3.4")
    with pytest.raises(ApiError, match="今天的提问次数"):
        quotas.hit(site, "1.2.3.4")


# -- rendering, streaming, counter, admin ------------------------------------------------------------


def test_user_and_model_text_is_escaped() -> None:
    attack = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    assert "<" not in text_markdown(attack)
    rendered = answer_markdown(answer(attack, text=attack + "[1]"))
    assert "<script" not in rendered and "<img" not in rendered and '<sup class="cite">[1]</sup>' in rendered
    evil = CITE.model_copy(update={"quote": attack, "doc_title": attack, "context": "前文" + attack + "后文"})
    html = sources_html(answer("q").model_copy(update={"citations": [evil]}))
    assert "<script" not in html and "<img" not in html and "&lt;script&gt;" in html


@pytest.mark.parametrize("text", ["山西分赛：一等奖 5 万元[1]，二等奖 3 万元[2][3]。", "[12] 开头", "无引用的回答", "半个[标记"])
def test_stream_pieces_rebuild_the_answer_and_keep_markers_whole(text: str) -> None:
    parts = pieces(text)
    assert "".join(parts) == text
    for marker in re.findall(r"\[\d+\]", text):
        assert marker in parts


def _in_class(klass: str, ch: str) -> bool:
    ranges = [(int(a, 16), int(b or a, 16)) for a, b in re.findall(r"\\u\{([0-9A-F]+)\}(?:-\\u\{([0-9A-F]+)\})?", klass)]
    return any(lo <= ord(ch) <= hi for lo, hi in ranges)


def test_browser_counter_class_matches_the_python_rule() -> None:
    klass = east_asian_class()
    for ch in "中，。“”—…、ＡＢ１あ한😀Aa1 ,.-éｶﾞ①":
        assert _in_class(klass, ch) == is_east_asian(ch), ch


def test_browser_counter_skips_what_the_python_rule_skips() -> None:
    klass = invisible_class()
    for ch in "\u200b\u200c\u200d\ufeff\ufe0f\u0301a中😀":
        assert _in_class(klass, ch) == is_invisible(ch), hex(ord(ch))
    assert is_invisible("\u200b") and not is_invisible("a")


def test_admin_token_check() -> None:
    with pytest.raises(ApiError) as disabled:
        check_token(Settings(admin_token=""), "anything")
    assert disabled.value.code == "console_disabled" and "ADMIN_TOKEN" in disabled.value.message
    with pytest.raises(ApiError) as missing:
        check_token(Settings(admin_token="s3cret-token"), "")
    assert missing.value.status == 401
    with pytest.raises(ApiError) as wrong:
        check_token(Settings(admin_token="s3cret-token"), "s3cret-tokem")
    assert wrong.value.status == 403 and wrong.value.message == "口令错误，拒绝访问。"
    check_token(Settings(admin_token="s3cret-token"), "s3cret-token")
    page = _console_disabled()
    assert page.status_code == 403 and "ADMIN_TOKEN" in bytes(page.body).decode()


def test_quotes_keep_the_notices_bold_and_nothing_else() -> None:
    from assistant.web.render import quote_html

    assert quote_html("<b>数字产品设计</b> ☐ 通用软件<script>x</script>") == (
        "<b>数字产品设计</b> ☐ 通用软件&lt;script&gt;x&lt;/script&gt;"
    )
    assert quote_html('<b onclick="x">a</b>') == "&lt;b onclick=&quot;x&quot;&gt;a</b>"


# -- console labels ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("2025-07-25T06:03:41+00:00", "2025-07-25 14:03"),
        ("2025-07-25T17:30:00+00:00", "2025-07-26 01:30"),  # past midnight in Beijing: the next day
        ("2025-07-25T06:03:41", "2025-07-25 14:03"),  # naive: stored as UTC
        ("不是时间", "不是时间"),
    ],
)
def test_console_times_are_beijing_time(stored: str, shown: str) -> None:
    from assistant.web.labels import beijing_time

    assert beijing_time(stored) == shown


def test_console_channels_are_named_in_chinese(tmp_path: Path) -> None:
    from assistant.web.labels import channel_name

    sites_file = tmp_path / "sites.yaml"
    sites_file.write_text("sites:\n  shanxi-web:\n    title: 山西分赛智能助手\n    origins: ['https://sx.example.cn']\n",
                          encoding="utf-8")
    sites = load_sites(sites_file)
    assert [channel_name(c, sites) for c in ("page", "gradio", "api", "embed:shanxi-web", "embed:gone")] == [
        "页面", "页面接口", "接口", "挂件（山西分赛智能助手）", "挂件（gone）"
    ]
