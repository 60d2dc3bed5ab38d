"""The tick's storage side: claiming due rows is idempotent, late rows are dropped, tips rotate."""

from __future__ import annotations

import datetime as dt
import functools
import threading
from pathlib import Path

from sqlite_utils import Database

from bot.core.content import Library, load_schedules
from bot.core.models import Tip
from bot.core.rotation import pick_tip, tips_by_category
from bot.services.delivery import claim_due, schedule_missing, schedule_runner
from bot.storage import content as content_db
from bot.storage import outbox as outbox_db
from bot.storage import runners as runners_db
from bot.storage import schedule as schedule_db
from bot.storage import schema

REPO = Path(__file__).resolve().parent.parent
UTC = dt.UTC
MONDAY = dt.datetime(2026, 6, 1, 4, 0, tzinfo=UTC)  # 06:00 in Berlin
GRACE = dt.timedelta(hours=2)


@functools.cache
def real_library() -> Library:
    """schedules/ parsed once: the files do not change during a run, the Library is frozen."""
    return load_schedules(REPO / "schedules")


def fresh_db(path: Path) -> Database:
    database = schema.connect(path)
    library = real_library()
    content_db.seed_content(
        database, library.slots, library.tips, now=0, translations=library.translations
    )
    return database


def add_runner(database: Database, chat_id: int, *, zone: str = "Europe/Berlin") -> None:
    runners_db.create_runner(database, chat_id, now=0)
    runners_db.update_runner(
        database,
        chat_id,
        now=0,
        timezone=zone,
        run_days=frozenset({0, 2, 4}),
        run_time=dt.time(7, 0),
        tip_time=dt.time(8, 0),
        status="active",
    )
    schedule_runner(database, chat_id, MONDAY)


def outbox(database: Database) -> list[dict[str, object]]:
    return list(database.query("SELECT * FROM deliveries ORDER BY due, slot_id"))


def test_warm_up_is_scheduled_30_minutes_before_the_run_in_local_time(tmp_path: Path) -> None:
    database = fresh_db(tmp_path / "b.db")
    add_runner(database, 1)
    due = schedule_db.schedule_of(database, 1)
    # Monday is a run day; the run is at 07:00 Berlin (CEST, UTC+2) -> warm-up 06:30 = 04:30 UTC.
    assert dt.datetime.fromtimestamp(due["warm_up"], UTC) == dt.datetime(
        2026, 6, 1, 4, 30, tzinfo=UTC
    )
    # The check-in fires two hours after the run: 09:00 local = 07:00 UTC.
    assert dt.datetime.fromtimestamp(due["check_in"], UTC) == dt.datetime(
        2026, 6, 1, 7, 0, tzinfo=UTC
    )


def test_claim_queues_once_and_advances(tmp_path: Path) -> None:
    database = fresh_db(tmp_path / "b.db")
    add_runner(database, 1)
    at = dt.datetime(2026, 6, 1, 4, 31, tzinfo=UTC)
    first = claim_due(database, at, grace=GRACE)
    second = claim_due(database, at, grace=GRACE)
    assert (first.queued, first.dropped) == (1, 0)
    assert (second.queued, second.advanced) == (0, 0)
    rows = outbox(database)
    assert [(r["slot_id"], r["status"]) for r in rows] == [("warm_up", "pending")]
    assert rows[0]["tip_id"], "a warm-up reminder carries a tip"
    next_warm_up = dt.datetime.fromtimestamp(schedule_db.schedule_of(database, 1)["warm_up"], UTC)
    assert next_warm_up == dt.datetime(2026, 6, 3, 4, 30, tzinfo=UTC)  # Wednesday


def test_two_processes_claiming_at_once_queue_each_reminder_once(tmp_path: Path) -> None:
    path = tmp_path / "b.db"
    database = fresh_db(path)
    for chat_id in range(1, 301):
        add_runner(database, chat_id)
    at = dt.datetime(2026, 6, 1, 4, 31, tzinfo=UTC)
    results = []

    def worker() -> None:
        other = schema.connect(path)  # its own connection, as a second process would have
        results.append(claim_due(other, at, grace=GRACE, batch_size=50))
        other.conn.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r.queued for r in results) == 300
    counts = database.execute(
        "SELECT COUNT(*), COUNT(DISTINCT runner_id) FROM deliveries WHERE slot_id = 'warm_up'"
    ).fetchone()
    assert counts == (300, 300)


def test_after_downtime_late_reminders_are_dropped_and_recorded(tmp_path: Path) -> None:
    database = fresh_db(tmp_path / "b.db")
    add_runner(database, 1)
    # The bot was down from before 06:30 until 09:30 local: the 06:30 warm-up is 3 h late
    # (beyond the 2 h grace); the 08:00 tip of the day (1.5 h) and the 09:00 check-in
    # (30 min) are within grace.
    at = dt.datetime(2026, 6, 1, 7, 30, tzinfo=UTC)
    result = claim_due(database, at, grace=GRACE)
    rows = {r["slot_id"]: r for r in outbox(database)}
    assert rows["warm_up"]["status"] == "dropped" and rows["warm_up"]["reason"] == "late"
    assert rows["daily_tip"]["status"] == "pending"
    assert rows["check_in"]["status"] == "pending"
    assert (result.queued, result.dropped) == (2, 1)


def test_long_downtime_does_not_leave_a_backlog(tmp_path: Path) -> None:
    database = fresh_db(tmp_path / "b.db")
    add_runner(database, 1)
    a_week_later = MONDAY + dt.timedelta(days=7, hours=1)  # 08:00 Berlin next Monday
    claim_due(database, a_week_later, grace=GRACE)
    pending = [r for r in outbox(database) if r["status"] == "pending"]
    # Only what is still timely now (the warm-up at 06:30 today, 1.5 h late) is sent.
    assert [r["slot_id"] for r in pending] == ["warm_up"]
    for slot_id, due in schedule_db.schedule_of(database, 1).items():
        assert due > a_week_later.timestamp() - GRACE.total_seconds(), slot_id


def _tip(tip_id: str, category: str) -> Tip:
    return Tip(id=tip_id, category=category, title="t", body="b")


def test_tips_do_not_repeat_until_the_category_is_exhausted() -> None:
    library = tips_by_category([_tip(f"c-{i}", "core_strength") for i in range(5)])
    counts: dict[tuple[int, str], int] = {}
    seen = [pick_tip(7, ["core_strength"], library, counts, "slot:x") for _ in range(10)]
    ids = [t.id for t in seen if t]
    assert sorted(ids[:5]) == [f"c-{i}" for i in range(5)]
    assert ids[5:] == ids[:5]


def test_slot_categories_take_turns() -> None:
    library = tips_by_category([_tip("a-1", "core_strength"), _tip("b-1", "hips_glutes")])
    counts: dict[tuple[int, str], int] = {}
    picks = [
        pick_tip(1, ["core_strength", "hips_glutes"], library, counts, "slot:s") for _ in range(4)
    ]
    assert [t.category for t in picks if t] == ["core_strength", "hips_glutes"] * 2


def test_retired_tips_leave_rotation() -> None:
    tips = [_tip("a-1", "form"), Tip(id="a-2", category="form", title="t", body="b", active=False)]
    library = tips_by_category(tips)
    counts: dict[tuple[int, str], int] = {}
    assert {pick_tip(1, ["form"], library, counts, "s").id for _ in range(4)} == {"a-1"}  # type: ignore[union-attr]


def test_blocked_runner_loses_schedule_and_pending_rows(tmp_path: Path) -> None:
    database = fresh_db(tmp_path / "b.db")
    add_runner(database, 1)
    claim_due(database, dt.datetime(2026, 6, 1, 4, 31, tzinfo=UTC), grace=GRACE)
    runners_db.mark_blocked(database, 1, now=10)
    assert schedule_db.schedule_of(database, 1) == {}
    assert {r["status"] for r in outbox(database)} == {"dropped"}
    assert runners_db.get_runner(database, 1).status.value == "blocked"  # type: ignore[union-attr]


def test_stale_leases_go_back_to_the_queue(tmp_path: Path) -> None:
    database = fresh_db(tmp_path / "b.db")
    add_runner(database, 1)
    claim_due(database, dt.datetime(2026, 6, 1, 4, 31, tzinfo=UTC), grace=GRACE)
    leased = outbox_db.lease_pending(database, now=2_000_000_000, owner="dead-process", limit=10)
    assert len(leased) == 1
    assert outbox_db.lease_pending(database, now=2_000_000_000, owner="me", limit=10) == []
    assert outbox_db.release_stale_leases(database, owner="me") == 1
    again = outbox_db.lease_pending(database, now=2_000_000_000, owner="me", limit=10)
    assert [r.id for r in again] == [leased[0].id]
    assert again[0].attempts == 2


def test_start_up_does_not_replan_runners_whose_slots_never_fire(tmp_path: Path) -> None:
    """A runner who runs every day has no rest-day slots; a restart must not mistake that for
    a missing schedule and re-plan from 'now', which would skip reminders that are due."""
    database = fresh_db(tmp_path / "b.db")
    add_runner(database, 1)
    runners_db.update_runner(database, 1, now=0, run_days=frozenset(range(7)))
    schedule_runner(database, 1, MONDAY)
    check_in_due = dt.datetime.fromtimestamp(schedule_db.schedule_of(database, 1)["check_in"], UTC)
    restart = check_in_due + dt.timedelta(minutes=5)  # the bot was down at check-in time
    assert schedule_missing(database, restart) == 0
    claim_due(database, restart, grace=GRACE)
    assert [r["slot_id"] for r in outbox(database) if r["status"] == "pending"][-1] == "check_in"


def test_a_new_slot_is_planned_at_start_up(tmp_path: Path) -> None:
    database = fresh_db(tmp_path / "b.db")
    add_runner(database, 1)
    database.execute("DELETE FROM schedule WHERE slot_id = 'daily_tip'")
    assert schedule_missing(database, MONDAY) == 1
    assert "daily_tip" in schedule_db.schedule_of(database, 1)


def test_start_up_after_a_check_looks_only_at_runners_changed_since(tmp_path: Path) -> None:
    """The stored plan version: with the plan unchanged since the last start-up check, only
    runners whose row changed since (a crash between saving a profile and planning it) are
    looked at, not every runner against every slot."""
    database = fresh_db(tmp_path / "b.db")
    add_runner(database, 1)
    add_runner(database, 2)
    assert schedule_missing(database, MONDAY) == 0  # the full check, recorded
    # Rows that vanished behind the bot's back for a runner unchanged for days: not looked at.
    database.execute("DELETE FROM schedule WHERE runner_id = 1")
    # Onboarding saved, then the process died before planning: caught at the next start.
    saved_at = int((MONDAY + dt.timedelta(hours=1)).timestamp())
    runners_db.create_runner(database, 3, now=saved_at)
    runners_db.update_runner(
        database,
        3,
        now=saved_at,
        timezone="Europe/Berlin",
        run_days=frozenset({1, 3}),
        run_time=dt.time(18, 0),
        tip_time=dt.time(8, 0),
        status="active",
    )
    assert schedule_missing(database, MONDAY + dt.timedelta(hours=2)) == 1
    assert "warm_up" in schedule_db.schedule_of(database, 3)
    assert schedule_db.schedule_of(database, 1) == {}


def test_a_changed_plan_brings_back_the_full_check(tmp_path: Path) -> None:
    database = fresh_db(tmp_path / "b.db")
    add_runner(database, 1)
    assert schedule_missing(database, MONDAY) == 0
    database.execute("DELETE FROM schedule WHERE runner_id = 1")
    # The plan changed outside the bot (schedule files seeded afresh): every runner is checked.
    database.execute("UPDATE slots SET enabled = 0 WHERE id = 'daily_tip'")
    assert schedule_missing(database, MONDAY + dt.timedelta(days=3)) == 1
    assert "warm_up" in schedule_db.schedule_of(database, 1)
