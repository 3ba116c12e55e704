"""`python -m assistant form …`: new, fill (interactive), status, export, import, check, list, delete."""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sys
from pathlib import Path
from typing import TextIO

from assistant.errors import AssistantError
from assistant.forms.assist import Completer
from assistant.forms.check import report_text
from assistant.forms.export import EXPORT_FORMATS
from assistant.forms.fill import run_fill, save_file
from assistant.forms.service import FormService
from assistant.settings import Settings, get_settings

log = logging.getLogger(__name__)

# Commands that take a draft token, and their options that take a value.
TOKEN_COMMANDS = ("fill", "status", "export", "delete")
VALUE_OPTIONS = ("--out", "--format")
_DASH_TOKEN = re.compile(r"-[A-Za-z0-9_-]{19,63}")  # a draft token that starts with "-" (older drafts)


def add_subparser(subparsers: argparse._SubParsersAction) -> str:  # type: ignore[type-arg]
    """Register `form …`; returns the command name, as the other sub-commands do."""
    form = subparsers.add_parser("form", help="申报书填写助手：新建、逐项填写、导出、检查 Word 草稿")
    sub = form.add_subparsers(dest="form_command", metavar="命令", required=True)
    sub.add_parser("new", help="新建一份申报书草稿，输出草稿令牌")
    fill = sub.add_parser("fill", help="在终端逐项填写（可从标准输入读取）")
    fill.add_argument("token", help="草稿令牌（以 - 开头的令牌也可直接写，或写在 -- 之后）")
    fill.add_argument("--out", type=Path, help="导出 Word 文件的路径（默认当前目录）")
    status = sub.add_parser("status", help="查看草稿进度和问题")
    status.add_argument("token")
    status.add_argument("--json", action="store_true", help="以 JSON 输出")
    export = sub.add_parser("export", help="导出草稿为 docx / json / md")
    export.add_argument("token")
    export.add_argument("--format", choices=EXPORT_FORMATS, default="docx")
    export.add_argument("--out", type=Path, help="输出文件路径（默认当前目录）")
    imp = sub.add_parser("import", help="从导出的 JSON 文件新建草稿")
    imp.add_argument("file", type=Path)
    check = sub.add_parser("check", help="检查自己写的 Word 申报书各部分字数")
    check.add_argument("file", type=Path)
    check.add_argument("--json", action="store_true", help="以 JSON 输出")
    sub.add_parser("list", help="列出本机所有草稿")
    delete = sub.add_parser("delete", help="删除草稿")
    delete.add_argument("token")
    return "form"


def run(
    args: argparse.Namespace,
    settings: Settings,
    *,
    completer: Completer | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
) -> int:
    """Run one `form` command; errors become one Chinese message and a non-zero exit code."""
    out = stdout or sys.stdout
    try:
        service = FormService.from_settings(settings, completer)
        return _dispatch(args, service, stdin or sys.stdin, out)
    except AssistantError as exc:
        print(f"错误：{exc.message}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head` and closed early: not an error of ours
        if out is sys.stdout:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception:
        log.exception("form command failed")
        print("错误：内部错误，操作未完成。草稿已自动保存的内容不会丢失；详情见日志。", file=sys.stderr)
        return 1


def _dispatch(args: argparse.Namespace, service: FormService, stdin: TextIO, out: TextIO) -> int:
    command = args.form_command
    if command == "new":
        reply = service.create()
        print(
            f"已新建草稿。草稿令牌：{reply.token}\n请妥善保存令牌，凭它继续填写：python -m assistant form fill {reply.token}",
            file=out,
        )
        print(reply.message, file=out)
        return 0
    if command == "fill":
        return run_fill(service, args.token, args.out, stdin, out)
    if command == "status":
        status = service.status(args.token)
        if args.json:
            print(status.model_dump_json(indent=2), file=out)
        else:
            print(f"草稿：{status.title or '（未命名）'}\n{status.summary}", file=out)
        return 0
    if command == "export":
        result = service.export(args.token, args.format)
        path = save_file(args.out or Path.cwd() / result.filename, result.data)
        print(f"已导出：{path}", file=out)
        return 0
    if command == "import":
        try:
            raw = args.file.read_bytes()
        except OSError:
            print(f"错误：无法读取文件 {args.file}。", file=sys.stderr)
            return 2
        reply, warnings = service.import_json(raw)
        print(f"已导入为新草稿。草稿令牌：{reply.token}", file=out)
        for warning in warnings:
            print(f"提示：{warning}", file=out)
        print(f"必填项进度：{reply.progress.done}/{reply.progress.total}", file=out)
        return 0
    if command == "check":
        report = service.check_file(args.file)
        if args.json:
            print(json.dumps(report.model_dump(), ensure_ascii=False, indent=2), file=out)
        else:
            print(report_text(report), file=out)
        if report.errors and not report.sections:
            return 2
        return 0 if all(s.status == "ok" for s in report.sections) and not report.errors else 1
    if command == "list":
        drafts = service.store.summaries()
        if not drafts:
            print("暂无草稿。", file=out)
        for d in drafts:
            print(f"{d.token}  {d.title or '（未命名）'}  更新于 {d.updated_at}", file=out)
        return 0
    if command == "delete":
        if service.delete(args.token):
            print("已删除草稿。", file=out)
            return 0
        print("错误：找不到这份草稿。", file=sys.stderr)
        return 2
    print(f"错误：未知命令 {command}。", file=sys.stderr)
    return 2


def protect_tokens(argv: list[str]) -> list[str]:
    """Move a draft token that starts with "-" behind "--", so argparse does not read it as an option.

    `form fill -GOz…` and `form fill -- -GOz…` both work; all our option names are far
    shorter than a token, so a token is never mistaken for one.
    """
    if len(argv) < 3 or argv[0] != "form" or argv[1] not in TOKEN_COMMANDS:
        return argv
    head, rest = argv[:2], argv[2:]
    kept: list[str] = []
    tokens: list[str] = []
    i = 0
    while i < len(rest):
        arg = rest[i]
        if arg == "--":
            tokens.extend(rest[i + 1 :])
            break
        if arg in VALUE_OPTIONS and i + 1 < len(rest):
            kept.extend(rest[i : i + 2])
            i += 2
            continue
        (tokens if _DASH_TOKEN.fullmatch(arg) else kept).append(arg)
        i += 1
    return [*head, *kept, "--", *tokens] if tokens else argv


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assistant.forms.cli", description="申报书填写助手")
    add_subparser(parser.add_subparsers(dest="command", required=True))
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] != "form":
        argv = ["form", *argv]
    return run(parser.parse_args(protect_tokens(argv)), get_settings())


if __name__ == "__main__":
    sys.exit(main())
