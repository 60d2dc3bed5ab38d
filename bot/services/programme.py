"""Programme use cases: a session marked Done, what a check-in changes for the runner's
levels and return-to-run plan, and the plan's offer and morning answer.

The rules are pure (``bot.core.programme``); these functions read the state, apply a rule and
store the result in the caller's transaction (the Done press, the check-in's verdict) or in
their own (the return-to-run buttons)."""

from __future__ import annotations

import datetime as dt
import enum
import logging
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from bot.core import coaching, i18n, programme
from bot.core.i18n import gettext as _
from bot.core.i18n import ngettext
from bot.core.models import REMINDER_PRIORITY, REPLY_PRIORITY, Delivery, SlotKind
from bot.core.programme import Change, LevelStep, ReturnChange
from bot.core.triage import Level
from bot.services import delivery, languages
from bot.storage import outbox as outbox_db
from bot.storage import programme as programme_db
from bot.storage import runners as runners_db
from bot.storage import store

log = logging.getLogger(__name__)

RETURN_OFFER = delivery.RETURN_OFFER
RETURN_MORNING = delivery.RETURN_MORNING
RETURN_MORNING_TIME = dt.time(9, 0)
# A runner who said "Not now" is not asked again for this long.
OFFER_AGAIN_AFTER = dt.timedelta(days=14)


def _ts(now: dt.datetime) -> int:
    return int(now.timestamp())


def _families(database: Database) -> programme.Families:
    """The exercise families, named in the current (the runner's) language."""
    return programme.families_of(languages.tips_in(database, i18n.current()))


def _change_line(step: LevelStep, families: programme.Families) -> str:
    name = families.name(step.family, step.to_level)
    if step.change is Change.UP:
        sessions = programme.SESSIONS_TO_MOVE_UP
        # Translators: after a strength session marked Done; {name} is an exercise, like
        # "Side plank"; {n} is 3.
        template = ngettext(
            "⬆️ Next session: {name}, level {level} of {of}. "
            "You've done {n} session with a quiet back.",
            "⬆️ Next session: {name}, level {level} of {of}. "
            "You've done {n} sessions with a quiet back.",
            sessions,
        )
        return template.format(
            name=name, level=step.to_level, of=families.top(step.family), n=sessions
        )
    # Translators: {name} is an exercise, like "Side plank".
    return _("⬇️ {name}: back to level {level} for now, while your back settles.").format(
        name=name, level=step.to_level
    )


# ---------------------------------------------------------------------------------------------
# Sessions


def session_done(database: Database, row: Delivery, now: dt.datetime) -> list[str]:
    """A session marked Done (inside the press's transaction): its families count one more and
    may move up. Nothing moves during an exercise hold. Returns what changed, in words."""
    if row.kind != SlotKind.SESSION.value:
        return []
    runner = runners_db.get_runner(database, row.runner_id)
    if runner is None or runner.exercise_hold:
        return []
    session = [str(x[0]) for x in row.payload_data().get("x", [])]
    families = _families(database)
    levels = programme_db.levels_of(database, row.runner_id)
    updated, steps = programme.after_session_done(levels, session, families)
    _save(database, row.runner_id, updated, steps, now)
    return [_change_line(step, families) for step in steps]


def _save(
    database: Database,
    runner_id: int,
    levels: dict[str, programme.FamilyLevel],
    steps: list[LevelStep],
    now: dt.datetime,
) -> None:
    moved = {s.family for s in steps if s.change is not Change.HOLD}
    programme_db.save_levels(database, runner_id, levels.values(), now=_ts(now), changed=moved)
    if steps:
        programme_db.record_steps(database, runner_id, steps, now=_ts(now))


# ---------------------------------------------------------------------------------------------
# Check-ins


@dataclass
class CheckInEffect:
    """What a finished check-in changed in the programme: lines for the runner."""

    lines: list[str]
    wake: bool = False


def after_check_in(
    database: Database,
    *,
    runner_id: int,
    checkin_id: int,
    pain: int | None,
    no_run: bool,
    level: Level,
    zone: ZoneInfo,
    now: dt.datetime,
    urgent_applied: bool = False,
) -> CheckInEffect:
    """Apply a finished check-in (inside its transaction) to the runner's levels and to the
    return-to-run plan; offer the plan after a SELF_CARE verdict. ``urgent_applied``: the
    check-in was answered at once for an urgent sign, which already applied its effect."""
    effect = CheckInEffect([])
    if pain is None or urgent_applied:
        return effect  # an urgent sign already did all a verdict does (after_urgent_sign)
    levels = programme_db.levels_of(database, runner_id)
    if levels:
        previous = programme_db.previous_pain(database, runner_id, checkin_id)
        updated, steps = programme.after_check_in(
            levels, pain=pain, previous_pain=previous, verdict=level
        )
        _save(database, runner_id, updated, steps, now)
        backs = [s for s in steps if s.change is Change.BACK]
        if backs and level < Level.URGENT:
            families = _families(database)
            exercises = ", ".join(
                # Translators: one item of a list of exercises, like "Side plank (level 2)".
                _("{name} (level {level})").format(
                    name=families.name(s.family, s.to_level), level=s.to_level
                )
                for s in backs
            )
            # Translators: {exercises} is a list like "Side plank (level 2), Bridge (level 1)".
            line = _("⬇️ Your strength exercises step back one level for now: {exercises}.")
            effect.lines.append(line.format(exercises=exercises))
        elif any(s.change is Change.HOLD for s in steps) and level < Level.URGENT:
            effect.lines.append(
                _(
                    "⏸ Your strength exercises stay at their level until your back is quieter "
                    "(2/10 or less)."
                )
            )
    step, _unused, offered_at = programme_db.return_state(database, runner_id)
    if step is not None:
        effect.lines.extend(_return_run(database, runner_id, step, pain, no_run, level, zone, now))
        effect.wake = True
    elif level is Level.SELF_CARE and _may_offer(offered_at, now):
        _queue_offer(database, runner_id, now, at=_next_morning(now, zone))
    return effect


def after_urgent_sign(database: Database, runner_id: int, now: dt.datetime) -> None:
    """A sign that sends the runner to a doctor today, the moment it is told (inside the
    press's transaction), whether or not the check-in is ever finished: every exercise steps
    back a level, and the return-to-run plan starts again from the walk, for after the
    clearance. The queued plan messages are dropped with the exercise hold."""
    levels = programme_db.levels_of(database, runner_id)
    if levels:
        updated, steps = programme.after_check_in(
            levels, pain=0, previous_pain=None, verdict=Level.URGENT
        )
        _save(database, runner_id, updated, steps, now)
    step, _unused, _unused = programme_db.return_state(database, runner_id)
    if step is not None:
        new_step, _change = programme.after_return_run(step, 0, verdict=Level.URGENT)
        runners_db.update_runner(
            database, runner_id, now=_ts(now), return_step=new_step, return_awaiting=None
        )
        programme_db.record_event(
            database, runner_id, "return_back", now=_ts(now), from_level=step, to_level=new_step
        )


def _return_run(
    database: Database,
    runner_id: int,
    step: int,
    pain: int,
    no_run: bool,
    level: Level,
    zone: ZoneInfo,
    now: dt.datetime,
) -> list[str]:
    new_step, change = programme.after_return_run(step, pain, ran=not no_run, verdict=level)
    if change is ReturnChange.AWAIT_MORNING:
        runners_db.update_runner(database, runner_id, now=_ts(now), return_awaiting=step)
        delivery.queue_now(
            database,
            runner_id,
            kind=RETURN_MORNING,
            now=now,
            at=_next_morning(now, zone),
            priority=REMINDER_PRIORITY,
            payload={"step": step},
            slot_id=f"return_morning:{step}",
        )
    else:
        runners_db.update_runner(
            database, runner_id, now=_ts(now), return_step=new_step, return_awaiting=None
        )
        programme_db.record_event(
            database, runner_id, "return_back", now=_ts(now), from_level=step, to_level=new_step
        )
    if level >= Level.URGENT:
        return []  # the verdict says all there is to say
    return [coaching.return_after_run(new_step, change, pain)]


def _next_morning(now: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    tomorrow = now.astimezone(zone).date() + dt.timedelta(days=1)
    return dt.datetime.combine(tomorrow, RETURN_MORNING_TIME, zone).astimezone(dt.UTC)


def _may_offer(offered_at: int | None, now: dt.datetime) -> bool:
    return offered_at is None or _ts(now) - offered_at >= OFFER_AGAIN_AFTER.total_seconds()


def _queue_offer(
    database: Database, runner_id: int, now: dt.datetime, *, at: dt.datetime | None = None
) -> int | None:
    runners_db.update_runner(database, runner_id, now=_ts(now), return_offered_at=_ts(now))
    return delivery.queue_now(
        database,
        runner_id,
        kind=RETURN_OFFER,
        now=now,
        at=at,
        priority=REPLY_PRIORITY if at is None else REMINDER_PRIORITY,
        slot_id="return_offer",
    )


def offer_after_hold(database: Database, runner_id: int, now: dt.datetime) -> None:
    """A hold lifted (better, or cleared by a clinician): offer the plan now, in the caller's
    transaction, unless the runner is on it or said no lately."""
    step, _unused, offered_at = programme_db.return_state(database, runner_id)
    if step is None and _may_offer(offered_at, now):
        _queue_offer(database, runner_id, now)


# ---------------------------------------------------------------------------------------------
# The plan's buttons and command


class ReturnAnswer(enum.StrEnum):
    STALE = "stale"
    HELD = "held"  # an exercise hold: no running plan until cleared
    STARTED = "started"
    DECLINED = "declined"
    ALREADY = "already"  # on the plan already (a second tap)
    MORNING = "morning"  # the morning answer was taken
    LEFT = "left"  # left the plan


@dataclass(frozen=True)
class ReturnReply:
    answer: ReturnAnswer
    text: str | None = None
    leave: bool = False  # offer the "Leave the plan" button


def return_command(database: Database, *, chat_id: int, now: dt.datetime) -> ReturnReply:
    """/returntorun: show the plan, or start it."""
    with store.immediate(database):
        runner = runners_db.get_runner(database, chat_id)
        if runner is None or runner.status.value not in ("active", "paused"):
            return ReturnReply(ReturnAnswer.STALE)
        if runner.exercise_hold:
            return ReturnReply(ReturnAnswer.HELD)
        if runner.return_step is not None:
            return ReturnReply(
                ReturnAnswer.ALREADY, coaching.return_plan_text(runner.return_step), leave=True
            )
        return _start(database, chat_id, now)


def _start(database: Database, chat_id: int, now: dt.datetime) -> ReturnReply:
    runners_db.update_runner(database, chat_id, now=_ts(now), return_step=1, return_awaiting=None)
    programme_db.record_event(database, chat_id, "return_start", now=_ts(now), to_level=1)
    delivery.schedule_runner(database, chat_id, now)
    return ReturnReply(ReturnAnswer.STARTED, coaching.return_plan_text(1), leave=True)


def return_press(
    database: Database,
    *,
    chat_id: int | None,
    delivery_id: int | None,
    action: str,
    now: dt.datetime,
) -> ReturnReply:
    """A button under the offer (start / no) or the morning question (ok / sore)."""
    if (
        chat_id is None
        or delivery_id is None
        or action not in ("start", "no", "ok", "sore", "leave")
    ):
        return ReturnReply(ReturnAnswer.STALE)
    if action == "leave":
        return _leave(database, chat_id, now)
    with store.immediate(database):
        row = outbox_db.get_delivery(database, delivery_id)
        expected = RETURN_OFFER if action in ("start", "no") else RETURN_MORNING
        if row is None or row.runner_id != chat_id or row.kind != expected:
            return ReturnReply(ReturnAnswer.STALE)
        runner = runners_db.get_runner(database, chat_id)
        if runner is None:
            return ReturnReply(ReturnAnswer.STALE)
        if runner.exercise_hold:
            return ReturnReply(ReturnAnswer.HELD)
        if action == "no":
            return ReturnReply(ReturnAnswer.DECLINED, coaching.T.RETURN_DECLINED)
        if action == "start":
            if runner.return_step is not None:
                return ReturnReply(
                    ReturnAnswer.ALREADY, coaching.return_plan_text(runner.return_step)
                )
            return _start(database, chat_id, now)
        return _morning(database, row, action == "ok", now)


def _leave(database: Database, chat_id: int, now: dt.datetime) -> ReturnReply:
    """ "Leave the plan" under /returntorun: the usual runs carry on."""
    with store.immediate(database):
        step, _unused, _unused = programme_db.return_state(database, chat_id)
        if step is None:
            return ReturnReply(ReturnAnswer.STALE)
        runners_db.update_runner(
            database, chat_id, now=_ts(now), return_step=None, return_awaiting=None
        )
        programme_db.record_event(database, chat_id, "return_stop", now=_ts(now), from_level=step)
        delivery.schedule_runner(database, chat_id, now)
        return ReturnReply(ReturnAnswer.LEFT, coaching.T.RETURN_LEFT)


def _morning(database: Database, row: Delivery, settled: bool, now: dt.datetime) -> ReturnReply:
    runner_id = row.runner_id
    step, awaiting, _unused = programme_db.return_state(database, runner_id)
    asked = int(row.payload_data().get("step") or 0)
    if step is None or awaiting is None or awaiting != asked:
        return ReturnReply(ReturnAnswer.STALE)  # answered already, or the plan moved on
    new_step, change = programme.after_return_morning(step, settled=settled)
    runners_db.update_runner(
        database, runner_id, now=_ts(now), return_step=new_step, return_awaiting=None
    )
    kind = {
        ReturnChange.UP: "return_up",
        ReturnChange.DONE: "return_done",
        ReturnChange.BACK: "return_back",
        ReturnChange.STAY: "return_stay",
    }[change]
    programme_db.record_event(
        database, runner_id, kind, now=_ts(now), from_level=step, to_level=new_step
    )
    if change is ReturnChange.DONE:
        delivery.schedule_runner(database, runner_id, now)
    return ReturnReply(ReturnAnswer.MORNING, coaching.return_after_morning(new_step, change))
