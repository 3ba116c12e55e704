"""Optional LLM help for the form flow: extract fields, propose a shorter text, explain a field.

Depends only on the `Completer` protocol; the caller builds one from settings (or
passes None to stay offline). Every result is checked against the applicant's own
words: nothing the model adds is accepted, and nothing is applied without the
applicant's "采用". Any failure raises `LLMError`; the flow then carries on offline.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from string import Formatter
from typing import Protocol

from assistant.errors import ConfigError, LLMError
from assistant.forms.answers import options
from assistant.forms.schema import Field
from assistant.forms.validators import nfkc
from assistant.forms.wordcount import count_words


class Completer(Protocol):
    """Anything that turns chat messages into a reply text (an OpenAI-compatible client, a fake)."""

    def complete(self, messages: list[dict[str, str]]) -> str: ...


def load_prompt(prompts_dir: Path, name: str, **values: object) -> str:
    """`prompts/forms/<name>.md` with every placeholder filled (a missing or unknown one is an error)."""
    path = prompts_dir / "forms" / f"{name}.md"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"找不到提示词文件 {path}。请检查 PROMPTS_DIR 设置。") from exc
    wanted = {fname for _, fname, _, _ in Formatter().parse(text) if fname}
    if wanted != set(values):
        raise ConfigError(f"提示词 {path} 的占位符 {sorted(wanted)} 与提供的 {sorted(values)} 不一致。")
    return text.format(**values)


_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def numbers_in(text: str) -> set[str]:
    return set(_NUMBER.findall(nfkc(text).replace(",", "")))


def _compact(text: str) -> str:
    return re.sub(r"[\s，,。.；;、：:“”\"'‘’()（）]", "", nfkc(text)).lower()


def supported(value: str, source: str) -> bool:
    """The value can be found in the applicant's text: every number appears and the words are there."""
    if not numbers_in(value) <= numbers_in(source):
        return False
    words = _compact(re.sub(_NUMBER, "", nfkc(value)))
    if not words:
        return True
    parts = [p for p in re.split(r"[、]", nfkc(value)) if p.strip()]
    return _compact(value) in _compact(source) or all(_compact(p) in _compact(source) for p in parts)


class FormAssistant:
    """LLM assistance behind the `Completer` protocol, with guards against invented facts."""

    def __init__(self, completer: Completer, prompts_dir: Path) -> None:
        self._completer = completer
        self._prompts_dir = prompts_dir

    def _ask(self, name: str, **values: object) -> str:
        messages = [
            {"role": "system", "content": load_prompt(self._prompts_dir, "system")},
            {"role": "user", "content": load_prompt(self._prompts_dir, name, **values)},
        ]
        try:
            reply = self._completer.complete(messages)
        except LLMError:
            raise
        except Exception as exc:  # any client failure: time-out, HTTP error, connection refused
            raise LLMError(f"大模型调用失败（{type(exc).__name__}）") from exc
        if not isinstance(reply, str) or not reply.strip():
            raise LLMError("大模型返回了空结果")
        return reply.strip()

    def extract(self, fields: list[Field], paragraph: str) -> tuple[dict[str, str], list[str]]:
        """Raw answers found in `paragraph` (field key → text) and the labels dropped as unsupported."""
        lines = []
        for i, f in enumerate(fields, start=1):
            choices = ""
            if f.is_choice:
                choices = "；选项：" + "、".join(o.choice.label for o in options(f))
            unit = f"（单位：{f.unit}）" if f.unit else ""
            lines.append(f"f{i}: {f.label}{unit}{choices}")
        reply = self._ask("extract", fields="\n".join(lines), paragraph=paragraph)
        match = re.search(r"\{.*\}", reply, re.S)
        try:
            data = json.loads(match.group(0) if match else reply)
        except json.JSONDecodeError as exc:
            raise LLMError("大模型返回的不是有效的 JSON") from exc
        if not isinstance(data, dict):
            raise LLMError("大模型返回的不是 JSON 对象")
        found: dict[str, str] = {}
        dropped: list[str] = []
        for i, f in enumerate(fields, start=1):
            raw = data.get(f"f{i}")
            if raw is None or not str(raw).strip():
                continue
            text = str(raw).strip()
            if supported(text, paragraph):
                found[f.key] = text
            else:
                dropped.append(f.label)
        return found, dropped

    def shorten(self, *, label: str, limit: int, limit_text: str, text: str) -> str:
        """A shorter version within `limit` 字 that adds no numbers the original lacks."""
        count = count_words(text)
        reply = self._ask(
            "shorten",
            label=label,
            limit_text=limit_text,
            count=count,
            over=count - limit,
            limit=limit,
            text=text,
        )
        reply = reply.strip().strip("<>").strip()
        if count_words(reply) > limit:
            raise LLMError(f"精简结果仍有 {count_words(reply)} 字，超过限制")
        if not numbers_in(reply) <= numbers_in(text):
            raise LLMError("精简结果出现了原文没有的数字")
        return reply

    def explain(self, *, label: str, where: str, hint: str, rules: str) -> str:
        return self._ask("explain", label=label, where=where, hint=hint or "（模板无额外说明）", rules=rules)
