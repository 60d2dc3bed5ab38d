"""YAML in and out: reading a document with every problem reported, and writing the files.

Reading refuses duplicate keys (YAML silently keeps the last one, so an edit would be lost).
Writing produces the files' own style (block style, literal bodies, flow leaves, the plan's
explanatory header) so that an exported plan reads like the hand-written one and parses back
to the same slots and tips.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, Final

import yaml

from bot.core.content.schema import _describe, _line
from bot.core.models import WEEKDAY_NAMES, Anchor, AnchorKind, Days, DaysKind, Slot, SlotKind, Tip

__all__ = ["PLAN_HEADER", "dump_plan", "dump_tips"]

PLAN_HEADER: Final = """\
# BackStride default plan: when each kind of message goes out.
#
# One entry per slot:
#   id:         a-z, 0-9, - and _ (unique); deliveries are keyed on it, so don't rename lightly
#   title:      what admins see in lists (plain text, up to 80 characters)
#   kind:       tip (sends a tip from the categories), session (a strength session: the runner's
#               level in each exercise family of the categories), education (the next "why"
#               message from tips/education.yaml, once each in order) or check_in (starts the
#               post-run check-in)
#   categories: tip and session slots only: tip categories to rotate through, e.g.
#               [core_strength, hips_glutes] (warm_up, core_strength, hips_glutes,
#               cross_training, stretch_mobility, form, footwear_surface, recovery, everyday_back)
#   anchor:     exactly one of {before_run: 30}  minutes before the runner's usual run (0-720)
#                              {after_run: 120}  minutes after the usual run (0-720)
#                              {at: "12:30"}     a fixed local time; keep the quotes
#                              {tip_time: 0}     the runner's daily tip time +/- up to 720 minutes
#   days:       run_days, rest_days, every_day, strength_days (as many days as the runner's weekly
#               strength goal, rest days first, spread out), quiet_days (neither a run nor a
#               strength day), or a list of weekdays like [mon, thu]
#   weekly:     optional, default false: only the first matching day of each Mon-Sun week
#   enabled:    optional, default true
#
# A file with any problem is refused as a whole (the running plan stays); check it first with
#   python -m bot check-schedules
"""


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


#: libyaml's loader when PyYAML has it (about ten times faster: the library in three languages
#: is read at every first start); a file it refuses is read again by the Python one, whose
#: messages the errors quote.
_FAST_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _parse(text: str) -> tuple[Any, Any]:
    try:
        return yaml.load(text, Loader=_FAST_LOADER), yaml.compose(text, Loader=_FAST_LOADER)
    except yaml.YAMLError:
        return yaml.safe_load(text), yaml.compose(text, Loader=yaml.SafeLoader)


def _read_yaml(text: str, file: str, expected: str, errors: list[str]) -> Any:
    """The document in ``text``, or ``_NO_DATA`` after adding the problem to ``errors``."""
    try:
        data, node = _parse(text)
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


# --------------------------------------------------------------------------------------------
# YAML writing


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
        if tip.family:
            entry["family"] = tip.family
            entry["level"] = tip.level
        entry["body"] = _LiteralStr(tip.body.rstrip() + "\n")
        if tip.why:
            entry["why"] = tip.why
        if tip.source:
            entry["source"] = tip.source
        if not tip.active:
            entry["active"] = False
        entries.append(entry)
    return _dump({"category": category, "tips": entries})


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
        if slot.kind in (SlotKind.TIP, SlotKind.SESSION) or slot.categories:
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
