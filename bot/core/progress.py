"""Pain progress over a window of days: the numbers and a short message.

Used by the ``/progress`` command and the weekly summary. Pure: no Telegram, no database and
no wall clock (``today`` is always an argument). The chart is drawn by ``bot.telegram.chart``.

Every figure here is about **the worst pain of each day**, the same figure the chart plots.
Why the worst and not the mean of every answer: a physiotherapist managing a runner's load
reads the highest pain a run provoked (the pain-monitoring model: up to about 3/10 that settles
by the next morning is acceptable, more means back off). Averaging a 7/10 flare with a 1/10
answer later that day would show a comfortable 4/10 and hide exactly what they look for; and a
runner who checks in twice on a bad day must not weigh that day twice.
"""

from __future__ import annotations

import datetime
import html
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

from bot.core import i18n, texts
from bot.core.i18n import N_, ngettext
from bot.core.i18n import gettext as _
from bot.core.triage import Level

Trend = Literal["better", "worse", "steady", "not enough data"]

MIN_PAIN: Final = 0
MAX_PAIN: Final = 10
# Fewer answered check-ins than this in the window and there is no trend.
MIN_FOR_TREND: Final = 4
# Mean pain must move by at least this much between the halves to count as better or worse.
TREND_STEP: Final = 1.0


# A day with a verdict at least this serious is marked on the charts.
ESCALATED: Final = Level.SEE_CLINICIAN


@dataclass(frozen=True)
class DayPain:
    """One answered check-in: the runner's local date and the 0-10 pain score; whether the
    runner ran (False for a "didn't run" check-in) and the verdict's level (a
    :class:`bot.core.triage.Level` value, 0 OK ... 4 EMERGENCY)."""

    day: datetime.date
    pain: int
    ran: bool = True
    level: int = 0

    def __post_init__(self) -> None:
        # A datetime is a date subclass but cannot be compared with a plain date.
        if isinstance(self.day, datetime.datetime) or not isinstance(self.day, datetime.date):
            raise ValueError(f"day must be a datetime.date, got {self.day!r}")
        # bool is a subclass of int, but True is not a pain score.
        if isinstance(self.pain, bool) or not isinstance(self.pain, int):
            raise ValueError(f"pain must be an integer 0-10, got {self.pain!r}")
        if not MIN_PAIN <= self.pain <= MAX_PAIN:
            raise ValueError(f"pain must be between 0 and 10, got {self.pain}")
        if not isinstance(self.ran, bool):
            raise ValueError(f"ran must be a bool, got {self.ran!r}")
        if isinstance(self.level, bool) or not isinstance(self.level, int):
            raise ValueError(f"level must be a triage level 0-4, got {self.level!r}")
        if not Level.OK <= self.level <= Level.EMERGENCY:
            raise ValueError(f"level must be between 0 and 4, got {self.level}")

    @property
    def escalated(self) -> bool:
        """A verdict of SEE_CLINICIAN or more serious."""
        return self.level >= ESCALATED


@dataclass(frozen=True)
class ProgressSummary:
    answered: int  # check-ins answered in the window
    # The mean over the window's days of each day's worst pain (None if no check-ins): the
    # figure the chart plots, see the module docstring.
    average: float | None
    trend: Trend  # "better", "worse", "steady" or "not enough data"
    pain_free_days: int  # days whose check-ins were all 0
    worst: int | None = None  # the highest pain in the window (None if no check-ins)


def _window(today: datetime.date, days: int) -> tuple[datetime.date, datetime.date]:
    if isinstance(today, datetime.datetime) or not isinstance(today, datetime.date):
        raise ValueError(f"today must be a datetime.date, got {today!r}")
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise ValueError(f"days must be a positive integer, got {days!r}")
    return today - datetime.timedelta(days=days - 1), today


def in_window(
    checkins: Sequence[DayPain], today: datetime.date, days: int
) -> tuple[datetime.date, list[DayPain]]:
    first, last = _window(today, days)
    return first, [c for c in checkins if first <= c.day <= last]


def worst_by_day(checkins: Sequence[DayPain]) -> dict[datetime.date, int]:
    """Each day's worst pain, by day (oldest first)."""
    worst: dict[datetime.date, int] = {}
    for c in sorted(checkins, key=lambda c: c.day):
        worst[c.day] = max(c.pain, worst.get(c.day, MIN_PAIN))
    return worst


def _trend(worst: dict[datetime.date, int]) -> Trend:
    if len(worst) < MIN_FOR_TREND:
        return "not enough data"
    ordered = [worst[day] for day in sorted(worst)]
    # Equal halves; with an odd count the middle day belongs to neither.
    half = len(ordered) // 2
    earlier = sum(ordered[:half])
    later = sum(ordered[-half:])
    # mean(later) - mean(earlier) compared with TREND_STEP, in exact integer arithmetic so that
    # a difference of exactly 1.0 is never lost to rounding.
    change = later - earlier
    step = math.ceil(TREND_STEP * half)
    if change <= -step:
        return "better"
    if change >= step:
        return "worse"
    return "steady"


def summarise(checkins: Sequence[DayPain], today: datetime.date, days: int = 28) -> ProgressSummary:
    """Sum up the answered check-ins in the ``days`` days ending ``today`` (inclusive).

    Check-ins before the window or after ``today`` are ignored. Each day counts once, by its
    worst pain (see the module docstring). The trend compares the mean worst pain of the
    earlier half of the days with check-ins with the later half: lower by 1.0 or more is
    "better", higher by 1.0 or more is "worse", anything else "steady"; fewer than four days
    with check-ins is "not enough data".
    """
    _unused, window = in_window(checkins, today, days)
    if not window:
        return ProgressSummary(answered=0, average=None, trend="not enough data", pain_free_days=0)
    worst = worst_by_day(window)
    return ProgressSummary(
        answered=len(window),
        average=sum(worst.values()) / len(worst),
        trend=_trend(worst),
        pain_free_days=sum(1 for pain in worst.values() if pain == 0),
        worst=max(worst.values()),
    )


# Marked here, translated where used.
_TREND_LINE: Final[dict[Trend, str]] = {
    # Translators: {avg} is the mean of each day's worst pain, like 2.5 (as in "2.5/10").
    "better": N_("📉 Worst pain of the day: {avg}/10 on average — getting better"),
    # Translators: {avg} is the mean of each day's worst pain, like 2.5 (as in "2.5/10").
    "worse": N_("📈 Worst pain of the day: {avg}/10 on average — a little higher lately"),
    # Translators: {avg} is the mean of each day's worst pain, like 2.5 (as in "2.5/10").
    "steady": N_("➡️ Worst pain of the day: {avg}/10 on average — holding steady"),
    # Translators: {avg} is the mean of each day's worst pain, like 2.5 (as in "2.5/10").
    "not enough data": N_(
        "📊 Worst pain of the day: {avg}/10 on average · a trend shows from 4 days of check-ins"
    ),
}


def summary_text(summary: ProgressSummary, days: int = 28) -> str:
    """The summary as a short Telegram-HTML message ending with the not-a-diagnosis line."""
    if days == 1:
        title = _("<b>Today</b>")
    else:
        # Translators: the title of /progress; {days} is the window, 28 in the bot.
        title = ngettext("<b>Your last {days} day</b>", "<b>Your last {days} days</b>", days)
        title = title.format(days=days)
    if summary.answered == 0 or summary.average is None:
        lines = [
            title,
            _(
                "📭 No check-ins here yet. Your chart fills in after your first check-in, "
                "which I send a little while after your next run."
            ),
        ]
    else:
        answered = summary.answered
        lines = [
            title,
            ngettext("✅ {n} check-in answered", "✅ {n} check-ins answered", answered).format(
                n=answered
            ),
            _(_TREND_LINE[summary.trend]).format(avg=i18n.decimal(summary.average)),
        ]
        if summary.worst is not None:
            # Translators: {worst} is the highest pain score of the window, as in "7/10".
            lines.append(_("🔺 Highest: {worst}/10").format(worst=summary.worst))
        if summary.pain_free_days:
            free = summary.pain_free_days
            lines.append(
                ngettext("😌 {n} pain-free day", "😌 {n} pain-free days", free).format(n=free)
            )
    return "\n".join(lines) + "\n\n" + texts.T.NOT_A_DIAGNOSIS


# ---------------------------------------------------------------------------------------------
# The weekly summary


WEEK_DAYS: Final = 7
TREND_DAYS: Final = 28


def date_label(day: datetime.date) -> str:
    """ "28 Jun" ("28 jun", "28 июн.") in the current language: not strftime("%b"), which
    follows the process locale."""
    return i18n.date_label(day, "MMMd")


@dataclass(frozen=True)
class LevelChange:
    """A change of level in one exercise family during the week."""

    exercise: str  # the family's display name, e.g. "Side plank"
    from_level: int
    to_level: int
    of: int  # levels in the family
    reason: str  # "up" | "back"

    def __post_init__(self) -> None:
        if self.reason not in ("up", "back"):
            raise ValueError(f"reason must be 'up' or 'back', got {self.reason!r}")


@dataclass(frozen=True)
class WeekReport:
    """What the weekly summary reports: built by the service, rendered by :func:`week_text`
    and ``bot.telegram.chart.render_week_chart``."""

    week_start: datetime.date  # 7 days ending week_end
    week_end: datetime.date
    sessions_done: int  # strength sessions marked Done this week
    sessions_goal: int  # 2 or 3
    runs_checked_in: int  # check-ins answered this week where the runner ran
    checkins: tuple[DayPain, ...]  # the last 28 days' answered check-ins (trend + chart)
    level_changes: tuple[LevelChange, ...] = ()
    return_step: int | None = None  # on the return-to-run plan: the current step
    return_steps: int = 0

    def __post_init__(self) -> None:
        for name in ("week_start", "week_end"):
            value = getattr(self, name)
            if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
                raise ValueError(f"{name} must be a datetime.date, got {value!r}")
        if (self.week_end - self.week_start).days != WEEK_DAYS - 1:
            raise ValueError(f"a week is 7 days: {self.week_start} to {self.week_end} is not")
        for name in ("sessions_done", "sessions_goal", "runs_checked_in", "return_steps"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be a whole number >= 0, got {value!r}")

    @property
    def week(self) -> tuple[DayPain, ...]:
        """This week's check-ins (week_start to week_end)."""
        return tuple(c for c in self.checkins if self.week_start <= c.day <= self.week_end)


def _sessions_line(done: int, goal: int) -> str:
    if goal <= 0:
        return ngettext(
            "💪 {n} strength session this week", "💪 {n} strength sessions this week", done
        ).format(n=done)
    # Counted by the goal: "2 of 3 strength sessions" ({goal} is 2 or 3).
    if done > goal:
        template = ngettext(
            "💪 {done} of {goal} strength session ✅ more than your goal, brilliant",
            "💪 {done} of {goal} strength sessions ✅ more than your goal, brilliant",
            goal,
        )
    elif done == goal:
        template = ngettext(
            "💪 {done} of {goal} strength session ✅",
            "💪 {done} of {goal} strength sessions ✅",
            goal,
        )
    elif done == 0:
        template = ngettext(
            "💪 0 of {goal} strength session this week. Even one short session next week "
            "makes a difference",
            "💪 0 of {goal} strength sessions this week. Even one short session next week "
            "makes a difference",
            goal,
        )
    else:
        template = _("💪 {done} of {goal}: every session counts, and next week is a fresh start")
    return template.format(done=done, goal=goal)


def _runs_line(runs: int) -> str:
    if runs == 0:
        return _("🏃 No runs checked in this week")
    return ngettext("🏃 {n} run checked in", "🏃 {n} runs checked in", runs).format(n=runs)


# Marked here, translated where used.
_WEEK_TREND: Final[dict[Trend, str]] = {
    "better": N_("📉 Over 4 weeks your back is getting better"),
    "worse": N_("📈 Over 4 weeks your pain is a little higher lately: easy does it"),
    "steady": N_("➡️ Over 4 weeks your pain is holding steady"),
    "not enough data": N_("📊 A 4-week trend shows from 4 days of check-ins"),
}


def _pain_lines(report: WeekReport) -> list[str]:
    worst = worst_by_day(report.week)
    if not worst:
        lines = [_("😶 No check-ins answered this week")]
    elif max(worst.values()) == 0:
        days = len(worst)
        lines = [
            ngettext(
                "😌 Pain-free on every day you checked in ({n} day)",
                "😌 Pain-free on every day you checked in ({n} days)",
                days,
            ).format(n=days)
        ]
    else:
        typical = sum(worst.values()) / len(worst)
        # Translators: {worst} is a pain score (as in "7/10"), {typical} one like 2.5.
        line = _("🩺 Worst pain this week {worst}/10, a typical day's worst {typical}/10")
        lines = [line.format(worst=max(worst.values()), typical=i18n.decimal(typical))]
    lines.append(_(_WEEK_TREND[summarise(report.checkins, report.week_end, TREND_DAYS).trend]))
    return lines


def _level_line(change: LevelChange) -> str:
    name = html.escape(change.exercise)
    if change.reason == "up":
        # Translators: {name} is an exercise, like "Side plank".
        return _("⬆️ {name}: up to level {level} of {of}").format(
            name=name, level=change.to_level, of=change.of
        )
    # Translators: {name} is an exercise, like "Side plank".
    return _("↩️ {name}: back to level {level} while your back settles").format(
        name=name, level=change.to_level
    )


def week_text(report: WeekReport) -> str:
    """The weekly summary as a short Telegram-HTML message ending with the not-a-diagnosis
    line."""
    # Translators: the weekly summary's title; {start} and {end} are dates like "22 Jun".
    title = _("<b>Your week, {start} – {end}</b>").format(
        start=date_label(report.week_start), end=date_label(report.week_end)
    )
    lines = [
        title,
        _sessions_line(report.sessions_done, report.sessions_goal),
        _runs_line(report.runs_checked_in),
        *_pain_lines(report),
        *(_level_line(change) for change in report.level_changes),
    ]
    if report.return_step is not None:
        step, of = report.return_step, report.return_steps
        if of:
            # Translators: the return-to-run plan's step {step} of {of} (6).
            lines.append(_("🛤 Return to running: step {step} of {of}").format(step=step, of=of))
        else:
            lines.append(_("🛤 Return to running: step {step}").format(step=step))
    return "\n".join(lines) + "\n\n" + texts.T.NOT_A_DIAGNOSIS
