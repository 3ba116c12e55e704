"""A scripted walk through the whole template, the Word file read back, and lossless JSON."""

from __future__ import annotations

import io
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from backends import DraftBackend
from docx import Document
from docx.oxml.ns import qn

from assistant.errors import InputError
from assistant.forms.drafts import DraftStore
from assistant.forms.render import checkbox_lines, format_value, with_unit
from assistant.forms.schema import load_schema
from assistant.forms.service import FormService
from assistant.forms.steps import get_value, walk
from assistant.forms.validators import is_empty

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = yaml.safe_load((ROOT / "tests" / "data" / "forms" / "full_walk.yaml").read_text(encoding="utf-8"))
TODAY = date(2025, 6, 1)


def make_service(where: Path | DraftBackend) -> FormService:
    return FormService(
        schema=load_schema(ROOT / "form_schema"),
        store=where.store() if isinstance(where, DraftBackend) else DraftStore(where / "forms.sqlite3"),
        today=lambda: TODAY,
    )


def scripted_reply(step_id: str) -> str:
    """The scripted answer for a question: rows to add, an exact override, or the reply for the field."""
    add = re.fullmatch(r"(.+)\[\+(\d+)\]", step_id)
    if add:
        key = re.sub(r"\[\d+\]", "", add.group(1))
        return "是" if int(add.group(2)) < SCRIPT["rows"].get(key, 0) else "否"
    exact = SCRIPT["exact"].get(step_id)
    if exact is not None:
        return str(exact)
    return str(SCRIPT["replies"][re.sub(r"\[\d+\]", "", step_id)])


def walk_whole_template(service: FormService) -> str:
    reply = service.create()
    seen: list[str] = []
    while reply.question is not None:
        step_id = reply.question.step_id
        seen.append(step_id)
        assert seen.count(step_id) == 1, f"asked twice: {step_id}\n{reply.message}"
        reply = service.answer(reply.token, scripted_reply(step_id))
    assert reply.finished and "申报书的问题已全部问完" in reply.message
    return reply.token


@pytest.fixture(scope="module")
def walked(tmp_path_factory: pytest.TempPathFactory) -> tuple[FormService, str]:
    service = make_service(tmp_path_factory.mktemp("walk"))
    return service, walk_whole_template(service)


def docx_text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def expected_texts(service: FormService, answers: dict[str, Any]) -> list[str]:
    """What each answered field must look like in the Word file."""
    out: list[str] = []
    for step in walk(service.schema, answers):
        f = step.field
        value = get_value(answers, step)
        if step.kind != "field" or f is None or is_empty(value):
            continue
        if f.is_choice and step.table is None and not f.dropdown:
            out.extend(checkbox_lines(f, value))
        elif f.kind == "group":
            out.extend(
                f"{sub.label}：{with_unit(value[sub.key], sub.unit)}"
                for sub in f.subfields
                if sub.key in value
            )
        else:
            out.extend(line for line in format_value(f, value).split("\n") if line.strip())
    return out


def test_walk_answers_every_question_and_completes_every_required_field(
    walked: tuple[FormService, str],
) -> None:
    service, token = walked
    status = service.status(token)
    assert status.progress.done == status.progress.total and status.progress.total > 100
    assert [i for i in status.issues if i.blocking] == []
    answers = service.store.load(token).answers
    assert len(answers["team"]["members"]) == 2 and len(answers["units"]) == 2
    assert answers["basic"]["enterprise_data_kinds"] == ["自有数据", "其他：合作矿企数据"]
    assert answers["basic"]["cases"][1]["period"] == {"start": "2024-01", "end": "至今"}
    assert answers["team"]["members"][0]["mobile"] == "13812345678"
    assert answers["units"][0]["profit"] == {"y2024": 420, "y2023": -35, "y2022": 150}
    assert "llm_name" not in answers["units"][1]  # 是否接入大模型 = 否: no follow-ups asked


def test_word_export_read_back_matches_the_draft(walked: tuple[FormService, str]) -> None:
    service, token = walked
    result = service.export(token, "docx")
    assert result.filename.endswith(".docx") and result.data[:2] == b"PK"
    text = docx_text(result.data)
    answers = service.store.load(token).answers
    expected = expected_texts(service, answers)
    assert len(expected) > 150
    missing = [e for e in expected if e not in text]
    assert missing == []
    assert "【未填写】" not in text


def test_word_export_is_laid_out_like_the_template(walked: tuple[FormService, str]) -> None:
    service, token = walked
    doc = Document(io.BytesIO(service.export(token, "docx").data))
    headings = [
        (p.style.name, p.text)
        for p in doc.paragraphs
        if p.style is not None and p.style.name.startswith(("Heading", "Title"))
    ]
    titles = [t for _, t in headings]
    for title in [
        "第一部分：基本信息",
        "(一) 项目基本信息",
        "(二) 参赛团队信息",
        "(三) 参赛单位基本信息（单位可增加, 最多五家）",
        "第二部分：参赛项目介绍",
        "（一）项目背景（限 500 字）",
        "（二）技术路线（限 4000 字）",
        "三、应用成效（限 5000 字）",
        "四、商业模式（限 5000 字）",
        "五、附件",
    ]:
        assert title in titles
    assert (
        titles.index("第一部分：基本信息") < titles.index("第二部分：参赛项目介绍") < titles.index("五、附件")
    )
    cover = [p.text for p in doc.paragraphs[:6]]
    assert (
        "团队名称：智煤数据团队" in cover
        and "参赛单位名称：山西智煤科技有限公司、太原理工数据研究院" in cover
    )
    rfonts = doc.styles["Normal"].element.rPr.find(qn("w:rFonts"))
    assert rfonts.get(qn("w:eastAsia")) == "宋体"
    heading_fonts = doc.styles["Heading 2"].element.rPr.find(qn("w:rFonts"))
    assert heading_fonts.get(qn("w:eastAsia")) == "黑体"
    members = next(t for t in doc.tables if t.rows[0].cells[0].text == "姓名")
    assert [r.cells[0].text for r in members.rows[1:]] == ["张三", "李四"]
    text = docx_text(service.export(token, "docx").data)
    assert "☑政府  ☐事业单位  ☑企业  ☐消费者" in text
    assert "赛道一：数据要素×能源低碳领域赛题 2.煤炭关键工序数字改造" in text


def test_markdown_export(walked: tuple[FormService, str]) -> None:
    service, token = walked
    md = service.export(token, "md").data.decode("utf-8")
    assert "### （一）项目背景（限 500 字）" in md and "| *项目名称 | 山西煤矿智能调度数据平台 |" in md
    assert "| 张三 |" in md


def test_json_export_imports_back_losslessly(walked: tuple[FormService, str]) -> None:
    service, token = walked
    exported = service.export(token, "json").data
    reply, warnings = service.import_json(exported)
    assert reply.token != token and warnings == []
    original, imported = service.store.load(token), service.store.load(reply.token)
    assert imported.answers == original.answers and imported.flags == original.flags
    assert service.export(reply.token, "json").data == exported
    assert service.export(reply.token, "docx").data != b""
    assert reply.progress.done == reply.progress.total


def test_import_refuses_a_sixth_member_and_a_sixth_unit(walked: tuple[FormService, str]) -> None:
    service, token = walked
    data = json.loads(service.export(token, "json").data)
    members = data["answers"]["team"]["members"]
    data["answers"]["team"]["members"] = [dict(members[1], is_contact="否") for _ in range(5)] + [members[0]]
    with pytest.raises(InputError, match="团队成员最多 5 名，不能添加第 6 名成员"):
        service.import_json(json.dumps(data, ensure_ascii=False))
    data = json.loads(service.export(token, "json").data)
    data["answers"]["units"] = data["answers"]["units"] * 3
    with pytest.raises(InputError, match="参赛单位最多 5 家，不能添加第 6 家单位"):
        service.import_json(json.dumps(data, ensure_ascii=False))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda a: a["basic"].update(data_sources=["公共数据", "企业数据", "个人用户数据"]),
            "项目数据来源最多选 2 项，您选了 3 项",
        ),
        (lambda a: a["team"]["members"][0].update(mobile="12345"), "手机号码应为 11 位"),
        (lambda a: a["basic"].update(unknown_field=1), "未知字段“unknown_field”"),
        (lambda a: a["units"][0].update(founded="2015/6/8"), "格式不规范"),
    ],
)
def test_import_refuses_values_the_schema_does_not_allow(
    walked: tuple[FormService, str], change: Any, message: str
) -> None:
    service, token = walked
    data = json.loads(service.export(token, "json").data)
    change(data["answers"])
    with pytest.raises(InputError, match=message):
        service.import_json(json.dumps(data, ensure_ascii=False))


def test_import_refuses_other_files(walked: tuple[FormService, str]) -> None:
    service, _ = walked
    with pytest.raises(InputError, match="不是有效的 JSON"):
        service.import_json(b"not json")
    with pytest.raises(InputError, match="不是本助手导出的申报书 JSON"):
        service.import_json(b'{"answers": {}}')


def test_incomplete_draft_exports_with_missing_fields_marked(drafts: DraftBackend) -> None:
    service = make_service(drafts)
    token = service.create().token
    service.answer(token, "半成品项目")
    text = docx_text(service.export(token, "docx").data)
    assert "半成品项目" in text and text.count("【未填写】") > 20
    md = service.export(token, "md").data.decode("utf-8")
    assert "| *赛道及参赛方向 | 【未填写】 |" in md
    assert "### （一）项目背景（限 500 字）\n\n**【未填写】**" in md
