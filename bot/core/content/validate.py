"""Validate one tip or slot as a model (admin edits made in Telegram), with the files' rules."""

from __future__ import annotations

import datetime as dt

from bot.core.content.schema import (
    _DAYS_HINT,
    _KIND_HINT,
    _SLUG,
    _TIME_HINT,
    ANCHOR_MINUTES_MAX,
    SLOT_TITLE_MAX,
    _bool_problems,
    _categories_problems,
    _category_problem,
    _describe,
    _id_problems,
    _line,
    _plain_problems,
    _tip_field_problems,
)
from bot.core.models import Anchor, AnchorKind, Days, DaysKind, Slot, SlotKind, Tip

__all__ = ["validate_slot", "validate_tip"]


def _tip_label(tip_id: object) -> str:
    if isinstance(tip_id, str) and _SLUG.fullmatch(tip_id):
        return f"tip {tip_id}"
    return f"tip {tip_id!r}"


def validate_tip(tip: Tip, *, where: str = "tip") -> list[str]:
    """Problems with one tip, as ``where: tip <id>: field: problem`` lines ([] when valid)."""
    label = _tip_label(tip.id)
    lines = [_line(where, label, "category", p) for p in [_category_problem(tip.category)] if p]
    found = _tip_field_problems(
        tip.id, tip.title, tip.body, tip.why, tip.source, tip.active, tip.family, tip.level
    )
    lines.extend(_line(where, label, f, p) for f, p in found)
    return lines


def _anchor_problems(anchor: Anchor) -> list[str]:
    kind, offset, time = anchor.kind, anchor.offset_minutes, anchor.time
    if not isinstance(kind, AnchorKind):
        return [f"unknown anchor kind {kind!r}"]
    if isinstance(offset, bool) or not isinstance(offset, int):
        return [f"offset must be a whole number of minutes, got {_describe(offset)}"]
    if kind is AnchorKind.FIXED:
        if not isinstance(time, dt.time):
            return ['a fixed anchor needs a time (at: "HH:MM")']
        problems: list[str] = []
        if time.second or time.microsecond or time.tzinfo is not None:
            problems.append(f"bad time {time.isoformat()!r} ({_TIME_HINT})")
        if offset:
            problems.append(f"a fixed time takes no offset (got {offset})")
        return problems
    if time is not None:
        return ["only a fixed anchor (at) takes a time"]
    limit = ANCHOR_MINUTES_MAX
    if kind is AnchorKind.TIP_TIME:
        if not -limit <= offset <= limit:
            return [f"tip_time {offset} is out of range (-{limit}..{limit} minutes)"]
        return []
    word, minutes = ("before_run", -offset) if offset < 0 else ("after_run", offset)
    if minutes > limit:
        return [f"{word} {minutes} is out of range (0..{limit} minutes)"]
    return []


def _days_problems(days: Days) -> list[str]:
    problems: list[str] = []
    if not isinstance(days.kind, DaysKind):
        return [f"unknown days kind {days.kind!r} ({_DAYS_HINT})"]
    if days.kind is DaysKind.WEEKDAYS:
        if not days.weekdays:
            problems.append("empty list (name at least one weekday)")
        for day in sorted(days.weekdays, key=repr):
            if isinstance(day, bool) or not isinstance(day, int) or not 0 <= day <= 6:
                problems.append(f"bad weekday number {day!r} (0 = mon .. 6 = sun)")
    elif days.weekdays:
        problems.append(f"weekdays only go with a list of days, not {days.kind.value}")
    return problems


def _slot_label(slot_id: object) -> str:
    if isinstance(slot_id, str) and _SLUG.fullmatch(slot_id):
        return f"slot {slot_id}"
    return f"slot {slot_id!r}"


def validate_slot(slot: Slot, *, where: str = "plan") -> list[str]:
    """Problems with one slot, as ``where: slot <id>: field: problem`` lines ([] when valid)."""
    kind = slot.kind if isinstance(slot.kind, SlotKind) else None
    found: list[tuple[str, str]] = []
    for name, problems in (
        ("id", _id_problems(slot.id)),
        ("title", _plain_problems(slot.title, SLOT_TITLE_MAX, required=True)),
        ("kind", [] if kind else [f"unknown kind {slot.kind!r} ({_KIND_HINT})"]),
        ("categories", _categories_problems(kind, slot.categories)),
        ("anchor", _anchor_problems(slot.anchor)),
        ("days", _days_problems(slot.days)),
        ("weekly", _bool_problems(slot.days.weekly)),
        ("enabled", _bool_problems(slot.enabled)),
    ):
        found.extend((name, problem) for problem in problems)
    label = _slot_label(slot.id)
    return [_line(where, label, f, p) for f, p in found]
