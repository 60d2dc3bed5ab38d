"""The sender that empties the outbox, and the engine that owns the delivery tick.

``Sender`` (a task on the event loop) leases pending rows most-urgent-first, sends them through
the one rate-limited path with a bounded number of workers (never a gather over thousands), and
records each outcome. A crash between a send and its record leaves the row ``sending``; the next
start puts it back, so such a message is sent at most once more. ``Engine`` runs the tick: the
claim (``bot.services.delivery.claim_due``), the check-in sweeps and the expiry.

A failing database (locked past the busy timeout, disk full, I/O error) ends no loop: each loop
logs one warning when it starts failing and one line when it recovers, backs off (``Backoff``)
and tries again. Outcomes the flush could not write stay in memory until a later flush writes
them: a lost "sent" would send the message again after a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import sqlite3
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import ExtBot

from bot.core import i18n
from bot.core.models import REPLY_PRIORITY, Delivery, Outcome, SlotKind, Tip
from bot.core.progress import WeekReport, week_text
from bot.services import languages, outbox
from bot.services.delivery import (
    HELD_KINDS,
    MAX_ATTEMPTS,
    MAX_CLAIM_ROWS,
    NEVER_LATE_KINDS,
    ClaimResult,
    Keyboard,
    add_claims,
    claim_batch,
    claim_plan,
    render,
    schedule_runner,
    session_tip_ids,
    weekly_report,
)
from bot.services.runtime import Store
from bot.telegram.chart import ChartRenderer
from bot.telegram.http import AiohttpRequest
from bot.telegram.monitoring import Metrics
from bot.telegram.ratelimit import PacedRateLimiter

log = logging.getLogger(__name__)
CAPTION_MAX = 1024  # Telegram's limit for a photo's caption
CHART_CAPTION = "📊 Your week in a picture"
MAX_EXPIRY_BATCHES = 200  # a tick's expiry work: a million rows at most

# Extra work each tick does on the db thread; returns (runner id, exercise hold) for each
# runner whose exercise hold it changed.
Sweep = Callable[[Any, dt.datetime], Sequence[tuple[int, bool]]]


def _retry_seconds(exc: RetryAfter) -> float:
    value = exc.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


Sleep = Callable[[float], Awaitable[None]]


class Backoff:
    """The back-off of one loop while the database fails: FIRST seconds, doubling to CAP.

    Logs one warning when the loop starts failing (the error's class only: never a message's
    text) and one info line when it works again. `sleep` is injectable so tests never wait.
    """

    FIRST = 0.5
    CAP = 30.0

    def __init__(
        self,
        name: str,
        *,
        first: float | None = None,
        cap: float | None = None,
        sleep: Sleep = asyncio.sleep,
        metrics: Metrics | None = None,
    ) -> None:
        self.name = name
        self.metrics = metrics
        self.first = self.FIRST if first is None else first
        self.cap = self.CAP if cap is None else cap
        self.sleep = sleep
        self.failures = 0

    def failed(self, exc: BaseException) -> float:
        """Count a failure; returns how long to wait before the next attempt."""
        self.failures += 1
        if self.metrics is not None:
            self.metrics.loop_failed(self.name)
        if self.failures == 1:
            log.warning(
                "%s: database error (%s); retrying with back-off", self.name, type(exc).__name__
            )
        return min(self.cap, self.first * 2.0 ** (self.failures - 1))

    def recovered(self) -> None:
        if self.failures:
            log.info("%s: database works again after %d failure(s)", self.name, self.failures)
            self.failures = 0

    async def wait(self, exc: BaseException) -> None:
        await self.sleep(self.failed(exc))


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
        reply_workers: int = 4,
        idle_poll: float = 0.5,
        flush_every: float = 0.05,
        final_flush_seconds: float = 10.0,
        sleep: Sleep = asyncio.sleep,
        metrics: Metrics | None = None,
        paid_broadcast: bool | None = None,
        charts: ChartRenderer | None = None,
    ) -> None:
        self.bot = bot
        # The weekly summaries' pictures are drawn in a worker process: a Sunday's charts
        # never hold up the event loop, replies or urgent messages.
        self.charts = charts or ChartRenderer()
        # Paid broadcast mode (SEND_RATE above Telegram's free 30/s): every outbox send carries
        # allow_paid_broadcast. By default it follows the bot's rate limiter.
        if paid_broadcast is None:
            limiter = getattr(bot, "rate_limiter", None)
            paid_broadcast = isinstance(limiter, PacedRateLimiter) and limiter.paid_broadcast
        self.paid_broadcast = paid_broadcast
        self.metrics = metrics or Metrics()
        self.store = store
        self.clock = clock
        self.grace = grace
        self.owner = uuid.uuid4().hex
        self.workers = workers
        self.reply_workers = reply_workers
        self.idle_poll = idle_poll
        self.flush_every = flush_every
        self.final_flush_seconds = final_flush_seconds
        self._sleep = sleep
        self._stopped = asyncio.Event()
        self.lease_backoff = Backoff("sender lease", sleep=self._pause, metrics=self.metrics)
        self.flush_backoff = Backoff("sender flush", sleep=self._pause, metrics=self.metrics)
        self.worker_backoff = Backoff("sender worker", sleep=self._pause, metrics=self.metrics)
        # Leased rows, most urgent first. Replies (a /checkin prompt, a verdict the handler
        # could not send) have their own queue and workers: they never wait for a worker, or
        # for room in the queue, behind bulk rows.
        self._queue: asyncio.PriorityQueue[tuple[int, int, Delivery]] = asyncio.PriorityQueue()
        self._replies: asyncio.PriorityQueue[tuple[int, int, Delivery]] = asyncio.PriorityQueue()
        self._wake = asyncio.Event()
        self._room = asyncio.Event()
        self._outcomes: list[Outcome] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._in_flight = 0
        self._bulk_in_flight = 0
        self._stopping = False
        self._tips: dict[tuple[str, str], Tip] = {}  # (id, language): the tip in it
        # Runners put on an exercise hold while this process runs. Their queued tips are
        # dropped in the database in the same transaction; this catches rows already leased.
        self.held: set[int] = set()
        self.sent = 0

    def wake(self) -> None:
        """Something was queued: lease it now (a reply even while the bulk queue is full)."""
        self._wake.set()
        self._room.set()

    def dead_loops(self) -> list[str]:
        """Background tasks that ended while the sender is not stopping (for /healthz)."""
        if self._stopping:
            return []
        return [task.get_name() for task in self._tasks if task.done()]

    async def start(self) -> None:
        if self.paid_broadcast:
            limiter = getattr(self.bot, "rate_limiter", None)
            rate = getattr(limiter, "rate", None)
            log.info(
                "paid broadcast mode on (SEND_RATE %s/s above Telegram's free 30/s): reminders "
                "and announcements carry allow_paid_broadcast, 0.1 Telegram Stars per message "
                "from the bot's balance; one message a second per chat still holds",
                f"{rate:g}" if isinstance(rate, int | float) else "?",
            )
        released = await self.store.run(outbox.release_stale, self.owner)
        if released:
            log.warning(
                "re-queued %d message(s) that were being sent when the bot stopped", released
            )
        self._tasks = [asyncio.create_task(self._lease_loop(), name="sender-lease")]
        self._tasks += [
            asyncio.create_task(self._worker(self._queue), name=f"sender-{i}")
            for i in range(self.workers)
        ]
        self._tasks += [
            asyncio.create_task(self._worker(self._replies), name=f"sender-reply-{i}")
            for i in range(self.reply_workers)
        ]
        self._tasks.append(asyncio.create_task(self._flush_loop(), name="sender-flush"))

    async def stop(self, timeout: float = 5.0) -> None:
        """Stop leasing, let in-flight sends finish (up to `timeout`), record every outcome,
        and hand back anything not sent."""
        self._stopping = True
        self._stopped.set()  # cuts short any back-off
        self._wake.set()
        self._room.set()
        others = self._tasks[1:]
        if self._tasks:
            await self._tasks[0]  # the lease loop ends its lease, so no row is left unqueued
        deadline = time.monotonic() + timeout
        while (
            self._in_flight or not self._queue.empty() or not self._replies.empty()
        ) and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        for task in others:
            task.cancel()
        for task in others:
            try:
                await task
            except asyncio.CancelledError:
                pass
            except Exception:  # a loop that died must not stop the outcomes being recorded
                log.exception("sender task %s had failed", task.get_name())
        self._tasks = []
        self.charts.close()
        for queue in (self._queue, self._replies):
            while not queue.empty():
                _, _, row = queue.get_nowait()
                self._outcomes.append(Outcome(row.id, "pending", "shutdown"))
        await self._final_flush()
        # Anything still marked as ours was in flight past the timeout: queue it again.
        try:
            await self.store.run(outbox.release_own, self.owner)
        except sqlite3.Error as exc:
            # The next start puts them back (``release_stale``).
            log.warning("could not hand back leased rows at stop (%s)", type(exc).__name__)

    async def _final_flush(self) -> None:
        """Record every outcome, retrying a failing database for `final_flush_seconds` at most;
        then say how many outcomes were not written (those rows stay `sending`, and the next
        start sends them at most once more)."""
        deadline = time.monotonic() + self.final_flush_seconds
        backoff = Backoff("sender final flush", sleep=self._sleep)
        while True:
            try:
                await self._flush()
            except sqlite3.Error as exc:
                delay = backoff.failed(exc)
                left = deadline - time.monotonic()
                if left <= 0:
                    log.error(
                        "stopping with %d outcome(s) not written (%s); their messages may be "
                        "sent again after a restart",
                        len(self._outcomes),
                        type(exc).__name__,
                    )
                    return
                await self._sleep(min(delay, left))
            else:
                backoff.recovered()
                return

    async def _pause(self, seconds: float) -> None:
        """A loop's back-off: sleep `seconds`, or less if the sender is stopping."""
        if self._stopped.is_set():
            return
        sleeper = asyncio.ensure_future(self._sleep(seconds))
        stopper = asyncio.ensure_future(self._stopped.wait())
        try:
            await asyncio.wait({sleeper, stopper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeper.cancel()
            stopper.cancel()

    @property
    def _lease_batch(self) -> int:
        return max(1, self.workers // 2)

    def _lease_room(self) -> int:
        return self.workers * 2 - self._queue.qsize() - self._bulk_in_flight

    async def _lease_loop(self) -> None:
        while not self._stopping:
            room = self._lease_room()
            max_priority: int | None = None
            if room < self._lease_batch:
                # Lease in batches: wait until the workers have freed half their places, or
                # until something new is queued: replies are leased at once, full queue or not.
                if not self._wake.is_set():
                    self._room.clear()
                    await self._room.wait()
                    if self._stopping:
                        break
                    room = self._lease_room()
                if room < self._lease_batch:
                    if not self._wake.is_set():
                        continue
                    room, max_priority = self.reply_workers * 2, REPLY_PRIORITY
            self._wake.clear()
            now_ts = int(self.clock().timestamp())
            try:
                rows = await self.store.run(
                    outbox.lease, now_ts, self.owner, room, max_priority=max_priority
                )
            except sqlite3.Error as exc:
                self._wake.set()  # whatever woke us is still to be leased
                await self.lease_backoff.wait(exc)
                continue
            self.lease_backoff.recovered()
            for row in rows:
                queue = self._replies if row.priority <= REPLY_PRIORITY else self._queue
                queue.put_nowait((row.priority, row.id, row))
            if not rows and max_priority is None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.idle_poll)

    async def _tip(self, tip_id: str | None, language: str) -> Tip | None:
        if not tip_id:
            return None
        key = (tip_id, language)
        if key not in self._tips:
            tip = await self.store.run(languages.tip_in, tip_id, language)
            if tip is None:
                return None
            self._tips[key] = tip
        return self._tips[key]

    def forget_tip(self, tip_id: str) -> None:
        """An admin edited a tip (or re-imported it): render it afresh next time, in every
        language."""
        for key in [k for k in self._tips if k[0] == tip_id]:
            del self._tips[key]

    async def _worker(self, queue: asyncio.PriorityQueue[tuple[int, int, Delivery]]) -> None:
        bulk = queue is self._queue
        while True:
            _, _, row = await queue.get()
            self._in_flight += 1
            self._bulk_in_flight += bulk
            pause = 0.0
            try:
                # Await first: `self._outcomes.append(await ...)` would bind the list object
                # before the await, and a flush swaps the list in the meantime.
                outcome = await self._send(row)
            except sqlite3.Error as exc:
                # A database step of the send failed (a tip, a summary, marking a runner
                # blocked): try the row again later; a failing database never fails a message.
                pause = self.worker_backoff.failed(exc)
                outcome = self._later(row, "database", pause)
            except Exception:  # never lose the worker; the row goes back to the queue
                log.exception("unexpected error while sending")
                outcome = self._retry(row, "error")
            else:
                self.worker_backoff.recovered()
            self._outcomes.append(outcome)
            self._in_flight -= 1
            self._bulk_in_flight -= bulk
            if bulk and self._lease_room() >= self._lease_batch:
                self._room.set()  # the lease loop waits for this much room, not for every row
            if pause:
                await self._pause(pause)

    def _later(self, row: Delivery, reason: str, delay: float) -> Outcome:
        not_before = int(self.clock().timestamp() + delay + 0.999)
        return Outcome(row.id, "pending", reason, not_before=not_before)

    def _retry(self, row: Delivery, reason: str, delay: float | None = None) -> Outcome:
        if row.attempts >= MAX_ATTEMPTS:
            return Outcome(row.id, "failed", reason)
        backoff = delay if delay is not None else min(300.0, 0.5 * 2.0 ** (row.attempts - 1))
        return self._later(row, reason, backoff)

    async def _send(self, row: Delivery) -> Outcome:
        now = self.clock()
        late = row.due < now.timestamp() - self.grace.total_seconds()
        if late and row.priority > 0 and row.kind not in NEVER_LATE_KINDS:
            return Outcome(row.id, "dropped", "late")
        if row.kind in HELD_KINDS and row.runner_id in self.held:
            # Put on an exercise hold after this row was leased: it must not go out.
            return Outcome(row.id, "dropped", "exercise_hold")
        photo: bytes | None = None
        try:
            with i18n.use(row.language):  # the whole message in the runner's language
                text, markup, photo = await self._render(row, now)
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
        if self.paid_broadcast:
            # Every outbox row, escalations (priority 0) included: they share the paid pace,
            # and a 429 from the free 30/s would hold back exactly the urgent ones.
            parameters["allow_paid_broadcast"] = True
        try:
            if photo is not None:
                message_id = await self._send_photo(parameters, photo, row.priority)
            else:
                message_id = await self._post_message(parameters, row.priority)
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
        return Outcome(row.id, "sent", message_id=message_id, sent_at=int(self.clock().timestamp()))

    async def _render(
        self, row: Delivery, now: dt.datetime
    ) -> tuple[str, Keyboard | None, bytes | None]:
        """The row's text, buttons and (a weekly summary's) chart, in the current language."""
        summary = None
        photo: bytes | None = None
        tips: dict[str, Tip] | None = None
        if row.kind == SlotKind.SUMMARY.value:
            weekly = await self.store.run(weekly_report, row.runner_id, now)
            summary = week_text(weekly.report)
            if weekly.chart:
                photo = await self._week_chart(weekly.report)
        elif row.kind == SlotKind.SESSION.value:
            tips = {}
            for tip_id in session_tip_ids(row):
                found = await self._tip(tip_id, row.language)
                if found is not None:
                    tips[tip_id] = found
        text, markup = render(row, await self._tip(row.tip_id, row.language), summary, tips)
        return text, markup, photo

    async def _week_chart(self, report: WeekReport) -> bytes | None:
        """The week's picture, or None (the summary goes as text) if it cannot be drawn."""
        try:
            return await self.charts.week(report)
        except Exception:
            log.warning("a weekly chart could not be drawn; the summary goes without it")
            return None

    async def _send_photo(
        self, parameters: dict[str, Any], photo: bytes, priority: int
    ) -> int | None:
        """The weekly summary with its picture: one photo with the summary as its caption
        (Telegram allows 1,024 characters), or the text first and the photo after it."""
        text = str(parameters["text"])
        extra = {"allow_paid_broadcast": True} if self.paid_broadcast else {}
        limits = {"priority": priority, "bulk": True}
        if len(text) > CAPTION_MAX:
            await self._post_message(parameters, priority)
            text = CHART_CAPTION
        message = await self.bot.send_photo(
            parameters["chat_id"],
            photo,
            caption=text,
            parse_mode=ParseMode.HTML,
            rate_limit_args=limits,
            api_kwargs=extra or None,
        )
        return message.message_id

    async def _post_message(self, parameters: dict[str, Any], priority: int) -> int | None:
        """sendMessage through the rate limiter, the body encoded once as JSON and only the
        message id read from the answer (no Message object): the hot path of a broadcast.
        Telegram's errors are raised as PTB's exceptions (``AiohttpRequest.post_message``)."""
        options = {"priority": priority, "bulk": True}
        request = self.bot.request
        if not isinstance(request, AiohttpRequest):  # build_application always installs it
            raise TypeError(f"the sender needs AiohttpRequest, not {type(request).__name__}")
        url = f"{self.bot.base_url}/sendMessage"
        body = json.dumps(parameters).encode()

        async def post() -> dict[str, Any]:
            return {"message_id": await request.post_message(url, body)}

        limiter = self.bot.rate_limiter
        if limiter is None:
            answer: Any = await post()
        else:
            answer = await limiter.process_request(post, (), {}, "sendMessage", parameters, options)
        message_id = answer.get("message_id") if isinstance(answer, dict) else None
        return message_id if isinstance(message_id, int) else None

    async def _flush_loop(self) -> None:
        while True:
            await asyncio.sleep(self.flush_every)
            if not self._outcomes:
                continue
            try:
                written = await self._flush()
            except sqlite3.Error as exc:
                await self.flush_backoff.wait(exc)
                continue
            self.flush_backoff.recovered()
            if any(o.status == "pending" for o in written):
                self._wake.set()

    async def _flush(self) -> list[Outcome]:
        """Write the outcomes gathered so far; returns them. If the write fails they are kept
        (ahead of newer ones) for the next flush, and the error goes to the caller."""
        outcomes, self._outcomes = self._outcomes, []
        if not outcomes:
            return outcomes
        try:
            await self.store.run(outbox.record, outcomes)
        except BaseException:
            # A failing database, or stopping cancels the flush loop while its write may not
            # have run: keep the outcomes so a later flush records them (a lost "sent" would
            # send the message again after a restart). Rewriting the same outcome is harmless.
            self._outcomes = outcomes + self._outcomes
            raise
        self.metrics.outcomes(outcomes)
        return outcomes


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
        # The tick needs no sleep of its own: the JobQueue's next tick is the retry.
        self.metrics = sender.metrics
        self.tick_backoff = Backoff("delivery tick", metrics=self.metrics)

    async def tick(self) -> ClaimResult:
        """Claim what is due, run the sweeps and the expiry. A failing database ends this
        tick early (logged once while it keeps failing) and returns an empty claim; the next
        tick tries again."""
        started = time.monotonic()
        try:
            async with self._tick_lock:
                now = self.clock()
                result = await self._claim(now)
                for sweep in self.sweeps:
                    for runner_id, held in await self.store.run(sweep, now):
                        self.set_held(runner_id, held)
                expired = 0
                # One transaction and database job per batch: a backlog after downtime
                # (420k at a million runners) lets replies through between batches; the
                # rest of a very long one is the next tick's.
                for _ in range(MAX_EXPIRY_BATCHES):
                    batch = await self.store.run(outbox.expire_checkins, now)
                    if not batch:
                        break
                    expired += batch
        except sqlite3.Error as exc:
            self.tick_backoff.failed(exc)
            self.sender.wake()  # a claim that committed before the failure is still sent
            return ClaimResult(queued=0, dropped=0, advanced=0)
        self.tick_backoff.recovered()
        self.metrics.tick(time.monotonic() - started, result.queued, now)
        if expired:
            log.info("tick: %d check-in(s) expired unanswered", expired)
        self.last_claim = result
        if result.queued or result.dropped:
            log.info("tick: %d queued, %d dropped as late", result.queued, result.dropped)
        self.sender.wake()
        return result

    @property
    def ticking(self) -> bool:
        """A tick is running (its claim may already be sending)."""
        return self._tick_lock.locked()

    async def _claim(self, now: dt.datetime) -> ClaimResult:
        """What is due, one transaction and one database job per batch: replies' database
        work queued meanwhile runs between batches instead of after the whole claim. The
        sender starts on the first batch while the rest are claimed."""
        plan = await self.store.run(claim_plan)
        total = ClaimResult(queued=0, dropped=0, advanced=0)
        while total.advanced < MAX_CLAIM_ROWS:
            batch = await self.store.run(claim_batch, now, plan, grace=self.grace)
            if not batch.advanced:
                break
            total = add_claims(total, batch)
            if batch.queued:
                self.sender.wake()
        return total

    def set_held(self, runner_id: int, held: bool) -> None:
        """A runner's exercise hold changed: the sender must (not) hold back their tips."""
        if held:
            self.sender.held.add(runner_id)
        else:
            self.sender.held.discard(runner_id)

    async def reschedule(self, runner_id: int) -> None:
        await self.store.run(schedule_runner, runner_id, self.clock())
