"""Paid broadcasts: a SEND_RATE above Telegram's free 30/s sends every outbox message with
``allow_paid_broadcast`` (0.1 Telegram Stars each); the local Bot API server lets such sends
through up to 1,000/s and answers 429 beyond 30/s without the flag; one message a second per
chat holds in both modes."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import json
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.storage import outbox as outbox_db
from bot.storage import schema
from bot.telegram.ratelimit import PacedRateLimiter
from bot.testing.botapi import FakeBotApi
from tests.conftest import TELEGRAM_PACING, BotFactory, FakeClock
from tests.test_delivery_e2e import WARM_UP_MONDAY, add_runners, engine

PAID = {"SEND_RATE": "200", **TELEGRAM_PACING}
MODE_LOG = "paid broadcast mode on"


def bulk_calls(api: FakeBotApi, chats: range | list[int]) -> list[dict[str, Any]]:
    wanted = set(chats)
    return [c.params for c in api.calls_to("sendMessage") if c.params.get("chat_id") in wanted]


async def test_paid_broadcast_goes_faster_than_30_per_second_with_the_flag(
    api: FakeBotApi,
    start_bot: BotFactory,
    clock: FakeClock,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    runners = range(6000, 6300)
    add_runners(api, tmp_path / "bot.db", runners, clock())
    api.flood_limits = True
    caplog.set_level(logging.INFO, logger="bot.telegram.sender")
    async with start_bot(**PAID) as app:
        assert engine(app).sender.paid_broadcast is True
        started = time.monotonic()
        clock.set(WARM_UP_MONDAY + dt.timedelta(seconds=1))
        await api.wait_for(
            lambda: all(len(api.messages_to(c)) == 1 for c in runners), timeout=60, poll=0.01
        )
        took = time.monotonic() - started
    calls = bulk_calls(api, runners)
    assert len(calls) == 300 and api.count(status=429) == 0
    assert all(c.get("allow_paid_broadcast") is True for c in calls)
    # At 30/s the 300th message cannot leave before 9 s after the first: taking less proves
    # the paid path (expected: about 2 s; the margin is the whole gap to 9 s).
    assert took < 300 / 30 - 1, took
    lines = [r.getMessage() for r in caplog.records if MODE_LOG in r.getMessage()]
    assert len(lines) == 1, lines
    assert api.token not in lines[0] and "200" in lines[0]


async def call(http: aiohttp.ClientSession, api: FakeBotApi, **params: Any) -> int:
    async with http.post(f"{api.url}/bot{api.token}/sendMessage", json=params) as response:
        return response.status


async def test_fake_server_limits_free_sends_to_30_and_paid_to_1000_per_second(
    api: FakeBotApi,
) -> None:
    now = [100.0]
    api.flood.clock = lambda: now[0]
    api.flood_limits = True
    for chat in range(1, 1102):
        api.add_chat(chat)
    async with aiohttp.ClientSession() as http:
        free = [await call(http, api, chat_id=c, text="x") for c in range(1, 32)]
        assert free == [200] * 30 + [429]
        # Paid sends ignore the free limit (already used up) up to 1,000 in the second.
        paid = [
            await call(http, api, chat_id=c, text="x", allow_paid_broadcast=True)
            for c in range(32, 1002)
        ]
        assert paid == [200] * 970, paid.count(429)
        assert await call(http, api, chat_id=1002, text="x", allow_paid_broadcast=True) == 429
        assert await call(http, api, chat_id=1003, text="x", allow_paid_broadcast=False) == 429
        # Per-chat 1/s (after a burst of 3) holds for paid sends too.
        now[0] += 1.5
        api.flood.reset()
        one = [await call(http, api, chat_id=1100, text="x", allow_paid_broadcast=True)]
        one += [await call(http, api, chat_id=1100, text="x", allow_paid_broadcast=True)]
        one += [await call(http, api, chat_id=1100, text="x", allow_paid_broadcast=True)]
        one += [await call(http, api, chat_id=1100, text="x", allow_paid_broadcast=True)]
        assert one == [200, 200, 200, 429]
        # The parameter is a Boolean: "true"/"false" as form data, nothing else.
        assert await call(http, api, chat_id=1101, text="x", allow_paid_broadcast=5) == 400
        assert await call(http, api, chat_id=1101, text="x", allow_paid_broadcast="maybe") == 400
        form = {"chat_id": "1101", "text": "x", "allow_paid_broadcast": "true"}
        async with http.post(f"{api.url}/bot{api.token}/sendMessage", data=form) as response:
            assert response.status == 200
    assert api.calls[-1].params["allow_paid_broadcast"] is True


async def test_default_rate_sends_no_paid_flag(
    api: FakeBotApi,
    start_bot: BotFactory,
    clock: FakeClock,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    runners = range(7000, 7040)
    add_runners(api, tmp_path / "bot.db", runners, clock())
    api.flood_limits = True
    caplog.set_level(logging.INFO, logger="bot.telegram.sender")
    async with start_bot(**TELEGRAM_PACING) as app:  # SEND_RATE defaults to 29
        assert engine(app).sender.paid_broadcast is False
        clock.set(WARM_UP_MONDAY + dt.timedelta(seconds=1))
        await api.wait_for(
            lambda: all(len(api.messages_to(c)) == 1 for c in runners), timeout=20, poll=0.01
        )
    calls = bulk_calls(api, runners)
    assert len(calls) == 40 and api.count(status=429) == 0
    assert all("allow_paid_broadcast" not in c for c in calls)
    assert not any(MODE_LOG in r.getMessage() for r in caplog.records)


@pytest.fixture
async def arrivals(api: FakeBotApi) -> AsyncIterator[dict[int, list[float]]]:
    """When each bot message reached each chat (polled every 2 ms)."""
    seen: dict[int, list[float]] = {}

    async def watch() -> None:
        while True:
            for chat_id in list(seen):
                stamps = seen[chat_id]
                while len(api.messages_to(chat_id)) > len(stamps):
                    stamps.append(time.monotonic())
            await asyncio.sleep(0.002)

    task = asyncio.create_task(watch())
    yield seen
    task.cancel()


async def test_one_message_a_second_per_chat_in_paid_mode(
    api: FakeBotApi,
    start_bot: BotFactory,
    clock: FakeClock,
    tmp_path: Path,
    arrivals: dict[int, list[float]],
) -> None:
    chat = 8800
    path = tmp_path / "bot.db"
    add_runners(api, path, [chat], clock())
    now = int(clock().timestamp())
    database = schema.connect(path)
    with database.conn:
        rows = [
            outbox_db.NewDelivery(
                chat,
                f"announce-{i}",
                now,
                "announcement",
                0 if i == 0 else 8,  # an escalation-priority row goes the same way
                created_at=now,
                payload=json.dumps({"text": f"news {i}"}),
            )
            for i in range(5)
        ]
        outbox_db.insert_deliveries(database, rows)
    database.conn.close()
    api.flood_limits = True
    arrivals[chat] = []
    async with start_bot(**PAID):
        await api.wait_for(lambda: len(api.messages_to(chat)) == 5, timeout=20, poll=0.01)
    stamps = arrivals[chat]
    assert len(stamps) == 5
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    assert all(gap >= 0.95 for gap in gaps), gaps
    assert api.count(status=429) == 0
    calls = bulk_calls(api, [chat])
    assert len(calls) == 5 and all(c.get("allow_paid_broadcast") is True for c in calls)


async def test_limiter_holds_a_chat_while_its_bulk_send_is_in_flight() -> None:
    """Several workers with rows for one chat: the limiter sends them a second apart, not
    all at once (checking the chat's time without holding it let them race)."""
    limiter = PacedRateLimiter(200, chat_interval=0.3)
    await limiter.initialize()
    assert limiter.paid_broadcast and not PacedRateLimiter(29).paid_broadcast
    starts: list[float] = []

    async def send() -> bool:
        starts.append(time.monotonic())
        await asyncio.sleep(0.05)
        return True

    try:
        await asyncio.gather(
            *(
                limiter.process_request(
                    send, (), {}, "sendMessage", {"chat_id": 1}, {"priority": 5, "bulk": True}
                )
                for _ in range(4)
            )
        )
    finally:
        await limiter.shutdown()
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert len(starts) == 4 and all(gap >= 0.34 for gap in gaps), gaps
