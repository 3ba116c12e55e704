"""The knowledge base: notices in `knowledge/*.md` (YAML front matter + Markdown body) and their chunks.

Chunks follow the document structure, not a fixed size: one chunk per heading's own text (up to the
next heading), with the full heading path as `section`. Long sections are cut at paragraph
boundaries; large Markdown tables are cut into row groups that each repeat the header row.
Chunk text is verbatim body text, so answers can quote it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path

import yaml

from assistant.errors import ConfigError
from assistant.models import Chunk, Document

MAX_CHARS = 700  # soft size of a chunk; a single longer paragraph or table row stays whole
MAX_ROWS = 8  # data rows per table group
SECTION_SEP = " > "

_FRONT_RE = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*\n", re.S)
_HEADING_RE = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$")
_BLANK_RE = re.compile(r"\n[ \t]*\n")
_TABLE_SEP_RE = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?$")
_FIELDS = ("division", "title", "issuer", "doc_number", "date", "source_file")


def parse_document(path: Path) -> Document:
    """One knowledge file: YAML front matter (yaml.safe_load) and the Markdown body after it."""
    raw = path.read_text(encoding="utf-8")
    m = _FRONT_RE.match(raw)
    if not m:
        raise ConfigError(f"知识库文件 {path.name} 缺少 YAML 前言（以 --- 开头和结尾）。")
    meta = yaml.safe_load(m.group(1))
    if not isinstance(meta, dict):
        raise ConfigError(f"知识库文件 {path.name} 的 YAML 前言不是键值表。")
    fields: dict[str, object] = {}
    for key in _FIELDS:
        value = meta.get(key)
        fields[key] = value.isoformat() if isinstance(value, dt.date) else value
    try:
        return Document.model_validate({"doc_id": path.stem, "body": raw[m.end() :].lstrip("\n"), **fields})
    except ValueError as exc:
        raise ConfigError(f"知识库文件 {path.name} 的前言无效：{exc}") from exc


def knowledge_files(knowledge_dir: Path, *extra_dirs: Path) -> list[Path]:
    """The notice files, ordered by name (a README.md in a folder is not a notice); then the notices
    added at run time (`extra_dirs`, e.g. DATA_DIR/notices), each folder ordered by name."""
    out: list[Path] = []
    for folder in (knowledge_dir, *extra_dirs):
        out += sorted(p for p in folder.glob("*.md") if p.name.lower() != "readme.md")
    return out


def load_documents(knowledge_dir: Path, *extra_dirs: Path) -> list[Document]:
    """All notices, shipped ones by file name first, then those added at run time."""
    return [parse_document(p) for p in knowledge_files(knowledge_dir, *extra_dirs)]


def _sections(body: str) -> list[tuple[str, str]]:
    """(section path, text under that heading up to the next heading), in document order."""
    out: list[tuple[str, str]] = []
    stack: list[tuple[int, str]] = []
    lines: list[str] = []

    def flush() -> None:
        text = "\n".join(lines).strip("\n")
        if text.strip():
            out.append((SECTION_SEP.join(t for _, t in stack), text))
        lines.clear()

    for line in body.splitlines():
        m = _HEADING_RE.match(line)
        if m is None:
            lines.append(line)
            continue
        flush()
        level = len(m.group(1))
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, m.group(2).strip()))
    flush()
    return out


def _is_table(block: str) -> bool:
    lines = block.split("\n")
    return (
        len(lines) >= 2 and lines[0].lstrip().startswith("|") and bool(_TABLE_SEP_RE.match(lines[1].strip()))
    )


def _depth(row: str) -> int:
    """Leading empty cells of a table row (merged cells flattened): 0 starts a top-level block."""
    cells = row.strip().strip("|").split("|")
    n = 0
    while n < len(cells) and not cells[n].strip():
        n += 1
    return n


def _table_groups(block: str) -> list[str]:
    """Row groups of at most MAX_ROWS rows / ~MAX_CHARS, each repeating the header and separator rows."""
    header, sep, *rows = block.split("\n")
    if not rows:
        return [block]
    base = len(header) + len(sep) + 2
    per_group = -(-len(rows) // -(-len(rows) // MAX_ROWS))  # balanced: 17 rows -> 6, 6, 5
    groups: list[list[str]] = []
    i = 0
    while i < len(rows):
        j, size = i, base
        while j < len(rows) and j - i < per_group and (j == i or size + len(rows[j]) + 1 <= MAX_CHARS):
            size += len(rows[j]) + 1
            j += 1
        if j < len(rows) and j - i >= 2:
            # Prefer to start the next group at a row that opens a higher-level (less merged) block.
            j = min(range(i + 2, j + 1), key=lambda k: (_depth(rows[k]), -k))
        groups.append(rows[i:j])
        i = j
    return ["\n".join([header, sep, *g]) for g in groups]


def _split_section(text: str) -> list[str]:
    """Cut a section's text at paragraph boundaries into pieces of about MAX_CHARS."""
    blocks = [b.strip("\n") for b in _BLANK_RE.split(text) if b.strip()]
    pieces: list[str] = []
    current: list[str] = []

    def flush() -> None:
        if current:
            pieces.append("\n\n".join(current))
            current.clear()

    for block in blocks:
        if _is_table(block) and (block.count("\n") - 1 > MAX_ROWS or len(block) > MAX_CHARS):
            flush()
            pieces.extend(_table_groups(block))
            continue
        if current and sum(len(b) + 2 for b in current) + len(block) > MAX_CHARS:
            flush()
        current.append(block)
    flush()
    return pieces


def chunk_document(doc: Document) -> list[Chunk]:
    """Structure-aware chunks of one notice; ordinals (and so chunk ids) are stable across runs."""
    chunks: list[Chunk] = []
    for section, text in _sections(doc.body):
        for piece in _split_section(text):
            n = len(chunks)
            chunks.append(
                Chunk(
                    chunk_id=f"{doc.doc_id}:{n:04d}",
                    doc_id=doc.doc_id,
                    division=doc.division,
                    doc_title=doc.title,
                    section=section,
                    text=piece,
                    ordinal=n,
                )
            )
    return chunks


def load_chunks(knowledge_dir: Path, *extra_dirs: Path) -> list[Chunk]:
    """Chunks of all notices: documents in `load_documents` order, chunks in document order."""
    return [c for doc in load_documents(knowledge_dir, *extra_dirs) for c in chunk_document(doc)]


def corpus_hash(knowledge_dir: Path, *extra_dirs: Path) -> str:
    """sha256 over the knowledge files' names and bytes; changes whenever any notice is added,
    changed or removed. With no added notice it is the hash of `knowledge/` alone."""
    h = hashlib.sha256()
    for path in knowledge_files(knowledge_dir, *extra_dirs):
        name = path.name if path.parent == knowledge_dir else f"{path.parent.name}/{path.name}"
        h.update(name.encode("utf-8") + b"\0")
        h.update(path.read_bytes() + b"\0")
    return h.hexdigest()
