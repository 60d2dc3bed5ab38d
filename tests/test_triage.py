"""Clinical vignettes and properties for bot.triage.assess."""

from __future__ import annotations

import datetime
import itertools
import random
from collections.abc import Sequence
from typing import Any, NamedTuple

import pytest

from bot.triage import (
    REASON_LEVEL,
    Answers,
    Level,
    PastCheckIn,
    Radiation,
    RedFlag,
    Verdict,
    assess,
)

TODAY = datetime.date(2024, 6, 15)

NONE = Radiation.NONE
THIGH = Radiation.BUTTOCK_THIGH
KNEE = Radiation.BELOW_KNEE

SADDLE = RedFlag.SADDLE_NUMBNESS
BLADDER = RedFlag.BLADDER_BOWEL
LEGS = RedFlag.BOTH_LEGS_WEAKNESS
FEVER = RedFlag.FEVER
TRAUMA = RedFlag.TRAUMA
NIGHT = RedFlag.NIGHT_PAIN
CANCER = RedFlag.WEIGHT_LOSS_OR_CANCER

EMERGENCY_FLAGS = (SADDLE, BLADDER, LEGS)
URGENT_FLAGS = (FEVER, TRAUMA, NIGHT, CANCER)


def ans(pain: int, radiation: Radiation = NONE, *flags: RedFlag) -> Answers:
    return Answers(pain=pain, radiation=radiation, red_flags=frozenset(flags))


def hist(*entries: tuple[int, int]) -> tuple[PastCheckIn, ...]:
    """(days before today, pain) pairs, in the order given."""
    return tuple(
        PastCheckIn(day=TODAY - datetime.timedelta(days=ago), pain=pain) for ago, pain in entries
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

CASES: list[Case] = [
    # --- every red flag alone, at pain 0 and pain 5 ---
    *(
        Case(f"{flag.value}-alone-pain{pain}", ans(pain, NONE, flag), (), level, (flag.value,))
        for flag, level in [
            (SADDLE, E),
            (BLADDER, E),
            (LEGS, E),
            (FEVER, U),
            (TRAUMA, U),
            (NIGHT, U),
            (CANCER, U),
        ]
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
            "fever",
            "trauma",
            "night_pain",
            "weight_loss_or_cancer",
            "below_knee_with_severe_pain",
            "very_severe_pain",
            "below_knee",
            "severe_pain",
        ),
    ),
    Case("fever+night-pain2", ans(2, NONE, NIGHT, FEVER), (), U, ("fever", "night_pain")),
    Case(
        "all-urgent-flags-pain0",
        ans(0, NONE, *URGENT_FLAGS),
        (),
        U,
        ("fever", "trauma", "night_pain", "weight_loss_or_cancer"),
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
    Case(
        "run-started-15-days-ago",
        ans(2),
        hist((15, 2), (7, 2)),
        S,
        ("persistent_over_14_days",),
    ),
    Case("run-broken-by-pain-free", ans(2), hist((20, 2), (10, 0), (5, 2)), C, ("mild_pain",)),
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
        ("persistent_over_14_days",),
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
    Case(
        "all-history-rules",
        ans(6),
        hist((20, 4), (1, 4)),
        S,
        ("three_in_a_row", "persistent_over_14_days", "getting_worse"),
    ),
    Case(
        "fever+history",
        ans(6, NONE, FEVER),
        hist((20, 4), (1, 4)),
        U,
        ("fever", "three_in_a_row", "persistent_over_14_days", "getting_worse"),
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
            "getting_worse",
        ),
    ),
    # --- history in any order ---
    Case(
        "shuffled-history-three-in-a-row",
        ans(5),
        hist((1, 5), (30, 0), (2, 4), (20, 1)),
        S,
        ("three_in_a_row", "persistent_over_14_days"),
    ),
    Case(
        "shuffled-history-broken-run",
        ans(2),
        hist((3, 2), (25, 2), (10, 0), (18, 3)),
        C,
        ("mild_pain",),
    ),
]


def test_at_least_fifty_vignettes() -> None:
    assert len(CASES) >= 50
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_vignette(case: Case) -> None:
    verdict = assess(case.answers, case.history, TODAY)
    assert verdict == Verdict(level=case.level, reasons=case.reasons)


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
    assert assess(answers, (), TODAY) == Verdict(E, ("saddle_numbness", "fever"))


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
    ],
    ids=[
        "today-datetime",
        "today-str",
        "history-datetime",
        "radiation-str",
        "flag-str",
        "flags-str",
    ],
)
def test_rejects_wrong_types(bad: dict[str, Any]) -> None:
    kwargs: dict[str, Any] = {"answers": ans(3), "history": (), "today": TODAY, **bad}
    with pytest.raises(ValueError):
        assess(**kwargs)


# --- properties ---


def _subsets(items: Sequence[RedFlag]) -> list[frozenset[RedFlag]]:
    return [
        frozenset(combo)
        for size in range(len(items) + 1)
        for combo in itertools.combinations(items, size)
    ]


def test_emergency_flags_always_win() -> None:
    emergency_order = [f.value for f in EMERGENCY_FLAGS]
    for emergency in _subsets(EMERGENCY_FLAGS):
        if not emergency:
            continue
        for urgent in _subsets(URGENT_FLAGS):
            for pain in range(11):
                for radiation in Radiation:
                    answers = Answers(pain=pain, radiation=radiation, red_flags=emergency | urgent)
                    verdict = assess(answers, hist((20, 5), (1, 5)), TODAY)
                    assert verdict.level == Level.EMERGENCY
                    head = verdict.reasons[: len(emergency)]
                    assert list(head) == [r for r in emergency_order if RedFlag(r) in emergency]
                    for flag in urgent:
                        assert flag.value in verdict.reasons
                    assert "mild_pain" not in verdict.reasons
                    assert "no_pain" not in verdict.reasons


@pytest.mark.parametrize("radiation", list(Radiation), ids=lambda r: r.value)
def test_level_is_monotone_in_pain(radiation: Radiation) -> None:
    levels = [assess(ans(pain, radiation), (), TODAY).level for pain in range(11)]
    assert levels == sorted(levels)
    assert levels[10] == Level.URGENT


def test_verdicts_are_consistent_with_reason_table() -> None:
    rng = random.Random(20240615)
    order = list(REASON_LEVEL)
    for _ in range(2000):
        flags = frozenset(f for f in RedFlag if rng.random() < 0.15)
        answers = Answers(
            pain=rng.randint(0, 10), radiation=rng.choice(list(Radiation)), red_flags=flags
        )
        history = hist(
            *((rng.randint(0, 40), rng.randint(0, 10)) for _ in range(rng.randint(0, 6)))
        )
        verdict = assess(answers, history, TODAY)
        assert verdict.reasons, "a verdict always gives at least one reason"
        assert len(set(verdict.reasons)) == len(verdict.reasons)
        assert list(verdict.reasons) == sorted(verdict.reasons, key=order.index)
        assert verdict.level == max(REASON_LEVEL[r] for r in verdict.reasons)
        for flag in flags:
            assert flag.value in verdict.reasons
        if "mild_pain" in verdict.reasons or "no_pain" in verdict.reasons:
            assert len(verdict.reasons) == 1
        assert assess(answers, list(reversed(history)), TODAY).level == verdict.level


def test_interface_values() -> None:
    assert [int(level) for level in Level] == [0, 1, 2, 3, 4]
    assert Level.EMERGENCY > Level.URGENT > Level.SEE_CLINICIAN > Level.SELF_CARE > Level.OK
    assert {r.value for r in Radiation} == {"none", "buttock_thigh", "below_knee"}
    for flag in RedFlag:
        assert flag.value == flag.name.lower()
        assert flag.value in REASON_LEVEL
    assert RedFlag.FEVER.value == "fever"
    assert REASON_LEVEL["mild_pain"] == Level.SELF_CARE
    assert REASON_LEVEL["no_pain"] == Level.OK
    levels = list(REASON_LEVEL.values())
    assert levels == sorted(levels, reverse=True), "reasons are ordered most urgent first"
