"""End to end: /metrics and /healthz of the running bot (issue 11, numbers to watch).

The real bot runs against the local Bot API server with METRICS_PORT set; the test reads the
endpoints over HTTP as Prometheus or a host's supervisor would, and breaks the things /healthz
watches one at a time: the database's write lock, the tick, a background loop.
"""

from __future__ import annotations

import socket
import sqlite3
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.telegram import sender as sender_module
from bot.telegram.app import BotApp
from bot.testing.botapi import FakeBotApi
from tests.conftest import BotFactory, FakeClock, ticks
from tests.test_checkin_e2e import answer_checkin
from tests.test_delivery_e2e import add_runners

pytestmark = pytest.mark.e2e

RUNNER = 8101


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def fetch(port: int, path: str) -> tuple[int, str]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{port}{path}") as response,
    ):
        return response.status, await response.text()


def sample(body: str, name: str) -> float | None:
    """The value of one sample line (`name{labels} value`) in Prometheus' text format."""
    for line in body.splitlines():
        head, _, value = line.rpartition(" ")
        if head == name:
            return float(value)
    return None


def engine(app: BotApp) -> Any:
    return app.bot_data["services"].extras["engine"]


async def test_metrics_count_sends_ticks_queue_and_verdicts_without_naming_anyone(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    port = free_port()
    add_runners(api, tmp_path / "bot.db", [RUNNER], clock())
    async with start_bot(METRICS_PORT=str(port)) as app:
        api.send_command(RUNNER, "/tip")
        await api.next_message(RUNNER)
        await answer_checkin(api, "3", "Back only", "None of these", chat_id=RUNNER)
        await ticks(api, app)
        await api.wait_for(
            lambda: engine(app).sender.metrics.sends.labels("sent")._value.get() >= 2
        )
        status, body = await fetch(port, "/metrics")
    assert status == 200
    assert sample(body, 'backstride_sends_total{outcome="sent"}') == 2.0  # the tip, the check-in
    assert (sample(body, "backstride_tick_duration_seconds_count") or 0) >= 3
    assert sample(body, 'backstride_checkin_verdicts{level="self_care"}') == 1.0
    assert sample(body, 'backstride_checkin_verdicts{level="emergency"}') == 0.0
    assert "backstride_queue_depth" in body and "backstride_telegram_429_total" in body
    assert "backstride_claim_size_bucket" in body and "backstride_tick_age_seconds" in body
    assert str(RUNNER) not in body  # counts only: no chat id, no text


async def test_healthz_is_ok_then_says_what_is_wrong(
    api: FakeBotApi,
    start_bot: BotFactory,
    clock: FakeClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    port = free_port()
    path = tmp_path / "bot.db"
    add_runners(api, path, [RUNNER], clock())
    async with start_bot(METRICS_PORT=str(port)) as app:
        await ticks(api, app)
        assert await fetch(port, "/healthz") == (200, '{"ok": true, "problems": []}')

        # Another process holds the write lock: the database is not writable.
        blocker = sqlite3.connect(path, isolation_level=None)
        blocker.execute("BEGIN EXCLUSIVE")
        status, body = await fetch(port, "/healthz")
        blocker.execute("ROLLBACK")
        blocker.close()
        assert (status, body) == (503, '{"ok": false, "problems": ["database is not writable"]}')
        assert (await fetch(port, "/healthz"))[0] == 200

        # Every tick fails (the claim's database work): after three intervals, and at least a
        # minute, of no successful tick, the tick is stale; the failures are counted.
        def failing_claim(*args: Any, **kwargs: Any) -> Any:
            raise sqlite3.OperationalError("disk I/O error")

        monkeypatch.setattr(sender_module, "claim_plan", failing_claim)
        await api.wait_for(lambda: engine(app).tick_backoff.failures >= 2)
        clock.advance(minutes=2)
        status, body = await fetch(port, "/healthz")
        assert (status, body) == (503, '{"ok": false, "problems": ["tick is stale"]}')
        _, metrics = await fetch(port, "/metrics")
        assert (sample(metrics, 'backstride_loop_failures_total{loop="delivery tick"}') or 0) >= 2
        assert (sample(metrics, "backstride_tick_age_seconds") or 0) >= 120
        monkeypatch.undo()
        await api.wait_for(lambda: engine(app).tick_backoff.failures == 0)
        assert (await fetch(port, "/healthz"))[0] == 200

        # A background loop dies: /healthz names it.
        flush = next(t for t in engine(app).sender._tasks if t.get_name() == "sender-flush")
        flush.cancel()
        await api.wait_for(flush.done)
        status, body = await fetch(port, "/healthz")
        assert status == 503 and "loop sender-flush has stopped" in body


async def test_no_metrics_server_unless_asked(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    add_runners(api, tmp_path / "bot.db", [RUNNER], clock())
    async with start_bot() as app:
        assert "monitoring" not in app.bot_data["services"].extras
        api.send_command(RUNNER, "/help")
        assert "/tip" in (await api.next_message(RUNNER)).text
