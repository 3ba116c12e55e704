"""Which fields a write changed, and whether two writes to one draft touched the same field.

Answers are flattened to one entry per field (a table cell, a unit's field; a group or a
multiple choice is one value), with a marker for each row and unit that exists. Flags count
as part of their field. Two writes overlap when they changed the same entry differently, or
one replaced or removed what the other changed inside.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from assistant.forms.schema import Field, FormSchema, scope_fields
from assistant.forms.state import DraftState
from assistant.forms.steps import find_step, walk

Path = tuple[str | int, ...]


class _Marker:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


ROW = _Marker("ROW")  # a dict that exists: a section, a unit, a table row
ROWS = _Marker("ROWS")  # a list of units or rows that exists
ABSENT = _Marker("ABSENT")
_CONTAINERS = (ROW, ROWS)
_FLAG = "#flags"
_STEP_PART = re.compile(r"^([^\[\].]+)(?:\[(\d+)\])?$")
# What the conversation with one window is: taken from the version that window saw.
ANSWER_FIELDS = frozenset({"schema_id", "schema_version", "answers", "flags"})


def _scope(fields: list[Field], scope: Any, path: Path, out: dict[Path, Any]) -> None:
    if not isinstance(scope, dict):
        out[path] = scope
        return
    out[path] = ROW
    known = {f.key: f for f in scope_fields(fields)}
    for key, value in scope.items():
        f = known.get(key)
        here = (*path, key)
        if f is not None and f.kind == "table" and isinstance(value, list):
            out[here] = ROWS
            for r, row in enumerate(value):
                _scope(f.columns, row, (*here, r), out)
        else:
            out[here] = value


def step_path(step_id: str) -> Path | None:
    """ "team.members[0].mobile" → ("team", "members", 0, "mobile"); None for an "add" step."""
    path: list[str | int] = []
    for part in step_id.split("."):
        match = _STEP_PART.match(part)
        if match is None:
            return None
        path.append(match.group(1))
        if match.group(2) is not None:
            path.append(int(match.group(2)))
    return tuple(path)


def flatten(schema: FormSchema, state: DraftState) -> dict[Path, Any]:
    """One entry per field value, row marker and flag list."""
    out: dict[Path, Any] = {}
    sections = {s.key: s for _, s in schema.sections()}
    for key, value in state.answers.items():
        section = sections.get(key)
        if section is None:
            out[(key,)] = value
        elif section.repeat is not None and isinstance(value, list):
            out[(key,)] = ROWS
            for unit, scope in enumerate(value):
                _scope(section.fields, scope, (key, unit), out)
        else:
            _scope(section.fields, value, (key,), out)
    for step_id, flags in state.flags.items():
        path = step_path(step_id)
        out[(*path, _FLAG) if path else (_FLAG, step_id)] = sorted(flags)
    return out


def changed(schema: FormSchema, before: DraftState, after: DraftState) -> dict[Path, Any]:
    """The entries `after` holds differently from `before` (ABSENT where removed)."""
    a, b = flatten(schema, before), flatten(schema, after)
    return {p: b.get(p, ABSENT) for p in a.keys() | b.keys() if a.get(p, ABSENT) != b.get(p, ABSENT)}


def _inside(longer: Path, shorter: Path) -> bool:
    return len(longer) > len(shorter) and longer[: len(shorter)] == shorter


def overlap(mine: dict[Path, Any], theirs: dict[Path, Any]) -> list[Path]:
    """The places where two sets of changes to one base collide (empty: both can stand)."""
    hits: list[Path] = []
    for p, v in mine.items():
        for q, w in theirs.items():
            if p == q:
                if v != w:
                    hits.append(p)
            elif _inside(p, q) and w not in _CONTAINERS:
                hits.append(q)
            elif _inside(q, p) and v not in _CONTAINERS:
                hits.append(p)
    return hits


def rebase(schema: FormSchema, seen: DraftState, current: DraftState) -> DraftState | None:
    """The current answers with the conversation as the writer saw it (its question, pending
    confirmation, history), so its reply is applied to the question it was given; None when
    that question no longer exists in the current draft."""
    work = current.model_copy(deep=True)
    for name in DraftState.model_fields:
        if name not in ANSWER_FIELDS:
            setattr(work, name, copy.deepcopy(getattr(seen, name)))
    if seen.cursor is not None and find_step(walk(schema, work.answers), seen.cursor) is None:
        return None
    return work
