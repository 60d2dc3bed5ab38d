"""What the runner reads about their programme: why a message comes now, sessions, levels,
the return-to-run plan. Pure text builders (Telegram HTML, ``<b>`` and ``<i>`` only); nothing a
person typed goes in unescaped. Every text is in the current language (:mod:`bot.core.i18n`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from html import escape

from bot.core import i18n, texts
from bot.core.i18n import N_, localized, ngettext
from bot.core.i18n import gettext as _
from bot.core.models import Tip
from bot.core.programme import (
    RETURN_PAIN_MAX,
    RETURN_STEPS,
    SESSIONS_TO_MOVE_UP,
    Exercise,
    ReturnChange,
    ReturnStep,
    bare_title,
)


class CoachingTexts:
    """The programme's fixed messages in English, the catalogs' source; read them through
    :data:`T`, in the current language."""

    # Translators: {steps} is the number of steps of the plan (6), {pain} the highest pain
    # score a step may cost (3, as in "3/10").
    _RETURN_OFFER = N_(
        "🔁 <b>Back to running, step by step</b>\n"
        "When your back feels ready, I can guide you back with a short walk-run plan: "
        "{steps} steps, one per run. A step counts when the run stays at "
        "{pain}/10 or less and your back has settled by the next morning; if not, we go "
        "back a step. It replaces your usual runs until you finish.\n\nStart it now?"
    )

    RETURN_LEFT = N_(
        "OK, you've left the return-to-run plan: your usual runs and reminders carry on. "
        "/returntorun starts it again."
    )

    RETURN_DECLINED = N_(
        "Fine: your usual plan carries on. If you change your mind, send /returntorun."
    )

    @property
    def RETURN_OFFER(self) -> str:
        """The plan, offered (with the buttons of ``keyboards.return_offer_rows``)."""
        return self._RETURN_OFFER.format(steps=len(RETURN_STEPS), pain=RETURN_PAIN_MAX)


#: The programme's fixed messages in the current language: ``coaching.T.RETURN_OFFER``.
T = localized(CoachingTexts)


def clock(value: dt.time | dt.datetime) -> str:
    return f"{value.hour:02d}:{value.minute:02d}"


def day_list(days: frozenset[int]) -> str:
    return ", ".join(i18n.weekday_name(d, "abbreviated") for d in sorted(days))


def step_run(plan: ReturnStep) -> str:
    """What a return-to-run step's run is, in the current language."""
    return _(plan.run)


# ---------------------------------------------------------------------------------------------
# Why now


def run_soon_line(minutes: int, run_at: dt.time | dt.datetime) -> str:
    """The warm-up's first line: the run is in ``minutes`` (at the runner's local time)."""
    if minutes >= 60 and minutes % 60 == 0:
        hours = minutes // 60
        # Translators: {time} is the run's local time, like 07:30.
        template = ngettext(
            "⏰ Your run is in {n} hour ({time}).", "⏰ Your run is in {n} hours ({time}).", hours
        )
        return template.format(n=hours, time=clock(run_at))
    # Translators: {time} is the run's local time, like 07:30.
    template = ngettext(
        "⏰ Your run is in {n} minute ({time}).", "⏰ Your run is in {n} minutes ({time}).", minutes
    )
    return template.format(n=minutes, time=clock(run_at))


def return_step_line(step: int) -> str:
    """On the return-to-run plan: what today's run is."""
    plan = RETURN_STEPS[min(step, len(RETURN_STEPS)) - 1]
    # Translators: {run} is what the step's run is, like "a brisk 20-30 minute walk".
    return _(
        "🔁 Return-to-run step {step} of {total}: {run}. Skip the rest of your usual session today."
    ).format(step=plan.number, total=len(RETURN_STEPS), run=step_run(plan))


def education_line(number: int, total: int) -> str:
    # Translators: above one of the "why it matters" lessons: lesson {number} of {total}.
    return _("<i>Why it matters · {number} of {total}</i>").format(number=number, total=total)


# ---------------------------------------------------------------------------------------------
# Sessions


def _exercise_note(exercise: Exercise, name_before: str | None) -> str:
    level, of, previous = exercise.level, exercise.of, exercise.previous
    if previous is not None and previous < level:
        # Translators: under an exercise of a strength session; {sessions} is 3.
        return ngettext(
            "level {level} of {of}, new: up from level {previous} after {sessions} session "
            "with your back at 2/10 or less",
            "level {level} of {of}, new: up from level {previous} after {sessions} sessions "
            "with your back at 2/10 or less",
            SESSIONS_TO_MOVE_UP,
        ).format(level=level, of=of, previous=previous, sessions=SESSIONS_TO_MOVE_UP)
    if previous is not None and previous > level:
        if name_before:
            # Translators: {name} is the exercise done at the higher level, like "Side plank".
            return _(
                "level {level} of {of}, back from level {previous} ({name}) while your back settles"
            ).format(level=level, of=of, previous=previous, name=escape(name_before))
        return _(
            "level {level} of {of}, back from level {previous} while your back settles"
        ).format(level=level, of=of, previous=previous)
    if level >= of:
        return _("level {level} of {of}, the top of this line: keep it steady").format(
            level=level, of=of
        )
    left = SESSIONS_TO_MOVE_UP - exercise.streak
    return ngettext(
        "level {level} of {of} · {n} more Done session to move up",
        "level {level} of {of} · {n} more Done sessions to move up",
        left,
    ).format(level=level, of=of, n=left)


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
        head = _("💪 <b>Strength session {number} of {goal} this week</b>").format(
            number=number, goal=goal
        )
    else:
        head = _("💪 <b>Strength session</b>")
    lines = [head, _("About 10-15 minutes. Stop any exercise that brings on pain down a leg.")]
    for index, exercise in enumerate(exercises, start=1):
        tip = tips.get(exercise.tip_id)
        if tip is None:
            continue
        before = (names_before or {}).get(exercise.family)
        note = _exercise_note(exercise, before)
        lines.append(
            f"\n<b>{index}. {escape(bare_title(tip.title))}</b>\n<i>{note}</i>\n{tip.body.strip()}"
        )
    # Translators: "Done" is the label of the button under the session; {n} is 3.
    done = ngettext(
        "Tap <b>Done</b> when you've finished. {n} Done session with your back at 2/10 or less "
        "moves an exercise up a level; a sore back holds it or steps it back.",
        "Tap <b>Done</b> when you've finished. {n} Done sessions with your back at 2/10 or less "
        "move an exercise up a level; a sore back holds it or steps it back.",
        SESSIONS_TO_MOVE_UP,
    )
    lines.append("\n" + done.format(n=SESSIONS_TO_MOVE_UP))
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Return to run


def return_plan_text(step: int) -> str:
    lines = [_("🔁 <b>Your return-to-run plan</b>")]
    for plan in RETURN_STEPS:
        mark = "▶️" if plan.number == step else ("✅" if plan.number < step else "▫️")
        # Translators: one line of the plan; {mark} is an emoji (done, current or to come),
        # {run} what the run is, like "a brisk 20-30 minute walk".
        line = _("{mark} Step {number}: {run}")
        lines.append(line.format(mark=mark, number=plan.number, run=step_run(plan)))
    lines.append(
        "\n"
        + _(
            "You're on step {step}. Do it on your next run day; your check-in after the run "
            "tells me how it went, and I'll ask the next morning how your back feels."
        ).format(step=step)
    )
    lines.append("\n" + texts.T.NOT_A_DIAGNOSIS)
    return "\n".join(lines)


def return_after_run(step: int, change: ReturnChange, pain: int) -> str:
    if change is ReturnChange.AWAIT_MORNING:
        if step < len(RETURN_STEPS):
            # Translators: {pain} is the run's pain score, as in "2/10"; {next} the next step.
            return _(
                "🔁 Step {step} done at {pain}/10. I'll ask tomorrow morning how your back "
                "feels; if it has settled, step {next} unlocks."
            ).format(step=step, pain=pain, next=min(step + 1, len(RETURN_STEPS)))
        return _(
            "🔁 The last step done at {pain}/10. If your back has settled by tomorrow "
            "morning, you're back on your usual plan."
        ).format(pain=pain)
    if change is ReturnChange.BACK:
        # Translators: {run} is what the step's run is, like "a brisk 20-30 minute walk".
        return _(
            "🔁 {pain}/10 is more than this step should cost, so next time we go back to "
            "step {step}: {run}."
        ).format(pain=pain, step=step, run=step_run(RETURN_STEPS[step - 1]))
    # Translators: {run} is the first step's run, "a brisk 20-30 minute walk".
    return _(
        "🔁 {pain}/10 is more than this step should cost. Stay on step 1 "
        "({run}) until a walk feels comfortable."
    ).format(pain=pain, run=step_run(RETURN_STEPS[0]))


def return_morning_question(step: int) -> str:
    # Translators: "Settled" and "Still sore" are the labels of the two buttons under it.
    return _(
        "🔁 Good morning. How's your back after yesterday's step {step}?\n"
        "<i>Settled: no more sore than before the run. Still sore: stiffer or more painful.</i>"
    ).format(step=step)


def return_after_morning(step: int | None, change: ReturnChange) -> str:
    if change is ReturnChange.DONE or step is None:
        return _(
            "🎉 That's the whole plan done. Your usual runs and reminders carry on from here; "
            "build distance gradually."
        )
    run = step_run(RETURN_STEPS[step - 1])
    if change is ReturnChange.UP:
        # Translators: {run} is what the step's run is, like "walk 4 min, jog 1 min, 5 times".
        return _("✅ Step {step} unlocked for your next run: {run}.").format(step=step, run=run)
    if change is ReturnChange.BACK:
        return _("Thanks. Next run, back to step {step}: {run}. No rush.").format(
            step=step, run=run
        )
    return _("Thanks. Stay on step {step} ({run}) until your back settles after it.").format(
        step=step, run=run
    )


# ---------------------------------------------------------------------------------------------
# What comes next (after onboarding)


def weekday_name(day: int) -> str:
    """ "Mon" (0 = Monday) in the current language."""
    return i18n.weekday_name(day, "abbreviated")
