"""Check-in triage: turn one check-in's answers (plus past check-ins) into a verdict.

Pure: no Telegram, no database, no clock. ``today`` is passed in by the caller.

Levels, most urgent first: EMERGENCY (possible cauda equina: call emergency services now),
URGENT (see a doctor today), SEE_CLINICIAN (book a GP or physio), SELF_CARE, OK.
The highest level wins and ``Verdict.reasons`` names every rule that fired, as short
machine-readable codes ordered most urgent first (the order of ``REASON_LEVEL``).
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

__all__ = [
    "REASON_LEVEL",
    "Answers",
    "Level",
    "PastCheckIn",
    "Radiation",
    "RedFlag",
    "Verdict",
    "assess",
]


class Level(enum.IntEnum):
    OK = 0
    SELF_CARE = 1
    SEE_CLINICIAN = 2
    URGENT = 3
    EMERGENCY = 4


class Radiation(enum.Enum):
    NONE = "none"
    BUTTOCK_THIGH = "buttock_thigh"
    BELOW_KNEE = "below_knee"


class RedFlag(enum.Enum):
    SADDLE_NUMBNESS = "saddle_numbness"
    BLADDER_BOWEL = "bladder_bowel"
    BOTH_LEGS_WEAKNESS = "both_legs_weakness"
    FEVER = "fever"
    TRAUMA = "trauma"
    NIGHT_PAIN = "night_pain"
    WEIGHT_LOSS_OR_CANCER = "weight_loss_or_cancer"


@dataclass(frozen=True)
class Answers:
    pain: int
    radiation: Radiation
    red_flags: frozenset[RedFlag]


@dataclass(frozen=True)
class PastCheckIn:
    day: datetime.date
    pain: int


@dataclass(frozen=True)
class Verdict:
    level: Level
    reasons: tuple[str, ...]


# Every reason code with its level, in the order reasons are reported (most urgent first).
REASON_LEVEL: Mapping[str, Level] = MappingProxyType(
    {
        # EMERGENCY: possible cauda equina, whatever the pain score.
        "saddle_numbness": Level.EMERGENCY,
        "bladder_bowel": Level.EMERGENCY,
        "both_legs_weakness": Level.EMERGENCY,
        # URGENT: see a doctor today.
        "fever": Level.URGENT,
        "trauma": Level.URGENT,
        "night_pain": Level.URGENT,
        "weight_loss_or_cancer": Level.URGENT,
        "below_knee_with_severe_pain": Level.URGENT,  # below the knee and pain >= 7
        "very_severe_pain": Level.URGENT,  # pain >= 9
        # SEE_CLINICIAN: book a GP or physio.
        "below_knee": Level.SEE_CLINICIAN,
        "severe_pain": Level.SEE_CLINICIAN,  # pain >= 7
        "three_in_a_row": Level.SEE_CLINICIAN,  # pain >= 4 on the last three check-ins
        "persistent_over_14_days": Level.SEE_CLINICIAN,  # painful run began > 14 days ago
        "getting_worse": Level.SEE_CLINICIAN,  # >= 4 and >= 2 above the lowest of last three
        # SELF_CARE / OK: only when nothing above fired.
        "mild_pain": Level.SELF_CARE,
        "no_pain": Level.OK,
    }
)

_RED_FLAG_REASON: Mapping[RedFlag, str] = MappingProxyType({flag: flag.value for flag in RedFlag})

_MIN_PAIN = 0
_MAX_PAIN = 10
_SEVERE = 7
_VERY_SEVERE = 9
_PERSISTENT_PAIN = 4
_RUN_LENGTH = 3
_PERSISTENT_DAYS = 14
_WORSE_BY = 2


def _check_pain(value: object, what: str) -> int:
    # bool is a subclass of int, but True is not a pain score.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{what} must be an integer 0-10, got {value!r}")
    if not _MIN_PAIN <= value <= _MAX_PAIN:
        raise ValueError(f"{what} must be between 0 and 10, got {value}")
    return value


def _check_day(value: object, what: str) -> datetime.date:
    # A datetime is a date subclass but cannot be compared with a plain date.
    if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
        raise ValueError(f"{what} must be a datetime.date, got {value!r}")
    return value


def _check_flags(flags: object) -> frozenset[RedFlag]:
    if isinstance(flags, (str, bytes)) or not isinstance(flags, Iterable):
        raise ValueError(f"red_flags must be a set of RedFlag, got {flags!r}")
    checked: set[RedFlag] = set()
    for flag in flags:
        if not isinstance(flag, RedFlag):
            raise ValueError(f"unknown red flag {flag!r}")
        checked.add(flag)
    return frozenset(checked)


def _validate(
    answers: Answers, history: Sequence[PastCheckIn], today: datetime.date
) -> tuple[int, Radiation, frozenset[RedFlag], list[PastCheckIn]]:
    today = _check_day(today, "today")
    pain = _check_pain(answers.pain, "pain")
    if not isinstance(answers.radiation, Radiation):
        raise ValueError(f"radiation must be a Radiation, got {answers.radiation!r}")
    flags = _check_flags(answers.red_flags)
    past: list[PastCheckIn] = []
    for entry in history:
        day = _check_day(entry.day, "past check-in day")
        if day > today:
            raise ValueError(f"past check-in dated {day} is after today ({today})")
        _check_pain(entry.pain, "past pain")
        past.append(entry)
    return pain, answers.radiation, flags, past


def _history_reasons(check_ins: Sequence[PastCheckIn], today: datetime.date) -> list[str]:
    """SEE_CLINICIAN rules over check-ins ordered oldest first, today's answers last."""
    fired: list[str] = []
    pain = check_ins[-1].pain
    last_three = check_ins[-_RUN_LENGTH:]

    if len(last_three) == _RUN_LENGTH and all(c.pain >= _PERSISTENT_PAIN for c in last_three):
        fired.append("three_in_a_row")

    if pain > 0:
        start = today
        for check_in in reversed(check_ins):
            if check_in.pain == 0:
                break
            start = check_in.day
        if (today - start).days > _PERSISTENT_DAYS:
            fired.append("persistent_over_14_days")

    if (
        pain >= _PERSISTENT_PAIN
        and len(last_three) >= 2
        and pain - min(c.pain for c in last_three) >= _WORSE_BY
    ):
        fired.append("getting_worse")

    return fired


def assess(answers: Answers, history: Sequence[PastCheckIn], today: datetime.date) -> Verdict:
    """Triage today's check-in.

    ``history`` holds earlier check-ins in any order; entries dated ``today`` count as
    earlier check-ins of the same day. Raises ValueError on impossible input.
    """
    pain, radiation, flags, past = _validate(answers, history, today)
    below_knee = radiation is Radiation.BELOW_KNEE

    fired: set[str] = {_RED_FLAG_REASON[flag] for flag in flags}
    if below_knee:
        fired.add("below_knee")
        if pain >= _SEVERE:
            fired.add("below_knee_with_severe_pain")
    if pain >= _VERY_SEVERE:
        fired.add("very_severe_pain")
    if pain >= _SEVERE:
        fired.add("severe_pain")

    # sorted() is stable, so same-day entries keep the order they were given in.
    check_ins = [*sorted(past, key=lambda c: c.day), PastCheckIn(day=today, pain=pain)]
    fired.update(_history_reasons(check_ins, today))

    if not fired:
        fired.add("no_pain" if pain == 0 else "mild_pain")

    reasons = tuple(code for code in REASON_LEVEL if code in fired)
    level = max(REASON_LEVEL[code] for code in reasons)
    return Verdict(level=level, reasons=reasons)
