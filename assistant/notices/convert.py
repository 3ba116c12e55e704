"""Word, PDF and Markdown notices to our Markdown, offline.

Headings come from heading styles and from the numbering Chinese notices use (一、 / （一） /
1. / （1）) on short paragraphs; tables stay Markdown tables. PDF text (pdfplumber, MIT) loses
the spaces its layer puts between Chinese characters and digits, so quotes stay verbatim.
"""

from __future__ import annotations

import re
from pathlib import Path

from .model import NoticeError

_CJK = r"\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"
_SPACE_RE = re.compile(rf"(?<=[{_CJK}])[ \t]+(?=[{_CJK}\d])|(?<=\d)[ \t]+(?=[{_CJK}])")
_LEVELS = (
    (re.compile(r"^[一二三四五六七八九十]+、"), 2),
    (re.compile(r"^[（(][一二三四五六七八九十]+[）)]"), 3),
    (re.compile(r"^\d+[.．、]\s*\S"), 4),
    (re.compile(r"^[（(]\d+[）)]"), 5),
)
_HEADING_STYLE_RE = re.compile(r"^(?:Heading|标题)\s*(\d)$", re.I)
_MAX_HEADING = 30
_PARAGRAPH_END = "。；：！？”）)"


def tidy(text: str) -> str:
    """Remove the spaces a PDF or Word layer puts between Chinese text and digits."""
    return _SPACE_RE.sub("", text.replace("\u00a0", " ")).strip()


def numbering_level(text: str) -> int | None:
    """Markdown heading level of a short numbered paragraph; None for body text."""
    if len(text) > _MAX_HEADING or text[-1] in "。；":
        return None
    for pattern, level in _LEVELS:
        if pattern.match(text):
            return level
    return None


def _table_md(rows: list[list[str | None]] | list[list[str]]) -> str:
    cells = [[tidy(c or "").replace("\n", " ").replace("|", "｜") for c in row] for row in rows if row]
    if not cells:
        return ""
    width = max(len(r) for r in cells)
    cells = [r + [""] * (width - len(r)) for r in cells]
    lines = ["| " + " | ".join(cells[0]) + " |", "|" + " --- |" * width]
    lines += ["| " + " | ".join(r) + " |" for r in cells[1:]]
    return "\n".join(lines)


def _line(text: str, level: int | None) -> str:
    return f"{'#' * level} {text}" if level else text


def from_docx(path: Path) -> str:
    """Paragraphs and tables in document order."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # noqa: BLE001 - any damage is the same message
        raise NoticeError(f"无法打开 Word 文件 {path.name}：文件已损坏或不是 .docx 格式。") from exc
    blocks: list[str] = []
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            blocks.append(_table_md([[cell.text for cell in row.cells] for row in item.rows]))
            continue
        assert isinstance(item, Paragraph)
        text = tidy(item.text)
        if not text:
            continue
        style = item.style.name if item.style is not None else ""
        m = _HEADING_STYLE_RE.match(style or "")
        if style == "Title":
            level: int | None = 1
        elif m:
            level = min(int(m.group(1)) + 1, 6)
        else:
            level = numbering_level(text)
        blocks.append(_line(text, level))
    return "\n\n".join(b for b in blocks if b)


def _pdf_paragraphs(lines: list[str]) -> list[str]:
    """Join a PDF's visual lines into paragraphs. A paragraph ends after 。 and the like, after a
    heading, and after a line well short of the longest one (the last line of a paragraph, a
    signature); a numbered line starts one."""
    tidied = [t for t in (tidy(raw) for raw in lines) if t]
    full = max((len(t) for t in tidied), default=0)
    out: list[str] = []
    current = ""
    last = ""
    for line in tidied:
        starts = any(p.match(line) for p, _ in _LEVELS)
        ended = last[-1] in _PARAGRAPH_END or numbering_level(last) is not None or len(last) < 0.7 * full if last else False
        if current and (starts or ended):
            out.append(current)
            current = ""
        current += line
        last = line
    if current:
        out.append(current)
    return out


def from_pdf(path: Path) -> str:
    """Text PDFs only: a scanned PDF has no text layer and is refused."""
    import pdfplumber

    try:
        with pdfplumber.open(str(path)) as pdf:
            lines: list[str] = []
            tables: list[str] = []
            for page in pdf.pages:
                lines.extend((page.extract_text() or "").splitlines())
                tables.extend(_table_md(t) for t in page.extract_tables() if t and len(t) > 1)
    except Exception as exc:  # noqa: BLE001 - any damage is the same message
        raise NoticeError(f"无法读取 PDF 文件 {path.name}：文件已损坏或不是 PDF。") from exc
    if not "".join(lines).strip():
        raise NoticeError(f"PDF 文件 {path.name} 没有文字层（可能是扫描件），无法逐字引用。请提供该通知的 Word 原件（.docx）。")
    blocks = [_line(p, numbering_level(p)) for p in _pdf_paragraphs(lines)]
    return "\n\n".join(blocks + [t for t in tables if t])


def from_markdown(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    if text.startswith("---"):
        end = text.find("\n---", 3)
        text = text[end + 4 :] if end > 0 else text
    return text.strip()


def convert(path: Path) -> str:
    """The notice body as our Markdown; a Chinese message for a type we do not read."""
    if not path.is_file():
        raise NoticeError(f"找不到文件 {path}。")
    suffix = path.suffix.lower()
    if suffix == ".docx":
        return from_docx(path)
    if suffix == ".pdf":
        return from_pdf(path)
    if suffix in (".md", ".markdown", ".txt"):
        return from_markdown(path)
    raise NoticeError(f"不支持的文件类型 {suffix or '（无扩展名）'}：请提供 .docx、.pdf（文字版）或 .md 文件。")
