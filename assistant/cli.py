"""`python -m assistant …`: ask, ingest, sources, form, eval, audit, notice.

Every `AssistantError` becomes one Chinese message on stderr and exit code 2; unexpected
errors are logged and reported without a traceback (exit code 1).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sqlite3
import sys
from collections.abc import Callable
from typing import BinaryIO, TextIO

from .errors import AssistantError, store_problem
from .settings import Settings, get_settings

log = logging.getLogger("assistant")

Runner = Callable[[argparse.Namespace, Settings], int]


def _dump(obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False)


def _print_answer(answer_dict: dict[str, object], out: TextIO) -> None:
    out.write(f"{answer_dict['answer']}\n")
    cites = answer_dict.get("citations") or []
    if cites:
        out.write("\n来源：\n")
        for c in cites:  # type: ignore[attr-defined]
            out.write(f"[{c['n']}] {c['doc_title']} · {c['section']}\n    “{c['quote']}”\n")
    out.write(f"\n（状态：{answer_dict['status']}，模式：{answer_dict['mode']}，用时 {answer_dict['latency_ms']} ms）\n")


def _check_text(text: str, what: str) -> None:
    """Text that is not valid UTF-8 (undecodable bytes arrive as lone surrogates) is a Chinese message."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise AssistantError(f"{what}含有无法识别的字节（不是有效的 UTF-8 文本），请删除乱码后重新输入。", code="bad_input") from None


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from .services import build_assistant

    if args.jsonl:
        return _ask_jsonl(settings, sys.stdin.buffer, sys.stdout)
    if not args.question:
        raise AssistantError("请提供问题，例如：python -m assistant ask \"山西分赛一等奖奖金多少？\"", code="bad_input")
    from .rules.divisions import parse
    from .rules.pipeline import validate_question

    _check_text(args.question, "问题")
    _check_text(args.division or "", "--division ")
    validate_question(args.question)  # fail fast, before loading the index
    parse(args.division)
    assistant = build_assistant(settings, progress=sys.stderr.isatty())
    answer = assistant.ask(args.question, args.division)
    if args.json:
        sys.stdout.write(_dump(answer.public()) + "\n")
    else:
        _print_answer(answer.public(), sys.stdout)
    return 0


_LINE_SHAPE = "应为 {\"id\": …, \"question\": \"文本\", \"division\": \"分赛\"（可省略）, \"history\": [对话]（可省略）}"


def _jsonl_item(raw: bytes, lineno: int) -> dict[str, object]:
    """One input line as a checked object; an `AssistantError` with the line's Chinese message otherwise."""
    try:
        text = raw.decode("utf-8-sig" if lineno == 1 else "utf-8")
    except UnicodeDecodeError:
        raise AssistantError(f"第 {lineno} 行不是有效的 UTF-8 文本，请以 UTF-8 编码保存输入文件。", code="bad_input") from None
    try:
        item = json.loads(text)
    except (ValueError, RecursionError):
        raise AssistantError(f"第 {lineno} 行不是有效的 JSON 对象，{_LINE_SHAPE}。", code="bad_input") from None
    if not isinstance(item, dict):
        raise AssistantError(f"第 {lineno} 行不是 JSON 对象，{_LINE_SHAPE}。", code="bad_input")
    return item


def _jsonl_fields(item: dict[str, object], lineno: int) -> tuple[str, str | None, list[object] | None]:
    question, division, history = item.get("question"), item.get("division"), item.get("history")
    if question is not None and not isinstance(question, str):
        raise AssistantError(f"第 {lineno} 行的 question 应为文本，{_LINE_SHAPE}。", code="bad_input")
    if division is not None and not isinstance(division, str):
        raise AssistantError(f"第 {lineno} 行的 division 应为分赛名称文本（如 \"shanxi\" 或 \"山西\"）。", code="bad_input")
    if history is not None and not isinstance(history, list):
        raise AssistantError(f"第 {lineno} 行的 history 应为对话列表。", code="bad_input")
    for value in (question or "", division or "", json.dumps(history, ensure_ascii=False)):
        _check_text(value, f"第 {lineno} 行")
    return question or "", division, history


def _ask_jsonl(settings: Settings, inp: BinaryIO, out: TextIO) -> int:
    """One JSON line per input line, flushed as it goes; a bad line gets an `{"id", "error"}` line
    and the batch goes on (exit code 0 once the batch ran, whatever its lines held)."""
    from .services import build_assistant

    assistant = build_assistant(settings, progress=False)
    for lineno, raw in enumerate(inp, start=1):
        if not raw.strip() or (lineno == 1 and not raw.removeprefix(b"\xef\xbb\xbf").strip()):
            continue
        rid: object = None
        try:
            item = _jsonl_item(raw, lineno)
            rid = item.get("id")
            question, division, history = _jsonl_fields(item, lineno)
            answer = assistant.ask(question, division, history, id=None)
            data = answer.public()
            data["id"] = rid
            out.write(_dump(data) + "\n")
        except AssistantError as exc:
            out.write(_dump({"id": rid, "error": exc.message}) + "\n")
        except Exception:  # noqa: BLE001 - one bad question must not stop the batch
            log.debug("jsonl line %d failed", lineno, exc_info=True)
            out.write(_dump({"id": rid, "error": f"第 {lineno} 行的问题未能回答（内部错误），请稍后重试。"}) + "\n")
        out.flush()
    return 0


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    import time

    from .services import build_index

    started = time.perf_counter()
    index = build_index(settings, rebuild=args.rebuild, progress=True)
    per_div: dict[str, int] = {}
    for c in index.chunks:
        per_div[c.division] = per_div.get(c.division, 0) + 1
    print(f"索引就绪：{len(index.chunks)} 段，嵌入 {index.embedder.name}，用时 {time.perf_counter() - started:.1f} 秒")
    for d, n in per_div.items():
        print(f"  {d}: {n} 段")
    return 0


def cmd_sources(args: argparse.Namespace, settings: Settings) -> int:
    from .rules.knowledge import load_documents

    for doc in load_documents(settings.knowledge_dir, settings.notices_dir):
        meta = "；".join(
            f"{k}：{v}" for k, v in (("发文单位", doc.issuer), ("文号", doc.doc_number), ("日期", doc.date)) if v
        )
        print(f"[{doc.division}] {doc.title}\n    来源文件：{doc.source_file}{('；' + meta) if meta else ''}")
    return 0


def _run_form(args: argparse.Namespace, settings: Settings) -> int:
    from .forms import cli as forms_cli
    from .services import build_completer

    return forms_cli.run(args, settings, completer=build_completer(settings))


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, Runner]]:
    parser = argparse.ArgumentParser(prog="python -m assistant", description="数据要素×大赛助手")
    sub = parser.add_subparsers(dest="command", required=True)
    runners: dict[str, Runner] = {}

    p = sub.add_parser("ask", help="回答一个问题（或 --jsonl 批量）")
    p.add_argument("question", nargs="?", help="问题")
    p.add_argument("--division", help="限定分赛：shanxi / shaanxi / xinjiang / yiyang / national-2025 / national-2024")
    p.add_argument("--json", action="store_true", help="输出 JSON")
    p.add_argument("--jsonl", action="store_true", help="从标准输入逐行读取 {id, question, division}")
    runners["ask"] = cmd_ask

    p = sub.add_parser("ingest", help="建立或检查检索索引")
    p.add_argument("--rebuild", action="store_true", help="强制重建")
    runners["ingest"] = cmd_ingest

    sub.add_parser("sources", help="列出知识库中的通知")
    runners["sources"] = cmd_sources

    for module_name in ("assistant.forms.cli", "assistant.evals.cli", "assistant.notices.cli"):
        try:
            module = __import__(module_name, fromlist=["add_subparser", "run"])
        except ImportError:
            continue
        added = module.add_subparser(sub)  # one command name, or several served by the same `run`
        for name in (added,) if isinstance(added, str) else added:
            runners[name] = module.run
    runners["form"] = _run_form
    return parser, runners


def _utf8_streams() -> None:
    """Read and write UTF-8 whatever the locale (a C locale would otherwise make Chinese a crash)."""
    for stream, errors in ((sys.stdin, "surrogateescape"), (sys.stdout, "backslashreplace"), (sys.stderr, "backslashreplace")):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(encoding="utf-8", errors=errors)


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush does not fail again on the closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _is_store_error(exc: BaseException) -> bool:
    """A damaged or unwritable store below our own checks (SQLite, Chroma, the file system)."""
    return isinstance(exc, (sqlite3.Error, OSError)) or type(exc).__module__.startswith("chromadb")


# Commands that read the corpus (knowledge/ and the added notices).
_CORPUS_COMMANDS = frozenset({"ask", "ingest", "sources", "eval", "audit"})


def main(argv: list[str] | None = None) -> int:
    """Run one command. Exit codes: 0 done, 2 bad input or configuration (a Chinese message), 1 internal error, 130 interrupted."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    _utf8_streams()
    from .forms.cli import protect_tokens

    parser, runners = build_parser()
    args = parser.parse_args(protect_tokens(list(sys.argv[1:] if argv is None else argv)))
    settings: Settings | None = None
    try:
        settings = get_settings()
        if settings.database_url and args.command in _CORPUS_COMMANDS:
            from .notices.store import open_store

            open_store(settings).sync()  # shared mode: this DATA_DIR mirrors the database's notices first
        return runners[args.command](args, settings)
    except AssistantError as exc:
        sys.stderr.write(f"错误：{exc.message}\n")
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader stopped reading (`ask … | head -1`): nothing is wrong with the data
        _silence_stdout()
        return 141  # as a program killed by SIGPIPE
    except Exception as exc:  # noqa: BLE001 - never show a traceback to a user
        log.debug("unexpected error", exc_info=True)
        if settings is not None and _is_store_error(exc):
            sys.stderr.write(f"错误：{store_problem(settings.data_dir, exc)}\n")
            return 2
        sys.stderr.write(f"错误：发生内部错误（{type(exc).__name__}），请把所运行的命令和这行信息告知维护人员。\n")
        return 1
