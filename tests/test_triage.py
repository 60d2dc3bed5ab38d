"""Clinical vignettes and properties for bot.triage.assess.

The vignettes check our rules against public guidance, not only against our own table:
NHS "Back pain" (call 999 / urgent GP or 111 / see a GP), NHS "Sciatica" (999 for sciatica on
both sides), NHS "Cauda equina syndrome", and the red flags behind NICE NG59 (NICE CKS "Back
pain - low": history of cancer, new pain over 50 or under 20, steroids or osteoporosis with
minor trauma, weakened immunity). Each guidance row names its source in a comment.
"""

from __future__ import annotations

import datetime
import itertools
import random
from collections.abc import Sequence
from typing import Any, NamedTuple

import pytest

from bot.core import triage
from bot.core.triage import Answers, Level, PastCheckIn, Radiation, RedFlag, RiskFactor, assess

TODAY = datetime.date(2024, 6, 15)

NONE = Radiation.NONE
THIGH = Radiation.BUTTOCK_THIGH
KNEE = Radiation.BELOW_KNEE
BOTH = Radiation.BOTH_LEGS

SADDLE = RedFlag.SADDLE_NUMBNESS
BLADDER = RedFlag.BLADDER_BOWEL
LEGS = RedFlag.BOTH_LEGS_WEAKNESS
SEX = RedFlag.SEXUAL_DYSFUNCTION
CHEST = RedFlag.CHEST_PAIN
ACCIDENT = RedFlag.SERIOUS_ACCIDENT
ONE_LEG = RedFlag.ONE_LEG_WEAKER
FEVER = RedFlag.FEVER
TRAUMA = RedFlag.TRAUMA
NIGHT = RedFlag.NIGHT_PAIN
CANCER = RedFlag.WEIGHT_LOSS_OR_CANCER  # asked as unexplained weight loss only
UPPER = RedFlag.UPPER_BACK
LUMP = RedFlag.LUMP_OR_SHAPE

UNDER_20 = RiskFactor.AGE_UNDER_20
OVER_50 = RiskFactor.AGE_OVER_50
CANCER_HX = RiskFactor.CANCER_HISTORY
STEROIDS = RiskFactor.STEROIDS_OR_OSTEOPOROSIS
IMMUNITY = RiskFactor.WEAK_IMMUNITY
LOW_ENERGY = RiskFactor.LOW_ENERGY

# The original three cauda equina flags and four urgent ones: the older vignettes use these.
CAUDA_FLAGS = (SADDLE, BLADDER, LEGS)
OLD_URGENT_FLAGS = (FEVER, TRAUMA, NIGHT, CANCER)


def ans(
    pain: int,
    radiation: Radiation = NONE,
    *flags: RedFlag,
    risks: frozenset[RiskFactor] | set[RiskFactor] = frozenset(),
) -> Answers:
    return Answers(
        pain=pain, radiation=radiation, red_flags=frozenset(flags), risk_factors=frozenset(risks)
    )


def hist(*entries: tuple[int, int]) -> tuple[PastCheckIn, ...]:
    """(days before today, pain) pairs, in the order given."""
    return tuple(
        PastCheckIn(day=TODAY - datetime.timedelta(days=ago), pain=pain) for ago, pain in entries
    )


def rhist(*entries: tuple[int, int, Radiation | None]) -> tuple[PastCheckIn, ...]:
    """(days before today, pain, radiation) triples, in the order given."""
    return tuple(
        PastCheckIn(day=TODAY - datetime.timedelta(days=ago), pain=pain, radiation=radiation)
        for ago, pain, radiation in entries
    )


class Case(NamedTuple):
    id: str
    answers: Answers
    history: Sequence[PastCheckIn]
    level: Level
    reasons: tuple[str, ...]


E, U, S, C, OK = (
    Level.EMERGENCY,
    Level.URGENT,
    Level.SEE_CLINICIAN,
    Level.SELF_CARE,
    Level.OK,
)

FLAG_LEVEL = {
    # NHS back pain, "call 999 or go to A&E": numbness or tingling around the genitals or
    # buttocks, difficulty peeing, loss of bladder or bowel control, new erection problems
    # (cauda equina page), weakness or numbness in both legs, chest pain, a serious accident.
    SADDLE: E,
    BLADDER: E,
    LEGS: E,
    SEX: E,
    CHEST: E,
    ACCIDENT: E,
    # NHS sciatica / back pain, "urgent GP or 111": weakness in one leg that gets worse, a high
    # temperature or feeling unwell, pain after a fall, pain worse at night or not easing with
    # rest, weight loss without trying, pain between the shoulder blades, a lump or swelling
    # or a back that has changed shape.
    ONE_LEG: U,
    FEVER: U,
    TRAUMA: U,
    NIGHT: U,
    CANCER: U,
    UPPER: U,
    LUMP: U,
}

CASES: list[Case] = [
    # --- every red flag alone, at pain 0 and pain 5 ---
    *(
        Case(f"{flag.value}-alone-pain{pain}", ans(pain, NONE, flag), (), level, (flag.value,))
        for flag, level in FLAG_LEVEL.items()
        for pain in (0, 5)
    ),
    # --- combinations: the highest level wins, every rule is listed, most urgent first ---
    Case(
        "all-emergency-flags-pain0",
        ans(0, NONE, LEGS, BLADDER, SADDLE),
        (),
        E,
        ("saddle_numbness", "bladder_bowel", "both_legs_weakness"),
    ),
    Case(
        "saddle+fever+trauma-pain3",
        ans(3, NONE, TRAUMA, FEVER, SADDLE),
        (),
        E,
        ("saddle_numbness", "fever", "trauma"),
    ),
    Case(
        "bladder+night+cancer-pain0",
        ans(0, THIGH, CANCER, NIGHT, BLADDER),
        (),
        E,
        ("bladder_bowel", "night_pain", "weight_loss_or_cancer"),
    ),
    Case(
        "both-legs+below-knee-pain8",
        ans(8, KNEE, LEGS),
        (),
        E,
        ("both_legs_weakness", "below_knee_with_severe_pain", "below_knee", "severe_pain"),
    ),
    Case(
        "everything-pain10-below-knee",
        ans(10, KNEE, *RedFlag),
        (),
        E,
        (
            "saddle_numbness",
            "bladder_bowel",
            "both_legs_weakness",
            "sexual_dysfunction",
            "chest_pain",
            "serious_accident",
            "one_leg_weaker",
            "fever",
            "trauma",
            "night_pain",
            "weight_loss_or_cancer",
            "upper_back",
            "lump_or_shape",
            "below_knee_with_severe_pain",
            "very_severe_pain",
            "below_knee",
            "severe_pain",
        ),
    ),
    Case("fever+night-pain2", ans(2, NONE, NIGHT, FEVER), (), U, ("fever", "night_pain")),
    Case(
        "all-urgent-flags-pain0",
        ans(0, NONE, *triage.URGENT_FLAGS),
        (),
        U,
        (
            "one_leg_weaker",
            "fever",
            "trauma",
            "night_pain",
            "weight_loss_or_cancer",
            "upper_back",
            "lump_or_shape",
        ),
    ),
    Case("trauma+below-knee-pain4", ans(4, KNEE, TRAUMA), (), U, ("trauma", "below_knee")),
    Case("fever+pain9", ans(9, NONE, FEVER), (), U, ("fever", "very_severe_pain", "severe_pain")),
    # --- pain boundaries, no radiation ---
    Case("pain0", ans(0), (), OK, ("no_pain",)),
    Case("pain1", ans(1), (), C, ("mild_pain",)),
    Case("pain3", ans(3), (), C, ("mild_pain",)),
    Case("pain4-no-history", ans(4), (), C, ("mild_pain",)),
    Case("pain6", ans(6), (), C, ("mild_pain",)),
    Case("pain7", ans(7), (), S, ("severe_pain",)),
    Case("pain8", ans(8), (), S, ("severe_pain",)),
    Case("pain9", ans(9), (), U, ("very_severe_pain", "severe_pain")),
    Case("pain10", ans(10), (), U, ("very_severe_pain", "severe_pain")),
    # --- buttock/thigh radiation changes nothing by itself ---
    Case("thigh-pain0", ans(0, THIGH), (), OK, ("no_pain",)),
    Case("thigh-pain3", ans(3, THIGH), (), C, ("mild_pain",)),
    Case("thigh-pain6", ans(6, THIGH), (), C, ("mild_pain",)),
    Case("thigh-pain7", ans(7, THIGH), (), S, ("severe_pain",)),
    Case("thigh-pain9", ans(9, THIGH), (), U, ("very_severe_pain", "severe_pain")),
    # --- below the knee ---
    Case("below-knee-pain0", ans(0, KNEE), (), S, ("below_knee",)),
    Case("below-knee-pain3", ans(3, KNEE), (), S, ("below_knee",)),
    Case("below-knee-pain4", ans(4, KNEE), (), S, ("below_knee",)),
    Case("below-knee-pain6", ans(6, KNEE), (), S, ("below_knee",)),
    Case(
        "below-knee-pain7",
        ans(7, KNEE),
        (),
        U,
        ("below_knee_with_severe_pain", "below_knee", "severe_pain"),
    ),
    Case(
        "below-knee-pain8",
        ans(8, KNEE),
        (),
        U,
        ("below_knee_with_severe_pain", "below_knee", "severe_pain"),
    ),
    Case(
        "below-knee-pain9",
        ans(9, KNEE),
        (),
        U,
        ("below_knee_with_severe_pain", "very_severe_pain", "below_knee", "severe_pain"),
    ),
    # --- three check-ins in a row at >= 4 ---
    Case("three-in-a-row-4-4-4", ans(4), hist((2, 4), (1, 4)), S, ("three_in_a_row",)),
    Case("three-in-a-row-first-is-3", ans(4), hist((2, 3), (1, 4)), C, ("mild_pain",)),
    Case("three-in-a-row-middle-is-3", ans(4), hist((2, 4), (1, 3)), C, ("mild_pain",)),
    Case("three-in-a-row-today-is-3", ans(3), hist((2, 4), (1, 4)), C, ("mild_pain",)),
    Case("only-two-check-ins-at-5", ans(5), hist((1, 5)), C, ("mild_pain",)),
    Case("three-in-a-row-days-apart", ans(5), hist((10, 5), (5, 5)), S, ("three_in_a_row",)),
    Case(
        "three-in-a-row-older-low-ignored",
        ans(6),
        hist((3, 1), (2, 6), (1, 6)),
        S,
        ("three_in_a_row",),
    ),
    Case("three-in-a-row-same-day", ans(4), hist((0, 4), (0, 4)), S, ("three_in_a_row",)),
    # --- painful run that began more than 14 days ago ---
    Case("run-started-14-days-ago", ans(2), hist((14, 2), (7, 2)), C, ("mild_pain",)),
    # Changed by the recurring rule: three painful check-ins out of three, the oldest more
    # than 14 days ago, is also "pain on most check-ins over the last 3 weeks".
    Case(
        "run-started-15-days-ago",
        ans(2),
        hist((15, 2), (7, 2)),
        S,
        ("persistent_over_14_days", "recurring_pain"),
    ),
    # Changed on purpose (was SELF_CARE): one pain-free day must not reset the count, so
    # three painful check-ins out of four over 20 days is recurring pain.
    Case(
        "run-broken-by-pain-free",
        ans(2),
        hist((20, 2), (10, 0), (5, 2)),
        S,
        ("recurring_pain",),
    ),
    Case("pain-free-15-days-ago", ans(1), hist((15, 0), (14, 1)), C, ("mild_pain",)),
    Case("gap-does-not-break-run", ans(1), hist((30, 1)), S, ("persistent_over_14_days",)),
    Case("long-run-but-pain0-today", ans(0), hist((30, 2), (1, 2)), OK, ("no_pain",)),
    Case(
        "pain-free-earlier-today-breaks-run",
        ans(3),
        hist((20, 3), (0, 0)),
        C,
        ("mild_pain",),
    ),
    Case(
        "painful-earlier-today-keeps-run",
        ans(3),
        hist((20, 3), (0, 3)),
        S,
        ("persistent_over_14_days", "recurring_pain"),  # recurring added by the new rule
    ),
    # --- getting worse: today >= 4 and >= 2 above the lowest of the last three ---
    Case("worse-by-exactly-2", ans(5), hist((2, 3), (1, 3)), S, ("getting_worse",)),
    Case("worse-by-only-1", ans(4), hist((2, 3), (1, 3)), C, ("mild_pain",)),
    Case("worse-today-4-one-earlier", ans(4), hist((1, 2)), S, ("getting_worse",)),
    Case("worse-but-today-only-3", ans(3), hist((1, 1)), C, ("mild_pain",)),
    Case("worse-lowest-not-latest", ans(4), hist((2, 2), (1, 6)), S, ("getting_worse",)),
    Case(
        "worse-lowest-outside-last-three",
        ans(5),
        hist((3, 1), (2, 4), (1, 4)),
        S,
        ("three_in_a_row",),
    ),
    Case("improving-two-check-ins", ans(4), hist((1, 6)), C, ("mild_pain",)),
    Case("improving-still-three-at-4-plus", ans(4), hist((2, 8), (1, 6)), S, ("three_in_a_row",)),
    # --- several rules together ---
    # recurring_pain added by the new rule in the next three (painful on 3 of 3 over 20 days).
    Case(
        "all-history-rules",
        ans(6),
        hist((20, 4), (1, 4)),
        S,
        ("three_in_a_row", "persistent_over_14_days", "recurring_pain", "getting_worse"),
    ),
    Case(
        "fever+history",
        ans(6, NONE, FEVER),
        hist((20, 4), (1, 4)),
        U,
        ("fever", "three_in_a_row", "persistent_over_14_days", "recurring_pain", "getting_worse"),
    ),
    Case(
        "pain9+history",
        ans(9),
        hist((2, 5), (1, 7)),
        U,
        ("very_severe_pain", "severe_pain", "three_in_a_row", "getting_worse"),
    ),
    Case(
        "saddle+below-knee+history",
        ans(7, KNEE, SADDLE),
        hist((16, 2), (1, 5)),
        E,
        (
            "saddle_numbness",
            "below_knee_with_severe_pain",
            "below_knee",
            "severe_pain",
            "persistent_over_14_days",
            "recurring_pain",
            "getting_worse",
        ),
    ),
    # --- history in any order ---
    Case(
        "shuffled-history-three-in-a-row",
        ans(5),
        hist((1, 5), (30, 0), (2, 4), (20, 1)),
        S,
        ("three_in_a_row", "persistent_over_14_days", "recurring_pain"),  # recurring: new rule
    ),
    # Changed on purpose (was SELF_CARE): 3 of the 4 check-ins in three weeks were painful,
    # the oldest 18 days ago; the pain-free day between must not reset the count.
    Case(
        "shuffled-history-broken-run",
        ans(2),
        hist((3, 2), (25, 2), (10, 0), (18, 3)),
        S,
        ("recurring_pain",),
    ),
]


# Rows of the check-in issue's table and the risk profile, checked against public guidance.
GUIDANCE_CASES: list[Case] = [
    # --- EMERGENCY: NHS sciatica, "call 999 if you have sciatica on both sides" ---
    Case("both-legs-pain3", ans(3, BOTH), (), E, ("both_legs_pain",)),
    Case("both-legs-pain0", ans(0, BOTH), (), E, ("both_legs_pain",)),
    Case(
        "both-legs-pain9",
        ans(9, BOTH),
        (),
        E,
        ("both_legs_pain", "very_severe_pain", "severe_pain"),
    ),
    # NHS cauda equina: new erection problems or loss of feeling during sex, with back pain.
    Case("sexual-dysfunction-pain2", ans(2, THIGH, SEX), (), E, ("sexual_dysfunction",)),
    # NHS back pain: chest pain with back pain, or pain after a serious accident -> 999.
    Case("chest-pain-pain4", ans(4, NONE, CHEST), (), E, ("chest_pain",)),
    Case(
        "serious-accident-and-fall",
        ans(6, NONE, ACCIDENT, TRAUMA),
        (),
        E,
        ("serious_accident", "trauma"),
    ),
    Case(
        "emergency-signs-beat-urgent-ones",
        ans(1, NONE, CHEST, ONE_LEG, UPPER),
        (),
        E,
        ("chest_pain", "one_leg_weaker", "upper_back"),
    ),
    # --- URGENT: NHS sciatica, weakness in one leg getting worse -> urgent GP or 111 ---
    Case("one-leg-weaker-pain2", ans(2, KNEE, ONE_LEG), (), U, ("one_leg_weaker", "below_knee")),
    # NHS back pain: pain between the shoulder blades; a lump, swelling or changed shape.
    Case("upper-back-pain3", ans(3, NONE, UPPER), (), U, ("upper_back",)),
    Case("lump-pain0", ans(0, NONE, LUMP), (), U, ("lump_or_shape",)),
    Case("weight-loss-pain1", ans(1, NONE, CANCER), (), U, ("weight_loss_or_cancer",)),
    # --- SEE_CLINICIAN: NHS back pain, "see a GP if it does not improve after a few weeks" ---
    # Recurring: painful on most check-ins over three weeks, pain-free days between.
    Case(
        "recurring-with-two-good-days",
        ans(2),
        hist((20, 2), (17, 0), (14, 3), (10, 2), (7, 0), (3, 2)),
        S,
        ("recurring_pain",),
    ),
    Case(
        "recurring-one-good-day-does-not-reset",
        ans(1),
        hist((18, 1), (12, 1), (6, 0)),
        S,
        ("recurring_pain",),
    ),
    Case(
        "recurring-oldest-exactly-21-days",
        ans(1),
        hist((21, 1), (10, 0), (5, 1)),
        S,
        ("recurring_pain",),
    ),
    Case(
        "recurring-oldest-22-days-is-outside",
        ans(1),
        hist((22, 1), (10, 0), (5, 1)),
        C,
        ("mild_pain",),
    ),
    Case("recurring-only-ten-days-old", ans(2), hist((10, 2), (7, 2), (3, 2)), C, ("mild_pain",)),
    Case(
        "recurring-not-most-check-ins",
        ans(2),
        hist((20, 2), (15, 0), (12, 0), (9, 0), (5, 0)),
        C,
        ("mild_pain",),
    ),
    Case(
        "recurring-half-is-not-most",
        ans(2),
        hist((20, 2), (16, 0), (12, 2), (8, 0), (4, 0)),
        C,
        ("mild_pain",),
    ),
    Case("recurring-but-pain-free-today", ans(0), hist((20, 2), (10, 2), (5, 2)), OK, ("no_pain",)),
    # Slow climb: 1, 1, 2, 2, 3 over two weeks ("getting worse over time").
    Case(
        "slow-climb-1-1-2-2-3",
        ans(3),
        hist((14, 1), (10, 1), (7, 2), (3, 2)),
        S,
        ("slow_climb",),
    ),
    Case(
        "slow-climb-with-one-dip",
        ans(3),
        hist((13, 1), (10, 2), (7, 1), (3, 2)),
        S,
        ("slow_climb",),
    ),
    Case(
        "slow-climb-from-pain-free",
        ans(2),
        hist((12, 0), (9, 1), (5, 1), (2, 2)),
        S,
        ("slow_climb",),
    ),
    Case("flat-is-not-a-climb", ans(2), hist((14, 2), (10, 2), (7, 2), (3, 2)), C, ("mild_pain",)),
    Case(
        "zigzag-is-not-a-climb",
        ans(3),
        hist((12, 1), (9, 3), (7, 1), (4, 3), (2, 1)),
        C,
        ("mild_pain",),
    ),
    Case(
        "climb-over-five-days-is-not-slow", ans(3), hist((5, 1), (3, 2), (1, 2)), C, ("mild_pain",)
    ),
    Case("one-new-ache-is-not-a-climb", ans(2), hist((12, 0), (9, 0), (5, 0)), C, ("mild_pain",)),
    Case(
        "climb-not-at-its-highest-today",
        ans(3),
        hist((14, 1), (10, 1), (7, 2), (3, 4)),
        C,
        ("mild_pain",),
    ),
    # --- risk profile: NICE CKS red flags for serious causes ---
    # History of cancer: new pain -> a doctor today; while it continues -> a GP, not daily urgent.
    Case("cancer-history-new-pain", ans(2, risks={CANCER_HX}), (), U, ("cancer_history_new_pain",)),
    Case(
        "cancer-history-new-after-29-pain-free-days",
        ans(2, risks={CANCER_HX}),
        hist((29, 3), (10, 0)),
        U,
        ("cancer_history_new_pain",),
    ),
    Case(
        "cancer-history-continuing",
        ans(2, risks={CANCER_HX}),
        hist((1, 3)),
        S,
        ("cancer_history_ongoing_pain",),
    ),
    Case(
        "cancer-history-continuing-28-days",
        ans(2, risks={CANCER_HX}),
        hist((28, 3)),
        S,
        ("persistent_over_14_days", "cancer_history_ongoing_pain"),
    ),
    Case("cancer-history-no-pain", ans(0, risks={CANCER_HX}), hist((1, 3)), OK, ("no_pain",)),
    # New pain over 50 (first episode) -> a GP.
    Case("over-50-first-episode", ans(1, risks={OVER_50}), (), S, ("over_50_new_pain",)),
    Case("over-50-continuing", ans(1, risks={OVER_50}), hist((3, 2)), C, ("mild_pain",)),
    Case("over-50-no-pain", ans(0, risks={OVER_50}), (), OK, ("no_pain",)),
    Case(
        "over-50-pain-free-month-then-new",
        ans(3, risks={OVER_50}),
        hist((40, 4), (20, 0), (5, 0)),
        S,
        ("over_50_new_pain",),
    ),
    # New pain under 20 (NICE CKS; stress injury of the spine in young athletes) -> a GP.
    Case("under-20-new-pain", ans(2, risks={UNDER_20}), (), S, ("under_20_new_pain",)),
    Case("under-20-continuing", ans(2, risks={UNDER_20}), hist((2, 2)), C, ("mild_pain",)),
    # Steroids or osteoporosis: minor trauma can break a bone -> a doctor today at any pain.
    Case(
        "fragile-bones-fall-pain0",
        ans(0, NONE, TRAUMA, risks={STEROIDS}),
        (),
        U,
        ("trauma", "trauma_with_fragile_bones"),
    ),
    Case(
        "fragile-bones-serious-accident",
        ans(3, NONE, ACCIDENT, risks={STEROIDS}),
        (),
        E,
        ("serious_accident", "trauma_with_fragile_bones"),
    ),
    Case("fragile-bones-without-a-fall", ans(2, risks={STEROIDS}), (), C, ("mild_pain",)),
    # Weakened immunity: new pain -> a GP; with a fever -> a doctor today (infection).
    Case("weak-immunity-new-pain", ans(2, risks={IMMUNITY}), (), S, ("weak_immunity_new_pain",)),
    Case(
        "weak-immunity-fever",
        ans(2, NONE, FEVER, risks={IMMUNITY}),
        (),
        U,
        ("fever", "fever_with_weak_immunity", "weak_immunity_new_pain"),
    ),
    Case(
        "weak-immunity-fever-continuing-pain",
        ans(2, NONE, FEVER, risks={IMMUNITY}),
        hist((2, 2)),
        U,
        ("fever", "fever_with_weak_immunity"),
    ),
    Case("weak-immunity-continuing", ans(2, risks={IMMUNITY}), hist((2, 2)), C, ("mild_pain",)),
    # Low energy availability: back or deep buttock pain twice in a row -> bone stress injury?
    Case(
        "low-energy-back-pain-twice",
        ans(3, NONE, risks={LOW_ENERGY}),
        rhist((2, 2, NONE)),
        S,
        ("possible_bone_stress",),
    ),
    Case(
        "low-energy-buttock-pain-twice",
        ans(2, THIGH, risks={LOW_ENERGY}),
        rhist((1, 3, THIGH)),
        S,
        ("possible_bone_stress",),
    ),
    Case(
        "low-energy-unrecorded-radiation-counts",
        ans(2, NONE, risks={LOW_ENERGY}),
        rhist((3, 2, None)),
        S,
        ("possible_bone_stress",),
    ),
    Case("low-energy-once", ans(3, NONE, risks={LOW_ENERGY}), (), C, ("mild_pain",)),
    Case(
        "low-energy-pain-free-between",
        ans(3, NONE, risks={LOW_ENERGY}),
        rhist((5, 3, NONE), (2, 0, NONE)),
        C,
        ("mild_pain",),
    ),
    Case(
        "low-energy-earlier-pain-below-knee",
        ans(3, NONE, risks={LOW_ENERGY}),
        rhist((2, 3, KNEE)),
        C,
        ("mild_pain",),
    ),
    Case(
        "low-energy-earlier-pain-too-long-ago",
        ans(3, NONE, risks={LOW_ENERGY}),
        rhist((29, 3, NONE)),
        S,
        ("persistent_over_14_days",),  # but not possible_bone_stress: not within 28 days
    ),
    Case(
        "low-energy-below-knee-today",
        ans(3, KNEE, risks={LOW_ENERGY}),
        rhist((2, 3, NONE)),
        S,
        ("below_knee",),
    ),
    # --- several risk factors and signs together: the highest wins, all are listed ---
    Case(
        "risk-profile-everything-new-pain",
        ans(4, NONE, FEVER, risks={OVER_50, CANCER_HX, IMMUNITY, STEROIDS, LOW_ENERGY}),
        (),
        U,
        (
            "fever",
            "fever_with_weak_immunity",
            "cancer_history_new_pain",
            "over_50_new_pain",
            "weak_immunity_new_pain",
        ),
    ),
    Case(
        "risk-profile-does-not-mask-an-emergency",
        ans(0, NONE, BLADDER, risks={UNDER_20, LOW_ENERGY}),
        (),
        E,
        ("bladder_bowel",),
    ),
]
CASES.extend(GUIDANCE_CASES)


def test_at_least_fifty_vignettes() -> None:
    assert len(CASES) >= 100
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_vignette(case: Case) -> None:
    verdict = assess(case.answers, case.history, TODAY)
    assert verdict == triage.Verdict(level=case.level, reasons=case.reasons)


@pytest.mark.parametrize(
    "case",
    [case for case in CASES if len(case.history) >= 2],
    ids=[case.id for case in CASES if len(case.history) >= 2],
)
def test_history_order_does_not_matter(case: Case) -> None:
    expected = assess(case.answers, case.history, TODAY)
    same_day = [c for c in case.history if c.day == TODAY]
    for perm in itertools.permutations(case.history):
        # Same-day entries keep their given order (the sort is stable), so only
        # shuffle freely when that order cannot matter.
        if [c for c in perm if c.day == TODAY] != same_day:
            continue
        assert assess(case.answers, list(perm), TODAY) == expected


def test_history_is_not_mutated_and_any_sequence_works() -> None:
    history = list(hist((1, 5), (20, 3), (2, 4)))
    before = list(history)
    verdict = assess(ans(5), history, TODAY)
    assert history == before
    assert assess(ans(5), tuple(history), TODAY) == verdict


def test_plain_set_of_flags_is_accepted() -> None:
    answers = Answers(pain=2, radiation=NONE, red_flags={FEVER, SADDLE})  # type: ignore[arg-type]
    assert assess(answers, (), TODAY) == triage.Verdict(E, ("saddle_numbness", "fever"))


# --- impossible input ---


@pytest.mark.parametrize(
    "pain",
    [-1, 11, 100, True, False, 3.5, 5.0, "5", None],
    ids=lambda p: f"pain={p!r}",
)
def test_rejects_impossible_pain(pain: Any) -> None:
    with pytest.raises(ValueError):
        assess(Answers(pain=pain, radiation=NONE, red_flags=frozenset()), (), TODAY)


@pytest.mark.parametrize("past_pain", [-1, 11, True, 2.5, None], ids=lambda p: f"past_pain={p!r}")
def test_rejects_impossible_past_pain(past_pain: Any) -> None:
    with pytest.raises(ValueError):
        assess(ans(3), [PastCheckIn(day=TODAY - datetime.timedelta(days=1), pain=past_pain)], TODAY)


def test_rejects_future_dated_history() -> None:
    with pytest.raises(ValueError, match="after today"):
        assess(ans(3), hist((1, 2), (-1, 2)), TODAY)


def test_accepts_history_dated_today() -> None:
    assert assess(ans(3), hist((0, 3)), TODAY).level == Level.SELF_CARE


@pytest.mark.parametrize(
    "bad",
    [
        {"today": datetime.datetime(2024, 6, 15, 12, 0)},
        {"today": "2024-06-15"},
        {"history": [PastCheckIn(day=datetime.datetime(2024, 6, 14, 9, 0), pain=2)]},
        {"answers": Answers(pain=3, radiation="below_knee", red_flags=frozenset())},  # type: ignore[arg-type]
        {"answers": Answers(pain=3, radiation=NONE, red_flags=frozenset({"fever"}))},  # type: ignore[arg-type]
        {"answers": Answers(pain=3, radiation=NONE, red_flags="fever")},  # type: ignore[arg-type]
        {"answers": Answers(3, NONE, frozenset(), frozenset({"cancer_history"}))},  # type: ignore[arg-type]
        {"answers": Answers(3, NONE, frozenset(), frozenset({FEVER}))},  # type: ignore[arg-type]
        {"answers": Answers(3, NONE, frozenset(), "low_energy")},  # type: ignore[arg-type]
        {"answers": Answers(3, NONE, frozenset(), None)},  # type: ignore[arg-type]
        {"answers": ans(3, risks={UNDER_20, OVER_50})},
        {"history": [PastCheckIn(TODAY, 2, radiation="none")]},  # type: ignore[arg-type]
        {"history": [(TODAY, 2)]},
    ],
    ids=[
        "today-datetime",
        "today-str",
        "history-datetime",
        "radiation-str",
        "flag-str",
        "flags-str",
        "risk-str",
        "risk-is-a-red-flag",
        "risks-str",
        "risks-none",
        "both-age-bands",
        "past-radiation-str",
        "history-tuple",
    ],
)
def test_rejects_wrong_types(bad: dict[str, Any]) -> None:
    kwargs: dict[str, Any] = {"answers": ans(3), "history": (), "today": TODAY, **bad}
    with pytest.raises(ValueError):
        assess(**kwargs)


# --- the exported sets and order ---


def test_emergency_and_urgent_flags_split_the_checklist() -> None:
    assert len(triage.EMERGENCY_FLAGS) == 6
    assert len(triage.URGENT_FLAGS) == 7
    assert triage.EMERGENCY_FLAGS.isdisjoint(triage.URGENT_FLAGS)
    assert frozenset(RedFlag) == triage.EMERGENCY_FLAGS | triage.URGENT_FLAGS
    assert {SADDLE, BLADDER, LEGS, SEX, CHEST, ACCIDENT} == triage.EMERGENCY_FLAGS
    for flag in RedFlag:
        expected = Level.EMERGENCY if flag in triage.EMERGENCY_FLAGS else Level.URGENT
        assert triage.REASON_LEVEL[flag.value] is expected
        assert FLAG_LEVEL[flag] is expected


def test_checklist_order_lists_emergency_signs_first() -> None:
    assert len(triage.CHECKLIST_ORDER) == len(set(triage.CHECKLIST_ORDER)) == len(RedFlag)
    emergency = len(triage.EMERGENCY_FLAGS)
    head, tail = triage.CHECKLIST_ORDER[:emergency], triage.CHECKLIST_ORDER[emergency:]
    assert set(head) == triage.EMERGENCY_FLAGS
    assert set(tail) == triage.URGENT_FLAGS
    assert head[:3] == (SADDLE, BLADDER, LEGS)  # the cauda equina signs open the list
    # Reasons come out in the same order as the checklist.
    assert [c for c in triage.REASON_LEVEL if c in {f.value for f in RedFlag}] == [
        f.value for f in triage.CHECKLIST_ORDER
    ]


def test_past_check_in_stays_constructible_from_day_and_pain() -> None:
    entry = PastCheckIn(TODAY, 3)
    assert entry.radiation is None
    assert PastCheckIn(day=TODAY, pain=3) == entry


# --- properties ---

RISK_PROFILES: list[frozenset[RiskFactor]] = [
    frozenset(),
    frozenset({CANCER_HX}),
    frozenset({OVER_50, STEROIDS}),
    frozenset({UNDER_20, LOW_ENERGY}),
    frozenset({IMMUNITY, CANCER_HX, OVER_50}),
    frozenset(set(RiskFactor) - {UNDER_20}),
]


def _subsets(items: Sequence[RedFlag]) -> list[frozenset[RedFlag]]:
    return [
        frozenset(combo)
        for size in range(len(items) + 1)
        for combo in itertools.combinations(items, size)
    ]


def _random_history(rng: random.Random) -> tuple[PastCheckIn, ...]:
    return rhist(
        *(
            (rng.randint(0, 40), rng.randint(0, 10), rng.choice([None, *Radiation]))
            for _ in range(rng.randint(0, 8))
        )
    )


def _random_answers(rng: random.Random) -> Answers:
    risks = frozenset(r for r in RiskFactor if rng.random() < 0.2)
    if {UNDER_20, OVER_50} <= risks:
        risks -= {UNDER_20}
    return Answers(
        pain=rng.randint(0, 10),
        radiation=rng.choice(list(Radiation)),
        red_flags=frozenset(f for f in RedFlag if rng.random() < 0.1),
        risk_factors=risks,
    )


def test_cauda_equina_flags_always_win() -> None:
    cauda_order = [f.value for f in CAUDA_FLAGS]
    for emergency in _subsets(CAUDA_FLAGS):
        if not emergency:
            continue
        for urgent in _subsets(OLD_URGENT_FLAGS):
            for pain in range(11):
                for radiation in Radiation:
                    answers = Answers(pain=pain, radiation=radiation, red_flags=emergency | urgent)
                    verdict = assess(answers, hist((20, 5), (1, 5)), TODAY)
                    assert verdict.level == Level.EMERGENCY
                    head = verdict.reasons[: len(emergency)]
                    assert list(head) == [r for r in cauda_order if RedFlag(r) in emergency]
                    for flag in urgent:
                        assert flag.value in verdict.reasons
                    assert "mild_pain" not in verdict.reasons
                    assert "no_pain" not in verdict.reasons


@pytest.mark.parametrize(
    "sign",
    [*sorted(triage.EMERGENCY_FLAGS, key=triage.CHECKLIST_ORDER.index), BOTH],
    ids=lambda s: s.value,
)
def test_any_emergency_sign_means_emergency_whatever_else(sign: RedFlag | Radiation) -> None:
    rng = random.Random(f"emergency-{sign.value}")
    for _ in range(400):
        answers = _random_answers(rng)
        if isinstance(sign, RedFlag):
            answers = Answers(
                answers.pain, answers.radiation, answers.red_flags | {sign}, answers.risk_factors
            )
            code = sign.value
        else:
            answers = Answers(answers.pain, sign, answers.red_flags, answers.risk_factors)
            code = "both_legs_pain"
        verdict = assess(answers, _random_history(rng), TODAY)
        assert verdict.level is Level.EMERGENCY
        assert code in verdict.reasons


def test_adding_a_red_flag_or_risk_factor_never_lowers_the_level() -> None:
    rng = random.Random(20240616)
    for _ in range(1500):
        answers = _random_answers(rng)
        history = _random_history(rng)
        before = assess(answers, history, TODAY)
        for flag in RedFlag:
            more = Answers(
                answers.pain, answers.radiation, answers.red_flags | {flag}, answers.risk_factors
            )
            after = assess(more, history, TODAY)
            assert after.level >= before.level
            assert after.level >= FLAG_LEVEL[flag]
        for risk in RiskFactor:
            risks = answers.risk_factors | {risk}
            if {UNDER_20, OVER_50} <= risks:
                continue  # impossible: one age band only
            more = Answers(answers.pain, answers.radiation, answers.red_flags, risks)
            after = assess(more, history, TODAY)
            assert after.level >= before.level
            # Reasons only get added: every rule that fired before still fires.
            kept = set(before.reasons) - {"mild_pain", "no_pain"}
            assert kept <= set(after.reasons)


@pytest.mark.parametrize("radiation", list(Radiation), ids=lambda r: r.value)
@pytest.mark.parametrize("risks", RISK_PROFILES, ids=lambda r: "+".join(sorted(x.value for x in r)))
def test_level_is_monotone_in_pain(radiation: Radiation, risks: frozenset[RiskFactor]) -> None:
    levels = [assess(ans(pain, radiation, risks=risks), (), TODAY).level for pain in range(11)]
    assert levels == sorted(levels)
    assert levels[10] == (Level.EMERGENCY if radiation is BOTH else Level.URGENT)


def test_verdicts_are_consistent_with_reason_table() -> None:
    rng = random.Random(20240615)
    order = list(triage.REASON_LEVEL)
    for _ in range(3000):
        answers = _random_answers(rng)
        history = _random_history(rng)
        verdict = assess(answers, history, TODAY)
        assert verdict.reasons, "a verdict always gives at least one reason"
        assert len(set(verdict.reasons)) == len(verdict.reasons)
        assert list(verdict.reasons) == sorted(verdict.reasons, key=order.index)
        assert verdict.level == max(triage.REASON_LEVEL[r] for r in verdict.reasons)
        for flag in answers.red_flags:
            assert flag.value in verdict.reasons
        if "mild_pain" in verdict.reasons or "no_pain" in verdict.reasons:
            assert len(verdict.reasons) == 1
        assert assess(answers, list(reversed(history)), TODAY).level == verdict.level


def test_new_and_continuing_pain_split_every_painful_check_in() -> None:
    """With a cancer history exactly one of the two cancer rules fires whenever pain > 0."""
    rng = random.Random(28)
    for _ in range(1000):
        answers = ans(rng.randint(0, 10), risks={CANCER_HX})
        verdict = assess(answers, _random_history(rng), TODAY)
        fired = {"cancer_history_new_pain", "cancer_history_ongoing_pain"} & set(verdict.reasons)
        assert len(fired) == (1 if answers.pain > 0 else 0)


def test_interface_values() -> None:
    assert [int(level) for level in Level] == [0, 1, 2, 3, 4]
    assert Level.EMERGENCY > Level.URGENT > Level.SEE_CLINICIAN > Level.SELF_CARE > Level.OK
    assert {r.value for r in Radiation} == {"none", "buttock_thigh", "below_knee", "both_legs"}
    for flag in RedFlag:
        assert flag.value == flag.name.lower()
        assert flag.value in triage.REASON_LEVEL
    for risk in RiskFactor:
        assert risk.value == risk.name.lower()
    assert RedFlag.FEVER.value == "fever"
    assert triage.REASON_LEVEL["mild_pain"] == Level.SELF_CARE
    assert triage.REASON_LEVEL["no_pain"] == Level.OK
    levels = list(triage.REASON_LEVEL.values())
    assert levels == sorted(levels, reverse=True), "reasons are ordered most urgent first"
    assert all(code == code.lower() and " " not in code for code in triage.REASON_LEVEL)
