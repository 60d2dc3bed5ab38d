"""Priority end to end: an urgent message is handed to the wire before every bulk message that
was waiting with it, through the sender's lease and queue and the rate limiter's one gate.

No timing is measured: the local Bot API server holds every send unanswered (a full wire),
the urgent requests are queued while the bulk ones wait, and the order in which requests
reach the server after the release is the proof."""

from __future__ import annotations

import json
from pathlib import Path

from bot.core.models import ANNOUNCEMENT_PRIORITY, REMINDER_PRIORITY, REPLY_PRIORITY
from bot.storage import outbox as outbox_db
from bot.storage import schema
from bot.telegram.ratelimit import PacedRateLimiter
from bot.testing.botapi import FakeBotApi
from tests.conftest import TELEGRAM_PACING, BotFactory, FakeClock
from tests.test_delivery_e2e import add_runners

BULK_CHATS = range(9100, 9140)
TYPED = 9001  # types a symptom: the emergency line, a direct urgent reply
CHECKIN = 9002  # sends /checkin: its first question is an outbox row at reply priority
RATE = 10  # the window: at most 10 sends can be at Telegram at once


def queue_bulk(path: Path, now: int) -> None:
    """One bulk row per chat (no per-chat wait), reminders and announcements mixed."""
    database = schema.connect(path)
    rows = [
        outbox_db.NewDelivery(
            chat,
            f"news-{chat}",
            now,
            "announcement",
            REMINDER_PRIORITY if chat % 2 else ANNOUNCEMENT_PRIORITY,
            created_at=now,
            payload=json.dumps({"text": f"news for {chat}"}),
        )
        for chat in BULK_CHATS
    ]
    with database.conn:
        outbox_db.insert_deliveries(database, rows)
    database.conn.close()


def sends(api: FakeBotApi) -> list[int]:
    """Chat ids of sendMessage requests in the order they reached the server."""
    return [int(params["chat_id"]) for name, params in api.arrivals if name == "sendMessage"]


async def test_urgent_messages_reach_the_wire_before_every_waiting_bulk_message(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "bot.db"
    add_runners(api, path, [TYPED, CHECKIN, *BULK_CHATS], clock())
    queue_bulk(path, int(clock().timestamp()))
    api.hold_sends()
    async with start_bot(SEND_RATE=str(RATE), **TELEGRAM_PACING) as app:
        try:
            limiter = app.bot.rate_limiter
            assert isinstance(limiter, PacedRateLimiter)
            # The wire is full: RATE sends are at the server unanswered; the other workers' bulk
            # rows wait at the limiter's gate and more are leased behind them.
            await api.wait_for(lambda: api.held == RATE, timeout=10, poll=0.01)
            await api.wait_for(lambda: limiter.waiting(ANNOUNCEMENT_PRIORITY) > 10, timeout=10)
            assert len(sends(api)) == RATE
            api.send_text(TYPED, "my leg is numb")
            api.send_command(CHECKIN, "/checkin")
            # Both urgent requests are at the gate (the /checkin row leased past a full queue).
            await api.wait_for(lambda: limiter.waiting(REPLY_PRIORITY) == 2, timeout=10, poll=0.01)
        finally:
            api.release_sends()  # a failed wait must not leave the bot's sends hanging
        await api.wait_for(
            lambda: all(api.messages_to(chat) for chat in [TYPED, CHECKIN, *BULK_CHATS]),
            timeout=30,
            poll=0.01,
        )
    order = sends(api)
    after_release = order[RATE:]
    # The emergency line (more urgent) first, then the check-in question, then bulk.
    assert after_release[:2] == [TYPED, CHECKIN], after_release[:12]
    assert sorted(order) == sorted([TYPED, CHECKIN, *BULK_CHATS])  # each exactly once
    emergency = api.messages_to(TYPED)[0].text
    assert "112" in emergency or "999" in emergency or "911" in emergency
