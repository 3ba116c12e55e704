"""The one FastAPI application: API, widget, console and applicant page, in that order of routing."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from . import admin_api, api, counter, embed, forms_api, i18n
from .admin import DISABLED
from .deps import WebServices
from .errors import install
from .security import MULTIPART_OVERHEAD, WebGuard

DESCRIPTION = """
数据要素×大赛智能助手的 HTTP 接口。所有错误都返回统一格式
`{"error": {"code": "...", "message": "中文说明"}}`。`/ask` 的回答格式与命令行 `--json` 相同。

浏览器跨域调用只对站点配置文件（SITES_FILE）中登记的来源开放；`Origin` 为 null 或无效的请求一律拒绝。
带站点密钥（`site`）的请求只接受该站点登记的来源，并按站点的每分钟/每天配额限流；来自某站点来源、
未带密钥的请求按该站点处理（多个站点共用该来源时须带密钥）。不带密钥的调用按客户端地址限流
（API_QUOTA_PER_MINUTE / API_QUOTA_PER_DAY），X-Forwarded-For 只信任 FORWARDED_ALLOW_IPS 中的代理。
秘书处接口需要 `Authorization: Bearer <ADMIN_TOKEN>`。
"""


def create_app(services: WebServices, *, mount_pages: bool = True) -> FastAPI:
    app = FastAPI(
        title="数据要素×大赛智能助手 API",
        version="1.0",
        description=DESCRIPTION,
        docs_url="/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.services = services
    install(app)
    upload_limit = _upload_bytes(services) + MULTIPART_OVERHEAD
    app.add_middleware(WebGuard, sites=lambda: services.sites, upload_limit=upload_limit)
    app.add_api_route("/healthz", api.health, methods=["GET"], response_model=api.Health, tags=["运维"], summary="健康检查")
    app.include_router(api.router)
    app.include_router(forms_api.router)
    app.include_router(admin_api.router)
    app.include_router(embed.router)
    app.include_router(counter.router)
    app.include_router(i18n.router)
    app.include_router(api.fallback)
    if services.settings.admin_token:
        app.add_api_route("/console", _to_console, methods=["GET", "HEAD"], include_in_schema=False)
    else:
        app.add_api_route("/console", _console_disabled, methods=["GET"], include_in_schema=False)
        app.add_api_route("/console/{rest:path}", _console_disabled, methods=["GET"], include_in_schema=False)
    if mount_pages:
        _mount_pages(app, services)
    return app


def _upload_bytes(services: WebServices) -> int:
    """FORM_UPLOAD_MAX_MB: the largest file the page and the API accept."""
    return int(services.settings.form_upload_max_mb * 1024 * 1024)


def _to_console(request: Request) -> RedirectResponse:
    """`/console` (the address printed at start-up) is the console's own `/console/`."""
    query = request.url.query
    return RedirectResponse("/console/" + (f"?{query}" if query else ""), status_code=308)


def _console_disabled() -> HTMLResponse:
    return HTMLResponse(
        '<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>秘书处后台未启用</title>'
        f'<body style="font-family:sans-serif;padding:2em"><h2>秘书处后台未启用</h2><p>{DISABLED}</p></body></html>',
        status_code=403,
    )


def _mount_pages(app: FastAPI, services: WebServices) -> None:
    import gradio as gr

    from .console import build_console
    from .embed import STATIC
    from .page import build_page

    css = (STATIC / "page.css").read_text(encoding="utf-8")
    head = '<script src="/assets/counter.js" defer></script><script src="/assets/labels.js" defer></script>'
    common: dict[str, Any] = {"css": css, "head": head, "ssr_mode": False, "footer_links": ["api"], "show_error": True,
                              "i18n": i18n.gradio_i18n()}
    if services.settings.admin_token:
        console = build_console(services).queue(default_concurrency_limit=4)
        gr.mount_gradio_app(app, console, path="/console", **common)
    page = build_page(services).queue(default_concurrency_limit=16)
    gr.mount_gradio_app(app, page, path="/", max_file_size=_upload_bytes(services), **common)
