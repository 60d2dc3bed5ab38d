"""Benchmark: the weekly summary's chart and the /progress chart, rendered in this process.

    python bench/week_chart.py [--charts 2000] [--seed 7]

Renders ``--charts`` varied weekly charts (:func:`bot.telegram.chart.render_week_chart`, the
same function the chart worker runs) one after another in this process and prints the mean and
95th percentile of the CPU time per chart (``time.thread_time``, so a noisy neighbour on a
shared machine does not count), the wall time beside it, the PNG size, and the projected CPU
time for a Sunday's 100,000 weekly summaries. The weeks are drawn from a seeded random
generator, so every run renders the same charts: empty weeks, all-zero weeks, one to seven
days with check-ins (some days with two), runs and "didn't run" days, escalations, 0 to 4
strength sessions of a goal of 2 or 3, weeks across month ends.

The first chart (which loads the fonts) is timed apart and not counted. Target: under 33 ms
of CPU per chart, mean and p95: one chart worker then draws faster than Telegram lets a bot
send (30 messages a second), so charts are never what holds a summary back (on a Sunday 100k
summaries are due over the planner's two-hour spread, ~14 a second). Prints PASS or FAIL and
exits 1 on FAIL. ``bench/host.py`` measures the same with the bot in its own process.

Then the same figures for as many 28-day /progress charts (:func:`bot.telegram.chart.render_chart`,
seeded the same way: no check-ins, old ones only, a few days to every day, gaps longer than a
week, runs, escalations), against the same target: a runner's /progress reply waits on it.
"""

from __future__ import annotations

import argparse
import datetime
import math
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.core.progress import WEEK_DAYS, DayPain, WeekReport  # noqa: E402
from bot.telegram.chart import render_chart, render_week_chart  # noqa: E402

TELEGRAM_RATE = 30  # messages a second without paid broadcasts
TARGET_MS = 1000 / TELEGRAM_RATE
SUNDAY_CHARTS = 100_000


def random_report(rng: random.Random) -> WeekReport:
    """One varied week (and the three weeks before it, as the service passes them)."""
    week_end = datetime.date(2026, 1, 4) + datetime.timedelta(days=rng.randrange(365))
    week_start = week_end - datetime.timedelta(days=WEEK_DAYS - 1)
    kind = rng.random()
    checkins: list[DayPain] = []
    for back in range(28):
        day = week_end - datetime.timedelta(days=back)
        in_week = back < WEEK_DAYS
        if kind < 0.05 and in_week:
            continue  # an empty week
        if rng.random() > 0.55:
            continue
        for _ in range(1 if rng.random() < 0.85 else 2):
            pain = 0 if kind < 0.15 else min(10, int(rng.expovariate(0.35)))
            level = rng.choices((0, 1, 2, 3, 4), weights=(70, 18, 8, 3, 1))[0]
            checkins.append(DayPain(day, pain, ran=rng.random() < 0.7, level=level))
    runs = sum(1 for c in checkins if c.ran and week_start <= c.day <= week_end)
    return WeekReport(
        week_start,
        week_end,
        sessions_done=rng.randrange(5),
        sessions_goal=rng.choice((2, 3)),
        runs_checked_in=runs,
        checkins=tuple(checkins),
    )


PROGRESS_DAYS = 28
Progress = tuple[tuple[DayPain, ...], datetime.date]


def random_progress(rng: random.Random) -> Progress:
    """One varied /progress request: 40 days of history (the chart shows the last 28)."""
    today = datetime.date(2026, 1, 4) + datetime.timedelta(days=rng.randrange(365))
    kind = rng.random()
    density = rng.choice((0.15, 0.4, 0.7, 1.0))
    break_from, break_days = rng.randrange(28), rng.choice((0, 0, 9, 15))
    checkins: list[DayPain] = []
    for back in range(40):
        if kind < 0.05 and back < PROGRESS_DAYS:
            continue  # no check-ins in the window
        if break_from <= back < break_from + break_days or rng.random() > density:
            continue
        for _ in range(1 if rng.random() < 0.85 else 2):
            pain = 0 if kind < 0.1 else min(10, int(rng.expovariate(0.35)))
            level = rng.choices((0, 1, 2, 3, 4), weights=(70, 18, 8, 3, 1))[0]
            day = today - datetime.timedelta(days=back)
            checkins.append(DayPain(day, pain, ran=rng.random() < 0.7, level=level))
    return tuple(checkins), today


def render_progress(request: Progress) -> bytes:
    return render_chart(request[0], request[1], PROGRESS_DAYS)


def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(fraction * len(ordered)) - 1)]


def measure(
    render: Callable[[Any], bytes], reports: Sequence[Any]
) -> tuple[float, list[float], list[float], list[int]]:
    """(the first chart's CPU ms, CPU ms per chart, wall ms per chart, PNG bytes per chart)."""
    start = time.thread_time()
    render(reports[0])
    first_ms = (time.thread_time() - start) * 1000
    cpu: list[float] = []
    wall: list[float] = []
    sizes: list[int] = []
    for report in reports:
        wall_start = time.perf_counter()
        cpu_start = time.thread_time()
        data = render(report)
        cpu.append((time.thread_time() - cpu_start) * 1000)
        wall.append((time.perf_counter() - wall_start) * 1000)
        sizes.append(len(data))
    return first_ms, cpu, wall, sizes


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--charts", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    reports = [random_report(rng) for _ in range(args.charts)]
    requests = [random_progress(rng) for _ in range(args.charts)]
    week_passed = report("week", *measure(render_week_chart, reports), sunday=True)
    print()
    progress_passed = report("progress_28d", *measure(render_progress, requests), sunday=False)
    return 0 if week_passed and progress_passed else 1


def report(
    name: str,
    first_ms: float,
    cpu: list[float],
    wall: list[float],
    sizes: list[int],
    *,
    sunday: bool,
) -> bool:
    """Print one chart's figures; whether it meets the target."""
    mean, p95 = statistics.fmean(cpu), percentile(cpu, 0.95)
    print(
        f"{name} charts: {len(cpu)} (first chart, loading fonts and drawing the background: "
        f"{first_ms:.1f} ms CPU, "
        "not counted)"
    )
    print(f"{name}_cpu_per_chart_mean: {mean:.2f} ms")
    print(f"{name}_cpu_per_chart_p95: {p95:.2f} ms")
    print(
        f"{name}_wall_per_chart_mean: {statistics.fmean(wall):.2f} ms "
        f"(p95 {percentile(wall, 0.95):.2f})"
    )
    print(f"{name}_png_bytes_mean: {statistics.fmean(sizes):,.0f} (max {max(sizes):,})")
    if sunday:
        sunday_s = mean * SUNDAY_CHARTS / 1000
        print(
            f"projected_cpu_for_{SUNDAY_CHARTS:,}_charts: {sunday_s:,.0f} s "
            f"({sunday_s / 60:.1f} min)"
        )
    passed = mean < TARGET_MS and p95 < TARGET_MS
    verdict = "PASS" if passed else "FAIL"
    print(
        f"{name} target: under {TARGET_MS:.0f} ms per chart, mean and p95 of CPU time (one "
        f"worker keeps up with Telegram's {TELEGRAM_RATE} messages/s): {verdict}"
    )
    return passed


if __name__ == "__main__":
    sys.exit(main())
