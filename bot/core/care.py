"""Typed records of the clinical side: a check-in in progress and a runner's clinical state.

Storage decodes its rows into these (``bot.storage.checkins``, ``bot.storage.runners``), so the
check-in use cases read attributes, never raw rows. Pure: no database, no clock.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from bot.core.escalation import Hold
from bot.core.models import RunnerStatus
from bot.core.triage import Level, Radiation, RedFlag, RiskFactor

__all__ = [
    "AGE_BAND_FACTORS",
    "CheckIn",
    "CheckInStatus",
    "RunnerCare",
    "red_flags_of",
    "risk_factors_of",
]


class CheckInStatus(enum.StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    SKIPPED = "skipped"  # "didn't run: resting"
    UNANSWERED = "unanswered"  # expired without a verdict


# The age bands asked at onboarding that count as a triage risk factor.
AGE_BAND_FACTORS: dict[str, RiskFactor] = {
    "under_20": RiskFactor.AGE_UNDER_20,
    "over_50": RiskFactor.AGE_OVER_50,
}


def risk_factors_of(codes: Iterable[object], age_band: str | None) -> frozenset[RiskFactor]:
    """The stored risk codes plus the age band's factor; an unknown code (from a newer or older
    release) is ignored rather than failing a check-in."""
    found: set[RiskFactor] = set()
    for value in codes:
        try:
            found.add(RiskFactor(value))
        except ValueError:
            continue
    band = AGE_BAND_FACTORS.get(age_band) if age_band else None
    if band is not None:
        found.add(band)
    return frozenset(found)


def red_flags_of(codes: Iterable[object]) -> tuple[RedFlag, ...]:
    """The ticked signs in the order ticked; an unknown code is skipped."""
    flags: list[RedFlag] = []
    for value in codes:
        try:
            flags.append(RedFlag(value))
        except ValueError:
            continue
    return tuple(flags)


@dataclass(slots=True)
class CheckIn:
    """One post-run check-in (the ``checkins`` row is the conversation state). Mutable: a press
    updates it as it stores each answer, so later steps of the same press see it."""

    id: int
    runner_id: int
    delivery_id: int
    day: dt.date | None  # the runner's local date of the question (None: expired, never opened)
    status: CheckInStatus
    step: str  # pain / norun / where / unusual / flags / done
    asked_at: int | None = None
    pain: int | None = None
    radiation: Radiation | None = None  # None: not answered yet
    red_flags: tuple[RedFlag, ...] = ()
    told_level: Level = Level.OK  # the most urgent verdict already sent for it
    escalated_at: int | None = None
    last_press_at: int | None = None
    no_run: bool = False  # "didn't run": the back was why


@dataclass(slots=True)
class RunnerCare:
    """What the check-in, escalation and follow-up use cases need of a runner. Mutable: an
    escalation stores the new hold and updates ``hold`` for the rest of the transaction."""

    chat_id: int
    status: RunnerStatus
    timezone: str = "UTC"
    country: str | None = None  # ISO 3166 alpha-2; None: not given
    risk_factors: frozenset[RiskFactor] = frozenset()
    hold: Hold = field(default_factory=Hold)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def live(self) -> bool:
        return self.status in (RunnerStatus.ACTIVE, RunnerStatus.PAUSED)
