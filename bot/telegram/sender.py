"""The sender that empties the outbox, and the engine that owns the delivery tick.

``Sender`` (a task on the event loop) leases pending rows most-urgent-first, sends them through
the one rate-limited path with a bounded number of workers (never a gather over thousands), and
records each outcome. A crash between a send and its record leaves the row ``sending``; the next
start puts it back, so such a message is sent at most once more. ``Engine`` runs the tick: the
claim (``bot.services.delivery.claim_due``), the check-in sweeps and the expiry.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
import uuid
import warnings
from collections.abc import Callable, Sequence
from typing import Any

from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import ExtBot
from telegram.warnings import PTBUserWarning

from bot.core.models import Delivery, Outcome, SlotKind, Tip
from bot.services import outbox
from bot.services.delivery import (
    MAX_ATTEMPTS,
    NEVER_LATE_KINDS,
    ClaimResult,
    claim_due,
    render,
    schedule_runner,
    weekly_summary,
)
from bot.services.runtime import Store

log = logging.getLogger(__name__)
# PTB suggests send_message over do_api_request("sendMessage"); we use the raw call on purpose.
warnings.filterwarnings("ignore", message="Please use 'Bot.sendMessage'", category=PTBUserWarning)

# Extra work each tick does on the db thread; returns (runner id, exercise hold) for each
# runner whose exercise hold it changed.
Sweep = Callable[[Any, dt.datetime], Sequence[tuple[int, bool]]]


def _retry_seconds(exc: RetryAfter) -> float:
    value = exc.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


class Sender:
    """Leases outbox rows and sends them with a bounded pool of workers."""

    def __init__(
        self,
        bot: ExtBot[Any],
        store: Store,
        clock: Callable[[], dt.datetime],
        *,
        grace: dt.timedelta,
        workers: int = 32,
        idle_poll: float = 0.5,
        flush_every: float = 0.05,
    ) -> None:
        self.bot = bot
        self.store = store
        self.clock = clock
        self.grace = grace
        self.owner = uuid.uuid4().hex
        self.workers = workers
        self.idle_poll = idle_poll
        self.flush_every = flush_every
        self._queue: asyncio.Queue[Delivery] = asyncio.Queue()
        self._wake = asyncio.Event()
        self._room = asyncio.Event()
        self._outcomes: list[Outcome] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._in_flight = 0
        self._stopping = False
        self._tips: dict[str, Tip] = {}
        # Runners put on an exercise hold while this process runs. Their queued tips are
        # dropped in the database in the same transaction; this catches rows already leased.
        self.held: set[int] = set()
        self.sent = 0

    def wake(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        released = await self.store.run(outbox.release_stale, self.owner)
        if released:
            log.warning(
                "re-queued %d message(s) that were being sent when the bot stopped", released
            )
        self._tasks = [asyncio.create_task(self._lease_loop(), name="sender-lease")]
        self._tasks += [
            asyncio.create_task(self._worker(), name=f"sender-{i}") for i in range(self.workers)
        ]
        self._tasks.append(asyncio.create_task(self._flush_loop(), name="sender-flush"))

    async def stop(self, timeout: float = 5.0) -> None:
        """Stop leasing, let in-flight sends finish (up to `timeout`), record every outcome,
        and hand back anything not sent."""
        self._stopping = True
        self._wake.set()
        self._room.set()
        others = self._tasks[1:]
        if self._tasks:
            await self._tasks[0]  # the lease loop ends its lease, so no row is left unqueued
        deadline = time.monotonic() + timeout
        while (self._in_flight or not self._queue.empty()) and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        for task in others:
            task.cancel()
        for task in others:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        while not self._queue.empty():
            row = self._queue.get_nowait()
            self._outcomes.append(Outcome(row.id, "pending", "shutdown"))
        await self._flush()
        # Anything still marked as ours was in flight past the timeout: queue it again.
        await self.store.run(outbox.release_own, self.owner)

    async def _lease_loop(self) -> None:
        while not self._stopping:
            room = self.workers * 2 - self._queue.qsize() - self._in_flight
            if room < max(1, self.workers // 2):
                # Lease in batches: wait until the workers have freed half their places.
                self._room.clear()
                await self._room.wait()
                continue
            now_ts = int(self.clock().timestamp())
            rows = await self.store.run(outbox.lease, now_ts, self.owner, room)
            for row in rows:
                self._queue.put_nowait(row)
            if not rows:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.idle_poll)

    async def _tip(self, tip_id: str | None) -> Tip | None:
        if not tip_id:
            return None
        if tip_id not in self._tips:
            tip = await self.store.run(outbox.tip, tip_id)
            if tip is None:
                return None
            self._tips[tip_id] = tip
        return self._tips[tip_id]

    def forget_tip(self, tip_id: str) -> None:
        """An admin edited a tip: render it afresh next time."""
        self._tips.pop(tip_id, None)

    async def _worker(self) -> None:
        while True:
            row = await self._queue.get()
            self._in_flight += 1
            try:
                # Await first: `self._outcomes.append(await ...)` would bind the list object
                # before the await, and a flush swaps the list in the meantime.
                outcome = await self._send(row)
            except Exception:  # never lose the worker; the row goes back to the queue
                log.exception("unexpected error while sending")
                outcome = self._retry(row, "error")
            self._outcomes.append(outcome)
            self._in_flight -= 1
            self._room.set()

    def _retry(self, row: Delivery, reason: str, delay: float | None = None) -> Outcome:
        if row.attempts >= MAX_ATTEMPTS:
            return Outcome(row.id, "failed", reason)
        backoff = delay if delay is not None else min(300.0, 0.5 * 2.0 ** (row.attempts - 1))
        not_before = int(self.clock().timestamp() + backoff + 0.999)
        return Outcome(row.id, "pending", reason, not_before=not_before)

    async def _send(self, row: Delivery) -> Outcome:
        now = self.clock()
        late = row.due < now.timestamp() - self.grace.total_seconds()
        if late and row.priority > 0 and row.kind not in NEVER_LATE_KINDS:
            return Outcome(row.id, "dropped", "late")
        if row.kind == SlotKind.TIP.value and row.runner_id in self.held:
            # Put on an exercise hold after this row was leased: it must not go out.
            return Outcome(row.id, "dropped", "exercise_hold")
        try:
            summary = None
            if row.kind == SlotKind.SUMMARY.value:
                summary = await self.store.run(weekly_summary, row.runner_id, now)
            text, markup = render(row, await self._tip(row.tip_id), summary)
        except (LookupError, ValueError):
            return Outcome(row.id, "failed", "unrenderable")
        parameters: dict[str, Any] = {
            "chat_id": row.runner_id,
            "text": text,
            "parse_mode": ParseMode.HTML.value,
            "link_preview_options": {"is_disabled": True},
        }
        if markup is not None:
            parameters["reply_markup"] = markup
        try:
            # The raw call skips building a Message object from the answer: half the CPU per
            # message, which is the headroom paid broadcasts (up to 1,000/s) need.
            result = await self.bot.do_api_request(
                "sendMessage",
                api_kwargs=parameters,
                rate_limit_args={"priority": row.priority, "bulk": True},
            )
        except RetryAfter as exc:
            return self._retry(row, "flood", _retry_seconds(exc))
        except Forbidden:
            await self.store.run(outbox.runner_blocked, row.runner_id, int(now.timestamp()))
            log.info("a runner blocked the bot; their reminders are stopped")
            return Outcome(row.id, "failed", "blocked")
        except BadRequest as exc:
            if "chat not found" in exc.message.lower():
                await self.store.run(outbox.runner_blocked, row.runner_id, int(now.timestamp()))
                return Outcome(row.id, "failed", "chat_not_found")
            log.warning("Telegram refused a message: %s", exc.message)
            return Outcome(row.id, "failed", "bad_request")
        except NetworkError:  # includes TimedOut; the server may or may not have it
            return self._retry(row, "network")
        except TelegramError as exc:
            log.warning("Telegram error while sending: %s", type(exc).__name__)
            return self._retry(row, "telegram")
        self.sent += 1
        message_id = result.get("message_id") if isinstance(result, dict) else None
        return Outcome(row.id, "sent", message_id=message_id, sent_at=int(self.clock().timestamp()))

    async def _flush_loop(self) -> None:
        while True:
            await asyncio.sleep(self.flush_every)
            if self._outcomes:
                await self._flush()
                if any(o.status == "pending" for o in self._outcomes):
                    self._wake.set()

    async def _flush(self) -> None:
        outcomes, self._outcomes = self._outcomes, []
        if not outcomes:
            return
        try:
            await self.store.run(outbox.record, outcomes)
        except asyncio.CancelledError:
            # Stopping cancels the flush loop while its write may not have run: keep the
            # outcomes so the final flush records them (a lost "sent" would send it again).
            self._outcomes = outcomes + self._outcomes
            raise


# ---------------------------------------------------------------------------------------------
# Wiring into the Application


class Engine:
    """Owns the tick job and the sender for one running Application."""

    def __init__(
        self,
        sender: Sender,
        store: Store,
        clock: Callable[[], dt.datetime],
        grace: dt.timedelta,
        sweeps: Sequence[Sweep] = (),
    ) -> None:
        self.sender = sender
        self.store = store
        self.clock = clock
        self.grace = grace
        # Extra work each tick does on the db thread (unfinished check-ins, follow-ups); each
        # returns the runners whose exercise hold it changed.
        self.sweeps = tuple(sweeps)
        self._tick_lock = asyncio.Lock()
        self.last_claim: ClaimResult | None = None

    async def tick(self) -> ClaimResult:
        async with self._tick_lock:
            now = self.clock()
            result = await self.store.run(claim_due, now, grace=self.grace)
            for sweep in self.sweeps:
                for runner_id, held in await self.store.run(sweep, now):
                    self.set_held(runner_id, held)
            expired = await self.store.run(outbox.expire_checkins, now)
        if expired:
            log.info("tick: %d check-in(s) expired unanswered", expired)
        self.last_claim = result
        if result.queued or result.dropped:
            log.info("tick: %d queued, %d dropped as late", result.queued, result.dropped)
        self.sender.wake()
        return result

    def set_held(self, runner_id: int, held: bool) -> None:
        """A runner's exercise hold changed: the sender must (not) hold back their tips."""
        if held:
            self.sender.held.add(runner_id)
        else:
            self.sender.held.discard(runner_id)

    async def reschedule(self, runner_id: int) -> None:
        await self.store.run(schedule_runner, runner_id, self.clock())
