"""The per-chat pace of the one sending path (bot/telegram/ratelimit.py), on a scaled-down
interval so that it is measured in tenths of a second, and lifted (PER_CHAT_INTERVAL=0)."""

from __future__ import annotations

import datetime as dt
import itertools
import time
from typing import Any

import pytest
from telegram.error import RetryAfter

from bot.telegram.ratelimit import PacedRateLimiter

CHAT = 1001


async def send_times(
    limiter: PacedRateLimiter, n: int, *, bulk: bool, fail_first: RetryAfter | None = None
) -> list[float]:
    """Send `n` messages to one chat through `limiter`; when each reached the callback."""
    arrived: list[float] = []
    failures = [fail_first] if fail_first is not None else []

    async def callback() -> dict[str, Any]:
        arrived.append(time.monotonic())
        if failures:
            raise failures.pop()
        return {"message_id": len(arrived)}

    await limiter.initialize()
    try:
        for _ in range(n):
            try:
                await limiter.process_request(
                    callback, (), {}, "sendMessage", {"chat_id": CHAT}, {"bulk": bulk}
                )
            except RetryAfter:
                assert bulk, "a reply is retried, not handed back"
    finally:
        await limiter.shutdown()
    return arrived


def gaps(times: list[float]) -> list[float]:
    return [later - earlier for earlier, later in itertools.pairwise(times)]


async def test_replies_burst_three_then_keep_the_interval() -> None:
    times = await send_times(PacedRateLimiter(1000, chat_interval=0.1), 5, bulk=False)
    assert all(gap < 0.05 for gap in gaps(times)[:2]), gaps(times)
    assert all(gap >= 0.09 for gap in gaps(times)[2:]), gaps(times)


async def test_bulk_sends_to_one_chat_keep_the_interval() -> None:
    times = await send_times(PacedRateLimiter(1000, chat_interval=0.1), 4, bulk=True)
    assert all(gap >= 0.09 for gap in gaps(times)), gaps(times)


@pytest.mark.parametrize("bulk", [False, True])
async def test_interval_zero_lifts_per_chat_pacing(bulk: bool) -> None:
    times = await send_times(PacedRateLimiter(1000, chat_interval=0), 20, bulk=bulk)
    assert times[-1] - times[0] < 0.5, gaps(times)  # 20 at 1,000/s: no 1-a-second wait


async def test_a_flood_wait_still_holds_with_pacing_lifted() -> None:
    """Telegram's retry_after for a chat is honoured whatever PER_CHAT_INTERVAL says."""
    wait = RetryAfter(dt.timedelta(seconds=0.3))
    times = await send_times(PacedRateLimiter(1000, chat_interval=0), 3, bulk=True, fail_first=wait)
    assert gaps(times)[0] >= 0.25, gaps(times)
    assert gaps(times)[1] < 0.1, gaps(times)
