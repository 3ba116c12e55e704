"""The knowledge base: fidelity to the source notices, front matter, and the structure-aware chunker.

The fidelity test compares the knowledge bodies with the seed notices after removing only whitespace
and markup. It fails on any added, dropped or changed character (word, number or punctuation) other
than the page artefacts listed explicitly in ARTEFACTS below.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.errors import ConfigError
from assistant.models import DIVISION_IDS, Chunk, Document
from assistant.rules.knowledge import (
    MAX_CHARS,
    MAX_ROWS,
    SECTION_SEP,
    chunk_document,
    corpus_hash,
    load_chunks,
    load_documents,
    parse_document,
)

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"
SEEDS = Path(os.environ.get("SEEDS_DIR", Path(__file__).parent / "seeds"))

# doc_id -> (division, seed file)
EXPECTED = {
    "xinjiang": ("xinjiang", "000_d2a138442f4e7653.txt"),
    "yiyang": ("yiyang", "001_9353c53a7b511560.txt"),
    "national-2025": ("national-2025", "001_9353c53a7b511560.txt"),
    "shaanxi": ("shaanxi", "002_180715a1def6fcf8.txt"),
    "shanxi": ("shanxi", "003_22111ded05495491.txt"),
    "national-2024": ("national-2024", "004_dfffbdba3c31c784.txt"),
}
# Seed file -> knowledge files whose bodies, concatenated in this order, reproduce it.
SEED_PARTS = {
    "000_d2a138442f4e7653.txt": ["xinjiang"],
    "001_9353c53a7b511560.txt": ["yiyang", "national-2025"],
    "002_180715a1def6fcf8.txt": ["shaanxi"],
    "003_22111ded05495491.txt": ["shanxi"],
    "004_dfffbdba3c31c784.txt": ["national-2024"],
}
# The only text removed from the seeds: (seed file, regex, expected number of matches).
ARTEFACTS: list[tuple[str, str, int]] = [
    # page artefact of the Xinjiang notice (signature pages)
    ("000_d2a138442f4e7653.txt", r"\(此页无正文\)", 2),
    # Shanxi 申报书 "*应用场景" row: the converter emitted the embedded HTML table twice more as
    # tab-separated cells (tail of the row + the next four lines); test_shanxi_duplicate_table checks it.
    ("003_22111ded05495491.txt", r"(?<=<p>7\. 项目毛利润（万元，选填）</p>)\t[^\n]*(?:\n\t[^\n]*){4}", 1),
]
# Front matter values, stated in the notices (None: the notice does not state it).
FRONT_MATTER = {
    "xinjiang": (None, None, None),
    "yiyang": ("益阳市数据局", None, "2025-05-28"),
    "national-2025": (None, None, None),
    "shaanxi": ("陕西省数据和政务服务局", "陕数政发〔2025〕19号", "2025-05-27"),
    "shanxi": ("山西省数据局", None, None),
    "national-2024": (None, None, None),
}


def norm(text: str) -> str:
    """Text without whitespace and Markdown/HTML markup, for comparing knowledge bodies with seeds."""
    text = text.replace('<input type="checkbox"/>', "☐")
    text = re.sub(r"<(https?://[^>\s]+)>", r"\1", text)  # autolinks keep their URL
    text = re.sub(r"</?[A-Za-z][^>]*>", "", text)  # HTML tags
    text = re.sub(r"\[([^\]]*)\]\(([^)\s]*)\)", r"\1\2", text)  # [x](y) -> x y
    text = re.sub(r"(?m)^[ \t]*#{1,6}[ \t]*", "", text)  # heading marks
    text = re.sub(
        r"(?m)^[ \t]*\|?(?:[ \t]*:?-{3,}:?[ \t]*\|)+[ \t]*:?-*:?[ \t]*$", "", text
    )  # table rule rows
    text = text.replace("|", "").replace("**", "")
    text = re.sub(r"\\([\\`*_{}\[\]()#+\-.!|])", r"\1", text)  # Markdown escapes
    return re.sub(r"\s+", "", text)


def seed_without_artefacts(name: str) -> str:
    text = (SEEDS / name).read_text(encoding="utf-8")
    for seed, pattern, count in ARTEFACTS:
        if seed == name:
            text, n = re.subn(pattern, "", text)
            assert n == count, f"{name}: artefact {pattern!r} matched {n} times, expected {count}"
    return text


def first_difference(a: str, b: str) -> str:
    i = next((k for k, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    return f"at {i}: knowledge …{a[max(0, i - 30) : i + 30]}… vs seed …{b[max(0, i - 30) : i + 30]}…"


@pytest.fixture(scope="module")
def docs() -> dict[str, Document]:
    return {d.doc_id: d for d in load_documents(KNOWLEDGE)}




# --- fidelity ---------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", sorted(SEED_PARTS))
def test_body_reproduces_seed(seed: str, docs: dict[str, Document]) -> None:
    body = "\n\n".join(docs[d].body for d in SEED_PARTS[seed])
    a, b = norm(body), norm(seed_without_artefacts(seed))
    assert a == b, f"{seed}: {first_difference(a, b)}"


@pytest.mark.parametrize(
    "mutate",
    [
        lambda s: s.replace("5月至7月10日", "5月至7月11日", 1),  # a number
        lambda s: s.replace("。", "，", 1),  # punctuation
        lambda s: s.replace("自治区数字化发展局", "自治区数据局", 1),  # a word
        lambda s: s.replace("“数据要素×”", "“数据要素x”", 1),  # full-width × vs x
        lambda s: s.replace("\n\n## 二、大赛主题\n\n数据赋能 乘数而上", "", 1),  # a dropped section
    ],
)
def test_fidelity_check_can_fail(mutate: Callable[[str], str], docs: dict[str, Document]) -> None:
    body = docs["xinjiang"].body
    changed = mutate(body)
    assert changed != body
    assert norm(changed) != norm(seed_without_artefacts("000_d2a138442f4e7653.txt"))


def test_shanxi_duplicate_table_is_exactly_two_copies() -> None:
    """The dropped Shanxi text is two copies of the 代表性案例 table that the body keeps once."""
    src = (SEEDS / "003_22111ded05495491.txt").read_text(encoding="utf-8")
    dropped = re.search(ARTEFACTS[1][1], src)
    assert dropped is not None
    table = re.search(r"<table.*?</table>", src, re.S)
    assert table is not None
    cells = "".join(re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", table.group(0), re.S))
    assert norm(dropped.group(0)) == norm(cells) * 2


def test_norm_strips_markup_only() -> None:
    assert norm("## 一、大赛名称\n\n| a | b |\n|---|---|\n| **c** | \\_x |") == "一、大赛名称abc_x"
    assert norm('<p><b>公共管理</b></p> <input type="checkbox"/> 经济调节') == "公共管理☐经济调节"
    assert (
        norm("（[www.a.com](http://www.a.com)）<http://b.cn/>") == "（www.a.comhttp://www.a.com）http://b.cn/"
    )
    assert norm("1. 项目申报书") == "1.项目申报书"


# --- files and front matter -----------------------------------------------------------------------


def test_bold_text_keeps_the_notices_own_tags() -> None:
    """The Shanxi template marks its scenario groups with <b>…</b>; the knowledge file keeps the
    tags (not Markdown **), so a quoted row is the notice's text with only whitespace changed."""
    seed = (SEEDS / "003_22111ded05495491.txt").read_text(encoding="utf-8")
    body = (KNOWLEDGE / "shanxi.md").read_text(encoding="utf-8")
    bold = re.findall(r"<b>(.*?)</b>", seed)
    assert bold and re.findall(r"<b>(.*?)</b>", body) == bold
    assert not any(f"**{b}**" in body for b in bold)


def test_files_and_divisions(docs: dict[str, Document]) -> None:
    assert sorted(p.name for p in KNOWLEDGE.glob("*.md")) == sorted(f"{d}.md" for d in EXPECTED)
    assert {d: (doc.division, doc.source_file) for d, doc in docs.items()} == EXPECTED
    assert set(DIVISION_IDS) == {doc.division for doc in docs.values()}


@pytest.mark.parametrize("doc_id", sorted(EXPECTED))
def test_source_file_exists(doc_id: str, docs: dict[str, Document]) -> None:
    assert (SEEDS / docs[doc_id].source_file).is_file()


@pytest.mark.parametrize("doc_id", sorted(FRONT_MATTER))
def test_front_matter_values(doc_id: str, docs: dict[str, Document]) -> None:
    doc = docs[doc_id]
    assert (doc.issuer, doc.doc_number, doc.date) == FRONT_MATTER[doc_id]
    assert doc.title.strip() and "\n" not in doc.title


@pytest.mark.parametrize(
    ("doc_id", "title_words"),
    [
        ("xinjiang", "2025年“数据要素×”大赛新疆分赛"),
        ("yiyang", "关于举办2025年“数据要素×”大赛益阳初赛的通知"),
        ("national-2025", "2025年“数据要素×”大赛赛题指南"),
        ("shaanxi", "陕西省数据和政务服务局等部门关于举办2025年“数据要素×”大赛陕西分赛的通知"),
        ("shanxi", "关于举办2025年“数据要素×”大赛山西分赛的通知"),
        ("national-2024", "2024年“数据要素×”大赛赛题指南"),
    ],
)
def test_front_matter_is_stated_in_the_notice(
    doc_id: str, title_words: str, docs: dict[str, Document]
) -> None:
    doc = docs[doc_id]
    seed = norm((SEEDS / doc.source_file).read_text(encoding="utf-8"))
    assert doc.title.startswith(title_words)
    assert norm(title_words) in seed
    for value in (doc.issuer, doc.doc_number):
        if value is not None:
            assert norm(value) in seed
    if doc.date is not None:
        y, m, d = (int(x) for x in doc.date.split("-"))
        assert f"{y}年{m}月{d}日" in seed


def test_split_file_declares_its_part() -> None:
    heads = {p.stem: p.read_text(encoding="utf-8").split("\n---\n", 1)[0] for p in KNOWLEDGE.glob("*.md")}
    assert 'source_part: "正文、附件1"' in heads["yiyang"]
    assert 'source_part: "附件2、附件3"' in heads["national-2025"]


def test_body_conventions(docs: dict[str, Document]) -> None:
    for doc in docs.values():
        levels = [len(m.group(1)) for m in re.finditer(r"(?m)^(#{1,6}) ", doc.body)]
        assert levels and min(levels) == 2, doc.doc_id  # no "#" title line; top sections are "##"
        assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False)), (
            doc.doc_id
        )  # no skipped level
        assert "此页无正文" not in doc.body and "<input" not in doc.body and "<table" not in doc.body
        assert "\t" not in doc.body, doc.doc_id
    assert docs["xinjiang"].body.startswith("据要素×”大赛的通知》（国数政策〔2025〕19号）要求")


# --- loader -----------------------------------------------------------------------------------


def test_missing_front_matter_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "bad.md").write_text("## 一、标题\n\n正文\n", encoding="utf-8")
    with pytest.raises(ConfigError):
        load_documents(tmp_path)


def test_invalid_division_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "x.md"
    path.write_text('---\ndivision: "mars"\ntitle: "t"\nsource_file: "s"\n---\n\n正文\n', encoding="utf-8")
    with pytest.raises(ConfigError):
        parse_document(path)


def test_unquoted_yaml_date_is_kept_as_text(tmp_path: Path) -> None:
    path = tmp_path / "x.md"
    path.write_text(
        "---\ndivision: shanxi\ntitle: t\ndate: 2025-05-27\nsource_file: s\n---\n\n正文\n", encoding="utf-8"
    )
    doc = parse_document(path)
    assert doc.date == "2025-05-27" and doc.body == "正文\n" and doc.issuer is None


def test_corpus_hash_tracks_names_and_bytes(tmp_path: Path) -> None:
    for p in KNOWLEDGE.glob("*.md"):
        shutil.copy(p, tmp_path / p.name)
    h = corpus_hash(tmp_path)
    assert h == corpus_hash(KNOWLEDGE) and re.fullmatch(r"[0-9a-f]{64}", h)
    target = tmp_path / "shanxi.md"
    target.write_text(target.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert corpus_hash(tmp_path) != h
    target.rename(tmp_path / "shanxi2.md")
    assert corpus_hash(tmp_path) not in (h, corpus_hash(KNOWLEDGE))


# --- chunks -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chunks() -> list[Chunk]:
    return load_chunks(KNOWLEDGE)


def _chunk_with(chunks: list[Chunk], doc_id: str, snippet: str) -> Chunk:
    found = [c for c in chunks if c.doc_id == doc_id and snippet in c.text]
    assert len(found) == 1, f"{doc_id}: {snippet!r} in {len(found)} chunks"
    return found[0]


@pytest.mark.parametrize(
    ("doc_id", "snippet", "section"),
    [
        ("xinjiang", "要求，自治区数字化发展局等有关部门将共同举办", ""),
        ("xinjiang", "面向全国进行项目征集", "五、赛程安排及报名方式 > （一）报名阶段（5月至7月10日）"),
        ("xinjiang", "为参加分赛的唯一渠道", "五、赛程安排及报名方式"),
        ("xinjiang", "推荐不超过28支", "五、赛程安排及报名方式 > （五）公示及推选国家赛阶段（9月30日前）"),
        ("xinjiang", "（3）应用价值：具体应用案例", "四、赛事规则 > （五）参赛项目提交内容"),
        ("xinjiang", "数据来源多元化", "附件 2 2025 年“数据要素 ×”大赛新疆分赛评价指标"),
        (
            "xinjiang",
            "通过分析识别虚假 AIS 报文",
            "附件 1 2025 年“数据要素 ×”大赛新疆分赛赛题指南 > 赛道四：数据要素×交通运输领域赛题指南"
            " > 六、船舶自动识别系统（AIS）虚假错误信息分析判别",
        ),
        (
            "yiyang",
            "申报统一截止时间为 2025 年 7 月 10 日",
            "四、赛事安排 > （二）赛程安排 > 2. 推荐报名（2025 年 6 月 10 日—7 月 10 日）",
        ),
        ("yiyang", "设置一等奖 4 名", "六、奖项及奖励"),
        ("yiyang", "| 15 | 市医保局 |", "附件 1 各赛道主管单位职责分工"),
        (
            "national-2025",
            "优化期货合约设计",
            "附件 2 2025 年“数据要素×”大赛赛题指南 > 赛道五：数据要素×金融服务领域赛题指南"
            " > 六、强化期货市场服务实体经济能力与风险防控能力",
        ),
        ("national-2025", "数据来源多元性", "附件 3 2025 年“数据要素×”大赛评价指标"),
        ("shaanxi", "从中遴选28个优秀项目", "八、奖励机制及成果应用"),
        ("shaanxi", "被列入“信用中国”网站", "六、参赛条件要求 > （一）参赛单位要求"),
        ("shaanxi", "赛题 5：秦岭综合治理管控", "附件 2 陕西分赛赛题指南 > 赛道十：数据要素×应急管理"),
        ("shanxi", "奖金总额 60 万元", "五、奖项设置 > （一）优秀作品奖"),
        ("shanxi", "拟设一等奖 3 个", "四、赛事安排 > (三) 赛程设置"),
        ("shanxi", "原则上不可参加2025年山西分赛", "六、参赛条件 > （二）参赛项目要求"),
        (
            "shanxi",
            "2.煤炭关键工序数字改造",
            "附件 1 2025 年“数据要素×”大赛山西分赛 赛题指南 > 赛道一：数据要素×能源低碳领域赛题",
        ),
        (
            "shanxi",
            "☐ 公共数据 如是",
            "附件 2 2025 年“数据要素 ×”大赛 参赛项目申报书 > 第一部分：基本信息 > (一) 项目基本信息",
        ),
        (
            "shanxi",
            "数据标准化管理、数据伦理治理",
            "附件 2 2025 年“数据要素 ×”大赛 参赛项目申报书 > 第二部分：参赛项目介绍 > 二、解决方案"
            " > （三）数据治理（限 3000 字）",
        ),
        (
            "national-2024",
            "提升港口航道数智服务水平",
            "附件 1 2024年“数据要素×”大赛赛题指南 > 赛道四：数据要素×交通运输领域赛题指南",
        ),
    ],
)
def test_chunk_section_paths(chunks: list[Chunk], doc_id: str, snippet: str, section: str) -> None:
    assert _chunk_with(chunks, doc_id, snippet).section == section


def test_chunk_ids_and_order(chunks: list[Chunk], docs: dict[str, Document]) -> None:
    assert [c.model_dump() for c in chunks] == [c.model_dump() for c in load_chunks(KNOWLEDGE)]  # stable
    assert len({c.chunk_id for c in chunks}) == len(chunks)
    for doc_id, doc in docs.items():
        own = [c for c in chunks if c.doc_id == doc_id]
        assert [c.ordinal for c in own] == list(range(len(own)))
        assert all(c.chunk_id == f"{doc_id}:{c.ordinal:04d}" for c in own)
        assert all(c.division == doc.division and c.doc_title == doc.title for c in own)


def test_chunks_are_verbatim_and_cover_the_body(chunks: list[Chunk], docs: dict[str, Document]) -> None:
    for doc_id, doc in docs.items():
        own = [c for c in chunks if c.doc_id == doc_id]
        body_lines = set(doc.body.splitlines())
        seen: set[str] = set()
        for c in own:
            assert c.text.strip() and c.text == c.text.strip("\n")
            assert not re.search(r"(?m)^#{1,6} ", c.text), c.chunk_id  # headings are not repeated in text
            lines = c.text.splitlines()
            assert set(lines) <= body_lines, c.chunk_id
            if not lines[0].startswith("|"):
                assert c.text in doc.body, c.chunk_id  # quotable: a verbatim slice of the body
            seen.update(lines)
        missing = [
            ln
            for ln in doc.body.splitlines()
            if ln.strip() and not re.match(r"#{1,6} ", ln) and ln not in seen
        ]
        assert not missing, f"{doc_id}: body lines in no chunk: {missing[:3]}"


def test_chunk_sizes(chunks: list[Chunk]) -> None:
    for c in chunks:
        if len(c.text) > MAX_CHARS:
            assert "\n\n" not in c.text, c.chunk_id  # only a single oversized block may exceed the limit


def test_table_groups_repeat_the_header(chunks: list[Chunk]) -> None:
    groups = [c for c in chunks if c.text.startswith("| 一级指标 | 二级指标 | 三级指标 |")]
    assert {c.doc_id for c in groups} == {"xinjiang", "national-2025"}
    for c in groups:
        lines = c.text.splitlines()
        assert lines[1] == "|---|---|---|" and 1 <= len(lines) - 2 <= MAX_ROWS
    yiyang = [c for c in chunks if c.doc_id == "yiyang" and c.text.startswith("| 序号 | 主管单位 |")]
    assert len(yiyang) == 3
    rows = [ln for c in yiyang for ln in c.text.splitlines()[2:]]
    assert [r.split("|")[1].strip() for r in rows] == [str(n) for n in range(1, 18)]


def _doc(body: str) -> Document:
    return Document(doc_id="t", division="shanxi", title="T", source_file="s.txt", body=body)


def test_chunker_structure() -> None:
    long_para = "甲" * 400 + "。"
    table = "| 列一 | 列二 |\n|---|---|\n" + "\n".join(f"| {n} | 值{n} |" for n in range(1, 21))
    body = (
        "前言。\n\n## 一、总则\n\n总则正文。\n\n### （一）细则\n\n细则正文。\n\n"
        f"## 二、长节\n\n{long_para}\n\n{long_para}\n\n{long_para}\n\n## 附件 1 表\n\n{table}\n\n## 三、空节\n"
    )
    got = [(c.section, c.text) for c in chunk_document(_doc(body))]
    assert got[:3] == [("", "前言。"), ("一、总则", "总则正文。"), ("一、总则 > （一）细则", "细则正文。")]
    long_parts = [t for s, t in got if s == "二、长节"]
    assert len(long_parts) == 3 and all(t == long_para for t in long_parts)
    groups = [t for s, t in got if s == "附件 1 表"]
    assert len(groups) == 3 and all(g.startswith("| 列一 | 列二 |\n|---|---|\n| ") for g in groups)
    assert sum(len(g.splitlines()) - 2 for g in groups) == 20
    assert all(s != "三、空节" for s, _ in got)  # empty sections make no chunk
    assert SECTION_SEP == " > "


def test_vendored_seeds_match_the_shared_notices() -> None:
    """tests/seeds is a copy of ../shared/seeds; where the shared folder exists they must agree."""
    shared = Path(__file__).resolve().parent.parent.parent / "shared" / "seeds"
    if not shared.is_dir():
        pytest.skip("../shared/seeds is not beside this checkout")
    for seed in sorted(shared.glob("*.txt")):
        assert (SEEDS / seed.name).read_bytes() == seed.read_bytes(), seed.name
