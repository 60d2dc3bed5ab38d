"""What the schedules may hold: file names, limits, the error type and the field checks.

The field checks are shared by the file parsers (``parse``) and the model validators
(``validate``), so a tip typed in Telegram is held to exactly the rules of a tip in the files.
Every problem becomes one ``file: entry: field: problem`` line (see the package docstring).
The public names here are exported by ``bot.core.content``.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from bot.core.content.html import _ANY_TAG, _ENTITY, plain_text, telegram_html_problem
from bot.core.models import (
    EDUCATION_CATEGORY,
    TIP_CATEGORIES,
    DaysKind,
    Slot,
    SlotKind,
    Tip,
    TipText,
)

PLAN_FILE: Final = "plan.yaml"
TIPS_DIR: Final = "tips"

TIP_TITLE_MAX: Final = 80
TIP_BODY_MAX: Final = 600
TIP_WHY_MAX: Final = 200
TIP_SOURCE_MAX: Final = 120
SLOT_TITLE_MAX: Final = 80
ANCHOR_MINUTES_MAX: Final = 720

_SLUG = re.compile(r"[a-z0-9][a-z0-9_-]{1,62}")
_SLUG_HINT = "use 2-63 characters a-z, 0-9, - and _, starting with a letter or digit"
_KNOWN_CATEGORIES = ", ".join(TIP_CATEGORIES)
_DAYS_HINT = (
    "use run_days, rest_days, every_day, strength_days, quiet_days or a list like [mon, thu]"
)
_ANCHOR_KEYS: Final = ("before_run", "after_run", "at", "tip_time")
_ANCHOR_HINT = 'use one of {before_run: MIN}, {after_run: MIN}, {at: "HH:MM"}, {tip_time: MIN}'
_TIME_HINT = "use HH:MM, 00:00-23:59"
_HHMM = re.compile(r"([0-9]{1,2}):([0-9]{2})")

# Slot kinds a plan file may use (the weekly summary is built in).
_FILE_KINDS: Final = ("tip", "session", "education", "check_in")
_KIND_WORDS: Final = "tip, session, education or check_in"
_KIND_HINT: Final = f"use {_KIND_WORDS}"
_TIP_FIELDS: Final = ("id", "title", "family", "level", "body", "why", "source", "active")
_FAMILY = re.compile(r"[a-z][a-z0-9_]{1,39}")
_FAMILY_HINT = "use 2-40 characters a-z, 0-9 and _, starting with a letter"
LEVEL_MAX: Final = 20
_SLOT_FIELDS: Final = ("id", "title", "kind", "categories", "anchor", "days", "weekly", "enabled")
_TIPS_FILE_FIELDS: Final = ("category", "tips")
# A tip file in another language (tips/<language>/<category>.yaml): the words only; the
# category, family, level, state and source are the English tip's.
_TIP_TEXT_FIELDS: Final = ("id", "title", "body", "why")
_TIP_TEXTS_FILE_FIELDS: Final = ("category", "language", "tips")
_PLAN_FILE_FIELDS: Final = ("slots",)
_DAYS_WORDS: Final = {
    "run_days": DaysKind.RUN_DAYS,
    "rest_days": DaysKind.REST_DAYS,
    "every_day": DaysKind.EVERY_DAY,
    "strength_days": DaysKind.STRENGTH_DAYS,
    "quiet_days": DaysKind.QUIET_DAYS,
}


class ContentError(Exception):
    """Schedules that cannot be used; ``errors`` holds one ``file: entry: field: problem`` line
    per problem and ``str(error)`` joins them with newlines."""

    def __init__(self, errors: Iterable[str] | str) -> None:
        lines = errors.splitlines() if isinstance(errors, str) else list(errors)
        self.errors: list[str] = lines
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class Library:
    """A validated plan plus tip library (tips in category order, then file order), and the
    tips' words in the other languages (``translations``, in language then file order)."""

    slots: tuple[Slot, ...]
    tips: tuple[Tip, ...]
    translations: tuple[TipText, ...] = ()

    def translation_gaps(self, languages: Sequence[str]) -> list[str]:
        """One line per active tip with no words in one of `languages` (it falls back to
        English there): ``tips/es/warm_up.yaml: tip warm-new: missing (sent in English)``."""
        have = {(t.language, t.tip_id) for t in self.translations}
        return [
            _line(
                f"{TIPS_DIR}/{language}/{tip.category}.yaml",
                f"tip {tip.id}",
                "translation",
                "missing (sent in English)",
            )
            for language in languages
            for tip in self.tips
            if tip.active and (language, tip.id) not in have
        ]


# --------------------------------------------------------------------------------------------
# Field checks shared by the file parsers and the validate_* functions


def _describe(value: object) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, dt.date | dt.time):
        return f"the date/time {value.isoformat()}"
    return f"a {type(value).__name__}"


def _id_problems(value: object) -> list[str]:
    if not isinstance(value, str):
        return [f"expected text, got {_describe(value)}"]
    if not _SLUG.fullmatch(value):
        return [f"bad id {value!r} ({_SLUG_HINT})"]
    return []


def _plain_problems(value: object, maximum: int, *, required: bool) -> list[str]:
    """A plain-text field (title, why, source): one line, no HTML, at most ``maximum`` chars."""
    if isinstance(value, bool):
        return [f"expected text, got {_describe(value)} (put quotes around yes, no, on or off)"]
    if not isinstance(value, str):
        return [f"expected text, got {_describe(value)}"]
    problems: list[str] = []
    if required and not value.strip():
        problems.append("empty")
    if len(value) > maximum:
        problems.append(f"{len(value)} characters, at most {maximum}")
    if "\n" in value or "\r" in value:
        problems.append("must be one line")
    if _ANY_TAG.search(value):
        problems.append("HTML tags are not allowed here (plain text)")
    elif _ENTITY.search(value):
        problems.append("HTML entities are not allowed here (plain text: write the character)")
    return problems


def _title_problems(value: object) -> list[str]:
    """A tip's title: plain text with at least one word (an emoji alone says nothing)."""
    problems = _plain_problems(value, TIP_TITLE_MAX, required=True)
    if not problems and isinstance(value, str) and not any(c.isalnum() for c in value):
        problems.append("no words (write a few, after the emoji if it has one)")
    return problems


def _body_problems(value: object) -> list[str]:
    if not isinstance(value, str):
        return [f"expected text, got {_describe(value)}"]
    body = value.rstrip()
    if not body:
        return ["empty"]
    problems: list[str] = []
    if len(body) > TIP_BODY_MAX:
        problems.append(f"{len(body)} characters, at most {TIP_BODY_MAX}")
    html_problem = telegram_html_problem(body)
    if html_problem:
        problems.append(f"invalid HTML: {html_problem}")
    elif not plain_text(body).strip():
        problems.append("no text outside the HTML tags")
    return problems


def _bool_problems(value: object) -> list[str]:
    if not isinstance(value, bool):
        return [f"expected true or false, got {_describe(value)}"]
    return []


def _category_problem(value: object) -> str | None:
    if not isinstance(value, str):
        return f"expected a category name, got {_describe(value)}"
    if value not in TIP_CATEGORIES:
        return f"unknown category {value!r} (known: {_KNOWN_CATEGORIES})"
    return None


def _categories_problems(kind: SlotKind | None, categories: Sequence[object]) -> list[str]:
    problems: list[str] = []
    if kind in (SlotKind.CHECK_IN, SlotKind.EDUCATION) and categories:
        return [f"a {kind} slot takes no categories"]
    if kind in (SlotKind.TIP, SlotKind.SESSION) and not categories:
        problems.append(f"empty list (a {kind} slot needs at least one category)")
    seen: set[str] = set()
    for category in categories:
        problem = _category_problem(category)
        if problem:
            problems.append(problem)
        elif category == EDUCATION_CATEGORY:
            problems.append(
                "education tips are sent once each in order by an education slot, "
                "not rotated by a tip slot"
            )
        elif isinstance(category, str):
            if category in seen:
                problems.append(f"category {category!r} listed twice")
            seen.add(category)
    return problems


def _unknown_field(key: object, known: Sequence[str]) -> tuple[str, str]:
    """(field, problem) for an unexpected key."""
    if not isinstance(key, str):
        return repr(key), f"unknown field {key!r}"
    close = difflib.get_close_matches(key, known, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return key, f"unknown field {key!r}{hint}"


def _line(file: str, entry: str, field: str, problem: str) -> str:
    return f"{file}: {entry}: {field}: {problem}"


def _family_problems(family: object, level: object) -> list[tuple[str, str]]:
    """A tip's place in a progression line: both fields or neither, a slug and 1..LEVEL_MAX."""
    has_family = family not in (None, "")
    has_level = level not in (None, 0)
    found: list[tuple[str, str]] = []
    if has_family and not isinstance(family, str):
        found.append(("family", f"expected a name like plank, got {_describe(family)}"))
    elif has_family and isinstance(family, str) and not _FAMILY.fullmatch(family):
        found.append(("family", f"bad family {family!r} ({_FAMILY_HINT})"))
    if has_level and (isinstance(level, bool) or not isinstance(level, int)):
        found.append(("level", f"expected a whole number from 1, got {_describe(level)}"))
    elif has_level and isinstance(level, int) and not 1 <= level <= LEVEL_MAX:
        found.append(("level", f"level {level} is out of range (1..{LEVEL_MAX})"))
    if has_family and not has_level:
        found.append(("level", "missing (a tip in a family needs its level, from 1)"))
    if has_level and not has_family:
        found.append(("family", "missing (a level belongs to a family, e.g. family: plank)"))
    return found


def family_gaps(tips: Iterable[Tip]) -> list[tuple[Tip, str, str]]:
    """(tip, field, problem) for progression lines that don't run 1..N: a missing level (blamed
    on the tip just above the gap) or a level given twice. Retired tips count: a line keeps its
    shape while a level is retired, and the runner at that level gets the nearest active one."""
    by_family: dict[str, list[Tip]] = {}
    for tip in tips:
        if tip.family:
            by_family.setdefault(tip.family, []).append(tip)
    found: list[tuple[Tip, str, str]] = []
    for family, members in by_family.items():
        members.sort(key=lambda t: t.level)
        levels = [t.level for t in members]
        shown = ", ".join(str(n) for n in levels)
        seen: dict[int, Tip] = {}
        for tip in members:
            if tip.level in seen:
                found.append(
                    (
                        tip,
                        "level",
                        f"family {family!r} has level {tip.level} twice "
                        f"(also tip {seen[tip.level].id})",
                    )
                )
            seen.setdefault(tip.level, tip)
        expected = 1
        for tip in members:
            if tip.level > expected:
                missing = ", ".join(str(n) for n in range(expected, tip.level))
                word = "level" if tip.level - expected == 1 else "levels"
                found.append(
                    (
                        tip,
                        "level",
                        f"family {family!r} has levels {shown}: {word} {missing} "
                        "missing (levels run 1, 2, 3 ... with no gap)",
                    )
                )
            expected = max(expected, tip.level + 1)
    return found


def _tip_field_problems(
    tip_id: object,
    title: object,
    body: object,
    why: object,
    source: object,
    active: object,
    family: object = None,
    level: object = None,
) -> list[tuple[str, str]]:
    """(field, problem) pairs for a tip's values; shared by parse_tips and validate_tip."""
    found: list[tuple[str, str]] = []
    for name, problems in (
        ("id", _id_problems(tip_id)),
        ("title", _title_problems(title)),
        ("body", _body_problems(body)),
        ("why", _plain_problems(why, TIP_WHY_MAX, required=False)),
        ("source", _plain_problems(source, TIP_SOURCE_MAX, required=False)),
        ("active", _bool_problems(active)),
    ):
        found.extend((name, problem) for problem in problems)
    found.extend(_family_problems(family, level))
    return found
