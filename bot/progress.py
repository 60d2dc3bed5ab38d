"""Pain progress over a window of days: numbers, a short message and a PNG chart.

Used by the ``/progress`` command and the weekly summary. Pure: no Telegram, no database and
no wall clock (``today`` is always an argument).

matplotlib is imported only inside :func:`render_chart`, so importing this module stays cheap
for bot start-up. The chart is drawn on a :class:`matplotlib.figure.Figure` with its own
``FigureCanvasAgg``: pyplot is never used, so no backend is switched, no global figure list
grows, and rcParams are left alone.
"""

from __future__ import annotations

import datetime
import io
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

Trend = Literal["better", "worse", "steady", "not enough data"]

NOT_A_DIAGNOSIS: Final = "<i>BackStride gives general guidance, not a diagnosis.</i>"

MIN_PAIN: Final = 0
MAX_PAIN: Final = 10
# Fewer answered check-ins than this in the window and there is no trend.
MIN_FOR_TREND: Final = 4
# Mean pain must move by at least this much between the halves to count as better or worse.
TREND_STEP: Final = 1.0
# The chart joins two check-in days with a line when they are at most this many days apart.
# Check-ins follow runs, so a runner on Mon/Wed/Fri has no check-ins on the days between; a
# longer silence (a missed week, a break) leaves a gap in the line.
JOIN_GAP_DAYS: Final = 7

CHART_WIDTH_PX: Final = 800
CHART_HEIGHT_PX: Final = 450
CHART_DPI: Final = 100

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# matplotlib promises little about threads; one chart at a time is cheap insurance (rendering
# is mostly under the GIL anyway).
_RENDER_LOCK: Final = threading.Lock()


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


def _in_window(
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
    _, window = _in_window(checkins, today, days)
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


def _date_label(day: datetime.date) -> str:
    # Not strftime("%b"): that follows the process locale.
    return f"{day.day} {_MONTHS[day.month - 1]}"


def _segments(points: list[tuple[int, int]], join_gap_days: int) -> list[list[tuple[int, int]]]:
    """Split (day index, pain) points, sorted by day, where the gap is too long to join."""
    runs: list[list[tuple[int, int]]] = []
    for point in points:
        if runs and point[0] - runs[-1][-1][0] <= join_gap_days:
            runs[-1].append(point)
        else:
            runs.append([point])
    return runs


def render_chart(
    checkins: Sequence[DayPain],
    today: datetime.date,
    days: int = 28,
    *,
    join_gap_days: int = JOIN_GAP_DAYS,
) -> bytes:
    """A PNG (800x450 px) of the worst pain each day over the ``days`` days ending ``today``.

    Days with check-ins are points; points at most ``join_gap_days`` apart are joined by a
    line (``join_gap_days=1`` joins only back-to-back days). The output holds no timestamp or
    version, so the same input gives the same bytes.
    """
    first, window = _in_window(checkins, today, days)
    if join_gap_days < 1:
        raise ValueError(f"join_gap_days must be at least 1, got {join_gap_days!r}")
    worst: dict[int, int] = {}
    for c in window:
        index = (c.day - first).days
        worst[index] = max(c.pain, worst.get(index, MIN_PAIN))
    points = sorted(worst.items())

    with _RENDER_LOCK:
        return _draw(points, first, days, join_gap_days, had_any=bool(checkins))


def _draw(
    points: list[tuple[int, int]],
    first: datetime.date,
    days: int,
    join_gap_days: int,
    *,
    had_any: bool,
) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    ink = "#2b2d42"
    muted = "#6c757d"
    line_colour = "#1d4e89"

    fig = Figure(
        figsize=(CHART_WIDTH_PX / CHART_DPI, CHART_HEIGHT_PX / CHART_DPI),
        dpi=CHART_DPI,
        facecolor="white",
    )
    FigureCanvasAgg(fig)
    fig.subplots_adjust(left=0.08, right=0.97, top=0.89, bottom=0.11)
    ax = fig.add_subplot()
    ax.set_facecolor("white")

    # Pain bands: 0-3, 4-6, 7-10 (scores are whole numbers, so the edges sit half-way).
    ax.axhspan(-0.5, 3.5, color="#2a9d8f", alpha=0.12, linewidth=0, zorder=0)
    ax.axhspan(3.5, 6.5, color="#f4a261", alpha=0.16, linewidth=0, zorder=0)
    ax.axhspan(6.5, 10.5, color="#e63946", alpha=0.12, linewidth=0, zorder=0)

    ax.set_xlim(-0.6, days - 0.4)
    ax.set_ylim(-0.5, 10.5)
    ax.set_yticks(range(0, 11, 2))
    # Every 7 days counting back from today, so today is always labelled.
    ticks = list(range(days - 1, -1, -7))[::-1]
    ax.set_xticks(ticks)
    ax.set_xticklabels([_date_label(first + datetime.timedelta(days=i)) for i in ticks])
    ax.set_xticks(range(days), minor=True)  # a small tick for each day
    ax.set_ylabel("Pain (0-10)", color=ink)
    ax.grid(axis="y", color="white", linewidth=1.0, alpha=0.9, zorder=1)
    ax.tick_params(colors=muted, labelcolor=ink, length=4)
    ax.tick_params(which="minor", colors="#ced4da", length=2)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color("#adb5bd")

    for run in _segments(points, join_gap_days):
        xs = [x for x, _ in run]
        ys = [y for _, y in run]
        ax.plot(
            xs,
            ys,
            color=line_colour,
            linewidth=2.0,
            marker="o",
            markersize=6,
            markerfacecolor=line_colour,
            markeredgecolor="white",
            markeredgewidth=1.2,
            zorder=3,
        )

    if not points:
        note = "No check-ins yet" if not had_any else f"No check-ins in the last {days} days"
        ax.text(
            0.5,
            0.5,
            note,
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontsize=14,
            color=muted,
            bbox={"boxstyle": "round,pad=0.6", "facecolor": "white", "edgecolor": "none"},
            zorder=4,
        )

    title = "Back pain, today" if days == 1 else f"Back pain, last {days} days"
    ax.set_title(title, loc="left", fontsize=14, fontweight="bold", color=ink, pad=12)

    buffer = io.BytesIO()
    fig.savefig(
        buffer,
        format="png",
        dpi=CHART_DPI,
        facecolor="white",
        metadata={"Software": None},
    )
    return buffer.getvalue()
