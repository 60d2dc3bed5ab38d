"""End to end: reminders reach runners at their local time, once, through Telegram's failures."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.services.delivery import schedule_runner
from bot.storage import runners as runners_db
from bot.storage import schedule as schedule_db
from bot.storage import schema
from bot.telegram.app import BotApp, seed_if_needed
from bot.telegram.sender import Engine
from bot.testing.botapi import FakeBotApi
from tests.conftest import (
    TELEGRAM_PACING,
    BotFactory,
    FakeClock,
    make_settings,
    onboard,
    outbox_idle,
    ticks,
)
from tests.helpers import command, tip_text

UTC = dt.UTC
RUNNER = 2001
WARM_UP_MONDAY = dt.datetime(2026, 6, 1, 4, 30, tzinfo=UTC)  # 06:30 Berlin, 30 min before 07:00
DAILY_TIP_MONDAY = dt.datetime(2026, 6, 1, 6, 0, tzinfo=UTC)  # 08:00 Berlin


# A runner who finished onboarding: Berlin, runs Mon/Wed/Fri at 07:00, tips at 08:00.
SUBSCRIBED: dict[str, Any] = {
    "timezone": "Europe/Berlin",
    "country": "DE",
    "risk_factors": "[]",
    "run_days": frozenset({0, 2, 4}),
    "run_time": dt.time(7, 0),
    "tip_time": dt.time(8, 0),
    "status": "active",
}


def add_runners(api: FakeBotApi, path: Path, chat_ids: range | list[int], now: dt.datetime) -> None:
    """Subscribed runners straight into the database (onboarding is tested elsewhere)."""
    settings = make_settings(api.url, path)
    database = schema.connect(path)
    seed_if_needed(database, settings, 0)
    for chat_id in chat_ids:
        api.add_chat(chat_id)
        runners_db.create_runner(database, chat_id, now=0)
        runners_db.update_runner(database, chat_id, now=0, **SUBSCRIBED)
        schedule_runner(database, chat_id, now)
    database.conn.close()


def deliveries(path: Path, **where: Any) -> list[dict[str, Any]]:
    database = schema.connect(path)
    try:
        clause = " AND ".join(f"{k} = :{k}" for k in where) or "1"
        return list(database.query(f"SELECT * FROM deliveries WHERE {clause} ORDER BY id", where))
    finally:
        database.conn.close()


def engine(app: BotApp) -> Engine:
    found = app.bot_data["services"].extras["engine"]
    assert isinstance(found, Engine)
    return found


async def test_reminder_arrives_at_local_time_once(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    async with start_bot() as app:
        await onboard(api, RUNNER)  # Berlin, Mon/Wed/Fri, run 07:00, tip 08:00
        clock.set(WARM_UP_MONDAY - dt.timedelta(seconds=30))
        claims = await ticks(api, app)
        assert api.unread(RUNNER) == [], "nothing before 06:30 local"
        assert not any(claim.queued for claim in claims), claims
        clock.set(WARM_UP_MONDAY + dt.timedelta(seconds=1))
        warm_up = await api.next_message(RUNNER, timeout=5)
        assert tip_text(warm_up).startswith("🔥"), warm_up.text  # the warm-up category's emoji
        assert warm_up.button_texts() == ["✅ Done", "⏰ Snooze 1 h", "🔄 Another tip"]
        claims = await ticks(api, app, 5)  # more ticks queue nothing again
        assert api.unread(RUNNER) == []
        assert not any(claim.queued for claim in claims), claims
        rows = deliveries(tmp_path / "bot.db", slot_id="warm_up")
        assert len(rows) == 1
        assert rows[0]["due"] == int(WARM_UP_MONDAY.timestamp())
        assert rows[0]["status"] == "sent" and rows[0]["message_id"] == warm_up.message_id
        clock.set(DAILY_TIP_MONDAY + dt.timedelta(seconds=1))
        tip = await api.next_message(RUNNER, timeout=5)
        assert tip.text.split()[0] in {"🧘", "🏃", "👟", "😴", "🪑"}, tip.text


async def test_two_ticks_racing_send_once(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    add_runners(api, tmp_path / "bot.db", range(3000, 3020), clock())
    async with start_bot(TICK_SECONDS="600") as app:  # ticks only when the test says so
        clock.set(WARM_UP_MONDAY + dt.timedelta(seconds=1))
        results = await asyncio.gather(*(engine(app).tick() for _ in range(4)))
        assert sum(r.queued for r in results) == 20
        await api.wait_for(lambda: api.count("sendMessage", 200) >= 20, timeout=10)
        await api.wait_for(lambda: outbox_idle(app))  # a second copy would be queued or sent
    for chat_id in range(3000, 3020):
        assert len(api.messages_to(chat_id)) == 1, chat_id


async def test_failures_are_retried_until_delivered(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    add_runners(api, tmp_path / "bot.db", [RUNNER], clock())
    api.hang_seconds = 1.0
    api.fail_next(2, "429", method="sendMessage", retry_after=1)
    api.fail_next(1, "500", method="sendMessage")
    api.fail_next(1, "502", method="sendMessage")
    api.fail_next(1, "timeout", method="sendMessage")
    api.fail_next(1, "drop", method="sendMessage")
    async with start_bot():
        clock.set(WARM_UP_MONDAY + dt.timedelta(seconds=1))
        back_offs = await skip_back_offs(
            api, clock, tmp_path / "bot.db", lambda: api.messages_to(RUNNER), timeout=20
        )
        message = await api.next_message(RUNNER, timeout=1)
        assert tip_text(message).startswith("🔥")
        await api.expect_silence(RUNNER, 0.5)
    assert len(api.messages_to(RUNNER)) == 1
    (row,) = deliveries(tmp_path / "bot.db", slot_id="warm_up")
    assert row["status"] == "sent" and row["attempts"] == 7
    # Each failure put the row back with its own wait: retry_after for a 429, then a back-off
    # that doubles (2, 4, 8, 16 s) for the 500, the 502, the time-out and the dropped connection.
    assert [reason for reason, _ in back_offs] == ["flood"] * 2 + ["network"] * 4, back_offs
    waits = [seconds for _, seconds in back_offs]
    assert all(0 < w <= 2 for w in waits[:2]), back_offs
    for got, expected in zip(waits[2:], (2, 4, 8, 16), strict=True):
        assert expected - 1 <= got <= expected + 1, back_offs


async def skip_back_offs(
    api: FakeBotApi,
    clock: FakeClock,
    path: Path,
    done: Callable[[], object],
    *,
    timeout: float,
    message: str | None = None,
) -> list[tuple[str, float]]:
    """Wait until `done()`, moving the bot's clock on to each re-queued row's `not_before` as
    soon as the row is back in the outbox: the back-off is checked, not waited out. Returns
    (reason, seconds still to wait when seen) per failed attempt, in order."""
    seen: dict[tuple[int, int], tuple[str, float]] = {}

    def retried_or_done() -> object:
        for row in deliveries(path, status="pending"):
            wait = row["not_before"] - clock().timestamp()
            if row["attempts"] and wait > 0:
                seen.setdefault((row["id"], row["attempts"]), (row["reason"], wait))
                clock.set(dt.datetime.fromtimestamp(row["not_before"], UTC))
        return done()

    await api.wait_for(retried_or_done, timeout=timeout, poll=0.02, message=message)
    return [seen[key] for key in sorted(seen)]


async def test_lost_response_gives_at_most_one_duplicate(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    """Telegram delivered but the answer was lost (the crash-between-send-and-record case)."""
    add_runners(api, tmp_path / "bot.db", [RUNNER], clock())
    api.fail_next(1, "drop_after_send", method="sendMessage")
    async with start_bot():
        clock.set(WARM_UP_MONDAY + dt.timedelta(seconds=1))
        await api.wait_for(lambda: deliveries(tmp_path / "bot.db", status="sent") != [], timeout=15)
    assert 1 <= len(api.messages_to(RUNNER)) <= 2


async def test_rows_left_sending_by_a_crash_are_sent_after_restart(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "bot.db"
    add_runners(api, path, range(4000, 4010), clock())
    async with start_bot(TICK_SECONDS="600") as app:
        clock.set(WARM_UP_MONDAY + dt.timedelta(seconds=1))
        # Simulate a process that leased the rows and died before sending or recording.
        engine(app).sender._stopping = True
        await engine(app).store.run(
            lambda d: d.execute(
                "UPDATE deliveries SET status = 'sending', lease_owner = 'dead' WHERE 0"
            )
        )
        result = await engine(app).tick()
        assert result.queued == 10
        await engine(app).store.run(
            lambda d: d.execute(
                "UPDATE deliveries SET status = 'sending', lease_owner = 'dead' "
                "WHERE status IN ('pending', 'sending')"
            )
        )
    assert sum(len(api.messages_to(c)) for c in range(4000, 4010)) == 0
    async with start_bot():
        await api.wait_for(
            lambda: all(len(api.messages_to(c)) == 1 for c in range(4000, 4010)), timeout=10
        )
    assert {r["status"] for r in deliveries(path)} == {"sent"}, [
        (r["id"], r["status"], r["lease_owner"], r["attempts"], r["message_id"])
        for r in deliveries(path)
    ]


async def test_restart_after_downtime_catches_up_within_grace_only(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "bot.db"
    add_runners(api, path, [RUNNER], clock())
    # The bot is down from before the 06:30 warm-up until 09:30 Berlin time.
    clock.set(dt.datetime(2026, 6, 1, 7, 30, tzinfo=UTC))
    async with start_bot() as app:
        first = await api.next_message(RUNNER, timeout=5)
        second = await api.next_message(RUNNER, timeout=5)
        await ticks(api, app)
        assert api.unread(RUNNER) == [], "only the tip and the check-in"
    kinds = sorted([first.text.split()[0], second.text.split()[0]])
    assert "🔥" not in kinds, "the 3 h late warm-up is dropped"
    late_check_in = any("How's your back" in m.text for m in (first, second))
    assert late_check_in, "the 30 min late check-in goes out"
    statuses = {r["slot_id"]: (r["status"], r["reason"]) for r in deliveries(path)}
    assert statuses["warm_up"] == ("dropped", "late")
    assert statuses["daily_tip"][0] == "sent" and statuses["check_in"][0] == "sent"


async def test_forbidden_marks_the_runner_blocked(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "bot.db"
    add_runners(api, path, [RUNNER, RUNNER + 1], clock())
    api.block(RUNNER)
    async with start_bot():
        clock.set(WARM_UP_MONDAY + dt.timedelta(seconds=1))
        await api.next_message(RUNNER + 1, timeout=5)
        await api.wait_for(lambda: deliveries(path, runner_id=RUNNER, status="failed") != [])
    database = schema.connect(path)
    runner = runners_db.get_runner(database, RUNNER)
    assert runner is not None and runner.status.value == "blocked"
    assert schedule_db.schedule_of(database, RUNNER) == {}
    assert schedule_db.schedule_of(database, RUNNER + 1) != {}


async def test_stopped_runner_gets_nothing(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock
) -> None:
    async with start_bot() as app:
        await onboard(api, RUNNER)
        await command(api, RUNNER, "/stop")
        for hours in (0.6, 2, 4, 30, 50):
            clock.set(dt.datetime(2026, 6, 1, 4, 0, tzinfo=UTC) + dt.timedelta(hours=hours))
            claims = await ticks(api, app, 2)
            assert not any(claim.queued for claim in claims), (hours, claims)
        assert api.unread(RUNNER) == []


async def test_paced_under_telegram_limits_with_replies_first(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "bot.db"
    runners = range(5000, 5090)
    add_runners(api, path, runners, clock())
    async with start_bot():  # the person signs up first; onboarding's pace is tested elsewhere
        await onboard(api, RUNNER)
    api.flood_limits = True
    async with start_bot(**TELEGRAM_PACING) as app:
        clock.set(WARM_UP_MONDAY + dt.timedelta(seconds=1))
        await api.wait_for(lambda: api.count("sendMessage", 200) >= 30, timeout=10)
        api.send_command(RUNNER, "/help")  # a person talking to the bot while 90 are queued
        reply = await api.next_message(RUNNER, timeout=3)
        assert "commands" in reply.text
        sent_before_reply = sum(len(api.messages_to(c)) for c in runners)
        assert sent_before_reply < 80, "the reply did not wait for the queue"
        await api.wait_for(lambda: all(len(api.messages_to(c)) == 1 for c in runners), timeout=15)
        assert engine(app).sender.sent >= 90
    assert api.count(status=429) == 0


async def test_tip_buttons_and_tip_command(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "bot.db"
    clock.set(dt.datetime(2026, 6, 1, 12, 0, tzinfo=UTC))  # 14:00 Berlin: nothing else is due
    async with start_bot():
        await onboard(api, RUNNER)
        api.send_command(RUNNER, "/tip")
        first = await api.next_message(RUNNER, timeout=5)
        assert first.buttons
        done = api.press(RUNNER, "✅ Done", message_id=first.message_id)
        await api.wait_for(lambda: api.callback_answer(done) is not None)
        assert "Nice work" in api.callback_answer(done)["text"]  # type: ignore[index]
        api.send_command(RUNNER, "/tip")
        second = await api.next_message(RUNNER, timeout=5)
        assert second.text != first.text, "no repeat before the library is exhausted"
        api.press(RUNNER, "🔄 Another tip", message_id=second.message_id)
        third = await api.next_message(RUNNER, timeout=5)
        assert third.text.split()[0] == second.text.split()[0], "same category"
        assert third.text != second.text
        snooze = api.press(RUNNER, "⏰ Snooze 1 h", message_id=third.message_id)
        await api.wait_for(lambda: api.callback_answer(snooze) is not None)
        assert "again at" in api.callback_answer(snooze)["text"]  # type: ignore[index]
        clock.advance(hours=1, seconds=1)
        again = await api.next_message(RUNNER, timeout=5)
        assert again.text == third.text
        forged = api.press_data(RUNNER, again.message_id, "r:done:999999")
        await api.wait_for(lambda: api.callback_answer(forged) is not None)
        assert "earlier conversation" in api.callback_answer(forged)["text"]  # type: ignore[index]
    done_rows = [r for r in deliveries(path) if r["done_at"]]
    assert len(done_rows) == 1 and done_rows[0]["message_id"] == first.message_id
