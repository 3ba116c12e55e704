"""Word files built for the upload tests: ordinary, damaged and hostile (helpers only, no tests)."""

from __future__ import annotations

import io
import zipfile

from docx import Document

PARAGRAPH = b"<w:p><w:r><w:t>x</w:t></w:r></w:p>"


def ordinary_docx() -> bytes:
    doc = Document()
    doc.add_heading("第二部分：参赛项目介绍", level=1)
    doc.add_heading("（一）项目背景（限 500 字）", level=2)
    doc.add_paragraph("背景" * 300)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def with_body(paragraphs: int, paragraph: bytes = PARAGRAPH) -> bytes:
    """A valid .docx whose body is `paragraphs` copies of `paragraph`, highly compressed."""
    source = zipfile.ZipFile(io.BytesIO(ordinary_docx()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "word/document.xml":
                head, rest = data.split(b"<w:body>", 1)
                data = head + b"<w:body>" + paragraph * paragraphs + rest[rest.index(b"<w:sectPr") :]
            z.writestr(item, data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def zip_bomb() -> bytes:
    """About 200 KB that unpacks to a 50 MB word/document.xml of 1.5 million paragraphs."""
    return with_body(1_500_000)


def broken_xml() -> bytes:
    """A zip laid out like a .docx whose document.xml is not well-formed."""
    source = zipfile.ZipFile(io.BytesIO(ordinary_docx()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for item in source.infolist():
            data = source.read(item.filename)
            z.writestr(item, data[: len(data) // 2] if item.filename == "word/document.xml" else data)
    return out.getvalue()


def not_word() -> bytes:
    """A zip with no Word document inside."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("hello.txt", "你好")
    return out.getvalue()
