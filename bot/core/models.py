"""Plain dataclasses shared by the pure core and the shell.

Nothing here talks to Telegram, the database or the clock. Weekdays follow Python's
``date.weekday()`` numbering everywhere: 0 = Monday ... 6 = Sunday (PTB's ``run_daily`` uses
0 = Sunday; we never use it, the planner computes instants itself).
"""

from __future__ import annotations

import datetime as dt
import enum
import json
from dataclasses import dataclass, field, replace
from typing import Any

# Outbox and reply priorities, lower goes first through every gate from the outbox to the wire
# (the sender's lease and queue, the rate limiter's one gate): a verdict that sends a runner to
# a doctor and the emergency line, then replies to a person, then reminders, then announcements.
# Urgent messages also skip the per-chat burst wait (ordinary replies keep a token for them).
URGENT_PRIORITY = -1
REPLY_PRIORITY = 0
REMINDER_PRIORITY = 5
SUMMARY_PRIORITY = 6  # the weekly summary: after the day's timed reminders
ANNOUNCEMENT_PRIORITY = 8

WEEKDAY_NAMES: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# The tip library's categories, in the order the admin menu lists them.
TIP_CATEGORIES: tuple[str, ...] = (
    "warm_up",
    "core_strength",
    "hips_glutes",
    "cross_training",
    "stretch_mobility",
    "form",
    "footwear_surface",
    "recovery",
    "everyday_back",
    "education",
)

# Sent once each, in the file's order, on quiet days (not run or strength days): the "why"
# behind the programme. Never picked by the tip rotation.
EDUCATION_CATEGORY = "education"

# What /tip and "Another tip" draw from: every category but education.
ROTATION_CATEGORIES: tuple[str, ...] = tuple(c for c in TIP_CATEGORIES if c != EDUCATION_CATEGORY)

# Categories that only make sense while the runner is running normally; they pause after a
# check-in escalates (see the check-in issue).
RUNNING_SPECIFIC_CATEGORIES: frozenset[str] = frozenset({"warm_up", "form"})


class RunnerStatus(enum.StrEnum):
    ONBOARDING = "onboarding"  # /start sent, settings not yet confirmed
    ACTIVE = "active"
    PAUSED = "paused"  # paused_until says until when; None means until /resume
    STOPPED = "stopped"  # /stop: no messages, data kept
    BLOCKED = "blocked"  # Telegram said 403: the runner blocked the bot


class SlotKind(enum.StrEnum):
    TIP = "tip"  # sends a tip drawn from the slot's categories
    CHECK_IN = "check_in"  # starts the post-run check-in
    SUMMARY = "summary"  # the weekly progress summary (built in, not in plan.yaml)
    SESSION = "session"  # a strength session: the runner's level in each exercise family
    EDUCATION = "education"  # the next "why" message, once each in order


class AnchorKind(enum.StrEnum):
    FIXED = "fixed"  # a fixed local time, e.g. 12:30
    TIP_TIME = "tip_time"  # the runner's daily tip time, plus offset_minutes
    RUN_TIME = "run_time"  # the runner's usual run time, plus offset_minutes (negative = before)


class DaysKind(enum.StrEnum):
    EVERY_DAY = "every_day"
    RUN_DAYS = "run_days"
    REST_DAYS = "rest_days"
    WEEKDAYS = "weekdays"  # the named weekdays in Days.weekdays
    SUMMARY_DAY = "summary_day"  # the runner's chosen weekly summary day (built-in slot only)
    # The runner's strength days: as many as their weekly goal, placed on rest days first and
    # spread out (bot.core.programme.strength_days).
    STRENGTH_DAYS = "strength_days"
    # Neither a run day nor a strength day (rest days if every rest day has a session).
    QUIET_DAYS = "quiet_days"


@dataclass(frozen=True)
class Anchor:
    kind: AnchorKind
    offset_minutes: int = 0
    time: dt.time | None = None  # only for FIXED


@dataclass(frozen=True)
class Days:
    kind: DaysKind
    weekdays: frozenset[int] = frozenset()  # only for WEEKDAYS
    # Only the first matching day of each Monday-to-Sunday week (e.g. one cross-training idea a
    # week, on the runner's first rest day).
    weekly: bool = False


@dataclass(frozen=True)
class Slot:
    id: str
    kind: SlotKind
    anchor: Anchor
    days: Days
    categories: tuple[str, ...] = ()  # tip categories the slot rotates through
    enabled: bool = True
    title: str = ""  # what admins see in lists


@dataclass(frozen=True)
class Tip:
    id: str
    category: str
    title: str
    body: str  # Telegram HTML
    why: str = ""
    source: str = ""
    active: bool = True
    # A progression line (e.g. plank -> side plank) and this tip's step in it, from 1; a tip
    # outside any line has family "" and level 0.
    family: str = ""
    level: int = 0
    # The order within its category (the file's, beginner to harder): rotation follows it.
    # Not part of equality: a tip moved in its file is the same tip (re-import rewrites every
    # position anyway).
    position: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class TipText:
    """A tip in another language (``schedules/tips/<language>/<category>.yaml``): its own
    title, body and why; everything else (category, family, level, state) is the English tip's."""

    tip_id: str
    language: str
    title: str
    body: str  # Telegram HTML
    why: str = ""

    def applied_to(self, tip: Tip) -> Tip:
        """`tip` in this language."""
        return replace(tip, title=self.title, body=self.body, why=self.why)


@dataclass(frozen=True, slots=True)
class Runner:
    """A runner's settings as the planner needs them."""

    chat_id: int
    timezone: str = "UTC"
    run_days: frozenset[int] = frozenset()
    run_time: dt.time = dt.time(7, 0)
    tip_time: dt.time = dt.time(8, 0)
    status: RunnerStatus = RunnerStatus.ONBOARDING
    paused_until: dt.datetime | None = None  # aware UTC; None with PAUSED = until /resume
    # Minutes from the usual run to the check-in; None = the plan's check-in slot offset.
    checkin_delay_minutes: int | None = None
    summary_day: int = 6  # weekday of the weekly summary, 0 = Monday
    # Running-specific reminders are held back after an escalation until the runner says
    # they are better (check-in issue).
    running_paused: bool = False
    # After an URGENT or EMERGENCY verdict: no exercise or running content of any kind until
    # the runner confirms a clinician cleared them (bot.escalation).
    exercise_hold: bool = False
    strength_goal: int = 2  # strength sessions a week (2 or 3)
    return_step: int | None = None  # the return-to-run step, None when not on the plan
    language: str = "en"
    extra: dict[str, str] = field(default_factory=dict, compare=False)


@dataclass(frozen=True, slots=True)
class Delivery:
    """One outbox row, as the services and the sender read it (times are Unix seconds)."""

    id: int
    runner_id: int
    slot_id: str
    due: int
    kind: str
    priority: int
    tip_id: str | None = None
    payload: str | None = None  # JSON: what a follow-up, an announcement or a snooze carries
    attempts: int = 0
    status: str = "pending"
    sent_at: int | None = None
    language: str = "en"  # the runner's: the message is written in it

    def payload_data(self) -> dict[str, Any]:
        data = json.loads(self.payload or "{}")
        return data if isinstance(data, dict) else {}


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one leased outbox row; the sender hands these to storage in batches."""

    id: int
    status: str  # sent / pending (retry at not_before) / failed / dropped
    reason: str | None = None
    message_id: int | None = None
    sent_at: int | None = None
    not_before: int = 0
