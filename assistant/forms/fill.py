"""The `form fill` dialogue, in a terminal or from piped input: read each reply whole, send it, show the answer.

One line is one reply, except for long-text questions: their paragraphs, blank lines
included, run until a line that is just “结束” (or Ctrl-D, or the end of piped input). A reply
that is exactly a command (跳过, 修改 项目名称, 说明…) is sent at once. In a terminal the
lines are read without the kernel's 4 KB limit (`terminal.py`), and a line exactly as long as
a terminal's line limit is confirmed before it is sent, since that is what a cut-off paste
looks like.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol, TextIO

from assistant.errors import ConflictError
from assistant.forms.commands import bare_word
from assistant.forms.service import FormReply, FormService
from assistant.forms.terminal import Terminal

END_MARKER = "结束"
QUIT = ("退出", "quit", "exit")
LINE_LIMITS = frozenset({1023, 1024, 4095, 4096})  # bytes: canonical-mode line limits (macOS, Linux)
LONG_HINT = f"（可输入多段，段间可空一行；全部输入完后，单独一行输入“{END_MARKER}”提交。）"
STILL_TYPING = f"（仍在输入本项回答；全部输入完后，单独一行输入“{END_MARKER}”提交。）"


class Lines(Protocol):
    """Where replies come from: a terminal, or a stream (piped input)."""

    interactive: bool

    def read_line(self, prompt: str = "") -> str | None: ...


class StreamLines:
    """Lines of a text stream; `interactive` when it is a terminal we could not switch to key-by-key reading."""

    def __init__(self, stream: TextIO, out: TextIO, *, interactive: bool = False) -> None:
        self.stream = stream
        self.out = out
        self.interactive = interactive

    def read_line(self, prompt: str = "") -> str | None:
        self.out.write(prompt)
        self.out.flush()
        line = self.stream.readline()
        return line.rstrip("\r\n") if line else None


def run_fill(service: FormService, token: str, out_path: Path | None, stdin: TextIO, out: TextIO) -> int:
    """`form fill TOKEN`: key-by-key reading when stdin is a terminal, else line by line."""
    fd = _terminal_fd(stdin)
    if fd is None:
        return fill(service, token, out_path, StreamLines(stdin, out), out)
    if not Terminal.usable(fd):  # refuses non-canonical mode: plain lines, with the length check
        return fill(service, token, out_path, StreamLines(stdin, out, interactive=True), out)
    with Terminal(fd, out).session() as terminal:
        return fill(service, token, out_path, terminal, out)


def fill(service: FormService, token: str, out_path: Path | None, lines: Lines, out: TextIO) -> int:
    reply = service.resume(token)
    print(reply.message, file=out)
    saved = f"\n已保存。继续填写：python -m assistant form fill {token}"
    try:
        while True:
            text = read_reply(service, token, reply, lines, out)
            if text is None or text.strip() in QUIT:
                print(saved, file=out)
                return 0
            if not text.strip():
                continue
            try:
                reply = service.answer(token, text, reply.version)
            except ConflictError as exc:  # a web tab changed the same field meanwhile
                print(exc.message, file=out)
                reply = service.resume(token)
                print(reply.message, file=out)
                continue
            print(reply.message, file=out)
            if reply.export_ready:
                result = service.export(token, "docx")
                path = save_file(out_path or Path.cwd() / result.filename, result.data)
                print(f"已导出 Word 文件：{path}", file=out)
    except KeyboardInterrupt:
        print(saved, file=out)
        return 130


def read_reply(service: FormService, token: str, reply: FormReply, lines: Lines, out: TextIO) -> str | None:
    """One whole reply; None at the end of input; "" when a suspicious reply was not confirmed."""
    long = reply.question is not None and reply.question.kind == "longtext"
    if long:
        print(LONG_HINT, file=out)
    first = lines.read_line("> ")
    if first is None:
        return None
    text = first
    if long and first.strip() not in QUIT and not service.is_command(token, first):
        text = _long_answer(first, lines, out)
    if lines.interactive and _at_line_limit(text, out):
        answer = lines.read_line("> ")
        if answer is None or answer.strip() in QUIT:
            return None
        if bare_word(answer) != "确认":
            print("这段回答没有保存，请重新输入。", file=out)
            return ""
    return text


def _long_answer(first: str, lines: Lines, out: TextIO) -> str:
    """Paragraphs up to a line that is just the end marker (or the end of input); blank lines are kept."""
    collected: list[str] = []
    line: str | None = first
    while line is not None and bare_word(line) != END_MARKER:
        collected.append(line)
        if lines.interactive and not line.strip():
            print(STILL_TYPING, file=out)
        line = lines.read_line()
    return "\n".join(collected).strip("\n")


def _at_line_limit(text: str, out: TextIO) -> bool:
    """Whether a line is exactly at a terminal's line limit; if so, ask whether it arrived whole."""
    sizes = [len(line.encode("utf-8")) for line in text.split("\n")]
    limit = next((n for n in sizes if n in LINE_LIMITS), None)
    if limit is None:
        return False
    print(
        f"这段回答中有一行正好 {limit} 字节，恰好是终端单行输入的上限，内容可能被截断了。"
        f"末尾是：“{text.rstrip()[-15:]}”。内容完整请回复“确认”；否则回复其他任意内容放弃这段回答，再重新粘贴。",
        file=out,
    )
    return True


def save_file(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _terminal_fd(stream: TextIO) -> int | None:
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):  # StringIO and the like: io.UnsupportedOperation
        return None
    return fd if os.isatty(fd) else None
