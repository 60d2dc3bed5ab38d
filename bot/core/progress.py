"""Pain progress over a window of days: the numbers and a short message.

Used by the ``/progress`` command and the weekly summary. Pure: no Telegram, no database and
no wall clock (``today`` is always an argument). The chart is drawn by ``bot.telegram.chart``.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

from bot.core.advice import NOT_A_DIAGNOSIS

Trend = Literal["better", "worse", "steady", "not enough data"]

MIN_PAIN: Final = 0
MAX_PAIN: Final = 10
# Fewer answered check-ins than this in the window and there is no trend.
MIN_FOR_TREND: Final = 4
# Mean pain must move by at least this much between the halves to count as better or worse.
TREND_STEP: Final = 1.0


@dataclass(frozen=True)
class DayPain:
    """One answered check-in: the runner's local date and the 0-10 pain score."""

    day: datetime.date
    pain: int

    def __post_init__(self) -> None:
        # A datetime is a date subclass but cannot be compared with a plain date.
        if isinstance(self.day, datetime.datetime) or not isinstance(self.day, datetime.date):
            raise ValueError(f"day must be a datetime.date, got {self.day!r}")
        # bool is a subclass of int, but True is not a pain score.
        if isinstance(self.pain, bool) or not isinstance(self.pain, int):
            raise ValueError(f"pain must be an integer 0-10, got {self.pain!r}")
        if not MIN_PAIN <= self.pain <= MAX_PAIN:
            raise ValueError(f"pain must be between 0 and 10, got {self.pain}")


@dataclass(frozen=True)
class ProgressSummary:
    answered: int  # check-ins answered in the window
    average: float | None  # mean pain over the window (None if no check-ins)
    trend: Trend  # "better", "worse", "steady" or "not enough data"
    pain_free_days: int  # days whose check-ins were all 0


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


def _trend(window: list[DayPain]) -> Trend:
    if len(window) < MIN_FOR_TREND:
        return "not enough data"
    ordered = sorted(window, key=lambda c: c.day)  # stable: same-day check-ins keep their order
    # Equal halves; with an odd count the middle check-in belongs to neither.
    half = len(ordered) // 2
    earlier = sum(c.pain for c in ordered[:half])
    later = sum(c.pain for c in ordered[-half:])
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

    Check-ins before the window or after ``today`` are ignored. The trend compares the mean
    pain of the earlier half of the window's check-ins (by date) with the later half: lower by
    1.0 or more is "better", higher by 1.0 or more is "worse", anything else "steady"; fewer
    than four check-ins is "not enough data".
    """
    _, window = in_window(checkins, today, days)
    if not window:
        return ProgressSummary(answered=0, average=None, trend="not enough data", pain_free_days=0)
    worst: dict[datetime.date, int] = {}
    for c in window:
        worst[c.day] = max(c.pain, worst.get(c.day, MIN_PAIN))
    return ProgressSummary(
        answered=len(window),
        average=sum(c.pain for c in window) / len(window),
        trend=_trend(window),
        pain_free_days=sum(1 for pain in worst.values() if pain == 0),
    )


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


_TREND_LINE: Final[dict[Trend, str]] = {
    "better": "📉 Average pain {avg}/10 — getting better",
    "worse": "📈 Average pain {avg}/10 — a little higher lately",
    "steady": "➡️ Average pain {avg}/10 — holding steady",
    "not enough data": "📊 Average pain {avg}/10 · a trend shows from 4 check-ins",
}


def summary_text(summary: ProgressSummary, days: int = 28) -> str:
    """The summary as a short Telegram-HTML message ending with :data:`NOT_A_DIAGNOSIS`."""
    title = "<b>Today</b>" if days == 1 else f"<b>Your last {days} days</b>"
    if summary.answered == 0 or summary.average is None:
        lines = [
            title,
            "📭 No check-ins here yet. Your chart fills in after your first check-in, "
            "which I send a little while after your next run.",
        ]
    else:
        lines = [
            title,
            f"✅ {_plural(summary.answered, 'check-in', 'check-ins')} answered",
            _TREND_LINE[summary.trend].format(avg=f"{summary.average:.1f}"),
        ]
        if summary.pain_free_days:
            lines.append(f"😌 {_plural(summary.pain_free_days, 'pain-free day', 'pain-free days')}")
    return "\n".join(lines) + "\n\n" + NOT_A_DIAGNOSIS
