"""Runner use cases behind the settings commands: who is subscribed, /pause, /resume, /stop,
and what a typed message is answered with. Each runs in one transaction on the db thread and
returns core types (``Runner``) or small results for the handler to render."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field

from sqlite_utils import Database

from bot.core.models import Runner, RunnerStatus
from bot.services import checkins
from bot.services.delivery import CHECK_IN_EXPIRY
from bot.storage import checkins as checkins_db
from bot.storage import runners as runners_db
from bot.storage import store

LIVE_STATUSES = frozenset({RunnerStatus.ACTIVE, RunnerStatus.PAUSED})


class Standing(enum.StrEnum):
    UNKNOWN = "unknown"  # no runner, or still onboarding
    LIVE = "live"  # active or paused
    STOPPED = "stopped"  # stopped or blocked


def _standing(runner: Runner | None) -> Standing:
    if runner is None or runner.status is RunnerStatus.ONBOARDING:
        return Standing.UNKNOWN
    return Standing.LIVE if runner.status in LIVE_STATUSES else Standing.STOPPED


def get_runner(database: Database, chat_id: int) -> Runner | None:
    """The runner, whatever their status (None: never seen or erased)."""
    return runners_db.get_runner(database, chat_id)


def live_runner(database: Database, chat_id: int) -> Runner | None:
    """The runner if they are subscribed (active or paused)."""
    runner = runners_db.get_runner(database, chat_id)
    return runner if runner is not None and runner.status in LIVE_STATUSES else None


def standing(database: Database, chat_id: int) -> Standing:
    return _standing(runners_db.get_runner(database, chat_id))


@dataclass(frozen=True)
class PauseResult:
    standing: Standing
    runner: Runner | None = None  # the runner before the pause


def pause(
    database: Database, *, chat_id: int, until: dt.datetime | None, now: dt.datetime
) -> PauseResult:
    """/pause's choice: pause a subscribed runner until `until` (None: until /resume)."""
    with store.immediate(database):
        runner = runners_db.get_runner(database, chat_id)
        state = _standing(runner)
        if state is not Standing.LIVE:
            return PauseResult(state)
        runners_db.update_runner(
            database,
            chat_id,
            now=int(now.timestamp()),
            status=RunnerStatus.PAUSED,
            paused_until=until,
        )
        return PauseResult(state, runner)


@dataclass(frozen=True)
class ResumeOutcome:
    standing: Standing
    was_paused: bool = False  # a /pause was lifted (the runner is active again)
    hold: checkins.ResumeResult = field(default_factory=lambda: checkins.ResumeResult("not_held"))


def resume(database: Database, *, chat_id: int, now: dt.datetime) -> ResumeOutcome:
    """/resume: lift a pause, then a running pause after an escalation (an exercise hold only
    asks whether a clinician cleared the runner)."""
    with store.immediate(database):
        runner = runners_db.get_runner(database, chat_id)
        state = _standing(runner)
        if state is not Standing.LIVE or runner is None:
            return ResumeOutcome(state)
        was_paused = runner.status is RunnerStatus.PAUSED
        if was_paused:
            runners_db.update_runner(
                database,
                chat_id,
                now=int(now.timestamp()),
                status=RunnerStatus.ACTIVE,
                paused_until=None,
            )
        hold = checkins.apply_resume_hold(database, chat_id=chat_id, cleared=False, now=now)
        return ResumeOutcome(state, was_paused, hold)


class StopResult(enum.StrEnum):
    UNKNOWN = "unknown"
    ALREADY = "already"
    STOPPED = "stopped"


def stop(database: Database, *, chat_id: int, now: dt.datetime) -> StopResult:
    """/stop: no more messages; the data stays until /delete."""
    with store.immediate(database):
        runner = runners_db.get_runner(database, chat_id)
        if runner is None:
            return StopResult.UNKNOWN
        if runner.status is RunnerStatus.STOPPED:
            return StopResult.ALREADY
        runners_db.update_runner(
            database,
            chat_id,
            now=int(now.timestamp()),
            status=RunnerStatus.STOPPED,
            paused_until=None,
        )
        return StopResult.STOPPED


@dataclass(frozen=True)
class TextContext:
    """What a typed message (no command, no conversation) is answered with."""

    known: bool  # the runner exists
    stopped: bool = False  # they sent /stop (or blocked the bot): only /start brings them back
    open_checkin: bool = False  # a check-in from the last CHECK_IN_EXPIRY awaits its buttons
    country: str | None = None  # for the emergency number


def text_context(database: Database, chat_id: int | None, now: dt.datetime) -> TextContext:
    care = runners_db.get_care(database, chat_id) if chat_id is not None else None
    if care is None:
        return TextContext(known=False)
    since = int(now.timestamp()) - int(CHECK_IN_EXPIRY.total_seconds())
    return TextContext(
        known=True,
        stopped=care.status in (RunnerStatus.STOPPED, RunnerStatus.BLOCKED),
        open_checkin=checkins_db.has_open_checkin(database, care.chat_id, since),
        country=care.country,
    )
