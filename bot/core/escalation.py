"""What a check-in verdict changes for the runner: the verdict policy, next to triage.

Pure: no Telegram, no database, no clock (``now`` and the runner's zone are arguments). The
handlers and the tick only store what these functions return, so the whole policy is here and
table-tested:

* SEE_CLINICIAN pauses the running-specific reminders (warm-up, form) and starts the daily
  follow-up; "better now" or "checked and cleared" resumes them.
* URGENT or EMERGENCY puts the runner on an exercise hold: no exercise or running content of any
  kind (planned tips, planned post-run check-ins, ``/tip``, "Another tip") until the runner says a
  clinician has checked and cleared them. "Better now" alone does not lift it.
* The follow-up comes at most once a day, at ``FOLLOW_UP_TIME`` local time from the day after the
  escalation, is never dropped as late (sent late rather than never), and repeats daily until
  answered, for ``MAX_FOLLOW_UPS`` days; the last one says how to resume.
* A new escalation never lowers what is held, and several escalations in a day still bring one
  follow-up the next morning.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from bot.core.triage import Level

__all__ = [
    "FOLLOW_UP_TIME",
    "MAX_FOLLOW_UPS",
    "FollowUpAnswer",
    "Hold",
    "Outcome",
    "after_follow_up_answer",
    "after_follow_up_sent",
    "after_verdict",
    "next_follow_up",
    "resume_with_clearance",
]

FOLLOW_UP_TIME = dt.time(10, 0)
MAX_FOLLOW_UPS = 7


@dataclass(frozen=True)
class Hold:
    """A runner's escalation state, as stored on the runner."""

    level: Level = Level.OK  # the most urgent verdict since the hold began; OK = no hold
    running_paused: bool = False  # warm-up and form reminders held back
    exercise_hold: bool = False  # every exercise and running message held back
    follow_up_at: dt.datetime | None = None  # next daily follow-up (aware UTC), None = none
    follow_ups_sent: int = 0

    @property
    def active(self) -> bool:
        return self.running_paused or self.exercise_hold or self.follow_up_at is not None


class FollowUpAnswer(enum.StrEnum):
    CHECKED = "checked"  # checked by a clinician and cleared
    BETTER = "better"
    SAME = "same"
    WORSE = "worse"


class Outcome(enum.StrEnum):
    RESUMED = "resumed"  # everything is back on
    STILL_HELD = "still_held"  # better, but exercise waits for a clinician's clearance
    ASK_AGAIN = "ask_again"  # same: tomorrow's follow-up stands
    CHECK_IN_NOW = "check_in_now"  # worse: run the check-in again, now


def next_follow_up(now: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """``FOLLOW_UP_TIME`` on the runner's next local day after ``now``, in UTC.

    A wall time that does not exist that day (a DST gap) folds forward the way zoneinfo does;
    10:00 never falls in one in practice."""
    tomorrow = now.astimezone(zone).date() + dt.timedelta(days=1)
    return dt.datetime.combine(tomorrow, FOLLOW_UP_TIME, zone).astimezone(dt.UTC)


def after_verdict(hold: Hold, level: Level, now: dt.datetime, zone: ZoneInfo) -> Hold:
    """The hold after a verdict at ``level``. Below SEE_CLINICIAN nothing changes (a quiet
    check-in never lifts a hold: only the runner's answer to the follow-up does)."""
    if level < Level.SEE_CLINICIAN:
        return hold
    first = next_follow_up(now, zone)
    follow_up_at = first if hold.follow_up_at is None else min(hold.follow_up_at, first)
    return Hold(
        level=max(hold.level, level),
        running_paused=True,
        exercise_hold=hold.exercise_hold or level >= Level.URGENT,
        follow_up_at=follow_up_at,
        # A new escalation starts the week of daily questions afresh.
        follow_ups_sent=0,
    )


def after_follow_up_sent(hold: Hold, now: dt.datetime, zone: ZoneInfo) -> Hold:
    """One daily follow-up went out: the next comes tomorrow, or never after the last one.

    Tomorrow is counted from ``now``, not from the instant it was due: after downtime the
    runner gets one question today, not a backlog."""
    sent = hold.follow_ups_sent + 1
    if sent >= MAX_FOLLOW_UPS:
        return replace(hold, follow_ups_sent=sent, follow_up_at=None)
    return replace(hold, follow_ups_sent=sent, follow_up_at=next_follow_up(now, zone))


def after_follow_up_answer(hold: Hold, answer: FollowUpAnswer) -> tuple[Hold, Outcome]:
    """What the runner's answer to a follow-up changes."""
    if answer is FollowUpAnswer.CHECKED:
        return Hold(), Outcome.RESUMED
    if answer is FollowUpAnswer.BETTER:
        if hold.exercise_hold:
            # After URGENT or EMERGENCY, feeling better is not being checked.
            return hold, Outcome.STILL_HELD
        return Hold(), Outcome.RESUMED
    if answer is FollowUpAnswer.SAME:
        return hold, Outcome.ASK_AGAIN
    return hold, Outcome.CHECK_IN_NOW


def resume_with_clearance(hold: Hold, *, cleared: bool) -> tuple[Hold, bool]:
    """/resume during a hold. A running pause (SEE_CLINICIAN) lifts on request; an exercise
    hold only when the runner confirms a clinician cleared them. Returns (hold, lifted)."""
    if not hold.active:
        return hold, False
    if hold.exercise_hold and not cleared:
        return hold, False
    return Hold(), True
