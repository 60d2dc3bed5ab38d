"""Profile use cases behind /start, onboarding and /settings.

Each function runs on the database thread (``Store.run``), does its work in one transaction and
returns a typed result (``Profile``, ``Next``, ``Start``) for the handler to render: the handler
parses the update, calls one of these, and sends. The question order (``next_question``) lives
here, not in the handler.

Steps are plain strings: the ConversationHandler uses them as its (persisted) states. PTB
writes that state back a moment after each answer, so after a crash it can be one question
behind what the runner was shown. The question actually put to the runner is therefore recorded
in the runner's row (``Profile.asked``) in the same transaction as the answer that leads to it
(or as the choice that opens it), and typed answers go to that question, not to the persisted
state: the answer to the tip-time prompt is stored as the tip time whatever state PTB restored.
Buttons need none of this: their data names the question. With no conversation open, /start
resumes onboarding at the recorded question or else at ``next_question``: the answers themselves
say what is still to ask.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from bot.core import i18n, texts
from bot.core.models import RunnerStatus, Slot, SlotKind
from bot.core.triage import RiskFactor
from bot.services import delivery
from bot.storage import profile as profile_db
from bot.storage import runners as runners_db
from bot.storage import schedule as schedule_db
from bot.storage import store
from bot.storage.profile import Profile

__all__ = ["Profile"]

TZ, DAYS, RUN, TIP, CONFIRM, MENU = "tz", "days", "run", "tip", "confirm", "menu"
DELAY, SUMMARY_DAY = "delay", "sday"
COUNTRY, RISK = "country", "risk"
# Settings only: the weekly strength goal (onboarding asks it with the running days, in the
# same message: see ``next_question``) and the weekly chart opt-out.
GOAL, CHART = "goal", "chart"

# Strength sessions a week the runner can aim for (guidance: 2-3).
STRENGTH_GOALS = (2, 3)

# The health questions a runner can tick (the age band is a choice of its own).
RISK_TOGGLES = (
    RiskFactor.CANCER_HISTORY,
    RiskFactor.STEROIDS_OR_OSTEOPOROSIS,
    RiskFactor.WEAK_IMMUNITY,
    RiskFactor.LOW_ENERGY,
)
TIME_COLUMNS = ("run_time", "tip_time")


def _ts(now: dt.datetime) -> int:
    return int(now.timestamp())


def next_question(profile: Profile) -> str:
    """Onboarding: the first unanswered question, or CONFIRM when all are answered.

    The weekly strength goal is no step of its own: it has a stored default (2) that cannot
    tell "not asked" from "chose 2", so it is asked in the running days message (one tap to
    change the ticked default) and is a /settings entry; a runner already subscribed is never
    asked again."""
    missing = {
        TZ: not profile.timezone,
        COUNTRY: profile.country is None,  # "" means asked and skipped
        DAYS: not profile.runner.run_days,
        RUN: not profile.run_time,
        TIP: not profile.tip_time,
        RISK: profile.risk_factors is None and not profile.risk_declined,
    }
    return next((step for step, unanswered in missing.items() if unanswered), CONFIRM)


@dataclass(frozen=True)
class Next:
    """What follows an answer: the question to ask (with the profile to show it from).

    `saved`: the runner is subscribed, the answer is saved and they go back to the menu (the
    shell reschedules them). `profile` None: the runner was erased mid-conversation."""

    step: str
    profile: Profile | None
    saved: bool = False
    refused: bool = False  # the answer was not accepted (Done with no day ticked)
    restored: bool = False  # Back put answers toggled on the picker back as they were

    @property
    def gone(self) -> bool:
        return self.profile is None


GONE = Next(MENU, None)


def _after_answer(database: Database, chat_id: int, now: dt.datetime) -> Next:
    """What comes next, recorded as the question asked (in the caller's transaction)."""
    profile = profile_db.get_profile(database, chat_id)
    if profile is None:  # erased (/delete) while the conversation was open
        return GONE
    following = (
        Next(MENU, profile, saved=True)
        if not profile.onboarding
        else Next(next_question(profile), profile)
    )
    profile_db.record_asked(database, chat_id, following.step, now=_ts(now))
    return following


def _answer(database: Database, chat_id: int, now: dt.datetime, **fields: object) -> Next:
    with store.immediate(database):
        runners_db.update_runner(database, chat_id, now=_ts(now), **fields)
        return _after_answer(database, chat_id, now)


def asked(database: Database, chat_id: int | None) -> str | None:
    """The question last put to the runner ("" none open; None: not recorded, or unknown)."""
    found = profile_db.get_profile(database, chat_id) if chat_id is not None else None
    return found.asked if found is not None else None


def ask_step(
    database: Database, chat_id: int | None, step: str, *, now: dt.datetime
) -> Profile | None:
    """A question about to be asked afresh (a menu choice, Change): recorded, and the answers
    to show it from. None: the runner was erased."""
    if chat_id is None:
        return None
    with store.immediate(database):
        if profile_db.get_profile(database, chat_id) is None:
            return None
        profile_db.record_asked(database, chat_id, step, now=_ts(now))
        return profile_db.get_profile(database, chat_id)


def close_questions(database: Database, chat_id: int | None, *, now: dt.datetime) -> None:
    """The conversation ended (/cancel, Close): no question is open any more."""
    if chat_id is None:
        return
    with store.immediate(database):
        if profile_db.get_profile(database, chat_id) is not None:
            profile_db.record_asked(database, chat_id, None, now=_ts(now))


def load(database: Database, chat_id: int) -> Profile | None:
    """The answers so far (to ask a question afresh, or for the emergency number)."""
    return profile_db.get_profile(database, chat_id)


class Opening(enum.StrEnum):
    NEW = "new"  # just created: welcome, then the first question
    RESUME = "resume"  # onboarding unfinished: pick up at `step`
    WELCOME_BACK = "welcome_back"  # was stopped or blocked: active again (reschedule)
    ALREADY = "already"  # subscribed already: the summary
    SETTINGS = "settings"  # /settings of a subscribed runner: the summary and the menu
    UNKNOWN = "unknown"  # /settings of someone never seen


@dataclass(frozen=True)
class Start:
    opening: Opening
    step: str | None = None  # the question to ask, if any
    profile: Profile | None = None


def start(
    database: Database,
    chat_id: int,
    *,
    language: str,
    now: dt.datetime,
    at: str | None = None,
) -> Start:
    """/start: create the runner, resume their onboarding (at `at`, the open conversation's
    question, or else the next unanswered one), or welcome them back."""
    with store.immediate(database):
        profile = profile_db.get_profile(database, chat_id)
        if profile is None:
            runners_db.create_runner(database, chat_id, language=language, now=_ts(now))
            profile_db.record_asked(database, chat_id, TZ, now=_ts(now))
            return Start(Opening.NEW, TZ, profile_db.get_profile(database, chat_id))
        status = profile.runner.status
        if status is RunnerStatus.ONBOARDING:
            step = profile.asked or at or next_question(profile)
            profile_db.record_asked(database, chat_id, step, now=_ts(now))
            return Start(Opening.RESUME, step, profile)
        profile_db.record_asked(database, chat_id, None, now=_ts(now))
        if status in (RunnerStatus.STOPPED, RunnerStatus.BLOCKED):
            runners_db.update_runner(
                database,
                chat_id,
                now=_ts(now),
                status=RunnerStatus.ACTIVE,
                paused_until=None,
            )
            return Start(Opening.WELCOME_BACK, None, profile_db.get_profile(database, chat_id))
        return Start(Opening.ALREADY, None, profile)


def open_question(database: Database, chat_id: int) -> Start:
    """The question an onboarding runner has open (nothing recorded): a language chosen mid-way
    asks it again in that language. ``Opening.UNKNOWN`` when they are not onboarding."""
    profile = profile_db.get_profile(database, chat_id)
    if profile is None or profile.runner.status is not RunnerStatus.ONBOARDING:
        return Start(Opening.UNKNOWN)
    return Start(Opening.RESUME, profile.asked or next_question(profile), profile)


def open_settings(
    database: Database, chat_id: int, *, at: str | None = None, now: dt.datetime
) -> Start:
    """/settings: the menu, or the unfinished onboarding's question (as for `start`)."""
    with store.immediate(database):
        profile = profile_db.get_profile(database, chat_id)
        if profile is None:
            return Start(Opening.UNKNOWN)
        if profile.onboarding:
            step = profile.asked or at or next_question(profile)
            profile_db.record_asked(database, chat_id, step, now=_ts(now))
            return Start(Opening.RESUME, step, profile)
        profile_db.record_asked(database, chat_id, MENU, now=_ts(now))
        return Start(Opening.SETTINGS, MENU, profile)


def save_zone(database: Database, chat_id: int, zone: str, *, now: dt.datetime) -> Next:
    return _answer(database, chat_id, now, timezone=zone)


def save_country(database: Database, chat_id: int, code: str, *, now: dt.datetime) -> Next:
    """`code` "" = skipped."""
    return _answer(database, chat_id, now, country=code)


def toggle_day(database: Database, chat_id: int, day: int, *, now: dt.datetime) -> Profile | None:
    with store.immediate(database):
        profile = profile_db.get_profile(database, chat_id)
        if profile is None:
            return None
        days = frozenset(profile.runner.run_days ^ {day})
        runners_db.update_runner(database, chat_id, now=_ts(now), run_days=days)
        return profile_db.get_profile(database, chat_id)


def finish_days(database: Database, chat_id: int, *, now: dt.datetime) -> Next:
    with store.immediate(database):
        profile = profile_db.get_profile(database, chat_id)
        if profile is None:
            return GONE
        if not profile.runner.run_days:
            return Next(DAYS, profile, refused=True)
        return _after_answer(database, chat_id, now)


def save_time(
    database: Database, chat_id: int, column: str, value: dt.time, *, now: dt.datetime
) -> Next:
    """`column`: run_time or tip_time."""
    if column not in TIME_COLUMNS:
        raise ValueError(f"not a time question: {column}")
    return _answer(database, chat_id, now, **{column: value})


def save_strength_goal(database: Database, chat_id: int, goal: int, *, now: dt.datetime) -> Next:
    """The weekly strength goal chosen in /settings (2 or 3 sessions)."""
    if goal not in STRENGTH_GOALS:
        raise ValueError(f"not a strength goal: {goal}")
    return _answer(database, chat_id, now, strength_goal=goal)


def choose_strength_goal(
    database: Database, chat_id: int, goal: int, *, now: dt.datetime
) -> Profile | None:
    """The strength goal ticked on the running days message (onboarding): saved, and the
    answers to redraw that message from; the question stays the running days. None: erased."""
    if goal not in STRENGTH_GOALS:
        raise ValueError(f"not a strength goal: {goal}")
    with store.immediate(database):
        if profile_db.get_profile(database, chat_id) is None:
            return None
        runners_db.update_runner(database, chat_id, now=_ts(now), strength_goal=goal)
        return profile_db.get_profile(database, chat_id)


def save_weekly_chart(database: Database, chat_id: int, on: bool, *, now: dt.datetime) -> Next:
    """Whether the weekly summary comes with the chart picture."""
    return _answer(database, chat_id, now, weekly_chart=int(on))


@dataclass(frozen=True)
class Restore:
    """The answers a toggling picker (days, health profile) showed when it was opened from the
    menu, carried on its Back button: Back puts them back, so it changes nothing. A field left
    None is not restored."""

    run_days: frozenset[int] | None = None
    age_band: str | None = None
    risk_factors: frozenset[RiskFactor] | None = None
    risk_declined: bool = False
    risk: bool = False  # restore the three health fields (age_band None then means none)


def back_to_menu(
    database: Database, chat_id: int | None, restore: Restore, *, now: dt.datetime
) -> Next:
    """A picker's Back: the menu again, with the answers as they were when it was opened."""
    if chat_id is None:
        return GONE
    with store.immediate(database):
        profile = profile_db.get_profile(database, chat_id)
        if profile is None:
            return GONE
        fields: dict[str, object] = {}
        if restore.run_days is not None and restore.run_days != profile.runner.run_days:
            fields["run_days"] = restore.run_days
        if restore.risk:
            # The picker toggles only RISK_TOGGLES: any other stored factor stays as it is.
            others = {f for f in profile.risk_factors or () if f not in RISK_TOGGLES}
            wanted = None if restore.risk_factors is None else restore.risk_factors | others
            was = (restore.age_band, wanted, restore.risk_declined)
            if was != (profile.age_band, profile.risk_factors, profile.risk_declined):
                fields.update(
                    age_band=restore.age_band,
                    risk_factors=None
                    if wanted is None
                    else json.dumps(sorted(f.value for f in wanted)),
                    risk_declined=int(restore.risk_declined),
                )
        if fields:
            runners_db.update_runner(database, chat_id, now=_ts(now), **fields)
        profile_db.record_asked(database, chat_id, MENU, now=_ts(now))
        fresh = profile_db.get_profile(database, chat_id)
        return Next(MENU, fresh, restored=bool(fields))


def save_delay(database: Database, chat_id: int, minutes: int, *, now: dt.datetime) -> Next:
    return _answer(database, chat_id, now, checkin_delay=minutes)


def save_summary_day(database: Database, chat_id: int, day: int, *, now: dt.datetime) -> Next:
    return _answer(database, chat_id, now, summary_day=day)


def toggle_age(database: Database, chat_id: int, band: str, *, now: dt.datetime) -> Profile | None:
    """Choose the age band, or clear it if it was the one chosen."""
    with store.immediate(database):
        profile = profile_db.get_profile(database, chat_id)
        if profile is None:
            return None
        chosen = None if profile.age_band == band else band
        runners_db.update_runner(database, chat_id, now=_ts(now), age_band=chosen)
        return profile_db.get_profile(database, chat_id)


def toggle_risk(
    database: Database, chat_id: int, factor: RiskFactor, *, now: dt.datetime
) -> Profile | None:
    with store.immediate(database):
        profile = profile_db.get_profile(database, chat_id)
        if profile is None:
            return None
        had = {f.value for f in profile.risk_factors or () if f in RISK_TOGGLES}
        stored = json.dumps(sorted(had ^ {factor.value}))
        runners_db.update_runner(database, chat_id, now=_ts(now), risk_factors=stored)
        return profile_db.get_profile(database, chat_id)


def decline_risk(database: Database, chat_id: int, *, now: dt.datetime) -> Next:
    """ "Prefer not to say": nothing kept, and not asked again."""
    with store.immediate(database):
        if profile_db.get_profile(database, chat_id) is None:
            return GONE
        runners_db.update_runner(
            database, chat_id, now=_ts(now), risk_declined=1, risk_factors="[]", age_band=None
        )
        return _after_answer(database, chat_id, now)


def finish_risk(database: Database, chat_id: int, *, now: dt.datetime) -> Next:
    with store.immediate(database):
        if profile_db.get_profile(database, chat_id) is None:
            return GONE
        profile_db.finish_risk(database, chat_id, now=_ts(now))
        return _after_answer(database, chat_id, now)


@dataclass(frozen=True)
class Upcoming:
    """One kind of message the runner will get next: its title and when (the runner's local
    time, aware)."""

    title: str
    at: dt.datetime


def confirm(database: Database, chat_id: int, *, now: dt.datetime) -> list[Upcoming] | None:
    """The summary confirmed: subscribed and scheduled, in one transaction; returns what comes
    next, soonest first, one entry per slot with a next instant. None: the runner was erased."""
    with store.immediate(database):
        profile = profile_db.get_profile(database, chat_id)
        if profile is None:
            return None
        runners_db.update_runner(database, chat_id, now=_ts(now), status=RunnerStatus.ACTIVE)
        profile_db.record_asked(database, chat_id, None, now=_ts(now))
        delivery.schedule_runner(database, chat_id, now)
        return _upcoming(database, chat_id, profile.timezone or "UTC")


def _runner_title(slot: Slot) -> str:
    """The slot as the runner reads it: the admins' title in English, else what it sends."""
    if i18n.current() == i18n.DEFAULT:
        return slot.title or slot.id
    labels = texts.T.SLOT_LABELS
    key = slot.categories[0] if slot.kind is SlotKind.TIP and slot.categories else slot.kind.value
    return labels.get(key) or labels.get(slot.kind.value) or slot.title or slot.id


def _upcoming(database: Database, chat_id: int, timezone: str) -> list[Upcoming]:
    try:
        zone = ZoneInfo(timezone)
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    titles = {slot.id: _runner_title(slot) for slot in delivery.plan_slots(database)}
    due = schedule_db.schedule_of(database, chat_id)
    found = [
        Upcoming(titles.get(slot_id, slot_id), dt.datetime.fromtimestamp(ts, zone))
        for slot_id, ts in due.items()
        if ts is not None
    ]
    return sorted(found, key=lambda item: (item.at, item.title))


def close_menu(database: Database, chat_id: int, *, now: dt.datetime) -> Next | None:
    """The menu's Close: onboarding goes on with the next question; otherwise None (closed)."""
    with store.immediate(database):
        profile = profile_db.get_profile(database, chat_id)
        if profile is None:
            return None
        if profile.onboarding:
            step = next_question(profile)
            profile_db.record_asked(database, chat_id, step, now=_ts(now))
            return Next(step, profile)
        profile_db.record_asked(database, chat_id, None, now=_ts(now))
        return None
