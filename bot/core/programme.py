"""The programme (pure): strength days, exercise levels, sessions, education, return to run.

What a physiotherapist coaching a runner would do, as rules next to the planner, table-tested
in ``tests/test_programme.py``. No Telegram, no database, no clock (times are arguments).

* **Strength days.** The runner's weekly goal (2 or 3 sessions, as guidance suggests) is placed
  on rest days first, spread out so no two sessions fall on consecutive days when the week
  allows it (muscles adapt in the 48 hours between sessions).
* **Levels.** Strength tips belong to families (plank -> side plank from the knees -> ...),
  each tip a level. Each runner has a level per family. Three sessions marked Done with no
  check-in above pain 2 in between move a family up one level. A check-in at pain 3-5 holds
  (the count starts again). A SEE_CLINICIAN verdict or worse, pain 6 or more, or pain 2 or more
  points above the last check-in steps every family back one level. After URGENT or EMERGENCY
  nothing is sent at all until a clinician has cleared the runner (the planner's exercise
  hold); the step back was taken with the verdict.
* **Sessions.** A session is the runner's level in up to three families, the families taking
  turns when there are more, so each comes back every session or two.
* **Education.** Sent once each, in the library's order, on quiet days.
* **Return to run.** After a SELF_CARE or SEE_CLINICIAN episode the runner may take a walk-run
  plan. A step is passed by a run checked in at pain 3/10 or less and a back that has settled by
  the next morning; otherwise the runner goes back a step.
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Final

from bot.core.i18n import N_
from bot.core.models import EDUCATION_CATEGORY, Tip
from bot.core.triage import Level

__all__ = [
    "EXERCISES_PER_SESSION",
    "GOALS",
    "HOLD_FROM_PAIN",
    "RETURN_PAIN_MAX",
    "RETURN_STEPS",
    "RISE_TO_STEP_BACK",
    "SESSIONS_TO_MOVE_UP",
    "STEP_BACK_FROM_PAIN",
    "Change",
    "Exercise",
    "Families",
    "FamilyLevel",
    "LevelStep",
    "ReturnStep",
    "after_check_in",
    "after_return_morning",
    "after_return_run",
    "after_session_done",
    "families_of",
    "next_education",
    "quiet_days",
    "session_exercises",
    "session_number",
    "strength_days",
]

GOALS: Final = (2, 3)
SESSIONS_TO_MOVE_UP: Final = 3
HOLD_FROM_PAIN: Final = 3  # 3-5: hold the level, the count starts again
STEP_BACK_FROM_PAIN: Final = 6
RISE_TO_STEP_BACK: Final = 2  # points above the previous check-in
EXERCISES_PER_SESSION: Final = 3
RETURN_PAIN_MAX: Final = 3


# ---------------------------------------------------------------------------------------------
# Strength days


def _cyclic_gaps(days: Sequence[int]) -> list[int]:
    ordered = sorted(days)
    return [(ordered[(i + 1) % len(ordered)] - d) % 7 or 7 for i, d in enumerate(ordered)]


@lru_cache(maxsize=512)
def strength_days(run_days: frozenset[int], goal: int) -> frozenset[int]:
    """The ``goal`` weekdays (0 = Monday) of the runner's strength sessions.

    Chosen, in this order of importance: as few run days as possible, as few back-to-back
    sessions as possible (Sunday to Monday counts: the weeks follow each other), the widest
    smallest gap, then the earliest days (so the answer is stable)."""
    goal = max(0, min(7, goal))
    if goal == 0:
        return frozenset()
    best: tuple[int, int, int, tuple[int, ...]] | None = None
    for combo in itertools.combinations(range(7), goal):
        gaps = _cyclic_gaps(combo) if goal > 1 else [7]
        score = (
            sum(1 for d in combo if d in run_days),
            sum(1 for g in gaps if g == 1),
            -min(gaps),
            combo,
        )
        if best is None or score < best:
            best = score
    assert best is not None
    return frozenset(best[3])


def quiet_days(run_days: frozenset[int], goal: int) -> frozenset[int]:
    """Days with neither a run nor a strength session, for education; when there are none,
    the days without a session; every day as the last resort."""
    sessions = strength_days(run_days, goal)
    for days in (
        frozenset(range(7)) - run_days - sessions,
        frozenset(range(7)) - sessions,
    ):
        if days:
            return days
    return frozenset(range(7))


def session_number(run_days: frozenset[int], goal: int, weekday: int) -> int:
    """Which of the week's sessions falls on ``weekday`` (1-based; 0 if none does)."""
    ordered = sorted(strength_days(run_days, goal))
    return ordered.index(weekday) + 1 if weekday in ordered else 0


# ---------------------------------------------------------------------------------------------
# Families and levels


@dataclass(frozen=True)
class Families:
    """The progression lines of a tip library: each family's tips by level, in library order."""

    order: tuple[str, ...]
    levels: Mapping[str, Mapping[int, Tip]]

    def top(self, family: str) -> int:
        tips = self.levels.get(family)
        return max(tips) if tips else 0

    def tip_at(self, family: str, level: int) -> Tip | None:
        """The active tip at ``level``, else the nearest active one below, else above (an admin
        may retire a level without breaking the runners on it)."""
        tips = self.levels.get(family, {})
        below = [n for n in tips if n <= level and tips[n].active]
        if below:
            return tips[max(below)]
        above = [n for n in tips if n > level and tips[n].active]
        return tips[min(above)] if above else None

    def name(self, family: str, level: int) -> str:
        """What the runner calls the exercise at ``level``: its tip's title, emoji dropped."""
        tip = self.tip_at(family, level)
        if tip is None:
            return family.replace("_", " ").capitalize()
        return bare_title(tip.title)


def bare_title(title: str) -> str:
    """A tip title without the emoji in front (titles start with at most one)."""
    start = 0
    while start < len(title) and not title[start].isalnum():
        start += 1
    return title[start:].strip() or title


def families_of(tips: Iterable[Tip], categories: Iterable[str] | None = None) -> Families:
    """The families among ``tips`` (those with a tip in ``categories``, when given), ordered by
    where each first appears in the library (category order, then the file's order)."""
    wanted = set(categories) if categories is not None else None
    order: list[str] = []
    levels: dict[str, dict[int, Tip]] = {}
    for tip in tips:
        if not tip.family:
            continue
        levels.setdefault(tip.family, {})[tip.level] = tip
        if tip.family not in order and (wanted is None or tip.category in wanted):
            order.append(tip.family)
    return Families(tuple(order), {f: levels[f] for f in order})


@dataclass(frozen=True)
class FamilyLevel:
    """A runner's place in one family: the level and the Done sessions counted towards the
    next one. ``previous`` is the level before the last change, until a session shows it."""

    family: str
    level: int = 1
    streak: int = 0
    previous: int | None = None


class Change(enum.StrEnum):
    UP = "up"
    HOLD = "hold"
    BACK = "back"


@dataclass(frozen=True)
class LevelStep:
    """One change to a family, for the record and the weekly summary."""

    family: str
    change: Change
    from_level: int
    to_level: int
    reason: str  # done_sessions / pain / rise / verdict


def after_session_done(
    levels: Mapping[str, FamilyLevel], session: Iterable[str], families: Families
) -> tuple[dict[str, FamilyLevel], list[LevelStep]]:
    """A session marked Done: each of its families counts one more; the third in a row with a
    quiet back moves the family up, unless it is at its top level."""
    updated = dict(levels)
    steps: list[LevelStep] = []
    for family in session:
        state = updated.get(family, FamilyLevel(family))
        streak = state.streak + 1
        top = families.top(family) if family in families.levels else state.level
        if streak >= SESSIONS_TO_MOVE_UP and state.level < top:
            updated[family] = FamilyLevel(family, state.level + 1, 0, previous=state.level)
            steps.append(
                LevelStep(family, Change.UP, state.level, state.level + 1, "done_sessions")
            )
        else:
            updated[family] = replace(state, streak=min(streak, SESSIONS_TO_MOVE_UP))
    return updated, steps


def after_check_in(
    levels: Mapping[str, FamilyLevel],
    *,
    pain: int,
    previous_pain: int | None,
    verdict: Level,
) -> tuple[dict[str, FamilyLevel], list[LevelStep]]:
    """A check-in's verdict and pain applied to every family the runner has started."""
    reason = ""
    if verdict >= Level.SEE_CLINICIAN:
        reason = "verdict"
    elif pain >= STEP_BACK_FROM_PAIN:
        reason = "pain"
    elif previous_pain is not None and pain - previous_pain >= RISE_TO_STEP_BACK:
        reason = "rise"
    updated = dict(levels)
    steps: list[LevelStep] = []
    for family, state in levels.items():
        if reason:
            lower = max(1, state.level - 1)
            if lower < state.level:
                updated[family] = FamilyLevel(family, lower, 0, previous=state.level)
                steps.append(LevelStep(family, Change.BACK, state.level, lower, reason))
            else:
                updated[family] = replace(state, streak=0)
                if state.streak:
                    steps.append(LevelStep(family, Change.HOLD, state.level, state.level, reason))
        elif pain >= HOLD_FROM_PAIN and state.streak:
            updated[family] = replace(state, streak=0)
            steps.append(LevelStep(family, Change.HOLD, state.level, state.level, "pain"))
    return updated, steps


@dataclass(frozen=True)
class Exercise:
    """One exercise of a session, as stored in the outbox row and rendered at send time."""

    family: str
    tip_id: str
    level: int
    of: int  # levels in the family
    streak: int  # Done sessions at this level so far
    previous: int | None = None  # the level before a change not shown yet


def session_exercises(
    families: Families,
    levels: Mapping[str, FamilyLevel],
    turn: int,
    size: int = EXERCISES_PER_SESSION,
) -> list[Exercise]:
    """The ``turn``-th session's exercises: ``size`` families in a window that moves along the
    family order each session, each at the runner's level (level 1 for a family not started)."""
    order = families.order
    if not order:
        return []
    count = min(size, len(order))
    start = (turn * count) % len(order)
    chosen = [order[(start + i) % len(order)] for i in range(count)]
    exercises: list[Exercise] = []
    for family in chosen:
        state = levels.get(family, FamilyLevel(family))
        top = families.top(family)
        level = min(state.level, top)
        tip = families.tip_at(family, level)
        if tip is None:
            continue
        exercises.append(
            Exercise(family, tip.id, tip.level, top, state.streak, previous=state.previous)
        )
    return exercises


# ---------------------------------------------------------------------------------------------
# Education


def next_education(tips: Sequence[Tip], sent: Iterable[str]) -> Tip | None:
    """The first active education tip, in library order, the runner has not had."""
    done = set(sent)
    for tip in tips:
        if tip.category == EDUCATION_CATEGORY and tip.active and tip.id not in done:
            return tip
    return None


# ---------------------------------------------------------------------------------------------
# Return to run


@dataclass(frozen=True)
class ReturnStep:
    number: int
    # What the run is, in plain words: the English source, marked for translation; the texts
    # (bot.core.coaching) show it in the runner's language with gettext.
    run: str


RETURN_STEPS: Final[tuple[ReturnStep, ...]] = (
    # Translators: one run of the return-to-run plan; it follows "Step 2: ".
    ReturnStep(1, N_("a brisk 20-30 minute walk")),
    # Translators: one run of the return-to-run plan; it follows "Step 2: ".
    ReturnStep(2, N_("walk 4 min, jog 1 min, 5 times (25 min)")),
    # Translators: one run of the return-to-run plan; it follows "Step 2: ".
    ReturnStep(3, N_("walk 3 min, jog 2 min, 5 times (25 min)")),
    # Translators: one run of the return-to-run plan; it follows "Step 2: ".
    ReturnStep(4, N_("walk 2 min, jog 3 min, 5 times (25 min)")),
    # Translators: one run of the return-to-run plan; it follows "Step 2: ".
    ReturnStep(5, N_("walk 1 min, jog 4 min, 5 times (25 min)")),
    # Translators: one run of the return-to-run plan; it follows "Step 2: ".
    ReturnStep(6, N_("20-30 minutes of easy running, no walking")),
)


class ReturnChange(enum.StrEnum):
    AWAIT_MORNING = "await_morning"  # passed the run; the morning decides
    BACK = "back"  # too sore during the run: one step back
    UP = "up"  # settled by the morning: the next step is unlocked
    DONE = "done"  # the last step settled: back to the usual plan
    STAY = "stay"  # not settled, already at step 1


def after_return_run(
    step: int, pain: int, *, ran: bool = True, verdict: Level = Level.OK
) -> tuple[int, ReturnChange]:
    """A check-in during the plan. A run at 3/10 or less waits for the morning. Above it, a
    "didn't run" for the back, or a verdict to see a clinician: one step back (never below
    step 1). After a doctor-today verdict the plan starts again from the walk, once cleared."""
    if verdict >= Level.URGENT:
        return 1, ReturnChange.BACK if step > 1 else ReturnChange.STAY
    if pain <= RETURN_PAIN_MAX and ran and verdict < Level.SEE_CLINICIAN:
        return step, ReturnChange.AWAIT_MORNING
    if step > 1:
        return step - 1, ReturnChange.BACK
    return step, ReturnChange.STAY


def after_return_morning(step: int, *, settled: bool) -> tuple[int | None, ReturnChange]:
    """The morning after a passed run: settled unlocks the next step (None: the plan is done);
    still sore goes one step back."""
    if settled:
        if step >= len(RETURN_STEPS):
            return None, ReturnChange.DONE
        return step + 1, ReturnChange.UP
    if step > 1:
        return step - 1, ReturnChange.BACK
    return step, ReturnChange.STAY
