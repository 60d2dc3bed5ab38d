"""Load, validate and write the schedules on disk: ``plan.yaml`` and ``tips/<category>.yaml``.

Pure except :func:`load_schedules` and :func:`check_schedules`, which read files. A file with a
problem is refused as a whole; every problem is one line ``file: entry: field: problem``:

* ``file`` is the file name relative to the schedules directory (``plan.yaml``,
  ``tips/form.yaml``), or the ``where`` argument of :func:`validate_tip` / :func:`validate_slot`;
* ``entry`` is ``tip <id>`` / ``slot <id>``, ``tip #N`` / ``slot #N`` (1-based) when the entry has
  no usable id, or ``file`` for problems with the file as a whole;
* ``field`` names the field (``body``, ``anchor``, ...; ``yaml`` for syntax problems, ``path`` for
  missing files, ``entry`` when an entry is not a mapping at all).
"""

from __future__ import annotations

import datetime as dt
import difflib
import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Final

import yaml

from bot.core.models import (
    TIP_CATEGORIES,
    WEEKDAY_NAMES,
    Anchor,
    AnchorKind,
    Days,
    DaysKind,
    Slot,
    SlotKind,
    Tip,
)

__all__ = [
    "ANCHOR_MINUTES_MAX",
    "PLAN_FILE",
    "PLAN_HEADER",
    "SLOT_TITLE_MAX",
    "TIPS_DIR",
    "TIP_BODY_MAX",
    "TIP_SOURCE_MAX",
    "TIP_TITLE_MAX",
    "TIP_WHY_MAX",
    "ContentError",
    "Library",
    "check_schedules",
    "dump_plan",
    "dump_tips",
    "load_schedules",
    "parse_plan",
    "parse_tips",
    "plain_text",
    "telegram_html_problem",
    "validate_slot",
    "validate_tip",
]

PLAN_FILE: Final = "plan.yaml"
TIPS_DIR: Final = "tips"

TIP_TITLE_MAX: Final = 80
TIP_BODY_MAX: Final = 600
TIP_WHY_MAX: Final = 200
TIP_SOURCE_MAX: Final = 120
SLOT_TITLE_MAX: Final = 80
ANCHOR_MINUTES_MAX: Final = 720

PLAN_HEADER: Final = """\
# BackStride default plan: when each kind of message goes out.
#
# One entry per slot:
#   id:         a-z, 0-9, - and _ (unique); deliveries are keyed on it, so don't rename lightly
#   title:      what admins see in lists (plain text, up to 80 characters)
#   kind:       tip (sends a tip from the categories) or check_in (starts the post-run check-in)
#   categories: tip slots only: tip categories to rotate through, e.g. [core_strength, hips_glutes]
#               (warm_up, core_strength, hips_glutes, cross_training, stretch_mobility, form,
#               footwear_surface, recovery, everyday_back)
#   anchor:     exactly one of {before_run: 30}  minutes before the runner's usual run (0-720)
#                              {after_run: 120}  minutes after the usual run (0-720)
#                              {at: "12:30"}     a fixed local time; keep the quotes
#                              {tip_time: 0}     the runner's daily tip time +/- up to 720 minutes
#   days:       run_days, rest_days, every_day, or a list of weekdays like [mon, thu]
#   weekly:     optional, default false: only the first matching day of each Mon-Sun week
#   enabled:    optional, default true
#
# A file with any problem is refused as a whole (the running plan stays); check it first with
#   python -m bot check-schedules
"""

_SLUG = re.compile(r"[a-z0-9][a-z0-9_-]{1,62}")
_SLUG_HINT = "use 2-63 characters a-z, 0-9, - and _, starting with a letter or digit"
_KNOWN_CATEGORIES = ", ".join(TIP_CATEGORIES)
_DAYS_HINT = "use run_days, rest_days, every_day or a list like [mon, thu]"
_ANCHOR_KEYS: Final = ("before_run", "after_run", "at", "tip_time")
_ANCHOR_HINT = 'use one of {before_run: MIN}, {after_run: MIN}, {at: "HH:MM"}, {tip_time: MIN}'
_TIME_HINT = "use HH:MM, 00:00-23:59"
_HHMM = re.compile(r"([0-9]{1,2}):([0-9]{2})")

_TIP_FIELDS: Final = ("id", "title", "body", "why", "source", "active")
_SLOT_FIELDS: Final = ("id", "title", "kind", "categories", "anchor", "days", "weekly", "enabled")
_TIPS_FILE_FIELDS: Final = ("category", "tips")
_PLAN_FILE_FIELDS: Final = ("slots",)
_DAYS_WORDS: Final = {
    "run_days": DaysKind.RUN_DAYS,
    "rest_days": DaysKind.REST_DAYS,
    "every_day": DaysKind.EVERY_DAY,
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
    """A validated plan plus tip library (tips in category order, then file order)."""

    slots: tuple[Slot, ...]
    tips: tuple[Tip, ...]


# --------------------------------------------------------------------------------------------
# Telegram HTML

_FORMATTING_TAGS: Final = frozenset(
    {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "tg-spoiler", "span"}
)
_ALLOWED_TAGS: Final = _FORMATTING_TAGS | {"a", "code", "pre", "blockquote"}
_LINK_SCHEMES: Final = ("http://", "https://", "tg://", "mailto:")
_OPEN_TAG = re.compile(r"<([A-Za-z][A-Za-z0-9-]*)([^<>]*)>")
_CLOSE_TAG = re.compile(r"</([A-Za-z][A-Za-z0-9-]*)\s*>")
_ATTRIBUTE = re.compile(r"""\s+([A-Za-z_][A-Za-z0-9_:-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_ENTITY = re.compile(r"&(?:(lt|gt|amp|quot)|#([0-9]{1,8})|#[xX]([0-9a-fA-F]{1,8}));")
_NAMED_ENTITY = re.compile(r"&[A-Za-z][A-Za-z0-9]*;")
_ANY_TAG = re.compile(r"<\s*/?\s*[A-Za-z][^<>]*>")
_TAG_FOR_STRIPPING = re.compile(r"<[^<>]*>")


def _entity_problem(text: str, i: int, offset: int = 0) -> tuple[str | None, int]:
    """Check the ``&`` at ``text[i]``; return (problem, index after the entity).

    Positions in problems are 1-based characters, shifted by ``offset``."""
    at = offset + i + 1
    m = _ENTITY.match(text, i)
    if m:
        digits, hexdigits = m.group(2), m.group(3)
        if digits or hexdigits:
            code = int(digits, 10) if digits else int(hexdigits, 16)
            if not (0 < code <= 0x10FFFF) or 0xD800 <= code <= 0xDFFF:
                return f"bad character reference {m.group(0)} at character {at}", m.end()
        return None, m.end()
    named = _NAMED_ENTITY.match(text, i)
    if named:
        return (
            f"unsupported entity {named.group(0)} at character {at} "
            "(only &lt; &gt; &amp; &quot; and &#NN; work)",
            named.end(),
        )
    return f"bare '&' at character {at} (write &amp;)", i + 1


def _text_problem(text: str, offset: int) -> str | None:
    """Problems in text outside tags (used for attribute values): bare < > & and entities."""
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "&":
            problem, i = _entity_problem(text, i, offset)
            if problem:
                return problem
            continue
        if ch in "<>":
            escape = "&lt;" if ch == "<" else "&gt;"
            return f"bare '{ch}' at character {offset + i + 1} (write {escape})"
        i += 1
    return None


def _attributes(raw: str, tag: str) -> tuple[dict[str, tuple[str, int]] | None, str | None]:
    """Parse ``raw`` (what follows the tag name) into {name: (value, where in raw)}, or return
    a problem."""
    found: dict[str, tuple[str, int]] = {}
    pos = 0
    while True:
        m = _ATTRIBUTE.match(raw, pos)
        if not m:
            break
        name = m.group(1)
        group = 2 if m.group(2) is not None else 3
        if name in found:
            return None, f"<{tag}> has attribute {name} twice"
        found[name] = (m.group(group), m.start(group))
        pos = m.end()
    rest = raw[pos:]
    if rest.strip():
        if rest.strip() == "/":
            return None, f"self-closing <{tag}/> is not supported"
        return None, f'malformed attributes in <{tag}{raw}> (write name="value")'
    return found, None


def _open_tag_problem(
    name: str, attrs: dict[str, tuple[str, int]], stack: Sequence[str], at: int
) -> str | None:
    """Problems with an opening tag; ``at`` is where its attributes start in the text."""
    if name == "a":
        if "href" not in attrs:
            return "<a> needs an href"
        extra = sorted(set(attrs) - {"href"})
        if extra:
            return f"<a> takes only href, not {extra[0]}"
        href, where = attrs["href"]
        problem = _text_problem(href, at + where)
        if problem:
            return f"in href: {problem}"
        if not html.unescape(href).startswith(_LINK_SCHEMES):
            return f"<a> href must start with {', '.join(_LINK_SCHEMES)}"
    elif name == "span":
        if {k: v for k, (v, _) in attrs.items()} != {"class": "tg-spoiler"}:
            return '<span> needs class="tg-spoiler" and nothing else'
    elif attrs:
        return f"<{name}> takes no attributes"
    for outer in stack:
        if outer == "code":
            return f"<{name}> cannot go inside <code>"
        if outer == "pre" and name != "code":
            return f"<{name}> cannot go inside <pre> (only <code> can)"
        if outer == "a" and name not in _FORMATTING_TAGS:
            return f"<{name}> cannot go inside <a>"
        if outer == "blockquote" and name == "blockquote":
            return "<blockquote> cannot go inside <blockquote>"
    return None


def telegram_html_problem(text: str) -> str | None:
    """The first reason Telegram's HTML parse mode would refuse ``text``, or None if it is fine.

    Stricter than Telegram where Telegram is lenient (lower-case tags only, quoted attributes,
    links must be http(s)://, tg:// or mailto:), so that what passes here always sends.
    """
    stack: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "&":
            problem, i = _entity_problem(text, i)
            if problem:
                return problem
            continue
        if ch == ">":
            return f"bare '>' at character {i + 1} (write &gt;)"
        if ch != "<":
            i += 1
            continue
        if text.startswith("</", i):
            close = _CLOSE_TAG.match(text, i)
            if not close:
                if i + 2 < n and text[i + 2].isascii() and text[i + 2].isalpha():
                    return f"malformed closing tag at character {i + 1}"
                return f"bare '<' at character {i + 1} (write &lt;)"
            name = close.group(1)
            if name not in _ALLOWED_TAGS:
                return _unknown_tag(name, closing=True)
            if name not in stack:
                return f"</{name}> without an opening <{name}>"
            if stack[-1] != name:
                return f"misnested </{name}>: <{stack[-1]}> is still open inside <{name}>"
            stack.pop()
            i = close.end()
            continue
        tag = _OPEN_TAG.match(text, i)
        if not tag:
            if i + 1 < n and text[i + 1].isascii() and text[i + 1].isalpha():
                return f"unterminated tag at character {i + 1} (write &lt; for a plain '<')"
            return f"bare '<' at character {i + 1} (write &lt;)"
        name, raw = tag.group(1), tag.group(2)
        if name not in _ALLOWED_TAGS:
            return _unknown_tag(name, closing=False)
        if raw and not raw[0].isspace() and raw.strip() != "/":
            return f"malformed tag at character {i + 1}"
        attrs, problem = _attributes(raw, name)
        if problem or attrs is None:
            return problem
        problem = _open_tag_problem(name, attrs, stack, tag.start(2))
        if problem:
            return problem
        stack.append(name)
        i = tag.end()
    if stack:
        return "unclosed " + ", ".join(f"<{name}>" for name in stack)
    return None


def _unknown_tag(name: str, *, closing: bool) -> str:
    slash = "/" if closing else ""
    if name.lower() in _ALLOWED_TAGS:
        return f"tag <{slash}{name}> must be lower-case"
    return f"unknown tag <{slash}{name}>"


def plain_text(html_text: str) -> str:
    """``html_text`` with its tags removed and entities decoded (for previews and lengths)."""
    return html.unescape(_TAG_FOR_STRIPPING.sub("", html_text))


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
    if kind is SlotKind.CHECK_IN and categories:
        return ["a check_in slot takes no categories"]
    if kind is SlotKind.TIP and not categories:
        problems.append("empty list (a tip slot needs at least one category)")
    seen: set[str] = set()
    for category in categories:
        problem = _category_problem(category)
        if problem:
            problems.append(problem)
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


# --------------------------------------------------------------------------------------------
# Model validation (admin edits made in Telegram)


def _tip_label(tip_id: object) -> str:
    if isinstance(tip_id, str) and _SLUG.fullmatch(tip_id):
        return f"tip {tip_id}"
    return f"tip {tip_id!r}"


def _tip_field_problems(
    tip_id: object, title: object, body: object, why: object, source: object, active: object
) -> list[tuple[str, str]]:
    """(field, problem) pairs for a tip's values; shared by parse_tips and validate_tip."""
    found: list[tuple[str, str]] = []
    for name, problems in (
        ("id", _id_problems(tip_id)),
        ("title", _plain_problems(title, TIP_TITLE_MAX, required=True)),
        ("body", _body_problems(body)),
        ("why", _plain_problems(why, TIP_WHY_MAX, required=False)),
        ("source", _plain_problems(source, TIP_SOURCE_MAX, required=False)),
        ("active", _bool_problems(active)),
    ):
        found.extend((name, problem) for problem in problems)
    return found


def validate_tip(tip: Tip, *, where: str = "tip") -> list[str]:
    """Problems with one tip, as ``where: tip <id>: field: problem`` lines ([] when valid)."""
    label = _tip_label(tip.id)
    lines = [_line(where, label, "category", p) for p in [_category_problem(tip.category)] if p]
    found = _tip_field_problems(tip.id, tip.title, tip.body, tip.why, tip.source, tip.active)
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
        ("kind", [] if kind else [f"unknown kind {slot.kind!r} (use tip or check_in)"]),
        ("categories", _categories_problems(kind, slot.categories)),
        ("anchor", _anchor_problems(slot.anchor)),
        ("days", _days_problems(slot.days)),
        ("weekly", _bool_problems(slot.days.weekly)),
        ("enabled", _bool_problems(slot.enabled)),
    ):
        found.extend((name, problem) for problem in problems)
    label = _slot_label(slot.id)
    return [_line(where, label, f, p) for f, p in found]


# --------------------------------------------------------------------------------------------
# YAML reading

_NO_DATA: Final = object()


def _duplicate_keys(node: yaml.Node | None) -> list[str]:
    """YAML silently keeps the last of two equal keys; find them so an edit is never lost."""
    problems: list[tuple[int, str]] = []
    pending: list[yaml.Node] = [node] if node is not None else []
    visited: set[int] = set()
    while pending:
        current = pending.pop()
        if id(current) in visited:
            continue
        visited.add(id(current))
        if isinstance(current, yaml.MappingNode):
            seen: set[tuple[str, str]] = set()
            for key, value in current.value:
                if isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
                    marker = (key.tag, key.value)
                    if marker in seen:
                        line = key.start_mark.line + 1
                        problems.append((line, f"duplicate key {key.value!r} at line {line}"))
                    seen.add(marker)
                pending.extend((value, key))
        elif isinstance(current, yaml.SequenceNode):
            pending.extend(current.value)
    return [problem for _, problem in sorted(problems)]


def _read_yaml(text: str, file: str, expected: str, errors: list[str]) -> Any:
    """The document in ``text``, or ``_NO_DATA`` after adding the problem to ``errors``."""
    try:
        data = yaml.safe_load(text)
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        what = exc.problem or exc.context or "not valid YAML"
        errors.append(_line(file, "file", "yaml", f"syntax error{where}: {what}"))
        return _NO_DATA
    except yaml.YAMLError as exc:
        errors.append(_line(file, "file", "yaml", f"not valid YAML: {exc}"))
        return _NO_DATA
    duplicates = _duplicate_keys(node)
    if duplicates:
        errors.extend(_line(file, "file", "yaml", p) for p in duplicates)
        return _NO_DATA
    if data is None:
        errors.append(_line(file, "file", "yaml", f"empty file (expected {expected})"))
        return _NO_DATA
    if not isinstance(data, dict):
        errors.append(
            _line(
                file, "file", "yaml", f"expected a mapping with {expected}, got {_describe(data)}"
            )
        )
        return _NO_DATA
    return data


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
        tip_id = _entry_id(raw)
        if tip_id is None:
            continue
        if tip_id in first_seen:
            problem = f"duplicate id, also tip #{first_seen[tip_id]} in this file"
            errors.append(_line(filename, f"tip {tip_id}", "id", problem))
        else:
            first_seen[tip_id] = number
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
    label = f"tip {_entry_id(raw) or f'#{number}'}"
    before = len(errors)
    _unknown_fields(raw, _TIP_FIELDS, file, label, errors)
    missing = {name for name in ("id", "title", "body") if raw.get(name) is None}
    for field, problem in _tip_field_problems(tip_id, title, body, why, source, active):
        if field in missing:
            problem = "missing"
            missing.discard(field)
        elif raw.get(field) is None:
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
    )


class _LiteralStr(str):
    """A string the dumper writes as a literal block scalar (``|``)."""

    __slots__ = ()


class _QuotedStr(str):
    """A string the dumper always double-quotes (times like "12:30")."""

    __slots__ = ()


class _FlowList(list[Any]):
    """A list the dumper writes in flow style: ``[a, b]``."""


class _FlowDict(dict[str, Any]):
    """A mapping the dumper writes in flow style: ``{before_run: 30}``."""


class _Dumper(yaml.SafeDumper):
    """Block style, sequences indented under their key, literal bodies, flow leaves."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _represent_literal(dumper: yaml.SafeDumper, data: _LiteralStr) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(data), style="|")


def _represent_quoted(dumper: yaml.SafeDumper, data: _QuotedStr) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(data), style='"')


def _represent_flow_list(dumper: yaml.SafeDumper, data: _FlowList) -> yaml.SequenceNode:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", list(data), flow_style=True)


def _represent_flow_dict(dumper: yaml.SafeDumper, data: _FlowDict) -> yaml.MappingNode:
    return dumper.represent_mapping("tag:yaml.org,2002:map", dict(data), flow_style=True)


_Dumper.add_representer(_LiteralStr, _represent_literal)
_Dumper.add_representer(_QuotedStr, _represent_quoted)
_Dumper.add_representer(_FlowList, _represent_flow_list)
_Dumper.add_representer(_FlowDict, _represent_flow_dict)


def _dump(document: dict[str, Any]) -> str:
    return yaml.dump(
        document,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=10_000,
    )


def dump_tips(category: str, tips: Iterable[Tip]) -> str:
    """YAML for ``tips/<category>.yaml``; bodies are literal block scalars.

    ``parse_tips(dump_tips(c, tips), f"tips/{c}.yaml") == tuple(tips)`` for valid tips of
    category ``c`` (bodies without trailing whitespace, as parse_tips returns them).
    """
    entries: list[dict[str, Any]] = []
    for tip in tips:
        entry: dict[str, Any] = {"id": tip.id, "title": tip.title}
        entry["body"] = _LiteralStr(tip.body.rstrip() + "\n")
        if tip.why:
            entry["why"] = tip.why
        if tip.source:
            entry["source"] = tip.source
        if not tip.active:
            entry["active"] = False
        entries.append(entry)
    return _dump({"category": category, "tips": entries})


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
        slot_id = _entry_id(raw)
        if slot_id is None:
            continue
        if slot_id in first_seen:
            problem = f"duplicate id, also slot #{first_seen[slot_id]}"
            errors.append(_line(filename, f"slot {slot_id}", "id", problem))
        else:
            first_seen[slot_id] = number
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
        found.append(("kind", "missing (use tip or check_in)"))
    elif not isinstance(raw_kind, str):
        found.append(("kind", f"expected tip or check_in, got {_describe(raw_kind)}"))
    elif raw_kind not in {k.value for k in SlotKind}:
        found.append(("kind", f"unknown kind {raw_kind!r} (use tip or check_in)"))
    else:
        kind = SlotKind(raw_kind)

    categories: tuple[str, ...] = ()
    raw_categories = raw.get("categories")
    if raw_categories is None:
        if kind is SlotKind.TIP:
            found.append(("categories", "missing (a tip slot needs at least one category)"))
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


def _anchor_yaml(anchor: Anchor) -> _FlowDict:
    if anchor.kind is AnchorKind.FIXED:
        time = anchor.time or dt.time(0, 0)
        return _FlowDict(at=_QuotedStr(f"{time.hour:02d}:{time.minute:02d}"))
    if anchor.kind is AnchorKind.TIP_TIME:
        return _FlowDict(tip_time=anchor.offset_minutes)
    if anchor.offset_minutes < 0:
        return _FlowDict(before_run=-anchor.offset_minutes)
    return _FlowDict(after_run=anchor.offset_minutes)


def _days_yaml(days: Days) -> str | _FlowList:
    if days.kind is DaysKind.WEEKDAYS:
        return _FlowList(WEEKDAY_NAMES[d] for d in sorted(days.weekdays))
    return days.kind.value


def dump_plan(slots: Iterable[Slot]) -> str:
    """YAML for ``plan.yaml`` (with the explanatory header); ``parse_plan(dump_plan(s)) == s``."""
    entries: list[dict[str, Any]] = []
    for slot in slots:
        entry: dict[str, Any] = {"id": slot.id, "title": slot.title, "kind": slot.kind.value}
        if slot.kind is SlotKind.TIP or slot.categories:
            entry["categories"] = _FlowList(slot.categories)
        entry["anchor"] = _anchor_yaml(slot.anchor)
        entry["days"] = _days_yaml(slot.days)
        if slot.days.weekly:
            entry["weekly"] = True
        if not slot.enabled:
            entry["enabled"] = False
        entries.append(entry)
    body = _dump({"slots": entries})
    # A blank line between slots keeps the file easy to scan.
    body = body.replace("\n  - id:", "\n\n  - id:").replace("slots:\n\n", "slots:\n", 1)
    return PLAN_HEADER + "\n" + body


# --------------------------------------------------------------------------------------------
# Files


def _read_text(path: Path, file: str, errors: list[str]) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        errors.append(_line(file, "file", "encoding", f"not valid UTF-8 (byte {exc.start + 1})"))
    except OSError as exc:
        errors.append(_line(file, "file", "path", f"cannot read ({exc.strerror or exc})"))
    return None


def load_schedules(directory: Path) -> Library:
    """Read ``plan.yaml`` and ``tips/*.yaml`` under ``directory``.

    Every problem in every file is collected before one ContentError is raised; nothing is
    returned partially. Cross-file checks: tip ids are unique across the library, and every
    category a slot uses has at least one active tip.
    """
    directory = Path(directory)
    errors: list[str] = []
    if not directory.is_dir():
        problem = "not a directory" if directory.exists() else "directory not found"
        raise ContentError([_line(str(directory), "file", "path", problem)])

    slots: tuple[Slot, ...] | None = None
    plan_path = directory / PLAN_FILE
    if not plan_path.is_file():
        errors.append(_line(PLAN_FILE, "file", "path", f"missing (expected {plan_path})"))
    else:
        text = _read_text(plan_path, PLAN_FILE, errors)
        if text is not None:
            try:
                slots = parse_plan(text, PLAN_FILE)
            except ContentError as exc:
                errors.extend(exc.errors)

    tips_dir = directory / TIPS_DIR
    by_category: dict[str, tuple[Tip, ...]] = {}
    failed_categories: set[str] = set()
    where_id: dict[str, str] = {}
    if not tips_dir.is_dir():
        errors.append(_line(f"{TIPS_DIR}/", "file", "path", f"directory not found ({tips_dir})"))
    else:
        for path in sorted(tips_dir.iterdir()):
            file = f"{TIPS_DIR}/{path.name}"
            if path.name.startswith(".") or not path.is_file():
                continue
            if path.suffix == ".yml":
                errors.append(_line(file, "file", "path", "use the .yaml extension"))
                continue
            if path.suffix != ".yaml":
                continue
            text = _read_text(path, file, errors)
            if text is None:
                failed_categories.add(path.stem)
                continue
            try:
                tips = parse_tips(text, file)
            except ContentError as exc:
                errors.extend(exc.errors)
                failed_categories.add(path.stem)
                continue
            for tip in tips:
                if tip.id in where_id:
                    errors.append(
                        _line(
                            file, f"tip {tip.id}", "id", f"duplicate id, also in {where_id[tip.id]}"
                        )
                    )
                else:
                    where_id[tip.id] = file
            by_category[path.stem] = tips

    if slots is not None and tips_dir.is_dir():
        for slot in slots:
            for category in slot.categories:
                if category in failed_categories:
                    continue
                if not any(t.active for t in by_category.get(category, ())):
                    errors.append(
                        _line(
                            PLAN_FILE,
                            f"slot {slot.id}",
                            "categories",
                            f"no active tip in category {category!r} "
                            f"(add one to {TIPS_DIR}/{category}.yaml)",
                        )
                    )

    if errors or slots is None:
        raise ContentError(errors)
    ordered = tuple(t for c in TIP_CATEGORIES for t in by_category.get(c, ()))
    return Library(slots=slots, tips=ordered)


def check_schedules(directory: Path) -> list[str]:
    """The problems :func:`load_schedules` would raise for ``directory``; [] when valid."""
    try:
        load_schedules(directory)
    except ContentError as exc:
        return list(exc.errors)
    return []
