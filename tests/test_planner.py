"""Table-driven tests for bot.planner. Every expected instant is written out by hand in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.core.models import Anchor, AnchorKind, Days, DaysKind, Runner, RunnerStatus, Slot, SlotKind
from bot.core.planner import (
    local_fire_time,
    matching_weekdays,
    next_due,
    next_due_all,
    to_utc,
)

# 2026-03-02 is a Monday; weekdays are 0 = Monday ... 6 = Sunday.
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
EVERY_DAY = Days(DaysKind.EVERY_DAY)


def u(year: int, month: int, day: int, hour: int = 0, minute: int = 0, *rest: int) -> datetime:
    """An aware UTC datetime: u(2026, 3, 29, 1, 0); seconds and microseconds may follow."""
    second, micro = (*rest, 0, 0)[:2]
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC)


def utc_2026(text: str) -> list[datetime]:
    """UTC instants in 2026 written "MM-DD HH:MM" and separated by commas."""
    return [
        datetime.strptime(f"2026-{item.strip()}", "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
        for item in text.split(",")
    ]


def fixed(hh: int, mm: int, days: Days = EVERY_DAY, enabled: bool = True) -> Slot:
    return Slot(
        id=f"fixed_{hh:02d}{mm:02d}",
        kind=SlotKind.TIP,
        anchor=Anchor(AnchorKind.FIXED, time=time(hh, mm)),
        days=days,
        enabled=enabled,
    )


def run_slot(
    offset: int, days: Days, slot_id: str = "warm", categories: tuple[str, ...] = ()
) -> Slot:
    return Slot(
        id=slot_id,
        kind=SlotKind.TIP,
        anchor=Anchor(AnchorKind.RUN_TIME, offset_minutes=offset),
        days=days,
        categories=categories,
    )


def active(
    tz: str = "UTC",
    *,
    run_days: frozenset[int] = frozenset(),
    run_time: time = time(7, 0),
    tip_time: time = time(8, 0),
    running_paused: bool = False,
) -> Runner:
    return Runner(
        chat_id=1,
        timezone=tz,
        status=RunnerStatus.ACTIVE,
        run_days=run_days,
        run_time=run_time,
        tip_time=tip_time,
        running_paused=running_paused,
    )


def instants(slot: Slot, runner: Runner, after: datetime, count: int) -> list[datetime]:
    """Iterate next_due as the delivery tick does: each due instant becomes the next `after`."""
    out: list[datetime] = []
    for _ in range(count):
        due = next_due(slot, runner, after)
        assert due is not None
        assert due > after
        assert due.utcoffset() == timedelta(0)
        out.append(due)
        after = due
    return out


# ---------------------------------------------------------------------------------------------
# DST: a daily slot iterated over five days around each change


DST_CASES = [
    # Europe/Berlin, spring forward 2026-03-29 02:00 CET -> 03:00 CEST (01:00 UTC).
    pytest.param(
        "Europe/Berlin",
        (7, 30),
        u(2026, 3, 26, 12, 0),
        "03-27 06:30, 03-28 06:30, 03-29 05:30, 03-30 05:30, 03-31 05:30",
        id="berlin-spring-0730",
    ),
    # 02:30 does not exist on 2026-03-29: fires once, at 03:00 CEST.
    pytest.param(
        "Europe/Berlin",
        (2, 30),
        u(2026, 3, 27, 12, 0),
        "03-28 01:30, 03-29 01:00, 03-30 00:30, 03-31 00:30, 04-01 00:30",
        id="berlin-spring-gap-0230",
    ),
    # The first missing minute itself.
    pytest.param(
        "Europe/Berlin",
        (2, 0),
        u(2026, 3, 28, 12, 0),
        "03-29 01:00, 03-30 00:00",
        id="berlin-spring-gap-0200",
    ),
    # The first valid time after the gap: fires at the same instant as 02:30.
    pytest.param(
        "Europe/Berlin",
        (3, 0),
        u(2026, 3, 28, 12, 0),
        "03-29 01:00, 03-30 01:00",
        id="berlin-spring-0300",
    ),
    # Europe/Berlin, fall back 2026-10-25 03:00 CEST -> 02:00 CET (01:00 UTC).
    pytest.param(
        "Europe/Berlin",
        (7, 30),
        u(2026, 10, 22, 12, 0),
        "10-23 05:30, 10-24 05:30, 10-25 06:30, 10-26 06:30, 10-27 06:30",
        id="berlin-fall-0730",
    ),
    # 02:30 happens twice on 2026-10-25: fires once, at the first (CEST) one.
    pytest.param(
        "Europe/Berlin",
        (2, 30),
        u(2026, 10, 22, 12, 0),
        "10-23 00:30, 10-24 00:30, 10-25 00:30, 10-26 01:30, 10-27 01:30",
        id="berlin-fall-repeated-0230",
    ),
    # 01:30 is not ambiguous in Berlin: still CEST at 01:30 on the night of the change.
    pytest.param(
        "Europe/Berlin",
        (1, 30),
        u(2026, 10, 23, 12, 0),
        "10-23 23:30, 10-24 23:30, 10-26 00:30",
        id="berlin-fall-0130",
    ),
    # America/New_York, spring forward 2026-03-08 02:00 EST -> 03:00 EDT (07:00 UTC).
    pytest.param(
        "America/New_York",
        (7, 30),
        u(2026, 3, 5, 18, 0),
        "03-06 12:30, 03-07 12:30, 03-08 11:30, 03-09 11:30, 03-10 11:30",
        id="new-york-spring-0730",
    ),
    pytest.param(
        "America/New_York",
        (2, 30),
        u(2026, 3, 6, 12, 0),
        "03-07 07:30, 03-08 07:00, 03-09 06:30, 03-10 06:30, 03-11 06:30",
        id="new-york-spring-gap-0230",
    ),
    # America/New_York, fall back 2026-11-01 02:00 EDT -> 01:00 EST (06:00 UTC).
    pytest.param(
        "America/New_York",
        (7, 30),
        u(2026, 10, 29, 18, 0),
        "10-30 11:30, 10-31 11:30, 11-01 12:30, 11-02 12:30, 11-03 12:30",
        id="new-york-fall-0730",
    ),
    # 01:30 EDT (05:30 UTC) fires, 01:30 EST (06:30 UTC) does not.
    pytest.param(
        "America/New_York",
        (1, 30),
        u(2026, 10, 29, 18, 0),
        "10-30 05:30, 10-31 05:30, 11-01 05:30, 11-02 06:30, 11-03 06:30",
        id="new-york-fall-repeated-0130",
    ),
    # Australia/Sydney: DST ends 2026-04-05 03:00 AEDT -> 02:00 AEST (04-04 16:00 UTC)
    # and starts 2026-10-04 02:00 AEST -> 03:00 AEDT (10-03 16:00 UTC).
    # Fri 04-03 07:30 AEDT first; from Sun 04-05, 07:30 AEST.
    pytest.param(
        "Australia/Sydney",
        (7, 30),
        u(2026, 4, 2, 0, 0),
        "04-02 20:30, 04-03 20:30, 04-04 21:30, 04-05 21:30, 04-06 21:30",
        id="sydney-april-0730",
    ),
    # 04-04 02:30 AEDT, 04-05 02:30 AEDT (the first of two), 04-06 02:30 AEST.
    pytest.param(
        "Australia/Sydney",
        (2, 30),
        u(2026, 4, 3, 0, 0),
        "04-03 15:30, 04-04 15:30, 04-05 16:30",
        id="sydney-april-repeated-0230",
    ),
    # Fri 10-02 07:30 AEST first; from Sun 10-04, 07:30 AEDT.
    pytest.param(
        "Australia/Sydney",
        (7, 30),
        u(2026, 10, 1, 0, 0),
        "10-01 21:30, 10-02 21:30, 10-03 20:30, 10-04 20:30, 10-05 20:30",
        id="sydney-october-0730",
    ),
    # 10-03 02:30 AEST, 10-04 in the gap (03:00 AEDT), 10-05 02:30 AEDT.
    pytest.param(
        "Australia/Sydney",
        (2, 30),
        u(2026, 10, 2, 0, 0),
        "10-02 16:30, 10-03 16:00, 10-04 15:30",
        id="sydney-october-gap-0230",
    ),
    # Asia/Kolkata: +05:30 all year.
    pytest.param(
        "Asia/Kolkata",
        (7, 30),
        u(2026, 3, 27, 0, 0),
        "03-27 02:00, 03-28 02:00, 03-29 02:00, 03-30 02:00, 03-31 02:00",
        id="kolkata-0730",
    ),
    # `after` is 23:30 IST on 03-01.
    pytest.param(
        "Asia/Kolkata",
        (0, 15),
        u(2026, 3, 1, 18, 0),
        "03-01 18:45, 03-02 18:45",
        id="kolkata-0015",
    ),
    # Pacific/Chatham: +12:45 / +13:45. DST starts 2026-09-27 02:45 -> 03:45 (09-26 14:00 UTC)
    # and ends 2026-04-05 03:45 -> 02:45 (04-04 14:00 UTC).
    # 09-25 07:30 +12:45 first; from 09-27, 07:30 +13:45.
    pytest.param(
        "Pacific/Chatham",
        (7, 30),
        u(2026, 9, 24, 0, 0),
        "09-24 18:45, 09-25 18:45, 09-26 17:45, 09-27 17:45, 09-28 17:45",
        id="chatham-september-0730",
    ),
    # 09-26 03:00 +12:45; 09-27 in the gap 02:45-03:45, at 03:45 +13:45; 09-28 03:00 +13:45.
    pytest.param(
        "Pacific/Chatham",
        (3, 0),
        u(2026, 9, 25, 0, 0),
        "09-25 14:15, 09-26 14:00, 09-27 13:15",
        id="chatham-september-gap-0300",
    ),
    # 04-04 03:00 +13:45, 04-05 03:00 +13:45 (the first of two), 04-06 03:00 +12:45.
    pytest.param(
        "Pacific/Chatham",
        (3, 0),
        u(2026, 4, 3, 0, 0),
        "04-03 13:15, 04-04 13:15, 04-05 14:15",
        id="chatham-april-repeated-0300",
    ),
    # 04-03 07:30 +13:45 first; from 04-05, 07:30 +12:45.
    pytest.param(
        "Pacific/Chatham",
        (7, 30),
        u(2026, 4, 2, 0, 0),
        "04-02 17:45, 04-03 17:45, 04-04 18:45, 04-05 18:45, 04-06 18:45",
        id="chatham-april-0730",
    ),
]


@pytest.mark.parametrize(("tz", "hhmm", "after", "expected"), DST_CASES)
def test_daily_slot_across_dst(
    tz: str, hhmm: tuple[int, int], after: datetime, expected: str
) -> None:
    want = utc_2026(expected)
    assert instants(fixed(*hhmm), active(tz), after, len(want)) == want


@pytest.mark.parametrize(
    ("local_date", "wall", "tz", "expected"),
    [
        (date(2026, 3, 29), time(2, 30), "Europe/Berlin", u(2026, 3, 29, 1, 0)),
        (date(2026, 3, 29), time(2, 59, 59), "Europe/Berlin", u(2026, 3, 29, 1, 0)),
        (date(2026, 3, 29), time(1, 59, 59), "Europe/Berlin", u(2026, 3, 29, 0, 59, 59)),
        (date(2026, 3, 29), time(3, 0), "Europe/Berlin", u(2026, 3, 29, 1, 0)),
        (date(2026, 10, 25), time(2, 0), "Europe/Berlin", u(2026, 10, 25, 0, 0)),
        (date(2026, 10, 25), time(2, 59), "Europe/Berlin", u(2026, 10, 25, 0, 59)),
        (date(2026, 10, 25), time(3, 0), "Europe/Berlin", u(2026, 10, 25, 2, 0)),
        (date(2026, 3, 8), time(2, 15), "America/New_York", u(2026, 3, 8, 7, 0)),
        (date(2026, 11, 1), time(1, 0), "America/New_York", u(2026, 11, 1, 5, 0)),
        (date(2026, 10, 4), time(2, 0), "Australia/Sydney", u(2026, 10, 3, 16, 0)),
        (date(2026, 9, 27), time(2, 45), "Pacific/Chatham", u(2026, 9, 26, 14, 0)),
        (date(2026, 9, 27), time(2, 44), "Pacific/Chatham", u(2026, 9, 26, 13, 59)),
        (date(2026, 6, 1), time(0, 0), "Asia/Kolkata", u(2026, 5, 31, 18, 30)),
        (date(2026, 6, 1), time(12, 0), "UTC", u(2026, 6, 1, 12, 0)),
        # A wall time carrying fold=1 or a tzinfo is still read as a plain wall time.
        (date(2026, 11, 1), time(1, 30, fold=1), "America/New_York", u(2026, 11, 1, 5, 30)),
        (date(2026, 6, 1), time(9, 0, tzinfo=UTC), "Europe/Berlin", u(2026, 6, 1, 7, 0)),
    ],
)
def test_to_utc(local_date: date, wall: time, tz: str, expected: datetime) -> None:
    got = to_utc(local_date, wall, ZoneInfo(tz))
    assert got == expected
    assert got.tzinfo is UTC


@pytest.mark.parametrize(
    "tz",
    [
        "Europe/Berlin",
        "America/New_York",
        "Australia/Sydney",
        "Asia/Kolkata",
        "Pacific/Chatham",
        "America/Santiago",  # changes at local midnight
        "Europe/Dublin",  # negative DST in tzdata
        "Australia/Lord_Howe",  # 30-minute DST
    ],
)
@pytest.mark.parametrize("hhmm", [(0, 0), (0, 30), (2, 30), (7, 30), (23, 59)])
def test_daily_slot_fires_once_per_local_day_for_a_year(tz: str, hhmm: tuple[int, int]) -> None:
    """Invariant over all of 2026: one instant per local day, at the wall time unless it was
    skipped, in which case at the end of the gap (never later than one hour after it)."""
    zone = ZoneInfo(tz)
    wall = time(*hhmm)
    start = datetime(2025, 12, 31, 23, 59, 30, tzinfo=zone)
    got = instants(fixed(*hhmm), active(tz), start, 365)
    local_dates = [d.astimezone(zone).date() for d in got]
    assert local_dates == [date(2026, 1, 1) + timedelta(days=i) for i in range(365)]
    for due in got:
        local = due.astimezone(zone)
        naive = datetime.combine(local.date(), wall)
        shown = local.replace(tzinfo=None)
        if shown != naive:  # only in a gap: the first instant after the missing wall time
            assert naive < shown <= naive + timedelta(hours=1)
            just_before = (due - timedelta(seconds=1)).astimezone(zone).replace(tzinfo=None)
            assert just_before < naive
        else:
            assert local.fold == 0


# ---------------------------------------------------------------------------------------------
# Days


RUN_TUE_THU_SAT = frozenset({TUE, THU, SAT})
MONDAY = u(2026, 3, 2, 0, 0)


@pytest.mark.parametrize(
    ("days", "run_days", "after", "expected"),
    [
        pytest.param(
            Days(DaysKind.RUN_DAYS),
            RUN_TUE_THU_SAT,
            MONDAY,
            "03-03 07:00, 03-05 07:00, 03-07 07:00, 03-10 07:00",
            id="run-days",
        ),
        pytest.param(
            Days(DaysKind.REST_DAYS),
            RUN_TUE_THU_SAT,
            MONDAY,
            "03-02 07:00, 03-04 07:00, 03-06 07:00, 03-08 07:00, 03-09 07:00",
            id="rest-days",
        ),
        pytest.param(
            Days(DaysKind.WEEKDAYS, weekdays=frozenset({MON, FRI})),
            RUN_TUE_THU_SAT,
            MONDAY,
            "03-02 07:00, 03-06 07:00, 03-09 07:00",
            id="named-weekdays",
        ),
        pytest.param(
            Days(DaysKind.EVERY_DAY),
            frozenset(),
            MONDAY,
            "03-02 07:00, 03-03 07:00, 03-04 07:00",
            id="every-day",
        ),
        pytest.param(
            Days(DaysKind.RUN_DAYS),
            frozenset({SUN}),
            MONDAY,
            "03-08 07:00, 03-15 07:00",
            id="one-run-day-a-week",
        ),
        pytest.param(
            Days(DaysKind.REST_DAYS, weekly=True),
            frozenset({MON, WED, FRI}),
            MONDAY,
            "03-03 07:00, 03-10 07:00, 03-17 07:00",
            id="weekly-first-rest-day-tuesday",
        ),
        pytest.param(
            Days(DaysKind.REST_DAYS, weekly=True),
            frozenset({MON, WED, FRI}),
            u(2026, 3, 3, 8),  # Tuesday's is past: not Thursday, next Tuesday
            "03-10 07:00, 03-17 07:00",
            id="weekly-after-this-weeks-day",
        ),
        pytest.param(
            Days(DaysKind.REST_DAYS, weekly=True),
            frozenset({MON, TUE, WED, THU, FRI, SAT}),
            MONDAY,
            "03-08 07:00, 03-15 07:00",
            id="weekly-only-rest-day-sunday",
        ),
        pytest.param(
            Days(DaysKind.RUN_DAYS, weekly=True),
            RUN_TUE_THU_SAT,
            MONDAY,
            "03-03 07:00, 03-10 07:00",
            id="weekly-first-run-day",
        ),
        pytest.param(
            Days(DaysKind.WEEKDAYS, weekdays=frozenset({SAT, THU}), weekly=True),
            frozenset(),
            MONDAY,
            "03-05 07:00, 03-12 07:00",
            id="weekly-named-weekdays",
        ),
    ],
)
def test_day_filters(days: Days, run_days: frozenset[int], after: datetime, expected: str) -> None:
    slot = run_slot(0, days)
    runner = active("UTC", run_days=run_days, run_time=time(7, 0))
    want = utc_2026(expected)
    assert instants(slot, runner, after, len(want)) == want


@pytest.mark.parametrize(
    ("days", "run_days"),
    [
        (Days(DaysKind.RUN_DAYS), frozenset()),
        (Days(DaysKind.RUN_DAYS, weekly=True), frozenset()),
        (Days(DaysKind.REST_DAYS), frozenset(range(7))),
        (Days(DaysKind.REST_DAYS, weekly=True), frozenset(range(7))),
        (Days(DaysKind.WEEKDAYS), frozenset(range(7))),
        (Days(DaysKind.WEEKDAYS, weekdays=frozenset({7, -1})), frozenset()),
    ],
)
def test_no_matching_day_never_fires(days: Days, run_days: frozenset[int]) -> None:
    runner = active("Europe/Berlin", run_days=run_days)
    assert next_due(run_slot(0, days), runner, MONDAY) is None


@pytest.mark.parametrize(
    ("days", "run_days", "expected"),
    [
        (Days(DaysKind.EVERY_DAY), frozenset(), frozenset(range(7))),
        (Days(DaysKind.RUN_DAYS), RUN_TUE_THU_SAT, RUN_TUE_THU_SAT),
        (Days(DaysKind.REST_DAYS), RUN_TUE_THU_SAT, frozenset({MON, WED, FRI, SUN})),
        (Days(DaysKind.REST_DAYS, weekly=True), frozenset({MON}), frozenset({TUE})),
        (
            Days(DaysKind.WEEKDAYS, weekdays=frozenset({SUN, SAT})),
            frozenset(),
            frozenset({SAT, SUN}),
        ),
    ],
)
def test_matching_weekdays(days: Days, run_days: frozenset[int], expected: frozenset[int]) -> None:
    assert matching_weekdays(days, active(run_days=run_days)) == expected


# ---------------------------------------------------------------------------------------------
# Anchors and offsets


@pytest.mark.parametrize(
    ("anchor", "run_time", "tip_time", "expected"),
    [
        (Anchor(AnchorKind.FIXED, time=time(12, 30)), time(7), time(8), (time(12, 30), 0)),
        (Anchor(AnchorKind.RUN_TIME), time(6, 45), time(8), (time(6, 45), 0)),
        (Anchor(AnchorKind.RUN_TIME, -30), time(7, 0), time(8), (time(6, 30), 0)),
        (Anchor(AnchorKind.RUN_TIME, -30), time(0, 15), time(8), (time(23, 45), -1)),
        (Anchor(AnchorKind.RUN_TIME, 120), time(23, 0), time(8), (time(1, 0), 1)),
        (Anchor(AnchorKind.RUN_TIME, 720), time(12, 0), time(8), (time(0, 0), 1)),
        (Anchor(AnchorKind.RUN_TIME, -720), time(11, 59), time(8), (time(23, 59), -1)),
        (Anchor(AnchorKind.RUN_TIME, -720), time(12, 0), time(8), (time(0, 0), 0)),
        (Anchor(AnchorKind.TIP_TIME), time(7), time(8, 15), (time(8, 15), 0)),
        (Anchor(AnchorKind.TIP_TIME, 15), time(7), time(8, 15), (time(8, 30), 0)),
    ],
)
def test_local_fire_time(
    anchor: Anchor, run_time: time, tip_time: time, expected: tuple[time, int]
) -> None:
    slot = Slot("s", SlotKind.TIP, anchor, EVERY_DAY)
    runner = active(run_time=run_time, tip_time=tip_time)
    assert local_fire_time(slot, runner) == expected


def test_fixed_anchor_without_time_is_an_error() -> None:
    slot = Slot("broken", SlotKind.TIP, Anchor(AnchorKind.FIXED), EVERY_DAY)
    with pytest.raises(ValueError, match="broken"):
        next_due(slot, active(), MONDAY)


OFFSET_CASES = [
    pytest.param(
        # Warm-up 30 minutes before a 00:15 Tuesday run: Monday 23:45 CET (22:45 UTC).
        -30,
        time(0, 15),
        frozenset({TUE}),
        "Europe/Berlin",
        u(2026, 3, 2, 12, 0),
        "03-02 22:45, 03-09 22:45, 03-16 22:45",
        id="before-midnight-run-uses-run-day",
    ),
    pytest.param(
        # `after` is already Tuesday 00:05 local, past this week's Monday 23:45.
        -30,
        time(0, 15),
        frozenset({TUE}),
        "Europe/Berlin",
        u(2026, 3, 2, 23, 5),
        "03-09 22:45",
        id="before-midnight-run-after-passed",
    ),
    pytest.param(
        # Sunday run at 00:15: the warm-up is Saturday 23:45, the previous Mon-Sun week's day.
        -30,
        time(0, 15),
        frozenset({SUN}),
        "UTC",
        MONDAY,
        "03-07 23:45, 03-14 23:45",
        id="before-midnight-sunday-run",
    ),
    pytest.param(
        # Monday run at 00:15: the warm-up falls on the Sunday before (the previous week).
        -30,
        time(0, 15),
        frozenset({MON}),
        "UTC",
        u(2026, 3, 1, 0, 0),
        "03-01 23:45, 03-08 23:45",
        id="before-midnight-monday-run",
    ),
    pytest.param(
        # Check-in two hours after a 23:00 Saturday run: Sunday 01:00.
        120,
        time(23, 0),
        frozenset({SAT}),
        "UTC",
        MONDAY,
        "03-08 01:00, 03-15 01:00",
        id="after-midnight-check-in",
    ),
    pytest.param(
        # `after` is already Sunday 00:30, but Saturday's run still has its 01:00 check-in due.
        120,
        time(23, 0),
        frozenset({SAT}),
        "UTC",
        u(2026, 3, 8, 0, 30),
        "03-08 01:00, 03-15 01:00",
        id="after-midnight-check-in-anchor-was-yesterday",
    ),
    pytest.param(
        # Three hours after a 23:30 Saturday run in New York is Sunday 02:30 local, which does
        # not exist on 2026-03-08: that one fires at 03:00 EDT.
        180,
        time(23, 30),
        frozenset({SAT}),
        "America/New_York",
        u(2026, 3, 1, 0, 0),
        "03-01 07:30, 03-08 07:00, 03-15 06:30",
        id="offset-into-dst-gap",
    ),
    pytest.param(
        # 45 minutes before a 07:00 run in Kolkata: 06:15 IST = 00:45 UTC.
        -45,
        time(7, 0),
        frozenset({MON, THU}),
        "Asia/Kolkata",
        MONDAY,
        "03-02 00:45, 03-05 00:45, 03-09 00:45",
        id="kolkata-run-days",
    ),
]


@pytest.mark.parametrize(
    ("offset", "run_time", "run_days", "tz", "after", "expected"), OFFSET_CASES
)
def test_run_time_offsets(
    offset: int,
    run_time: time,
    run_days: frozenset[int],
    tz: str,
    after: datetime,
    expected: str,
) -> None:
    slot = run_slot(offset, Days(DaysKind.RUN_DAYS))
    runner = active(tz, run_days=run_days, run_time=run_time)
    want = utc_2026(expected)
    assert instants(slot, runner, after, len(want)) == want


def test_negative_offset_weekly_rest_day_filters_on_anchor_day() -> None:
    # Runs Mon/Wed/Fri; first rest day is Tuesday. A slot 60 minutes before a 00:30 tip-time
    # anchor on that Tuesday fires Monday 23:30, a run day, and never on the Tuesday night.
    slot = Slot(
        "xt",
        SlotKind.TIP,
        Anchor(AnchorKind.TIP_TIME, -60),
        Days(DaysKind.REST_DAYS, weekly=True),
    )
    runner = active(run_days=frozenset({MON, WED, FRI}), tip_time=time(0, 30))
    assert instants(slot, runner, MONDAY, 3) == [
        u(2026, 3, 2, 23, 30),
        u(2026, 3, 9, 23, 30),
        u(2026, 3, 16, 23, 30),
    ]


@pytest.mark.parametrize(
    ("offset", "tip_time", "tz", "after", "expected"),
    [
        (0, time(8, 15), "Asia/Kolkata", MONDAY, "03-02 02:45, 03-03 02:45"),
        (15, time(8, 15), "Asia/Kolkata", MONDAY, "03-02 03:00, 03-03 03:00"),
        (
            0,
            time(20, 0),
            "America/New_York",
            u(2026, 3, 7, 2, 0),  # Friday 21:00 EST: Friday's 20:00 has passed
            "03-08 01:00, 03-09 00:00",  # Saturday 20:00 EST, Sunday 20:00 EDT
        ),
    ],
)
def test_tip_time_anchor(
    offset: int, tip_time: time, tz: str, after: datetime, expected: str
) -> None:
    slot = Slot("tip", SlotKind.TIP, Anchor(AnchorKind.TIP_TIME, offset), EVERY_DAY)
    runner = active(tz, tip_time=tip_time, run_time=time(5, 0))
    want = utc_2026(expected)
    assert instants(slot, runner, after, len(want)) == want


# ---------------------------------------------------------------------------------------------
# Strictly after, and `after` in any time zone


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (u(2026, 3, 3, 7, 0), u(2026, 3, 4, 7, 0)),  # exactly a due instant: the next one
        (u(2026, 3, 3, 6, 59, 59, 999999), u(2026, 3, 3, 7, 0)),
        (u(2026, 3, 3, 7, 0, 0, 1), u(2026, 3, 4, 7, 0)),
        (datetime(2026, 3, 3, 8, 0, tzinfo=ZoneInfo("Europe/Berlin")), u(2026, 3, 4, 7, 0)),
        (datetime(2026, 3, 3, 7, 59, tzinfo=ZoneInfo("Europe/Berlin")), u(2026, 3, 3, 7, 0)),
        (datetime(2026, 3, 3, 1, 59, tzinfo=timezone(timedelta(hours=-5))), u(2026, 3, 3, 7, 0)),
        (datetime(2026, 3, 3, 2, 0, tzinfo=timezone(timedelta(hours=-5))), u(2026, 3, 4, 7, 0)),
    ],
)
def test_strictly_after(after: datetime, expected: datetime) -> None:
    assert next_due(fixed(7, 0), active("UTC"), after) == expected


def test_strictly_after_on_gap_instant() -> None:
    # 02:30 Berlin on 2026-03-29 fires at 01:00 UTC; asking again from there moves to the 30th.
    slot, runner = fixed(2, 30), active("Europe/Berlin")
    assert next_due(slot, runner, u(2026, 3, 29, 0, 59, 59)) == u(2026, 3, 29, 1, 0)
    assert next_due(slot, runner, u(2026, 3, 29, 1, 0)) == u(2026, 3, 30, 0, 30)


def test_strictly_after_on_repeated_hour() -> None:
    # Between the two 01:30s in New York on 2026-11-01 the slot does not fire a second time.
    slot, runner = fixed(1, 30), active("America/New_York")
    assert next_due(slot, runner, u(2026, 11, 1, 5, 30)) == u(2026, 11, 2, 6, 30)
    assert next_due(slot, runner, u(2026, 11, 1, 6, 0)) == u(2026, 11, 2, 6, 30)
    assert next_due(slot, runner, u(2026, 11, 1, 6, 29)) == u(2026, 11, 2, 6, 30)


# ---------------------------------------------------------------------------------------------
# Runner status, disabled slots, running pause


@pytest.mark.parametrize(
    ("paused_until", "after", "expected"),
    [
        (u(2026, 3, 4, 12, 0), MONDAY, [u(2026, 3, 5, 7), u(2026, 3, 6, 7)]),
        (u(2026, 3, 5, 7, 0), MONDAY, [u(2026, 3, 6, 7)]),  # strictly after paused_until
        (u(2026, 3, 5, 6, 59), MONDAY, [u(2026, 3, 5, 7)]),
        (u(2026, 3, 1, 0, 0), MONDAY, [u(2026, 3, 2, 7), u(2026, 3, 3, 7)]),  # already over
        (datetime(2026, 3, 4, 12, 0), MONDAY, [u(2026, 3, 5, 7)]),  # naive is read as UTC
    ],
)
def test_paused_until_resumes(
    paused_until: datetime, after: datetime, expected: list[datetime]
) -> None:
    runner = Runner(chat_id=1, status=RunnerStatus.PAUSED, paused_until=paused_until)
    slot = fixed(7, 0)
    got = []
    for _ in expected:
        due = next_due(slot, runner, after)
        assert due is not None
        got.append(due)
        after = due
    assert got == expected


@pytest.mark.parametrize(
    ("status", "paused_until"),
    [
        (RunnerStatus.STOPPED, None),
        (RunnerStatus.BLOCKED, None),
        (RunnerStatus.ONBOARDING, None),
        (RunnerStatus.PAUSED, None),
        (RunnerStatus.STOPPED, u(2026, 3, 4)),
        (RunnerStatus.BLOCKED, u(2026, 3, 4)),
    ],
)
def test_inactive_runner_never_fires(status: RunnerStatus, paused_until: datetime | None) -> None:
    runner = Runner(chat_id=1, status=status, paused_until=paused_until)
    assert next_due(fixed(7, 0), runner, MONDAY) is None
    assert next_due_all([fixed(7, 0), fixed(8, 0)], runner, MONDAY) == {
        "fixed_0700": None,
        "fixed_0800": None,
    }


def test_disabled_slot_never_fires() -> None:
    assert next_due(fixed(7, 0, enabled=False), active(), MONDAY) is None
    assert next_due(fixed(7, 0, enabled=True), active(), MONDAY) == u(2026, 3, 2, 7, 0)


@pytest.mark.parametrize(
    ("kind", "categories", "expected"),
    [
        (SlotKind.TIP, ("warm_up",), None),
        (SlotKind.TIP, ("form",), None),
        (SlotKind.TIP, ("core_strength", "form"), None),
        (SlotKind.TIP, ("core_strength",), u(2026, 3, 2, 7)),
        (SlotKind.TIP, ("recovery", "stretch_mobility"), u(2026, 3, 2, 7)),
        (SlotKind.TIP, (), u(2026, 3, 2, 7)),
        (SlotKind.CHECK_IN, (), u(2026, 3, 2, 7)),
        (SlotKind.CHECK_IN, ("warm_up",), u(2026, 3, 2, 7)),
    ],
)
def test_running_paused(kind: SlotKind, categories: tuple[str, ...], expected: datetime) -> None:
    slot = Slot("s", kind, Anchor(AnchorKind.FIXED, time=time(7)), EVERY_DAY, categories)
    paused = active(running_paused=True)
    assert next_due(slot, paused, MONDAY) == expected
    # Without the running pause every one of them fires.
    assert next_due(slot, active(running_paused=False), MONDAY) == u(2026, 3, 2, 7)


# ---------------------------------------------------------------------------------------------
# next_due_all and errors


def test_next_due_all() -> None:
    runner = active(
        "Europe/Berlin", run_days=frozenset({TUE, SAT}), run_time=time(18, 0), running_paused=True
    )
    slots = [
        Slot(
            "core",
            SlotKind.TIP,
            Anchor(AnchorKind.TIP_TIME),
            Days(DaysKind.REST_DAYS),
            ("core_strength",),
        ),
        run_slot(-20, Days(DaysKind.RUN_DAYS), "warm", categories=("warm_up",)),
        Slot(
            "checkin",
            SlotKind.CHECK_IN,
            Anchor(AnchorKind.RUN_TIME, 120),
            Days(DaysKind.RUN_DAYS),
        ),
        Slot(
            "xt",
            SlotKind.TIP,
            Anchor(AnchorKind.FIXED, time=time(12, 0)),
            Days(DaysKind.REST_DAYS, weekly=True),
            ("cross_training",),
        ),
        fixed(9, 0, enabled=False),
    ]
    after = u(2026, 3, 3, 12, 0)  # Tuesday 13:00 CET
    assert next_due_all(slots, runner, after) == {
        "core": u(2026, 3, 4, 7, 0),  # Wednesday 08:00 CET
        "warm": None,  # running paused
        "checkin": u(2026, 3, 3, 19, 0),  # Tuesday 20:00 CET
        "xt": u(2026, 3, 9, 11, 0),  # next Monday 12:00 CET (Monday is the first rest day)
        "fixed_0900": None,
    }
    # next_due_all agrees with next_due slot by slot.
    for slot in slots:
        assert next_due_all([slot], runner, after)[slot.id] == next_due(slot, runner, after)


@pytest.mark.parametrize("tz", ["Mars/Olympus_Mons", "", "Europe", "../etc/passwd", "utc "])
def test_unknown_timezone_raises(tz: str) -> None:
    with pytest.raises(ValueError, match="time zone"):
        next_due(fixed(7, 0), active(tz), MONDAY)
    with pytest.raises(ValueError, match="time zone"):
        next_due_all([fixed(7, 0)], active(tz), MONDAY)


def test_naive_after_raises() -> None:
    with pytest.raises(ValueError, match="aware"):
        next_due(fixed(7, 0), active(), datetime(2026, 3, 2, 0, 0))


# ---------------------------------------------------------------------------------------------
# parse_clock (bot.core.clock; tests/test_clock.py has the words: noon, 18h, ...)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7:30", time(7, 30)),
        ("07:30", time(7, 30)),
        ("7.30", time(7, 30)),
        ("730", time(7, 30)),
        ("0730", time(7, 30)),
        ("7", time(7, 0)),
        ("07", time(7, 0)),
        ("0", time(0, 0)),
        ("00:00", time(0, 0)),
        ("23:59", time(23, 59)),
        ("2359", time(23, 59)),
        ("19:05", time(19, 5)),
        ("1905", time(19, 5)),
        ("7h30", time(7, 30)),
        ("7am", time(7, 0)),
        ("7 am", time(7, 0)),
        ("7AM", time(7, 0)),
        ("7a.m.", time(7, 0)),
        ("7:30pm", time(19, 30)),
        ("7.30 PM", time(19, 30)),
        ("7:30 p.m.", time(19, 30)),
        ("730pm", time(19, 30)),
        ("11:59pm", time(23, 59)),
        ("12am", time(0, 0)),
        ("12:30am", time(0, 30)),
        ("12pm", time(12, 0)),
        ("12:30 pm", time(12, 30)),
        ("1pm", time(13, 0)),
        ("  7:30  ", time(7, 30)),
        ("7 : 30", time(7, 30)),
        ("25:99", None),
        ("", None),
        ("   ", None),
        ("abc", None),
        # Midnight at the end of the day reads as 00:00 (a runner typing 24:00 means it).
        ("24:00", time(0, 0)),
        ("24", time(0, 0)),
        ("2400", time(0, 0)),
        ("7:60", None),
        ("760", None),
        ("13pm", None),
        ("0am", None),
        ("00:30am", None),
        ("7:5", None),
        ("7:305", None),
        ("12345", None),
        ("-7", None),
        ("7:30:00", None),
        ("7 30", None),
        ("7pm7", None),
        ("7xm", None),
        ("7:30 pmm", None),
        ("٧:٣٠", None),  # non-ASCII digits
        ("seven", None),
    ],
)
def test_parse_clock(text: str, expected: time | None) -> None:
    from bot.core.clock import parse_clock

    assert parse_clock(text) == expected
