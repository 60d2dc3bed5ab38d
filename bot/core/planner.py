"""When is a slot next due for a runner? Pure, DST-correct, fast.

Everything here is a function of its arguments: no Telegram, no database, no clock (``after`` is
the time). Instants go out as aware UTC datetimes; local wall-clock times are resolved with
:mod:`zoneinfo`.

Rules (see DESIGN.md, "Time and delivery"):

* A slot has an *anchor* (a fixed local time, the runner's tip time or usual run time) plus an
  offset in minutes. The offset is wall-clock arithmetic on the anchor's day: 30 minutes before a
  00:15 run on Tuesday is Monday 23:45 local. The day filter (run days, rest days, named weekdays,
  ``weekly``) is applied to the anchor's day, never to the day the shifted time lands on.
* A local time that does not exist on a day (spring-forward gap) fires once, at the first valid
  instant after it (the transition itself). A repeated local time (fall-back) fires once, at its
  first occurrence (``fold=0``).
* Only ACTIVE runners get instants; a PAUSED runner with ``paused_until`` resumes strictly after
  it. Running-specific slots (warm-up, form) are held back while ``running_paused``; check-ins are
  not.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from bot.core.models import (
    RUNNING_SPECIFIC_CATEGORIES,
    AnchorKind,
    Days,
    DaysKind,
    Runner,
    RunnerStatus,
    Slot,
    SlotKind,
)
from bot.core.programme import quiet_days, strength_days

__all__ = [
    "SEARCH_DAYS",
    "SUMMARY_SPREAD_MINUTES",
    "local_fire_time",
    "matching_weekdays",
    "next_due",
    "next_due_all",
    "to_utc",
    "zone",
]

# Anchor days examined per call: the day before the local date of ``after`` (shifted by the
# anchor's day offset) up to seven days after it. Any non-empty weekday filter matches within
# that window, including ``weekly`` filters, which reduce to a single weekday.
SEARCH_DAYS = 9

SUMMARY_SPREAD_MINUTES = 120
_ALL_WEEKDAYS = 0b111_1111
# Held back entirely during an exercise hold (after URGENT or EMERGENCY).
_HELD_KINDS = frozenset({SlotKind.TIP, SlotKind.CHECK_IN, SlotKind.SESSION, SlotKind.EDUCATION})
_SECONDS_PER_DAY = 86_400
_ONE_SECOND = timedelta(seconds=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# ---------------------------------------------------------------------------------------------
# Time zones


_ZONES: dict[str, ZoneInfo] = {}


def zone(key: str) -> ZoneInfo:
    """The :class:`ZoneInfo` for ``key`` (cached); ``ValueError`` for an unknown or invalid key."""
    tz = _ZONES.get(key)
    if tz is None:
        try:
            tz = ZoneInfo(key)
        except (KeyError, ValueError, OSError, TypeError) as exc:  # ZoneInfoNotFoundError: KeyError
            raise ValueError(f"unknown time zone: {key!r}") from exc
        _ZONES[key] = tz
    return tz


def to_utc(local_date: date, wall: time, tz: ZoneInfo) -> datetime:
    """The aware UTC instant at which the wall clock in ``tz`` shows ``wall`` on ``local_date``.

    * A time that occurs once maps to that instant.
    * A time repeated by a fall-back transition maps to its first occurrence (``fold=0``).
    * A time skipped by a spring-forward gap maps to the first valid instant after it, i.e. the
      transition instant (Europe/Berlin 2026-03-29 02:30 -> 03:00 CEST = 01:00 UTC).

    ``wall``'s own ``tzinfo`` and ``fold`` are ignored.
    """
    year, month, day = local_date.year, local_date.month, local_date.day
    hour, minute, second, micro = wall.hour, wall.minute, wall.second, wall.microsecond
    local = datetime(year, month, day, hour, minute, second, micro, tz)
    off0 = tz.utcoffset(local)
    later = datetime(year, month, day, hour, minute, second, micro, tz, fold=1)
    off1 = tz.utcoffset(later)
    # PEP 495: fold=0 uses the offset in force before a transition, fold=1 the one after it.
    # A gap is the only case where the offset *increases* across the wall time.
    if off0 is None or off1 is None or off0 >= off1:
        return local.astimezone(UTC)
    return _gap_end(later.astimezone(UTC), local.astimezone(UTC), tz, off0)


# Many runners share a time zone and a wall time (07:30 Europe/Berlin), so the tick resolves the
# same local instants over and over: memoise them. Bounded; cleared wholesale when full.
_DUE_CACHE: dict[tuple[ZoneInfo, int, time], datetime] = {}
_DUE_CACHE_MAX = 1 << 16


def _to_utc_cached(tz: ZoneInfo, ordinal: int, wall: time) -> datetime:
    key = (tz, ordinal, wall)
    due = _DUE_CACHE.get(key)
    if due is None:
        if len(_DUE_CACHE) >= _DUE_CACHE_MAX:
            _DUE_CACHE.clear()
        due = _DUE_CACHE[key] = to_utc(date.fromordinal(ordinal), wall, tz)
    return due


def _gap_end(before: datetime, after: datetime, tz: ZoneInfo, old_offset: timedelta) -> datetime:
    """The transition instant in ``(before, after]``: the first second whose offset is not
    ``old_offset``. tzdata transitions fall on whole seconds, so bisecting on seconds is exact."""
    lo = (before - _EPOCH) // _ONE_SECOND  # floor: still before the transition
    hi = -((_EPOCH - after) // _ONE_SECOND)  # ceil: at or after the transition
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if datetime.fromtimestamp(mid, tz).utcoffset() == old_offset:
            lo = mid
        else:
            hi = mid
    return datetime.fromtimestamp(hi, UTC)


# ---------------------------------------------------------------------------------------------
# Slots


def local_fire_time(slot: Slot, runner: Runner) -> tuple[time, int]:
    """The slot's local wall-clock fire time and its day offset from the anchor's day.

    ``(time(23, 45), -1)`` means "23:45 on the day before the anchor day" (a warm-up 30 minutes
    before a 00:15 run). The offset applies to every anchor kind; for FIXED it is normally 0.
    """
    anchor = slot.anchor
    kind = anchor.kind
    if kind == AnchorKind.FIXED:
        base = anchor.time
        if base is None:
            raise ValueError(f"slot {slot.id!r}: a fixed anchor needs a time")
    elif kind == AnchorKind.TIP_TIME:
        base = runner.tip_time
    elif kind == AnchorKind.RUN_TIME:
        base = runner.run_time
    else:  # pragma: no cover - exhaustive over AnchorKind
        raise ValueError(f"slot {slot.id!r}: unknown anchor kind {kind!r}")
    offset = anchor.offset_minutes
    if slot.kind == SlotKind.SUMMARY:
        # Spread over two hours by runner: a Sunday's 100k weekly charts are drawn at the pace
        # they can be sent, not all at 18:00 ahead of every other reminder.
        offset += runner.chat_id % SUMMARY_SPREAD_MINUTES
    if (
        slot.kind == SlotKind.CHECK_IN
        and kind == AnchorKind.RUN_TIME
        and runner.checkin_delay_minutes is not None
    ):
        offset = runner.checkin_delay_minutes  # the runner's own choice in /settings
    if not offset:
        return base, 0
    seconds = base.hour * 3600 + base.minute * 60 + base.second + offset * 60
    day_offset, seconds = divmod(seconds, _SECONDS_PER_DAY)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    return time(hours, minutes, seconds, base.microsecond), day_offset


@lru_cache(maxsize=512)
def _set_mask(weekdays: frozenset[int]) -> int:
    mask = 0
    for day in weekdays:
        if 0 <= day <= 6:
            mask |= 1 << day
    return mask


def _weekday_mask(
    days: Days, run_days: frozenset[int], summary_day: int = 6, strength_goal: int = 2
) -> int:
    """Bit ``d`` set <=> an anchor day with ``weekday() == d`` fires (0 = Monday)."""
    kind = days.kind
    if kind == DaysKind.SUMMARY_DAY:
        return 1 << summary_day if 0 <= summary_day <= 6 else 0
    if kind == DaysKind.STRENGTH_DAYS:
        mask = _set_mask(strength_days(run_days, strength_goal))
    elif kind == DaysKind.QUIET_DAYS:
        mask = _set_mask(quiet_days(run_days, strength_goal))
    elif kind == DaysKind.EVERY_DAY:
        mask = _ALL_WEEKDAYS
    elif kind == DaysKind.RUN_DAYS:
        mask = _set_mask(run_days)
    elif kind == DaysKind.REST_DAYS:
        mask = _ALL_WEEKDAYS & ~_set_mask(run_days)
    elif kind == DaysKind.WEEKDAYS:
        mask = _set_mask(days.weekdays)
    else:  # pragma: no cover - exhaustive over DaysKind
        raise ValueError(f"unknown days kind {kind!r}")
    if days.weekly:
        # Every filter is a set of weekdays, so "the first matching day of each Monday-to-Sunday
        # week" is always the same weekday: the lowest one.
        mask &= -mask
    return mask


def matching_weekdays(days: Days, runner: Runner) -> frozenset[int]:
    """The weekdays (0 = Monday) whose anchor day fires for ``runner``, ``weekly`` applied."""
    mask = _weekday_mask(days, runner.run_days, runner.summary_day, runner.strength_goal)
    return frozenset(d for d in range(7) if mask >> d & 1)


# ---------------------------------------------------------------------------------------------
# Next due instants


def _resume_after(runner: Runner, after: datetime) -> datetime | None:
    """The instant after which ``runner`` may receive anything, or None for never."""
    if after.tzinfo is None or after.utcoffset() is None:
        raise ValueError("after must be an aware datetime")
    status = runner.status
    if status == RunnerStatus.ACTIVE:
        return after
    if status == RunnerStatus.PAUSED:
        until = runner.paused_until
        if until is None:
            return None
        if until.tzinfo is None:  # the model says aware UTC; be lenient with naive UTC
            until = until.replace(tzinfo=UTC)
        return until if until > after else after
    return None


def _next_due(
    slot: Slot, runner: Runner, after: datetime, local_ordinal: int, tz: ZoneInfo
) -> datetime | None:
    """``next_due`` once the runner is known to be eligible after ``after``, whose local date in
    ``tz`` has proleptic ordinal ``local_ordinal``."""
    if not slot.enabled:
        return None
    if runner.exercise_hold and slot.kind in _HELD_KINDS:
        # Every tip and session is exercise or running advice, a post-run check-in assumes a
        # run, and "hurt is not harm" is no message for someone who needs a doctor today.
        return None
    if (
        runner.running_paused
        and slot.kind != SlotKind.CHECK_IN
        and not RUNNING_SPECIFIC_CATEGORIES.isdisjoint(slot.categories)
    ):
        return None
    mask = _weekday_mask(slot.days, runner.run_days, runner.summary_day, runner.strength_goal)
    if not mask:
        return None
    wall, day_offset = local_fire_time(slot, runner)
    # The fire instant of anchor day D lies on local date D + day_offset (or, in a gap at
    # midnight, just after it), so start with the anchor day whose fire date is the day before.
    ordinal = local_ordinal - day_offset - 1
    weekday = (ordinal - 1) % 7  # date.fromordinal(1) is Monday 0001-01-01
    for _ in range(SEARCH_DAYS):
        if mask >> weekday & 1:
            due = _to_utc_cached(tz, ordinal + day_offset, wall)
            if due > after:
                return due
        ordinal += 1
        weekday = weekday + 1 if weekday < 6 else 0
    return None  # pragma: no cover - unreachable for a non-empty mask


def next_due(slot: Slot, runner: Runner, after: datetime) -> datetime | None:
    """The first instant strictly after ``after`` (aware, any tz) at which ``slot`` fires for
    ``runner``, as an aware UTC datetime.

    None if it never fires: the slot is disabled, the runner is not ACTIVE (or PAUSED with a
    ``paused_until``), the slot is running-specific while ``running_paused``, or no day matches.
    Raises ``ValueError`` for an unknown ``runner.timezone`` or a naive ``after``.
    """
    tz = zone(runner.timezone)
    start = _resume_after(runner, after)
    if start is None:
        return None
    return _next_due(slot, runner, start, start.astimezone(tz).toordinal(), tz)


def next_due_all(
    slots: Iterable[Slot], runner: Runner, after: datetime
) -> dict[str, datetime | None]:
    """``{slot.id: next_due(slot, runner, after)}`` for every slot, sharing the per-runner work."""
    tz = zone(runner.timezone)
    start = _resume_after(runner, after)
    if start is None:
        return {slot.id: None for slot in slots}
    local_ordinal = start.astimezone(tz).toordinal()
    return {slot.id: _next_due(slot, runner, start, local_ordinal, tz) for slot in slots}
