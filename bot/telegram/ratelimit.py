"""One rate-limited path for every message the bot sends.

PTB's ``AIORateLimiter`` has no per-chat pacing for private chats and pauses *every* request
on a single ``RetryAfter`` (PTB #3765). This limiter, plugged in through ``BaseRateLimiter``:

* paces message-sending calls overall (``rate`` per second, no bursts above Telegram's ~30/s);
* hands out sending slots by priority through one gate (pace and the one-second window
  checked together): urgent verdicts and the emergency line (-1), then replies to a person
  (0), then queued reminders (5) and announcements (8); a granted request goes straight to
  the wire, so nothing queued behind an urgent one overtakes it;
* keeps bulk sends to one chat at least a second apart (in paid broadcast mode too: a pace
  above 30/s, see ``paid_broadcast``, lifts only the overall limit);
* on ``RetryAfter`` waits and retries only the affected request (replies), or hands the error
  back to the delivery engine (bulk sends), which re-queues that one outbox row.

Callers mark bulk sends (every outbox row) with ``rate_limit_args={"priority": 5, "bulk": True}``.
Urgent ones (priority below 0) skip the per-chat wait altogether.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import math
import time
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import BaseRateLimiter

from bot.core.models import REPLY_PRIORITY

log = logging.getLogger(__name__)


# Only calls that put a new message into a chat count against Telegram's message limits.
PACED_ENDPOINTS = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendMediaGroup",
        "sendAnimation",
        "sendVideo",
        "sendAudio",
        "sendVoice",
        "sendSticker",
        "sendLocation",
        "copyMessage",
        "forwardMessage",
    }
)
# Replies hit by a 5xx or a network error are tried again after these pauses.
REPLY_RETRY_DELAYS = (0.5, 1.5)
# getUpdates has the updater's own back-off; retrying it here would only delay that.
UNRETRIED_ENDPOINTS = frozenset({"getUpdates", "setWebhook", "deleteWebhook", "close", "logOut"})
PER_CHAT_INTERVAL = 1.0
PER_CHAT_BURST = 3.0
# Telegram's free overall limit; a pace above it needs paid broadcasts (allow_paid_broadcast,
# up to 1,000 messages/s for 0.1 Telegram Stars per message from the bot's balance).
FREE_BROADCAST_RATE = 30.0


def _nothing() -> None:
    """``_finished`` for a request that took no place in the window (no pacing)."""


class PacedRateLimiter(BaseRateLimiter[dict[str, Any]]):
    def __init__(
        self,
        rate: float = 29.0,
        *,
        chat_interval: float = PER_CHAT_INTERVAL,
        chat_burst: float = PER_CHAT_BURST,
        max_reply_retries: int = 3,
    ) -> None:
        self.rate = rate
        # Seconds between sends to one chat; 0 lifts per-chat pacing (tests on a local server).
        # A flood wait Telegram asks of one chat is honoured either way.
        self.chat_interval = chat_interval
        self.chat_burst = chat_burst
        self._interval = 1.0 / rate
        self._max_reply_retries = max_reply_retries
        self._waiters: list[tuple[int, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()
        self._next_slot = 0.0
        # Belt and braces against timer jitter: never more than `rate` slots in any second.
        self._recent: deque[float] = deque(maxlen=max(1, int(rate)))
        self._done: deque[float] = deque(maxlen=max(1, int(rate)))
        self._in_flight = 0
        self._wake: asyncio.Event | None = None
        self._pump: asyncio.Task[None] | None = None
        self._chat_ready: dict[int, float] = {}
        self._chat_tokens: dict[int, tuple[float, float]] = {}

    async def initialize(self) -> None:
        # PTB initialises the bot more than once (application and updater): start one pump.
        if self._pump is not None and not self._pump.done():
            return
        self._wake = asyncio.Event()
        self._pump = asyncio.create_task(self._grant_slots(), name="rate-limiter")

    async def shutdown(self) -> None:
        if self._pump is not None:
            self._pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pump
            self._pump = None
        for _, _, waiter in self._waiters:
            if not waiter.done():
                waiter.cancel()
        self._waiters.clear()

    @property
    def paid_broadcast(self) -> bool:
        """The pace is above Telegram's free ~30/s: bulk sends must carry
        ``allow_paid_broadcast``. Per-chat pacing holds either way."""
        return self.rate > FREE_BROADCAST_RATE

    @property
    def queued(self) -> int:
        return len(self._waiters)

    def waiting(self, max_priority: int) -> int:
        """Requests waiting at the gate at `max_priority` or more urgent."""
        return sum(1 for p, _, w in self._waiters if p <= max_priority and not w.done())

    async def _grant_slots(self) -> None:
        """The one gate: grant the most urgent waiter (lowest priority number) a send when
        the pace allows it and fewer than `rate` messages can have reached Telegram in the
        last second.

        Telegram counts a message when it arrives, somewhere between our start and the answer;
        a slot granted on time can start late (a busy loop) and a new connection can make one
        message slow, so start times alone can let 31 land within one second. Counting a
        finished message at its answer time and an unfinished one as arriving now is the safe
        bound. Both checks sit here, before the grant, so nothing that waited behind an urgent
        request can overtake it afterwards: a granted request goes straight to the wire."""
        assert self._wake is not None
        while True:
            # Cleared before looking, so a wake that comes while we decide is not lost.
            self._wake.clear()
            if not self._waiters:
                await self._wake.wait()
                continue
            now = time.monotonic()
            wait = self._wait_before_grant(now)
            if wait > 0:
                with contextlib.suppress(TimeoutError):
                    timeout = None if wait == math.inf else wait
                    await asyncio.wait_for(self._wake.wait(), timeout)
                continue
            _, _, waiter = heapq.heappop(self._waiters)
            if waiter.done():  # cancelled while waiting
                continue
            waiter.set_result(None)
            self._granted(now)

    def _wait_before_grant(self, now: float) -> float:
        """Seconds until the pace and the one-second window allow the next send (<= 0: now;
        inf: after the next answer)."""
        wait = self._next_slot - now
        if len(self._recent) == self._recent.maxlen:
            wait = max(wait, self._recent[0] + 1.0 - now)
        while self._done and self._done[0] <= now - 1.0:
            self._done.popleft()
        if len(self._done) + self._in_flight >= (self._done.maxlen or 1):
            # Room comes back when the oldest answer is a second old; with no answer yet,
            # after the next one (which wakes us).
            wait = max(wait, self._done[0] + 1.0 - now if self._done else math.inf)
        return wait

    def _granted(self, now: float) -> None:
        self._in_flight += 1
        self._recent.append(now)
        # Catch up on timer overshoot (up to one interval) so the pace holds at `rate`;
        # after idling, start afresh rather than bursting.
        self._next_slot = max(self._next_slot, now - self._interval) + self._interval

    async def _slot(self, priority: int) -> bool:
        """Wait for the gate. True: a place in the window is now ours, and ``_finished`` must
        give it back; False: no pacing (the limiter is not running)."""
        if self._wake is None:  # not initialized (e.g. a bare Bot in a script): no pacing
            return False
        if not self._waiters:
            now = time.monotonic()
            if self._wait_before_grant(now) <= 0:
                # Nobody waits and the gate is open: through at once, without a round trip
                # through the pump (most sends of a fast fan-out, every idle reply).
                self._granted(now)
                return True
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiters, (priority, next(self._seq), waiter))
        self._wake.set()
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._finished(sent=False)  # granted just as we were cancelled
            raise
        return True

    def _finished(self, *, sent: bool = True) -> None:
        self._in_flight -= 1
        if sent:
            self._done.append(time.monotonic())
        if self._wake is not None and self._waiters:
            self._wake.set()  # a waiter may fit in the window now

    async def _chat_turn(self, chat_id: int | None, bulk: bool, urgent: bool) -> bool:
        """Per-chat pacing: bulk sends at least a second apart; replies may burst a little
        (a question and its answer), then one a second, as Telegram asks of private chats.
        Ordinary replies leave the bucket's last token to urgent ones (a verdict, the
        emergency line), which never wait here: fast taps must not delay them.

        A bulk send holds the chat until it is answered (returns True): several workers may
        hold rows for one chat (an announcement, a reminder, a follow-up), and checking the
        chat's time without holding it would let them all go at once."""
        if chat_id is None or urgent:
            return False
        if bulk or self.chat_interval <= 0:
            while (delay := self._chat_ready.get(chat_id, 0.0) - time.monotonic()) > 0:
                # A held chat has no time yet: look again soon after its send is answered.
                await asyncio.sleep(min(delay, 0.02) if delay == math.inf else delay)
            if bulk and self.chat_interval > 0:
                self._chat_ready[chat_id] = math.inf
                return True
            return False
        needed = 2.0 if self.chat_burst >= 2.0 else 1.0  # one token kept for an urgent reply
        tokens = self._tokens(chat_id, time.monotonic())
        if tokens < needed:
            await asyncio.sleep((needed - tokens) * self.chat_interval)
        return False

    def _tokens(self, chat_id: int, now: float) -> float:
        """The chat's reply bucket, refilled one token per interval up to the burst."""
        tokens, stamp = self._chat_tokens.get(chat_id, (self.chat_burst, now))
        return min(self.chat_burst, tokens + (now - stamp) / self.chat_interval)

    def _mark_chat(self, chat_id: int | None, until: float) -> None:
        """Record a send (or a flood wait) to `chat_id`: bulk waits until `until`, and the
        reply bucket loses a token."""
        if chat_id is None:
            return
        now = time.monotonic()
        ready = self._chat_ready.get(chat_id, 0.0)
        if ready == math.inf:  # held by the send now being recorded
            ready = 0.0
        self._chat_ready[chat_id] = max(ready, until)
        if self.chat_interval > 0:
            self._chat_tokens[chat_id] = (max(0.0, self._tokens(chat_id, now) - 1.0), now)
        if len(self._chat_ready) > 50_000:  # forget chats that are long ready again
            self._chat_ready = {c: t for c, t in self._chat_ready.items() if t > now}
            self._chat_tokens = {
                c: v for c, v in self._chat_tokens.items() if c in self._chat_ready
            }

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: dict[str, Any] | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        if endpoint not in PACED_ENDPOINTS:
            if endpoint in UNRETRIED_ENDPOINTS:
                return await callback(*args, **kwargs)
            for delay in REPLY_RETRY_DELAYS:
                try:
                    return await callback(*args, **kwargs)
                except BadRequest:  # PTB's BadRequest is a NetworkError: never retry it
                    raise
                except NetworkError:  # 5xx, a dropped connection or a time-out
                    await asyncio.sleep(delay)
            return await callback(*args, **kwargs)
        options = rate_limit_args or {}
        priority = int(options.get("priority", REPLY_PRIORITY))
        bulk = bool(options.get("bulk", False))
        urgent = priority < REPLY_PRIORITY
        raw_chat = data.get("chat_id")
        chat_id = raw_chat if isinstance(raw_chat, int) else None
        attempt = 0
        network_errors = 0
        held = False
        try:
            while True:
                held = await self._chat_turn(chat_id, bulk, urgent) or held
                paced = await self._slot(priority)
                finished = self._finished if paced else _nothing
                try:
                    result = await callback(*args, **kwargs)
                except BadRequest:
                    finished()
                    raise
                except NetworkError:
                    finished()
                    # A person is waiting for this reply: try again shortly (twice). Bulk sends
                    # go back to the outbox instead, with its own back-off.
                    network_errors += 1
                    if bulk or network_errors > len(REPLY_RETRY_DELAYS):
                        raise
                    await asyncio.sleep(REPLY_RETRY_DELAYS[network_errors - 1])
                    continue
                except RetryAfter as exc:
                    finished()
                    retry_after = exc.retry_after
                    seconds = (
                        retry_after.total_seconds()
                        if hasattr(retry_after, "total_seconds")
                        else float(retry_after)
                    )
                    self._mark_chat(chat_id, time.monotonic() + seconds)
                    attempt += 1
                    if bulk or attempt > self._max_reply_retries:
                        raise
                    log.info("flood limit on a reply: retrying in %.0f s", seconds)
                    await asyncio.sleep(seconds)
                    continue
                except BaseException:
                    finished()
                    raise
                finished()
                self._mark_chat(chat_id, time.monotonic() + self.chat_interval)
                return result
        finally:
            if held and chat_id is not None and self._chat_ready.get(chat_id) == math.inf:
                # Refused, cancelled or lost on the way (it may have arrived): free the chat
                # a pace from now.
                self._chat_ready[chat_id] = time.monotonic() + self.chat_interval
