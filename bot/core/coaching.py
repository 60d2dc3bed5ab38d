"""What the runner reads about their programme: why a message comes now, sessions, levels,
the return-to-run plan. Pure text builders (Telegram HTML, ``<b>`` and ``<i>`` only); nothing a
person typed goes in unescaped."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from html import escape
from typing import Final

from bot.core.advice import NOT_A_DIAGNOSIS
from bot.core.models import WEEKDAY_NAMES, Tip
from bot.core.programme import (
    RETURN_PAIN_MAX,
    RETURN_STEPS,
    SESSIONS_TO_MOVE_UP,
    Exercise,
    ReturnChange,
    bare_title,
)

DAY_NAMES: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def clock(value: dt.time | dt.datetime) -> str:
    return f"{value.hour:02d}:{value.minute:02d}"


def day_list(days: frozenset[int]) -> str:
    return ", ".join(DAY_NAMES[d] for d in sorted(days))


# ---------------------------------------------------------------------------------------------
# Why now


def run_soon_line(minutes: int, run_at: dt.datetime) -> str:
    """The warm-up's first line: the run is in ``minutes`` (at the runner's local time)."""
    if minutes >= 60 and minutes % 60 == 0:
        hours = minutes // 60
        span = f"{hours} hour" if hours == 1 else f"{hours} hours"
    else:
        span = f"{minutes} minutes"
    return f"⏰ Your run is in {span} ({clock(run_at)})."


def return_step_line(step: int) -> str:
    """On the return-to-run plan: what today's run is."""
    plan = RETURN_STEPS[min(step, len(RETURN_STEPS)) - 1]
    return (
        f"🔁 Return-to-run step {plan.number} of {len(RETURN_STEPS)}: {plan.run}. "
        "Skip the rest of your usual session today."
    )


def education_line(number: int, total: int) -> str:
    return f"<i>Why it matters · {number} of {total}</i>"


# ---------------------------------------------------------------------------------------------
# Sessions


def _exercise_note(exercise: Exercise, name_before: str | None) -> str:
    level = f"level {exercise.level} of {exercise.of}"
    if exercise.previous is not None and exercise.previous < exercise.level:
        return (
            f"{level}, new: up from level {exercise.previous} after "
            f"{SESSIONS_TO_MOVE_UP} sessions with your back at 2/10 or less"
        )
    if exercise.previous is not None and exercise.previous > exercise.level:
        before = f" ({escape(name_before)})" if name_before else ""
        return f"{level}, back from level {exercise.previous}{before} while your back settles"
    if exercise.level >= exercise.of:
        return f"{level}, the top of this line: keep it steady"
    left = SESSIONS_TO_MOVE_UP - exercise.streak
    return f"{level} · {left} more Done session{'s' if left != 1 else ''} to move up"


def session_text(
    exercises: Sequence[Exercise],
    tips: Mapping[str, Tip],
    *,
    number: int,
    goal: int,
    names_before: Mapping[str, str] | None = None,
) -> str:
    """A strength session: which of the week's sessions, then each exercise at its level and
    what changed, then what Done does."""
    if number:
        head = f"💪 <b>Strength session {number} of {goal} this week</b>"
    else:
        head = "💪 <b>Strength session</b>"
    lines = [head, "About 10-15 minutes. Stop any exercise that brings on pain down a leg."]
    for index, exercise in enumerate(exercises, start=1):
        tip = tips.get(exercise.tip_id)
        if tip is None:
            continue
        before = (names_before or {}).get(exercise.family)
        note = _exercise_note(exercise, before)
        lines.append(
            f"\n<b>{index}. {escape(bare_title(tip.title))}</b>\n<i>{note}</i>\n{tip.body.strip()}"
        )
    lines.append(
        f"\nTap <b>Done</b> when you've finished. {SESSIONS_TO_MOVE_UP} Done sessions with your "
        "back at 2/10 or less move an exercise up a level; a sore back holds it or steps it back."
    )
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Return to run

RETURN_OFFER: Final = (
    "🔁 <b>Back to running, step by step</b>\n"
    "When your back feels ready, I can guide you back with a short walk-run plan: "
    f"{len(RETURN_STEPS)} steps, one per run. A step counts when the run stays at "
    f"{RETURN_PAIN_MAX}/10 or less and your back has settled by the next morning; if not, we go "
    "back a step. It replaces your usual runs until you finish.\n\nStart it now?"
)

RETURN_LEFT: Final = (
    "OK, you've left the return-to-run plan: your usual runs and reminders carry on. "
    "/returntorun starts it again."
)

RETURN_DECLINED: Final = (
    "Fine: your usual plan carries on. If you change your mind, send /returntorun."
)


def return_plan_text(step: int) -> str:
    lines = ["🔁 <b>Your return-to-run plan</b>"]
    for plan in RETURN_STEPS:
        mark = "▶️" if plan.number == step else ("✅" if plan.number < step else "▫️")
        lines.append(f"{mark} Step {plan.number}: {plan.run}")
    lines.append(
        f"\nYou're on step {step}. Do it on your next run day; your check-in after the run "
        "tells me how it went, and I'll ask the next morning how your back feels."
    )
    lines.append("\n" + NOT_A_DIAGNOSIS)
    return "\n".join(lines)


def return_after_run(step: int, change: ReturnChange, pain: int) -> str:
    if change is ReturnChange.AWAIT_MORNING:
        return (
            f"🔁 Step {step} done at {pain}/10. I'll ask tomorrow morning how your back "
            f"feels; if it has settled, step {min(step + 1, len(RETURN_STEPS))} unlocks."
            if step < len(RETURN_STEPS)
            else f"🔁 The last step done at {pain}/10. If your back has settled by tomorrow "
            "morning, you're back on your usual plan."
        )
    if change is ReturnChange.BACK:
        return (
            f"🔁 {pain}/10 is more than this step should cost, so next time we go back to "
            f"step {step}: {RETURN_STEPS[step - 1].run}."
        )
    return (
        f"🔁 {pain}/10 is more than this step should cost. Stay on step 1 "
        f"({RETURN_STEPS[0].run}) until a walk feels comfortable."
    )


def return_morning_question(step: int) -> str:
    return (
        f"🔁 Good morning. How's your back after yesterday's step {step}?\n"
        "<i>Settled: no more sore than before the run. Still sore: stiffer or more painful.</i>"
    )


def return_after_morning(step: int | None, change: ReturnChange) -> str:
    if change is ReturnChange.DONE or step is None:
        return (
            "🎉 That's the whole plan done. Your usual runs and reminders carry on from here; "
            "build distance gradually."
        )
    plan = RETURN_STEPS[step - 1]
    if change is ReturnChange.UP:
        return f"✅ Step {step} unlocked for your next run: {plan.run}."
    if change is ReturnChange.BACK:
        return f"Thanks. Next run, back to step {step}: {plan.run}. No rush."
    return f"Thanks. Stay on step {step} ({plan.run}) until your back settles after it."


# ---------------------------------------------------------------------------------------------
# What comes next (after onboarding)


def weekday_name(day: int) -> str:
    return WEEKDAY_NAMES[day].capitalize()
