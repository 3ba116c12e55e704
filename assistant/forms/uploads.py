"""Untrusted uploads: a Word file is opened and checked in a fresh worker process under hard
limits (file size, unpacked XML size, paragraphs, memory, time); an imported JSON file's
nesting is bounded before it is parsed.

The server never parses an uploaded .docx itself: python-docx reads every part into memory
and walks the whole document in Python, and a 200 KB file can unpack into 50 MB of XML
(a zip bomb) that would hold a CPU for minutes. The worker is a separate process, so the
server's event loop and threads never wait for it; one that overruns is killed.
Run as `python -m assistant.forms.uploads` it is that worker (input on stdin, JSON on stdout).
"""

from __future__ import annotations

import io
import json
import logging
import math
import os
import re
import subprocess
import sys
import threading
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from docx import Document
from docx.oxml.ns import qn

from assistant.errors import AssistantError, BusyError, FileRejected, InputError
from assistant.forms.check import CheckReport, SectionCheck, check_docx
from assistant.forms.schema import FormSchema
from assistant.settings import ROOT, Settings

log = logging.getLogger(__name__)

MB = 1024 * 1024
MAX_PARTS = 2000  # entries in the zip; Word writes a few dozen
OPEN_FAILED = "无法打开文件：不是有效的 Word（.docx）文档。若是 .doc、WPS 或 PDF 文件，请先在 Word 中另存为 .docx。"
ENCRYPTED = "无法打开文件：文件受密码保护。请在 Word 中取消密码后另存为 .docx 再上传。"
TOO_COMPLEX = "无法检查文件：文件过于复杂，超出了检查的资源限制。请删去与申报书无关的内容后重试。"
BUSY = "正在检查的文件较多，请稍后再试。"
CHECK_FAILED = "无法检查文件：检查时出现内部错误（已记录）。请稍后再试。"
_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(?:Error|Exception)\b")  # "ValueError: …" in a traceback


@dataclass(frozen=True)
class UploadLimits:
    max_bytes: int = 5 * MB
    max_xml_bytes: int = 20 * MB
    max_paragraphs: int = 5000
    timeout: float = 20.0
    memory_mb: int = 1024
    workers: int = 2
    json_max_depth: int = 32

    @classmethod
    def from_settings(cls, settings: Settings) -> UploadLimits:
        return cls(
            max_bytes=int(settings.form_upload_max_mb * MB),
            max_xml_bytes=int(settings.form_docx_max_xml_mb * MB),
            max_paragraphs=settings.form_docx_max_paragraphs,
            timeout=settings.form_check_timeout,
            memory_mb=settings.form_check_memory_mb,
            workers=settings.form_check_workers,
            json_max_depth=settings.form_json_max_depth,
        )


def _mb(size: int) -> str:
    return f"{size / MB:.1f}".removesuffix(".0") + " MB"


def check_size(size: int, limits: UploadLimits) -> None:
    if size > limits.max_bytes:
        raise FileRejected(
            f"文件过大（{_mb(size)}），上限 {_mb(limits.max_bytes)}。请压缩图片或删去无关内容后重试。",
            code="file_too_large",
        )


# ---- JSON ---------------------------------------------------------------------------------

_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKET = re.compile(rb"[^\[\]{}]+")
_INNERMOST = re.compile(rb"\[\]|\{\}")


def check_json_depth(raw: bytes | str, max_depth: int) -> None:
    """Refuse JSON nested deeper than `max_depth` (the parser would recurse once per level)."""
    data = raw.encode("utf-8", "replace") if isinstance(raw, str) else raw
    brackets = _NOT_BRACKET.sub(b"", _JSON_STRING.sub(b"", data))
    for _ in range(max_depth + 1):
        if not brackets:
            return
        inner = _INNERMOST.sub(b"", brackets)
        if inner == brackets:
            raise InputError("导入失败：文件不是有效的 JSON（括号不配对）。")
        brackets = inner
    raise InputError(f"导入失败：JSON 嵌套超过 {max_depth} 层，这不是本助手导出的申报书文件。")


# ---- the guarded loader (runs in the worker) --------------------------------------------------


def open_docx(data: bytes, limits: UploadLimits) -> Any:
    """The Word document in `data`, or FileRejected: not a Word file, damaged, encrypted, a zip
    bomb (declared unpacked sizes; zipfile never unpacks more than declared), too many paragraphs."""
    check_size(len(data), limits)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise FileRejected(OPEN_FAILED) from None
    names = {info.filename for info in infos}
    if "word/document.xml" not in names or "[Content_Types].xml" not in names:
        raise FileRejected(OPEN_FAILED)
    if any(info.flag_bits & 0x1 for info in infos):
        raise FileRejected(ENCRYPTED)
    body = archive.getinfo("word/document.xml").file_size
    if body > limits.max_xml_bytes:
        raise FileRejected(
            f"无法打开文件：正文解压后有 {_mb(body)}，超过上限 {_mb(limits.max_xml_bytes)}"
            "（文件可能已损坏或被恶意构造）。请在 Word 中另存为新文件后重试。"
        )
    if len(infos) > MAX_PARTS or sum(info.file_size for info in infos) > 2 * limits.max_xml_bytes:
        raise FileRejected(TOO_COMPLEX)
    try:
        document = Document(io.BytesIO(data))
    except Exception:  # noqa: BLE001 - whatever python-docx or lxml raise, the file is unusable
        log.debug("docx does not open", exc_info=True)
        raise FileRejected(OPEN_FAILED) from None
    paragraphs = sum(1 for _ in document.element.body.iter(qn("w:p")))
    if paragraphs > limits.max_paragraphs:
        raise FileRejected(
            f"无法检查文件：文档有 {paragraphs} 个段落（含表格），超过上限 {limits.max_paragraphs}。"
            "请只上传申报书本身。"
        )
    return document


def _dump(report: CheckReport) -> dict[str, Any]:
    """The report with the fields pydantic leaves out of a dump (e.g. 字符数)."""
    hidden = [name for name, f in SectionCheck.model_fields.items() if f.exclude]
    sections = [{**s.model_dump(), **{name: getattr(s, name) for name in hidden}} for s in report.sections]
    return {"sections": sections, "errors": report.errors}


def _limit_resources(limits: UploadLimits) -> None:
    """Hard limits on this worker; it also yields the CPU to the server's requests."""
    if sys.platform == "win32":  # no rlimits there; the parent's time-out still applies
        return
    import resource

    os.nice(10)
    memory = limits.memory_mb * MB
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    cpu = math.ceil(limits.timeout)
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))


def worker_main() -> int:
    """The worker: header line (schema, limits) and the file on stdin; one JSON object on stdout."""
    header = json.loads(sys.stdin.buffer.readline())
    data = sys.stdin.buffer.read()
    limits = UploadLimits(**header["limits"])
    _limit_resources(limits)
    out: dict[str, Any]
    try:
        schema = FormSchema.model_validate(header["schema"])
        open_docx(data, limits)
        out = {"report": _dump(check_docx(schema, data))}
    except FileRejected as exc:
        out = {"error": {"code": exc.code, "message": exc.message}}
    except (MemoryError, RecursionError):
        out = {"error": {"code": "bad_file", "message": TOO_COMPLEX}}
    sys.stdout.write(json.dumps(out, ensure_ascii=False))
    return 0


# ---- the server side ----------------------------------------------------------------------------


class DocxChecker:
    """Word checks in worker processes, at most `limits.workers` at once; a caller waits for a
    free worker at most `limits.timeout` seconds."""

    def __init__(self, schema: FormSchema, limits: UploadLimits) -> None:
        self.limits = limits
        self._slots = threading.BoundedSemaphore(limits.workers)
        header = {"schema": schema.model_dump(mode="json"), "limits": asdict(limits)}
        self._header = json.dumps(header, ensure_ascii=False).encode("utf-8") + b"\n"

    def check(self, data: bytes) -> CheckReport:
        check_size(len(data), self.limits)
        if not self._slots.acquire(timeout=self.limits.timeout):
            raise BusyError(BUSY)
        try:
            done = subprocess.run(
                [sys.executable, "-m", "assistant.forms.uploads"],
                input=self._header + data,
                capture_output=True,
                timeout=self.limits.timeout,
                cwd=ROOT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            log.warning("Word check stopped after %.0f s (%d bytes)", self.limits.timeout, len(data))
            raise FileRejected(
                f"无法检查文件：{self.limits.timeout:g} 秒内未能检查完，文件过于复杂。请删去与申报书无关的内容后重试。"
            ) from None
        finally:
            self._slots.release()
        if done.returncode < 0:  # killed by a limit (CPU time, memory)
            log.warning("Word check worker killed by signal %d", -done.returncode)
            raise FileRejected(TOO_COMPLEX)
        if done.returncode != 0 or not done.stdout:
            # A bug of ours, not the file's: the last line names it; the worker's traceback is
            # logged at debug level only, since the CLI's log is the applicant's terminal.
            lines = done.stderr.decode(errors="replace").strip().splitlines()
            named = [line for line in lines if _EXCEPTION_LINE.match(line)] or lines[-1:] or ["(no output)"]
            log.error("Word check worker failed (exit %d): %s", done.returncode, named[-1])
            log.debug("Word check worker stderr:\n%s", "\n".join(lines[-40:]))
            raise AssistantError(CHECK_FAILED, code="check_failed")
        out = json.loads(done.stdout)
        if "error" in out:
            raise FileRejected(out["error"]["message"], code=out["error"]["code"])
        return CheckReport.model_validate(out["report"])

    def check_file(self, path: Path) -> CheckReport:
        if path.suffix.lower() != ".docx":
            raise FileRejected(f"只能检查 .docx 文件，{path.name} 不是。若是 .doc 或 PDF，请先在 Word 中另存为 .docx。")
        try:
            check_size(path.stat().st_size, self.limits)
            data = path.read_bytes()
        except OSError:
            raise FileRejected(f"无法读取文件 {path}。") from None
        return self.check(data)


if __name__ == "__main__":
    sys.exit(worker_main())
