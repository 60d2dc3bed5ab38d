"""End to end: an admin changes the plan, the tips and sends announcements from the chat."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import ConversationHandler

from bot.services import admin
from bot.services.delivery import queue_now
from bot.services.runtime import Services
from bot.storage import content as content_db
from bot.storage import schema
from bot.telegram.app import BotApp, build_application, running
from bot.telegram.handlers import admin as admin_handlers
from bot.testing.botapi import BotMessage, FakeBotApi
from tests.conftest import REPO, TELEGRAM_PACING, BotFactory, FakeClock, make_settings, ticks
from tests.helpers import tip_text
from tests.test_delivery_e2e import WARM_UP_MONDAY, add_runners, deliveries

UTC = dt.UTC
ADMIN = 42
RUNNER = 2001
DAILY_TIP_MONDAY = dt.datetime(2026, 6, 1, 6, 0, tzinfo=UTC)  # 08:00 Berlin
WARM_UP_WEDNESDAY = dt.datetime(2026, 6, 3, 4, 30, tzinfo=UTC)
NOT_ALLOWED = "only for BackStride admins"


def _with_admin(application: BotApp) -> BotApp:
    """The admin conversation, where bot/app.py registers it (before onboarding, see
    ``admin_handlers.register``), unless the application has it already."""
    for group in application.handlers.values():
        if any(isinstance(h, ConversationHandler) and h.name == "admin" for h in group):
            return application
    admin_handlers.register(application)
    return application


@pytest.fixture
def start_bot(api: FakeBotApi, tmp_path: Path, clock: FakeClock) -> BotFactory:
    """conftest's start_bot, with the admin conversation in place; ADMIN_IDS=42 by default."""

    @contextlib.asynccontextmanager
    async def start(**env: str) -> AsyncIterator[BotApp]:
        settings = make_settings(api.url, tmp_path / "bot.db", **{"ADMIN_IDS": "42", **env})
        application = _with_admin(build_application(settings, clock=clock))
        async with running(application, poll_timeout=1) as app:
            yield app

    return start


# ---------------------------------------------------------------------------------------------
# Helpers: the admin taps buttons (menus are edited in place) and types answers


def _menu(api: FakeBotApi, chat_id: int = ADMIN) -> BotMessage:
    for message in reversed(api.messages_to(chat_id)):
        if message.buttons:
            return message
    raise AssertionError(api.format_history(chat_id))


async def tap(api: FakeBotApi, label: str, chat_id: int = ADMIN) -> BotMessage:
    """Press a button on the newest menu and wait for the menu to change."""
    menu = _menu(api, chat_id)
    before = menu.edit_count
    api.press(chat_id, label, message_id=menu.message_id)
    await api.wait_for(
        lambda: api.message(chat_id, menu.message_id).edit_count > before,
        message=f"pressing {label!r} did not change the menu\n{api.format_history(chat_id)}",
    )
    return api.message(chat_id, menu.message_id)


async def answer_of(api: FakeBotApi, query_id: str) -> str:
    await api.wait_for(lambda: api.callback_answer(query_id) is not None)
    answer = api.callback_answer(query_id)
    assert answer is not None
    return str(answer.get("text") or "")


async def type_answer(api: FakeBotApi, text: str, chat_id: int = ADMIN) -> BotMessage:
    api.send_text(chat_id, text)
    return await api.next_message(chat_id)


async def open_admin(api: FakeBotApi) -> BotMessage:
    api.send_command(ADMIN, "/admin")
    menu = await api.next_message(ADMIN)
    assert "BackStride admin" in menu.text, menu.text
    return menu


def query(path: Path, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    database = schema.connect(path)
    try:
        return list(database.query(sql, params or []))
    finally:
        database.conn.close()


def snapshot(path: Path) -> tuple[list[dict[str, Any]], ...]:
    return tuple(
        query(path, f"SELECT * FROM {table} ORDER BY rowid")
        for table in ("slots", "tips", "schedule", "audit", "deliveries")
    )


def services_of(app: BotApp) -> Services:
    svc = app.bot_data["services"]
    assert isinstance(svc, Services)
    return svc


# ---------------------------------------------------------------------------------------------
# Slots


async def test_moving_the_warm_up_reaches_the_runner_at_the_new_time(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "bot.db"
    add_runners(api, path, [RUNNER], clock())  # Berlin, runs Mon/Wed/Fri 07:00
    async with start_bot() as app:
        await open_admin(api)
        slots = await tap(api, "🗓 Slots")
        assert "Warm-up before your run" in slots.text and "30 min before the run" in slots.text
        assert "reaches 1" in slots.text
        await tap(api, "Warm-up before your run")
        prompt = await tap(api, "🏃 From the run")
        assert "negative is before" in prompt.text
        wrong = await type_answer(api, "soon")
        assert "couldn't read" in wrong.text
        saved = await type_answer(api, "-45")
        assert "✅ Saved" in saved.text and "45 min before the run" in saved.text
        (row,) = query(path, "SELECT next_due FROM schedule WHERE slot_id = 'warm_up'")
        new_time = WARM_UP_MONDAY - dt.timedelta(minutes=15)
        assert row["next_due"] == int(new_time.timestamp())

        clock.set(new_time - dt.timedelta(seconds=20))
        await ticks(api, app)
        await api.expect_silence(RUNNER, 0)
        clock.set(new_time + dt.timedelta(seconds=1))
        warm_up = await api.next_message(RUNNER, timeout=5)
        assert tip_text(warm_up).startswith("🔥")
        clock.set(WARM_UP_MONDAY + dt.timedelta(seconds=1))  # the old time
        await ticks(api, app)
        await api.expect_silence(RUNNER, 0)
    (sent,) = deliveries(path, slot_id="warm_up")
    assert sent["due"] == int(new_time.timestamp()) and sent["status"] == "sent"
    (audit,) = query(path, "SELECT * FROM audit")
    assert (audit["admin_id"], audit["action"], audit["target"]) == (
        ADMIN,
        "slot_anchor",
        "slot warm_up",
    )
    # The edit lives in the database: a restart keeps it, the files do not overwrite it.
    async with start_bot() as app:
        await ticks(api, app, 2)
    slot = query(path, "SELECT anchor_offset FROM slots WHERE id = 'warm_up'")
    assert slot == [{"anchor_offset": -45}]


async def test_disabling_a_slot_stops_it(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "bot.db"
    add_runners(api, path, [RUNNER], clock())
    async with start_bot() as app:
        await open_admin(api)
        await tap(api, "🗓 Slots")
        await tap(api, "Warm-up before your run")
        off = await tap(api, "⏸ Switch off")
        assert "⏸ off" in off.text and "reaches 0" in off.text
        assert "▶️ Switch on" in off.button_texts()
        clock.set(WARM_UP_MONDAY + dt.timedelta(seconds=1))
        await ticks(api, app)
        await api.expect_silence(RUNNER, 0)
        clock.set(DAILY_TIP_MONDAY + dt.timedelta(seconds=1))
        tip = await api.next_message(RUNNER, timeout=5)
        assert not tip_text(tip).startswith("🔥"), "the day's other reminders still come"
    assert deliveries(path, slot_id="warm_up") == []
    assert [r["action"] for r in query(path, "SELECT action FROM audit")] == ["slot_disable"]


async def test_an_admin_tours_the_menu_from_the_chat(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    """Days, once a week, a new slot, a runner's day, stats and the audit trail."""
    path = tmp_path / "bot.db"
    add_runners(api, path, range(3000, 3005), clock())
    async with start_bot():
        await open_admin(api)
        await tap(api, "🗓 Slots")
        await tap(api, "Cross-training idea")
        days = await tap(api, "📅 Days")
        assert "rest days" in days.text
        days = await tap(api, "Sat")
        assert "Now: Sat, only the first each week" in days.text
        await tap(api, "⬅️ Back")
        slot = await tap(api, "🔁 Once a week: on")
        assert "Days: Sat\n" in slot.text
        await tap(api, "⬅️ Slots")
        await tap(api, "➕ Add a slot")
        added = await tap(api, "Hips and glutes")
        assert "Hips and glutes tips" in added.text and "switched off" in added.text
        await tap(api, "⬅️ Slots")
        prompt = await tap(api, "👁 Preview a runner's day")
        assert "city or time zone" in prompt.text
        preview = await type_answer(api, "Berlin")
        assert "Europe/Berlin" in preview.text
        assert "06:30  Warm-up before your run" in preview.text
        assert "Today, Mon 01 Jun" in preview.text and "Tomorrow, Tue 02 Jun" in preview.text
        await tap(api, "🏠 Menu")
        stats = await tap(api, "📊 Stats")
        assert "Runners: 5 active" in stats.text
        assert "Languages (subscribed): en 5 · es 0 · ru 0" in stats.text
        await tap(api, "⬅️ Back")
        prompt = await tap(api, "📣 Announcement")
        assert "for 5 active runners." in prompt.text
        refused = await type_answer(api, "Club run at <b>9")
        assert "Not sent" in refused.text and "invalid HTML: unclosed <b>" in refused.text
        await tap(api, "⬅️ Back")
        audit = await tap(api, "📜 Audit")
        for action in ("slot added", "once a week changed", "days changed"):
            assert action in audit.text, audit.text
        assert "admin 42" in audit.text
        await tap(api, "⬅️ Back")
        closed = await tap(api, "✖️ Close")
        assert "closed" in closed.text and not closed.buttons
    assert deliveries(path) == [], "nothing was queued"
    slots = {s.id: s for s in content_db.load_slots(schema.connect(path))}
    assert slots["cross_training"].days.weekdays == frozenset({5})
    assert not slots["cross_training"].days.weekly
    assert not slots["hips_glutes"].enabled


async def test_a_half_typed_answer_survives_a_restart(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    add_runners(api, tmp_path / "bot.db", [RUNNER], clock())
    async with start_bot() as app:
        await open_admin(api)
        await tap(api, "🗓 Slots")
        await tap(api, "Cross-training idea")
        await tap(api, "⏰ Fixed time")
        await app.update_persistence()  # what the persistence interval does each second
    async with start_bot():
        saved = await type_answer(api, "13:15")
        assert "at 13:15" in saved.text
    slot = query(tmp_path / "bot.db", "SELECT anchor_time FROM slots WHERE id = 'cross_training'")
    assert slot == [{"anchor_time": "13:15"}]


# ---------------------------------------------------------------------------------------------
# Tips


def _only_active(path: Path, category: str, keep: list[str]) -> None:
    database = schema.connect(path)
    try:
        marks = ",".join("?" * len(keep)) or "''"
        database.execute(
            f"UPDATE tips SET active = (id IN ({marks})) WHERE category = ?", [*keep, category]
        )
    finally:
        database.conn.close()


async def test_an_added_tip_goes_into_rotation(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "bot.db"
    add_runners(api, path, [RUNNER], clock())
    _only_active(path, "warm_up", [])  # the new tip will be the only warm-up
    async with start_bot():
        await open_admin(api)
        await tap(api, "💡 Tips")
        page = await tap(api, "Warm-up (0/14)")
        assert "🚫 " in page.button_texts()[0]
        prompt = await tap(api, "➕ Add a tip here")
        assert "first line is the title" in prompt.text
        added = await type_answer(
            api, "Hip openers\nOpen each hip with <b>10 slow circles</b>, then jog away."
        )
        assert "Added to Warm-up" in added.text and "As runners see it" in added.text
        clock.set(WARM_UP_MONDAY + dt.timedelta(seconds=1))
        warm_up = await api.next_message(RUNNER, timeout=5)
    assert tip_text(warm_up).startswith("🔥 Hip openers")
    assert "<b>10 slow circles</b>" in warm_up.html
    (row,) = deliveries(path, slot_id="warm_up")
    assert row["tip_id"] == "warm-up-hip-openers" and row["status"] == "sent"


async def test_a_retired_tip_leaves_the_rotation(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "bot.db"
    add_runners(api, path, [RUNNER], clock())
    _only_active(path, "warm_up", ["warm-easy-start", "warm-hip-circles"])
    async with start_bot():
        await open_admin(api)
        await tap(api, "💡 Tips")
        await tap(api, "Warm-up (2/14)")
        detail = await tap(api, "Start with 5-10 easy minutes")
        assert "in rotation" in detail.text
        retired = await tap(api, "🚫 Retire")
        assert "Retired" in retired.text and "♻️ Put back in rotation" in retired.button_texts()
        for when in (WARM_UP_MONDAY, WARM_UP_WEDNESDAY):
            clock.set(when + dt.timedelta(seconds=1))
            warm_up = await api.next_message(RUNNER, timeout=5)
            assert tip_text(warm_up).startswith("🔥 Hip circles"), warm_up.text
    assert {r["tip_id"] for r in deliveries(path, slot_id="warm_up")} == {"warm-hip-circles"}
    tip = query(path, "SELECT active, version FROM tips WHERE id = 'warm-easy-start'")
    assert tip == [{"active": 0, "version": 2}], "kept for history"


async def test_an_edited_tip_reaches_runners_in_its_new_words(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "bot.db"
    add_runners(api, path, [RUNNER], clock())
    _only_active(path, "warm_up", ["warm-easy-start"])
    async with start_bot():
        clock.set(WARM_UP_MONDAY + dt.timedelta(seconds=1))
        monday = await api.next_message(RUNNER, timeout=5)  # the sender caches the tip
        assert tip_text(monday).startswith("🔥 Start with 5-10 easy minutes")
        await open_admin(api)
        await tap(api, "💡 Tips")
        page = await tap(api, "Warm-up (1/14)")
        assert "page 1 of 2" in page.text
        page = await tap(api, "Next ▶️")
        assert "page 2 of 2" in page.text
        await tap(api, "◀️ Previous")
        await tap(api, "Start with 5-10 easy minutes")
        api.press(ADMIN, "👁 Preview")
        preview = await api.next_message(ADMIN)
        assert preview.html.startswith("<b>🔥 Start with 5-10 easy minutes</b>")
        prompt = await tap(api, "✏️ Edit")
        assert "<code>Before any drills" in prompt.html
        saved = await type_answer(api, "Walk first\nWalk briskly for <b>five minutes</b>.")
        assert "✅ Saved" in saved.text and "version 2" in saved.text
        clock.set(WARM_UP_WEDNESDAY + dt.timedelta(seconds=1))
        wednesday = await api.next_message(RUNNER, timeout=5)
    assert tip_text(wednesday).startswith("🔥 Walk first")
    assert "<b>five minutes</b>" in wednesday.html


async def test_a_bad_tip_is_refused_with_the_reason(
    api: FakeBotApi, start_bot: BotFactory, tmp_path: Path, clock: FakeClock
) -> None:
    path = tmp_path / "bot.db"
    add_runners(api, path, [RUNNER], clock())
    before = snapshot(path)
    async with start_bot():
        await open_admin(api)
        await tap(api, "💡 Tips")
        await tap(api, "➕ Add a tip")
        await tap(api, "Running form")
        too_long = await type_answer(api, "Relax your shoulders\n" + "Drop them. " * 60)
        assert "Not saved" in too_long.text
        assert "body: 659 characters, at most 600" in too_long.text
        broken = await type_answer(api, "Relax your shoulders\nLet them <b>drop</i>.")
        assert "form-relax-your-shoulders: body: invalid HTML: </i> without an opening <i>" in (
            broken.text
        )
        assert "Send it again" in broken.text
    assert snapshot(path) == before


# ---------------------------------------------------------------------------------------------
# Re-import


async def test_reimport_with_a_broken_file_changes_nothing(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "bot.db"
    add_runners(api, path, [RUNNER], clock())  # seeded from the repository's schedules/
    files = tmp_path / "schedules"
    shutil.copytree(REPO / "schedules", files)
    plan = files / "plan.yaml"
    good = plan.read_text()
    plan.write_text(good.replace("anchor: {before_run: 30}", "anchor: {before_run: 30, at: 1}"))
    before = snapshot(path)
    async with start_bot(SCHEDULES_DIR=str(files)):
        await open_admin(api)
        refused = await tap(api, "📥 Re-import")
        assert "nothing was changed" in refused.text
        assert "plan.yaml: slot warm_up: anchor: " in refused.text
        assert snapshot(path) == before
        plan.write_text(good.replace('{at: "12:30"}', '{at: "13:00"}'))
        await tap(api, "⬅️ Back")
        diff = await tap(api, "📥 Re-import")
        assert "Slots changed (1)" in diff.text and "cross_training" in diff.text
        done = await tap(api, "✅ Apply")
        assert "Imported" in done.text
    slot = query(path, "SELECT anchor_time FROM slots WHERE id = 'cross_training'")
    assert slot == [{"anchor_time": "13:00"}]
    actions = [r["action"] for r in query(path, "SELECT action FROM audit ORDER BY id")]
    assert actions == ["reimport_slot", "reimport"]


# ---------------------------------------------------------------------------------------------
# Who may do this


async def test_non_admins_are_refused_and_nothing_changes(
    api: FakeBotApi,
    start_bot: BotFactory,
    clock: FakeClock,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    path = tmp_path / "bot.db"
    add_runners(api, path, [RUNNER], clock())
    before = snapshot(path)
    warm_up = admin.ref("warm_up")
    tip = admin.ref("warm-easy-start")
    forged = [
        f"a:se:{warm_up}:0",
        f"a:sy:{warm_up}:1",
        f"a:sk:{warm_up}:every_day",
        f"a:tr:{tip}",
        "a:iy:000000000000",
        "a:ay:000000000000",
        "a:ac:1",
        "a:m",
        "a:whatever",
    ]
    caplog.set_level(logging.DEBUG, logger="bot.telegram.handlers.admin")
    async with start_bot() as app:
        api.send_command(RUNNER, "/admin")
        refusal = await api.next_message(RUNNER)
        assert NOT_ALLOWED in refusal.text
        for data in forged:
            query_id = api.press_data(RUNNER, refusal.message_id, data)
            assert NOT_ALLOWED in await answer_of(api, query_id)
        # A press on the admin's own menu, by someone else.
        menu = await open_admin(api)
        query_id = api.press_data(ADMIN, menu.message_id, f"a:se:{warm_up}:0", user_id=RUNNER)
        assert NOT_ALLOWED in await answer_of(api, query_id)
        api.send_text(RUNNER, "-45")  # typed text from a non-admin is not an admin answer
        assert "reminder bot" in (await api.next_message(RUNNER)).text
        await ticks(api, app, 2)
    assert snapshot(path) == before
    assert query(path, "SELECT * FROM audit") == []
    warnings = [
        r
        for r in caplog.records
        if r.name == "bot.telegram.handlers.admin" and r.levelno == logging.WARNING
    ]
    assert len(warnings) == len(forged) + 2
    assert {r.getMessage() for r in warnings} >= {"refused admin action se"}
    assert "refused admin action unknown" in {r.getMessage() for r in warnings}
    assert not any(str(RUNNER) in r.getMessage() for r in warnings), "no identities at WARNING"


# ---------------------------------------------------------------------------------------------
# Announcements


async def _announce(api: FakeBotApi, text: str, reach: int) -> BotMessage:
    await open_admin(api)
    prompt = await tap(api, "📣 Announcement")
    assert f"for {reach} active runners." in prompt.text
    preview = await type_answer(api, text)
    assert preview.html == text, "the preview is the message as runners see it"
    confirm = await api.next_message(ADMIN)
    assert f"{reach} active runners," in confirm.text
    queued = await tap(api, f"📣 Send to {reach} runners")
    assert f"going out to {reach} runners." in queued.text
    return queued


async def test_an_announcement_reaches_300_runners_once_within_limits_after_urgent_ones(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "bot.db"
    runners = range(10_000, 10_300)
    add_runners(api, path, runners, clock())
    api.flood_limits = True
    text = "<b>Club news</b>: track session on Saturday at 9!"
    async with start_bot(**TELEGRAM_PACING) as app:
        svc = services_of(app)
        await _announce(api, text, 300)
        await api.wait_for(lambda: api.count("sendMessage", 200) >= 60, timeout=10)
        last = runners[-1]  # ids go out in order: the last runner is reached last
        urgent_id = await svc.store.run(
            queue_now,
            last,
            kind="announcement",
            now=svc.now(),
            priority=0,
            payload={"text": "URGENT"},
        )
        assert urgent_id is not None
        svc.wake_sender()
        await api.wait_for(
            lambda: all(
                len(api.messages_to(c)) == 2 if c == last else len(api.messages_to(c)) == 1
                for c in runners
            ),
            timeout=25,
        )
        await api.wait_for(
            lambda: {r["status"] for r in deliveries(path, slot_id="announce:1")} == {"sent"}
        )
        progress = await tap(api, "🔄 Progress")
        assert "300 of 300 sent · 0 still to go" in progress.text
    announcements = [m for c in runners for m in api.messages_to(c) if "Club news" in m.text]
    assert len(announcements) == 300
    assert {m.chat_id for m in announcements} == set(runners)
    urgent = next(m for m in api.messages_to(last) if m.text == "URGENT")
    assert urgent.sent_at < max(m.sent_at for m in announcements), "the urgent one went first"
    assert sum(m.sent_at < urgent.sent_at for m in announcements) < 240, "not after the queue"
    assert api.messages_to(last)[0].text == "URGENT"
    assert api.count(status=429) == 0
    rows = deliveries(path, slot_id="announce:1")
    assert len(rows) == 300 and {r["status"] for r in rows} == {"sent"}


async def test_an_announcement_can_be_stopped_while_it_goes_out(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "bot.db"
    runners = range(20_000, 20_300)
    add_runners(api, path, runners, clock())
    async with start_bot(SEND_RATE="60") as app:
        await _announce(api, "Tonight's talk is <i>cancelled</i>.", 300)
        await api.wait_for(lambda: api.count("sendMessage", 200) >= 20, timeout=10)
        stopped = await tap(api, "⛔ Stop sending")
        assert "stopped" in stopped.text
        # Every row is now sent, being sent, or cancelled: none is left waiting.
        await api.wait_for(lambda: not deliveries(path, slot_id="announce:1", status="pending"))
        rows = deliveries(path, slot_id="announce:1")
        sent_or_going = sum(r["status"] in ("sent", "sending") for r in rows)
        cancelled = [r for r in rows if r["status"] == "dropped"]
        assert cancelled and {r["reason"] for r in cancelled} == {"cancelled"}
        assert sent_or_going + len(cancelled) == 300
        # Whatever was already leased finishes; nothing else goes.
        await api.wait_for(
            lambda: not deliveries(path, slot_id="announce:1", status="sending"), timeout=10
        )
        await ticks(api, app, 2)
        reached = sum("Tonight's talk" in m.text for c in runners for m in api.messages_to(c))
    assert reached == sent_or_going < 300
    final = deliveries(path, slot_id="announce:1")
    assert sum(r["status"] == "sent" for r in final) == reached
    actions = [r["action"] for r in query(path, "SELECT action FROM audit ORDER BY id")]
    assert actions == ["announce", "announce_cancel"]
