"""`make run`: build the services from settings, then serve the API, widget, console and page with uvicorn.

Offline by design: Gradio's analytics are off (see assistant/web/__init__.py); the index is
built on first start in DATA_DIR and reused afterwards.
"""

from __future__ import annotations

import os

# Small matrix products (one query embedding) run 10× slower when OpenBLAS spreads them over
# threads, and far worse while the server's request threads compete: keep BLAS single-threaded.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import logging  # noqa: E402
import sys  # noqa: E402

import uvicorn  # noqa: E402

from assistant.errors import AssistantError, store_problem  # noqa: E402
from assistant.settings import get_settings  # noqa: E402
from assistant.web.deps import build_services  # noqa: E402
from assistant.web.server import create_app  # noqa: E402


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = get_settings()
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
                proxy_headers=bool(forwarded), forwarded_allow_ips=forwarded or None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
