"""Mask identity and phone numbers before anything reaches a log."""

from __future__ import annotations

import re

_ID = re.compile(r"(?<![0-9A-Za-z])(\d{3})\d{12}(\d{2}[\dXx])(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")


def mask_sensitive(text: str) -> str:
    """110105199003072316 → 110************316; 13812345678 → 138****5678."""
    text = _ID.sub(lambda m: f"{m.group(1)}{'*' * 12}{m.group(2)}", text)
    return _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)


def mask_token(token: str) -> str:
    """Enough of a draft token to tell drafts apart in a log, not enough to open one."""
    return f"{token[:6]}…" if len(token) > 6 else "…"
