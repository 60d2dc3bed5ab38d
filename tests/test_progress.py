"""Progress: summary numbers, the message text and the PNG chart."""

from __future__ import annotations

import datetime as dt
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from bot.core.advice import AdviceTexts
from bot.core.progress import (
    DayPain,
    LevelChange,
    ProgressSummary,
    WeekReport,
    summarise,
    summary_text,
    week_text,
)
from bot.telegram.chart import render_chart

REPO = Path(__file__).resolve().parent.parent
NOT_A_DIAGNOSIS = AdviceTexts.NOT_A_DIAGNOSIS
TODAY = dt.date(2026, 6, 28)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


def table(*rows: tuple[int, int]) -> list[DayPain]:
    """(days ago, pain) rows -> check-ins."""
    return [DayPain(ago(n), pain) for n, pain in rows]


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR"
    assert length == 13
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def png_chunks(data: bytes) -> list[bytes]:
    kinds, pos = [], 8
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(kind + body) == crc, kind
        kinds.append(kind)
        pos += 12 + length
    return kinds


# --- DayPain ------------------------------------------------------------------------------


@pytest.mark.parametrize("pain", [-1, 11, True, 2.5, "3"])
def test_day_pain_rejects_bad_scores(pain: object) -> None:
    with pytest.raises(ValueError):
        DayPain(TODAY, pain)  # type: ignore[arg-type]


def test_day_pain_rejects_datetimes() -> None:
    with pytest.raises(ValueError):
        DayPain(dt.datetime(2026, 6, 28, 9, 0), 3)


def test_day_pain_defaults_keep_old_callers_working() -> None:
    c = DayPain(TODAY, 3)
    assert (c.ran, c.level, c.escalated) == (True, 0, False)
    assert DayPain(TODAY, 3, ran=False, level=2).escalated
    assert not DayPain(TODAY, 3, level=1).escalated


@pytest.mark.parametrize(("ran", "level"), [(1, 0), (True, 5), (True, -1), (True, True)])
def test_day_pain_rejects_bad_ran_or_level(ran: object, level: object) -> None:
    with pytest.raises(ValueError):
        DayPain(TODAY, 3, ran=ran, level=level)  # type: ignore[arg-type]


def test_day_pain_accepts_the_whole_scale() -> None:
    assert [DayPain(TODAY, p).pain for p in (0, 10)] == [0, 10]


# --- summarise -----------------------------------------------------------------------------


def test_empty() -> None:
    assert summarise([], TODAY) == ProgressSummary(
        answered=0, average=None, trend="not enough data", pain_free_days=0, worst=None
    )


def test_only_old_check_ins_are_outside_the_window() -> None:
    # 28 days ending today starts 27 days ago; 28 days ago is out.
    old = table((28, 5), (30, 0), (90, 7), (28, 0))
    assert summarise(old, TODAY) == summarise([], TODAY)


def test_window_edges_are_inclusive() -> None:
    s = summarise(table((0, 2), (27, 4), (28, 9)), TODAY)
    assert s.answered == 2
    assert s.average == 3.0


def test_future_check_ins_are_ignored() -> None:
    s = summarise([DayPain(TODAY + dt.timedelta(days=1), 8), DayPain(TODAY, 2)], TODAY)
    assert (s.answered, s.average) == (1, 2.0)


def test_custom_window_length() -> None:
    rows = table((0, 1), (6, 3), (7, 8))
    assert summarise(rows, TODAY, days=7).answered == 2
    assert summarise(rows, TODAY, days=8).answered == 3
    assert summarise(rows, TODAY, days=1).answered == 1


@pytest.mark.parametrize("days", [0, -3])
def test_days_must_be_positive(days: int) -> None:
    with pytest.raises(ValueError):
        summarise([], TODAY, days=days)


def test_several_check_ins_a_day_count_once_by_the_worst() -> None:
    # The chart plots each day's worst pain; the average is over the same figure.
    s = summarise(table((3, 2), (3, 4), (3, 0), (1, 6)), TODAY)
    assert s.answered == 4
    assert s.average == 5.0
    assert s.worst == 6


def test_trend_counts_days_not_check_ins() -> None:
    # Four check-ins on two days: not enough days for a trend.
    assert summarise(table((9, 9), (9, 8), (1, 0), (1, 1)), TODAY).trend == "not enough data"
    # By check-in (3, 3 | 3 | 1, 3) this would read "better"; by day it is 3 every day.
    rows = table((20, 3), (15, 3), (5, 3), (5, 1), (1, 3))
    assert summarise(rows, TODAY).trend == "steady"


def test_pain_free_days_need_every_check_in_at_zero() -> None:
    rows = table(
        (1, 0),  # pain-free
        (2, 0),
        (2, 0),  # pain-free: two zeros
        (3, 0),
        (3, 2),  # not: one check-in hurt
        (4, 5),  # not
        (40, 0),  # outside the window
    )
    assert summarise(rows, TODAY).pain_free_days == 2


def test_fewer_than_four_is_not_enough_data() -> None:
    s = summarise(table((9, 9), (5, 9), (1, 0)), TODAY)
    assert s.answered == 3
    assert s.trend == "not enough data"
    assert s.average == 6.0


@pytest.mark.parametrize(
    ("rows", "trend"),
    [
        # Earlier half mean 3.0, later half mean 2.0: exactly 1.0 lower.
        (((20, 3), (15, 3), (5, 2), (1, 2)), "better"),
        # 3.0 -> 2.5: only 0.5 lower.
        (((20, 3), (15, 3), (5, 2), (1, 3)), "steady"),
        # 2.0 -> 3.0: exactly 1.0 higher.
        (((20, 2), (15, 2), (5, 3), (1, 3)), "worse"),
        # 2.0 -> 2.5.
        (((20, 2), (15, 2), (5, 3), (1, 2)), "steady"),
        # Thirds do not divide evenly in floating point: 7/3 -> 10/3 is exactly 1.0.
        (((25, 2), (24, 2), (23, 3), (3, 3), (2, 3), (1, 4)), "worse"),
        (((25, 3), (24, 3), (23, 4), (3, 2), (2, 2), (1, 3)), "better"),
        # 7/3 -> 9/3: 0.67 higher.
        (((25, 2), (24, 2), (23, 3), (3, 3), (2, 3), (1, 3)), "steady"),
        # No change at all.
        (((20, 4), (15, 4), (5, 4), (1, 4)), "steady"),
    ],
)
def test_trend_boundaries(rows: tuple[tuple[int, int], ...], trend: str) -> None:
    assert summarise(table(*rows), TODAY).trend == trend


def test_trend_sorts_by_date_not_input_order() -> None:
    rows = table((1, 1), (2, 1), (20, 6), (21, 6))  # newest first
    assert summarise(rows, TODAY).trend == "better"
    assert summarise(list(reversed(rows)), TODAY).trend == "better"


def test_odd_count_leaves_the_middle_check_in_out_of_the_trend() -> None:
    # Halves are (5, 5) and (4, 4); the middle 0 would otherwise pull one side down.
    rows = table((20, 5), (18, 5), (10, 0), (3, 4), (1, 4))
    assert summarise(rows, TODAY).trend == "better"


def test_trend_ignores_check_ins_outside_the_window() -> None:
    rows = table((60, 9), (50, 9), (40, 9), (3, 2), (2, 2), (1, 2))
    assert summarise(rows, TODAY).trend == "not enough data"


# --- summary_text ----------------------------------------------------------------------------


def test_summary_text_has_the_numbers() -> None:
    summary = ProgressSummary(answered=9, average=2.25, trend="better", pain_free_days=6)
    text = summary_text(summary)
    assert text.startswith("<b>Your last 28 days</b>\n")
    assert "9 check-ins answered" in text
    assert "2.2/10" in text or "2.3/10" in text
    assert "getting better" in text
    assert "6 pain-free days" in text
    assert text.endswith("\n" + NOT_A_DIAGNOSIS)


def test_summary_text_names_the_figure_the_chart_plots() -> None:
    summary = summarise(table((3, 2), (3, 7), (1, 1)), TODAY)
    text = summary_text(summary)
    assert "Worst pain of the day: 4.0/10 on average" in text
    assert "Highest: 7/10" in text
    assert "Average pain" not in text


def test_not_a_diagnosis_line_is_the_agreed_text() -> None:
    assert NOT_A_DIAGNOSIS == "<i>BackStride gives general guidance, not a diagnosis.</i>"


@pytest.mark.parametrize(
    ("trend", "phrase"),
    [
        ("better", "getting better"),
        ("worse", "higher lately"),
        ("steady", "holding steady"),
        ("not enough data", "trend shows from 4 days of check-ins"),
    ],
)
def test_summary_text_trend_phrases(trend: str, phrase: str) -> None:
    text = summary_text(ProgressSummary(5, 4.0, trend, 1))  # type: ignore[arg-type]
    assert phrase in text
    assert "4.0/10" in text


def test_summary_text_singulars_and_no_zero_pain_free_line() -> None:
    text = summary_text(ProgressSummary(1, 3.0, "not enough data", 0))
    assert "1 check-in answered" in text
    assert "pain-free" not in text
    text = summary_text(ProgressSummary(2, 0.0, "not enough data", 1))
    assert "1 pain-free day\n" in text


def test_summary_text_with_no_data_is_friendly() -> None:
    text = summary_text(summarise([], TODAY))
    assert "first check-in" in text
    assert "None" not in text
    assert "/10" not in text
    assert text.endswith(NOT_A_DIAGNOSIS)


def test_summary_text_other_window() -> None:
    assert summary_text(summarise([], TODAY, days=7), days=7).startswith("<b>Your last 7 days</b>")


def test_summary_text_from_summarise_end_to_end() -> None:
    rows = table((20, 6), (18, 5), (12, 4), (8, 2), (4, 0), (2, 0), (1, 1))
    s = summarise(rows, TODAY)
    text = summary_text(s)
    assert "7 check-ins answered" in text
    assert "2.6/10" in text
    assert "getting better" in text
    assert "2 pain-free days" in text


# --- render_chart ----------------------------------------------------------------------------


def test_chart_is_an_800_by_450_png() -> None:
    data = render_chart(table((1, 2), (2, 4), (5, 7), (5, 1), (20, 9)), TODAY)
    assert isinstance(data, bytes)
    assert data.startswith(PNG_SIGNATURE)
    assert png_size(data) == (800, 450)
    kinds = png_chunks(data)
    assert kinds[0] == b"IHDR"
    assert kinds[-1] == b"IEND"


def test_chart_with_no_check_ins() -> None:
    data = render_chart([], TODAY)
    assert png_size(data) == (800, 450)


def test_chart_with_only_old_check_ins() -> None:
    assert png_size(render_chart(table((40, 3)), TODAY)) == (800, 450)


@pytest.mark.parametrize("days", [1, 7, 90])
def test_chart_other_windows(days: int) -> None:
    assert png_size(render_chart(table((0, 3), (5, 0)), TODAY, days=days)) == (800, 450)


def test_chart_embeds_no_timestamp_or_software_and_is_repeatable() -> None:
    rows = table((1, 2), (3, 5), (10, 0))
    first = render_chart(rows, TODAY)
    assert b"tIME" not in png_chunks(first)
    assert b"Software" not in first
    assert b"matplotlib" not in first
    assert render_chart(rows, TODAY) == first


def test_chart_depends_on_the_data() -> None:
    assert render_chart(table((1, 2)), TODAY) != render_chart(table((1, 8)), TODAY)
    assert render_chart(table((1, 2)), TODAY) != render_chart([], TODAY)


def test_chart_with_every_day_and_many_check_ins_renders() -> None:
    rows = [DayPain(ago(n), (n * 7 + k) % 11) for n in range(28) for k in range(3)]
    assert png_size(render_chart(rows, TODAY)) == (800, 450)


def test_chart_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError):
        render_chart([], TODAY, days=0)
    with pytest.raises(ValueError):
        render_chart([], TODAY, join_gap_days=0)


def test_rendering_the_charts_does_not_import_matplotlib() -> None:
    # Both charts are drawn with Pillow; matplotlib (~0.2 s a chart) is not a dependency.
    code = (
        "import sys, datetime as dt\n"
        "from bot.core.progress import DayPain, WeekReport\n"
        "from bot.telegram.chart import render_chart, render_week_chart\n"
        "today = dt.date(2026, 6, 28)\n"
        "rows = (DayPain(today, 3, level=3), DayPain(today - dt.timedelta(days=20), 6))\n"
        "for days in (1, 7, 28, 90):\n"
        "    render_chart(rows, today, days)\n"
        "render_chart((), today)\n"
        "render_week_chart(WeekReport(today - dt.timedelta(days=6), today, 1, 2, 1, rows))\n"
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True, timeout=60)


def test_importing_the_charts_imports_no_drawing_library() -> None:
    code = (
        "import sys, bot.telegram.chart\n"
        "assert not {'matplotlib', 'PIL'} & set(sys.modules), 'eager import'"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True, timeout=60)


def test_chart_renders_the_same_from_several_threads() -> None:
    from concurrent.futures import ThreadPoolExecutor

    tables = [table((1, p), (3, 10 - p), (9, p // 2)) for p in range(3)]
    serial = [render_chart(rows, TODAY) for rows in tables]
    with ThreadPoolExecutor(max_workers=3) as pool:
        parallel = list(pool.map(lambda rows: render_chart(rows, TODAY), tables))
    assert parallel == serial


# --- week_text -------------------------------------------------------------------------------


def week(
    done: int = 2,
    goal: int = 2,
    runs: int = 3,
    checkins: tuple[DayPain, ...] = (),
    changes: tuple[LevelChange, ...] = (),
    return_step: int | None = None,
    return_steps: int = 0,
) -> WeekReport:
    return WeekReport(
        week_start=ago(6),
        week_end=TODAY,
        sessions_done=done,
        sessions_goal=goal,
        runs_checked_in=runs,
        checkins=checkins,
        level_changes=changes,
        return_step=return_step,
        return_steps=return_steps,
    )


@pytest.mark.parametrize(
    ("done", "goal", "line"),
    [
        (2, 2, "💪 2 of 2 strength sessions ✅"),
        (3, 3, "💪 3 of 3 strength sessions ✅"),
        (3, 2, "💪 3 of 2 strength sessions ✅ more than your goal"),
        (1, 3, "💪 1 of 3: every session counts, and next week is a fresh start"),
        (2, 3, "💪 2 of 3: every session counts"),
        (0, 2, "💪 0 of 2 strength sessions this week. Even one short session next week"),
    ],
)
def test_week_text_sessions(done: int, goal: int, line: str) -> None:
    text = week_text(week(done=done, goal=goal))
    assert line in text
    for scolding in ("missed", "only", "failed", "should"):
        assert scolding not in text.lower()


@pytest.mark.parametrize(
    ("runs", "line"),
    [(0, "No runs checked in this week"), (1, "🏃 1 run checked in"), (2, "🏃 2 runs checked in")],
)
def test_week_text_runs_plural(runs: int, line: str) -> None:
    assert line in week_text(week(runs=runs))


@pytest.mark.parametrize(
    ("rows", "lines"),
    [
        ((), ["No check-ins answered this week", "trend shows from 4 days"]),
        (((1, 0), (3, 0)), ["Pain-free on every day you checked in (2 days)"]),
        (((1, 0),), ["Pain-free on every day you checked in (1 day)"]),
        # This week's days: 2, (5 and 1 -> 5), 3; earlier days are outside the week.
        (
            ((1, 2), (3, 5), (3, 1), (6, 3), (7, 9), (20, 9)),
            ["Worst pain this week 5/10, a typical day's worst 3.3/10"],
        ),
        (
            ((25, 7), (20, 6), (5, 2), (1, 1)),
            ["Over 4 weeks your back is getting better"],
        ),
        (
            ((25, 1), (20, 1), (5, 3), (1, 4)),
            ["Over 4 weeks your pain is a little higher lately"],
        ),
        (((25, 2), (20, 2), (5, 2), (1, 2)), ["Over 4 weeks your pain is holding steady"]),
    ],
)
def test_week_text_pain(rows: tuple[tuple[int, int], ...], lines: list[str]) -> None:
    text = week_text(week(checkins=tuple(table(*rows))))
    for line in lines:
        assert line in text


def test_week_text_level_changes_and_return_step() -> None:
    changes = (
        LevelChange("Side plank", 2, 3, 4, "up"),
        LevelChange("Bridge", 2, 1, 3, "back"),
        LevelChange("Bird <dog>", 1, 2, 3, "up"),
    )
    text = week_text(week(changes=changes, return_step=2, return_steps=6))
    assert "Side plank: up to level 3 of 4" in text
    assert "Bridge: back to level 1 while your back settles" in text
    assert "Bird &lt;dog&gt;: up to level 2 of 3" in text
    assert "Return to running: step 2 of 6" in text
    assert "Return to running" not in week_text(week())


def test_week_text_shape() -> None:
    text = week_text(week(checkins=tuple(table((1, 2)))))
    assert text.startswith("<b>Your week, 22 Jun – 28 Jun</b>\n")
    assert text.endswith("\n\n" + NOT_A_DIAGNOSIS)
    # Telegram HTML: only <b> and <i>.
    import re

    assert set(re.findall(r"</?(\w+)", text)) <= {"b", "i"}


def test_week_report_checks_its_week() -> None:
    with pytest.raises(ValueError):
        WeekReport(ago(7), TODAY, 0, 2, 0, ())
    with pytest.raises(ValueError):
        WeekReport(ago(6), TODAY, -1, 2, 0, ())
    with pytest.raises(ValueError):
        LevelChange("Bridge", 1, 2, 3, "sideways")
    assert week(checkins=tuple(table((0, 1), (6, 2), (7, 3)))).week == tuple(table((0, 1), (6, 2)))
