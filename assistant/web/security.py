"""Request size limits, CORS for the API, default security headers, and the site-key check.

CORS: a browser on another origin may call `/api/` only if that origin is listed for some
site in the sites file; any other cross-origin request is refused by the server (not only
by the browser). A request naming a site key must come from one of that site's origins.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import Request

from .errors import STATUS_MESSAGES as _STATUS_MESSAGES
from .errors import ApiError, error_body, error_page
from .sites import Site, Sites, normalise_origin

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
log = logging.getLogger(__name__)

API_BODY_LIMIT = 64 * 1024
UPLOAD_BODY_LIMIT = 5 * 1024 * 1024  # default; the app passes FORM_UPLOAD_MAX_MB + MULTIPART_OVERHEAD
MULTIPART_OVERHEAD = 64 * 1024  # boundary and part headers around the one uploaded file
_UPLOAD_PATHS = ("/api/v1/forms/check", "/api/v1/forms/import")
_ALLOW_HEADERS = "Content-Type, Authorization"


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def own_origin(scope: Scope) -> str | None:
    host = _header(scope, b"host")
    if not host:
        return None
    try:
        return normalise_origin(f"{scope.get('scheme', 'http')}://{host}")
    except ValueError:
        return None


def request_origin(scope: Scope) -> str | None:
    """The Origin header in normal form; None when absent, "null" or malformed."""
    raw = _header(scope, b"origin")
    if not raw or raw == "null":
        return None
    try:
        return normalise_origin(raw)
    except ValueError:
        return None


def is_cross_origin(scope: Scope) -> bool:
    origin = request_origin(scope)
    return origin is not None and origin != own_origin(scope)


_ALLOWED_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"})
# Framework errors (Starlette's plain text, Gradio's {"detail": …}) rewritten to the Chinese body.
_REWRITTEN = {404: "not_found", 405: "method_not_allowed", 413: "too_large", 500: "internal"}


class WebGuard:
    """Pure ASGI middleware (keeps streaming responses streaming): origins, body limits, text checks,
    security headers on every response (errors included), Chinese errors for every path and method."""

    def __init__(self, app: ASGIApp, sites: Callable[[], Sites], upload_limit: int = UPLOAD_BODY_LIMIT) -> None:
        self.app = app
        self.sites = sites
        self.upload_limit = upload_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        extra: list[tuple[bytes, bytes]] = [
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"strict-origin-when-cross-origin"),
        ]
        if not path.startswith("/embed"):
            extra.append((b"content-security-policy", b"frame-ancestors 'self'"))
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in extra if k not in present]
                message["headers"] = headers
            await send(message)

        if scope["method"] not in _ALLOWED_METHODS:
            await _reply(send_with_headers, 405, "method_not_allowed", f"不支持 {scope['method']} 请求方法。",
                         html=_wants_html(scope), headers=[(b"allow", b"GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS")])
            return
        if path.startswith("/api/"):
            raw_origin = _header(scope, b"origin")
            origin = request_origin(scope)
            if raw_origin is not None and origin is None:
                await _reply(send_with_headers, 403, "origin_refused",
                             "请求来源（Origin）无效或为 null：本接口只接受已登记网站的请求。")
                return
            if origin and origin != own_origin(scope):
                if origin not in self.sites().origins:
                    await _reply(send_with_headers, 403, "origin_refused", f"来源 {origin} 未获授权调用本接口。")
                    return
                cors = [
                    (b"access-control-allow-origin", origin.encode()),
                    (b"vary", b"Origin"),
                    (b"access-control-expose-headers", b"X-Log-Id, Retry-After"),
                ]
                if scope["method"] == "OPTIONS":
                    await _reply_empty(
                        send_with_headers,
                        cors
                        + [
                            (b"access-control-allow-methods", b"GET, POST, OPTIONS"),
                            (b"access-control-allow-headers", _ALLOW_HEADERS.encode()),
                            (b"access-control-max-age", b"600"),
                        ],
                    )
                    return
                extra += cors
            limit = self.upload_limit if path in _UPLOAD_PATHS else API_BODY_LIMIT
            read = await _limited(scope, receive, send_with_headers, limit)
            if read is None:
                return
            body, receive = read
            problem = _text_problem(scope, body)
            if problem:
                await _reply(send_with_headers, 400, "bad_input", problem)
                return

        try:
            await self.app(scope, receive, _chinese_errors(scope, send_with_headers))
        except Exception:  # noqa: BLE001 - answered here, with the security headers, keeping the connection
            log.exception("unexpected error on %s %s", scope["method"], path)
            if not started:
                await _reply(send_with_headers, 500, "internal", "服务器内部错误，请稍后再试。", html=_wants_html(scope))


def _wants_html(scope: Scope) -> bool:
    """A browser navigating to a page (not the API) gets an HTML page; everything else JSON."""
    return not scope.get("path", "").startswith("/api/") and "text/html" in (_header(scope, b"accept") or "")


def _chinese_errors(scope: Scope, send: Send) -> Send:
    """Rewrite the frameworks' English 404/405/413/500 bodies into the Chinese error (page or JSON)."""
    held: Message | None = None
    chunks: list[bytes] = []

    async def wrapped(message: Message) -> None:
        nonlocal held
        if message["type"] == "http.response.start":
            kind = dict(message.get("headers", [])).get(b"content-type", b"")
            if message["status"] in _REWRITTEN and not kind.startswith(b"text/html"):
                held = message
                return
        elif held is not None and message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(chunks)
            if _is_uniform(body):
                headers = [(k, v) for k, v in held.get("headers", []) if k.lower() != b"content-length"]
                await send({**held, "headers": [*headers, (b"content-length", str(len(body)).encode())]})
                await send({"type": "http.response.body", "body": body})
            else:
                status = int(held["status"])
                keep = [(k, v) for k, v in held.get("headers", []) if k.lower() in (b"allow", b"retry-after")]
                await _reply(send, status, _REWRITTEN[status], _STATUS_MESSAGES[status], html=_wants_html(scope), headers=keep)
            return
        await send(message)

    return wrapped


def _is_uniform(body: bytes) -> bool:
    try:
        data = json.loads(body)
    except ValueError:
        return False
    return isinstance(data, dict) and isinstance(data.get("error"), dict) and "message" in data["error"]


def _text_problem(scope: Scope, body: bytes) -> str | None:
    """A Chinese message when a JSON body holds text no part of the system can store or search."""
    kind = (_header(scope, b"content-type") or "").lower()
    if not body or (kind and "json" not in kind):
        return None
    try:
        data = json.loads(body)
    except UnicodeDecodeError:
        return "请求体不是有效的 UTF-8 文本，请以 UTF-8 编码发送。"
    except RecursionError:
        return "请求体的 JSON 嵌套过深。"
    except ValueError:
        return None  # malformed JSON: the framework's 422 says so
    return invalid_text_message(data)


def invalid_text_message(value: object) -> str | None:
    """A Chinese message if any text in `value` (nested lists and objects included) holds a lone surrogate."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if has_surrogates(item):
                return "请求中含有无效的文字编码（不成对的代理字符，例如 \\ud800），请删除乱码后重新输入。"
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


def has_surrogates(text: str) -> bool:
    """True for text that cannot be encoded as UTF-8 (lone surrogates, e.g. undecodable bytes)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


async def _limited(scope: Scope, receive: Receive, send: Send, limit: int) -> tuple[bytes, Receive] | None:
    """Read the body up to `limit` bytes and replay it; None after answering 413."""
    declared = _header(scope, b"content-length")
    too_big = f"请求内容过大（上限 {limit // 1024} KB），请精简后重试。"
    if declared and declared.isdigit() and int(declared) > limit:
        await _reply(send, 413, "too_large", too_big)
        return None
    if scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE") and not declared:
        return b"", receive
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b"", receive
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            await _reply(send, 413, "too_large", too_big)
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay


async def _reply(send: Send, status: int, code: str, message: str, *, html: bool = False,
                 headers: list[tuple[bytes, bytes]] | None = None) -> None:
    if html:
        body = error_page(status, message).encode()
        kind = b"text/html; charset=utf-8"
    else:
        body = json.dumps(error_body(code, message), ensure_ascii=False).encode()
        kind = b"application/json; charset=utf-8"
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", kind), (b"content-length", str(len(body)).encode()), *(headers or [])],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _reply_empty(send: Send, headers: list[tuple[bytes, bytes]]) -> None:
    await send({"type": "http.response.start", "status": 204, "headers": headers})
    await send({"type": "http.response.body", "body": b""})


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def check_site(request: Request, sites: Sites, key: str | None) -> Site | None:
    """The site a request speaks for, after checking its key and origin.

    Without a key, a request from a registered site's origin speaks for that site (its scope and
    quota bind); if several sites share the origin, the key is required. Other requests: None.
    """
    origin = request_origin(request.scope)
    foreign = origin is not None and origin != own_origin(request.scope)
    if key is None or key == "":
        if not foreign or origin is None:
            return None
        candidates = sites.at(origin)
        if len(candidates) == 1:
            return candidates[0]
        raise ApiError(403, "site_required", f"来自 {origin} 的请求须带上本网站的站点密钥（site）。")
    site = sites.get(key)
    if site is None:
        raise ApiError(403, "unknown_site", "未知的站点密钥：本网站未获授权使用智能助手。")
    if foreign and not site.allows(origin):
        raise ApiError(403, "origin_refused", f"本网站（{origin}）未获授权使用该站点的智能助手。")
    return site
