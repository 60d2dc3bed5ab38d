"""The /progress and weekly charts: PNGs of the worst pain each day, runs and escalations.

Both charts are drawn with Pillow (a few ms of CPU each, see ``bench/week_chart.py``); PIL is
imported only inside the render functions, so importing this module stays cheap for bot
start-up. The text is set in DejaVu Sans from the system's fonts (Debian: fonts-dejavu-core),
or in Pillow's own font where that is missing.

Rendering holds the GIL for the whole chart, so the bot renders through a
:class:`ChartRenderer`, which draws in a worker process and keeps the event loop free.

Every word and date on a chart is in the current language (:mod:`bot.core.i18n`). The
language is a context variable, which does not follow a call into the worker process (nor
into ``run_in_executor``'s threads): the renderer passes the caller's language code along
and the worker draws inside ``i18n.use(language)`` (:func:`_in_language`).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime
import io
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeAlias, TypeVar

from bot.core import i18n
from bot.core.i18n import gettext as _
from bot.core.progress import (
    MIN_PAIN,
    WEEK_DAYS,
    DayPain,
    WeekReport,
    date_label,
    in_window,
)

if TYPE_CHECKING:
    from PIL import Image, ImageDraw, ImageFont

    _Font: TypeAlias = ImageFont.FreeTypeFont | ImageFont.ImageFont

log = logging.getLogger(__name__)

# The chart joins two check-in days with a line when they are at most this many days apart.
# Check-ins follow runs, so a runner on Mon/Wed/Fri has no check-ins on the days between; a
# longer silence (a missed week, a break) leaves a gap in the line.
JOIN_GAP_DAYS: Final = 7

CHART_WIDTH_PX: Final = 800
CHART_HEIGHT_PX: Final = 450
CHART_DPI: Final = 100

_INK: Final = "#2b2d42"
_MUTED: Final = "#6c757d"
_LINE: Final = "#1d4e89"
_RUN: Final = "#2a9d8f"
_FLAG: Final = "#d62828"
# The strip under the pain scale where run days are marked.
_RUN_Y: Final = -1.35
_Y_MIN: Final = -2.0


@dataclass(frozen=True)
class _Day:
    index: int  # days since the chart's first day
    pain: int | None  # the day's worst pain (None: no check-in that day)
    ran: bool
    escalated: bool  # a verdict of SEE_CLINICIAN or more serious


def _days(window: Sequence[DayPain], first: datetime.date) -> list[_Day]:
    by_index: dict[int, list[DayPain]] = {}
    for c in window:
        by_index.setdefault((c.day - first).days, []).append(c)
    return [
        _Day(
            index=index,
            pain=max((c.pain for c in found), default=MIN_PAIN),
            ran=any(c.ran for c in found),
            escalated=any(c.escalated for c in found),
        )
        for index, found in sorted(by_index.items())
    ]


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
    """A PNG (800x450 px) of the worst pain each day over the ``days`` days ending ``today``,
    with run days marked along the bottom and days with a SEE_CLINICIAN-or-worse verdict
    ringed in red.

    Days with check-ins are points; points at most ``join_gap_days`` apart are joined by a
    line (``join_gap_days=1`` joins only back-to-back days). Dates are labelled every 7 days
    counting back from today. Drawn with Pillow, as the weekly chart is. The output holds no
    timestamp or version, so the same input gives the same bytes (with the same Pillow, zlib
    and font file).
    """
    first, window = in_window(checkins, today, days)
    if join_gap_days < 1:
        raise ValueError(f"join_gap_days must be at least 1, got {join_gap_days!r}")
    # Every 7 days counting back from today, so today is always labelled.
    ticks = tuple(range(days - 1, -1, -7))[::-1]
    labels = [date_label(first + datetime.timedelta(days=i)) for i in ticks]
    if window:
        note = None
    elif not checkins:
        # Translators: on the /progress chart when there is nothing to draw.
        note = _("No check-ins yet")
    else:
        # Translators: on the /progress chart when there is nothing to draw; {days} is 28.
        note = i18n.ngettext(
            "No check-ins in the last {days} day", "No check-ins in the last {days} days", days
        ).format(days=days)
    if days == 1:
        # Translators: the /progress chart's title (short: it is drawn on an 800 px picture).
        title = _("Worst back pain each day, today")
    else:
        # Translators: the /progress chart's title (short: it is drawn on an 800 px picture).
        title = i18n.ngettext(
            "Worst back pain each day, last {days} day",
            "Worst back pain each day, last {days} days",
            days,
        ).format(days=days)
    with _DRAW_LOCK:
        return _draw(
            _days(window, first),
            days=days,
            ticks=ticks,
            labels=labels,
            join_gap_days=join_gap_days,
            title=title,
            note=note,
        )


def render_week_chart(report: WeekReport) -> bytes:
    """A PNG (800x450 px) of the report's 7 days: the worst pain each day (points joined by a
    line over the 0-3 / 4-6 / 7-10 bands), run days along the bottom, days with a
    SEE_CLINICIAN-or-worse verdict ringed in red, and the strength sessions done.

    Drawn with Pillow: a few ms of CPU a chart (a Sunday has 100k of them). The output holds
    no timestamp or version, so the same input gives the same bytes (with the same Pillow,
    zlib and font file).
    """
    first = report.week_start
    done, goal = report.sessions_done, report.sessions_goal
    # Translators: the weekly chart's title; {start} and {end} are dates like "22 Jun".
    title = _("Your week: {start} – {end}").format(
        start=date_label(first), end=date_label(report.week_end)
    )
    if goal:
        # Translators: the weekly chart's top right corner, like "Strength sessions: 2 of 3".
        corner = _("Strength sessions: {done} of {goal}").format(done=done, goal=goal)
    else:
        # Translators: the weekly chart's top right corner, like "Strength sessions: 2".
        corner = _("Strength sessions: {done}").format(done=done)
    with _DRAW_LOCK:
        return _draw_week(_days(list(report.week), first), first=first, title=title, corner=corner)


# ---------------------------------------------------------------------------------------------
# Drawing with Pillow
#
# PIL is imported inside the functions, so importing this module stays cheap. ImageDraw does
# not smooth edges, so the chart's marks (line, points, rings, triangles) are drawn at twice
# the size on a copy of the plot area and halved with a box filter; text is drawn at full
# size afterwards (FreeType smooths it). What every chart of a kind shares (bands, grid, axes
# and their ticks, the y scale and its name, the legend) is drawn once a process and kept; a
# chart copies it and adds its own days, dates, title and notes.

_SCALE: Final = 2
# The plot area, in pixels of the 800x450 image: x from -0.6 to days - 0.4 (days), y from
# _Y_MIN (the run-day strip) to 10.6. The same for both charts.
_W_LEFT: Final = 66
_W_RIGHT: Final = 780
_W_TOP: Final = 92
_W_BOTTOM: Final = 380
_W_X_MIN: Final = -0.6
_W_X_PAD: Final = 0.4  # the x scale ends this far after the last day
_W_Y_MAX: Final = 10.6
# Where the marks may reach (a ring at pain 10 pokes above the plot area): the part of the
# image drawn at _SCALE.
_MARKS_BOX: Final = (_W_LEFT, _W_TOP - 8, _W_RIGHT, _W_BOTTOM)
# The bands blended onto white (teal 12%, orange 16%, red 12%).
_BANDS: Final = (
    (-0.5, 3.5, (229, 243, 242)),
    (3.5, 6.5, (253, 240, 230)),
    (6.5, 10.5, (252, 231, 233)),
)
_SPINE: Final = "#adb5bd"
_MINOR_TICK: Final = "#ced4da"
_LEGEND_Y: Final = 60
# DejaVu Sans, looked for in these folders in turn (Debian and Ubuntu: fonts-dejavu-core;
# Fedora; Alpine; Arch); failing those, Pillow itself looks for the file by name in the
# system's font folders.
# DejaVu Sans ships with the bot (bot/telegram/fonts/, its licence beside it: free to
# redistribute), so every host draws the same charts, Cyrillic included; the system's copy is
# the fallback.
_FONT_DIRS: Final = (
    str(Path(__file__).resolve().parent / "fonts"),
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu-sans-fonts",
    "/usr/share/fonts/dejavu",
    "/usr/share/fonts/TTF",
)
_DEJAVU: Final = "DejaVuSans.ttf"
_DEJAVU_BOLD: Final = "DejaVuSans-Bold.ttf"
# Font sizes in pixels: Telegram shows the 800 px image ~390 px wide on a phone, so these are
# about half that size there.
_TITLE_PX: Final = 26
_CORNER_PX: Final = 21
_LABEL_PX: Final = 19
_LEGEND_PX: Final = 17
_AXIS_NAME_PX: Final = 16
_NOTE_PX: Final = 24
# The least room between two date labels, in pixels, and between a label and the image edge.
_LABEL_GAP: Final = 14
_EDGE: Final = 6
# zlib level 1: measured on this chart, levels 1 to 3 give nearly the same size and level 6
# costs twice the time for a quarter fewer bytes (see _png).
_ZLIB_LEVEL: Final = 1
# Backgrounds kept a process (one a language and window length; the bot uses two windows, the
# week and 28 days, in each of its languages).
_MAX_BACKGROUNDS: Final = 2 * len(i18n.LANGUAGES) + 2

# A FreeType face is not safe to draw with from two threads at once, the renderer can fall
# back to threads, and the caches below are filled on first use: one chart at a time (a few
# ms each).
_DRAW_LOCK: Final = threading.Lock()

# Filled on first use: the loaded fonts, by (pixel size, bold), and the shared parts of each
# kind of chart, by (language, days, major ticks, minor ticks): (the whole chart at full size,
# the _MARKS_BOX part of it at _SCALE).
_FONTS: dict[tuple[int, bool], _Font] = {}
_Ticks: TypeAlias = tuple[int, ...]
_BACKGROUNDS: dict[tuple[str, int, _Ticks, _Ticks], tuple[Image.Image, Image.Image]] = {}
_LINE_BOXES: dict[int, tuple[float, float]] = {}  # by id() of a font in _FONTS (never freed)


def _font(size: int, *, bold: bool = False) -> _Font:
    """DejaVu Sans at ``size`` px, loaded once a process (the regular face if the bold one is
    missing); Pillow's built-in font if DejaVu cannot be found or read."""
    from PIL import ImageFont

    key = (size, bold)
    font = _FONTS.get(key)
    if font is None:
        names = (_DEJAVU_BOLD, _DEJAVU) if bold else (_DEJAVU,)
        for path in (os.path.join(folder, name) for name in names for folder in _FONT_DIRS):
            try:
                font = ImageFont.truetype(path, size, layout_engine=ImageFont.Layout.BASIC)
                break
            except OSError:
                continue
        else:
            log.warning("DejaVu Sans not found: the charts use Pillow's default font")
            font = ImageFont.load_default(size=size)
        _FONTS[key] = font
    return font


def _text(
    draw: ImageDraw.ImageDraw,
    xy: tuple[float, float],
    text: str,
    font: _Font,
    fill: str,
    align: str = "left",
) -> None:
    """``text`` with its line's middle at ``xy[1]`` and its left edge, centre or right edge at
    ``xy[0]``. Placed from bounding boxes, not ``anchor=``, so that Pillow's bitmap fallback
    font (which has no anchors) is placed the same way."""
    x, y = xy
    left, _unused, right, _unused = font.getbbox(text)
    top, bottom = _line_box(font)
    if align == "center":
        x -= (left + right) / 2
    elif align == "right":
        x -= right
    draw.text((round(x), round(y - (top + bottom) / 2)), text, font=font, fill=fill)


def _line_box(font: _Font) -> tuple[float, float]:
    """The top and bottom of a line of ``font``'s text, whatever its letters (kept a font)."""
    box = _LINE_BOXES.get(id(font))
    if box is None:
        _unused, top, _unused, bottom = font.getbbox("Hg")
        box = _LINE_BOXES[id(font)] = (top, bottom)
    return box


def _x(index: float, days: int = WEEK_DAYS) -> float:
    """The pixel column of day ``index`` on a chart of ``days`` days."""
    span = days - _W_X_PAD - _W_X_MIN
    return _W_LEFT + (index - _W_X_MIN) / span * (_W_RIGHT - _W_LEFT)


def _y(value: float) -> float:
    return _W_BOTTOM - (value - _Y_MIN) / (_W_Y_MAX - _Y_MIN) * (_W_BOTTOM - _W_TOP)


class _Marks:
    """Draws the chart's marks at _SCALE on an image whose top left is ``origin`` (in pixels
    of the full-size chart); coordinates are given in full-size pixels."""

    def __init__(self, image: Image.Image, origin: tuple[int, int] = (0, 0)) -> None:
        from PIL import ImageDraw

        self.draw = ImageDraw.Draw(image)
        self.origin = origin

    def _at(self, x: float, y: float) -> tuple[float, float]:
        return (x - self.origin[0]) * _SCALE, (y - self.origin[1]) * _SCALE

    def line(self, points: Sequence[tuple[float, float]], fill: str, width: float) -> None:
        scaled = [self._at(x, y) for x, y in points]
        self.draw.line(scaled, fill=fill, width=round(width * _SCALE), joint="curve")

    def dot(self, x: float, y: float) -> None:
        """A pain point: a filled circle with a white edge."""
        cx, cy = self._at(x, y)
        r = 5.5 * _SCALE
        box = (cx - r, cy - r, cx + r, cy + r)
        self.draw.ellipse(box, fill=_LINE, outline="white", width=round(1.4 * _SCALE))

    def ring(self, x: float, y: float) -> None:
        """An escalation: a red ring around the day's point."""
        cx, cy = self._at(x, y)
        r = 13 * _SCALE
        self.draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=_FLAG, width=3 * _SCALE)

    def triangle(self, x: float, y: float) -> None:
        """A run day: a teal triangle pointing up."""
        cx, cy = self._at(x, y)
        half, height = 7.5 * _SCALE, 13 * _SCALE
        corners = [(cx, cy - 0.6 * height), (cx + half, cy + 0.4 * height)]
        corners.append((cx - half, cy + 0.4 * height))
        self.draw.polygon(corners, fill=_RUN, outline="white", width=round(0.8 * _SCALE))

    def rounded_box(self, box: tuple[float, float, float, float], radius: float) -> None:
        left, top = self._at(box[0], box[1])
        right, bottom = self._at(box[2], box[3])
        self.draw.rounded_rectangle(
            (left, top, right, bottom), radius=radius * _SCALE, fill="white"
        )


def _background(days: int, major: _Ticks, minor: _Ticks = ()) -> tuple[Image.Image, Image.Image]:
    """The parts every chart of ``days`` days with these x ticks shares in the current
    language, drawn once a process: the whole chart at full size, and its _MARKS_BOX part at
    _SCALE (pixel for pixel the same, for drawing on). A major tick is a day with a label, a
    minor one a small mark."""
    key = (i18n.current(), days, major, minor)
    found = _BACKGROUNDS.get(key)
    if found is not None:
        return found
    from PIL import Image, ImageDraw

    big = Image.new("RGB", (CHART_WIDTH_PX * _SCALE, CHART_HEIGHT_PX * _SCALE), "white")
    marks = _Marks(big)
    for low, high, colour in _BANDS:
        left, top = marks._at(_W_LEFT, _y(high))
        right, bottom = marks._at(_W_RIGHT, _y(low))
        marks.draw.rectangle((left, top, right, bottom), fill=colour)
    for value in range(0, 11, 2):  # the grid: white lines across the bands
        marks.line([(_W_LEFT, _y(value)), (_W_RIGHT, _y(value))], "white", 1)
        marks.line([(_W_LEFT - 5, _y(value)), (_W_LEFT, _y(value))], _MUTED, 1)  # a tick
    for index in minor:
        marks.line([(_x(index, days), _W_BOTTOM), (_x(index, days), _W_BOTTOM + 3)], _MINOR_TICK, 1)
    for index in major:
        marks.line([(_x(index, days), _W_BOTTOM), (_x(index, days), _W_BOTTOM + 5)], _MUTED, 1)
    marks.line([(_W_LEFT, _W_TOP), (_W_LEFT, _W_BOTTOM), (_W_RIGHT, _W_BOTTOM)], _SPINE, 1)

    # The legend, one row above the plot: its marks now, its words after halving.
    legend = _font(_LEGEND_PX)
    words: list[tuple[float, str]] = []
    x = float(_W_LEFT)
    for kind, label in (
        # Translators: the charts' legend, beside a line with dots (keep it short).
        ("pain", _("Worst pain")),
        # Translators: the charts' legend, beside the triangle marking a day with a run.
        ("ran", _("Ran")),
        # Translators: the charts' legend, beside the red ring marking a day whose check-in
        # advised seeing a clinician, or something more urgent (keep it short).
        ("flag", _("See a clinician or more")),
    ):
        if kind == "pain":
            marks.line([(x, _LEGEND_Y), (x + 32, _LEGEND_Y)], _LINE, 2.6)
            marks.dot(x + 16, _LEGEND_Y)
        elif kind == "ran":
            marks.triangle(x + 16, _LEGEND_Y)
        else:
            marks.ring(x + 16, _LEGEND_Y)
        words.append((x + 40, label))
        x += 40 + legend.getlength(label) + 30

    small = big.reduce(_SCALE)
    draw = ImageDraw.Draw(small)
    for word_x, label in words:
        _text(draw, (word_x, _LEGEND_Y), label, legend, _INK)
    scale = _font(_LABEL_PX)
    for value in range(0, 11, 2):
        _text(draw, (_W_LEFT - 9, _y(value)), str(value), scale, _INK, align="right")
    # The y axis's name, turned a quarter to read upwards along the scale.
    # Translators: the name of the charts' vertical axis, drawn along the 0-10 pain scale.
    name = _("Worst pain of the day (0-10)")
    name_font = _font(_AXIS_NAME_PX)
    _unused, _unused, right, bottom = name_font.getbbox(name)
    strip = Image.new("L", (int(right) + 2, int(bottom) + 2), 0)
    ImageDraw.Draw(strip).text((0, 0), name, font=name_font, fill=255)
    strip = strip.rotate(90, expand=True)
    middle = (_y(0) + _y(10)) / 2
    small.paste(_MUTED, (4, round(middle - strip.height / 2)), strip)

    left, top, right, bottom = _MARKS_BOX
    size = ((right - left) * _SCALE, (bottom - top) * _SCALE)
    scaled = small.crop(_MARKS_BOX).resize(size, Image.Resampling.NEAREST)
    while len(_BACKGROUNDS) >= _MAX_BACKGROUNDS:
        del _BACKGROUNDS[next(iter(_BACKGROUNDS))]  # the oldest
    found = _BACKGROUNDS[key] = (small, scaled)
    return found


def _empty_note(marks: _Marks, note: str) -> tuple[float, float]:
    """A white box in the plot for ``note`` (drawn at _SCALE); where to write it."""
    note_x, note_y = (_W_LEFT + _W_RIGHT) / 2, _y(4.6)
    half = _font(_NOTE_PX).getlength(note) / 2 + 22
    marks.rounded_box((note_x - half, note_y - 26, note_x + half, note_y + 26), radius=12)
    return note_x, note_y


def _draw_week(days_data: list[_Day], *, first: datetime.date, title: str, corner: str) -> bytes:
    from PIL import ImageDraw

    background, scaled = _background(WEEK_DAYS, tuple(range(WEEK_DAYS)))
    image, plot = background.copy(), scaled.copy()
    marks = _Marks(plot, origin=(_MARKS_BOX[0], _MARKS_BOX[1]))
    points = [(_x(d.index), _y(d.pain)) for d in days_data if d.pain is not None]
    if len(points) > 1:  # the week's check-ins are all joined (JOIN_GAP_DAYS is a week)
        marks.line(points, _LINE, 2.6)
    for x, y in points:
        marks.dot(x, y)
    for d in days_data:
        if d.escalated and d.pain is not None:
            marks.ring(_x(d.index), _y(d.pain))
        if d.ran:
            marks.triangle(_x(d.index), _y(_RUN_Y))
    # Translators: on the weekly chart when there is nothing to draw.
    note = _("No check-ins this week")
    if not days_data:
        note_xy = _empty_note(marks, note)
    image.paste(plot.reduce(_SCALE), _MARKS_BOX[:2])

    draw = ImageDraw.Draw(image)
    _text(draw, (20, 24), title, _font(_TITLE_PX, bold=True), _INK)
    _text(draw, (CHART_WIDTH_PX - 20, 24), corner, _font(_CORNER_PX), _INK, align="right")
    labels = _font(_LABEL_PX)
    for index in range(WEEK_DAYS):
        day = first + datetime.timedelta(days=index)
        weekday = i18n.weekday_name(day.weekday(), "abbreviated")
        _text(draw, (_x(index), _W_BOTTOM + 20), weekday, labels, _INK, align="center")
        _text(draw, (_x(index), _W_BOTTOM + 44), str(day.day), labels, _MUTED, align="center")
    if not days_data:
        _text(draw, note_xy, note, _font(_NOTE_PX), _MUTED, align="center")
    return _png(image)


def _draw(
    days_data: list[_Day],
    *,
    days: int,
    ticks: _Ticks,
    labels: list[str],
    join_gap_days: int,
    title: str,
    note: str | None,
) -> bytes:
    """The /progress chart of ``days`` days: ``labels`` (dates) under the days ``ticks``."""
    from PIL import ImageDraw

    minor = tuple(i for i in range(days) if i not in ticks) if days > len(ticks) else ()
    background, scaled = _background(days, ticks, minor)
    image, plot = background.copy(), scaled.copy()
    marks = _Marks(plot, origin=(_MARKS_BOX[0], _MARKS_BOX[1]))
    points = [(d.index, d.pain) for d in days_data if d.pain is not None]
    for run in _segments(points, join_gap_days):
        if len(run) > 1:
            marks.line([(_x(i, days), _y(pain)) for i, pain in run], _LINE, 2.6)
    for i, pain in points:
        marks.dot(_x(i, days), _y(pain))
    for d in days_data:
        if d.escalated and d.pain is not None:
            marks.ring(_x(d.index, days), _y(d.pain))
        if d.ran:
            marks.triangle(_x(d.index, days), _y(_RUN_Y))
    if note is not None:
        note_xy = _empty_note(marks, note)
    image.paste(plot.reduce(_SCALE), _MARKS_BOX[:2])

    draw = ImageDraw.Draw(image)
    _text(draw, (20, 24), title, _font(_TITLE_PX, bold=True), _INK)
    _date_labels(draw, days, ticks, labels)
    if note is not None:
        _text(draw, note_xy, note, _font(_NOTE_PX), _MUTED, align="center")
    return _png(image)


def _date_labels(draw: ImageDraw.ImageDraw, days: int, ticks: _Ticks, labels: list[str]) -> None:
    """``labels`` ("28 Jun", "28 июн.") centred under the days ``ticks`` (7 days apart, the
    last one today), kept inside the image. Where they would crowd each other (90 days), each
    is written on two lines ("28" over "Jun"); where even that is too wide, only every second
    (third...) one is written, counting back from today."""
    font = _font(_LABEL_PX)
    room = _x(7, days) - _x(0, days)  # between two ticks
    one_line = max(font.getlength(label) for label in labels)
    two_lines = max(font.getlength(part) for label in labels for part in label.split(" "))
    split = len(ticks) > 1 and one_line + _LABEL_GAP > room
    every = 1 if not split else max(1, -int(-(two_lines + _LABEL_GAP) // room))
    last = len(ticks) - 1
    for n, (index, label) in enumerate(zip(ticks, labels, strict=True)):
        if (last - n) % every:
            continue
        parts = label.split(" ", 1) if split else [label]
        half = max(font.getlength(part) for part in parts) / 2
        x = min(max(_x(index, days), _EDGE + half), CHART_WIDTH_PX - _EDGE - half)
        for row, (part, colour) in enumerate(zip(parts, (_INK, _MUTED), strict=False)):
            _text(draw, (x, _W_BOTTOM + 20 + 24 * row), part, font, colour, align="center")


def _png(image: Image.Image) -> bytes:
    """An 8-bit RGB PNG of ``image``, with no time or text chunks (the same bytes for the same
    chart). zlib level 1: this chart's flat colours compress nearly as well as at level 6 in
    half the time."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=_ZLIB_LEVEL)
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------
# Rendering off the event loop

# Measured (300 renders after a warm-up, on the 2-CPU dev container, bench/week_chart.py):
# render_chart (28 days) and render_week_chart ~20 ms of CPU each (Pillow; the /progress chart
# took ~190 ms in matplotlib), nearly all of it under the GIL, so on the event loop one chart
# would stall every other update for that long.
# Through ChartRenderer: ~0.3 s for the first chart (spawning the worker, importing PIL,
# loading the fonts), then ~30-40 ms a chart round trip on the same box. One worker is
# therefore ~25-30 charts a second: a Sunday's 100k weekly charts take about an hour of it.
RenderResult = TypeVar("RenderResult")

# After the worker process failed twice in a row, render in a thread for this long before
# trying a process again (a worker that dies on every chart must not cost two process starts
# per chart on a Sunday).
THREAD_FALLBACK_SECONDS: Final = 60.0


def _spawn_pool() -> concurrent.futures.Executor:
    return concurrent.futures.ProcessPoolExecutor(
        max_workers=1, mp_context=multiprocessing.get_context("spawn")
    )


# A chart takes 0.01-0.05 s; the first one in a new worker process about 0.3 s (imports).
RENDER_TIMEOUT_SECONDS = 20.0


class ChartRenderer:
    """Renders charts in one worker process so the event loop never waits on a chart.

    The pool is created on first use ("spawn": no copy of the bot's threads or sockets). A
    broken pool (the worker died: BrokenProcessPool) is recreated once and the chart retried;
    if that fails too the chart is drawn in a thread (``asyncio.to_thread``), and so are the
    charts of the next :data:`THREAD_FALLBACK_SECONDS`. ``close()`` stops the worker.
    """

    def __init__(
        self,
        *,
        pool_factory: Callable[[], concurrent.futures.Executor] = _spawn_pool,
        monotonic: Callable[[], float] = time.monotonic,
        fallback_seconds: float = THREAD_FALLBACK_SECONDS,
    ) -> None:
        self._factory = pool_factory
        self._monotonic = monotonic
        self._fallback_seconds = fallback_seconds
        self._pool: concurrent.futures.Executor | None = None
        self._threads_until: float | None = None
        self._closed = False

    async def progress(
        self, checkins: Sequence[DayPain], today: datetime.date, days: int = 28
    ) -> bytes:
        """:func:`render_chart` off the event loop, in the caller's language."""
        return await self._render(render_chart, tuple(checkins), today, days)

    async def week(self, report: WeekReport) -> bytes:
        """:func:`render_week_chart` off the event loop, in the caller's language."""
        return await self._render(render_week_chart, report)

    def close(self) -> None:
        """Stop the worker process (idempotent); later renders run in a thread."""
        self._closed = True
        self._drop_pool(wait=True)

    def _drop_pool(self, *, wait: bool = False) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=wait, cancel_futures=True)

    def _executor(self) -> concurrent.futures.Executor:
        if self._pool is None:
            self._pool = self._factory()
        return self._pool

    async def _render(self, function: Callable[..., RenderResult], *args: Any) -> RenderResult:
        # The language goes along as data: a context variable stays behind in this process.
        language = i18n.current()
        if not self._closed and not self._in_thread_fallback():
            loop = asyncio.get_running_loop()
            for attempt in (1, 2):
                try:
                    result: RenderResult = await asyncio.wait_for(
                        loop.run_in_executor(
                            self._executor(), _in_language, language, function, *args
                        ),
                        RENDER_TIMEOUT_SECONDS,
                    )
                    return result
                except (BrokenProcessPool, TimeoutError) as exc:
                    # A dead worker, or one that stopped answering: a chart never holds a
                    # runner's reply or a sender worker for longer than the timeout.
                    what = "died" if isinstance(exc, BrokenProcessPool) else "did not answer"
                    log.warning("the chart worker process %s (attempt %d of 2)", what, attempt)
                    self._drop_pool()
            log.warning(
                "charts render in a thread for the next %.0f s (the worker keeps dying)",
                self._fallback_seconds,
            )
            self._threads_until = self._monotonic() + self._fallback_seconds
        return await asyncio.to_thread(_in_language, language, function, *args)

    def _in_thread_fallback(self) -> bool:
        if self._threads_until is None:
            return False
        if self._monotonic() < self._threads_until:
            return True
        self._threads_until = None
        return False


def _in_language(language: str, function: Callable[..., RenderResult], *args: Any) -> RenderResult:
    """``function(*args)`` in ``language`` (run in the worker process or a thread, where the
    caller's context variables are not set)."""
    with i18n.use(language):
        return function(*args)


_DEFAULT: ChartRenderer | None = None


def default_renderer() -> ChartRenderer:
    """One renderer for the process, created on first use (until the app owns one)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = ChartRenderer()
    return _DEFAULT
