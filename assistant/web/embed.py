"""The embeddable widget: `/widget.js` (the bubble on a division's site) and `/embed?site=KEY` (the chat in its iframe).

The embed page may only be framed by the site's own origins (`Content-Security-Policy:
frame-ancestors`); an unknown key, or a Referer from another origin, gets a refusal page.
The page runs only our own script (`script-src 'self'`) and renders every text with textContent.
"""

from __future__ import annotations

import html
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from .security import own_origin
from .sites import Site, normalise_origin

STATIC = Path(__file__).parent / "static"
router = APIRouter(include_in_schema=False)

_BASE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
    "base-uri 'none'; form-action 'none'"
)


def _static(name: str, media_type: str) -> Response:
    return Response(
        (STATIC / name).read_bytes(),
        media_type=media_type,
        headers={"Cache-Control": "public, max-age=300", "Cross-Origin-Resource-Policy": "cross-origin"},
    )


@router.get("/widget.js")
def widget_js() -> Response:
    return _static("widget.js", "application/javascript; charset=utf-8")


@router.get("/embed.js")
def embed_js() -> Response:
    return _static("embed.js", "application/javascript; charset=utf-8")


@router.get("/embed.css")
def embed_css() -> Response:
    return _static("embed.css", "text/css; charset=utf-8")


def _refusal(message: str) -> HTMLResponse:
    body = (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>未获授权</title>'
        '<link rel="stylesheet" href="/embed.css"></head><body class="refused">'
        f'<div class="refusal" role="alert">{html.escape(message)}</div></body></html>'
    )
    # A refusal page carries nothing worth protecting; letting it show in the frame explains the refusal.
    return HTMLResponse(body, status_code=403, headers={"Content-Security-Policy": _BASE_CSP + "; frame-ancestors *"})


def _referer_origin(request: Request) -> str | None:
    raw = request.headers.get("referer")
    if not raw:
        return None
    try:
        parts = urlsplit(raw)
        return normalise_origin(f"{parts.scheme}://{parts.netloc}")
    except ValueError:
        return None


@router.get("/embed", response_class=HTMLResponse)
def embed_page(request: Request, site: str = Query(default="", max_length=64)) -> HTMLResponse:
    sites = request.app.state.services.sites
    conf: Site | None = sites.get(site)
    if conf is None:
        return _refusal("未知的站点密钥：本网站未获授权嵌入数据要素×大赛智能助手。")
    referer = _referer_origin(request)
    if referer and referer != own_origin(request.scope) and not conf.allows(referer):
        return _refusal(f"本网站（{referer}）未获授权嵌入该智能助手。")
    ancestors = " ".join(conf.origins)
    page = (STATIC / "embed.html").read_text(encoding="utf-8")
    attrs = {
        "data-site": conf.key,
        "data-title": conf.title,
        "data-colour": conf.colour,
        "data-division": conf.division or "",
        "data-division-name": conf.public()["division_name"],
    }
    rendered = page.replace("{{title}}", html.escape(conf.title)).replace(
        "{{attrs}}", " ".join(f'{k}="{html.escape(str(v))}"' for k, v in attrs.items())
    )
    return HTMLResponse(
        rendered,
        headers={
            "Content-Security-Policy": f"{_BASE_CSP}; frame-ancestors 'self' {ancestors}",
            "Cache-Control": "no-store",
        },
    )
