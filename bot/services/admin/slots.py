"""Slots: list, edit, add and preview the plan; reschedule the runners a slot edit affects.

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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from bot.core import content
from bot.core.models import (
    TIP_CATEGORIES,
    Anchor,
    AnchorKind,
    Days,
    DaysKind,
    Runner,
    RunnerStatus,
    Slot,
    SlotKind,
)
from bot.core.planner import next_due, zone
from bot.services.admin.audit import _audit, slot_doc
from bot.services.admin.common import DEFAULT_GRACE, AdminError, _ts
from bot.services.delivery import WEEKLY_SUMMARY, claim_due, plan_slots
from bot.storage import content as content_db
from bot.storage import outbox as outbox_db
from bot.storage import runners as runners_db
from bot.storage import schedule as schedule_db
from bot.storage import store

__all__ = [
    "PREVIEW_RUNNER",
    "SlotChange",
    "SlotView",
    "add_slot",
    "list_slots",
    "new_slot_options",
    "plan_for_preview",
    "preview_days",
    "replan_slot",
    "set_slot_anchor",
    "set_slot_days",
    "set_slot_weekly",
    "toggle_slot",
]

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
    reach = schedule_db.slot_reach(database)
    return [SlotView(slot, reach.get(slot.id, 0)) for slot in content_db.load_slots(database)]


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
        cleared = schedule_db.clear_slot_schedule(database, slot.id)
        return cleared + outbox_db.drop_pending_slot(database, slot.id, "slot_disabled")
    now_ts = _ts(now)
    existing = schedule_db.slot_schedule(database, slot.id)
    runners = runners_db.live_runners(database)
    last = schedule_db.last_due_by_runner(
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
    schedule_db.upsert_slot_schedule(database, slot.id, updates)
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
    with store.immediate(database):
        before = content_db.get_slot(database, slot_id)
        if before is None:
            raise AdminError(f"there is no slot {slot_id!r} any more")
        after = change(before)
        _check_slot(after)
        if after == before:
            return SlotChange(before, after, 0, schedule_db.slot_reach(database).get(slot_id, 0))
        position = content_db.slot_positions(database).get(slot_id, 0)
        content_db.save_slots(
            database, [content_db.slot_to_row(after, position, updated_by=admin_id, now=_ts(now))]
        )
        _audit(
            database, admin_id, now, action, f"slot {slot_id}", slot_doc(before), slot_doc(after)
        )
        rescheduled = _reschedule_slot(database, after, now)
        reach = schedule_db.slot_reach(database).get(slot_id, 0)
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
    active = {t.category for t in content_db.load_tips(database, active_only=True)}
    categories = [c for c in TIP_CATEGORIES if c in active]
    has_check_in = any(s.kind is SlotKind.CHECK_IN for s in content_db.load_slots(database))
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
    with store.immediate(database):
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
        positions = content_db.slot_positions(database)
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
        content_db.save_slots(
            database, [content_db.slot_to_row(slot, position, updated_by=admin_id, now=_ts(now))]
        )
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


def plan_for_preview(database: Database) -> list[Slot]:
    """The enabled plan plus the built-in slots, as the tick sees it."""
    return [s for s in plan_slots(database) if s.enabled]
