"""The one loader for prompt files in `prompts/`: `{{name}}` placeholders, checked at load and at render.

`chat_prompt` turns loaded files into a LangChain `ChatPromptTemplate` (f-string format, every
other brace escaped), so a value is inserted verbatim: no HTML escaping, no second substitution.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from langchain_core.prompts import ChatPromptTemplate

from assistant.errors import ConfigError

_PLACEHOLDER_RE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_COMMENT_RE = re.compile(r"<!--.*?-->\s*", re.S)  # notes for maintainers, never sent to the model


class PromptError(ConfigError):
    """A prompt file is missing, malformed, or rendered without all its placeholders."""

    def __init__(self, message: str, *, name: str, missing: Iterable[str] = ()) -> None:
        super().__init__(message)
        self.name = name
        self.missing = sorted(missing)


@dataclass(frozen=True)
class PromptTemplate:
    name: str
    text: str
    placeholders: frozenset[str]

    def render(self, **values: object) -> str:
        """The prompt with every `{{name}}` replaced; raises PromptError naming each missing value."""
        missing = self.placeholders - values.keys()
        if missing:
            names = "、".join(sorted(missing))
            raise PromptError(f"提示词 {self.name} 缺少占位符的值：{names}", name=self.name, missing=missing)
        return _PLACEHOLDER_RE.sub(lambda m: str(values[m.group(1)]), self.text)

    def f_string(self) -> str:
        """The text in LangChain's f-string format: `{{name}}` → `{name}`, literal braces doubled."""
        out: list[str] = []
        last = 0
        for m in _PLACEHOLDER_RE.finditer(self.text):
            out.append(self.text[last : m.start()].replace("{", "{{").replace("}", "}}"))
            out.append("{" + m.group(1) + "}")
            last = m.end()
        out.append(self.text[last:].replace("{", "{{").replace("}", "}}"))
        return "".join(out)


def chat_prompt(system: PromptTemplate, user: PromptTemplate) -> ChatPromptTemplate:
    """A system and a user message from two prompt files; its input variables are their placeholders."""
    return ChatPromptTemplate.from_messages([("system", system.f_string()), ("human", user.f_string())])


def load_prompt(name: str, prompts_dir: Path, *, expected: Iterable[str] | None = None) -> PromptTemplate:
    """Read `prompts/<name>.md` (UTF-8). With `expected`, its placeholders must be exactly those names."""
    path = prompts_dir / f"{name}.md"
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PromptError(f"找不到提示词文件 {path}，请检查 PROMPTS_DIR。", name=name) from exc
    text = _COMMENT_RE.sub("", raw).strip() + "\n"
    found = frozenset(_PLACEHOLDER_RE.findall(text))
    leftover = _PLACEHOLDER_RE.sub("", text)
    if "{{" in leftover or "}}" in leftover:
        raise PromptError(f"提示词文件 {path} 中有格式错误的占位符（应为 {{{{名称}}}}）。", name=name)
    if expected is not None:
        want = frozenset(expected)
        if found != want:
            detail = []
            if want - found:
                detail.append("缺少 " + "、".join(sorted(want - found)))
            if found - want:
                detail.append("多出 " + "、".join(sorted(found - want)))
            raise PromptError(
                f"提示词文件 {path} 的占位符不符：{'；'.join(detail)}。", name=name, missing=want - found
            )
    return PromptTemplate(name=name, text=text, placeholders=found)
