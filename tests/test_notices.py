"""Notice updates end to end: real .docx, text .pdf and .md notices built in a temp dir, added
through the CLI (real subprocesses) into a temp DATA_DIR, then answers checked against TODAY."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from assistant.models import Answer, Chunk, Citation, DivisionId, Document
from assistant.notices.amendments import find_verbatim, suggest, verify
from assistant.notices.apply import Amender, Notice
from assistant.notices.convert import convert, numbering_level, tidy
from assistant.notices.model import Amendment, NoticeError, NoticeMeta, Target
from assistant.notices.review import ReviewGate, needs_review
from assistant.notices.store import NoticeStore
from assistant.rules.knowledge import chunk_document, corpus_hash, load_chunks

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"
ORIGINAL = "陕西省数据和政务服务局等部门关于举办2025年“数据要素×”大赛陕西分赛的通知"
DEADLINE_Q = "陕西分赛报名截止时间是哪天"
COUNT_Q = "陕西分赛推荐多少个项目到全国总决赛"
REPEAL_Q = "陕西分赛获奖项目会入选典型案例集吗"
REPEALED = "获得一、二等奖的项目将入选陕西省数据和政务服务局编制的相关典型案例集"


def _run(args: list[str], data_dir: Path, today: str = "2025-08-05", stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATA_DIR": str(data_dir), "TODAY": today, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args],
        cwd=ROOT, env=env, input=stdin, capture_output=True, text=True, timeout=300,
    )


def _docx(path: Path) -> Path:
    """A 补充通知 in Word: title style, numbered headings, a postponement, a repeal and a table."""
    import docx

    d = docx.Document()
    d.add_paragraph("关于2025年“数据要素×”大赛陕西分赛报名时间延期的补充通知", style="Title")
    d.add_paragraph("陕数政函〔2025〕30号")
    d.add_paragraph("各参赛单位：根据工作安排，现将有关事项补充通知如下：")
    d.add_paragraph("一、报名时间调整")
    d.add_paragraph("陕西分赛注册报名和参赛项目提交截止时间由2025年7月31日延期至2025年8月10日。")
    d.add_paragraph("二、示范打造")
    d.add_paragraph(f"原通知中“{REPEALED}”的规定予以废止。")
    d.add_paragraph("三、联系方式")
    table = d.add_table(rows=2, cols=2)
    for cell, text in zip(table.rows[0].cells + table.rows[1].cells, ["联系人", "电话", "秘书处", "029-12345678"], strict=True):
        cell.text = text
    d.add_paragraph("陕西分赛组委会秘书处")
    d.add_paragraph("2025年7月25日")
    d.save(str(path))
    return path


def _pdf(path: Path, lines: list[str] | None) -> Path:
    """A text PDF (reportlab's built-in CID font, no font file needed); `None` draws no text (a scan)."""
    pytest.importorskip("reportlab", reason="reportlab (BSD) builds the test PDF")
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path))
    c.setFont("STSong-Light", 12)
    if lines is None:
        c.rect(50, 50, 200, 200, fill=1)
    for i, line in enumerate(lines or []):
        c.drawString(60, 780 - 24 * i, line)
    c.save()
    return path


CORRECTION_LINES = [
    "关于陕西分赛推荐名额的更正",
    "一、推荐名额更正",
    "推荐至全国总决赛的项目数量由 28 个更正为 30 个。",  # the PDF layer's spaces are removed
    "陕西分赛组委会秘书处",
    "2025 年 7 月 26 日",
]


@pytest.fixture(scope="module")
def added(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh DATA_DIR with a Word 延期公告 and a PDF 更正 added through the CLI."""
    files = tmp_path_factory.mktemp("notice-files")
    data_dir = tmp_path_factory.mktemp("notice-data")
    before = (corpus_hash(KNOWLEDGE), _git_status())
    docx_out = _run(["notice", "add", str(_docx(files / "延期.docx")), "--division", "shaanxi", "--yes"], data_dir)
    assert docx_out.returncode == 0, docx_out.stderr
    assert "识别出 2 条修改" in docx_out.stdout
    pdf_out = _run(["notice", "add", str(_pdf(files / "更正.pdf", CORRECTION_LINES)), "--division", "shaanxi", "--yes"], data_dir)
    assert pdf_out.returncode == 0, pdf_out.stderr
    assert (corpus_hash(KNOWLEDGE), _git_status()) == before  # nothing written into the checkout
    return data_dir


def _git_status() -> str:
    return subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True).stdout


def _ask(data_dir: Path, today: str, *questions: str) -> list[dict[str, object]]:
    stdin = "".join(json.dumps({"id": i, "question": q}, ensure_ascii=False) + "\n" for i, q in enumerate(questions))
    out = _run(["ask", "--jsonl"], data_dir, today=today, stdin=stdin)
    assert out.returncode == 0, out.stderr
    return [json.loads(line) for line in out.stdout.splitlines()]


def test_notices_stored_under_data_dir_with_originals(added: Path) -> None:
    listed = _run(["notice", "list"], added)
    assert listed.returncode == 0
    assert "notice-shaanxi-20250725  [shaanxi] 延期公告 2025-07-25" in listed.stdout
    assert "notice-shaanxi-20250726  [shaanxi] 更正 2025-07-26" in listed.stdout
    originals = sorted(p.name for p in (added / "notices" / "originals").iterdir())
    assert originals == ["notice-shaanxi-20250725.docx", "notice-shaanxi-20250726.pdf"]
    shown = _run(["notice", "show", "notice-shaanxi-20250725"], added)
    assert "文号：陕数政函〔2025〕30号" in shown.stdout
    assert "| 联系人 | 电话 |" in shown.stdout and "## 一、报名时间调整" in shown.stdout
    sources = _run(["sources"], added)
    assert "[shaanxi] 关于陕西分赛推荐名额的更正\n    来源文件：更正.pdf" in sources.stdout
    missing = _run(["notice", "show", "notice-nope"], added)
    assert missing.returncode == 2 and "没有编号为" in missing.stderr


def test_answers_follow_amendments_in_force(added: Path) -> None:
    deadline, count, repeal, timeline = _ask(added, "2025-08-05", DEADLINE_Q, COUNT_Q, REPEAL_Q, "陕西分赛的赛程安排是怎样的")
    assert "即日起至 2025年8月10日（根据2025年7月25日《" in str(timeline["answer"])
    assert "初赛评审阶段：2025年8月1日至8月15日（进行中）" in str(timeline["answer"])  # the other stages stand
    assert deadline["answer"] == (
        "陕西分赛：根据2025年7月25日《关于2025年“数据要素×”大赛陕西分赛报名时间延期的补充通知》，"
        "陕西分赛注册报名和参赛项目提交截止时间延期至2025年8月10日（原定2025年7月31日）[2][1]"
    )
    cites = {c["n"]: c for c in deadline["citations"]}  # type: ignore[union-attr]
    assert cites[1]["doc_title"] == ORIGINAL and cites[1]["role"] == "superseded"
    assert "2025 年 7 月 31 日" in cites[1]["quote"] and cites[1]["section"] == "七、赛程安排"
    assert cites[2]["section"] == "一、报名时间调整" and "role" not in cites[2]
    assert "更正为30个（原为28个）" in str(count["answer"])
    assert [c.get("role") for c in count["citations"]].count("superseded") == 1  # type: ignore[union-attr]
    assert "已废止，不再适用" in str(repeal["answer"])
    for c in repeal["citations"]:  # type: ignore[union-attr]
        assert c["doc_title"] != ORIGINAL or c["role"] == "superseded"  # never given as current


def test_today_before_published_gives_the_old_answer(added: Path) -> None:
    deadline, count, repeal = _ask(added, "2025-07-20", DEADLINE_Q, COUNT_Q, REPEAL_Q)
    for a in (deadline, count, repeal):
        assert all(c["doc_title"] == ORIGINAL and "role" not in c for c in a["citations"])  # type: ignore[union-attr]
    assert "2025 年 7 月 31 日" in str(deadline["answer"]) and "8月10日" not in str(deadline["answer"])
    assert "28个" in str(count["answer"]) and REPEALED in str(repeal["answer"])


def test_a_notice_not_yet_published_is_not_cited_for_its_own_text(added: Path) -> None:
    """Before its publication day a notice's text is not a rule yet: no answer quotes it (after, it may)."""
    question = "陕西分赛报名时间延期的补充通知的文号是什么"
    (early,) = _ask(added, "2025-07-20", question)
    assert all("延期的补充通知" not in str(c["doc_title"]) for c in early["citations"])  # type: ignore[union-attr]
    (later,) = _ask(added, "2025-08-05", question)
    assert any("延期的补充通知" in str(c["doc_title"]) for c in later["citations"])  # type: ignore[union-attr]


def test_non_verbatim_amendment_refused(added: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.md"
    bad.write_text(
        "---\ntitle: 关于陕西分赛的补充通知\npublished: 2025-07-27\namendments:\n"
        "  - target: {document: shaanxi, section: 七、赛程安排, fact: 报名截止时间}\n"
        "    type: substitution\n    old: 2025年7月30日\n    new: 2025年8月20日\n"
        "---\n\n报名截止时间由2025年7月30日延期至2025年8月20日。\n",
        encoding="utf-8",
    )
    out = _run(["notice", "add", str(bad), "--division", "shaanxi", "--yes"], added)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "原文“2025年7月30日”没有逐字出现在条款“七、赛程安排”中" in out.stderr
    assert not list((added / "notices").glob("notice-shaanxi-20250727*"))


def test_scanned_pdf_refused_asking_for_word(tmp_path: Path) -> None:
    with pytest.raises(NoticeError, match="Word 原件"):
        convert(_pdf(tmp_path / "scan.pdf", None))


def test_remove_and_interactive_confirmation(tmp_path: Path) -> None:
    md = tmp_path / "n.md"
    md.write_text("# 关于陕西分赛推荐名额的更正\n\n推荐至全国总决赛的项目数量由28个更正为30个。\n\n2025年7月26日\n", encoding="utf-8")
    out = _run(["notice", "add", str(md), "--division", "shaanxi"], tmp_path / "data", stdin="n\n")
    assert out.returncode == 0, out.stderr
    assert "确认这条修改吗" in out.stdout and "0 条修改" in out.stdout
    gone = _run(["notice", "remove", "notice-shaanxi-20250726"], tmp_path / "data")
    assert gone.returncode == 0 and not list((tmp_path / "data" / "notices").rglob("notice-*"))


@pytest.mark.parametrize(
    ("raw", "clean"),
    [("截止时间为 2025 年 7 月 31 日", "截止时间为2025年7月31日"), ("共 28 个项目", "共28个项目"), ("Word 原件", "Word 原件")],
)
def test_tidy_removes_pdf_spaces_between_cjk_and_digits(raw: str, clean: str) -> None:
    assert tidy(raw) == clean


@pytest.mark.parametrize(
    ("text", "level"),
    [("一、报名时间调整", 2), ("（二）初赛", 3), ("1. 材料要求", 4), ("（1）团队介绍", 5), ("一、报名截止时间延期至2025年8月10日。", None)],
)
def test_numbered_short_paragraphs_are_headings(text: str, level: int | None) -> None:
    assert numbering_level(text) == level


def test_suggest_finds_target_clause_verbatim() -> None:
    chunks = load_chunks(KNOWLEDGE)
    (s,) = suggest("报名截止时间由2025年7月31日延期至2025年8月10日。", "shaanxi", chunks, notice_id="notice-x")
    a = s.amendment
    assert (a.type, a.old, a.new, a.target.document, a.target.section, a.target.fact) == (
        "substitution", "2025 年 7 月 31 日", "2025年8月10日", "shaanxi", "七、赛程安排", "报名截止时间"
    )
    assert find_verbatim("2025年7月31日", "至 2025 年 7 月 31 日）") == "2025 年 7 月 31 日"


def test_loading_refuses_a_tampered_notice(tmp_path: Path) -> None:
    store = NoticeStore(tmp_path / "notices")
    meta = NoticeMeta(
        division="shaanxi", title="更正", date="2025-07-26", source_file="n.md", kind="correction",
        published=date(2025, 7, 26),
        amendments=[Amendment(target=Target(document="shaanxi", section="八、奖励机制及成果应用"), type="correction", old="28个", new="35个")],
    )
    original = tmp_path / "n.md"
    original.write_text("x", encoding="utf-8")
    store.add("notice-shaanxi-20250726", meta, "推荐项目数量由28个更正为30个。", original)
    with pytest.raises(NoticeError, match="新内容“35个”没有逐字出现在新通知正文中"):
        store.amender(load_chunks(KNOWLEDGE, store.root))
    with pytest.raises(NoticeError, match="不在知识库中"):
        verify(meta.model_copy(update={"amendments": [meta.amendments[0].model_copy(update={"target": Target(document="beijing", section="x")})]}), "", load_chunks(KNOWLEDGE), name="n")


class _Approved:
    def __init__(self, answer: Answer) -> None:
        self.answer = answer

    def lookup(self, canonical: str, division: DivisionId | None) -> Answer | None:
        return self.answer


def _postponement(published: date) -> tuple[Amender, list[Chunk]]:
    body = "## 一、报名时间调整\n\n陕西分赛注册报名和参赛项目提交截止时间由2025年7月31日延期至2025年8月10日。"
    meta = NoticeMeta(
        division="shaanxi", title="延期公告", date=published.isoformat(), source_file="n.md", kind="postponement",
        published=published,
        amendments=[Amendment(target=Target(document="shaanxi", section="七、赛程安排"), type="substitution", old="2025 年 7 月 31 日", new="2025年8月10日")],
    )
    doc = Document(doc_id="notice-shaanxi-x", body=body, **meta.model_dump(include={"division", "title", "date", "source_file"}))
    chunks = load_chunks(KNOWLEDGE) + chunk_document(doc)
    return Amender([Notice("notice-shaanxi-x", meta, body)], chunks), chunks


@pytest.mark.parametrize(("today", "served"), [(date(2025, 7, 20), True), (date(2025, 8, 1), False)])
def test_approved_answer_citing_a_changed_clause_is_pending_review(today: date, served: bool) -> None:
    amender, chunks = _postponement(date(2025, 7, 25))
    clause = next(c for c in chunks if c.doc_id == "shaanxi" and c.section == "七、赛程安排")
    cite = Citation(n=1, division="shaanxi", doc_title=clause.doc_title, section=clause.section, quote="x", chunk_id=clause.chunk_id)
    approved = Answer(question="q", answer="7月31日截止[1]", status="answered", citations=[cite], approved=True)
    gate = ReviewGate(_Approved(approved), amender, lambda: today)
    assert (gate.lookup("q", None) is not None) is served
    assert needs_review([cite], amender, today) is not served


def test_latest_notice_in_force_wins_and_the_chain_is_cited() -> None:
    first_body = "## 一、报名时间调整\n\n陕西分赛注册报名和参赛项目提交截止时间由2025年7月31日延期至2025年8月10日。"
    second_body = "## 一、再次延期\n\n报名截止时间由2025年8月10日延期至2025年8月20日。"
    notices, docs = [], []
    for nid, body, day, target, old, new in (
        ("notice-shaanxi-a", first_body, date(2025, 7, 25), Target(document="shaanxi", section="七、赛程安排"), "2025 年 7 月 31 日", "2025年8月10日"),
        ("notice-shaanxi-b", second_body, date(2025, 8, 1), Target(document="notice-shaanxi-a", section="一、报名时间调整", fact="报名截止时间"), "2025年8月10日", "2025年8月20日"),
    ):
        meta = NoticeMeta(
            division="shaanxi", title=f"延期公告{nid[-1]}", date=day.isoformat(), source_file="n.md", kind="postponement",
            published=day, amendments=[Amendment(target=target, type="substitution", old=old, new=new)],
        )
        notices.append(Notice(nid, meta, body))
        docs.append(Document(doc_id=nid, body=body, **meta.model_dump(include={"division", "title", "date", "source_file"})))
    chunks = load_chunks(KNOWLEDGE) + [c for d in docs for c in chunk_document(d)]
    amender = Amender(notices, chunks)
    clause = next(c for c in chunks if c.doc_id == "shaanxi" and c.section == "七、赛程安排")
    cite = Citation(n=1, division="shaanxi", doc_title=clause.doc_title, section=clause.section, quote="(一) 报名参赛阶段（即日起至 2025 年 7 月 31 日）", chunk_id=clause.chunk_id)

    def ask(today: date) -> Answer:
        text = "陕西分赛：报名参赛阶段：即日起至 2025 年 7 月 31 日（已结束）[1]"
        return amender(Answer(question="q", answer=text, status="answered", citations=[cite.model_copy()]), today)

    latest = ask(date(2025, 8, 2))
    assert latest.answer == "陕西分赛：根据2025年8月1日《延期公告b》，报名截止时间延期至2025年8月20日（原定2025年8月10日）[3][2][1]"
    assert [(c.n, c.role) for c in latest.citations] == [(1, "superseded"), (2, "superseded"), (3, None)]
    assert ask(date(2025, 7, 28)).answer.endswith("该项规定延期至2025年8月10日（原定2025年7月31日）[2][1]")
    assert ask(date(2025, 7, 20)).answer.endswith("2025 年 7 月 31 日（已结束）[1]")


def test_the_cli_previews_the_changed_answers_and_adds_only_when_confirmed(kb_index, kb_data_dir: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Confirming amendments one by one shows which answers will change, then asks once more."""
    data = tmp_path / "data"
    shutil.copytree(kb_data_dir / "chroma", data / "chroma")  # the session's index: no re-embedding here
    notice = str(_docx(tmp_path / "延期.docx"))
    cancelled = _run(["notice", "add", notice, "--division", "shaanxi"], data, stdin="y\nn\nn\n")
    assert cancelled.returncode == 0, cancelled.stderr
    assert "以下" in cancelled.stdout and "陕西分赛报名截止时间是什么时候？" in cancelled.stdout
    assert "添加后：陕西分赛：根据2025年7月25日" in cancelled.stdout and "已取消，未添加通知" in cancelled.stdout
    assert not list(data.rglob("notice-shaanxi-*.md"))
    assert "2025 年 7 月 31 日" in _run(["ask", DEADLINE_Q], data).stdout
    added = _run(["notice", "add", notice, "--division", "shaanxi"], data, stdin="y\nn\ny\n")
    assert added.returncode == 0 and "已添加通知 notice-shaanxi-20250725" in added.stdout, added.stderr
    assert "延期至2025年8月10日" in _run(["ask", DEADLINE_Q], data).stdout
