"""The check-in expiry pass is incremental: each tick reads what was sent since the last one
(less an hour of overlap), not three days of history (issue 12: 2.8-4.9 s a tick at 1M)."""

from __future__ import annotations

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
