"""`make run`: build the services from settings, then serve the API, widget, console and page with uvicorn.

    python app.py [--host 127.0.0.1] [--port 7860]    # flags override HOST / PORT

Offline by design: Gradio's analytics are off (see assistant/web/__init__.py); the index is
built on first start in DATA_DIR and reused afterwards. One process is one worker; several run
side by side on their own ports behind nginx (see deploy/).
"""

from __future__ import annotations

import os

# Small matrix products (one query embedding) run 10× slower when OpenBLAS spreads them over
# threads, and far worse while the server's request threads compete: keep BLAS single-threaded.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import logging  # noqa: E402
import sys  # noqa: E402
from typing import NoReturn  # noqa: E402

import uvicorn  # noqa: E402

from assistant.errors import AssistantError, store_problem  # noqa: E402
from assistant.settings import get_settings  # noqa: E402
from assistant.web.deps import build_services  # noqa: E402
from assistant.web.server import create_app  # noqa: E402
from assistant.web.whole_replies import WholeReplyProtocol  # noqa: E402

_ARGPARSE_WORDS = (("unrecognized arguments:", "不认识的参数"), ("expected one argument", "缺少取值"), ("argument ", "参数 "))


class _Parser(argparse.ArgumentParser):
    """Says a bad command line in Chinese (exit 2), without argparse's English usage error."""

    def error(self, message: str) -> NoReturn:
        for english, chinese in _ARGPARSE_WORDS:
            message = message.replace(english, chinese)
        print(f"无法启动：命令行参数有误（{message}）。用法：python app.py [--host 地址] [--port 端口]，"
              "例如 python app.py --port 7861；运行 python app.py --help 查看说明。", file=sys.stderr)
        raise SystemExit(2)


def _port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"端口须为 1–65535 之间的整数，收到 {text!r}")
    return int(text)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = _Parser(prog="python app.py", description="数据要素×大赛智能助手的网页与接口服务（一个进程即一个工作进程）。")
    parser.add_argument("--host", help="监听地址，覆盖 HOST（默认 127.0.0.1）")
    parser.add_argument("--port", type=_port, help="监听端口，覆盖 PORT（默认 7860）")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = get_settings()
        flags = {k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
        settings = settings.model_copy(update=flags)
        services = build_services(settings)
    except AssistantError as exc:  # e.g. a mistake in the sites file: say which, without a traceback
        print(f"无法启动：{exc.message}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - a damaged store deep in a library: say where, not a traceback
        logging.getLogger("app").debug("start-up failed", exc_info=True)
        print(f"无法启动：{store_problem(get_settings().data_dir, exc)}", file=sys.stderr)
        return 2
    services.warm_up()
    app = create_app(services)
    base = f"http://{settings.host}:{settings.port}"
    print(f"数据要素×大赛智能助手：{base}/  ·  接口文档：{base}/docs  ·  秘书处后台：{base}/console", flush=True)
    forwarded = settings.forwarded_allow_ips.strip()  # empty: X-Forwarded-For is never believed
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="info", access_log=False, timeout_graceful_shutdown=3,
                proxy_headers=bool(forwarded), forwarded_allow_ips=forwarded or None, http=WholeReplyProtocol)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
