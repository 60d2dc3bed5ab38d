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
    limiter: PacedRateLimiter,
    n: int,
    *,
    bulk: bool,
    fail_first: RetryAfter | None = None,
    priorities: list[int] | None = None,
) -> list[float]:
    """Send `n` messages to one chat through `limiter` (with `priorities`, one each, in
    order); when each reached the callback."""
    arrived: list[float] = []
    failures = [fail_first] if fail_first is not None else []

    async def callback() -> dict[str, Any]:
        arrived.append(time.monotonic())
        if failures:
            raise failures.pop()
        return {"message_id": len(arrived)}

    await limiter.initialize()
    try:
        for i in range(n):
            options: dict[str, Any] = {"bulk": bulk}
            if priorities is not None:
                options["priority"] = priorities[i]
            try:
                await limiter.process_request(
                    callback, (), {}, "sendMessage", {"chat_id": CHAT}, options
                )
            except RetryAfter:
                assert bulk, "a reply is retried, not handed back"
    finally:
        await limiter.shutdown()
    return arrived


def gaps(times: list[float]) -> list[float]:
    return [later - earlier for earlier, later in itertools.pairwise(times)]


async def test_replies_burst_two_then_keep_the_interval() -> None:
    """The bucket holds three; ordinary replies leave the last token to an urgent one."""
    times = await send_times(PacedRateLimiter(1000, chat_interval=0.1), 5, bulk=False)
    assert gaps(times)[0] < 0.05, gaps(times)
    assert all(gap >= 0.09 for gap in gaps(times)[1:]), gaps(times)


@pytest.mark.parametrize("bulk", [False, True])
async def test_an_urgent_message_never_waits_for_the_chat(bulk: bool) -> None:
    """Fast taps used the chat's burst: the emergency line still goes at once, and bulk
    spacing does not hold it either."""
    limiter = PacedRateLimiter(1000, chat_interval=0.2)
    times = await send_times(limiter, 4, bulk=bulk, priorities=[0, 0, -1, -1])
    assert gaps(times)[1] < 0.05 and gaps(times)[2] < 0.05, gaps(times)


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
