"""The web console's use cases the chat admin lacks (issue 14): the dashboard's series, tip
search, the audit trail with filters and pages, categories and families, a slot change's reach
before it is made, and the console's forms of the edits (each one through the same service
functions as the chat admin: validated, audited, live at the next tick).

Counts only: nothing here returns a runner's identity or health answers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from bot.core import content, texts
from bot.core.models import (
    TIP_CATEGORIES,
    WEEKDAY_NAMES,
    Anchor,
    AnchorKind,
    Days,
    DaysKind,
    RunnerStatus,
    Slot,
    Tip,
)
from bot.core.planner import next_due
from bot.core.triage import Level
from bot.services.admin.announcements import (
    Announcement,
    announcement_progress,
    announcement_reach,
    cancel_announcement,
    queue_announcement,
    recent_announcements,
    validate_announcement,
)
from bot.services.admin.audit import AuditEntry, audit_entry
from bot.services.admin.common import DEFAULT_GRACE, AdminError, _ts
from bot.services.admin.reimport import ImportDiff
from bot.services.admin.slots import (
    SlotChange,
    SlotView,
    list_slots,
    set_slot_anchor,
    set_slot_days,
    set_slot_weekly,
    toggle_slot,
)
from bot.services.admin.tips import (
    TipChange,
    _category_emoji,
    _change_tip,
    _starts_with_symbol,
    add_tip,
    reactivate_tip,
    retire_tip,
)
from bot.services.delivery import render_tip
from bot.storage import admin as admin_db
from bot.storage import content as content_db
from bot.storage import outbox as outbox_db
from bot.storage import runners as runners_db
from bot.storage import schema

__all__ = [
    "AUDIT_PER_PAGE",
    "AnnouncementView",
    "AuditPage",
    "FieldChange",
    "ItemChanges",
    "SlotEdit",
    "TipView",
    "announcement_list",
    "announcement_preview",
    "announcement_view",
    "audit_actions",
    "audit_search",
    "cancel",
    "categories",
    "confirm_announcement",
    "dashboard",
    "edit_slot",
    "edit_tip_fields",
    "families",
    "find_tip_view",
    "import_changes",
    "new_tip",
    "parse_slot_edit",
    "preview_tip",
    "search_tips",
    "set_tip_active",
    "slot_reach",
    "slot_reach_preview",
    "slots",
]

AUDIT_PER_PAGE = 50
WEEKS = 12
DAYS = 14
_EDIT = "console"


def _problem(entry: str, field: str, problem: str) -> str:
    """A problem line in the validators' ``where: entry: field: problem`` form."""
    return f"{_EDIT}: {entry}: {field}: {problem}"


# ---------------------------------------------------------------------------------------------
# The dashboard


def _monday(now: dt.datetime) -> dt.datetime:
    day = dt.datetime.combine(now.astimezone(dt.UTC).date(), dt.time(0, 0), dt.UTC)
    return day - dt.timedelta(days=day.weekday())


def dashboard_from_file(path: Path | str, now: dt.datetime) -> dict[str, Any]:
    """The dashboard read on a connection of its own (call it in a worker thread): at 100k
    runners its series read a few million rows, which must not hold the database thread that
    replies and the sender use."""
    with schema.reader(path) as database:
        return dashboard(database, now)


def dashboard(database: Database, now: dt.datetime) -> dict[str, Any]:
    """The counts the console's first page shows (``last_tick_age_seconds`` is the shell's:
    only the running process knows its last tick)."""
    this_week = _monday(now)
    first_week = this_week - dt.timedelta(weeks=WEEKS - 1)
    today = dt.datetime.combine(now.astimezone(dt.UTC).date(), dt.time(0, 0), dt.UTC)
    first_day = today - dt.timedelta(days=DAYS - 1)
    week_ts, day_ts = _ts(first_week), _ts(first_day)

    by_status = {status.value: 0 for status in RunnerStatus}
    by_status.update(runners_db.count_runners_by_status(database))
    joined = admin_db.runners_joined_per_week(database, week_ts)
    # Rows due in the window were written at most a couple of days before it.
    first_delivery = outbox_db.first_id_since(
        database, "deliveries", "created_at", day_ts - 2 * 86400
    )
    per_day = admin_db.deliveries_per_day(database, first_delivery, day_ts)
    first_checkin = outbox_db.first_id_since(database, "checkins", "asked_at", week_ts - 5 * 86400)
    verdicts = admin_db.verdicts_per_week(database, first_checkin, week_ts)
    return {
        "runners_by_status": by_status,
        "new_per_week": [
            {"week": (first_week + dt.timedelta(weeks=w)).date().isoformat(), "n": joined.get(w, 0)}
            for w in range(WEEKS)
        ],
        "deliveries_per_day": [
            {
                "day": (first_day + dt.timedelta(days=d)).date().isoformat(),
                **{s: per_day.get((d, s), 0) for s in ("sent", "failed", "dropped")},
            }
            for d in range(DAYS)
        ],
        "verdicts_per_week": [
            {
                "week": (first_week + dt.timedelta(weeks=w)).date().isoformat(),
                **{level.name.lower(): verdicts.get((w, int(level)), 0) for level in Level},
            }
            for w in range(WEEKS)
        ],
        "open_escalations": admin_db.open_escalations(database),
        "outbox_depth": sum(outbox_db.queue_depth(database).values()),
    }


# ---------------------------------------------------------------------------------------------
# Slots


def slots(database: Database) -> list[SlotView]:
    return list_slots(database)


@dataclass(frozen=True)
class SlotEdit:
    """What a console slot form changes (None: leaves it)."""

    anchor: Anchor | None = None
    days: Days | None = None
    enabled: bool | None = None

    def apply(self, slot: Slot) -> Slot:
        out = slot
        if self.anchor is not None:
            out = replace(out, anchor=self.anchor)
        if self.days is not None:
            out = replace(out, days=self.days)
        if self.enabled is not None:
            out = replace(out, enabled=self.enabled)
        return out


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _anchor(doc: Any, entry: str) -> Anchor:
    if not isinstance(doc, Mapping):
        raise AdminError(_problem(entry, "anchor", "must be an object"))
    try:
        kind = AnchorKind(str(doc.get("kind")))
    except ValueError:
        names = ", ".join(k.value for k in AnchorKind)
        raise AdminError(_problem(entry, "anchor", f"kind must be one of {names}")) from None
    if kind is AnchorKind.FIXED:
        raw = doc.get("time")
        try:
            if not isinstance(raw, str) or len(raw) != 5:
                raise ValueError
            at = dt.time.fromisoformat(raw)
        except ValueError:
            raise AdminError(_problem(entry, "anchor", 'a fixed time needs "HH:MM"')) from None
        return Anchor(kind, 0, at)
    offset = _int(doc.get("offset_minutes", 0))
    if offset is None:
        raise AdminError(_problem(entry, "anchor", "offset_minutes must be a whole number"))
    return Anchor(kind, offset)


def _days(doc: Any, entry: str, current: Days) -> Days:
    if not isinstance(doc, Mapping):
        raise AdminError(_problem(entry, "days", "must be an object"))
    try:
        kind = DaysKind(doc.get("kind", current.kind.value))
    except ValueError:
        raise AdminError(_problem(entry, "days", f"unknown kind {doc.get('kind')!r}")) from None
    weekdays: frozenset[int] = frozenset()
    if kind is DaysKind.WEEKDAYS:
        names = doc.get("weekdays", [])
        if not isinstance(names, list) or not all(n in WEEKDAY_NAMES for n in names):
            raise AdminError(_problem(entry, "days", "weekdays must be names like mon, tue"))
        weekdays = frozenset(WEEKDAY_NAMES.index(n) for n in names)
    weekly = doc.get("weekly", current.weekly)
    if not isinstance(weekly, bool):
        raise AdminError(_problem(entry, "weekly", "must be true or false"))
    return Days(kind, weekdays, weekly)


def parse_slot_edit(doc: Any, slot: Slot) -> SlotEdit:
    """A console form (``{"anchor"?, "days"?, "enabled"?}``) as a SlotEdit; AdminError with
    ``where: entry: field: problem`` lines when it cannot be one."""
    entry = f"slot {slot.id}"
    if not isinstance(doc, Mapping):
        raise AdminError(_problem(entry, "", "the body must be a JSON object"))
    enabled = doc.get("enabled")
    if enabled is not None and not isinstance(enabled, bool):
        raise AdminError(_problem(entry, "enabled", "must be true or false"))
    return SlotEdit(
        anchor=_anchor(doc["anchor"], entry) if doc.get("anchor") is not None else None,
        days=_days(doc["days"], entry, slot.days) if doc.get("days") is not None else None,
        enabled=enabled,
    )


def _slot(database: Database, slot_id: str) -> Slot:
    slot = content_db.get_slot(database, slot_id)
    if slot is None:
        raise LookupError(f"there is no slot {slot_id!r}")
    return slot


def _check(slot: Slot) -> None:
    problems = content.validate_slot(slot, where=_EDIT)
    if problems:
        raise AdminError(problems)


def slot_reach_preview(database: Database, slot_id: str, doc: Any, now: dt.datetime) -> int:
    """How many runners the slot would reach with the form's change (nothing is written):
    live runners with a next instant for it. LookupError: no such slot."""
    after = parse_slot_edit(doc, _slot(database, slot_id)).apply(_slot(database, slot_id))
    _check(after)
    if not after.enabled:
        return 0
    reach = 0
    for runner in runners_db.live_runners(database):
        try:
            if next_due(after, runner, now) is not None:
                reach += 1
        except ValueError:  # an unknown time zone in a runner's row: never planned
            continue
    return reach


def edit_slot(
    database: Database,
    slot_id: str,
    doc: Any,
    *,
    admin_id: int,
    now: dt.datetime,
    grace: dt.timedelta = DEFAULT_GRACE,
) -> SlotChange:
    """Apply a console form with the chat admin's slot services (each validated, audited and
    rescheduled); the whole form is validated first, so a bad part changes nothing."""
    before = _slot(database, slot_id)
    edit = parse_slot_edit(doc, before)
    _check(edit.apply(before))
    rescheduled = 0
    if edit.anchor is not None and edit.anchor != before.anchor:
        change = set_slot_anchor(
            database, slot_id, edit.anchor, admin_id=admin_id, now=now, grace=grace
        )
        rescheduled += change.rescheduled
    if edit.days is not None:
        current = _slot(database, slot_id).days
        if replace(edit.days, weekly=current.weekly) != current:
            change = set_slot_days(
                database, slot_id, edit.days, admin_id=admin_id, now=now, grace=grace
            )
            rescheduled += change.rescheduled
        if edit.days.weekly != current.weekly:
            change = set_slot_weekly(
                database, slot_id, edit.days.weekly, admin_id=admin_id, now=now, grace=grace
            )
            rescheduled += change.rescheduled
    if edit.enabled is not None and edit.enabled != _slot(database, slot_id).enabled:
        change = toggle_slot(
            database, slot_id, edit.enabled, admin_id=admin_id, now=now, grace=grace
        )
        rescheduled += change.rescheduled
    return SlotChange(before, _slot(database, slot_id), rescheduled, slot_reach(database, slot_id))


def slot_reach(database: Database, slot_id: str) -> int:
    """Runners with an instant planned for the slot now."""
    return next((v.reach for v in list_slots(database) if v.slot.id == slot_id), 0)


# ---------------------------------------------------------------------------------------------
# Tips


@dataclass(frozen=True)
class TipView:
    tip: Tip
    version: int


def search_tips(
    database: Database,
    q: str = "",
    category: str = "",
    family: str = "",
    active: bool | None = None,
) -> list[TipView]:
    """Tips in the rotation's order (category, then position); `q` searches id, title and
    body, case-insensitively."""
    needle = q.strip().casefold()
    versions = content_db.tip_versions(database)
    order = {c: i for i, c in enumerate(TIP_CATEGORIES)}
    found = []
    for tip in content_db.load_tips(database):
        if category and tip.category != category:
            continue
        if family and tip.family != family:
            continue
        if active is not None and tip.active != active:
            continue
        if needle and not any(needle in s.casefold() for s in (tip.id, tip.title, tip.body)):
            continue
        found.append(TipView(tip, versions.get(tip.id, 1)))
    found.sort(key=lambda v: (order.get(v.tip.category, 99), v.tip.position, v.tip.id))
    return found


def find_tip_view(database: Database, tip_id: str) -> TipView | None:
    tip = content_db.get_tip(database, tip_id)
    if tip is None:
        return None
    return TipView(tip, content_db.tip_versions(database).get(tip_id, 1))


def categories(database: Database) -> list[tuple[str, int, int]]:
    """Every category: (id, tips, active tips)."""
    counts = {c: [0, 0] for c in TIP_CATEGORIES}
    for tip in content_db.load_tips(database):
        entry = counts.setdefault(tip.category, [0, 0])
        entry[0] += 1
        entry[1] += int(tip.active)
    return [(c, n, a) for c, (n, a) in counts.items()]


def families(database: Database) -> list[tuple[str, int]]:
    """Every exercise family and its number of levels."""
    levels: dict[str, int] = {}
    for tip in content_db.load_tips(database):
        if tip.family:
            levels[tip.family] = max(levels.get(tip.family, 0), tip.level)
    return sorted(levels.items())


def _text_field(doc: Mapping[str, Any], key: str, entry: str) -> str | None:
    value = doc.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise AdminError(_problem(entry, key, "must be text"))
    return value


def new_tip(database: Database, doc: Any, *, admin_id: int, now: dt.datetime) -> TipChange:
    """A new tip from the console form (category, title, body, why?, source?): validated in
    full first, then added (and its why and source set) with the chat admin's services."""
    if not isinstance(doc, Mapping):
        raise AdminError(_problem("tip", "", "the body must be a JSON object"))
    category = _text_field(doc, "category", "tip") or ""
    title = (_text_field(doc, "title", "tip") or "").strip()
    body = (_text_field(doc, "body", "tip") or "").strip()
    why = (_text_field(doc, "why", "tip") or "").strip()
    source = (_text_field(doc, "source", "tip") or "").strip()
    draft = Tip(id="new-tip", category=category, title=title, body=body, why=why, source=source)
    problems = content.validate_tip(draft, where=_EDIT)
    if problems:
        raise AdminError(problems)
    change = add_tip(database, category, title, body, admin_id=admin_id, now=now)
    if why or source:
        extra = _change_tip(
            database,
            change.tip.id,
            lambda t: replace(t, why=why, source=source),
            "tip_edit",
            admin_id=admin_id,
            now=now,
        )
        change = TipChange(None, extra.tip, extra.version)
    return change


def edit_tip_fields(
    database: Database, tip_id: str, doc: Any, *, admin_id: int, now: dt.datetime
) -> TipChange:
    """Any of title, body, why and source, as the chat admin's edit does it (one version, one
    audit row; the category's symbol stays on the title). LookupError: no such tip."""
    before = content_db.get_tip(database, tip_id)
    if before is None:
        raise LookupError(f"there is no tip {tip_id!r}")
    if not isinstance(doc, Mapping):
        raise AdminError(_problem(f"tip {tip_id}", "", "the body must be a JSON object"))
    entry = f"tip {tip_id}"
    fields = {k: _text_field(doc, k, entry) for k in ("title", "body", "why", "source")}

    def change(tip: Tip) -> Tip:
        title = tip.title if fields["title"] is None else fields["title"].strip()
        emoji = _category_emoji([tip], tip.category) if _starts_with_symbol(tip.title) else ""
        if emoji and not _starts_with_symbol(title):
            title = f"{emoji} {title}"
        return replace(
            tip,
            title=title,
            body=tip.body if fields["body"] is None else fields["body"].strip(),
            why=tip.why if fields["why"] is None else fields["why"].strip(),
            source=tip.source if fields["source"] is None else fields["source"].strip(),
        )

    return _change_tip(database, tip_id, change, "tip_edit", admin_id=admin_id, now=now)


def set_tip_active(
    database: Database, tip_id: str, active: bool, *, admin_id: int, now: dt.datetime
) -> TipChange:
    """Retire (out of rotation) or reactivate, as the chat admin does. LookupError: no tip."""
    if content_db.get_tip(database, tip_id) is None:
        raise LookupError(f"there is no tip {tip_id!r}")
    operation = reactivate_tip if active else retire_tip
    return operation(database, tip_id, admin_id=admin_id, now=now)


def preview_tip(
    database: Database, title: str, body: str, why: str = ""
) -> tuple[str, list[tuple[str, str]]]:
    """The Telegram HTML a runner would get for this tip, and its problems as (field,
    problem). A body that is not valid Telegram HTML is shown escaped, never as it is."""
    tip = Tip(id="preview", category=TIP_CATEGORIES[0], title=title.strip(), body=body.strip())
    tip = replace(tip, why=why.strip())
    problems: list[tuple[str, str]] = []
    for line in content.validate_tip(tip, where=_EDIT):
        parts = line.split(": ", 3)
        problems.append((parts[2], parts[3]) if len(parts) == 4 else ("", line))
    if content.telegram_html_problem(tip.body) is not None:
        tip = replace(tip, body=texts.esc(tip.body))
    return render_tip(tip), problems


# ---------------------------------------------------------------------------------------------
# Announcements


@dataclass(frozen=True)
class AnnouncementView:
    announcement: Announcement
    text_preview: str
    cancelled: bool


def _views(database: Database, found: list[Announcement]) -> list[AnnouncementView]:
    notes = admin_db.announcement_notes(database, [a.slot_id for a in found])
    views = []
    for a in found:
        text, cancelled = notes.get(a.slot_id, ("", False))
        preview = text if len(text) <= 100 else text[:99] + "…"
        views.append(AnnouncementView(a, preview, cancelled))
    return views


def announcement_list(database: Database, limit: int = 20) -> list[AnnouncementView]:
    return _views(database, recent_announcements(database, limit))


def announcement_view(database: Database, number: int) -> AnnouncementView | None:
    found = announcement_progress(database, number)
    return None if found is None else _views(database, [found])[0]


def cancel(
    database: Database, number: int, *, admin_id: int, now: dt.datetime
) -> AnnouncementView | None:
    """Stop what has not gone out yet, as the chat admin does; the progress afterwards."""
    if cancel_announcement(database, number, admin_id=admin_id, now=now) is None:
        return None
    view = announcement_view(database, number)
    return None if view is None else replace(view, cancelled=True)


def announcement_preview(database: Database, text: str) -> tuple[str, int, list[str]]:
    """The HTML runners would get (escaped when it is not valid Telegram HTML), how many
    active runners it would reach, and its problems."""
    problems = validate_announcement(text)
    shown = text if content.telegram_html_problem(text) is None else texts.esc(text)
    return shown, announcement_reach(database), problems


def confirm_announcement(
    database: Database, text: str, recipients: Any, *, admin_id: int, now: dt.datetime
) -> Announcement:
    """Queue the announcement if it still reaches the number of runners the admin saw."""
    if _int(recipients) is None:
        raise AdminError(_problem("announcement", "recipients", "must be the previewed count"))
    reach = announcement_reach(database)
    if reach != recipients:
        raise AdminError(
            _problem(
                "announcement",
                "recipients",
                f"it would now reach {reach} runners, not {recipients}: preview it again",
            )
        )
    return queue_announcement(database, text, admin_id=admin_id, now=now)


# ---------------------------------------------------------------------------------------------
# The audit trail


@dataclass(frozen=True)
class AuditPage:
    rows: list[AuditEntry]
    page: int
    pages: int


def audit_search(
    database: Database,
    *,
    admin_id: int | None = None,
    action: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
    page: int = 1,
    per_page: int = AUDIT_PER_PAGE,
) -> AuditPage:
    """One page (from 1) of the audit trail, newest first; `until` is inclusive (UTC days)."""

    def midnight(day: dt.date) -> int:
        return _ts(dt.datetime.combine(day, dt.time(0, 0), dt.UTC))

    page = max(1, page)
    rows, total = admin_db.audit_page(
        database,
        admin_id=admin_id,
        action_prefix=action,
        since=None if since is None else midnight(since),
        until=None if until is None else midnight(until + dt.timedelta(days=1)),
        offset=(page - 1) * per_page,
        limit=per_page,
    )
    entries = [audit_entry(row) for row in rows]
    return AuditPage(entries, page, max(1, -(-total // per_page)))


def audit_actions(database: Database) -> list[str]:
    return admin_db.audit_actions(database)


# ---------------------------------------------------------------------------------------------
# Re-import: what each changed slot and tip changes, field by field

EXCERPT = 120  # characters of a before or after value at most


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: str  # plain text, at most EXCERPT characters
    after: str


@dataclass(frozen=True)
class ItemChanges:
    id: str
    title: str
    changes: tuple[FieldChange, ...]


def _duration(minutes: int) -> str:
    hours, rest = divmod(abs(minutes), 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h" + (f" {rest} min" if rest else "")


def anchor_words(anchor: Anchor) -> str:
    """``45 min before the run``, ``at 12:30``: as the chat admin says it."""
    if anchor.kind is AnchorKind.FIXED:
        return texts.ADMIN_ANCHOR_FIXED.format(
            time=anchor.time.strftime("%H:%M") if anchor.time else "?"
        )
    base = texts.ADMIN_RUN if anchor.kind is AnchorKind.RUN_TIME else texts.ADMIN_TIP_TIME
    offset = anchor.offset_minutes
    if offset == 0:
        return texts.ADMIN_ANCHOR_AT.format(base=base)
    template = texts.ADMIN_ANCHOR_BEFORE if offset < 0 else texts.ADMIN_ANCHOR_AFTER
    return template.format(duration=_duration(offset), base=base)


def days_words(days: Days) -> str:
    if days.kind is DaysKind.WEEKDAYS:
        words = ", ".join(texts.DAY_LABELS[d] for d in sorted(days.weekdays)) or "no weekday"
    else:
        words = texts.ADMIN_DAYS_KINDS.get(days.kind.value, days.kind.value)
    return words + (texts.ADMIN_WEEKLY_SUFFIX if days.weekly else "")


def _short(text: str, limit: int = EXCERPT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _excerpts(before: str, after: str, limit: int = EXCERPT) -> tuple[str, str]:
    """Both texts from a few words before the first word that differs, each cut to `limit`
    characters: where a long text changes, not its unchanged start."""
    old, new = before.split(), after.split()
    same = 0
    while same < min(len(old), len(new)) and old[same] == new[same]:
        same += 1
    start = max(0, same - 3)

    def cut(words: list[str]) -> str:
        if not start:
            return _short(" ".join(words), limit)
        return "… " + _short(" ".join(words[start:]), limit - 2)

    return cut(old), cut(new)


def _text_change(field: str, before: str, after: str, *, html: bool = False) -> FieldChange:
    if html:
        before, after = content.plain_text(before), content.plain_text(after)
    if " ".join(before.split()) == " ".join(after.split()):  # markup or spacing alone
        return FieldChange(field, "(formatting)", "(formatting changed)")
    if not before or not after:
        return FieldChange(field, _short(before) or "(empty)", _short(after) or "(empty)")
    old, new = _excerpts(before, after)
    return FieldChange(field, old, new)


def _on_off(on: bool, yes: str, no: str) -> str:
    return yes if on else no


def _slot_changes(before: Slot, after: Slot) -> tuple[FieldChange, ...]:
    found: list[FieldChange] = []
    if before.title != after.title:
        found.append(_text_change("title", before.title, after.title))
    if before.kind != after.kind:
        found.append(FieldChange("kind", before.kind.value, after.kind.value))
    if before.anchor != after.anchor:
        found.append(FieldChange("anchor", anchor_words(before.anchor), anchor_words(after.anchor)))
    if before.days != after.days:
        found.append(
            FieldChange("days", _short(days_words(before.days)), _short(days_words(after.days)))
        )
    if before.categories != after.categories:
        found.append(
            FieldChange(
                "categories",
                _short(", ".join(before.categories) or "(none)"),
                _short(", ".join(after.categories) or "(none)"),
            )
        )
    if before.enabled != after.enabled:
        found.append(
            FieldChange(
                "enabled", _on_off(before.enabled, "on", "off"), _on_off(after.enabled, "on", "off")
            )
        )
    return tuple(found)


def _tip_changes(before: Tip, after: Tip) -> tuple[FieldChange, ...]:
    found: list[FieldChange] = []
    for field in ("category", "title", "body", "why", "source", "family"):
        old, new = getattr(before, field), getattr(after, field)
        if old != new:
            found.append(_text_change(field, old, new, html=field in ("body", "why")))
    if before.level != after.level:
        found.append(FieldChange("level", str(before.level), str(after.level)))
    if before.active != after.active:
        found.append(
            FieldChange(
                "active",
                _on_off(before.active, "active", "retired"),
                _on_off(after.active, "active", "retired"),
            )
        )
    return tuple(found)


def import_changes(diff: ImportDiff) -> tuple[list[ItemChanges], list[ItemChanges]]:
    """For each changed slot and tip of a re-import diff: what confirming changes, field by
    field, from the database's version (before) to the files' (after)."""
    slots = [
        ItemChanges(new.id, new.title, _slot_changes(old, new))
        for old, new in zip(diff.slots_before, diff.slots_changed, strict=True)
    ]
    tips = [
        ItemChanges(new.id, new.title, _tip_changes(old, new))
        for old, new in zip(diff.tips_before, diff.tips_changed, strict=True)
    ]
    return slots, tips
