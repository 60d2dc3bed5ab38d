"""End to end: a failing database (locked by another process, a full disk) stops no loop.

The sender's flush, lease and worker loops and the delivery tick each log one warning when the
database starts failing, back off, retry, and never lose an outcome they already hold: every
message goes out once, every row ends ``sent``, and a restart sends nothing again.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import sqlite3
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from bot.core.models import Outcome
from bot.services import delivery, outbox
from bot.storage import outbox as outbox_db
from bot.storage import schema
from bot.storage import store as store_module
from bot.telegram import sender as sender_module
from bot.telegram.app import BotApp
from bot.telegram.sender import Backoff, Sender
from bot.testing.botapi import FakeBotApi
from tests.conftest import BotFactory, FakeClock, ticks
from tests.test_delivery_e2e import WARM_UP_MONDAY, add_runners, deliveries, engine

LOCKED = "database is locked"


@pytest.fixture(autouse=True)
def short_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real loops, short delays: the schedule itself is checked with a fake sleep below."""
    monkeypatch.setattr(Backoff, "FIRST", 0.01)
    monkeypatch.setattr(Backoff, "CAP", 0.05)


def warnings_from(caplog: pytest.LogCaptureFixture, loop: str) -> list[logging.LogRecord]:
    return [
        r
        for r in caplog.records
        if r.levelno == logging.WARNING and r.getMessage().startswith(f"{loop}: database error")
    ]


def recoveries_from(caplog: pytest.LogCaptureFixture, loop: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.getMessage().startswith(f"{loop}: database works")]


def flush_task(app: BotApp) -> asyncio.Task[None]:
    (task,) = [t for t in engine(app).sender._tasks if t.get_name() == "sender-flush"]
    return task


def assert_no_message_text_logged(
    api: FakeBotApi, chats: Sequence[int], caplog: pytest.LogCaptureFixture
) -> None:
    logged = caplog.text
    for chat_id in chats:
        for message in api.messages_to(chat_id):
            for line in message.text.splitlines():
                if len(line.strip()) > 12:
                    assert line.strip() not in logged, "a message's text reached the log"


async def test_failing_flush_loses_no_outcome_and_a_restart_sends_nothing_again(
    api: FakeBotApi,
    start_bot: BotFactory,
    clock: FakeClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    path = tmp_path / "bot.db"
    chats = range(5000, 5040)
    add_runners(api, path, chats, clock())
    real_record = outbox_db.record_outcomes
    failing = True
    failures = 0

    def record_outcomes(db: Any, outcomes: Sequence[Outcome]) -> None:
        nonlocal failures
        if failing:
            failures += 1
            raise sqlite3.OperationalError(LOCKED)
        real_record(db, outcomes)

    monkeypatch.setattr(outbox_db, "record_outcomes", record_outcomes)
    async with start_bot() as app:
        clock.set(WARM_UP_MONDAY + dt.timedelta(seconds=1))
        await api.wait_for(lambda: api.count("sendMessage", 200) >= 40, timeout=10)
        await api.wait_for(lambda: failures >= 5, timeout=5)
        assert {r["status"] for r in deliveries(path)} == {"sending"}  # nothing written yet
        failing = False
        await api.wait_for(
            lambda: {r["status"] for r in deliveries(path)} == {"sent"},
            timeout=10,
            poll=0.02,
            message="outcomes held in memory were never written",
        )
        assert not flush_task(app).done(), "the flush loop ended"
        await ticks(api, app)  # the bot goes on working
    for chat_id in chats:
        assert len(api.messages_to(chat_id)) == 1, chat_id
    assert len(warnings_from(caplog, "sender flush")) == 1
    assert len(recoveries_from(caplog, "sender flush")) == 1
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert_no_message_text_logged(api, chats, caplog)

    async with start_bot() as app:  # a restart on the same database
        await ticks(api, app)  # three ticks, and whatever they made due sent
    for chat_id in chats:
        assert len(api.messages_to(chat_id)) == 1, f"{chat_id} was sent a message again"
    assert {r["status"] for r in deliveries(path)} == {"sent"}


async def test_a_lock_held_by_another_process_delays_but_loses_nothing(
    api: FakeBotApi,
    start_bot: BotFactory,
    clock: FakeClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Another connection holds BEGIN EXCLUSIVE while messages are in flight: the flush, the
    lease and the tick all hit "database is locked" (busy timeout cut to 50 ms), then recover."""
    caplog.set_level(logging.INFO)
    path = tmp_path / "bot.db"
    chats = range(5100, 5110)
    add_runners(api, path, chats, clock())
    real_connect = schema.connect

    def connect(target: Path | str, *args: Any, **kwargs: Any) -> Any:
        database = real_connect(target, *args, **kwargs)
        database.execute("PRAGMA busy_timeout=50")
        return database

    monkeypatch.setattr(store_module, "connect", connect)
    api.fail_next(10, "slow", method="sendMessage", delay=1.0)
    other = sqlite3.connect(str(path), timeout=10, isolation_level=None)
    try:
        async with start_bot() as app:
            sender = engine(app).sender
            clock.set(WARM_UP_MONDAY + dt.timedelta(seconds=1))
            await api.wait_for(
                lambda: len(deliveries(path, status="sending")) == 10, timeout=10, poll=0.01
            )
            other.execute("BEGIN EXCLUSIVE")
            try:
                await api.wait_for(lambda: api.count("sendMessage", 200) >= 10, timeout=10)
                await api.wait_for(
                    lambda: (
                        sender.flush_backoff.failures >= 2
                        and sender.lease_backoff.failures >= 1
                        and engine(app).tick_backoff.failures >= 1
                    ),
                    timeout=10,
                    poll=0.02,
                )
            finally:
                other.execute("COMMIT")
            await api.wait_for(
                lambda: {r["status"] for r in deliveries(path)} == {"sent"}, timeout=10, poll=0.02
            )
            await ticks(api, app)
            assert not flush_task(app).done()
            assert sender.flush_backoff.failures == 0 and sender.lease_backoff.failures == 0
    finally:
        other.close()
    for chat_id in chats:
        assert len(api.messages_to(chat_id)) == 1, chat_id
    for loop in ("sender flush", "sender lease", "delivery tick"):
        assert len(warnings_from(caplog, loop)) == 1, loop
        assert len(recoveries_from(caplog, loop)) == 1, loop
    assert_no_message_text_logged(api, chats, caplog)


async def test_the_tick_survives_a_failing_claim(
    api: FakeBotApi,
    start_bot: BotFactory,
    clock: FakeClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    path = tmp_path / "bot.db"
    chats = range(5200, 5205)
    add_runners(api, path, chats, clock())
    real_claim = delivery.claim_batch
    failing = True

    def claim_batch(database: Any, now: dt.datetime, *args: Any, **kwargs: Any) -> Any:
        if failing:
            raise sqlite3.OperationalError("disk I/O error")
        return real_claim(database, now, *args, **kwargs)

    monkeypatch.setattr(sender_module, "claim_batch", claim_batch)
    async with start_bot(TICK_SECONDS="600") as app:  # ticks only when the test says so
        clock.set(WARM_UP_MONDAY + dt.timedelta(seconds=1))
        for _ in range(3):
            failed = await engine(app).tick()  # must not raise
            assert failed.queued == 0
        assert len(warnings_from(caplog, "delivery tick")) == 1
        failing = False
        result = await engine(app).tick()
        assert result.queued == 5
        await api.wait_for(lambda: all(len(api.messages_to(c)) == 1 for c in chats), timeout=10)
    assert len(recoveries_from(caplog, "delivery tick")) == 1
    assert {r["status"] for r in deliveries(path)} == {"sent"}


async def test_stop_with_the_database_still_failing_is_bounded_and_counts_what_it_lost(
    api: FakeBotApi,
    start_bot: BotFactory,
    clock: FakeClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    path = tmp_path / "bot.db"
    add_runners(api, path, range(5300, 5303), clock())

    def record_outcomes(db: Any, outcomes: Sequence[Outcome]) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(outbox_db, "record_outcomes", record_outcomes)
    async with start_bot() as app:
        sender = engine(app).sender
        sender.final_flush_seconds = 0.3
        clock.set(WARM_UP_MONDAY + dt.timedelta(seconds=1))
        await api.wait_for(lambda: api.count("sendMessage", 200) >= 3, timeout=10)
        await api.wait_for(lambda: sender.flush_backoff.failures >= 1, timeout=5)
        started = time.monotonic()
    # Bounded: the in-flight drain (5 s at most) and the final flush (0.3 s here), not forever.
    assert time.monotonic() - started < 15, "stop hung on a failing database"
    lost = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(lost) == 1 and lost[0].startswith("stopping with 3 outcome(s) not written"), lost


# ---------------------------------------------------------------------------------------------
# The back-off itself, with a fake sleep


def fake_sleep(delays: list[float]) -> Callable[[float], Any]:
    async def sleep(seconds: float) -> None:
        delays.append(seconds)
        await asyncio.sleep(0)

    return sleep


async def test_backoff_doubles_to_a_cap_logs_once_and_resets(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(Backoff, "FIRST", 0.5)
    monkeypatch.setattr(Backoff, "CAP", 30.0)
    caplog.set_level(logging.INFO)
    delays: list[float] = []
    backoff = Backoff("a loop", sleep=fake_sleep(delays))
    for _ in range(9):
        await backoff.wait(sqlite3.OperationalError(LOCKED))
    assert delays == [0.5, 1, 2, 4, 8, 16, 30, 30, 30]
    assert len(warnings_from(caplog, "a loop")) == 1
    assert "OperationalError" in caplog.text and LOCKED not in caplog.text
    backoff.recovered()
    backoff.recovered()
    assert len(recoveries_from(caplog, "a loop")) == 1
    await backoff.wait(sqlite3.OperationalError(LOCKED))
    assert delays[-1] == 0.5, "a new failure starts the schedule again"
    assert len(warnings_from(caplog, "a loop")) == 2


class FlakyStore:
    """Fails the first `failures` outcome writes; records what it wrote."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.written: list[Outcome] = []

    async def run(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        assert fn is outbox.record
        if self.failures:
            self.failures -= 1
            raise sqlite3.OperationalError(LOCKED)
        self.written.extend(args[0])
        return None


async def test_flush_loop_backs_off_and_keeps_its_outcomes_in_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(Backoff, "FIRST", 0.5)
    monkeypatch.setattr(Backoff, "CAP", 30.0)
    store = FlakyStore(failures=4)
    delays: list[float] = []
    sender = Sender(
        None,  # type: ignore[arg-type]  # the flush loop never touches the bot
        store,  # type: ignore[arg-type]
        lambda: WARM_UP_MONDAY,
        grace=dt.timedelta(hours=2),
        flush_every=0,
        sleep=fake_sleep(delays),
    )
    first = [Outcome(i, "sent", message_id=i, sent_at=1) for i in range(3)]
    sender._outcomes.extend(first)
    loop = asyncio.create_task(sender._flush_loop())
    try:
        for _ in range(100):
            await asyncio.sleep(0)
            if len(delays) == 2 and len(sender._outcomes) == 3:
                sender._outcomes.append(Outcome(3, "sent", message_id=3, sent_at=2))
            if store.written:
                break
        assert store.written == [*first, Outcome(3, "sent", message_id=3, sent_at=2)]
        assert delays == [0.5, 1, 2, 4]
        assert not loop.done()
    finally:
        loop.cancel()
