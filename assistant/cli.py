"""`python -m assistant …`: ask, ingest, sources, form, eval, audit, notice.

Every `AssistantError` becomes one Chinese message on stderr and exit code 2; unexpected
errors are logged and reported without a traceback (exit code 1).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable
from typing import TextIO

from .errors import AssistantError
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


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from .services import build_assistant

    if args.jsonl:
        return _ask_jsonl(settings, sys.stdin, sys.stdout)
    if not args.question:
        raise AssistantError("请提供问题，例如：python -m assistant ask \"山西分赛一等奖奖金多少？\"", code="bad_input")
    from .rules.divisions import parse
    from .rules.pipeline import validate_question

    validate_question(args.question)  # fail fast, before loading the index
    parse(args.division)
    assistant = build_assistant(settings, progress=sys.stderr.isatty())
    answer = assistant.ask(args.question, args.division)
    if args.json:
        sys.stdout.write(_dump(answer.public()) + "\n")
    else:
        _print_answer(answer.public(), sys.stdout)
    return 0


def _ask_jsonl(settings: Settings, inp: TextIO, out: TextIO) -> int:
    """One JSON line per input line, flushed as it goes; bad lines get an error line."""
    from .services import build_assistant

    assistant = build_assistant(settings, progress=False)
    for lineno, raw in enumerate(inp, start=1):
        if not raw.strip():
            continue
        rid: object = None
        try:
            item = json.loads(raw)
            if not isinstance(item, dict):
                raise ValueError
            rid = item.get("id")
            answer = assistant.ask(str(item.get("question") or ""), item.get("division"), item.get("history"), id=None)
            data = answer.public()
            data["id"] = rid
            out.write(_dump(data) + "\n")
        except AssistantError as exc:
            out.write(_dump({"id": rid, "error": exc.message}) + "\n")
        except ValueError:
            out.write(_dump({"id": rid, "error": f"第 {lineno} 行不是有效的 JSON 对象，应为 {{\"id\": …, \"question\": …}}。"}) + "\n")
        except Exception:  # noqa: BLE001 - one bad question must not stop the batch
            log.exception("jsonl line %d failed", lineno)
            out.write(_dump({"id": rid, "error": "内部错误，该问题未能回答，请稍后重试。"}) + "\n")
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


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    from .forms.cli import protect_tokens

    parser, runners = build_parser()
    args = parser.parse_args(protect_tokens(list(sys.argv[1:] if argv is None else argv)))
    try:
        return runners[args.command](args, get_settings())
    except AssistantError as exc:
        sys.stderr.write(f"错误：{exc.message}\n")
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception:  # noqa: BLE001 - never show a traceback to a user
        log.exception("unexpected error")
        sys.stderr.write("错误：发生内部错误，详情见日志。\n")
        return 1
