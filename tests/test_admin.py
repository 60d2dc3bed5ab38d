"""Admin operations (bot/admin.py) on a real SQLite file: validation, audit, rescheduling."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlite_utils import Database

from bot.cli import main
from bot.core import content
from bot.core.models import (
    ANNOUNCEMENT_PRIORITY,
    TIP_CATEGORIES,
    Anchor,
    AnchorKind,
    Days,
    DaysKind,
    Slot,
    SlotKind,
)
from bot.services import admin, languages
from bot.services.delivery import claim_due, queue_now, schedule_runner
from bot.storage import content as content_db
from bot.storage import outbox as outbox_db
from bot.storage import runners as runners_db
from bot.storage import schema
from tests.conftest import REPO

UTC = dt.UTC
ADMIN = 42
# Monday 1 June 2026, 04:00 UTC = 06:00 in Berlin (runs Mon/Wed/Fri at 07:00, tips at 08:00).
NOW = dt.datetime(2026, 6, 1, 4, 0, tzinfo=UTC)
WARM_UP = dt.datetime(2026, 6, 1, 4, 30, tzinfo=UTC)  # 30 min before the 07:00 run
WEDNESDAY_WARM_UP = dt.datetime(2026, 6, 3, 4, 30, tzinfo=UTC)
GRACE = dt.timedelta(hours=2)


@pytest.fixture
def database(tmp_path: Path, schedules_parsed_once: None) -> Iterator[Database]:
    database = schema.connect(tmp_path / "admin.db")
    library = content.load_schedules(REPO / "schedules")
    content_db.seed_content(
        database, library.slots, library.tips, now=0, translations=library.translations
    )
    yield database
    database.conn.close()


def add_runners(database: Database, chat_ids: range | list[int], *, status: str = "active") -> None:
    for chat_id in chat_ids:
        runners_db.create_runner(database, chat_id, now=0)
        runners_db.update_runner(
            database,
            chat_id,
            now=0,
            timezone="Europe/Berlin",
            run_days=frozenset({0, 2, 4}),
            run_time=dt.time(7, 0),
            tip_time=dt.time(8, 0),
            status=status,
        )
        schedule_runner(database, chat_id, NOW)


def due_of(database: Database, runner_id: int, slot_id: str) -> dt.datetime | None:
    row = database.execute(
        "SELECT next_due FROM schedule WHERE runner_id = ? AND slot_id = ?", [runner_id, slot_id]
    ).fetchone()
    return None if row is None or row[0] is None else dt.datetime.fromtimestamp(row[0], UTC)


def audit_rows(database: Database) -> list[dict[str, Any]]:
    return list(database.query("SELECT * FROM audit ORDER BY id"))


def snapshot(database: Database) -> tuple[list[Any], ...]:
    return tuple(
        list(database.query(f"SELECT * FROM {table} ORDER BY rowid"))
        for table in ("slots", "tips", "schedule", "deliveries", "audit")
    )


# ---------------------------------------------------------------------------------------------
# Slots


def test_moving_the_warm_up_reschedules_every_runner_and_is_audited(database: Database) -> None:
    add_runners(database, range(1, 6))
    assert due_of(database, 1, "warm_up") == WARM_UP
    change = admin.set_slot_anchor(
        database, "warm_up", Anchor(AnchorKind.RUN_TIME, -45), admin_id=ADMIN, now=NOW
    )
    assert change.before is not None and change.before.anchor.offset_minutes == -30
    assert change.slot.anchor.offset_minutes == -45
    assert change.rescheduled == 5 and change.reach == 5
    for runner in range(1, 6):
        assert due_of(database, runner, "warm_up") == WARM_UP - dt.timedelta(minutes=15)
    assert due_of(database, 1, "daily_tip") == dt.datetime(2026, 6, 1, 6, 0, tzinfo=UTC)
    (row,) = audit_rows(database)
    assert (row["admin_id"], row["action"], row["target"]) == (ADMIN, "slot_anchor", "slot warm_up")
    assert json.loads(row["before"])["anchor"] == {"before_run": 30}
    assert json.loads(row["after"])["anchor"] == {"before_run": 45}
    assert row["at"] == int(NOW.timestamp())
    slot = content_db.get_slot(database, "warm_up")
    assert slot is not None and slot.anchor == Anchor(AnchorKind.RUN_TIME, -45)
    updated_by = database.execute("SELECT updated_by FROM slots WHERE id = 'warm_up'").fetchone()
    assert updated_by[0] == ADMIN


def test_an_instant_already_due_goes_out_as_it_was_planned(database: Database) -> None:
    add_runners(database, [1, 2])
    later = WARM_UP + dt.timedelta(seconds=5)  # the 06:30 warm-ups are due, not yet claimed
    change = admin.set_slot_anchor(
        database, "warm_up", Anchor(AnchorKind.RUN_TIME, -15), admin_id=ADMIN, now=later
    )
    outbox = list(database.query("SELECT runner_id, due FROM deliveries WHERE slot_id = 'warm_up'"))
    assert outbox == [{"runner_id": r, "due": int(WARM_UP.timestamp())} for r in (1, 2)], (
        "claimed under the old definition, not lost"
    )
    # Not a second warm-up at 06:45 today: the next one is Wednesday's, at the new time.
    assert due_of(database, 1, "warm_up") == WEDNESDAY_WARM_UP + dt.timedelta(minutes=15)
    assert change.reach == 2
    assert claim_due(database, later + dt.timedelta(minutes=20), grace=GRACE).queued == 0


def test_moving_a_slot_later_after_it_went_out_does_not_send_it_twice(database: Database) -> None:
    add_runners(database, [1])
    after_send = WARM_UP + dt.timedelta(minutes=5)
    claim_due(database, after_send, grace=GRACE)  # today's 06:30 warm-up is in the outbox
    admin.set_slot_anchor(
        database, "warm_up", Anchor(AnchorKind.RUN_TIME, -15), admin_id=ADMIN, now=after_send
    )
    # 06:45 today would be a second warm-up today: the next one is Wednesday's.
    assert due_of(database, 1, "warm_up") == WEDNESDAY_WARM_UP + dt.timedelta(minutes=15)


def test_replan_skips_a_day_that_already_had_the_slot() -> None:
    from bot.core.models import Runner, RunnerStatus

    runner = Runner(
        chat_id=1,
        timezone="Europe/Berlin",
        run_days=frozenset({0, 2, 4}),
        status=RunnerStatus.ACTIVE,
    )
    slot = Slot(
        "s", SlotKind.TIP, Anchor(AnchorKind.FIXED, 0, dt.time(20, 0)), Days(DaysKind.EVERY_DAY)
    )
    at_noon = dt.datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
    this_evening = dt.datetime(2026, 6, 1, 18, 0, tzinfo=UTC)
    assert admin.replan_slot(slot, runner, at_noon, None) == this_evening
    sent_this_morning = dt.datetime(2026, 6, 1, 6, 0, tzinfo=UTC)
    tomorrow = this_evening + dt.timedelta(days=1)
    assert admin.replan_slot(slot, runner, at_noon, sent_this_morning) == tomorrow
    weekly = Slot(
        "w", SlotKind.TIP, slot.anchor, Days(DaysKind.REST_DAYS, weekly=True), categories=("x",)
    )
    # Weekly on the first rest day (Tuesday); it went out on Tuesday: next week's Tuesday.
    tuesday = dt.datetime(2026, 6, 2, 10, 0, tzinfo=UTC)
    sent_tuesday = dt.datetime(2026, 6, 2, 8, 0, tzinfo=UTC)
    assert admin.replan_slot(weekly, runner, tuesday, sent_tuesday) == dt.datetime(
        2026, 6, 9, 18, 0, tzinfo=UTC
    )


def test_disabling_a_slot_stops_it_and_enabling_brings_it_back(database: Database) -> None:
    add_runners(database, [1, 2])
    queue_now(
        database, 1, kind="tip", now=NOW, priority=5, slot_id="warm_up", categories=["warm_up"]
    )
    change = admin.toggle_slot(database, "warm_up", False, admin_id=ADMIN, now=NOW)
    assert not change.slot.enabled and change.reach == 0
    assert due_of(database, 1, "warm_up") is None and due_of(database, 2, "warm_up") is None
    (pending,) = database.query("SELECT status, reason FROM deliveries WHERE slot_id = 'warm_up'")
    assert pending == {"status": "dropped", "reason": "slot_disabled"}
    assert claim_due(database, WARM_UP + dt.timedelta(minutes=1), grace=GRACE).queued == 0
    assert admin.list_slots(database)[0].reach == 0
    change = admin.toggle_slot(database, "warm_up", True, admin_id=ADMIN, now=NOW)
    assert change.slot.enabled and change.reach == 2
    assert due_of(database, 1, "warm_up") == WARM_UP
    assert [r["action"] for r in audit_rows(database)] == ["slot_disable", "slot_enable"]


def test_days_and_weekly(database: Database) -> None:
    add_runners(database, [1])
    change = admin.set_slot_days(
        database, "warm_up", Days(DaysKind.WEEKDAYS, frozenset({1})), admin_id=ADMIN, now=NOW
    )
    assert change.slot.days == Days(DaysKind.WEEKDAYS, frozenset({1}))
    assert due_of(database, 1, "warm_up") == WARM_UP + dt.timedelta(days=1)  # Tuesday
    change = admin.set_slot_weekly(database, "cross_training", False, admin_id=ADMIN, now=NOW)
    assert change.slot.days == Days(DaysKind.REST_DAYS, weekly=False)
    # Set days keeps the weekly flag of the slot.
    change = admin.set_slot_days(
        database, "cross_training", Days(DaysKind.EVERY_DAY), admin_id=ADMIN, now=NOW
    )
    assert change.slot.days == Days(DaysKind.EVERY_DAY, weekly=False)


@pytest.mark.parametrize(
    ("operation", "problem"),
    [
        (
            lambda d: admin.set_slot_days(
                d, "warm_up", Days(DaysKind.WEEKDAYS), admin_id=ADMIN, now=NOW
            ),
            "edit: slot warm_up: days: empty list (name at least one weekday)",
        ),
        (
            lambda d: admin.set_slot_anchor(
                d, "warm_up", Anchor(AnchorKind.RUN_TIME, -800), admin_id=ADMIN, now=NOW
            ),
            "edit: slot warm_up: anchor: before_run 800 is out of range (0..720 minutes)",
        ),
        (
            lambda d: admin.set_slot_anchor(
                d, "nope", Anchor(AnchorKind.RUN_TIME, -10), admin_id=ADMIN, now=NOW
            ),
            "there is no slot 'nope' any more",
        ),
    ],
)
def test_invalid_slot_edits_change_nothing(
    database: Database, operation: Any, problem: str
) -> None:
    add_runners(database, [1])
    before = snapshot(database)
    with pytest.raises(admin.AdminError) as refused:
        operation(database)
    assert refused.value.problems == [problem]
    assert snapshot(database) == before


def test_an_unchanged_edit_writes_nothing(database: Database) -> None:
    add_runners(database, [1])
    before = snapshot(database)
    change = admin.toggle_slot(database, "warm_up", True, admin_id=ADMIN, now=NOW)
    assert change.before == change.slot and change.rescheduled == 0
    assert snapshot(database) == before


def test_adding_slots(database: Database) -> None:
    categories, check_in = admin.new_slot_options(database)
    assert "core_strength" in categories and not check_in
    change = admin.add_slot(
        database, SlotKind.TIP, "core_strength", "Core strength tips", admin_id=ADMIN, now=NOW
    )
    assert change.slot.id == "core_strength" and not change.slot.enabled
    again = admin.add_slot(
        database, SlotKind.TIP, "core_strength", "Core strength tips", admin_id=ADMIN, now=NOW
    )
    assert again.slot.id == "core_strength_2"
    assert [s.id for s in content_db.load_slots(database)][-2:] == [
        "core_strength",
        "core_strength_2",
    ]
    with pytest.raises(admin.AdminError, match="already has a check-in"):
        admin.add_slot(database, SlotKind.CHECK_IN, None, "Check-in", admin_id=ADMIN, now=NOW)
    with pytest.raises(admin.AdminError, match="no active tips"):
        admin.add_slot(database, SlotKind.TIP, "bogus", "Bogus", admin_id=ADMIN, now=NOW)
    assert [r["action"] for r in audit_rows(database)] == ["slot_add", "slot_add"]


def test_preview_of_a_default_runner(database: Database) -> None:
    slots = admin.plan_for_preview(database)
    (today, first), (tomorrow, second) = admin.preview_days(slots, "Europe/Berlin", NOW)
    assert today == dt.date(2026, 6, 1) and tomorrow == dt.date(2026, 6, 2)
    assert [(at.strftime("%H:%M"), s.id) for at, s in first] == [
        ("06:30", "warm_up"),
        ("08:00", "daily_tip"),
        ("09:00", "check_in"),
    ]
    assert [(at.strftime("%H:%M"), s.id) for at, s in second] == [
        ("08:00", "rest_day_strength"),
        ("12:30", "cross_training"),
    ]
    # It is already Monday evening in Tokyo: today is Monday there too, tomorrow Tuesday.
    (tokyo_today, _), _ = admin.preview_days(slots, "Asia/Tokyo", NOW)
    assert tokyo_today == dt.date(2026, 6, 1)


# ---------------------------------------------------------------------------------------------
# Tips


def test_adding_a_tip(database: Database) -> None:
    change = admin.add_tip(
        database,
        "warm_up",
        "Ankle circles",
        "Draw <b>10 circles</b> each way.",
        admin_id=ADMIN,
        now=NOW,
    )
    tip = change.tip
    assert tip.id == "warm-up-ankle-circles"
    assert tip.title == "🔥 Ankle circles", "the category's symbol, like the tips in the files"
    assert tip.active and change.version == 1
    assert content_db.get_tip(database, tip.id) == tip
    again = admin.add_tip(database, "warm_up", "Ankle circles", "Again.", admin_id=ADMIN, now=NOW)
    assert again.tip.id == "warm-up-ankle-circles-2"
    (row, _) = audit_rows(database)
    assert row["action"] == "tip_add" and row["before"] is None
    assert json.loads(row["after"])["body"] == "Draw <b>10 circles</b> each way."


@pytest.mark.parametrize(
    ("title", "body", "problem"),
    [
        ("Long", "x" * 601, "message: tip warm-up-long: body: 601 characters, at most 600"),
        (
            "Broken",
            "Keep <b>going",
            "message: tip warm-up-broken: body: invalid HTML: unclosed <b>",
        ),
        (
            "Tags <i>here</i>",
            "Fine.",
            "message: tip warm-up-tags-i-here-i: title: HTML tags are not allowed here "
            "(plain text)",
        ),
        ("Empty", "", "message: tip warm-up-empty: body: empty"),
    ],
)
def test_a_bad_tip_is_refused_with_the_reason_and_nothing_is_stored(
    database: Database, title: str, body: str, problem: str
) -> None:
    before = snapshot(database)
    with pytest.raises(admin.AdminError) as refused:
        admin.add_tip(database, "warm_up", title, body, admin_id=ADMIN, now=NOW)
    assert refused.value.problems == [problem]
    assert snapshot(database) == before


def test_editing_retiring_and_reactivating_a_tip(database: Database) -> None:
    tip_id = "warm-easy-start"
    change = admin.edit_tip(
        database, tip_id, "Start slowly", "Walk for <i>five</i> minutes.", admin_id=ADMIN, now=NOW
    )
    assert change.tip.title == "🔥 Start slowly" and change.version == 2
    assert change.tip.why, "why and source are kept"
    # The English words changed; the Spanish and Russian ones (from the files) did not, and
    # the admin is told so.
    assert change.translated == ("es", "ru")
    assert languages.tip_in(database, tip_id, "es") != change.tip
    retired = admin.retire_tip(database, tip_id, admin_id=ADMIN, now=NOW)
    assert not retired.tip.active and retired.version == 3 and retired.starved_slots == ()
    assert retired.translated == (), "retiring changes no words"
    assert content_db.get_tip(database, tip_id) is not None, "kept for history"
    assert tip_id not in {t.id for t in content_db.load_tips(database, active_only=True)}
    back = admin.reactivate_tip(database, tip_id, admin_id=ADMIN, now=NOW)
    assert back.tip.active and back.version == 4
    assert [r["action"] for r in audit_rows(database)] == [
        "tip_edit",
        "tip_retire",
        "tip_reactivate",
    ]
    with pytest.raises(admin.AdminError):
        admin.edit_tip(database, tip_id, "Start slowly", "<b>", admin_id=ADMIN, now=NOW)


def test_retiring_the_last_tip_of_a_slot_warns(database: Database) -> None:
    warm_ups = [t.id for t in content_db.load_tips(database) if t.category == "warm_up"]
    for tip_id in warm_ups[:-1]:
        assert admin.retire_tip(database, tip_id, admin_id=ADMIN, now=NOW).starved_slots == ()
    last = admin.retire_tip(database, warm_ups[-1], admin_id=ADMIN, now=NOW)
    assert [s.id for s in last.starved_slots] == ["warm_up"]


def test_tip_pages(database: Database) -> None:
    first, page, pages = admin.list_tips(database, "warm_up", 0)
    assert (len(first), page, pages) == (8, 0, 2)
    second, page, _ = admin.list_tips(database, "warm_up", 5)
    assert page == 1 and len(first) + len(second) == 14
    admin.retire_tip(database, first[0].id, admin_id=ADMIN, now=NOW)
    last, _, _ = admin.list_tips(database, "warm_up", 1)
    assert last[-1].id == first[0].id, "retired tips come last"


def test_refs_are_short_and_unique() -> None:
    ids = [f"slot-{i}" for i in range(500)]
    assert all(len(admin.ref(i)) == 10 for i in ids)
    assert admin.find_ref(ids, admin.ref("slot-7")) == "slot-7"
    assert admin.find_ref(ids, "0000000000") is None
    assert len(f"a:sa:{admin.ref('x' * 63)}:fixed".encode()) <= 64


# ---------------------------------------------------------------------------------------------
# Re-import


@pytest.fixture
def schedules(tmp_path: Path) -> Path:
    copy = tmp_path / "schedules"
    shutil.copytree(REPO / "schedules", copy)
    return copy


def test_reimport_of_unchanged_files_is_empty(database: Database, schedules: Path) -> None:
    assert admin.reimport_diff(database, schedules).empty


def test_reimport_shows_and_applies_the_diff(database: Database, schedules: Path) -> None:
    add_runners(database, [1])
    # Edits made in Telegram: the files will win them back.
    admin.set_slot_anchor(
        database, "warm_up", Anchor(AnchorKind.RUN_TIME, -45), admin_id=ADMIN, now=NOW
    )
    added = admin.add_tip(
        database, "warm_up", "Skips", "Skip for a minute.", admin_id=ADMIN, now=NOW
    )
    plan = schedules / "plan.yaml"
    plan.write_text(plan.read_text().replace('{at: "12:30"}', '{at: "13:00"}'))
    recovery = schedules / "tips" / "recovery.yaml"
    recovery.write_text(
        recovery.read_text().replace(
            "category: recovery\ntips:\n",
            (
                'category: recovery\ntips:\n  - id: rec-new-one\n    title: "😴 A new one"\n'
                "    body: |\n      Sleep well.\n"
            ),
        )
    )
    diff = admin.reimport_diff(database, schedules)
    assert [s.id for s in diff.slots_changed] == ["warm_up", "cross_training"]
    assert [t.id for t in diff.tips_added] == ["rec-new-one"]
    assert [t.id for t in diff.tips_retired] == [added.tip.id]
    assert diff.slots_added == () and diff.slots_disabled == () and diff.tips_changed == ()
    with pytest.raises(admin.AdminError, match="changed since the preview"):
        admin.reimport_apply(database, schedules, "stale", admin_id=ADMIN, now=NOW)
    applied = admin.reimport_apply(database, schedules, diff.fingerprint, admin_id=ADMIN, now=NOW)
    assert applied == diff
    assert due_of(database, 1, "warm_up") == WARM_UP, "runners rescheduled with the files' plan"
    gone = content_db.get_tip(database, added.tip.id)
    assert gone is not None and not gone.active, "retired, not deleted"
    assert content_db.get_tip(database, "rec-new-one") is not None
    actions = [r["action"] for r in audit_rows(database)]
    assert actions[-1] == "reimport"
    assert actions.count("reimport_slot") == 2 and actions.count("reimport_tip") == 2
    assert admin.reimport_diff(database, schedules).empty


def test_reimport_brings_a_new_order_in_a_file(database: Database, schedules: Path) -> None:
    """Moving a tip in its file is a change to import: the rotation follows the files' order."""
    path = schedules / "tips" / "form.yaml"
    text = path.read_text(encoding="utf-8")
    head, *entries = text.split("\n  - id: ")
    moved = "\n  - id: ".join([head, entries[-1].rstrip("\n") + "\n", *entries[:-1]])
    path.write_text(moved.rstrip("\n") + "\n", encoding="utf-8")
    last_id = entries[-1].split("\n", 1)[0]
    diff = admin.reimport_diff(database, schedules)
    assert diff.reordered == ("form",) and not diff.tips_changed
    admin.reimport_apply(database, schedules, diff.fingerprint, admin_id=ADMIN, now=NOW)
    form = [t for t in content_db.load_tips(database) if t.category == "form"]
    assert form[0].id == last_id and [t.position for t in form] == list(range(len(form)))
    assert admin.reimport_diff(database, schedules).empty


def test_an_added_tip_goes_last_in_its_category(database: Database) -> None:
    added = admin.add_tip(database, "form", "Tall", "Run <b>tall</b>.", admin_id=ADMIN, now=NOW)
    form = [t for t in content_db.load_tips(database) if t.category == "form"]
    assert form[-1].id == added.tip.id


def test_reimport_of_a_broken_file_changes_nothing(database: Database, schedules: Path) -> None:
    add_runners(database, [1])
    form = schedules / "tips" / "form.yaml"
    form.write_text(form.read_text().replace("  - id: ", "  - idd: ", 1))
    (schedules / "plan.yaml").write_text("slots: [")
    before = snapshot(database)
    with pytest.raises(content.ContentError) as refused:
        admin.reimport_diff(database, schedules)
    assert any(line.startswith("plan.yaml: file: yaml: ") for line in refused.value.errors)
    assert any(line.startswith("tips/form.yaml: ") for line in refused.value.errors)
    with pytest.raises(content.ContentError):
        admin.reimport_apply(database, schedules, "whatever", admin_id=ADMIN, now=NOW)
    assert snapshot(database) == before


# ---------------------------------------------------------------------------------------------
# Stats, audit, announcements, drafts, export


def test_stats_count_without_identities(database: Database) -> None:
    add_runners(database, range(1, 6))
    add_runners(database, [6], status="paused")
    add_runners(database, [7], status="stopped")
    claim_due(database, WARM_UP + dt.timedelta(minutes=1), grace=GRACE)  # 5 warm-ups
    database.execute(
        "UPDATE deliveries SET status = 'sent', sent_at = ? WHERE runner_id IN (1, 2, 3)",
        [int(WARM_UP.timestamp()) + 60],
    )
    database.execute("UPDATE deliveries SET done_at = sent_at WHERE runner_id = 1")
    database.execute(
        "UPDATE deliveries SET status = 'dropped', reason = 'late' WHERE runner_id = 4"
    )
    asked = int(NOW.timestamp())
    for i, (status, level) in enumerate([("answered", 0), ("answered", 3), ("answered", 4)]):
        database.execute(
            "INSERT INTO checkins (runner_id, delivery_id, asked_at, answered_at, status, level) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [1, 1000 + i, asked, asked + 60, status, level],
        )
    found = admin.stats(database, WARM_UP + dt.timedelta(hours=1))
    assert found.runners["active"] == 5 and found.runners["paused"] == 1
    assert found.runners["stopped"] == 1 and found.runners["blocked"] == 0
    assert (found.sent_today, found.sent_week) == (3, 3)
    assert (found.dropped_today, found.dropped_week) == (1, 1)
    assert found.checkins_week == 3 and found.escalations_week == {3: 1, 4: 1}
    assert (found.tips_week, found.done_week) == (3, 1)
    next_monday = admin.stats(database, NOW + dt.timedelta(days=7))
    assert next_monday.sent_week == 0 and next_monday.checkins_week == 0


def test_first_id_since_skips_old_rows(database: Database) -> None:
    for i in range(100):
        database.execute(
            "INSERT INTO deliveries (runner_id, slot_id, due, status, created_at) "
            "VALUES (1, 's', ?, 'sent', ?)",
            [i, i * 10],
        )
    first = outbox_db.first_id_since(database, "deliveries", "created_at", 505)
    row = database.execute("SELECT MIN(id) FROM deliveries WHERE created_at >= 505").fetchone()
    assert first == row[0]
    assert outbox_db.first_id_since(database, "deliveries", "created_at", 10_000) == 101
    assert outbox_db.first_id_since(database, "checkins", "asked_at", 0) == 0  # empty table


def test_audit_list_summarises_changes(database: Database) -> None:
    admin.set_slot_anchor(
        database, "warm_up", Anchor(AnchorKind.RUN_TIME, -45), admin_id=ADMIN, now=NOW
    )
    admin.add_tip(database, "form", "Tall", "Run tall.", admin_id=ADMIN, now=NOW)
    admin.edit_tip(database, "warm-easy-start", "Easy", "Go easy.", admin_id=ADMIN, now=NOW)
    newest, added, moved = admin.audit_list(database)
    assert moved.summary == "anchor: before_run 30 → before_run 45"
    assert moved.admin_id == ADMIN and moved.target == "slot warm_up"
    assert added.summary.startswith("new: ")
    assert newest.summary == "body changed; title: 🔥 Start with 5-10 easy minutes → 🔥 Easy"
    assert len(admin.audit_list(database, 2)) == 2


def test_announcement_is_queued_in_bulk_for_active_runners(database: Database) -> None:
    add_runners(database, range(1, 301))
    add_runners(database, [400], status="stopped")
    statements: list[str] = []
    database.conn.set_trace_callback(statements.append)
    found = admin.queue_announcement(
        database, "<b>Club run</b> on Sunday!", admin_id=ADMIN, now=NOW
    )
    database.conn.set_trace_callback(None)
    assert (
        sum(s.lstrip().upper().startswith("INSERT OR IGNORE INTO DELIVERIES") for s in statements)
        == 1
    )
    assert found.number == 1 and found.queued == 300 and found.slot_id == "announce:1"
    rows = list(database.query("SELECT * FROM deliveries WHERE slot_id = 'announce:1'"))
    assert len(rows) == 300 and {r["runner_id"] for r in rows} == set(range(1, 301))
    assert {(r["kind"], r["priority"], r["status"]) for r in rows} == {
        ("announcement", ANNOUNCEMENT_PRIORITY, "pending")
    }
    assert json.loads(rows[0]["payload"]) == {"text": "<b>Club run</b> on Sunday!"}
    database.execute(
        "UPDATE deliveries SET status = 'sent' WHERE slot_id = 'announce:1' AND runner_id <= 100"
    )
    progress = admin.announcement_progress(database, 1)
    assert progress is not None and (progress.sent, progress.pending) == (100, 200)
    cancelled = admin.cancel_announcement(database, 1, admin_id=ADMIN, now=NOW)
    assert cancelled is not None and cancelled.counts["cancelled"] == 200
    assert cancelled.counts["dropped"] == 200 and cancelled.sent == 100
    assert [r["action"] for r in audit_rows(database)] == ["announce", "announce_cancel"]
    second = admin.queue_announcement(database, "Again", admin_id=ADMIN, now=NOW)
    assert second.number == 2 and [a.number for a in admin.recent_announcements(database)] == [2, 1]
    assert admin.announcement_progress(database, 9) is None


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("<b>Unclosed", "invalid HTML: unclosed <b>"),
        ("x" * 4001, "4001 characters, at most 4000"),
        ("<b></b>", "the message is empty"),
    ],
)
def test_a_bad_announcement_queues_nothing(database: Database, text: str, problem: str) -> None:
    add_runners(database, [1])
    with pytest.raises(admin.AdminError) as refused:
        admin.queue_announcement(database, text, admin_id=ADMIN, now=NOW)
    assert refused.value.problems == [problem]
    assert list(database.query("SELECT * FROM deliveries")) == []
    assert audit_rows(database) == []


def test_drafts_expire(database: Database) -> None:
    admin.save_draft(database, ADMIN, admin.Draft(awaiting="announce"), NOW)
    assert admin.load_draft(database, ADMIN, NOW + dt.timedelta(minutes=59)) == admin.Draft(
        awaiting="announce"
    )
    assert admin.load_draft(database, ADMIN, NOW + dt.timedelta(minutes=61)) is None
    admin.clear_draft(database, ADMIN)
    assert admin.load_draft(database, ADMIN, NOW) is None


def test_a_draft_keeps_its_stored_shape(database: Database) -> None:
    """Drafts saved by the release before the typed Draft read back the same, and are written
    in that shape (a draft in flight survives an upgrade either way)."""
    older = {"await": "tip_edit", "tip": "core_01", "at": int(NOW.timestamp())}
    database.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?)", [f"admin:draft:{ADMIN}", json.dumps(older)]
    )
    draft = admin.load_draft(database, ADMIN, NOW)
    assert draft == admin.Draft(awaiting="tip_edit", tip="core_01")
    admin.save_draft(database, ADMIN, draft, NOW)
    (row,) = database.query("SELECT value FROM meta WHERE key = ?", [f"admin:draft:{ADMIN}"])
    assert json.loads(row["value"]) == older


def test_export_writes_what_admins_changed(database: Database, tmp_path: Path) -> None:
    admin.set_slot_anchor(
        database, "warm_up", Anchor(AnchorKind.RUN_TIME, -45), admin_id=ADMIN, now=NOW
    )
    added = admin.add_tip(database, "form", "Tall", "Run <b>tall</b>.", admin_id=ADMIN, now=NOW)
    admin.retire_tip(database, "warm-easy-start", admin_id=ADMIN, now=NOW)
    out = tmp_path / "export"
    written = admin.export_schedules(database, out)
    assert out / "plan.yaml" in written and len(written) == 1 + len(TIP_CATEGORIES)
    library = content.load_schedules(out)
    assert list(library.slots) == content_db.load_slots(database)
    assert sorted(library.tips, key=lambda t: t.id) == sorted(
        content_db.load_tips(database), key=lambda t: t.id
    )
    assert added.tip in library.tips
    assert "before_run: 45" in (out / "plan.yaml").read_text()


def test_export_command(
    database: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "admin.db"))
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    assert main(["export-schedules", str(tmp_path / "out")]) == 0
    assert f"exported {1 + len(TIP_CATEGORIES)} file(s)" in capsys.readouterr().out
    assert main(["check-schedules", str(tmp_path / "out")]) == 0
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "missing.db"))
    assert main(["export-schedules", str(tmp_path / "out2")]) == 1
    assert "no database at" in capsys.readouterr().err
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "admin.db"))
    assert main(["export-schedules", str(blocker)]) == 1
    assert "cannot write to" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------
# The handler's words and parsing


def test_anchor_and_days_in_words() -> None:
    from bot.telegram.handlers.admin import anchor_words, days_words

    assert anchor_words(Anchor(AnchorKind.FIXED, 0, dt.time(12, 30))) == "at 12:30"
    assert anchor_words(Anchor(AnchorKind.RUN_TIME, -30)) == "30 min before the run"
    assert anchor_words(Anchor(AnchorKind.RUN_TIME, 150)) == "2 h 30 min after the run"
    assert anchor_words(Anchor(AnchorKind.RUN_TIME, 0)) == "at the run"
    assert anchor_words(Anchor(AnchorKind.TIP_TIME, 0)) == "at the tip time"
    assert (
        days_words(Days(DaysKind.REST_DAYS, weekly=True)) == "rest days, only the first each week"
    )
    assert days_words(Days(DaysKind.WEEKDAYS, frozenset({3, 0}))) == "Mon, Thu"


@pytest.mark.parametrize(
    ("kind", "text", "expected"),
    [
        ("fixed", "6:15pm", Anchor(AnchorKind.FIXED, 0, dt.time(18, 15))),
        ("run", "-45", Anchor(AnchorKind.RUN_TIME, -45)),
        ("run", "−45 min", Anchor(AnchorKind.RUN_TIME, -45)),
        ("tip", "+30", Anchor(AnchorKind.TIP_TIME, 30)),
        ("run", "721", "too far"),
        ("run", "soon", "couldn't read"),
        ("fixed", "25:00", "couldn't read"),
    ],
)
def test_typed_anchors(kind: str, text: str, expected: Anchor | str) -> None:
    from bot.telegram.handlers.admin import _parse_anchor

    parsed = _parse_anchor(kind, text)
    if isinstance(expected, str):
        assert isinstance(parsed, str) and expected in parsed
    else:
        assert parsed == expected


def test_typed_html_keeps_telegram_formatting() -> None:
    from telegram import Chat, Message, MessageEntity

    from bot.telegram.handlers.admin import _typed_html

    chat = Chat(1, "private")
    plain = Message(1, NOW, chat, text="Title\nUse <b>tags</b> & more")
    assert _typed_html(plain) == "Title\nUse <b>tags</b> &amp; more", "tags kept, '&' escaped"
    bold = MessageEntity(MessageEntity.BOLD, 10, 4)
    formatted = Message(1, NOW, chat, text="Title\nUse bold & more", entities=[bold])
    assert _typed_html(formatted) == "Title\nUse <b>bold</b> &amp; more"
