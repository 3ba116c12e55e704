"""What the secretariat console and the admin API share: the token check, the audit, the evaluation report."""

from __future__ import annotations

import hmac
import logging
from pathlib import Path

from assistant.rules.pipeline import Engine
from assistant.settings import ROOT, Settings

from .errors import ApiError

log = logging.getLogger(__name__)

RESULTS_DIR = ROOT / "evals" / "results"
MAX_AUDIT_QUESTIONS = 200
DISABLED = "秘书处后台未启用：请在 .env 中设置 ADMIN_TOKEN（一串足够长的随机字符）后重启服务。"
MISSING = "需要秘书处口令。"
WRONG = "口令错误，拒绝访问。"


def check_token(settings: Settings, supplied: str | None) -> None:
    """Raise unless `supplied` is the configured admin token (compared in constant time)."""
    if not settings.admin_token:
        raise ApiError(403, "console_disabled", DISABLED)
    if not supplied:
        raise ApiError(401, "token_required", MISSING, {"WWW-Authenticate": "Bearer"})
    if not hmac.compare_digest(supplied.encode(), settings.admin_token.encode()):
        log.warning("console: wrong admin token")
        raise ApiError(403, "token_wrong", WRONG)


def audit_markdown(assistant: Engine, questions: list[str]) -> str:
    """Run the consistency audit (question and its surface variants) and return its Markdown report."""
    questions = [q.strip() for q in questions if q.strip()]
    if not questions:
        raise ApiError(400, "bad_input", "请至少输入一个问题（每行一个）。")
    if len(questions) > MAX_AUDIT_QUESTIONS:
        raise ApiError(400, "bad_input", f"一次最多检查 {MAX_AUDIT_QUESTIONS} 个问题，当前 {len(questions)} 个。")
    try:
        from assistant.evals.audit import run_audit
    except ImportError:
        raise ApiError(503, "audit_unavailable", "一致性检查模块尚未安装（assistant/evals/audit.py）。") from None
    return str(run_audit(assistant, questions).to_markdown())


def latest_report(results_dir: Path = RESULTS_DIR) -> tuple[Path, str] | None:
    """The most recent evaluation report (evals/results/<run>/report.md), if any."""
    reports = [p for p in results_dir.glob("*/report.md") if p.is_file()] if results_dir.is_dir() else []
    if not reports:
        return None
    newest = max(reports, key=lambda p: p.stat().st_mtime)
    return newest, newest.read_text(encoding="utf-8")
