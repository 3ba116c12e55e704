"""Uniform JSON error bodies `{"error": {"code", "message"}}` with a Chinese message; no stack traces."""

from __future__ import annotations

import html
import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.errors import ApiError, AssistantError

__all__ = ["ApiError", "error_body", "error_page", "error_response", "from_exception", "install"]

log = logging.getLogger(__name__)

STATUS_MESSAGES: dict[int, str] = {
    400: "请求有误，请检查后重试。",
    401: "需要秘书处口令。",
    403: "没有访问权限。",
    404: "未找到请求的地址或资源，请检查网址。首页：/ ，接口说明：/docs 。",
    405: "不支持该请求方法。",
    409: "内容已在别处更新，请刷新后重试。",
    413: "请求内容过大。",
    422: "请求格式不正确。",
    415: "不支持的内容类型。",
    429: "请求过于频繁，请稍后再试。",
    500: "服务器内部错误，请稍后再试。",
}


def error_body(code: str, message: str) -> dict[str, dict[str, str]]:
    return {"error": {"code": code, "message": message}}


def error_page(status: int, message: str) -> str:
    """The Chinese HTML page for an error seen in a browser."""
    return (
        f'<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>{status} · 数据要素×大赛智能助手</title>'
        f'<body style="font-family:sans-serif;padding:2em"><h2>出错了（{status}）</h2><p>{html.escape(message)}</p>'
        '<p><a href="/">返回首页</a></p></body></html>'
    )


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_body(code, message), status_code=status, headers=headers)


def from_exception(exc: Exception) -> tuple[int, str, str]:
    """(HTTP status, code, Chinese message) for any exception; unknown ones are logged, never shown."""
    if isinstance(exc, AssistantError):
        if exc.status >= 500:
            log.error("%s error: %s", exc.code, exc.message)
        return exc.status, exc.code, exc.message
    log.exception("unexpected error", exc_info=exc)
    return 500, "internal", STATUS_MESSAGES[500]


def _validation_message(exc: RequestValidationError) -> str:
    parts: list[str] = []
    for err in exc.errors()[:3]:
        loc = [p for p in err.get("loc", ()) if p not in ("body", "query", "path")]
        where = ".".join(str(p) for p in loc)
        kind = str(err.get("type", ""))
        ctx = err.get("ctx") or {}
        if kind in ("json_invalid", "json_type"):
            parts.append("请求体不是有效的 JSON")
        elif not loc and kind in ("model_attributes_type", "dict_type", "model_type"):
            parts.append("请求体应为 JSON 对象，例如 {\"question\": \"山西分赛报名截止时间？\"}，不能是数组或单个值")
        elif kind == "missing":
            parts.append(f"缺少字段 {where}")
        elif kind == "string_too_long":
            parts.append(f"字段 {where} 过长（最多 {ctx.get('max_length')} 个字符）")
        elif kind == "too_long":
            parts.append(f"字段 {where} 的项数过多（最多 {ctx.get('max_length')} 项）")
        elif kind in ("string_type", "string_sub_type"):
            parts.append(f"字段 {where} 应为文本")
        elif kind in ("list_type",):
            parts.append(f"字段 {where} 应为列表")
        elif kind in ("literal_error", "enum"):
            parts.append(f"字段 {where} 只能取 {ctx.get('expected', '规定的值')}")
        else:
            parts.append(f"字段 {where or '（请求体）'} 的取值无效")
    return "请求格式不正确：" + "；".join(parts or ["请检查请求内容"]) + "。"


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into the uniform body."""

    async def on_api_error(request: Request, exc: Exception) -> JSONResponse:
        status, code, message = from_exception(exc)
        headers = exc.headers if isinstance(exc, AssistantError) else None
        return error_response(status, code, message, headers)

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        message = STATUS_MESSAGES.get(exc.status_code, "请求失败。")
        return error_response(exc.status_code, f"http_{exc.status_code}", message)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return error_response(422, "bad_request", _validation_message(exc))

    app.add_exception_handler(AssistantError, on_api_error)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(Exception, on_api_error)
