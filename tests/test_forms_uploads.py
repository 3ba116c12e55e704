"""Untrusted files through the real worker process: limits on size, unpacked XML, paragraphs and
time; damaged and non-Word files refused with 无法打开文件; JSON depth; control characters."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from backends import DraftBackend
from docx_files import broken_xml, not_word, ordinary_docx, with_body, zip_bomb

from assistant.errors import AssistantError, FileRejected, InputError
from assistant.forms.check import check_docx
from assistant.forms.drafts import DraftStore
from assistant.forms.schema import load_schema
from assistant.forms.service import FormService
from assistant.forms.uploads import UploadLimits, check_json_depth

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = load_schema(ROOT / "form_schema")


def make_service(where: Path | DraftBackend, **limits: float) -> FormService:
    return FormService(
        schema=SCHEMA,
        store=where.store() if isinstance(where, DraftBackend) else DraftStore.in_dir(where),
        today=lambda: date(2025, 6, 1),
        limits=UploadLimits(**limits),  # type: ignore[arg-type]
    )


def test_an_ordinary_draft_is_checked_in_the_worker_as_in_process(tmp_path: Path) -> None:
    data = ordinary_docx()
    report = make_service(tmp_path).check(data)
    assert report == check_docx(SCHEMA, data)
    background = next(s for s in report.sections if "项目背景" in s.title)
    assert (background.status, background.count, background.chars) == ("over", 600, 600)


def test_a_zip_bomb_is_refused_without_unpacking_it(tmp_path: Path) -> None:
    data = zip_bomb()
    assert len(data) < 300_000
    started = time.monotonic()
    with pytest.raises(FileRejected, match="无法打开文件：正文解压后有 48.6 MB，超过上限 20 MB"):
        make_service(tmp_path).check(data)
    assert time.monotonic() - started < 15  # worker start included; unpacking would take minutes


@pytest.mark.parametrize(
    ("name", "data"),
    [("text", b"hello"), ("truncated", ordinary_docx()[:3000]), ("no document", not_word()), ("broken xml", broken_xml()),
     ("old .doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)],
)
def test_damaged_and_non_word_files_cannot_be_opened(tmp_path: Path, name: str, data: bytes) -> None:
    with pytest.raises(FileRejected, match="^无法打开文件") as err:
        make_service(tmp_path).check(data)
    assert err.value.code == "bad_file"


def test_too_many_paragraphs_are_refused(tmp_path: Path) -> None:
    with pytest.raises(FileRejected, match="文档有 301 个段落（含表格），超过上限 300"):
        make_service(tmp_path, max_paragraphs=300).check(with_body(301))


def test_a_file_over_the_size_limit_is_refused_before_any_work(tmp_path: Path) -> None:
    with pytest.raises(FileRejected, match="文件过大") as err:
        make_service(tmp_path, max_bytes=10_000).check(ordinary_docx())
    assert err.value.code == "file_too_large"


def test_a_check_that_runs_too_long_is_stopped(tmp_path: Path) -> None:
    started = time.monotonic()
    data = with_body(4900)
    full = make_service(tmp_path, timeout=60)
    t0 = time.monotonic()
    full.check(data)
    took = time.monotonic() - t0  # a worker's start and a 4,900-paragraph check
    limit = took / 4
    started = time.monotonic()
    with pytest.raises(FileRejected, match="秒内未能检查完"):
        make_service(tmp_path, timeout=limit).check(data)
    assert time.monotonic() - started < limit + 2


def test_a_worker_over_its_memory_limit_is_refused_not_crashed(tmp_path: Path) -> None:
    paragraph = b"<w:p><w:r><w:t>" + "数据".encode() * 2000 + b"</w:t></w:r></w:p>"
    data = with_body(3000, paragraph)  # 36 MB of text
    roomy = make_service(tmp_path, max_xml_bytes=40 * 1024 * 1024, max_paragraphs=10_000, timeout=60)
    assert roomy.check(data).errors  # checked (no template headings) within the default 1 GB
    tight = make_service(tmp_path, memory_mb=160, max_xml_bytes=40 * 1024 * 1024, max_paragraphs=10_000, timeout=60)
    with pytest.raises(FileRejected, match="资源限制"):
        tight.check(data)


def test_cli_check_of_a_damaged_file_exits_2_with_the_same_message(tmp_path: Path) -> None:
    path = tmp_path / "申报书.docx"
    path.write_bytes(broken_xml())
    env = {"DATA_DIR": str(tmp_path / "data"), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-m", "assistant", "form", "check", str(path)],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120, check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "无法打开文件" in done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr


def test_deeply_nested_json_is_refused_with_a_chinese_message(drafts: DraftBackend) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    with pytest.raises(InputError, match="JSON 嵌套超过 32 层"):
        make_service(drafts).import_json(deep)
    with pytest.raises(InputError, match="括号不配对"):
        make_service(drafts).import_json("{" * 100_000)


@pytest.mark.parametrize(
    ("text", "ok"),
    [('{"a": [[[1]]]}', True), ('{"a": "[[[[[[[[[["}', True), ('["\\"[[[[[[[["]', True), ("[[[[[[1]]]]]]", False)],
)
def test_json_depth_counts_brackets_outside_strings(text: str, ok: bool) -> None:
    if ok:
        check_json_depth(text, 5)
    else:
        with pytest.raises(InputError):
            check_json_depth(text, 5)


def test_control_characters_are_refused_in_answers_and_imports(drafts: DraftBackend) -> None:
    service = make_service(drafts)
    token = service.create().token
    with pytest.raises(InputError, match="控制字符"):
        service.answer(token, "山西\x00智煤平台")
    assert service.store.load(token).answers == {}
    service.answer(token, "山西智煤平台")
    exported = json.loads(service.export(token, "json").data)
    exported["answers"]["basic"]["name"] = "山西\x01智煤平台"
    with pytest.raises(InputError, match="项目名称）：含有无法识别的控制字符"):
        service.import_json(json.dumps(exported))


def test_a_draft_that_already_holds_control_characters_still_exports(drafts: DraftBackend) -> None:
    service = make_service(drafts)
    token = service.create().token
    state = service.store.load(token)
    state.answers = {"basic": {"name": "山西\x00智煤\x0b平台"}}
    service.store.save(token, state)  # as stored before such text was refused
    docx = service.export(token, "docx")
    assert docx.data[:2] == b"PK"
    assert "山西智煤平台" in service.export(token, "md").data.decode()


def test_a_crash_in_the_worker_is_one_chinese_message_and_a_log_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from dataclasses import asdict

    service = make_service(tmp_path)
    broken = {"schema": {"not": "a schema"}, "limits": asdict(service.limits)}
    service.checker._header = json.dumps(broken).encode() + b"\n"  # the worker fails on its input
    with pytest.raises(AssistantError, match="检查时出现内部错误") as err:
        service.check(ordinary_docx())
    assert err.value.code == "check_failed" and "Traceback" not in err.value.message
    assert "ValidationError" in caplog.text and "Traceback" not in caplog.text
