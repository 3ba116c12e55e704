"""The public HTTP API (`/api/v1`): ask, ask/stream (SSE), divisions, timeline, feedback, site config.

`/ask` returns exactly `Answer.public()`, the contract of the CLI's `--json`; the log id for
feedback travels in the `X-Log-Id` header (and in the stream's final `done` event).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from fastapi.sse import EventSourceResponse, format_sse_event
from pydantic import BaseModel, Field

from assistant.models import DIVISION_IDS, Answer, AnswerPart, DivisionId, Mode, Status, Turn
from assistant.rules import divisions as div

from .deps import WebServices
from .errors import ApiError, error_body, from_exception
from .security import check_site, client_ip
from .sites import Site
from .streaming import Piece, stream_answer
from .timeline import Timeline, build_timeline

router = APIRouter(prefix="/api/v1")


def services_of(request: Request) -> WebServices:
    services: WebServices = request.app.state.services
    return services


class AskRequest(BaseModel):
    question: str = Field(description="问题（不超过 2000 字符）", examples=["山西分赛一等奖奖金是多少？"])
    division: str | None = Field(
        default=None, description="限定分赛：shanxi / shaanxi / xinjiang / yiyang / national-2025 / national-2024，或中文简称；空或“全部”表示不限"
    )
    id: str | None = Field(default=None, max_length=200, description="调用方自带的编号，原样返回")
    site: str | None = Field(default=None, max_length=64, description="嵌入站点密钥（挂件使用）；站点的分赛范围优先")
    history: list[Turn] = Field(
        default_factory=list,
        max_length=40,
        description="此前的对话，从早到晚：[{\"role\": \"user\"|\"assistant\", \"content\": …}]；据此理解“那陕西呢？”之类的追问",
        examples=[[{"role": "user", "content": "新疆分赛报名截止是哪天"}]],
    )


class PublicCitation(BaseModel):
    n: int
    division: DivisionId
    doc_title: str
    section: str
    quote: str


class PublicAnswer(BaseModel):
    """The answer contract shared with the CLI's `--json`."""

    id: str | None
    question: str
    answer: str
    status: Status
    divisions: list[DivisionId]
    citations: list[PublicCitation]
    mode: Mode
    latency_ms: float
    note: str | None = Field(default=None, description="例如“秘书处审定”")
    approved: bool | None = Field(default=None, description="秘书处审定的答案为 true")
    resolved_question: str = Field(description="实际回答的完整问题（追问已补全）")
    understood: str | None = Field(default=None, description="与输入不同时的说明，例如“按‘陕西分赛报名截止是哪天’回答”")
    parts: list[AnswerPart] = Field(description="一条消息里的每个问题：补全后的问题、状态、回答和所用引用")


class FeedbackRequest(BaseModel):
    log_id: str = Field(max_length=64)
    vote: Literal["up", "down"]
    comment: str = Field(default="", max_length=1000)


class DivisionInfo(BaseModel):
    id: DivisionId
    name: str
    short: str


class Health(BaseModel):
    status: Literal["ok", "starting"]
    mode: Mode
    chunks: int
    forms: bool


_ERRORS: dict[int | str, dict[str, object]] = {
    400: {"description": "输入有误（中文说明在 error.message）"},
    403: {"description": "站点密钥未知、缺少站点密钥，或来源（Origin）未获授权、为 null 或无效"},
    413: {"description": "请求内容过大"},
    422: {"description": "请求格式不正确（字段缺失、类型不对、过长）"},
    429: {"description": "超过站点配额或每个地址的配额，请稍后再试"},
}


def _asker(request: Request, body: AskRequest) -> tuple[WebServices, Site | None, str]:
    """The site the request speaks for, after its quota (a site's, or the per-IP one without a key)."""
    services = services_of(request)
    site = check_site(request, services.sites, body.site)
    ip = client_ip(request)
    if site is not None:
        services.quotas.hit(site, ip)
    else:
        settings = services.settings
        services.quotas.count("", ip, settings.api_quota_per_minute, settings.api_quota_per_day, "每个地址")
    return services, site, f"embed:{site.key}" if site else "api"


@router.post("/ask", response_model=PublicAnswer, responses=_ERRORS, summary="提问（返回完整回答）", tags=["问答"])
async def ask(request: Request, body: AskRequest) -> JSONResponse:
    def work() -> tuple[Answer, str]:
        services, site, channel = _asker(request, body)
        return services.ask(body.question, body.division, channel=channel, site=site, id=body.id, history=body.history,
                            request_id=request.headers.get("x-request-id"))

    answer, log_id = await services_of(request).answering(work)  # on the answer threads: see WebServices.answering
    return JSONResponse(answer.public(), headers={"X-Log-Id": log_id})


async def _pulled(services: WebServices, items: Iterator[str]) -> AsyncIterator[str]:
    """`items` pulled on the answer threads: each next piece may wait on the model."""
    while True:
        item = await services.answering(lambda: next(items, None))
        if item is None:
            return
        yield item


def _sse(event: str, data: object) -> str:
    """One event in FastAPI's own SSE encoding (the payload is JSON, so it is one `data:` line)."""
    return format_sse_event(event=event, data_str=json.dumps(data, ensure_ascii=False)).decode("utf-8")


@router.post(
    "/ask/stream",
    responses={200: {"content": {"text/event-stream": {}}, "description": "事件：token（片段）、answer（完整回答）、done（日志编号）、error"}, **_ERRORS},
    summary="提问（服务器推送事件 SSE，逐段返回）",
    tags=["问答"],
)
async def ask_stream(request: Request, body: AskRequest) -> EventSourceResponse:
    services = services_of(request)

    def start() -> tuple[str, DivisionId | None, Iterator[Piece | Answer]]:
        _, site, channel = _asker(request, body)
        services.check_cost(body.question)
        scope, locked = services.scope(body.division, site)
        events = stream_answer(  # bad input raises here, before streaming
            services.assistant, body.question, scope, history=body.history, locked=locked
        )
        return channel, scope, events

    channel, scope, events = await services.answering(start)

    def run() -> Iterator[str]:
        try:
            for item in events:
                if isinstance(item, Piece):
                    yield _sse("token", {"text": item.text})
                else:
                    assert isinstance(item, Answer)
                    item.id = body.id
                    log_id = services.record(item, scope, channel, request.headers.get("x-request-id"))
                    yield _sse("answer", item.public())
                    yield _sse("done", {"log_id": log_id})
        except Exception as exc:  # noqa: BLE001 - reported as an SSE error event, logged by from_exception
            _, code, message = from_exception(exc)
            yield _sse("error", error_body(code, message))

    # Returned, not yielded from the route: bad input is still a plain Chinese 4xx before any event.
    return EventSourceResponse(
        _pulled(services, run()),
        media_type="text/event-stream; charset=utf-8",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@router.post("/feedback", summary="对回答点赞或点踩（可附评论）", tags=["问答"], responses=_ERRORS)
def feedback(request: Request, body: FeedbackRequest) -> dict[str, bool]:
    services_of(request).store.feedback(body.log_id, body.vote, body.comment)
    return {"ok": True}


@router.get("/divisions", response_model=list[DivisionInfo], summary="分赛列表", tags=["资料"])
def divisions() -> list[DivisionInfo]:
    return [DivisionInfo(id=d, name=div.NAMES[d], short=div.SHORT[d]) for d in DIVISION_IDS]


@router.get("/timeline", response_model=Timeline, summary="赛程时间线（每个日期附通知出处）", tags=["资料"], responses=_ERRORS)
def timeline(request: Request, division: str | None = Query(default=None, description="分赛 id 或中文简称；空表示全部")) -> JSONResponse:
    tl = build_timeline(services_of(request).assistant, div.parse(division))
    internal = {"divisions": {"__all__": {"stages": {"__all__": {"citation": {"chunk_id", "context"}}}}}}
    return JSONResponse(tl.model_dump(mode="json", exclude=internal))


@router.get("/sites/{key}", summary="挂件读取本站点配置（只对该站点允许的来源开放）", tags=["嵌入"], responses=_ERRORS)
def site_config(request: Request, key: str) -> dict[str, object]:
    site = check_site(request, services_of(request).sites, key)
    assert site is not None
    return site.public()


fallback = APIRouter()


@fallback.api_route("/api/{path:path}", methods=["GET", "POST", "PUT", "DELETE", "PATCH"], include_in_schema=False)
def not_found(path: str) -> None:
    """Unknown API paths get the uniform JSON error (the page is mounted at "/" after the API)."""
    raise ApiError(404, "not_found", f"没有这个接口：/api/{path}。接口说明见 /docs。")


async def health(request: Request) -> Health:
    """On the event loop: it needs no thread, so nothing that holds threads can delay it."""
    services = services_of(request)
    return Health(
        status="ok" if services.ready.is_set() else "starting",
        mode=services.assistant.mode,
        chunks=len(services.assistant.index.chunks),
        forms=services.forms is not None,
    )
