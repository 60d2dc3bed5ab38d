"""Delivery use cases: the tick's claim that fills the outbox, on-demand messages, rendering.

The database is the source of truth and APScheduler is only a clock (DESIGN.md):

* ``claim_due`` (one transaction per batch, on the db thread): take ``schedule`` rows whose
  ``next_due`` has passed, write their outbox rows (unique on runner, slot, instant, so a
  second tick or a second process cannot queue the same reminder twice), pick the tip by
  rotation, and advance ``next_due`` with the planner. Reminders later than the grace period
  are written as ``dropped`` instead: recorded, never sent at a silly hour.
* the sender (``bot.telegram.sender``) empties the outbox most-urgent-first.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from bot.core import advice, coaching, i18n, keyboards, programme, progress, texts
from bot.core.escalation import MAX_FOLLOW_UPS
from bot.core.i18n import N_
from bot.core.models import (
    EDUCATION_CATEGORY,
    REMINDER_PRIORITY,
    SUMMARY_PRIORITY,
    TIP_CATEGORIES,
    Anchor,
    AnchorKind,
    Days,
    DaysKind,
    Delivery,
    Runner,
    Slot,
    SlotKind,
    Tip,
)
from bot.core.planner import next_due, next_due_all
from bot.core.rotation import pick_tip, tips_by_category
from bot.core.triage import Level
from bot.services import languages
from bot.storage import admin as admin_db
from bot.storage import checkins as checkins_db
from bot.storage import content as content_db
from bot.storage import outbox as outbox_db
from bot.storage import programme as programme_db
from bot.storage import runners as runners_db
from bot.storage import schedule as schedule_db
from bot.storage import store

log = logging.getLogger(__name__)

# With back-off doubling from 0.5 s up to 5 min, 12 attempts span about 20 minutes.
MAX_ATTEMPTS = 12
ON_DEMAND_SLOT = "on_demand"
FOLLOW_UP = "follow_up"  # outbox kind: the day-after question following an escalation
VERDICT = "verdict"  # outbox kind: a verdict the tick's sweep sends for an unfinished check-in
RETURN_OFFER = "return_offer"  # outbox kind: the return-to-run plan, offered
RETURN_MORNING = "return_morning"  # outbox kind: "settled by this morning?" after a plan step
# Safety messages are sent late rather than never: the grace period does not drop them. The
# return-to-run morning question too: a step waits on its answer.
NEVER_LATE_KINDS = frozenset({FOLLOW_UP, VERDICT, RETURN_MORNING})
CHECK_IN_EXPIRY = dt.timedelta(hours=12)
# What an exercise hold keeps back even when already leased (see storage drop_held_content):
# exercise, education and the return-to-run plan's messages.
HELD_KINDS = frozenset(
    {
        SlotKind.TIP.value,
        SlotKind.SESSION.value,
        SlotKind.EDUCATION.value,
        RETURN_OFFER,
        RETURN_MORNING,
    }
)

# Built into every plan (not in plan.yaml): each runner's weekly summary on their chosen day.
WEEKLY_SUMMARY = Slot(
    id="weekly_summary",
    kind=SlotKind.SUMMARY,
    anchor=Anchor(AnchorKind.FIXED, 0, dt.time(18, 0)),
    days=Days(DaysKind.SUMMARY_DAY),
    # Translators: a message the runner gets every week, in the list of what comes next.
    title=N_("Weekly summary"),
)


def plan_slots(database: Database) -> list[Slot]:
    """The plan as admins edit it, plus the built-in slots."""
    return [*content_db.load_slots(database), WEEKLY_SUMMARY]


@dataclass(frozen=True)
class ClaimResult:
    queued: int
    dropped: int
    advanced: int


# ---------------------------------------------------------------------------------------------
# Claiming (runs on the db thread)


def _ts(value: dt.datetime | None) -> int | None:
    return None if value is None else int(value.timestamp())


def schedule_runner(database: Database, runner_id: int, now: dt.datetime) -> dict[str, int | None]:
    """Recompute one runner's next due instants from scratch (after a settings change)."""
    runner = runners_db.get_runner(database, runner_id)
    if runner is None:
        return {}
    slots = [s for s in plan_slots(database) if s.enabled]
    due = {slot_id: _ts(at) for slot_id, at in next_due_all(slots, runner, now).items()}
    schedule_db.replace_schedule(database, runner_id, due)
    return due


# meta: the plan (enabled slot ids) every runner's schedule was last found complete for, and when.
SCHEDULES_COMPLETE = "schedule:complete"
# Runners changed this long before the last check are looked at again (a clock step back).
RECHECK_MARGIN = dt.timedelta(days=1)


def _plan_version(database: Database) -> str:
    return ",".join(sorted(s.id for s in plan_slots(database) if s.enabled))


def mark_schedules_complete(database: Database, now: dt.datetime) -> None:
    """Record that every live runner has a schedule row for every enabled slot of the plan
    as it is now (after a check, or after a bulk import that planned everyone)."""
    record = {"plan": _plan_version(database), "at": int(now.timestamp())}
    admin_db.set_meta(database, SCHEDULES_COMPLETE, json.dumps(record))


def schedule_missing(database: Database, now: dt.datetime) -> int:
    """At start-up: give runners a schedule row for every enabled slot they lack.

    Admin edits to the plan reschedule in their own transaction, so rows go missing only when
    the plan changed outside the bot (new schedule files seeded) or a process stopped between
    saving a runner's profile and planning it. With the plan unchanged since the last check,
    only the runners whose row changed since then are looked at (an index range on
    ``updated_at``) instead of every runner against every slot: at a million runners that is
    the difference between milliseconds and seconds of start-up."""
    stored = admin_db.get_meta(database, SCHEDULES_COMPLETE)
    last = json.loads(stored) if stored else None
    since: int | None = None
    if isinstance(last, dict) and last.get("plan") == _plan_version(database):
        since = int(last.get("at", 0)) - int(RECHECK_MARGIN.total_seconds())
    runner_ids = schedule_db.runners_missing_schedule(database, changed_since=since)
    with database.atomic():
        for runner_id in runner_ids:
            schedule_runner(database, runner_id, now)
        mark_schedules_complete(database, now)
    return len(runner_ids)


# Rows per claim transaction: about 50 ms of the database thread at a million runners, so a
# reply's database work queued meanwhile waits at most that long (the tick runs each batch as
# its own job on the thread).
CLAIM_BATCH = 1000
MAX_CLAIM_ROWS = 100_000  # per tick: the rest is claimed by the next tick


@dataclass(frozen=True)
class ClaimPlan:
    """What a tick's claim batches share: the plan's slots, the active tip library (by
    category, in the files' order), each session slot's families and the education order."""

    slots: dict[str, Slot]
    library: dict[str, list[Tip]]
    families: dict[str, programme.Families] = field(default_factory=dict)
    education: tuple[Tip, ...] = ()


def claim_plan(database: Database) -> ClaimPlan:
    slots = {s.id: s for s in plan_slots(database)}
    tips = content_db.load_tips(database)
    ordered = sorted(tips, key=_library_order)
    families = {
        slot.id: programme.families_of(ordered, slot.categories)
        for slot in slots.values()
        if slot.kind is SlotKind.SESSION
    }
    education = tuple(t for t in ordered if t.category == EDUCATION_CATEGORY and t.active)
    return ClaimPlan(slots, tips_by_category(tips), families, education)


def _library_order(tip: Tip) -> tuple[int, int, str]:
    category = TIP_CATEGORIES.index(tip.category) if tip.category in TIP_CATEGORIES else 99
    return category, tip.position, tip.id


def claim_batch(
    database: Database,
    now: dt.datetime,
    plan: ClaimPlan,
    *,
    grace: dt.timedelta,
    batch_size: int = CLAIM_BATCH,
) -> ClaimResult:
    """Turn up to `batch_size` due schedule rows into outbox rows, in one transaction.
    ``advanced`` 0: nothing was due."""
    with store.immediate(database):
        due_rows = schedule_db.due_schedule(database, int(now.timestamp()), batch_size)
        if not due_rows:
            return ClaimResult(queued=0, dropped=0, advanced=0)
        queued, dropped = _claim_batch(
            database,
            due_rows,
            plan.slots,
            plan.library,
            now,
            grace,
            plan.families,
            plan.education,
        )
    return ClaimResult(queued=queued, dropped=dropped, advanced=len(due_rows))


def add_claims(total: ClaimResult, batch: ClaimResult) -> ClaimResult:
    return ClaimResult(
        queued=total.queued + batch.queued,
        dropped=total.dropped + batch.dropped,
        advanced=total.advanced + batch.advanced,
    )


def claim_due(
    database: Database,
    now: dt.datetime,
    *,
    grace: dt.timedelta,
    batch_size: int = CLAIM_BATCH,
    max_rows: int = MAX_CLAIM_ROWS,
) -> ClaimResult:
    """Turn every due schedule row into an outbox row, in batches, each batch one transaction
    (all in this call; the tick runs ``claim_batch`` itself, one database job per batch)."""
    plan = claim_plan(database)
    total = ClaimResult(queued=0, dropped=0, advanced=0)
    while total.advanced < max_rows:
        batch = claim_batch(database, now, plan, grace=grace, batch_size=batch_size)
        if not batch.advanced:
            break
        # Loop until nothing is due: a row advanced past a dropped instant may be due again
        # (still within grace) and should go out in this tick, not the next.
        total = add_claims(total, batch)
    return total


def _claim_batch(
    database: Database,
    due_rows: list[tuple[int, str, int]],
    slots: dict[str, Slot],
    library: dict[str, list[Tip]],
    now: dt.datetime,
    grace: dt.timedelta,
    plan_families: dict[str, programme.Families] | None = None,
    education: Sequence[Tip] = (),
) -> tuple[int, int]:
    now_ts = int(now.timestamp())
    oldest_allowed = now_ts - int(grace.total_seconds())
    runner_ids = [r for r, _slot, _due in due_rows]
    found = runners_db.runners_by_id(database, runner_ids)
    counts = schedule_db.rotation_counts(database, runner_ids)
    before = dict(counts)
    programme_work = _ProgrammeWork(database, due_rows, slots)
    outbox: list[outbox_db.NewDelivery] = []
    updates: list[tuple[int, str, int | None]] = []
    for runner_id, slot_id, due in due_rows:
        slot = slots.get(slot_id)
        runner = found.get(runner_id)
        if slot is None or not slot.enabled or runner is None:
            updates.append((runner_id, slot_id, None))
            continue
        priority = SUMMARY_PRIORITY if slot.kind is SlotKind.SUMMARY else REMINDER_PRIORITY
        entry = outbox_db.NewDelivery(
            runner_id, slot_id, due, slot.kind.value, priority, created_at=now_ts
        )
        if due < oldest_allowed:
            entry.status, entry.reason = "dropped", "late"
        elif slot.kind is SlotKind.TIP:
            tip = pick_tip(runner_id, slot.categories, library, counts, f"slot:{slot.id}")
            if tip is None:
                entry.status, entry.reason = "dropped", "no_tip"
            else:
                entry.tip_id = tip.id
                entry.payload = _why_now(slot, runner, due)
        elif slot.kind is SlotKind.SESSION:
            turn = counts.get((runner_id, f"slot:{slot.id}"), 0)
            counts[(runner_id, f"slot:{slot.id}")] = turn + 1
            session = programme_work.session(runner, slot, due, turn, plan_families)
            if session is None:
                entry.status, entry.reason = "dropped", "no_tip"
            else:
                entry.tip_id, entry.payload = session
        elif slot.kind is SlotKind.EDUCATION:
            lesson = programme_work.lesson(runner_id, education)
            if lesson is None:
                # Every lesson sent: nothing to record, the slot just moves on.
                updates.append((runner_id, slot_id, _ts(next_due(slot, runner, now))))
                continue
            entry.tip_id = lesson.id
            entry.payload = json.dumps({"n": lesson.n, "of": lesson.total})
        outbox.append(entry)
        # Advance from the due instant, but never to an instant already beyond the grace
        # period: after long downtime the runner gets what is still timely, not a backlog.
        after = dt.datetime.fromtimestamp(max(due, oldest_allowed), dt.UTC)
        updates.append((runner_id, slot_id, _ts(next_due(slot, runner, after))))
    queued = outbox_db.insert_deliveries(database, [e for e in outbox if e.status == "pending"])
    dropped = outbox_db.insert_deliveries(database, [e for e in outbox if e.status != "pending"])
    programme_work.save(now_ts)
    schedule_db.advance_schedule(database, updates)
    schedule_db.save_rotation(database, {k: v for k, v in counts.items() if before.get(k) != v})
    return queued, dropped


def _why_now(slot: Slot, runner: Runner, due: int) -> str | None:
    """What a tip's first lines say about why it comes now, stored with the row so the sender
    renders without looking anything up: the run it warms up for (minutes before it, its local
    time) and the return-to-run step. Stored as data, not words: the claim writes for many
    runners at once, and the words are written at send time in the runner's language
    (:func:`why_now_text`)."""
    anchor = slot.anchor
    if anchor.kind is not AnchorKind.RUN_TIME or anchor.offset_minutes >= 0:
        return None
    minutes = -anchor.offset_minutes
    run_at = dt.datetime.fromtimestamp(due + minutes * 60, dt.UTC)
    why: dict[str, int | str] = {
        "soon": minutes,
        "at": coaching.clock(run_at.astimezone(ZoneInfo(runner.timezone))),
    }
    if runner.return_step:
        why["step"] = runner.return_step
    return json.dumps({"why": why})


def why_now_text(why: object) -> str:
    """A tip's why-now lines in the current language, from what :func:`_why_now` stored ("" for
    none). A row queued before the words moved to send time holds them already written."""
    if isinstance(why, str):
        return why
    if not isinstance(why, dict):
        return ""
    lines: list[str] = []
    minutes, at = why.get("soon"), why.get("at")
    if isinstance(minutes, int) and isinstance(at, str):
        lines.append(coaching.run_soon_line(minutes, dt.time.fromisoformat(at)))
        step = why.get("step")
        if isinstance(step, int) and step > 0:
            lines.append(coaching.return_step_line(step))
    return "\n".join(lines)


@dataclass
class _Lesson:
    id: str
    n: int
    total: int


class _ProgrammeWork:
    """The programme's reads and writes for one claim batch: levels of the runners with a
    session due, lessons already sent to those with an education slot due (one query each,
    only when the batch has such rows), and what the batch changes."""

    def __init__(
        self, database: Database, due_rows: list[tuple[int, str, int]], slots: dict[str, Slot]
    ) -> None:
        self.database = database
        kinds = {slot_id: slot.kind for slot_id, slot in slots.items()}
        session_runners = [r for r, s, _due in due_rows if kinds.get(s) is SlotKind.SESSION]
        lesson_runners = [r for r, s, _due in due_rows if kinds.get(s) is SlotKind.EDUCATION]
        self.levels = programme_db.levels_for(database, session_runners) if session_runners else {}
        self.sent = programme_db.education_sent(database, lesson_runners) if lesson_runners else {}
        self.started: list[tuple[int, str]] = []
        self.shown: list[tuple[int, str]] = []
        self.lessons: list[tuple[int, str]] = []

    def session(
        self,
        runner: Runner,
        slot: Slot,
        due: int,
        turn: int,
        plan_families: dict[str, programme.Families] | None,
    ) -> tuple[str, str] | None:
        """(first tip id, payload) of the session due, or None when there is nothing to do."""
        families = (plan_families or {}).get(slot.id)
        if families is None or not families.order:
            return None
        levels = self.levels.get(runner.chat_id, {})
        exercises = programme.session_exercises(families, levels, turn)
        if not exercises:
            return None
        weekday = dt.datetime.fromtimestamp(due, ZoneInfo(runner.timezone)).weekday()
        number = programme.session_number(runner.run_days, runner.strength_goal, weekday)
        for exercise in exercises:
            if exercise.family not in levels:
                self.started.append((runner.chat_id, exercise.family))
            elif exercise.previous is not None:
                self.shown.append((runner.chat_id, exercise.family))
        payload = {
            "n": number,
            "goal": runner.strength_goal,
            "x": [[e.family, e.tip_id, e.level, e.of, e.streak, e.previous] for e in exercises],
        }
        return exercises[0].tip_id, json.dumps(payload)

    def lesson(self, runner_id: int, education: Sequence[Tip]) -> _Lesson | None:
        sent = self.sent.setdefault(runner_id, set())
        tip = programme.next_education(education, sent)
        if tip is None:
            return None
        sent.add(tip.id)
        self.lessons.append((runner_id, tip.id))
        number = next(i for i, t in enumerate(education, start=1) if t.id == tip.id)
        return _Lesson(tip.id, number, len(education))

    def save(self, now: int) -> None:
        if self.started:
            programme_db.start_levels(self.database, self.started)
        if self.shown:
            programme_db.shown(self.database, self.shown)
        if self.lessons:
            programme_db.mark_education(self.database, self.lessons, now=now)


def queue_now(
    database: Database,
    runner_id: int,
    *,
    kind: str,
    now: dt.datetime,
    priority: int,
    categories: Sequence[str] = (),
    payload: dict[str, Any] | None = None,
    slot_id: str = ON_DEMAND_SLOT,
    at: dt.datetime | None = None,
) -> int | None:
    """Queue one message for now, or for `at` (/tip, "Another tip", a snooze). Returns its id."""
    due = int((at or now).timestamp())
    entry = outbox_db.NewDelivery(
        runner_id,
        slot_id,
        due,
        kind,
        priority,
        created_at=int(now.timestamp()),
        payload=json.dumps(payload) if payload else None,
        not_before=due,
    )
    with database.atomic():
        if kind in HELD_KINDS and runners_db.on_exercise_hold(database, runner_id):
            return None  # the last gate: no exercise content during an exercise hold
        if kind == SlotKind.TIP.value and "tip_id" not in (payload or {}):
            library = tips_by_category(content_db.load_tips(database, active_only=True))
            counts = schedule_db.rotation_counts(database, [runner_id])
            before = dict(counts)
            tip = pick_tip(runner_id, categories, library, counts, f"slot:{slot_id}")
            if tip is None:
                return None
            entry.tip_id = tip.id
            schedule_db.save_rotation(
                database, {k: v for k, v in counts.items() if before.get(k) != v}
            )
        elif payload and "tip_id" in payload:
            entry.tip_id = str(payload["tip_id"])
        return outbox_db.insert_now(database, entry)


# ---------------------------------------------------------------------------------------------
# Rendering


@functools.lru_cache(maxsize=1024)
def render_tip(tip: Tip) -> str:
    """A tip's HTML (cached: a broadcast renders the same few tips thousands of times; an
    edited tip is a new value, so it is rendered afresh)."""
    text = f"<b>{texts.esc(tip.title)}</b>\n\n{tip.body.strip()}"
    if tip.why:
        text += f"\n\n<i>{texts.esc(tip.why)}</i>"
    return text


Keyboard = dict[str, list[list[dict[str, str]]]]


def keyboard(rows: Sequence[Sequence[tuple[str, str]]]) -> Keyboard:
    """An inline keyboard in the Bot API's own JSON shape.

    Outbox sends go out as raw API calls (see ``Sender._send``), so the markup is built as
    plain data rather than PTB objects: cheaper at a thousand messages a second."""
    return {
        "inline_keyboard": [
            [{"text": text, "callback_data": data} for text, data in row] for row in rows
        ]
    }


def session_tip_ids(row: Delivery) -> list[str]:
    """The tips a session row needs rendered (its exercises)."""
    return [str(x[1]) for x in row.payload_data().get("x", [])]


def _exercises(row: Delivery) -> list[programme.Exercise]:
    return [
        programme.Exercise(
            str(f), str(t), int(lv), int(of), int(st), None if pv is None else int(pv)
        )
        for f, t, lv, of, st, pv in row.payload_data().get("x", [])
    ]


def render(
    row: Delivery,
    tip: Tip | None,
    summary: str | None = None,
    tips: dict[str, Tip] | None = None,
) -> tuple[str, Keyboard | None]:
    """Text and buttons for an outbox row (``tips``: a session's exercises by id)."""
    kind = row.kind
    if kind == SlotKind.TIP.value:
        if tip is None:
            raise LookupError("tip is gone")
        why = why_now_text(row.payload_data().get("why")) if row.payload else ""
        text = f"{why}\n\n{render_tip(tip)}" if why else render_tip(tip)
        return text, keyboard(keyboards.tip_rows(row.id))
    if kind == SlotKind.SESSION.value:
        exercises = _exercises(row)
        if not tips or not any(e.tip_id in tips for e in exercises):
            raise LookupError("the session's tips are gone")
        data = row.payload_data()
        text = coaching.session_text(
            exercises, tips, number=int(data.get("n") or 0), goal=int(data.get("goal") or 2)
        )
        return text, keyboard(keyboards.session_rows(row.id))
    if kind == SlotKind.EDUCATION.value:
        if tip is None:
            raise LookupError("tip is gone")
        data = row.payload_data()
        line = coaching.education_line(int(data.get("n") or 1), int(data.get("of") or 1))
        return f"{line}\n{render_tip(tip)}", None
    if kind == SlotKind.CHECK_IN.value:
        return texts.T.CHECKIN_PROMPT, keyboard(keyboards.pain_rows(row.id))
    if kind == SlotKind.SUMMARY.value:
        if summary is None:
            raise LookupError("no summary")
        return summary + texts.T.SUMMARY_FOOTER, None
    if kind == FOLLOW_UP:
        return follow_up_message(row.payload_data()), keyboard(keyboards.follow_up_rows(row.id))
    if kind == RETURN_OFFER:
        return coaching.T.RETURN_OFFER, keyboard(keyboards.return_offer_rows(row.id))
    if kind == RETURN_MORNING:
        step = int(row.payload_data().get("step") or 1)
        return coaching.return_morning_question(step), keyboard(
            keyboards.return_morning_rows(row.id)
        )
    payload = row.payload_data()
    buttons = payload.get("buttons")
    return str(payload.get("text", "")), keyboard(buttons) if buttons else None


def follow_up_message(payload: dict[str, Any]) -> str:
    """The daily follow-up's text, from what was stored when it was queued."""
    level = Level(int(payload.get("level") or Level.SEE_CLINICIAN))
    day = int(payload.get("day") or 1)
    text = advice.follow_up_question(level, country=payload.get("country"), day=day)
    if day >= MAX_FOLLOW_UPS:
        text += "\n\n" + advice.follow_up_last_message(level)
    return text


def weekly_summary(database: Database, runner_id: int, now: dt.datetime) -> str:
    """The weekly summary's text (db thread); see :func:`weekly_report`."""
    return progress.week_text(weekly_report(database, runner_id, now).report)


@dataclass(frozen=True)
class WeeklyReport:
    report: progress.WeekReport
    chart: bool  # the runner wants the week's picture with it


def weekly_report(database: Database, runner_id: int, now: dt.datetime) -> WeeklyReport:
    """What the weekly summary reports for the 7 local days ending today (db thread): strength
    sessions Done against the goal, runs checked in, 28 days of check-ins for the trend and the
    chart, level changes in the week, and the return-to-run step."""
    runner = runners_db.get_runner(database, runner_id)
    zone = ZoneInfo(runner.timezone if runner else "UTC")
    today = now.astimezone(zone).date()
    week_start = today - dt.timedelta(days=6)
    since = int(dt.datetime.combine(week_start, dt.time(0, 0), zone).timestamp())
    history = checkins_db.checkin_history(database, runner_id, today - dt.timedelta(days=27))
    # The exercises are named in the runner's language (the summary is written in it).
    families = programme.families_of(languages.tips_in(database, i18n.current()))
    changes = tuple(
        progress.LevelChange(
            families.name(family, to_level), from_level, to_level, families.top(family), kind
        )
        for family, from_level, to_level, kind in programme_db.level_changes_since(
            database, runner_id, since
        )
    )
    report = progress.WeekReport(
        week_start=week_start,
        week_end=today,
        sessions_done=programme_db.sessions_done(database, runner_id, since),
        sessions_goal=runner.strength_goal if runner else 2,
        runs_checked_in=programme_db.runs_checked_in(
            database, runner_id, week_start.isoformat(), today.isoformat()
        ),
        checkins=tuple(history),
        level_changes=changes,
        return_step=runner.return_step if runner else None,
        return_steps=len(programme.RETURN_STEPS),
    )
    return WeeklyReport(report, chart=runners_db.wants_weekly_chart(database, runner_id))
