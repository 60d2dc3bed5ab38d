"""The buttons under a reminder (Done, Snooze, Another tip) and /tip, one transaction each.

The handler parses the press, calls one of these and renders the returned ``ReminderAnswer``
(which toast, whether to drop the buttons, what to say)."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from bot.core.models import (
    REMINDER_PRIORITY,
    REPLY_PRIORITY,
    ROTATION_CATEGORIES,
    Delivery,
    SlotKind,
)
from bot.services import delivery, programme
from bot.services.delivery import HELD_KINDS
from bot.services.runners import live_runner
from bot.storage import content as content_db
from bot.storage import outbox as outbox_db
from bot.storage import runners as runners_db
from bot.storage import store

SNOOZE = dt.timedelta(hours=1)
LAST_SNOOZE_HOUR = 22  # a snooze may not land at or after 22:00 local time


class TipRequest(enum.StrEnum):
    NOT_LIVE = "not_live"
    HELD = "held"  # an exercise hold: no tips
    NO_TIPS = "no_tips"  # nothing to send
    ON_ITS_WAY = "on_its_way"  # the tip asked for a moment ago has not gone out yet
    QUEUED = "queued"


TIP_SLOT = "cmd_tip"


def request_tip(database: Database, *, chat_id: int, now: dt.datetime) -> TipRequest:
    """/tip: one tip from any category, now."""
    with store.immediate(database):
        runner = live_runner(database, chat_id)
        if runner is None:
            return TipRequest.NOT_LIVE
        if runner.exercise_hold:
            return TipRequest.HELD
        if outbox_db.waiting(database, chat_id, TIP_SLOT):
            return TipRequest.ON_ITS_WAY  # one at a time: a burst of /tip gets one tip
        queued = _queue_tip(database, chat_id, now, ROTATION_CATEGORIES, TIP_SLOT)
        return TipRequest.QUEUED if queued is not None else TipRequest.NO_TIPS


def _queue_tip(
    database: Database, runner_id: int, now: dt.datetime, categories: Sequence[str], slot_id: str
) -> int | None:
    """A tip the runner asked for (/tip, "Another tip"): at reply priority, now."""
    return delivery.queue_now(
        database,
        runner_id,
        kind=SlotKind.TIP.value,
        now=now,
        priority=REPLY_PRIORITY,
        categories=categories,
        slot_id=slot_id,
    )


class Answer(enum.StrEnum):
    STALE = "stale"  # forged, foreign or gone: the stale-button toast
    DONE = "done"  # marked done now
    ALREADY_DONE = "already_done"
    HELD = "held"  # Snooze on a tip during an exercise hold: alert, drop the buttons
    TOO_LATE = "too_late"  # the snooze would land tomorrow or after 22:00: alert
    SNOOZED = "snoozed"  # toast with the local time; buttons dropped if it was queued
    MORE_HELD = "more_held"  # Another tip during an exercise hold: drop buttons, say why
    MORE = "more"  # another tip queued (or none left: no_tips)


@dataclass(frozen=True)
class ReminderAnswer:
    answer: Answer
    local_time: dt.datetime | None = None  # SNOOZED: when it comes back, local time
    queued: bool = False  # SNOOZED / MORE: a message was queued
    wake: bool = False  # the sender should look at the outbox now
    notes: tuple[str, ...] = ()  # DONE on a session: what changed in the programme


def press(
    database: Database,
    *,
    chat_id: int | None,
    delivery_id: int | None,
    action: str,
    now: dt.datetime,
) -> ReminderAnswer:
    """A button under a reminder, checked against the delivery it came with."""
    if delivery_id is None or action not in ("done", "snooze", "more"):
        return ReminderAnswer(Answer.STALE)
    with store.immediate(database):
        row = outbox_db.get_delivery(database, delivery_id)
        # A forged or foreign id: the delivery must be one we sent to this very chat.
        # ("sending": the message is out but its outcome is not recorded yet.)
        if row is None or row.runner_id != chat_id or row.status not in ("sent", "sending"):
            return ReminderAnswer(Answer.STALE)
        runner_id = int(row.runner_id)
        if action == "done":
            fresh = outbox_db.mark_done(database, row.id, runner_id, int(now.timestamp()))
            if not fresh:
                return ReminderAnswer(Answer.ALREADY_DONE)
            changes = programme.session_done(database, row, now)
            return ReminderAnswer(Answer.DONE, notes=tuple(changes))
        if action == "snooze":
            return _snooze(database, row, runner_id, now)
        if runners_db.on_exercise_hold(database, runner_id):
            return ReminderAnswer(Answer.MORE_HELD)
        tip = content_db.get_tip(database, row.tip_id) if row.tip_id else None
        categories = (tip.category,) if tip else ROTATION_CATEGORIES
        queued = _queue_tip(database, runner_id, now, categories, f"more:{row.slot_id}"[:64])
        return ReminderAnswer(Answer.MORE, queued=queued is not None, wake=True)


def _snooze(database: Database, row: Delivery, runner_id: int, now: dt.datetime) -> ReminderAnswer:
    runner = runners_db.get_runner(database, runner_id)
    if runner is None:
        return ReminderAnswer(Answer.STALE)
    if row.kind in HELD_KINDS and runner.exercise_hold:
        return ReminderAnswer(Answer.HELD)
    at = now + SNOOZE
    zone = ZoneInfo(runner.timezone)
    local = at.astimezone(zone)
    if local.date() != now.astimezone(zone).date() or local.hour >= LAST_SNOOZE_HOUR:
        return ReminderAnswer(Answer.TOO_LATE)
    queued = delivery.queue_now(
        database,
        runner_id,
        kind=row.kind,
        now=now,
        at=at,
        priority=REMINDER_PRIORITY,
        payload=_snoozed_payload(row),
        slot_id=f"snooze:{row.slot_id}"[:64],
    )
    return ReminderAnswer(Answer.SNOOZED, local_time=local, queued=queued is not None)


def _snoozed_payload(row: Delivery) -> dict[str, object] | None:
    """What the snoozed copy carries: the same tip, or the same session and its why-now."""
    carried: dict[str, object] = dict(row.payload_data()) if row.payload else {}
    carried.pop("why", None)  # "your run is in 30 minutes" is no longer true an hour later
    if row.tip_id:
        carried["tip_id"] = row.tip_id
    return carried or None
