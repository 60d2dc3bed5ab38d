"""The /progress chart: a PNG of the worst pain each day.

matplotlib is imported only inside :func:`render_chart`, so importing this module stays cheap
for bot start-up. The chart is drawn on a :class:`matplotlib.figure.Figure` with its own
``FigureCanvasAgg``: pyplot is never used, so no backend is switched, no global figure list
grows, and rcParams are left alone.
"""

from __future__ import annotations

import datetime
import io
import threading
from collections.abc import Sequence
from typing import Final

from bot.core.progress import MIN_PAIN, DayPain, in_window

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
    first, window = in_window(checkins, today, days)
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
