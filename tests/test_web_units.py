"""Web-layer pieces without a server: the sites file, origins,
escaping, streaming pieces, the browser word counter's character class, and the admin token check."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.errors import ConfigError
from assistant.forms.wordcount import is_east_asian, is_invisible
from assistant.models import Answer, Citation
from assistant.settings import Settings
from assistant.web.admin import check_token
from assistant.web.counter import east_asian_class, invisible_class
from assistant.web.errors import ApiError
from assistant.web.render import answer_markdown, sources_html, text_markdown
from assistant.web.server import _console_disabled
from assistant.web.sites import load_sites, normalise_origin
from assistant.web.streaming import pieces

ROOT = Path(__file__).resolve().parent.parent
CITE = Citation(n=1, division="shanxi", doc_title="山西分赛通知", section="五、奖项设置", quote="一等奖 3 个 奖金 5 万元/个",
                chunk_id="shanxi:0010", context="奖金总额 60 万元：一等奖 3 个 奖金 5 万元/个")


def answer(question: str, text: str = "山西分赛：一等奖 5 万元[1]", status: str = "answered") -> Answer:
    return Answer(question=question, answer=text, status=status, divisions=["shanxi"], citations=[CITE])  # type: ignore[arg-type]


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
