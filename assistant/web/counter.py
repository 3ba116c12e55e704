"""`/assets/counter.js`: the live 字数 counter under the 申报书 reply box, counted in the browser as Word does.

Gradio does not report every keystroke (IME input in particular), so the page counts locally.
The set of characters Word counts one by one, and the set it skips (zero-width characters,
combining marks), are generated from the same Python rules (`assistant.forms.wordcount`
`is_east_asian`, `is_invisible`), so the browser and the saved draft agree.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from fastapi import APIRouter
from fastapi.responses import Response

from assistant.forms.wordcount import is_east_asian, is_invisible

from .embed import STATIC

router = APIRouter(include_in_schema=False)


def char_class(rule: Callable[[str], bool]) -> str:
    """A JavaScript regex character class (for the `u` flag) of every character `rule` accepts."""
    ranges: list[str] = []
    start: int | None = None
    for cp in range(0x110001):
        hit = cp <= 0x10FFFF and not 0xD800 <= cp <= 0xDFFF and rule(chr(cp))
        if hit and start is None:
            start = cp
        elif not hit and start is not None:
            end = cp - 1
            ranges.append(f"\\u{{{start:X}}}" + (f"-\\u{{{end:X}}}" if end > start else ""))
            start = None
    return "[" + "".join(ranges) + "]"


@lru_cache(maxsize=1)
def east_asian_class() -> str:
    """Every character counted one by one."""
    return char_class(is_east_asian)


@lru_cache(maxsize=1)
def invisible_class() -> str:
    """Every character that neither counts nor splits a run."""
    return char_class(is_invisible)


@lru_cache(maxsize=1)
def counter_js() -> bytes:
    template = (STATIC / "counter.js").read_text(encoding="utf-8")
    script = template.replace("__EAST_ASIAN__", east_asian_class()).replace("__INVISIBLE__", invisible_class())
    return script.encode("utf-8")


@router.get("/assets/counter.js")
def counter_script() -> Response:
    return Response(counter_js(), media_type="application/javascript; charset=utf-8",
                    headers={"Cache-Control": "public, max-age=3600"})
