"""The tick's check-in sweeps are incremental: the expiry pass reads what was sent since the
last one (less an hour of overlap), not three days of history (issue 12: 2.8-4.9 s a tick at
1M); the unfinished-check-in pass reads what fell quiet since the last one (0.7 s a tick at
100k when it re-read twelve hours of open check-ins)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlite_utils import Database

from bot.storage import checkins as checkins_db
from bot.storage import outbox as outbox_db
from bot.storage import runners as runners_db
from bot.storage import schema

RUNNER = 8401
HOUR = 3600
T = 2_000_000_000


def _database(tmp_path: Path) -> Database:
    database = schema.connect(tmp_path / "bot.db")
    runners_db.create_runner(database, RUNNER, now=0)
    return database


def _sent_check_in(database: Database, slot_id: str, sent_at: int) -> None:
    row = outbox_db.NewDelivery(
        RUNNER, slot_id, sent_at, "check_in", 5, created_at=sent_at, status="sent"
    )
    outbox_db.insert_deliveries(database, [row])
    database.execute("UPDATE deliveries SET sent_at = ? WHERE slot_id = ?", [sent_at, slot_id])


def _unanswered(database: Database) -> int:
    return int(
        database.execute("SELECT COUNT(*) FROM checkins WHERE status = 'unanswered'").fetchone()[0]
    )


def test_each_pass_reads_from_where_the_last_one_stopped(tmp_path: Path) -> None:
    database = _database(tmp_path)
    _sent_check_in(database, "two_days_ago", T - 48 * HOUR)
    assert checkins_db.expire_checkins(database, sent_before=T) == 1  # the first pass: 3 days
    # Written late (its outcome recorded after the pass): within the hour of overlap, caught.
    _sent_check_in(database, "late_outcome", T - HOUR // 2)
    _sent_check_in(database, "new", T + 5 * 60)
    assert checkins_db.expire_checkins(database, sent_before=T + 10 * 60) == 2
    # Further back than the overlap: a later pass does not read that far again.
    _sent_check_in(database, "long_ago", T - 10 * HOUR)
    assert checkins_db.expire_checkins(database, sent_before=T + 20 * 60) == 0
    assert _unanswered(database) == 3


def test_a_clock_that_went_back_looks_the_whole_first_stretch_again(tmp_path: Path) -> None:
    database = _database(tmp_path)
    assert checkins_db.expire_checkins(database, sent_before=T) == 0
    _sent_check_in(database, "yesterday", T - 30 * HOUR)
    assert checkins_db.expire_checkins(database, sent_before=T - 2 * HOUR) == 1


# ---------------------------------------------------------------------------------------------
# The unfinished-check-in sweep reads only check-ins that fell quiet since its last pass


def _pressed(database: Database, delivery_id: int, *, pain: int, pressed_at: int) -> int:
    checkin = checkins_db.open_checkin(
        database, RUNNER, delivery_id, day=dt.date(2033, 5, 18), asked_at=pressed_at - 60
    )
    checkins_db.update_checkin(database, checkin.id, pain=pain, last_press_at=pressed_at)
    return checkin.id


def _quiet(database: Database, now: int) -> list[int]:
    found = checkins_db.unfinished_checkins(
        database, quiet_since=now - 15 * 60, asked_since=now - 12 * HOUR
    )
    return [c.id for c in found]


def test_each_unfinished_check_in_is_read_when_it_falls_quiet_not_at_every_tick(
    tmp_path: Path,
) -> None:
    database = _database(tmp_path)
    early = _pressed(database, 1, pain=2, pressed_at=T - HOUR)
    assert _quiet(database, T) == [early]  # the first pass: the whole 12 hours
    assert _quiet(database, T + 20) == []  # the next tick: nothing new fell quiet
    later = _pressed(database, 2, pain=3, pressed_at=T)
    assert _quiet(database, T + 15 * 60 + 20) == [later]
    # Read again only while within the two minutes of overlap (a press committed late).
    assert _quiet(database, T + 15 * 60 + 140) == [later]
    assert _quiet(database, T + 15 * 60 + 260) == []
    # A press moves it on: it falls quiet again later and is read again then.
    checkins_db.update_checkin(database, early, last_press_at=T + 20 * 60)
    assert _quiet(database, T + 35 * 60 + 20) == [early]


def test_the_unfinished_sweep_looks_at_the_whole_window_after_the_clock_went_back(
    tmp_path: Path,
) -> None:
    database = _database(tmp_path)
    assert _quiet(database, T) == []
    earlier = _pressed(database, 3, pain=4, pressed_at=T - 3 * HOUR)
    assert _quiet(database, T - 2 * HOUR) == [earlier]


def test_a_backlog_expires_in_bounded_batches_and_nothing_is_missed(tmp_path: Path) -> None:
    """After downtime, hundreds of thousands of questions expire at once: a transaction takes
    `limit` of each kind and the mark moves only as far as it got."""
    database = _database(tmp_path)
    for n in range(7):
        _sent_check_in(database, f"question-{n}", T - 20 * HOUR + n * 60)
    for n in range(5):
        _pressed(database, 100 + n, pain=1, pressed_at=T - 13 * HOUR)
    batches = []
    while found := checkins_db.expire_checkins(database, sent_before=T - 12 * HOUR, limit=3):
        batches.append(found)
    assert batches == [6, 5, 1]  # 3 opened + 3 questions, 2 + 3, then the last question
    assert _unanswered(database) == 12
    assert checkins_db.expire_checkins(database, sent_before=T - 12 * HOUR, limit=3) == 0
