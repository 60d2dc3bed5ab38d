"""The programme's pure rules: strength days, levels, sessions, education, return to run."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from bot.core.content import load_schedules
from bot.core.content.schema import ContentError, family_gaps
from bot.core.models import (
    Anchor,
    AnchorKind,
    Days,
    DaysKind,
    Runner,
    RunnerStatus,
    Slot,
    SlotKind,
    Tip,
)
from bot.core.planner import next_due
from bot.core.programme import (
    RETURN_STEPS,
    Change,
    FamilyLevel,
    ReturnChange,
    after_check_in,
    after_return_morning,
    after_return_run,
    after_session_done,
    families_of,
    next_education,
    quiet_days,
    session_exercises,
    session_number,
    strength_days,
)
from bot.core.triage import Level

REPO = Path(__file__).resolve().parents[1]
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


# ---------------------------------------------------------------------------------------------
# Strength days


@pytest.mark.parametrize(
    ("run_days", "goal", "expected"),
    [
        # Rest days first, never back to back when the week allows it.
        ({TUE, THU, SAT}, 2, {MON, FRI}),
        ({TUE, THU, SAT}, 3, {MON, WED, FRI}),
        ({MON, WED, FRI}, 2, {TUE, SAT}),
        ({MON, WED, FRI}, 3, {TUE, THU, SAT}),
        # No runs yet: spread over the week.
        (set(), 2, {MON, THU}),
        (set(), 3, {MON, WED, FRI}),
        # Six run days: the only rest day, then a run day away from it.
        ({MON, TUE, WED, THU, FRI, SAT}, 2, {SUN, WED}),
        # Every day a run: sessions on run days, spread out.
        ({MON, TUE, WED, THU, FRI, SAT, SUN}, 3, {MON, WED, FRI}),
    ],
)
def test_strength_days_prefer_rest_days_spread_out(
    run_days: set[int], goal: int, expected: set[int]
) -> None:
    assert strength_days(frozenset(run_days), goal) == frozenset(expected)


@pytest.mark.parametrize("goal", [2, 3])
@pytest.mark.parametrize("mask", range(128))
def test_strength_days_always_meet_the_goal(goal: int, mask: int) -> None:
    run_days = frozenset(d for d in range(7) if mask >> d & 1)
    days = strength_days(run_days, goal)
    assert len(days) == goal
    rest = 7 - len(run_days)
    # As many sessions on rest days as there are rest days for them.
    assert len(days - run_days) == min(goal, rest)


def test_quiet_days_have_neither_run_nor_session() -> None:
    runs = frozenset({TUE, THU, SAT})
    assert strength_days(runs, 2) == {MON, FRI}
    assert quiet_days(runs, 2) == {WED, SUN}
    # Every rest day has a session: education goes on a non-session day.
    assert quiet_days(frozenset({MON, TUE, WED, THU, FRI}), 2) == {MON, TUE, WED, THU, FRI}


def test_session_number_counts_through_the_week() -> None:
    runs = frozenset({TUE, THU, SAT})
    assert [session_number(runs, 3, d) for d in (MON, WED, FRI, TUE)] == [1, 2, 3, 0]


def test_the_planner_fires_sessions_on_strength_days_only() -> None:
    slot = Slot(
        "s",
        SlotKind.SESSION,
        Anchor(AnchorKind.TIP_TIME, 0),
        Days(DaysKind.STRENGTH_DAYS),
        categories=("core_strength",),
    )
    runner = Runner(
        1, "Europe/Madrid", frozenset({TUE, THU, SAT}), status=RunnerStatus.ACTIVE, strength_goal=3
    )
    after = dt.datetime(2026, 12, 6, 12, tzinfo=dt.UTC)  # a Sunday
    days = []
    for _ in range(6):
        due = next_due(slot, runner, after)
        assert due is not None
        days.append(due.astimezone(dt.UTC).weekday())
        after = due
    assert days == [MON, WED, FRI, MON, WED, FRI]
    held = Runner(
        1, "Europe/Madrid", frozenset({TUE}), status=RunnerStatus.ACTIVE, exercise_hold=True
    )
    assert next_due(slot, held, after) is None


# ---------------------------------------------------------------------------------------------
# Families and levels


def _tip(tip_id: str, family: str, level: int, *, active: bool = True) -> Tip:
    return Tip(
        tip_id, "core_strength", f"💪 {tip_id}", "Do it.", family=family, level=level, active=active
    )


PLANK = [_tip(f"plank-{n}", "plank", n) for n in (1, 2, 3, 4)]
BRIDGE = [_tip(f"bridge-{n}", "bridge", n) for n in (1, 2, 3)]
HINGE = [_tip(f"hinge-{n}", "hinge", n) for n in (1, 2)]
FAMILIES = families_of([*PLANK, *BRIDGE, *HINGE])


def _done(levels: dict[str, FamilyLevel], times: int) -> dict[str, FamilyLevel]:
    for _ in range(times):
        levels, _ = after_session_done(levels, ["plank"], FAMILIES)
    return levels


def test_three_done_sessions_move_up_one_level() -> None:
    levels: dict[str, FamilyLevel] = {"plank": FamilyLevel("plank")}
    levels = _done(levels, 2)
    assert levels["plank"] == FamilyLevel("plank", 1, 2)
    levels, steps = after_session_done(levels, ["plank"], FAMILIES)
    assert levels["plank"] == FamilyLevel("plank", 2, 0, previous=1)
    assert [(s.change, s.from_level, s.to_level) for s in steps] == [(Change.UP, 1, 2)]


def test_the_top_level_stays() -> None:
    levels = {"hinge": FamilyLevel("hinge", 2, 0)}
    for _ in range(5):
        levels, steps = after_session_done(levels, ["hinge"], FAMILIES)
        assert steps == []
    assert levels["hinge"].level == 2


@pytest.mark.parametrize(
    ("pain", "previous", "verdict", "level", "streak", "change"),
    [
        (0, None, Level.OK, 2, 2, None),  # a quiet back: the count goes on
        (2, 0, Level.OK, 2, 2, None),  # +2 from 0 to 2: still 2 or less, but a rise of 2
        (3, None, Level.SELF_CARE, 2, 0, Change.HOLD),  # 3-5 holds: the count starts again
        (5, 4, Level.SELF_CARE, 2, 0, Change.HOLD),
        (4, 2, Level.SELF_CARE, 1, 0, Change.BACK),  # a rise of 2
        (6, 6, Level.SELF_CARE, 1, 0, Change.BACK),  # 6 or more
        (1, None, Level.SEE_CLINICIAN, 1, 0, Change.BACK),  # a verdict to see someone
        (1, None, Level.URGENT, 1, 0, Change.BACK),
    ],
)
def test_a_check_in_holds_or_steps_back(
    pain: int, previous: int | None, verdict: Level, level: int, streak: int, change: Change | None
) -> None:
    levels = {"plank": FamilyLevel("plank", 2, 2)}
    updated, steps = after_check_in(levels, pain=pain, previous_pain=previous, verdict=verdict)
    if pain == 2 and previous == 0:
        # A rise of exactly 2 points steps back even at a low score.
        assert updated["plank"].level == 1
        return
    assert (updated["plank"].level, updated["plank"].streak) == (level, streak)
    assert [s.change for s in steps] == ([change] if change else [])


def test_a_step_back_never_goes_below_level_one() -> None:
    levels = {"plank": FamilyLevel("plank", 1, 1)}
    updated, steps = after_check_in(levels, pain=7, previous_pain=None, verdict=Level.SELF_CARE)
    assert updated["plank"] == FamilyLevel("plank", 1, 0)
    assert [s.change for s in steps] == [Change.HOLD]


def test_pain_between_done_sessions_restarts_the_count() -> None:
    levels = _done({"plank": FamilyLevel("plank")}, 2)
    levels, _ = after_check_in(levels, pain=4, previous_pain=3, verdict=Level.SELF_CARE)
    levels = _done(levels, 2)
    assert levels["plank"].level == 1  # only two since the sore check-in
    levels = _done(levels, 1)
    assert levels["plank"].level == 2


def test_sessions_take_turns_over_the_families() -> None:
    families = families_of([*PLANK, *BRIDGE, *HINGE, _tip("dead-1", "dead_bug", 1)])
    seen = [[e.family for e in session_exercises(families, {}, turn)] for turn in range(4)]
    assert seen[0] == ["plank", "bridge", "hinge"]
    assert seen[1] == ["dead_bug", "plank", "bridge"]
    # Every family comes back within two sessions.
    for family in families.order:
        assert any(family in s for s in seen[:2])


def test_a_session_shows_the_runners_level_and_what_changed() -> None:
    levels = {"plank": FamilyLevel("plank", 3, 1, previous=2)}
    exercises = session_exercises(FAMILIES, levels, 0)
    plank = exercises[0]
    assert (plank.tip_id, plank.level, plank.of, plank.streak, plank.previous) == (
        "plank-3",
        3,
        4,
        1,
        2,
    )
    assert exercises[1].tip_id == "bridge-1"  # not started: level 1


def test_a_retired_level_gives_the_nearest_active_one() -> None:
    tips = [*PLANK[:2], _tip("plank-3", "plank", 3, active=False), PLANK[3]]
    families = families_of(tips)
    assert families.tip_at("plank", 3) == PLANK[1]
    assert families.tip_at("plank", 4) == PLANK[3]


# ---------------------------------------------------------------------------------------------
# Content: families are validated like every other field


def test_a_family_with_a_gap_is_refused() -> None:
    tips = [PLANK[0], PLANK[1], PLANK[3]]
    problems = family_gaps(tips)
    assert [(t.id, field) for t, field, _ in problems] == [("plank-4", "level")]
    assert "levels 1, 2, 4: level 3 missing" in problems[0][2]


def test_a_level_twice_is_refused() -> None:
    problems = family_gaps([PLANK[0], _tip("other", "plank", 1)])
    assert [t.id for t, _, _ in problems] == ["other"]
    assert "level 1 twice" in problems[0][2]


def test_the_files_name_the_gap_as_file_entry_field(tmp_path: Path) -> None:
    copy = tmp_path / "schedules"
    shutil.copytree(REPO / "schedules", copy)
    path = copy / "tips" / "core_strength.yaml"
    text = path.read_text(encoding="utf-8")
    assert "family: plank\n    level: 4" in text
    path.write_text(text.replace("family: plank\n    level: 4", "family: plank\n    level: 5"))
    with pytest.raises(ContentError) as refused:
        load_schedules(copy)
    assert refused.value.errors == [
        "tips/core_strength.yaml: tip core-side-plank-leg-lift: level: family 'plank' has levels "
        "1, 2, 3, 5: level 4 missing (levels run 1, 2, 3 ... with no gap)"
    ]


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        (
            "    family: plank\n",
            "tips/form.yaml: tip xy: level: missing (a tip in a family needs its level, from 1)",
        ),
        (
            "    level: 2\n",
            "tips/form.yaml: tip xy: family: missing "
            "(a level belongs to a family, e.g. family: plank)",
        ),
        (
            "    family: Plank\n    level: 1\n",
            "tips/form.yaml: tip xy: family: bad family 'Plank' "
            "(use 2-40 characters a-z, 0-9 and _, starting with a letter)",
        ),
        (
            "    family: plank\n    level: 0\n",
            "tips/form.yaml: tip xy: level: missing (a tip in a family needs its level, from 1)",
        ),
        (
            "    family: plank\n    level: two\n",
            "tips/form.yaml: tip xy: level: expected a whole number from 1, got the text 'two'",
        ),
    ],
)
def test_bad_family_fields_are_refused(entry: str, problem: str) -> None:
    from bot.core.content import parse_tips

    text = f"category: form\ntips:\n  - id: xy\n    title: T\n{entry}    body: Do it.\n"
    with pytest.raises(ContentError) as refused:
        parse_tips(text, "tips/form.yaml")
    assert problem in refused.value.errors


def test_the_real_library_has_the_issues_families() -> None:
    library = load_schedules(REPO / "schedules")
    families = families_of(library.tips)
    by_level = {
        f: [families.levels[f][n].id for n in sorted(families.levels[f])] for f in families.order
    }
    assert by_level["plank"][1] == "core-side-plank"  # side plank from the knees
    assert by_level["bridge"] == [
        "core-glute-bridge",
        "core-bridge-march",
        "hips-single-leg-bridge",
    ]
    assert by_level["side_hip"] == ["hips-clamshell", "hips-side-leg-raise", "hips-step-up"]
    # The files read beginner to harder: within a category, a lower level comes first.
    for tips in (families.levels[f] for f in families.order):
        same_file = {}
        for level, tip in tips.items():
            same_file.setdefault(tip.category, []).append((tip.position, level))
        for pairs in same_file.values():
            assert sorted(pairs) == sorted(pairs, key=lambda p: p[1])


# ---------------------------------------------------------------------------------------------
# Education and return to run


def test_education_goes_once_each_in_order() -> None:
    lessons = [Tip(f"e{n}", "education", "t", "b") for n in range(3)]
    retired = Tip("gone", "education", "t", "b", active=False)
    assert next_education([retired, *lessons], []) == lessons[0]
    assert next_education(lessons, ["e0"]) == lessons[1]
    assert next_education(lessons, ["e1", "e0", "e2"]) is None


@pytest.mark.parametrize(
    ("step", "pain", "expected"),
    [
        (2, 0, (2, ReturnChange.AWAIT_MORNING)),
        (2, 3, (2, ReturnChange.AWAIT_MORNING)),
        (2, 4, (1, ReturnChange.BACK)),
        (1, 5, (1, ReturnChange.STAY)),
    ],
)
def test_a_run_on_the_plan(step: int, pain: int, expected: tuple[int, ReturnChange]) -> None:
    assert after_return_run(step, pain) == expected


@pytest.mark.parametrize(
    ("step", "ran", "verdict", "expected"),
    [
        (3, False, Level.SELF_CARE, (2, ReturnChange.BACK)),  # didn't run: the back was why
        (3, True, Level.SEE_CLINICIAN, (2, ReturnChange.BACK)),  # 2/10 but below the knee
        (4, True, Level.URGENT, (1, ReturnChange.BACK)),  # start again from the walk
        (1, True, Level.EMERGENCY, (1, ReturnChange.STAY)),
    ],
)
def test_a_low_score_never_passes_a_step_the_check_in_holds_back(
    step: int, ran: bool, verdict: Level, expected: tuple[int, ReturnChange]
) -> None:
    assert after_return_run(step, 2, ran=ran, verdict=verdict) == expected


@pytest.mark.parametrize(
    ("step", "settled", "expected"),
    [
        (1, True, (2, ReturnChange.UP)),
        (3, False, (2, ReturnChange.BACK)),
        (1, False, (1, ReturnChange.STAY)),
        (len(RETURN_STEPS), True, (None, ReturnChange.DONE)),
    ],
)
def test_the_morning_after(
    step: int, settled: bool, expected: tuple[int | None, ReturnChange]
) -> None:
    assert after_return_morning(step, settled=settled) == expected


def test_the_plan_walks_before_it_runs() -> None:
    assert "walk" in RETURN_STEPS[0].run and "jog" not in RETURN_STEPS[0].run
    assert "no walking" in RETURN_STEPS[-1].run
