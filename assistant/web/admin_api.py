"""Secretariat endpoints (`/api/v1/admin`, `Authorization: Bearer <ADMIN_TOKEN>`): log, approved answers, audit, report."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from assistant.models import Citation
from assistant.rules import divisions as div
from assistant.settings import ROOT

from .admin import audit_markdown, check_token, latest_report
from .api import services_of
from .deps import WebServices
from .errors import ApiError
from .store import ApprovedEntry, FeedbackFilter, HistoryEntry, LogDetail, LogEntry


def require_admin(request: Request) -> WebServices:
    services = services_of(request)
    header = request.headers.get("authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else ""
    check_token(services.settings, token)
    return services


router = APIRouter(prefix="/api/v1/admin", tags=["秘书处"], dependencies=[Depends(require_admin)])
_ERRORS: dict[int | str, dict[str, object]] = {
    401: {"description": "需要秘书处口令"},
    403: {"description": "口令错误，或后台未启用（未设置 ADMIN_TOKEN）"},
}


class ApproveRequest(BaseModel):
    question: str = Field(max_length=2000)
    division: str | None = Field(default=None, description="审定答案适用的分赛范围；空表示不限")
    answer: str = Field(max_length=5000)
    citations: list[Citation] = Field(default_factory=list, max_length=20)
    who: str = Field(max_length=50, description="审定人")


class RevokeRequest(BaseModel):
    question: str = Field(max_length=2000)
    division: str | None = None
    who: str = Field(max_length=50)


class AuditRequest(BaseModel):
    questions: list[str] = Field(max_length=200)


@router.get("/log", response_model=list[LogEntry], summary="问答记录：搜索与筛选", responses=_ERRORS)
def log_search(
    request: Request,
    q: str = Query(default="", max_length=200, description="问题包含的文字"),
    division: str = Query(default="", description="分赛 id；none 表示未限定分赛"),
    status: str = Query(default="", description="answered / not_found / out_of_scope / clarify / approved"),
    feedback: FeedbackFilter = Query(default=""),
    limit: int = Query(default=200, ge=1, le=1000),
) -> list[LogEntry]:
    scope = division if division in ("", "none") else (div.parse(division) or "")
    return services_of(request).store.search(text=q, scope=scope, status=status, feedback=feedback, limit=limit)


@router.get("/log/{log_id}", response_model=LogDetail, summary="一条问答及其引用", responses=_ERRORS)
def log_entry(request: Request, log_id: str) -> LogDetail:
    found = services_of(request).store.get(log_id)
    if found is None:
        raise ApiError(404, "not_found", "没有这条问答记录。")
    return found


@router.get("/approved", response_model=list[ApprovedEntry], summary="已审定的答案", responses=_ERRORS)
def approved_list(request: Request) -> list[ApprovedEntry]:
    return services_of(request).store.approved()


@router.put("/approved", response_model=ApprovedEntry, summary="审定（新建或修改）一个问题的答案", responses=_ERRORS)
def approve(request: Request, body: ApproveRequest) -> ApprovedEntry:
    return services_of(request).store.approve(
        question=body.question, scope=div.parse(body.division), answer=body.answer, citations=body.citations, who=body.who
    )


@router.post("/approved/revoke", summary="撤销审定答案", responses=_ERRORS)
def revoke(request: Request, body: RevokeRequest) -> dict[str, bool]:
    store = services_of(request).store
    return {"revoked": store.revoke(question=body.question, scope=div.parse(body.division), who=body.who)}


@router.get("/approved/history", response_model=list[HistoryEntry], summary="审定答案的修改记录（谁、何时、修改前后）", responses=_ERRORS)
def history(request: Request) -> list[HistoryEntry]:
    return services_of(request).store.history()


@router.post("/audit", summary="一致性检查：问题及其表面变体的回答是否一致", responses=_ERRORS)
def audit(request: Request, body: AuditRequest) -> dict[str, str]:
    return {"markdown": audit_markdown(services_of(request).assistant, body.questions)}


@router.get("/report", summary="最近一次评估报告（evals/results/…/report.md）", responses=_ERRORS)
def report() -> dict[str, str]:
    found = latest_report()
    if found is None:
        raise ApiError(404, "no_report", "还没有评估报告：请先运行 python -m assistant eval。")
    return {"path": str(found[0].relative_to(ROOT)) if found[0].is_relative_to(ROOT) else found[0].name, "markdown": found[1]}
