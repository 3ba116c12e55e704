"""申报书 endpoints (`/api/v1/forms`): create a draft, answer, status, export, import, check a Word draft.

Uploads are untrusted: their size is capped before they are read (see uploads.py), a Word file
is checked in a worker process, and the handlers wait for it in a thread, never on the event loop.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from .errors import ApiError

if TYPE_CHECKING:
    from assistant.forms.service import FormService

router = APIRouter(prefix="/api/v1/forms", tags=["申报书"])

ExportFormat = Literal["docx", "json", "md"]
_ERRORS: dict[int | str, dict[str, object]] = {
    400: {"description": "输入有误；上传的文件无法打开（“无法打开文件…”）或超出检查限制"},
    404: {"description": "草稿不存在（令牌错误或已删除）"},
    409: {"description": "草稿已在另一窗口更新，请刷新后再填（回答依据的 version 已过期，且改的是同一项）"},
    413: {"description": "上传的文件过大"},
    503: {"description": "申报书功能未启用，或正在检查的文件较多"},
}


class AnswerRequest(BaseModel):
    text: str = Field(max_length=20000, description="对当前问题的回答，或命令：跳过、上一步、修改 <字段>、进度、预览、导出")
    version: int | None = Field(
        default=None,
        ge=1,
        description="上一次回复中的 version。草稿若已在另一窗口更新：改的是别的项，照常保存；"
        "改的是同一项，返回 409。不传则按当前版本处理。",
    )


def forms_of(request: Request) -> FormService:
    forms: FormService | None = request.app.state.services.forms
    if forms is None:
        raise ApiError(503, "forms_disabled", "申报书功能暂未启用。")
    return forms


def _guard(exc: Exception) -> Exception:
    """A missing draft is a 404, not a 400."""
    from assistant.forms.drafts import DraftNotFound

    if isinstance(exc, DraftNotFound):
        return ApiError(404, "draft_not_found", exc.message)
    return exc


@router.post("", summary="新建草稿（返回令牌和第一个问题）", responses=_ERRORS)
def create(request: Request) -> dict[str, object]:
    return forms_of(request).create().model_dump()


@router.get("/{token}", summary="草稿状态：进度、缺项和问题", responses=_ERRORS)
def status(request: Request, token: str) -> dict[str, object]:
    try:
        return forms_of(request).status(token).model_dump()
    except Exception as exc:  # noqa: BLE001 - re-raised as the right error
        raise _guard(exc) from exc


@router.post("/{token}/answer", summary="回答当前问题（或发送命令）", responses=_ERRORS)
def answer(request: Request, token: str, body: AnswerRequest) -> dict[str, object]:
    try:
        return forms_of(request).answer(token, body.text, body.version).model_dump()
    except Exception as exc:  # noqa: BLE001
        raise _guard(exc) from exc


@router.get(
    "/{token}/export",
    summary="导出草稿：Word（docx）、JSON 或 Markdown",
    responses={200: {"content": {"application/octet-stream": {}}}, **_ERRORS},
)
def export(request: Request, token: str, format: ExportFormat = Query(default="docx")) -> Response:
    try:
        result = forms_of(request).export(token, format)
    except Exception as exc:  # noqa: BLE001
        raise _guard(exc) from exc
    fallback = f"shenbaoshu.{format}"
    disposition = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(result.filename)}"
    return Response(result.data, media_type=result.media_type, headers={"Content-Disposition": disposition})


@router.post("/import", summary="从导出的 JSON 文件新建草稿", responses=_ERRORS)
async def import_json(request: Request, file: UploadFile) -> dict[str, object]:
    forms = forms_of(request)
    data = await file.read()
    reply, warnings = await run_in_threadpool(forms.import_json, data)
    return {**reply.model_dump(), "warnings": warnings}


@router.post("/check", summary="检查申报书 Word 稿：各部分字数与限制、缺项", responses=_ERRORS)
async def check(request: Request, file: UploadFile) -> dict[str, object]:
    forms = forms_of(request)
    name = (file.filename or "").lower()
    if not name.endswith(".docx"):
        raise ApiError(400, "bad_input", "请上传 Word 文件（.docx）。旧版 .doc 请先在 Word 中另存为 .docx。")
    data = await file.read()
    report = await run_in_threadpool(forms.check, data)
    return report.model_dump()
