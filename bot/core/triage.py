"""Check-in triage: turn one check-in's answers (plus past check-ins) into a verdict.

Pure: no Telegram, no database, no clock. ``today`` is passed in by the caller.

Levels, most urgent first: EMERGENCY (call emergency services now: possible cauda equina,
chest pain, a serious accident), URGENT (see a doctor today), SEE_CLINICIAN (book a GP or
physio), SELF_CARE, OK. The highest level wins and ``Verdict.reasons`` names every rule that
fired, as short machine-readable codes ordered most urgent first (the order of ``REASON_LEVEL``).

The rules follow public guidance: the NHS back pain, sciatica and cauda equina pages (call 999:
numbness around the genitals or bottom, trouble peeing or controlling the bladder or bowels,
new sexual problems, weakness, numbness or sciatica in both legs, chest pain, a serious
accident; urgent GP or 111: a high temperature, unexplained weight loss, a lump or changed
shape, pain worse at night or not easing with rest, pain between the shoulder blades) and the
red flags NICE NG59 points to (NICE CKS "Back pain - low (without radiculopathy)": history of
cancer, new pain over 50 or under 20, steroids or osteoporosis with minor trauma, weakened
immunity, progressive neurological deficit).

Terms used by the history and risk-profile rules (``_LOOKBACK_DAYS`` = 28):

* **earlier check-ins**: the entries of ``history``; entries dated ``today`` are earlier
  check-ins of the same day.
* **new pain** (also "first episode"): pain > 0 today and no earlier check-in dated within the
  last 28 days (``today - 28 <= day <= today``) had pain > 0. With no history at all, a
  painful check-in is new pain: we can't tell otherwise, and the safe guess is "new".
* **continuing pain**: pain > 0 today and at least one earlier check-in in those 28 days had
  pain > 0. Exactly one of "new" and "continuing" holds whenever pain > 0.
* **recurring pain** (``recurring_pain``): pain > 0 today and, counting today's check-in with
  the earlier ones dated within the last 21 days (three weeks), at least 3 were painful, the
  painful ones are more than half of them, and the oldest painful one is more than 14 days
  old. Pain-free check-ins in between only count against the majority, so one good day does
  not reset anything.
* **slow climb** (``slow_climb``): counting today's check-in with the earlier ones dated within
  the last 14 days: at least 4 check-ins, the oldest of them at least 7 days old, at least 3
  painful; today's pain is the highest of them and at least 2 above the oldest one; and pain
  dropped from one check-in to the next at most once (e.g. 1, 1, 2, 2, 3 over two weeks).
"""

from __future__ import annotations

import datetime
import enum
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import TypeVar

__all__ = [
    "CHECKLIST_ORDER",
    "EMERGENCY_FLAGS",
    "REASON_LEVEL",
    "URGENT_FLAGS",
    "Answers",
    "Level",
    "PastCheckIn",
    "Radiation",
    "RedFlag",
    "RiskFactor",
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
    BOTH_LEGS = "both_legs"  # pain or sciatica down both legs: possible cauda equina


class RedFlag(enum.Enum):
    # Emergency signs (possible cauda equina, or another emergency).
    SADDLE_NUMBNESS = "saddle_numbness"
    BLADDER_BOWEL = "bladder_bowel"
    BOTH_LEGS_WEAKNESS = "both_legs_weakness"
    SEXUAL_DYSFUNCTION = "sexual_dysfunction"
    CHEST_PAIN = "chest_pain"
    SERIOUS_ACCIDENT = "serious_accident"  # hit by a vehicle, fall from a height
    # Urgent signs (see a doctor today).
    ONE_LEG_WEAKER = "one_leg_weaker"  # one leg or foot getting weaker, foot drop
    FEVER = "fever"
    TRAUMA = "trauma"  # a fall or knock
    NIGHT_PAIN = "night_pain"
    WEIGHT_LOSS_OR_CANCER = "weight_loss_or_cancer"  # asked as "unexplained weight loss"
    UPPER_BACK = "upper_back"
    LUMP_OR_SHAPE = "lump_or_shape"


class RiskFactor(enum.Enum):
    """The optional risk profile asked once at onboarding (changeable in /settings)."""

    AGE_UNDER_20 = "age_under_20"
    AGE_OVER_50 = "age_over_50"
    CANCER_HISTORY = "cancer_history"
    STEROIDS_OR_OSTEOPOROSIS = "steroids_or_osteoporosis"
    WEAK_IMMUNITY = "weak_immunity"
    LOW_ENERGY = "low_energy"  # missed periods, under-fuelling, past stress fractures


# Signs that mean "call emergency services now", in the order a runner reads them (cauda
# equina signs, then chest pain and a serious accident) ...
_EMERGENCY_ORDER: tuple[RedFlag, ...] = (
    RedFlag.SADDLE_NUMBNESS,
    RedFlag.BLADDER_BOWEL,
    RedFlag.BOTH_LEGS_WEAKNESS,
    RedFlag.SEXUAL_DYSFUNCTION,
    RedFlag.CHEST_PAIN,
    RedFlag.SERIOUS_ACCIDENT,
)
# ... and signs that mean "see a doctor today" (nerve signs first).
_URGENT_ORDER: tuple[RedFlag, ...] = (
    RedFlag.ONE_LEG_WEAKER,
    RedFlag.FEVER,
    RedFlag.TRAUMA,
    RedFlag.NIGHT_PAIN,
    RedFlag.WEIGHT_LOSS_OR_CANCER,
    RedFlag.UPPER_BACK,
    RedFlag.LUMP_OR_SHAPE,
)
EMERGENCY_FLAGS: frozenset[RedFlag] = frozenset(_EMERGENCY_ORDER)
URGENT_FLAGS: frozenset[RedFlag] = frozenset(set(RedFlag) - EMERGENCY_FLAGS)
# The order a runner reads the checklist in: the emergency signs first.
CHECKLIST_ORDER: tuple[RedFlag, ...] = _EMERGENCY_ORDER + _URGENT_ORDER


@dataclass(frozen=True)
class Answers:
    pain: int
    radiation: Radiation
    red_flags: frozenset[RedFlag]
    risk_factors: frozenset[RiskFactor] = frozenset()


@dataclass(frozen=True)
class PastCheckIn:
    day: datetime.date
    pain: int
    # Where the pain went that day; None when it was not recorded (older rows).
    radiation: Radiation | None = None


@dataclass(frozen=True)
class Verdict:
    level: Level
    reasons: tuple[str, ...]


# Every reason code with its level, in the order reasons are reported (most urgent first).
REASON_LEVEL: Mapping[str, Level] = MappingProxyType(
    {
        # EMERGENCY: call emergency services now, whatever the pain score.
        "saddle_numbness": Level.EMERGENCY,
        "bladder_bowel": Level.EMERGENCY,
        "both_legs_weakness": Level.EMERGENCY,
        "both_legs_pain": Level.EMERGENCY,  # pain or sciatica down both legs
        "sexual_dysfunction": Level.EMERGENCY,
        "chest_pain": Level.EMERGENCY,
        "serious_accident": Level.EMERGENCY,
        # URGENT: see a doctor today.
        "one_leg_weaker": Level.URGENT,
        "fever": Level.URGENT,
        "fever_with_weak_immunity": Level.URGENT,  # FEVER + WEAK_IMMUNITY
        "trauma": Level.URGENT,
        "trauma_with_fragile_bones": Level.URGENT,  # a fall or accident + steroids/osteoporosis
        "night_pain": Level.URGENT,
        "weight_loss_or_cancer": Level.URGENT,  # unexplained weight loss
        "cancer_history_new_pain": Level.URGENT,  # CANCER_HISTORY + new pain
        "upper_back": Level.URGENT,
        "lump_or_shape": Level.URGENT,
        "below_knee_with_severe_pain": Level.URGENT,  # below the knee and pain >= 7
        "very_severe_pain": Level.URGENT,  # pain >= 9
        # SEE_CLINICIAN: book a GP or physio.
        "below_knee": Level.SEE_CLINICIAN,
        "severe_pain": Level.SEE_CLINICIAN,  # pain >= 7
        "three_in_a_row": Level.SEE_CLINICIAN,  # pain >= 4 on the last three check-ins
        "persistent_over_14_days": Level.SEE_CLINICIAN,  # unbroken painful run began > 14 days ago
        "recurring_pain": Level.SEE_CLINICIAN,  # painful on most check-ins over three weeks
        "getting_worse": Level.SEE_CLINICIAN,  # >= 4 and >= 2 above the lowest of last three
        "slow_climb": Level.SEE_CLINICIAN,  # creeping up over two weeks
        "cancer_history_ongoing_pain": Level.SEE_CLINICIAN,  # CANCER_HISTORY + continuing pain
        "over_50_new_pain": Level.SEE_CLINICIAN,  # AGE_OVER_50 + new pain
        "under_20_new_pain": Level.SEE_CLINICIAN,  # AGE_UNDER_20 + new pain
        "weak_immunity_new_pain": Level.SEE_CLINICIAN,  # WEAK_IMMUNITY + new pain
        "possible_bone_stress": Level.SEE_CLINICIAN,  # LOW_ENERGY + back/buttock pain twice
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
_LOOKBACK_DAYS = 28  # "new" vs "continuing" pain
_RECURRING_WINDOW_DAYS = 21
_RECURRING_MIN_PAINFUL = 3
_CLIMB_WINDOW_DAYS = 14
_CLIMB_MIN_CHECK_INS = 4
_CLIMB_MIN_SPAN_DAYS = 7
_CLIMB_MIN_PAINFUL = 3
_CLIMB_BY = 2
_CLIMB_MAX_DROPS = 1
_BONE_STRESS_RUN = 2
# Pain in the lower back or deep in the buttock (bone stress of the spine, sacrum or pelvis);
# None is an older check-in whose radiation was not recorded, counted in on the safe side.
_BONE_STRESS_RADIATION = frozenset({Radiation.NONE, Radiation.BUTTOCK_THIGH, None})

_E = TypeVar("_E", bound=enum.Enum)


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


def _check_members(values: object, kind: type[_E], what: str) -> frozenset[_E]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise ValueError(f"{what} must be a set of {kind.__name__}, got {values!r}")
    checked: set[_E] = set()
    for value in values:
        if not isinstance(value, kind):
            raise ValueError(f"unknown {kind.__name__} {value!r} in {what}")
        checked.add(value)
    return frozenset(checked)


@dataclass(frozen=True)
class _Input:
    pain: int
    radiation: Radiation
    flags: frozenset[RedFlag]
    risks: frozenset[RiskFactor]
    past: tuple[PastCheckIn, ...]


def _validate(answers: Answers, history: Sequence[PastCheckIn], today: datetime.date) -> _Input:
    today = _check_day(today, "today")
    pain = _check_pain(answers.pain, "pain")
    if not isinstance(answers.radiation, Radiation):
        raise ValueError(f"radiation must be a Radiation, got {answers.radiation!r}")
    flags = _check_members(answers.red_flags, RedFlag, "red_flags")
    risks = _check_members(answers.risk_factors, RiskFactor, "risk_factors")
    if {RiskFactor.AGE_UNDER_20, RiskFactor.AGE_OVER_50} <= risks:
        raise ValueError("risk_factors cannot be both under 20 and over 50")
    past: list[PastCheckIn] = []
    for entry in history:
        if not isinstance(entry, PastCheckIn):
            raise ValueError(f"history entries must be PastCheckIn, got {entry!r}")
        day = _check_day(entry.day, "past check-in day")
        if day > today:
            raise ValueError(f"past check-in dated {day} is after today ({today})")
        _check_pain(entry.pain, "past pain")
        if entry.radiation is not None and not isinstance(entry.radiation, Radiation):
            raise ValueError(f"past radiation must be a Radiation or None, got {entry.radiation!r}")
        past.append(entry)
    return _Input(pain, answers.radiation, flags, risks, tuple(past))


def _within(check_ins: Iterable[PastCheckIn], today: datetime.date, days: int) -> list[PastCheckIn]:
    """The check-ins dated from ``days`` days before ``today`` up to ``today``, order kept."""
    return [c for c in check_ins if (today - c.day).days <= days]


def _recurring(check_ins: Sequence[PastCheckIn], today: datetime.date) -> bool:
    window = _within(check_ins, today, _RECURRING_WINDOW_DAYS)
    painful = [c for c in window if c.pain > 0]
    return (
        check_ins[-1].pain > 0
        and len(painful) >= _RECURRING_MIN_PAINFUL
        and 2 * len(painful) > len(window)
        and (today - painful[0].day).days > _PERSISTENT_DAYS
    )


def _slow_climb(check_ins: Sequence[PastCheckIn], today: datetime.date) -> bool:
    window = _within(check_ins, today, _CLIMB_WINDOW_DAYS)
    if len(window) < _CLIMB_MIN_CHECK_INS or (today - window[0].day).days < _CLIMB_MIN_SPAN_DAYS:
        return False
    pains = [c.pain for c in window]
    now = pains[-1]
    drops = sum(1 for before, after in itertools.pairwise(pains) if after < before)
    return (
        now > 0
        and sum(1 for p in pains if p > 0) >= _CLIMB_MIN_PAINFUL
        and now == max(pains)
        and now - pains[0] >= _CLIMB_BY
        and drops <= _CLIMB_MAX_DROPS
    )


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

    if _recurring(check_ins, today):
        fired.append("recurring_pain")

    if (
        pain >= _PERSISTENT_PAIN
        and len(last_three) >= 2
        and pain - min(c.pain for c in last_three) >= _WORSE_BY
    ):
        fired.append("getting_worse")

    if _slow_climb(check_ins, today):
        fired.append("slow_climb")

    return fired


def _risk_reasons(
    given: _Input, check_ins: Sequence[PastCheckIn], today: datetime.date
) -> list[str]:
    """Rules that combine the risk profile with today's answers and recent check-ins."""
    risks, flags, pain = given.risks, given.flags, given.pain
    earlier = _within(given.past, today, _LOOKBACK_DAYS)
    had_pain = any(c.pain > 0 for c in earlier)
    new_pain = pain > 0 and not had_pain
    continuing = pain > 0 and had_pain
    fired: list[str] = []

    if RiskFactor.CANCER_HISTORY in risks:
        if new_pain:
            fired.append("cancer_history_new_pain")
        elif continuing:
            fired.append("cancer_history_ongoing_pain")
    if RiskFactor.AGE_OVER_50 in risks and new_pain:
        fired.append("over_50_new_pain")
    # NICE CKS lists new back pain under 20 beside new pain over 50 among the signs that may
    # point to a serious cause, and in young athletes new low back pain is often a stress
    # injury of the spine (spondylolysis): worth a GP or physio, not a same-day doctor.
    if RiskFactor.AGE_UNDER_20 in risks and new_pain:
        fired.append("under_20_new_pain")
    # Minor trauma breaks fragile bones: any pain score, even 0.
    if RiskFactor.STEROIDS_OR_OSTEOPOROSIS in risks and flags & {
        RedFlag.TRAUMA,
        RedFlag.SERIOUS_ACCIDENT,
    }:
        fired.append("trauma_with_fragile_bones")
    if RiskFactor.WEAK_IMMUNITY in risks:
        if RedFlag.FEVER in flags:
            fired.append("fever_with_weak_immunity")
        if new_pain:
            fired.append("weak_immunity_new_pain")
    if RiskFactor.LOW_ENERGY in risks and _bone_stress(check_ins, today):
        fired.append("possible_bone_stress")
    return fired


def _bone_stress(check_ins: Sequence[PastCheckIn], today: datetime.date) -> bool:
    """Lower back or buttock pain on the last two check-ins (the earlier one in 28 days)."""
    last = check_ins[-_BONE_STRESS_RUN:]
    return (
        len(last) == _BONE_STRESS_RUN
        and (today - last[0].day).days <= _LOOKBACK_DAYS
        and all(c.pain > 0 and c.radiation in _BONE_STRESS_RADIATION for c in last)
    )


def assess(answers: Answers, history: Sequence[PastCheckIn], today: datetime.date) -> Verdict:
    """Triage today's check-in.

    ``history`` holds earlier check-ins in any order; entries dated ``today`` count as
    earlier check-ins of the same day. "New pain", "continuing pain", "recurring pain" and
    "slow climb" are defined in the module docstring. Raises ValueError on impossible input:
    a pain score outside 0-10 (or not an int), a radiation that isn't a Radiation, a red flag
    that isn't a RedFlag, a risk factor that isn't a RiskFactor, both age bands at once, a
    history entry dated after today, or a datetime where a date belongs.
    """
    given = _validate(answers, history, today)
    pain, radiation, flags = given.pain, given.radiation, given.flags

    fired: set[str] = {_RED_FLAG_REASON[flag] for flag in flags}
    if radiation is Radiation.BOTH_LEGS:
        fired.add("both_legs_pain")
    if radiation is Radiation.BELOW_KNEE:
        fired.add("below_knee")
        if pain >= _SEVERE:
            fired.add("below_knee_with_severe_pain")
    if pain >= _VERY_SEVERE:
        fired.add("very_severe_pain")
    if pain >= _SEVERE:
        fired.add("severe_pain")

    # sorted() is stable, so same-day entries keep the order they were given in.
    check_ins = [
        *sorted(given.past, key=lambda c: c.day),
        PastCheckIn(day=today, pain=pain, radiation=radiation),
    ]
    fired.update(_history_reasons(check_ins, today))
    fired.update(_risk_reasons(given, check_ins, today))

    if not fired:
        fired.add("no_pain" if pain == 0 else "mild_pain")

    reasons = tuple(code for code in REASON_LEVEL if code in fired)
    level = max(REASON_LEVEL[code] for code in reasons)
    return Verdict(level=level, reasons=reasons)
