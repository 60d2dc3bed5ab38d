"""Admin operations over the database: the service layer behind ``/admin`` (issue 5).

Every function here runs on the database thread (``Store.run``) and takes the ``Database``
first. Each change is one transaction that validates the new state exactly as the files are
validated (``bot.content``), writes it, writes an ``audit`` row (who, when, what, before and
after), and recomputes the affected runners' ``schedule`` rows, so that the next tick sends
the new plan. Nothing here talks to Telegram.

Rescheduling rules for a slot edit (DESIGN.md: nobody gets a reminder twice or loses one):

* first the tick's own claim runs (idempotent: the outbox is unique per runner, slot and
  instant), so every instant already due goes out under the definition it was due under;
* then every row is planned afresh from ``now`` with the planner, except that an instant on a
  local day (a week, for weekly slots) on which the runner already had this slot moves on to
  the next one: moving the warm-up from 06:30 to 06:45 after 06:30 does not send it twice;
* a row that is due but still unclaimed (another process's edit raced a tick) is left alone
  for the tick.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from bot.core import content
from bot.core.models import (
    ANNOUNCEMENT_PRIORITY,
    TIP_CATEGORIES,
    WEEKDAY_NAMES,
    Anchor,
    AnchorKind,
    Days,
    DaysKind,
    Runner,
    RunnerStatus,
    Slot,
    SlotKind,
    Tip,
)
from bot.core.planner import next_due, zone
from bot.services.delivery import WEEKLY_SUMMARY, claim_due, plan_slots
from bot.storage import db

__all__ = [
    "ANNOUNCEMENT_MAX",
    "DRAFT_TTL",
    "PREVIEW_RUNNER",
    "TIPS_PER_PAGE",
    "AdminError",
    "Announcement",
    "AuditEntry",
    "ImportDiff",
    "SlotChange",
    "SlotView",
    "Stats",
    "TipChange",
    "add_slot",
    "add_tip",
    "announcement_progress",
    "announcement_reach",
    "audit_list",
    "cancel_announcement",
    "clear_draft",
    "diff_library",
    "edit_tip",
    "export_schedules",
    "find_ref",
    "list_slots",
    "list_tips",
    "load_draft",
    "new_slot_options",
    "new_tip_id",
    "parse_tip_message",
    "plan_for_preview",
    "preview_days",
    "queue_announcement",
    "reactivate_tip",
    "recent_announcements",
    "ref",
    "reimport_apply",
    "reimport_diff",
    "replan_slot",
    "retire_tip",
    "save_draft",
    "set_slot_anchor",
    "set_slot_days",
    "set_slot_weekly",
    "stats",
    "summarise_change",
    "toggle_slot",
    "validate_announcement",
]

TIPS_PER_PAGE = 8
DEFAULT_GRACE = dt.timedelta(minutes=120)  # Settings.grace_minutes' default
ANNOUNCEMENT_MAX = 4000
DRAFT_TTL = dt.timedelta(hours=1)
ANNOUNCE_SLOT = "announce:{n}"
ANNOUNCE_KIND = "announcement"
# How far back to look for an earlier instant of the same slot when re-planning.
_LOOKBACK = dt.timedelta(days=8)
# Ids the outbox uses for messages outside the plan: a new slot must not take them.
_RESERVED_SLOT_IDS = frozenset({WEEKLY_SUMMARY.id, "on_demand", "cmd_tip", "follow_up"})

# The runner a slot preview is for: the onboarding defaults.
PREVIEW_RUNNER = Runner(
    chat_id=0,
    run_days=frozenset({0, 2, 4}),
    run_time=dt.time(7, 0),
    tip_time=dt.time(8, 0),
    status=RunnerStatus.ACTIVE,
)


class AdminError(Exception):
    """An edit that cannot be made; ``problems`` are lines to show the admin as they are
    (``where: entry: field: problem`` for validation problems)."""

    def __init__(self, problems: Iterable[str] | str) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


def _ts(value: dt.datetime) -> int:
    return int(value.timestamp())


def ref(identifier: str) -> str:
    """A short, stable reference to a slot or tip id for button data (Telegram allows 64 bytes
    of callback data; ids may be 63 characters)."""
    return hashlib.sha256(identifier.encode()).hexdigest()[:10]


def find_ref(identifiers: Iterable[str], reference: str) -> str | None:
    """The one id whose `ref` is `reference`, or None (unknown, or ambiguous)."""
    found = [i for i in identifiers if ref(i) == reference]
    return found[0] if len(found) == 1 else None


# ---------------------------------------------------------------------------------------------
# Audit documents: what a slot or tip looked like, in the words of the YAML files


def anchor_doc(anchor: Anchor) -> dict[str, Any]:
    if anchor.kind is AnchorKind.FIXED:
        return {"at": anchor.time.strftime("%H:%M") if anchor.time else None}
    if anchor.kind is AnchorKind.TIP_TIME:
        return {"tip_time": anchor.offset_minutes}
    if anchor.offset_minutes < 0:
        return {"before_run": -anchor.offset_minutes}
    return {"after_run": anchor.offset_minutes}


def days_doc(days: Days) -> str | list[str]:
    if days.kind is DaysKind.WEEKDAYS:
        return [WEEKDAY_NAMES[d] for d in sorted(days.weekdays)]
    return days.kind.value


def slot_doc(slot: Slot) -> dict[str, Any]:
    return {
        "id": slot.id,
        "title": slot.title,
        "kind": slot.kind.value,
        "categories": list(slot.categories),
        "anchor": anchor_doc(slot.anchor),
        "days": days_doc(slot.days),
        "weekly": slot.days.weekly,
        "enabled": slot.enabled,
    }


def tip_doc(tip: Tip, version: int | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": tip.id,
        "category": tip.category,
        "title": tip.title,
        "body": tip.body,
        "why": tip.why,
        "source": tip.source,
        "active": tip.active,
    }
    if version is not None:
        doc["version"] = version
    return doc


def _audit(
    database: Database,
    admin_id: int,
    now: dt.datetime,
    action: str,
    target: str,
    before: Any,
    after: Any,
) -> None:
    db.add_audit(
        database,
        admin_id=admin_id,
        at=_ts(now),
        action=action,
        target=target,
        before=before,
        after=after,
    )


# ---------------------------------------------------------------------------------------------
# Slots


@dataclass(frozen=True)
class SlotView:
    slot: Slot
    reach: int  # runners with an instant planned for this slot


@dataclass(frozen=True)
class SlotChange:
    before: Slot | None
    slot: Slot
    rescheduled: int  # schedule rows written
    reach: int  # runners with an instant planned for the slot afterwards


def list_slots(database: Database) -> list[SlotView]:
    reach = db.slot_reach(database)
    return [SlotView(slot, reach.get(slot.id, 0)) for slot in db.load_slots(database)]


def _same_period(first: dt.datetime, second: dt.datetime, tz: ZoneInfo, weekly: bool) -> bool:
    a, b = first.astimezone(tz).date(), second.astimezone(tz).date()
    if weekly:
        return a.isocalendar()[:2] == b.isocalendar()[:2]
    return a == b


def _period_end(instant: dt.datetime, tz: ZoneInfo, weekly: bool) -> dt.datetime:
    """Just before the first local midnight after the day (or Mon-Sun week) of `instant`."""
    day = instant.astimezone(tz).date()
    days = 7 - day.weekday() if weekly else 1
    midnight = dt.datetime.combine(day + dt.timedelta(days=days), dt.time(0, 0), tz)
    return midnight.astimezone(dt.UTC) - dt.timedelta(seconds=1)


def replan_slot(
    slot: Slot, runner: Runner, now: dt.datetime, last_due: dt.datetime | None
) -> dt.datetime | None:
    """The runner's next instant for an edited slot (pure): the first after `now`, skipping a
    day (week, for weekly slots) on which this slot already had an instant (`last_due`)."""
    tz = zone(runner.timezone)
    due = next_due(slot, runner, now)
    for _ in range(3):
        if due is None or last_due is None or not _same_period(due, last_due, tz, slot.days.weekly):
            return due
        due = next_due(slot, runner, max(now, _period_end(due, tz, slot.days.weekly)))
    return due


def _reschedule_slot(database: Database, slot: Slot, now: dt.datetime) -> int:
    """Recompute every runner's row for `slot` (inside the caller's transaction)."""
    if not slot.enabled:
        cleared = db.clear_slot_schedule(database, slot.id)
        return cleared + db.drop_pending_slot(database, slot.id, "slot_disabled")
    now_ts = _ts(now)
    existing = db.slot_schedule(database, slot.id)
    runners = [db.runner_from_row(row) for row in db.live_runner_rows(database)]
    last = db.last_due_by_runner(
        database, slot.id, (r.chat_id for r in runners), now_ts - int(_LOOKBACK.total_seconds())
    )
    updates: list[tuple[int, int | None]] = []
    for runner in runners:
        current = existing.get(runner.chat_id, -1)
        if current is not None and 0 <= current <= now_ts:
            continue  # due and not claimed yet: the tick sends it with the new definition
        previous = last.get(runner.chat_id)
        try:
            due = replan_slot(
                slot, runner, now, dt.datetime.fromtimestamp(previous, dt.UTC) if previous else None
            )
        except ValueError:  # an unknown time zone in a runner's row: never plan it
            due = None
        new = None if due is None else _ts(due)
        if runner.chat_id not in existing or new != current:
            updates.append((runner.chat_id, new))
    db.upsert_slot_schedule(database, slot.id, updates)
    return len(updates)


def _check_slot(slot: Slot) -> None:
    problems = content.validate_slot(slot, where="edit")
    if problems:
        raise AdminError(problems)


def _change_slot(
    database: Database,
    slot_id: str,
    change: Callable[[Slot], Slot],
    action: str,
    *,
    admin_id: int,
    now: dt.datetime,
    grace: dt.timedelta,
) -> SlotChange:
    """Apply `change` to a slot: validate, save, audit and reschedule in one transaction."""
    claim_due(database, now, grace=grace)
    with db.immediate(database):
        before = db.get_slot(database, slot_id)
        if before is None:
            raise AdminError(f"there is no slot {slot_id!r} any more")
        after = change(before)
        _check_slot(after)
        if after == before:
            return SlotChange(before, after, 0, db.slot_reach(database).get(slot_id, 0))
        position = db.slot_positions(database).get(slot_id, 0)
        db.save_slots(
            database, [db.slot_to_row(after, position, updated_by=admin_id, now=_ts(now))]
        )
        _audit(
            database, admin_id, now, action, f"slot {slot_id}", slot_doc(before), slot_doc(after)
        )
        rescheduled = _reschedule_slot(database, after, now)
        reach = db.slot_reach(database).get(slot_id, 0)
    return SlotChange(before, after, rescheduled, reach)


def set_slot_anchor(
    database: Database,
    slot_id: str,
    anchor: Anchor,
    *,
    admin_id: int,
    now: dt.datetime,
    grace: dt.timedelta = DEFAULT_GRACE,
) -> SlotChange:
    """A fixed local time, or minutes from the runner's run or tip time (negative = before)."""
    return _change_slot(
        database,
        slot_id,
        lambda s: replace(s, anchor=anchor),
        "slot_anchor",
        admin_id=admin_id,
        now=now,
        grace=grace,
    )


def set_slot_days(
    database: Database,
    slot_id: str,
    days: Days,
    *,
    admin_id: int,
    now: dt.datetime,
    grace: dt.timedelta = DEFAULT_GRACE,
) -> SlotChange:
    return _change_slot(
        database,
        slot_id,
        lambda s: replace(s, days=replace(days, weekly=s.days.weekly)),
        "slot_days",
        admin_id=admin_id,
        now=now,
        grace=grace,
    )


def set_slot_weekly(
    database: Database,
    slot_id: str,
    weekly: bool,
    *,
    admin_id: int,
    now: dt.datetime,
    grace: dt.timedelta = DEFAULT_GRACE,
) -> SlotChange:
    return _change_slot(
        database,
        slot_id,
        lambda s: replace(s, days=replace(s.days, weekly=weekly)),
        "slot_weekly",
        admin_id=admin_id,
        now=now,
        grace=grace,
    )


def toggle_slot(
    database: Database,
    slot_id: str,
    enabled: bool,
    *,
    admin_id: int,
    now: dt.datetime,
    grace: dt.timedelta = DEFAULT_GRACE,
) -> SlotChange:
    return _change_slot(
        database,
        slot_id,
        lambda s: replace(s, enabled=enabled),
        "slot_enable" if enabled else "slot_disable",
        admin_id=admin_id,
        now=now,
        grace=grace,
    )


def new_slot_options(database: Database) -> tuple[list[str], bool]:
    """What a new slot can be: the tip categories that have an active tip, and whether a
    check-in slot can be added (only while the plan has none)."""
    active = {t.category for t in db.load_tips(database, active_only=True)}
    categories = [c for c in TIP_CATEGORIES if c in active]
    has_check_in = any(s.kind is SlotKind.CHECK_IN for s in db.load_slots(database))
    return categories, not has_check_in


def _new_slot_id(base: str, taken: set[str]) -> str:
    for n in range(1, 1000):
        candidate = base if n == 1 else f"{base}_{n}"
        if candidate not in taken and candidate not in _RESERVED_SLOT_IDS:
            return candidate
    raise AdminError("too many slots of this kind")


def add_slot(
    database: Database,
    kind: SlotKind,
    category: str | None,
    title: str,
    *,
    admin_id: int,
    now: dt.datetime,
) -> SlotChange:
    """A new slot, switched off until the admin has set its time and days: a tip slot for one
    category at the tip time on every day, or the post-run check-in two hours after the run."""
    with db.immediate(database):
        categories, check_in_allowed = new_slot_options(database)
        if kind is SlotKind.TIP:
            if category not in categories:
                raise AdminError(f"category {category!r} has no active tips to send")
            base = category or "tip"
            anchor = Anchor(AnchorKind.TIP_TIME, 0)
            days = Days(DaysKind.EVERY_DAY)
            cats: tuple[str, ...] = (category,) if category else ()
        elif kind is SlotKind.CHECK_IN:
            if not check_in_allowed:
                raise AdminError("the plan already has a check-in slot")
            base, anchor, days, cats = (
                "check_in",
                Anchor(AnchorKind.RUN_TIME, 120),
                Days(DaysKind.RUN_DAYS),
                (),
            )
        else:
            raise AdminError(f"slots of kind {kind.value} cannot be added")
        positions = db.slot_positions(database)
        slot = Slot(
            id=_new_slot_id(base, set(positions)),
            kind=kind,
            anchor=anchor,
            days=days,
            categories=cats,
            enabled=False,
            title=title[: content.SLOT_TITLE_MAX],
        )
        _check_slot(slot)
        position = max(positions.values(), default=-1) + 1
        db.save_slots(database, [db.slot_to_row(slot, position, updated_by=admin_id, now=_ts(now))])
        _audit(database, admin_id, now, "slot_add", f"slot {slot.id}", None, slot_doc(slot))
    return SlotChange(None, slot, 0, 0)


def preview_days(
    slots: Sequence[Slot], zone_name: str, now: dt.datetime, days: int = 2
) -> list[tuple[dt.date, list[tuple[dt.datetime, Slot]]]]:
    """What a runner in `zone_name` with the default settings gets today and the following
    days (pure): per local date, the local fire instants and their slots."""
    runner = replace(PREVIEW_RUNNER, timezone=zone_name)
    tz = zone(zone_name)
    today = now.astimezone(tz).date()
    start = dt.datetime.combine(today, dt.time(0, 0), tz).astimezone(dt.UTC)
    end = dt.datetime.combine(today + dt.timedelta(days=days), dt.time(0, 0), tz).astimezone(dt.UTC)
    found: list[tuple[dt.datetime, int, Slot]] = []
    for order, slot in enumerate(slots):
        after = start - dt.timedelta(seconds=1)
        for _ in range(days * 3):
            due = next_due(slot, runner, after)
            if due is None or due >= end:
                break
            found.append((due.astimezone(tz), order, slot))
            after = due
    found.sort(key=lambda item: (item[0], item[1]))
    out: list[tuple[dt.date, list[tuple[dt.datetime, Slot]]]] = []
    for offset in range(days):
        date = today + dt.timedelta(days=offset)
        out.append((date, [(at, slot) for at, _, slot in found if at.date() == date]))
    return out


# ---------------------------------------------------------------------------------------------
# Tips


@dataclass(frozen=True)
class TipChange:
    before: Tip | None
    tip: Tip
    version: int
    # Slots left with no active tip to send (after a retirement): the admin should know.
    starved_slots: tuple[Slot, ...] = ()


def list_tips(
    database: Database, category: str, page: int, per_page: int = TIPS_PER_PAGE
) -> tuple[list[Tip], int, int]:
    """One page of a category's tips (active first, then retired): (tips, page, pages)."""
    tips = [t for t in db.load_tips(database) if t.category == category]
    tips.sort(key=lambda t: (not t.active, t.title.casefold(), t.id))
    pages = max(1, -(-len(tips) // per_page))
    page = min(max(page, 0), pages - 1)
    return tips[page * per_page : (page + 1) * per_page], page, pages


def parse_tip_message(text: str) -> tuple[str, str]:
    """An admin's tip message: the first line is the title, the rest the body."""
    title, _, body = text.strip().partition("\n")
    return title.strip(), body.strip()


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def new_tip_id(category: str, title: str, taken: set[str]) -> str:
    """A unique id from the category and the title, in the files' style (``warm-up-ankle-
    circles``), at most 63 characters."""
    stem = f"{_slug(category)}-{_slug(title) or 'tip'}"[:56].strip("-")
    for n in range(1, 10_000):
        candidate = stem if n == 1 else f"{stem}-{n}"
        if candidate not in taken:
            return candidate
    raise AdminError("could not find a free id for this tip")


def _category_emoji(tips: Iterable[Tip], category: str) -> str:
    """The symbol the category's titles start with (e.g. "🔥" for warm-ups), if they share one."""
    firsts = {t.title.split(" ", 1)[0] for t in tips if t.category == category and " " in t.title}
    if len(firsts) == 1:
        symbol = next(iter(firsts))
        if all(unicodedata.category(ch)[0] in "SM" or ch == "\u200d" for ch in symbol):
            return symbol
    return ""


def _starts_with_symbol(title: str) -> bool:
    return bool(title) and unicodedata.category(title[0]).startswith("S")


def _check_tip(tip: Tip) -> None:
    problems = content.validate_tip(tip, where="message")
    if problems:
        raise AdminError(problems)


def _starved(database: Database, category: str) -> tuple[Slot, ...]:
    """Enabled slots that rotate through `category` and now have no active tip at all."""
    active = {t.category for t in db.load_tips(database, active_only=True)}
    return tuple(
        s
        for s in db.load_slots(database)
        if s.enabled and category in s.categories and not any(c in active for c in s.categories)
    )


def add_tip(
    database: Database, category: str, title: str, body: str, *, admin_id: int, now: dt.datetime
) -> TipChange:
    """A new active tip: validated exactly as a tip in the files; its id is made from the
    category and title. Titles get the category's symbol, like the tips in the files."""
    with db.immediate(database):
        existing = db.load_tips(database)
        emoji = _category_emoji(existing, category)
        if emoji and not _starts_with_symbol(title):
            title = f"{emoji} {title}"
        tip_id = new_tip_id(category, title, {t.id for t in existing})
        tip = Tip(id=tip_id, category=category, title=title, body=body)
        _check_tip(tip)
        db.save_tips(database, [db.tip_to_row(tip, version=1, updated_by=admin_id, now=_ts(now))])
        _audit(database, admin_id, now, "tip_add", f"tip {tip_id}", None, tip_doc(tip, 1))
    return TipChange(None, tip, 1)


def _change_tip(
    database: Database,
    tip_id: str,
    change: Callable[[Tip], Tip],
    action: str,
    *,
    admin_id: int,
    now: dt.datetime,
) -> TipChange:
    with db.immediate(database):
        before = db.get_tip(database, tip_id)
        if before is None:
            raise AdminError(f"there is no tip {tip_id!r} any more")
        version = db.tip_versions(database).get(tip_id, 1)
        after = change(before)
        _check_tip(after)
        if after == before:
            return TipChange(before, after, version)
        db.save_tips(
            database, [db.tip_to_row(after, version=version + 1, updated_by=admin_id, now=_ts(now))]
        )
        _audit(
            database,
            admin_id,
            now,
            action,
            f"tip {tip_id}",
            tip_doc(before, version),
            tip_doc(after, version + 1),
        )
        starved = _starved(database, after.category) if not after.active else ()
    return TipChange(before, after, version + 1, starved)


def edit_tip(
    database: Database, tip_id: str, title: str, body: str, *, admin_id: int, now: dt.datetime
) -> TipChange:
    """New title and body (why, source and category stay)."""

    def change(tip: Tip) -> Tip:
        new_title = title
        emoji = _category_emoji([tip], tip.category) if _starts_with_symbol(tip.title) else ""
        if emoji and not _starts_with_symbol(new_title):
            new_title = f"{emoji} {new_title}"
        return replace(tip, title=new_title, body=body)

    return _change_tip(database, tip_id, change, "tip_edit", admin_id=admin_id, now=now)


def retire_tip(database: Database, tip_id: str, *, admin_id: int, now: dt.datetime) -> TipChange:
    """Out of rotation, kept for history (deliveries point at it)."""
    return _change_tip(
        database,
        tip_id,
        lambda t: replace(t, active=False),
        "tip_retire",
        admin_id=admin_id,
        now=now,
    )


def reactivate_tip(
    database: Database, tip_id: str, *, admin_id: int, now: dt.datetime
) -> TipChange:
    return _change_tip(
        database,
        tip_id,
        lambda t: replace(t, active=True),
        "tip_reactivate",
        admin_id=admin_id,
        now=now,
    )


# ---------------------------------------------------------------------------------------------
# Re-import from schedules/


@dataclass(frozen=True)
class ImportDiff:
    slots_added: tuple[Slot, ...] = ()
    slots_changed: tuple[Slot, ...] = ()
    slots_disabled: tuple[Slot, ...] = ()  # in the database, not in the files: switched off
    tips_added: tuple[Tip, ...] = ()
    tips_changed: tuple[Tip, ...] = ()
    tips_retired: tuple[Tip, ...] = ()  # active in the database, not in the files: retired
    fingerprint: str = ""

    @property
    def empty(self) -> bool:
        return not (
            self.slots_added
            or self.slots_changed
            or self.slots_disabled
            or self.tips_added
            or self.tips_changed
            or self.tips_retired
        )


def diff_library(
    slots: Sequence[Slot], tips: Sequence[Tip], library: content.Library
) -> ImportDiff:
    """What applying `library` to the current plan and tips would change (pure)."""
    current_slots = {s.id: s for s in slots}
    file_slots = {s.id: s for s in library.slots}
    current_tips = {t.id: t for t in tips}
    file_tips = {t.id: t for t in library.tips}
    diff = ImportDiff(
        slots_added=tuple(s for s in library.slots if s.id not in current_slots),
        slots_changed=tuple(
            s for s in library.slots if s.id in current_slots and current_slots[s.id] != s
        ),
        slots_disabled=tuple(s for s in slots if s.id not in file_slots and s.enabled),
        tips_added=tuple(t for t in library.tips if t.id not in current_tips),
        tips_changed=tuple(
            t for t in library.tips if t.id in current_tips and current_tips[t.id] != t
        ),
        tips_retired=tuple(t for t in tips if t.id not in file_tips and t.active),
    )
    digest = hashlib.sha256()
    for group in (
        diff.slots_added,
        diff.slots_changed,
        diff.slots_disabled,
        diff.tips_added,
        diff.tips_changed,
        diff.tips_retired,
    ):
        digest.update(repr(group).encode())
        digest.update(b"\x00")
    return replace(diff, fingerprint=digest.hexdigest()[:12])


def reimport_diff(database: Database, directory: Path) -> ImportDiff:
    """Load and validate `directory` (raises ``content.ContentError``, changing nothing) and
    compare it with the database."""
    library = content.load_schedules(directory)
    return diff_library(db.load_slots(database), db.load_tips(database), library)


def reimport_apply(
    database: Database,
    directory: Path,
    fingerprint: str,
    *,
    admin_id: int,
    now: dt.datetime,
    grace: dt.timedelta = DEFAULT_GRACE,
) -> ImportDiff:
    """Apply the files, if they still give the diff the admin confirmed (`fingerprint`):
    upsert slots and tips, switch off slots and retire tips that are not in the files (never
    delete: deliveries refer to them), audit each change, and reschedule changed slots."""
    library = content.load_schedules(directory)
    now_ts = _ts(now)
    claim_due(database, now, grace=grace)
    with db.immediate(database):
        slots = db.load_slots(database)
        tips = db.load_tips(database)
        diff = diff_library(slots, tips, library)
        if diff.fingerprint != fingerprint:
            raise AdminError("the files or the plan changed since the preview: look again")
        if diff.empty:
            return diff
        # Slots take the files' order; the ones the files no longer have keep their place.
        positions = db.slot_positions(database)
        order = {s.id: i for i, s in enumerate(library.slots)}
        changed = (*diff.slots_added, *diff.slots_changed)
        disabled = tuple(replace(s, enabled=False) for s in diff.slots_disabled)
        db.save_slots(
            database,
            [
                db.slot_to_row(
                    s, order.get(s.id, positions.get(s.id, 0)), updated_by=admin_id, now=now_ts
                )
                for s in (*changed, *disabled)
            ],
        )
        versions = db.tip_versions(database)
        tip_rows = [
            db.tip_to_row(t, version=versions.get(t.id, 0) + 1, updated_by=admin_id, now=now_ts)
            for t in (*diff.tips_added, *diff.tips_changed)
        ]
        tip_rows += [
            db.tip_to_row(
                replace(t, active=False),
                version=versions.get(t.id, 1) + 1,
                updated_by=admin_id,
                now=now_ts,
            )
            for t in diff.tips_retired
        ]
        db.save_tips(database, tip_rows)
        old_slots = {s.id: s for s in slots}
        old_tips = {t.id: t for t in tips}
        for slot in (*diff.slots_added, *diff.slots_changed):
            before = old_slots.get(slot.id)
            _audit(
                database,
                admin_id,
                now,
                "reimport_slot",
                f"slot {slot.id}",
                slot_doc(before) if before else None,
                slot_doc(slot),
            )
        for slot in diff.slots_disabled:
            _audit(
                database,
                admin_id,
                now,
                "reimport_slot",
                f"slot {slot.id}",
                slot_doc(slot),
                slot_doc(replace(slot, enabled=False)),
            )
        for tip in (*diff.tips_added, *diff.tips_changed):
            before_tip = old_tips.get(tip.id)
            _audit(
                database,
                admin_id,
                now,
                "reimport_tip",
                f"tip {tip.id}",
                tip_doc(before_tip) if before_tip else None,
                tip_doc(tip),
            )
        for tip in diff.tips_retired:
            _audit(
                database,
                admin_id,
                now,
                "reimport_tip",
                f"tip {tip.id}",
                tip_doc(tip),
                tip_doc(replace(tip, active=False)),
            )
        _audit(database, admin_id, now, "reimport", str(directory), None, _diff_counts(diff))
        for slot in (*changed, *disabled):
            _reschedule_slot(database, slot, now)
    return diff


def _diff_counts(diff: ImportDiff) -> dict[str, int]:
    return {
        "slots_added": len(diff.slots_added),
        "slots_changed": len(diff.slots_changed),
        "slots_disabled": len(diff.slots_disabled),
        "tips_added": len(diff.tips_added),
        "tips_changed": len(diff.tips_changed),
        "tips_retired": len(diff.tips_retired),
    }


# ---------------------------------------------------------------------------------------------
# Stats (counts only: never a runner's answers or identity)


@dataclass(frozen=True)
class Stats:
    runners: dict[str, int]
    sent_today: int
    sent_week: int
    dropped_today: int
    dropped_week: int
    checkins_week: int
    escalations_week: dict[int, int]  # verdict level (2 and up) -> count
    tips_week: int
    done_week: int

    @property
    def done_rate(self) -> float | None:
        return self.done_week / self.tips_week if self.tips_week else None


def stats(database: Database, now: dt.datetime) -> Stats:
    """Counts for today and this week (UTC days; the week starts on Monday)."""
    day = dt.datetime.combine(now.astimezone(dt.UTC).date(), dt.time(0, 0), dt.UTC)
    week = day - dt.timedelta(days=day.weekday())
    day_ts, week_ts = _ts(day), _ts(week)
    # Rows that count this week were written at most a couple of days before it began
    # (grace periods, retries, check-ins answered late), so start reading there.
    first_delivery = db.first_id_since(database, "deliveries", "created_at", week_ts - 2 * 86400)
    first_checkin = db.first_id_since(database, "checkins", "asked_at", week_ts - 5 * 86400)
    counts = db.delivery_stats(
        database, first_id=first_delivery, day_start=day_ts, week_start=week_ts
    )
    answered, escalations = db.checkin_stats(database, first_id=first_checkin, week_start=week_ts)
    runners = {status.value: 0 for status in RunnerStatus}
    runners.update(db.count_runners_by_status(database))
    return Stats(
        runners=runners,
        sent_today=counts["sent_today"],
        sent_week=counts["sent_week"],
        dropped_today=counts["dropped_today"],
        dropped_week=counts["dropped_week"],
        checkins_week=answered,
        escalations_week=escalations,
        tips_week=counts["tips_week"],
        done_week=counts["done_week"],
    )


# ---------------------------------------------------------------------------------------------
# Audit


@dataclass(frozen=True)
class AuditEntry:
    id: int
    admin_id: int | None
    at: dt.datetime
    action: str
    target: str
    summary: str


def _short(value: Any, limit: int = 40) -> str:
    if isinstance(value, dict):
        text = ", ".join(f"{k} {v}" for k, v in value.items())
    elif isinstance(value, list):
        text = ", ".join(str(v) for v in value) or "none"
    elif isinstance(value, bool):
        text = "yes" if value else "no"
    else:
        text = str(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def summarise_change(before: Any, after: Any) -> str:
    """A short, plain-text line saying what changed between two audit documents."""
    if isinstance(before, dict) and isinstance(after, dict):
        parts = []
        for key in sorted(set(before) | set(after)):
            if key in ("id", "version") or before.get(key) == after.get(key):
                continue
            if key in ("body", "why", "source"):
                parts.append(f"{key} changed")
            else:
                parts.append(f"{key}: {_short(before.get(key))} → {_short(after.get(key))}")
        return "; ".join(parts) or "no change"
    if before is None and isinstance(after, dict):
        if "title" in after:
            return f"new: {_short(after['title'])}"
        return _short(after, 80)
    if after is None:
        return "removed"
    return _short(after, 80)


def audit_list(database: Database, limit: int = 20) -> list[AuditEntry]:
    entries = []
    for row in db.recent_audit(database, limit):
        before = json.loads(row["before"]) if row["before"] else None
        after = json.loads(row["after"]) if row["after"] else None
        entries.append(
            AuditEntry(
                id=row["id"],
                admin_id=row["admin_id"],
                at=dt.datetime.fromtimestamp(row["at"], dt.UTC),
                action=row["action"],
                target=row["target"] or "",
                summary=summarise_change(before, after),
            )
        )
    return entries


# ---------------------------------------------------------------------------------------------
# Announcements


@dataclass(frozen=True)
class Announcement:
    number: int
    slot_id: str
    queued: int
    first_id: int
    last_id: int
    at: int
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def pending(self) -> int:
        return self.counts.get("pending", 0) + self.counts.get("sending", 0)

    @property
    def sent(self) -> int:
        return self.counts.get("sent", 0)


def validate_announcement(text: str) -> list[str]:
    """Problems with an announcement's text (Telegram HTML, at most 4000 characters)."""
    problems = []
    if not content.plain_text(text).strip():
        problems.append("the message is empty")
    if len(text) > ANNOUNCEMENT_MAX:
        problems.append(f"{len(text)} characters, at most {ANNOUNCEMENT_MAX}")
    problem = content.telegram_html_problem(text)
    if problem:
        problems.append(f"invalid HTML: {problem}")
    return problems


def announcement_reach(database: Database) -> int:
    return db.count_active_runners(database)


def _announcement_key(number: int) -> str:
    return f"admin:announcement:{number}"


def _load_announcement(database: Database, number: int) -> Announcement | None:
    raw = db.get_meta(database, _announcement_key(number))
    if raw is None:
        return None
    data = json.loads(raw)
    return Announcement(
        number=number,
        slot_id=ANNOUNCE_SLOT.format(n=number),
        queued=data["queued"],
        first_id=data["first"],
        last_id=data["last"],
        at=data["at"],
    )


def queue_announcement(
    database: Database, text: str, *, admin_id: int, now: dt.datetime
) -> Announcement:
    """Queue `text` for every active runner in the outbox, in one INSERT, behind escalations
    and reminders (priority ANNOUNCEMENT_PRIORITY): the sender paces it."""
    problems = validate_announcement(text)
    if problems:
        raise AdminError(problems)
    now_ts = _ts(now)
    with db.immediate(database):
        number = int(db.get_meta(database, "admin:announcements") or 0) + 1
        slot_id = ANNOUNCE_SLOT.format(n=number)
        queued, first, last = db.queue_to_active_runners(
            database,
            slot_id=slot_id,
            kind=ANNOUNCE_KIND,
            priority=ANNOUNCEMENT_PRIORITY,
            payload=json.dumps({"text": text}, ensure_ascii=False),
            now=now_ts,
        )
        db.set_meta(database, "admin:announcements", str(number))
        record = {"queued": queued, "first": first, "last": last, "at": now_ts}
        db.set_meta(database, _announcement_key(number), json.dumps(record))
        _audit(
            database,
            admin_id,
            now,
            "announce",
            slot_id,
            None,
            {"text": content.plain_text(text)[:200], "runners": queued},
        )
    return Announcement(number, slot_id, queued, first, last, now_ts, {"pending": queued})


def announcement_progress(database: Database, number: int) -> Announcement | None:
    found = _load_announcement(database, number)
    if found is None:
        return None
    counts = db.delivery_counts_in_range(database, found.slot_id, found.first_id, found.last_id)
    return replace(found, counts=counts)


def recent_announcements(database: Database, limit: int = 3) -> list[Announcement]:
    latest = int(db.get_meta(database, "admin:announcements") or 0)
    found = []
    for number in range(latest, max(0, latest - limit), -1):
        progress = announcement_progress(database, number)
        if progress is not None:
            found.append(progress)
    return found


def cancel_announcement(
    database: Database, number: int, *, admin_id: int, now: dt.datetime
) -> Announcement | None:
    """Stop what has not gone out yet: pending rows are dropped (reason "cancelled")."""
    with db.immediate(database):
        found = _load_announcement(database, number)
        if found is None:
            return None
        dropped = db.drop_pending_in_range(
            database, found.slot_id, found.first_id, found.last_id, "cancelled"
        )
        if dropped:
            _audit(
                database,
                admin_id,
                now,
                "announce_cancel",
                found.slot_id,
                None,
                {"dropped": dropped},
            )
        counts = db.delivery_counts_in_range(database, found.slot_id, found.first_id, found.last_id)
    return replace(found, counts={**counts, "cancelled": dropped})


# ---------------------------------------------------------------------------------------------
# Drafts: what an admin is typing (kept in the database, so a restart loses nothing)


def _draft_key(admin_id: int) -> str:
    return f"admin:draft:{admin_id}"


def save_draft(database: Database, admin_id: int, draft: dict[str, Any], now: dt.datetime) -> None:
    db.set_meta(database, _draft_key(admin_id), json.dumps({**draft, "at": _ts(now)}))


def load_draft(database: Database, admin_id: int, now: dt.datetime) -> dict[str, Any] | None:
    """The admin's draft, or None if there is none or it is older than DRAFT_TTL."""
    raw = db.get_meta(database, _draft_key(admin_id))
    if raw is None:
        return None
    draft: dict[str, Any] = json.loads(raw)
    if _ts(now) - int(draft.get("at", 0)) > DRAFT_TTL.total_seconds():
        return None
    return draft


def clear_draft(database: Database, admin_id: int) -> None:
    db.set_meta(database, _draft_key(admin_id), None)


# ---------------------------------------------------------------------------------------------
# Export


def export_schedules(database: Database, directory: Path) -> list[Path]:
    """Write the live plan and tip library as ``plan.yaml`` and ``tips/<category>.yaml`` under
    `directory`, in the same format as schedules/. Returns the files written."""
    directory = Path(directory)
    (directory / content.TIPS_DIR).mkdir(parents=True, exist_ok=True)
    written = [directory / content.PLAN_FILE]
    written[0].write_text(content.dump_plan(db.load_slots(database)), encoding="utf-8")
    tips = db.load_tips(database)
    categories = [c for c in TIP_CATEGORIES if any(t.category == c for t in tips)]
    for category in categories:
        path = directory / content.TIPS_DIR / f"{category}.yaml"
        mine = [t for t in tips if t.category == category]
        path.write_text(content.dump_tips(category, mine), encoding="utf-8")
        written.append(path)
    return written


def plan_for_preview(database: Database) -> list[Slot]:
    """The enabled plan plus the built-in slots, as the tick sees it."""
    return [s for s in plan_slots(database) if s.enabled]
