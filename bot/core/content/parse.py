"""Parse the text of ``plan.yaml`` and ``tips/<category>.yaml`` into slots and tips.

Every problem in a file is collected before one ContentError is raised: an admin fixing a file
sees all of it at once, and a file with any problem is refused as a whole.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Sequence
from pathlib import PurePosixPath
from typing import Any

from bot.core.content.schema import (
    _ANCHOR_HINT,
    _ANCHOR_KEYS,
    _DAYS_HINT,
    _DAYS_WORDS,
    _FILE_KINDS,
    _HHMM,
    _KIND_HINT,
    _KIND_WORDS,
    _PLAN_FILE_FIELDS,
    _SLOT_FIELDS,
    _SLUG,
    _TIME_HINT,
    _TIP_FIELDS,
    _TIP_TEXT_FIELDS,
    _TIP_TEXTS_FILE_FIELDS,
    _TIPS_FILE_FIELDS,
    ANCHOR_MINUTES_MAX,
    PLAN_FILE,
    SLOT_TITLE_MAX,
    TIP_WHY_MAX,
    ContentError,
    _body_problems,
    _bool_problems,
    _categories_problems,
    _category_problem,
    _describe,
    _id_problems,
    _line,
    _plain_problems,
    _tip_field_problems,
    _title_problems,
    _unknown_field,
)
from bot.core.content.yamlio import _NO_DATA, _read_yaml
from bot.core.models import (
    WEEKDAY_NAMES,
    Anchor,
    AnchorKind,
    Days,
    DaysKind,
    Slot,
    SlotKind,
    Tip,
    TipText,
)

__all__ = ["parse_plan", "parse_tip_texts", "parse_tips"]


def _entries(
    data: dict[Any, Any], key: str, file: str, what: str, errors: list[str]
) -> list[Any] | None:
    if key not in data or data[key] is None:
        errors.append(_line(file, "file", key, "missing"))
        return None
    entries = data[key]
    if not isinstance(entries, list):
        errors.append(
            _line(file, "file", key, f"expected a list of {what}s, got {_describe(entries)}")
        )
        return None
    if not entries:
        errors.append(_line(file, "file", key, f"empty list (add at least one {what})"))
        return None
    return entries


def _unknown_fields(
    data: dict[Any, Any], known: Sequence[str], file: str, entry: str, errors: list[str]
) -> None:
    for key in data:
        if key not in known:
            field, problem = _unknown_field(key, known)
            errors.append(_line(file, entry, field, problem))


def _entry_id(raw: object) -> str | None:
    """The entry's id if it is a usable slug (entries are then named by it), else None."""
    value = raw.get("id") if isinstance(raw, dict) else None
    return value if isinstance(value, str) and _SLUG.fullmatch(value) else None


def _optional(raw: dict[Any, Any], key: str, default: Any) -> Any:
    value = raw.get(key)
    return default if value is None else value


def _note_id(
    raw: object,
    number: int,
    first_seen: dict[str, int],
    file: str,
    what: str,
    errors: list[str],
    *,
    also: str = "",
) -> None:
    """Remember entry ``number``'s id, or report it as a duplicate of an earlier entry."""
    entry_id = _entry_id(raw)
    if entry_id is None:
        return
    if entry_id in first_seen:
        problem = f"duplicate id, also {what} #{first_seen[entry_id]}{also}"
        errors.append(_line(file, f"{what} {entry_id}", "id", problem))
    else:
        first_seen[entry_id] = number


# --------------------------------------------------------------------------------------------
# Tips


def parse_tips(text: str, filename: str) -> tuple[Tip, ...]:
    """Parse one ``tips/<category>.yaml`` file; raises ContentError listing every problem."""
    errors: list[str] = []
    data = _read_yaml(text, filename, "category and tips", errors)
    if data is _NO_DATA:
        raise ContentError(errors)
    _unknown_fields(data, _TIPS_FILE_FIELDS, filename, "file", errors)

    category = data.get("category")
    category_ok = False
    if category is None:
        errors.append(_line(filename, "file", "category", "missing"))
    else:
        problem = _category_problem(category)
        stem = PurePosixPath(filename).stem
        if problem:
            errors.append(_line(filename, "file", "category", problem))
        elif category != stem:
            errors.append(
                _line(
                    filename,
                    "file",
                    "category",
                    f"{category!r} does not match the file name {PurePosixPath(filename).name!r} "
                    "(the category is the file name without .yaml)",
                )
            )
        else:
            category_ok = True

    tips: list[Tip] = []
    entries = _entries(data, "tips", filename, "tip", errors)
    first_seen: dict[str, int] = {}
    for number, raw in enumerate(entries or [], start=1):
        tip = _parse_tip(raw, number, category if category_ok else "", filename, errors)
        if tip is not None:
            tips.append(tip)
        _note_id(raw, number, first_seen, filename, "tip", errors, also=" in this file")
    if errors:
        raise ContentError(errors)
    return tuple(tips)


def _parse_tip(raw: object, number: int, category: str, file: str, errors: list[str]) -> Tip | None:
    if not isinstance(raw, dict):
        problem = f"expected a mapping with id, title and body, got {_describe(raw)}"
        errors.append(_line(file, f"tip #{number}", "entry", problem))
        return None
    tip_id, title, body = raw.get("id"), raw.get("title"), raw.get("body")
    why, source = _optional(raw, "why", ""), _optional(raw, "source", "")
    active = _optional(raw, "active", True)
    family, level = raw.get("family"), raw.get("level")
    label = f"tip {_entry_id(raw) or f'#{number}'}"
    before = len(errors)
    _unknown_fields(raw, _TIP_FIELDS, file, label, errors)
    missing = {name for name in ("id", "title", "body") if raw.get(name) is None}
    for field, problem in _tip_field_problems(
        tip_id, title, body, why, source, active, family, level
    ):
        if field in missing:
            problem = "missing"
            missing.discard(field)
        elif raw.get(field) is None and field not in ("family", "level"):
            continue
        errors.append(_line(file, label, field, problem))
    if len(errors) > before:
        return None
    assert isinstance(tip_id, str) and isinstance(title, str) and isinstance(body, str)
    return Tip(
        id=tip_id,
        category=category,
        title=title,
        body=body.rstrip(),
        why=why,
        source=source,
        active=active,
        family=family if isinstance(family, str) else "",
        level=level if isinstance(level, int) else 0,
        position=number - 1,
    )


# --------------------------------------------------------------------------------------------
# Tips in another language


def parse_tip_texts(
    text: str, filename: str, language: str, english: dict[str, Tip]
) -> tuple[TipText, ...]:
    """Parse ``tips/<language>/<category>.yaml``: the words of tips of `english` (the English
    category file's tips by id), held to the English rules (title, body HTML and lengths,
    why); raises ContentError listing every problem."""
    errors: list[str] = []
    data = _read_yaml(text, filename, "category, language and tips", errors)
    if data is _NO_DATA:
        raise ContentError(errors)
    _unknown_fields(data, _TIP_TEXTS_FILE_FIELDS, filename, "file", errors)
    stem = PurePosixPath(filename).stem
    if data.get("category") != stem:
        problem = f"expected {stem!r} (the file name), got {_describe(data.get('category'))}"
        errors.append(_line(filename, "file", "category", problem))
    if data.get("language") != language:
        problem = f"expected {language!r} (the directory), got {_describe(data.get('language'))}"
        errors.append(_line(filename, "file", "language", problem))
    found: list[TipText] = []
    first_seen: dict[str, int] = {}
    for number, raw in enumerate(_entries(data, "tips", filename, "tip", errors) or [], 1):
        entry = _parse_tip_text(raw, number, language, filename, english, errors)
        if entry is not None:
            found.append(entry)
        _note_id(raw, number, first_seen, filename, "tip", errors, also=" in this file")
    if errors:
        raise ContentError(errors)
    return tuple(found)


def _parse_tip_text(
    raw: object,
    number: int,
    language: str,
    file: str,
    english: dict[str, Tip],
    errors: list[str],
) -> TipText | None:
    if not isinstance(raw, dict):
        problem = f"expected a mapping with id, title and body, got {_describe(raw)}"
        errors.append(_line(file, f"tip #{number}", "entry", problem))
        return None
    tip_id, title, body = raw.get("id"), raw.get("title"), raw.get("body")
    why = _optional(raw, "why", "")
    label = f"tip {_entry_id(raw) or f'#{number}'}"
    before = len(errors)
    _unknown_fields(raw, _TIP_TEXT_FIELDS, file, label, errors)
    problems: list[tuple[str, str]] = [("id", p) for p in _id_problems(tip_id)]
    if not problems and tip_id not in english:
        category = PurePosixPath(file).stem
        problems.append(("id", f"no tip with this id in tips/{category}.yaml"))
    problems += [("title", p) for p in _title_problems(title)]
    problems += [("body", p) for p in _body_problems(body)]
    problems += [("why", p) for p in _plain_problems(why, TIP_WHY_MAX, required=False)]
    for field, problem in problems:
        shown = "missing" if raw.get(field) is None and field != "why" else problem
        errors.append(_line(file, label, field, shown))
    if len(errors) > before:
        return None
    assert isinstance(tip_id, str) and isinstance(title, str) and isinstance(body, str)
    return TipText(tip_id, language, title, body.rstrip(), why)


# --------------------------------------------------------------------------------------------
# Plan


def parse_plan(text: str, filename: str = PLAN_FILE) -> tuple[Slot, ...]:
    """Parse ``plan.yaml``; raises ContentError listing every problem."""
    errors: list[str] = []
    data = _read_yaml(text, filename, "slots", errors)
    if data is _NO_DATA:
        raise ContentError(errors)
    _unknown_fields(data, _PLAN_FILE_FIELDS, filename, "file", errors)
    slots: list[Slot] = []
    first_seen: dict[str, int] = {}
    for number, raw in enumerate(_entries(data, "slots", filename, "slot", errors) or [], 1):
        slot = _parse_slot(raw, number, filename, errors)
        if slot is not None:
            slots.append(slot)
        _note_id(raw, number, first_seen, filename, "slot", errors)
    if errors:
        raise ContentError(errors)
    return tuple(slots)


def _parse_slot(raw: object, number: int, file: str, errors: list[str]) -> Slot | None:
    if not isinstance(raw, dict):
        errors.append(
            _line(
                file,
                f"slot #{number}",
                "entry",
                f"expected a mapping with id, title, kind, anchor and days, got {_describe(raw)}",
            )
        )
        return None
    slot_id = raw.get("id")
    label = f"slot {_entry_id(raw) or f'#{number}'}"
    found: list[tuple[str, str]] = []
    before = len(errors)
    _unknown_fields(raw, _SLOT_FIELDS, file, label, errors)

    for required in ("id", "title"):
        value = raw.get(required)
        if value is None:
            found.append((required, "missing"))
        elif required == "id":
            found.extend(("id", p) for p in _id_problems(value))
        else:
            found.extend(
                ("title", p) for p in _plain_problems(value, SLOT_TITLE_MAX, required=True)
            )

    kind: SlotKind | None = None
    raw_kind = raw.get("kind")
    if raw_kind is None:
        found.append(("kind", f"missing ({_KIND_HINT})"))
    elif not isinstance(raw_kind, str):
        found.append(("kind", f"expected {_KIND_WORDS}, got {_describe(raw_kind)}"))
    elif raw_kind not in _FILE_KINDS:
        found.append(("kind", f"unknown kind {raw_kind!r} ({_KIND_HINT})"))
    else:
        kind = SlotKind(raw_kind)

    categories: tuple[str, ...] = ()
    raw_categories = raw.get("categories")
    if raw_categories is None:
        if kind in (SlotKind.TIP, SlotKind.SESSION):
            found.append(("categories", f"missing (a {kind} slot needs at least one category)"))
    elif not isinstance(raw_categories, list):
        found.append(
            (
                "categories",
                "expected a list like [core_strength, hips_glutes], "
                f"got {_describe(raw_categories)}",
            )
        )
    else:
        found.extend(("categories", p) for p in _categories_problems(kind, raw_categories))
        categories = tuple(c for c in raw_categories if isinstance(c, str))

    anchor = _parse_anchor(raw.get("anchor"), found)
    days_kind, weekdays = _parse_days(raw.get("days"), found)
    weekly = _optional(raw, "weekly", False)
    enabled = _optional(raw, "enabled", True)
    found.extend(("weekly", p) for p in _bool_problems(weekly))
    found.extend(("enabled", p) for p in _bool_problems(enabled))

    errors.extend(_line(file, label, field, problem) for field, problem in found)
    if len(errors) > before or kind is None or anchor is None or days_kind is None:
        return None
    return Slot(
        id=slot_id if isinstance(slot_id, str) else "",
        kind=kind,
        anchor=anchor,
        days=Days(days_kind, weekdays, weekly),
        categories=categories,
        enabled=enabled,
        title=raw.get("title", ""),
    )


def _parse_anchor(raw: object, found: list[tuple[str, str]]) -> Anchor | None:
    if raw is None:
        found.append(("anchor", f"missing ({_ANCHOR_HINT})"))
        return None
    if not isinstance(raw, dict):
        found.append(
            ("anchor", f"expected a mapping like {{before_run: 30}}, got {_describe(raw)}")
        )
        return None
    unknown = [k for k in raw if k not in _ANCHOR_KEYS]
    if unknown:
        for key in unknown:
            close = difflib.get_close_matches(str(key), _ANCHOR_KEYS, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            found.append(
                (
                    "anchor",
                    f"unknown anchor {key!r} ({hint}use before_run, after_run, at or tip_time)",
                )
            )
        return None
    if len(raw) != 1:
        got = ", ".join(raw) if raw else "none"
        found.append(
            ("anchor", f"give exactly one of before_run, after_run, at, tip_time (got {got})")
        )
        return None
    ((key, value),) = raw.items()
    limit = ANCHOR_MINUTES_MAX
    if key == "at":
        if isinstance(value, int) and not isinstance(value, bool):
            found.append(
                (
                    "anchor",
                    f'at must be a quoted "HH:MM" time, got {_describe(value)} '
                    '(YAML reads an unquoted 12:30 as a number: write at: "12:30")',
                )
            )
            return None
        if not isinstance(value, str):
            found.append(("anchor", f'at must be a quoted "HH:MM" time, got {_describe(value)}'))
            return None
        m = _HHMM.fullmatch(value)
        if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
            found.append(("anchor", f"bad time {value!r} ({_TIME_HINT})"))
            return None
        return Anchor(AnchorKind.FIXED, 0, dt.time(int(m.group(1)), int(m.group(2))))
    if isinstance(value, bool) or not isinstance(value, int):
        found.append(("anchor", f"{key} must be a whole number of minutes, got {_describe(value)}"))
        return None
    low = -limit if key == "tip_time" else 0
    if not low <= value <= limit:
        found.append(("anchor", f"{key} {value} is out of range ({low}..{limit} minutes)"))
        return None
    if key == "tip_time":
        return Anchor(AnchorKind.TIP_TIME, value)
    return Anchor(AnchorKind.RUN_TIME, -value if key == "before_run" else value)


def _parse_days(
    raw: object, found: list[tuple[str, str]]
) -> tuple[DaysKind | None, frozenset[int]]:
    if raw is None:
        found.append(("days", f"missing ({_DAYS_HINT})"))
        return None, frozenset()
    if isinstance(raw, str):
        if raw in _DAYS_WORDS:
            return _DAYS_WORDS[raw], frozenset()
        hint = f"for one weekday write [{raw}]; " if raw in WEEKDAY_NAMES else ""
        found.append(("days", f"unknown days {raw!r} ({hint}{_DAYS_HINT})"))
        return None, frozenset()
    if not isinstance(raw, list):
        found.append(
            ("days", f"expected run_days, rest_days, every_day or a list, got {_describe(raw)}")
        )
        return None, frozenset()
    if not raw:
        found.append(("days", "empty list (name at least one weekday)"))
        return None, frozenset()
    weekdays: set[int] = set()
    ok = True
    for name in raw:
        if not isinstance(name, str) or name not in WEEKDAY_NAMES:
            shown = repr(name) if isinstance(name, str) else _describe(name)
            found.append(("days", f"unknown weekday {shown} (use mon..sun)"))
            ok = False
            continue
        day = WEEKDAY_NAMES.index(name)
        if day in weekdays:
            found.append(("days", f"weekday {name!r} listed twice"))
            ok = False
        weekdays.add(day)
    return (DaysKind.WEEKDAYS if ok else None), frozenset(weekdays)
