"""The charts: the weekly chart, run and escalation markers, and rendering off the loop."""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import io
import itertools
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from typing import Any
from unittest.mock import patch

import pytest
from PIL import Image, ImageChops

from bot.core import i18n
from bot.core.progress import DayPain, WeekReport
from bot.telegram import chart
from bot.telegram.chart import ChartRenderer, render_chart, render_week_chart
from tests.test_progress import PNG_SIGNATURE, TODAY, ago, png_chunks, png_size


def report(*rows: DayPain, done: int = 1, goal: int = 2) -> WeekReport:
    return WeekReport(ago(6), TODAY, done, goal, sum(1 for r in rows if r.ran), tuple(rows))


WEEK = report(
    DayPain(ago(6), 2),
    DayPain(ago(4), 5, level=2),
    DayPain(ago(3), 3, ran=False),
    DayPain(ago(1), 1),
    DayPain(ago(20), 9),  # before the week: in the trend, not on the chart
)


# --- render_week_chart ---------------------------------------------------------------------


def test_week_chart_is_an_800_by_450_png() -> None:
    data = render_week_chart(WEEK)
    assert data.startswith(PNG_SIGNATURE)
    assert png_size(data) == (800, 450)
    kinds = png_chunks(data)  # checks every chunk's CRC
    assert (kinds[0], kinds[-1]) == (b"IHDR", b"IEND")
    with Image.open(io.BytesIO(data)) as image:
        image.load()  # Pillow decodes it
        assert (image.format, image.mode, image.size) == ("PNG", "RGB", (800, 450))


def test_week_chart_is_deterministic_without_metadata() -> None:
    first = render_week_chart(WEEK)
    assert render_week_chart(WEEK) == first
    assert png_chunks(first) == [b"IHDR", b"IDAT", b"IEND"]  # no tIME, tEXt, pHYs...
    assert b"Software" not in first and b"matplotlib" not in first


def test_empty_week() -> None:
    empty = report()
    data = render_week_chart(empty)
    assert png_size(data) == (800, 450)
    assert data != render_week_chart(WEEK)
    # The note is drawn: it is not the same picture as an empty week without it.
    with patch.object(chart, "_text", wraps=chart._text) as text:
        render_week_chart(empty)
    assert "No check-ins this week" in [c.args[2] for c in text.call_args_list]


def test_a_week_with_check_ins_has_no_empty_note() -> None:
    with patch.object(chart, "_text", wraps=chart._text) as text:
        render_week_chart(WEEK)
    drawn = [c.args[2] for c in text.call_args_list]
    assert "No check-ins this week" not in drawn
    assert "Strength sessions: 1 of 2" in drawn
    assert "Your week: 22 Jun – 28 Jun" in drawn
    assert [t for t in drawn if t in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")] == [
        "Mon",
        "Tue",
        "Wed",
        "Thu",
        "Fri",
        "Sat",
        "Sun",
    ]


def test_week_chart_without_a_goal_shows_the_sessions_done() -> None:
    with patch.object(chart, "_text", wraps=chart._text) as text:
        render_week_chart(report(DayPain(ago(2), 3), done=2, goal=0))
    assert "Strength sessions: 2" in [c.args[2] for c in text.call_args_list]


def test_week_chart_shows_only_the_week() -> None:
    older = report(*WEEK.checkins, DayPain(ago(10), 10))
    assert render_week_chart(older) == render_week_chart(WEEK)


def test_week_chart_depends_on_sessions_runs_and_verdicts() -> None:
    base = render_week_chart(report(DayPain(ago(2), 3)))
    assert render_week_chart(report(DayPain(ago(2), 3), done=2)) != base
    assert render_week_chart(report(DayPain(ago(2), 3, ran=False))) != base
    assert render_week_chart(report(DayPain(ago(2), 3, level=2))) != base
    assert render_week_chart(report(DayPain(ago(2), 4))) != base
    assert render_week_chart(report(DayPain(ago(3), 3))) != base
    # SELF_CARE is not an escalation: no ring.
    assert render_week_chart(report(DayPain(ago(2), 3, level=1))) == base
    # A day counts by its worst pain; one run check-in makes it a run day.
    both = report(DayPain(ago(2), 1, ran=False), DayPain(ago(2), 3))
    assert render_week_chart(both) == base


def pixels(data: bytes) -> Image.Image:
    with Image.open(io.BytesIO(data)) as image:
        return image.convert("RGB")


def changed_box(a: bytes, b: bytes) -> tuple[int, int, int, int] | None:
    return ImageChops.difference(pixels(a), pixels(b)).getbbox()


def test_markers_change_the_picture_where_the_day_is() -> None:
    base = render_week_chart(report(DayPain(ago(2), 3, ran=False)))
    # A run: a triangle below the pain scale, under Fri (the 5th day).
    ran = changed_box(base, render_week_chart(report(DayPain(ago(2), 3))))
    assert ran is not None
    left, top, right, bottom = ran
    assert chart._y(-0.5) < top and bottom < chart._W_BOTTOM
    assert left < chart._x(4) < right and right - left < 30
    # An escalation: a red ring around the point, nowhere else.
    flagged = render_week_chart(report(DayPain(ago(2), 3, ran=False, level=3)))
    ring = changed_box(base, flagged)
    assert ring is not None
    left, top, right, bottom = ring
    assert left < chart._x(4) < right and top < chart._y(3) < bottom
    assert right - left < 40 and bottom - top < 40
    red = pixels(flagged).getpixel((round(chart._x(4)), round(chart._y(3) - 13)))
    assert red == (214, 40, 40)  # _FLAG, #d62828


def test_all_zero_week_draws_points_on_zero() -> None:
    zero = render_week_chart(report(*(DayPain(ago(n), 0) for n in range(7))))
    image = pixels(zero)
    for index in range(7):
        assert image.getpixel((round(chart._x(index)), round(chart._y(0)))) == (29, 78, 137)


def test_charts_fall_back_to_pillows_font(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [DayPain(ago(2), 3), DayPain(ago(12), 7, level=3)]
    monkeypatch.setattr(chart, "_FONTS", {})
    monkeypatch.setattr(chart, "_LINE_BOXES", {})
    monkeypatch.setattr(chart, "_BACKGROUNDS", {})
    monkeypatch.setattr(chart, "_DEJAVU", "missing.ttf")
    monkeypatch.setattr(chart, "_DEJAVU_BOLD", "missing-bold.ttf")
    data, progress = render_week_chart(WEEK), render_chart(rows, TODAY)
    assert png_size(data) == png_size(progress) == (800, 450)
    assert render_week_chart(WEEK) == data
    assert render_chart(rows, TODAY) == progress
    monkeypatch.undo()
    assert render_week_chart(WEEK) != data  # DejaVu again: a different picture
    assert render_chart(rows, TODAY) != progress


def test_the_bold_face_falls_back_to_the_regular_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chart, "_FONTS", {})
    monkeypatch.setattr(chart, "_DEJAVU_BOLD", "missing-bold.ttf")
    bold = chart._font(chart._TITLE_PX, bold=True)
    assert bold.getbbox("Week") == chart._font(chart._TITLE_PX).getbbox("Week")


# --- markers on the /progress chart --------------------------------------------------------


def test_progress_chart_marks_runs_and_escalations() -> None:
    base = render_chart([DayPain(ago(2), 3)], TODAY)
    assert render_chart([DayPain(ago(2), 3, ran=False)], TODAY) != base
    assert render_chart([DayPain(ago(2), 3, level=3)], TODAY) != base
    assert render_chart([DayPain(ago(2), 3, level=1)], TODAY) == base
    # A day with one run check-in and one "didn't run" one is a run day.
    both = [DayPain(ago(2), 3, ran=False), DayPain(ago(2), 1)]
    assert render_chart(both, TODAY) == base


def drawn_texts(render: Callable[[], bytes]) -> list[tuple[str, float, float, float]]:
    """(text, left, right, middle y) of every piece of text ``render`` draws with _text."""
    texts: list[tuple[str, float, float, float]] = []
    real = chart._text

    def spy(
        draw: Any, xy: tuple[float, float], text: str, font: Any, fill: str, align: str = "left"
    ) -> None:
        width = font.getlength(text)
        left = {"left": xy[0], "center": xy[0] - width / 2, "right": xy[0] - width}[align]
        texts.append((text, left, left + width, xy[1]))
        real(draw, xy, text, font, fill, align)

    with patch.object(chart, "_text", spy):
        render()
    return texts


def date_rows(
    texts: list[tuple[str, float, float, float]],
) -> dict[float, list[tuple[str, float, float]]]:
    rows: dict[float, list[tuple[str, float, float]]] = {}
    for text, left, right, y in texts:
        if y > chart._W_BOTTOM:
            rows.setdefault(y, []).append((text, left, right))
    return {y: sorted(row, key=lambda t: t[1]) for y, row in sorted(rows.items())}


def test_progress_chart_is_an_rgb_png_without_metadata() -> None:
    rows = [DayPain(ago(2), 3), DayPain(ago(12), 7, level=3)]
    data = render_chart(rows, TODAY)
    assert png_chunks(data) == [b"IHDR", b"IDAT", b"IEND"]
    assert render_chart(rows, TODAY) == data
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        assert (image.format, image.mode, image.size) == ("PNG", "RGB", (800, 450))


@pytest.mark.parametrize(
    ("days", "title", "dates"),
    [
        (1, "Worst back pain each day, today", ["28 Jun"]),
        (7, "Worst back pain each day, last 7 days", ["28 Jun"]),
        (28, "Worst back pain each day, last 28 days", ["7 Jun", "14 Jun", "21 Jun", "28 Jun"]),
    ],
)
def test_progress_chart_titles_and_dates(days: int, title: str, dates: list[str]) -> None:
    texts = drawn_texts(lambda: render_chart([DayPain(ago(0), 2)], TODAY, days))
    assert title in [t[0] for t in texts]
    (row,) = date_rows(texts).values()
    assert [t[0] for t in row] == dates
    # Each date sits under its day (today's may be nudged to stay inside the image).
    for n, (_, left, right) in enumerate(reversed(row)):
        centre = chart._x(days - 1 - 7 * n, days)
        assert left - 1 <= centre <= right + 1
        assert left >= 0 and right <= chart.CHART_WIDTH_PX


def test_ninety_days_of_dates_do_not_overlap() -> None:
    texts = drawn_texts(
        lambda: render_chart([DayPain(ago(n), n % 11) for n in range(90)], TODAY, 90)
    )
    rows = date_rows(texts)
    assert rows, "dates are drawn"
    for row in rows.values():
        assert row[0][1] >= 0 and row[-1][2] <= chart.CHART_WIDTH_PX
        for (_, _, right), (_, left, _) in itertools.pairwise(row):
            assert right + 8 <= left, row
    # Every 7 days back from today is dated (on two lines: day over month), today included.
    top = next(iter(rows.values()))
    assert [t[0] for t in top] == [
        str((TODAY - dt.timedelta(days=7 * n)).day) for n in range(12, -1, -1)
    ]
    assert [t[0] for t in list(rows.values())[1]][-1] == "Jun"


@pytest.mark.parametrize(
    ("checkins", "note"),
    [([], "No check-ins yet"), ([DayPain(ago(40), 3)], "No check-ins in the last 28 days")],
)
def test_progress_chart_empty_notes(checkins: list[DayPain], note: str) -> None:
    assert note in [t[0] for t in drawn_texts(lambda: render_chart(checkins, TODAY))]
    with_data = drawn_texts(lambda: render_chart([DayPain(ago(1), 3)], TODAY))
    assert not [t for t in with_data if t[0].startswith("No check-ins")]


def test_progress_chart_joins_points_only_within_the_gap() -> None:
    line = (29, 78, 137)  # _LINE, #1d4e89

    def between(a: int, b: int, join: int = chart.JOIN_GAP_DAYS) -> tuple[int, int, int]:
        data = render_chart(
            [DayPain(ago(a), 5, ran=False), DayPain(ago(b), 5, ran=False)],
            TODAY,
            join_gap_days=join,
        )
        middle = chart._x(27 - (a + b) / 2, 28)
        return pixels(data).getpixel((round(middle), round(chart._y(5))))

    assert between(20, 13) == line  # 7 days apart: joined
    assert between(20, 12) != line  # 8 days apart: a gap
    assert between(20, 18, join=1) != line
    assert between(20, 19, join=1) == line


def test_progress_chart_marks_sit_on_their_day() -> None:
    days = 28
    base = render_chart([DayPain(ago(9), 3, ran=False)], TODAY)
    ran = changed_box(base, render_chart([DayPain(ago(9), 3)], TODAY))
    assert ran is not None
    left, top, right, bottom = ran
    assert left < chart._x(18, days) < right and right - left < 30
    assert chart._y(-0.5) < top and bottom < chart._W_BOTTOM
    flagged = render_chart([DayPain(ago(9), 3, ran=False, level=3)], TODAY)
    ring = changed_box(base, flagged)
    assert ring is not None
    left, top, right, bottom = ring
    assert left < chart._x(18, days) < right and top < chart._y(3) < bottom
    red = pixels(flagged).getpixel((round(chart._x(18, days)), round(chart._y(3) - 13)))
    assert red == (214, 40, 40)  # _FLAG, #d62828


@pytest.mark.parametrize("days", [1, 7, 28, 90])
def test_progress_chart_points_sit_on_their_value(days: int) -> None:
    image = pixels(render_chart([DayPain(ago(0), 0)], TODAY, days))
    assert image.getpixel((round(chart._x(days - 1, days)), round(chart._y(0)))) == (29, 78, 137)
    image = pixels(render_chart([DayPain(ago(days - 1), 10)], TODAY, days))
    assert image.getpixel((round(chart._x(0, days)), round(chart._y(10)))) == (29, 78, 137)


# --- ChartRenderer -------------------------------------------------------------------------


class BrokenPool(concurrent.futures.Executor):
    """A pool whose worker has died."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        raise BrokenProcessPool("the worker died")


class Pools:
    """A pool factory: broken pools first, then thread pools (no process start in tests)."""

    def __init__(self, broken: int) -> None:
        self.broken = broken
        self.made: list[concurrent.futures.Executor] = []

    def __call__(self) -> concurrent.futures.Executor:
        pool: concurrent.futures.Executor
        if len(self.made) < self.broken:
            pool = BrokenPool()
        else:
            pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
        self.made.append(pool)
        return pool


ROWS = (DayPain(ago(1), 2), DayPain(ago(3), 6, level=2))


async def test_renderer_renders_what_the_functions_render() -> None:
    pools = Pools(broken=0)
    renderer = ChartRenderer(pool_factory=pools)
    try:
        assert await renderer.progress(ROWS, TODAY) == render_chart(ROWS, TODAY)
        assert await renderer.week(WEEK) == render_week_chart(WEEK)
        assert len(pools.made) == 1, "the pool is made once, on first use"
    finally:
        renderer.close()


async def test_renderer_makes_no_pool_until_used() -> None:
    pools = Pools(broken=0)
    ChartRenderer(pool_factory=pools).close()
    assert pools.made == []


async def test_broken_pool_is_recreated_once_and_retried() -> None:
    pools = Pools(broken=1)
    renderer = ChartRenderer(pool_factory=pools)
    try:
        assert await renderer.progress(ROWS, TODAY) == render_chart(ROWS, TODAY)
        assert len(pools.made) == 2
    finally:
        renderer.close()


async def test_pool_broken_twice_falls_back_to_a_thread_for_a_while() -> None:
    now = [100.0]
    pools = Pools(broken=2)
    renderer = ChartRenderer(pool_factory=pools, monotonic=lambda: now[0], fallback_seconds=60)
    try:
        assert await renderer.week(WEEK) == render_week_chart(WEEK)
        assert len(pools.made) == 2
        now[0] += 59  # still in the fallback: no new pool
        assert await renderer.progress(ROWS, TODAY) == render_chart(ROWS, TODAY)
        assert len(pools.made) == 2
        now[0] += 2  # then a process again
        assert await renderer.progress(ROWS, TODAY) == render_chart(ROWS, TODAY)
        assert len(pools.made) == 3
    finally:
        renderer.close()


async def test_closed_renderer_still_renders_in_a_thread() -> None:
    pools = Pools(broken=0)
    renderer = ChartRenderer(pool_factory=pools)
    renderer.close()
    assert await renderer.week(WEEK) == render_week_chart(WEEK)
    assert pools.made == []


async def test_renderer_keeps_the_event_loop_free_in_a_real_worker_process() -> None:
    renderer = ChartRenderer()  # the real spawn pool
    try:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0)

        task = asyncio.create_task(ticker())
        # Starting the worker and one 28-day chart: the loop goes on meanwhile.
        charts = await asyncio.gather(renderer.progress(ROWS, TODAY))
        task.cancel()
        assert charts == [render_chart(ROWS, TODAY)]
        assert ticks > 100, "the loop kept running while the charts were drawn"
    finally:
        renderer.close()


async def test_renderer_draws_in_the_callers_language() -> None:
    # The language is a context variable, which the executor's worker does not inherit: the
    # renderer passes it along (the weekdays and dates differ even before any translation).
    renderer = ChartRenderer(pool_factory=Pools(broken=0))
    try:
        with i18n.use("ru"):
            week, progress = await renderer.week(WEEK), await renderer.progress(ROWS, TODAY)
            assert week == render_week_chart(WEEK)
            assert progress == render_chart(ROWS, TODAY)
        assert week != render_week_chart(WEEK)
        assert progress != render_chart(ROWS, TODAY)
    finally:
        renderer.close()


def test_chart_dates_follow_the_language() -> None:
    with i18n.use("es"):
        texts = drawn_texts(lambda: render_week_chart(WEEK))
    drawn = [t[0] for t in texts]
    assert "lun" in drawn and "Mon" not in drawn


def test_default_renderer_is_one_per_process() -> None:
    assert chart.default_renderer() is chart.default_renderer()


@pytest.mark.parametrize("days", [1, 7])
async def test_renderer_passes_the_window(days: int) -> None:
    renderer = ChartRenderer(pool_factory=Pools(broken=0))
    try:
        assert await renderer.progress(ROWS, TODAY, days) == render_chart(ROWS, TODAY, days)
    finally:
        renderer.close()


class HangingPool(concurrent.futures.Executor):
    """A pool whose worker never answers."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        return concurrent.futures.Future()

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        pass


async def test_a_worker_that_stops_answering_is_dropped_and_the_chart_drawn_anyway(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(chart, "RENDER_TIMEOUT_SECONDS", 0.05)
    made: list[concurrent.futures.Executor] = []

    def pools() -> concurrent.futures.Executor:
        made.append(HangingPool())
        return made[-1]

    renderer = ChartRenderer(pool_factory=pools)
    try:
        report = WeekReport(ago(6), TODAY, 1, 2, 1, (DayPain(ago(1), 2),))
        assert await renderer.week(report) == render_week_chart(report)
    finally:
        renderer.close()
    assert len(made) == 2  # tried afresh once, then drawn in a thread
