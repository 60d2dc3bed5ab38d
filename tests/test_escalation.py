"""The verdict policy (bot.escalation): what a verdict pauses, when the follow-up comes, what
resumes. Pure and table-driven; times are arguments."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest

from bot.core.escalation import (
    MAX_FOLLOW_UPS,
    FollowUpAnswer,
    Hold,
    Outcome,
    after_follow_up_answer,
    after_follow_up_sent,
    after_verdict,
    next_follow_up,
    resume_with_clearance,
)
from bot.core.triage import Level

BERLIN = ZoneInfo("Europe/Berlin")
# Monday 1 June 2026, 15:00 in Berlin.
NOW = dt.datetime(2026, 6, 1, 13, 0, tzinfo=dt.UTC)
TOMORROW_10 = dt.datetime(2026, 6, 2, 8, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("level", "running_paused", "exercise_hold", "follow_up"),
    [
        (Level.OK, False, False, False),
        (Level.SELF_CARE, False, False, False),
        (Level.SEE_CLINICIAN, True, False, True),
        (Level.URGENT, True, True, True),
        (Level.EMERGENCY, True, True, True),
    ],
)
def test_what_each_level_holds(
    level: Level, running_paused: bool, exercise_hold: bool, follow_up: bool
) -> None:
    hold = after_verdict(Hold(), level, NOW, BERLIN)
    assert hold.running_paused is running_paused
    assert hold.exercise_hold is exercise_hold
    assert (hold.follow_up_at == TOMORROW_10) is follow_up
    assert (hold.follow_up_at is None) is not follow_up


def test_three_escalations_in_a_day_bring_one_follow_up_at_the_most_urgent_level() -> None:
    hold = Hold()
    for level, minutes in ((Level.SEE_CLINICIAN, 0), (Level.EMERGENCY, 30), (Level.URGENT, 60)):
        hold = after_verdict(hold, level, NOW + dt.timedelta(minutes=minutes), BERLIN)
    assert hold.follow_up_at == TOMORROW_10
    assert hold.level is Level.EMERGENCY and hold.exercise_hold


def test_a_quiet_check_in_never_lifts_a_hold() -> None:
    held = after_verdict(Hold(), Level.URGENT, NOW, BERLIN)
    for level in (Level.OK, Level.SELF_CARE):
        assert after_verdict(held, level, NOW, BERLIN) == held


def test_a_later_lesser_escalation_never_lowers_the_hold() -> None:
    held = after_verdict(Hold(), Level.EMERGENCY, NOW, BERLIN)
    again = after_verdict(held, Level.SEE_CLINICIAN, NOW + dt.timedelta(days=2), BERLIN)
    assert again.exercise_hold and again.level is Level.EMERGENCY


@pytest.mark.parametrize(
    ("level", "answer", "outcome", "lifted"),
    [
        (Level.SEE_CLINICIAN, FollowUpAnswer.BETTER, Outcome.RESUMED, True),
        (Level.SEE_CLINICIAN, FollowUpAnswer.CHECKED, Outcome.RESUMED, True),
        (Level.SEE_CLINICIAN, FollowUpAnswer.SAME, Outcome.ASK_AGAIN, False),
        (Level.SEE_CLINICIAN, FollowUpAnswer.WORSE, Outcome.CHECK_IN_NOW, False),
        # After URGENT or EMERGENCY, "better now" alone does not resume exercise.
        (Level.URGENT, FollowUpAnswer.BETTER, Outcome.STILL_HELD, False),
        (Level.EMERGENCY, FollowUpAnswer.BETTER, Outcome.STILL_HELD, False),
        (Level.EMERGENCY, FollowUpAnswer.CHECKED, Outcome.RESUMED, True),
        (Level.URGENT, FollowUpAnswer.SAME, Outcome.ASK_AGAIN, False),
        (Level.URGENT, FollowUpAnswer.WORSE, Outcome.CHECK_IN_NOW, False),
    ],
)
def test_follow_up_answers(
    level: Level, answer: FollowUpAnswer, outcome: Outcome, lifted: bool
) -> None:
    held = after_verdict(Hold(), level, NOW, BERLIN)
    after, got = after_follow_up_answer(held, answer)
    assert got is outcome
    assert (after == Hold()) is lifted
    if not lifted:
        assert after == held


def test_follow_ups_repeat_daily_for_a_week_then_stop() -> None:
    hold = after_verdict(Hold(), Level.URGENT, NOW, BERLIN)
    sent_at = []
    while hold.follow_up_at is not None:
        sent_at.append(hold.follow_up_at)
        hold = after_follow_up_sent(hold, hold.follow_up_at, BERLIN)
    assert len(sent_at) == MAX_FOLLOW_UPS == 7
    assert all(b - a == dt.timedelta(days=1) for a, b in itertools.pairwise(sent_at))
    assert hold.exercise_hold  # the hold itself stays until the runner is cleared


def test_after_downtime_the_next_follow_up_is_tomorrow_not_a_backlog() -> None:
    hold = after_verdict(Hold(), Level.URGENT, NOW, BERLIN)
    three_days_late = NOW + dt.timedelta(days=3)
    after = after_follow_up_sent(hold, three_days_late, BERLIN)
    assert after.follow_up_at == next_follow_up(three_days_late, BERLIN)
    assert after.follow_up_at is not None and after.follow_up_at > three_days_late
    assert after.follow_ups_sent == 1


def test_follow_up_time_is_local_10_across_dst() -> None:
    # The night Europe/Berlin springs forward (29 March 2026).
    before = dt.datetime(2026, 3, 28, 20, 0, tzinfo=dt.UTC)
    at = next_follow_up(before, BERLIN)
    assert at.astimezone(BERLIN).time() == dt.time(10, 0)
    assert at == dt.datetime(2026, 3, 29, 8, 0, tzinfo=dt.UTC)  # CEST, UTC+2


@pytest.mark.parametrize(
    ("level", "cleared", "lifted"),
    [
        (Level.SEE_CLINICIAN, False, True),
        (Level.URGENT, False, False),
        (Level.URGENT, True, True),
        (Level.EMERGENCY, False, False),
        (Level.EMERGENCY, True, True),
    ],
)
def test_resume_during_a_hold(level: Level, cleared: bool, lifted: bool) -> None:
    held = after_verdict(Hold(), level, NOW, BERLIN)
    after, got = resume_with_clearance(held, cleared=cleared)
    assert got is lifted
    assert (after == Hold()) is lifted


def test_resume_without_a_hold_changes_nothing() -> None:
    assert resume_with_clearance(Hold(), cleared=True) == (Hold(), False)
