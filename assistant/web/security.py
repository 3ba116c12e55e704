"""Request size limits, CORS for the API, default security headers, and the site-key check.

CORS: a browser on another origin may call `/api/` only if that origin is listed for some
site in the sites file; any other cross-origin request is refused by the server (not only
by the browser). A request naming a site key must come from one of that site's origins.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import Request

from .errors import ApiError, error_body
from .sites import Site, Sites, normalise_origin

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

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


class WebGuard:
    """Pure ASGI middleware (keeps streaming responses streaming)."""

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
        if path.startswith("/api/"):
            origin = request_origin(scope)
            if origin and origin != own_origin(scope):
                if origin not in self.sites().origins:
                    await _reply(send, 403, "origin_refused", f"来源 {origin} 未获授权调用本接口。")
                    return
                cors = [
                    (b"access-control-allow-origin", origin.encode()),
                    (b"vary", b"Origin"),
                    (b"access-control-expose-headers", b"X-Log-Id, Retry-After"),
                ]
                if scope["method"] == "OPTIONS":
                    await _reply_empty(
                        send,
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
            replay = await _limited(scope, receive, send, limit)
            if replay is None:
                return
            receive = replay

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                if b"content-security-policy" not in present and not path.startswith("/embed"):
                    headers.append((b"content-security-policy", b"frame-ancestors 'self'"))
                headers += [(k, v) for k, v in extra if k not in present]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _limited(scope: Scope, receive: Receive, send: Send, limit: int) -> Receive | None:
    """Read the body up to `limit` bytes and replay it; None after answering 413."""
    declared = _header(scope, b"content-length")
    too_big = f"请求内容过大（上限 {limit // 1024} KB），请精简后重试。"
    if declared and declared.isdigit() and int(declared) > limit:
        await _reply(send, 413, "too_large", too_big)
        return None
    if scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE") and not declared:
        return receive
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return receive
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

    return replay


async def _reply(send: Send, status: int, code: str, message: str) -> None:
    body = json.dumps(error_body(code, message), ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json; charset=utf-8"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _reply_empty(send: Send, headers: list[tuple[bytes, bytes]]) -> None:
    await send({"type": "http.response.start", "status": 204, "headers": headers})
    await send({"type": "http.response.body", "body": b""})


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def check_site(request: Request, sites: Sites, key: str | None) -> Site | None:
    """The site a request speaks for, after checking its key and origin; None without a key."""
    if key is None or key == "":
        return None
    site = sites.get(key)
    if site is None:
        raise ApiError(403, "unknown_site", "未知的站点密钥：本网站未获授权使用智能助手。")
    origin = request_origin(request.scope)
    if origin and origin != own_origin(request.scope) and not site.allows(origin):
        raise ApiError(403, "origin_refused", f"本网站（{origin}）未获授权使用该站点的智能助手。")
    return site
