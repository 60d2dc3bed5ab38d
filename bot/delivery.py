"""The delivery engine: a clock tick that fills the outbox, and a sender that empties it.

The database is the source of truth and APScheduler is only a clock (DESIGN.md):

* ``claim_due`` (one transaction per batch, on the db thread): take ``schedule`` rows whose
  ``next_due`` has passed, write their outbox rows (unique on runner, slot, instant, so a
  second tick or a second process cannot queue the same reminder twice), pick the tip by
  rotation, and advance ``next_due`` with the planner. Reminders later than the grace period
  are written as ``dropped`` instead: recorded, never sent at a silly hour.
* ``Sender`` (a task on the event loop): leases pending rows most-urgent-first, sends them through
  the one rate-limited path with a bounded number of workers (never a gather over thousands),
  and records each outcome. A crash between a send and its record leaves the row ``sending``;
  the next start puts it back, so such a message is sent at most once more.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import time
import uuid
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlite_utils import Database
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import ExtBot
from telegram.warnings import PTBUserWarning

from bot import advice, db, keyboards, progress, texts
from bot.db import Store
from bot.escalation import MAX_FOLLOW_UPS
from bot.models import Anchor, AnchorKind, Days, DaysKind, Runner, Slot, SlotKind, Tip
from bot.planner import next_due, next_due_all
from bot.ratelimit import REMINDER_PRIORITY
from bot.triage import Level

log = logging.getLogger(__name__)
# PTB suggests send_message over do_api_request("sendMessage"); we use the raw call on purpose.
warnings.filterwarnings("ignore", message="Please use 'Bot.sendMessage'", category=PTBUserWarning)

# With back-off doubling from 0.5 s up to 5 min, 12 attempts span about 20 minutes.
MAX_ATTEMPTS = 12
ON_DEMAND_SLOT = "on_demand"
FOLLOW_UP = "follow_up"  # outbox kind: the day-after question following an escalation
VERDICT = "verdict"  # outbox kind: a verdict the tick's sweep sends for an unfinished check-in
# Safety messages are sent late rather than never: the grace period does not drop them.
NEVER_LATE_KINDS = frozenset({FOLLOW_UP, VERDICT})
CHECK_IN_EXPIRY = dt.timedelta(hours=12)

# Built into every plan (not in plan.yaml): each runner's weekly summary on their chosen day.
WEEKLY_SUMMARY = Slot(
    id="weekly_summary",
    kind=SlotKind.SUMMARY,
    anchor=Anchor(AnchorKind.FIXED, 0, dt.time(18, 0)),
    days=Days(DaysKind.SUMMARY_DAY),
    title="Weekly summary",
)


def plan_slots(database: Database) -> list[Slot]:
    """The plan as admins edit it, plus the built-in slots."""
    return [*db.load_slots(database), WEEKLY_SUMMARY]


Sweep = Callable[[Database, dt.datetime], Sequence[tuple[int, bool]]]


@dataclass(frozen=True)
class ClaimResult:
    queued: int
    dropped: int
    advanced: int


# ---------------------------------------------------------------------------------------------
# Choosing tips (pure)


def tips_by_category(tips: Sequence[Tip]) -> dict[str, list[Tip]]:
    grouped: dict[str, list[Tip]] = {}
    for tip in sorted(tips, key=lambda t: t.id):
        if tip.active:
            grouped.setdefault(tip.category, []).append(tip)
    return grouped


def pick_tip(
    runner_id: int,
    categories: Sequence[str],
    library: dict[str, list[Tip]],
    counts: dict[tuple[int, str], int],
    slot_key: str,
) -> Tip | None:
    """Next tip for this runner: categories take turns, and within a category every tip comes
    once before any repeats (a per-runner cursor over the category, offset by the runner id so
    that runners don't all read the same tip on the same day). Updates `counts` in place."""
    usable = [c for c in categories if library.get(c)]
    if not usable:
        return None
    slot_turn = counts.get((runner_id, slot_key), 0)
    counts[(runner_id, slot_key)] = slot_turn + 1
    category = usable[slot_turn % len(usable)]
    pool = library[category]
    key = f"cat:{category}"
    turn = counts.get((runner_id, key), 0)
    counts[(runner_id, key)] = turn + 1
    return pool[(turn + runner_id) % len(pool)]


# ---------------------------------------------------------------------------------------------
# Claiming (runs on the db thread)


def _ts(value: dt.datetime | None) -> int | None:
    return None if value is None else int(value.timestamp())


def schedule_runner(database: Database, runner_id: int, now: dt.datetime) -> dict[str, int | None]:
    """Recompute one runner's next due instants from scratch (after a settings change)."""
    row = db.get_runner_row(database, runner_id)
    if row is None:
        return {}
    runner = db.runner_from_row(row)
    slots = [s for s in plan_slots(database) if s.enabled]
    due = {slot_id: _ts(at) for slot_id, at in next_due_all(slots, runner, now).items()}
    db.replace_schedule(database, runner_id, due)
    return due


def schedule_missing(database: Database, now: dt.datetime) -> int:
    """At start-up: give runners a schedule row for every enabled slot they lack."""
    runner_ids = db.runners_missing_schedule(database)
    for runner_id in runner_ids:
        schedule_runner(database, runner_id, now)
    return len(runner_ids)


def claim_due(
    database: Database,
    now: dt.datetime,
    *,
    grace: dt.timedelta,
    batch_size: int = 2000,
    max_rows: int = 100_000,
) -> ClaimResult:
    """Turn every due schedule row into an outbox row, in batches, each batch one transaction."""
    queued = dropped = advanced = 0
    now_ts = int(now.timestamp())
    slots = {s.id: s for s in plan_slots(database)}
    library = tips_by_category(db.load_tips(database, active_only=True))
    while advanced < max_rows:
        with db.immediate(database):
            due_rows = db.due_schedule(database, now_ts, batch_size)
            if not due_rows:
                break
            q, d = _claim_batch(database, due_rows, slots, library, now, grace)
        # Loop until nothing is due: a row advanced past a dropped instant may be due again
        # (still within grace) and should go out in this tick, not the next.
        queued, dropped, advanced = queued + q, dropped + d, advanced + len(due_rows)
    return ClaimResult(queued=queued, dropped=dropped, advanced=advanced)


def _claim_batch(
    database: Database,
    due_rows: list[tuple[int, str, int]],
    slots: dict[str, Slot],
    library: dict[str, list[Tip]],
    now: dt.datetime,
    grace: dt.timedelta,
) -> tuple[int, int]:
    now_ts = int(now.timestamp())
    oldest_allowed = now_ts - int(grace.total_seconds())
    runner_ids = [r for r, _, _ in due_rows]
    rows = db.runner_rows(database, runner_ids)
    counts = db.rotation_counts(database, runner_ids)
    before = dict(counts)
    outbox: list[dict[str, Any]] = []
    updates: list[tuple[int, str, int | None]] = []
    runners: dict[int, Runner] = {}
    for runner_id, slot_id, due in due_rows:
        slot = slots.get(slot_id)
        row = rows.get(runner_id)
        if slot is None or not slot.enabled or row is None:
            updates.append((runner_id, slot_id, None))
            continue
        runner = runners.get(runner_id) or runners.setdefault(runner_id, db.runner_from_row(row))
        entry: dict[str, Any] = {
            "runner_id": runner_id,
            "slot_id": slot_id,
            "due": due,
            "kind": slot.kind.value,
            "priority": REMINDER_PRIORITY,
            "status": "pending",
            "not_before": 0,
            "created_at": now_ts,
        }
        if due < oldest_allowed:
            entry.update(status="dropped", reason="late")
        elif slot.kind is SlotKind.TIP:
            tip = pick_tip(runner_id, slot.categories, library, counts, f"slot:{slot.id}")
            if tip is None:
                entry.update(status="dropped", reason="no_tip")
            else:
                entry["tip_id"] = tip.id
        outbox.append(entry)
        # Advance from the due instant, but never to an instant already beyond the grace
        # period: after long downtime the runner gets what is still timely, not a backlog.
        after = dt.datetime.fromtimestamp(max(due, oldest_allowed), dt.UTC)
        updates.append((runner_id, slot_id, _ts(next_due(slot, runner, after))))
    queued = db.insert_deliveries(database, [e for e in outbox if e["status"] == "pending"])
    dropped = db.insert_deliveries(database, [e for e in outbox if e["status"] != "pending"])
    db.advance_schedule(database, updates)
    db.save_rotation(database, {k: v for k, v in counts.items() if before.get(k) != v})
    return queued, dropped


def queue_now(
    database: Database,
    runner_id: int,
    *,
    kind: str,
    now: dt.datetime,
    priority: int,
    categories: Sequence[str] = (),
    payload: dict[str, Any] | None = None,
    slot_id: str = ON_DEMAND_SLOT,
    at: dt.datetime | None = None,
) -> int | None:
    """Queue one message for now, or for `at` (/tip, "Another tip", a snooze). Returns its id."""
    now_ts = int((at or now).timestamp())
    entry: dict[str, Any] = {
        "runner_id": runner_id,
        "slot_id": slot_id,
        "due": now_ts,
        "kind": kind,
        "priority": priority,
        "status": "pending",
        "not_before": now_ts,
        "created_at": int(now.timestamp()),
        "payload": json.dumps(payload) if payload else None,
    }
    with database.atomic():
        if kind == SlotKind.TIP.value and db.on_exercise_hold(database, runner_id):
            return None  # the last gate: no exercise content during an exercise hold
        if kind == SlotKind.TIP.value and "tip_id" not in (payload or {}):
            library = tips_by_category(db.load_tips(database, active_only=True))
            counts = db.rotation_counts(database, [runner_id])
            before = dict(counts)
            tip = pick_tip(runner_id, categories, library, counts, f"slot:{slot_id}")
            if tip is None:
                return None
            entry["tip_id"] = tip.id
            db.save_rotation(database, {k: v for k, v in counts.items() if before.get(k) != v})
        elif payload and "tip_id" in payload:
            entry["tip_id"] = payload["tip_id"]
        # Outbox rows are unique per runner, slot and second: a second request within the
        # same second takes the next free second rather than vanishing.
        for _ in range(5):
            if db.insert_deliveries(database, [entry]) == 1:
                found = database.execute(
                    "SELECT id FROM deliveries WHERE runner_id = ? AND slot_id = ? AND due = ?",
                    [runner_id, slot_id, entry["due"]],
                ).fetchone()
                return int(found[0])
            entry["due"] += 1
            entry["not_before"] = entry["due"]
    return None


# ---------------------------------------------------------------------------------------------
# Rendering


def render_tip(tip: Tip) -> str:
    text = f"<b>{texts.esc(tip.title)}</b>\n\n{tip.body.strip()}"
    if tip.why:
        text += f"\n\n<i>{texts.esc(tip.why)}</i>"
    return text


Keyboard = dict[str, list[list[dict[str, str]]]]


def keyboard(rows: Sequence[Sequence[tuple[str, str]]]) -> Keyboard:
    """An inline keyboard in the Bot API's own JSON shape.

    Outbox sends go out as raw API calls (see ``Sender._send``), so the markup is built as
    plain data rather than PTB objects: cheaper at a thousand messages a second."""
    return {
        "inline_keyboard": [
            [{"text": text, "callback_data": data} for text, data in row] for row in rows
        ]
    }


def render(
    row: dict[str, Any], tip: Tip | None, summary: str | None = None
) -> tuple[str, Keyboard | None]:
    """Text and buttons for an outbox row."""
    kind = row["kind"]
    if kind == SlotKind.TIP.value:
        if tip is None:
            raise LookupError("tip is gone")
        return render_tip(tip), keyboard(keyboards.tip_rows(row["id"]))
    if kind == SlotKind.CHECK_IN.value:
        return texts.CHECKIN_PROMPT, keyboard(keyboards.pain_rows(row["id"]))
    if kind == SlotKind.SUMMARY.value:
        if summary is None:
            raise LookupError("no summary")
        return summary + texts.SUMMARY_FOOTER, None
    if kind == FOLLOW_UP:
        return follow_up_message(json.loads(row["payload"] or "{}")), keyboard(
            keyboards.follow_up_rows(row["id"])
        )
    payload = json.loads(row["payload"] or "{}")
    buttons = payload.get("buttons")
    return str(payload.get("text", "")), keyboard(buttons) if buttons else None


def follow_up_message(payload: dict[str, Any]) -> str:
    """The daily follow-up's text, from what was stored when it was queued."""
    level = Level(int(payload.get("level") or Level.SEE_CLINICIAN))
    day = int(payload.get("day") or 1)
    text = advice.follow_up_question(level, country=payload.get("country"), day=day)
    if day >= MAX_FOLLOW_UPS:
        text += "\n\n" + advice.follow_up_last_message(level)
    return text


def weekly_summary(database: Database, runner_id: int, now: dt.datetime) -> str:
    """The weekly summary's text: the last 28 days of check-ins (db thread)."""
    runner = db.get_runner(database, runner_id)
    zone = ZoneInfo(runner.timezone if runner else "UTC")
    today = now.astimezone(zone).date()
    since = (today - dt.timedelta(days=27)).isoformat()
    points = [
        progress.DayPain(dt.date.fromisoformat(day), pain)
        for day, pain in db.pain_history(database, runner_id, since)
    ]
    return progress.summary_text(progress.summarise(points, today))


# ---------------------------------------------------------------------------------------------
# Sending (event loop)


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
        self._queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._wake = asyncio.Event()
        self._room = asyncio.Event()
        self._outcomes: list[dict[str, Any]] = []
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
        released = await self.store.run(db.release_stale_leases, self.owner)
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
            self._outcomes.append({"id": row["id"], "status": "pending", "reason": "shutdown"})
        await self._flush()
        # Anything still marked as ours was in flight past the timeout: queue it again.
        await self.store.run(db.release_own_leases, self.owner)

    async def _lease_loop(self) -> None:
        while not self._stopping:
            room = self.workers * 2 - self._queue.qsize() - self._in_flight
            if room < max(1, self.workers // 2):
                # Lease in batches: wait until the workers have freed half their places.
                self._room.clear()
                await self._room.wait()
                continue
            now_ts = int(self.clock().timestamp())
            rows = await self.store.run(db.lease_pending, now_ts, self.owner, room)
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
            tip = await self.store.run(db.get_tip, tip_id)
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

    def _retry(
        self, row: dict[str, Any], reason: str, delay: float | None = None
    ) -> dict[str, Any]:
        if row["attempts"] >= MAX_ATTEMPTS:
            return {"id": row["id"], "status": "failed", "reason": reason}
        backoff = delay if delay is not None else min(300.0, 0.5 * 2.0 ** (row["attempts"] - 1))
        not_before = int(self.clock().timestamp() + backoff + 0.999)
        return {"id": row["id"], "status": "pending", "reason": reason, "not_before": not_before}

    async def _send(self, row: dict[str, Any]) -> dict[str, Any]:
        now = self.clock()
        late = row["due"] < now.timestamp() - self.grace.total_seconds()
        if late and row["priority"] > 0 and row["kind"] not in NEVER_LATE_KINDS:
            return {"id": row["id"], "status": "dropped", "reason": "late"}
        if row["kind"] == SlotKind.TIP.value and row["runner_id"] in self.held:
            # Put on an exercise hold after this row was leased: it must not go out.
            return {"id": row["id"], "status": "dropped", "reason": "exercise_hold"}
        try:
            summary = None
            if row["kind"] == SlotKind.SUMMARY.value:
                summary = await self.store.run(weekly_summary, row["runner_id"], now)
            text, markup = render(row, await self._tip(row["tip_id"]), summary)
        except (LookupError, ValueError):
            return {"id": row["id"], "status": "failed", "reason": "unrenderable"}
        parameters: dict[str, Any] = {
            "chat_id": row["runner_id"],
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
                rate_limit_args={"priority": row["priority"], "bulk": True},
            )
        except RetryAfter as exc:
            return self._retry(row, "flood", _retry_seconds(exc))
        except Forbidden:
            await self.store.run(db.mark_blocked, row["runner_id"], int(now.timestamp()))
            log.info("a runner blocked the bot; their reminders are stopped")
            return {"id": row["id"], "status": "failed", "reason": "blocked"}
        except BadRequest as exc:
            if "chat not found" in exc.message.lower():
                await self.store.run(db.mark_blocked, row["runner_id"], int(now.timestamp()))
                return {"id": row["id"], "status": "failed", "reason": "chat_not_found"}
            log.warning("Telegram refused a message: %s", exc.message)
            return {"id": row["id"], "status": "failed", "reason": "bad_request"}
        except NetworkError:  # includes TimedOut; the server may or may not have it
            return self._retry(row, "network")
        except TelegramError as exc:
            log.warning("Telegram error while sending: %s", type(exc).__name__)
            return self._retry(row, "telegram")
        self.sent += 1
        return {
            "id": row["id"],
            "status": "sent",
            "message_id": result["message_id"] if isinstance(result, dict) else None,
            "sent_at": int(self.clock().timestamp()),
        }

    async def _flush_loop(self) -> None:
        while True:
            await asyncio.sleep(self.flush_every)
            if self._outcomes:
                await self._flush()
                if any(o["status"] == "pending" for o in self._outcomes):
                    self._wake.set()

    async def _flush(self) -> None:
        outcomes, self._outcomes = self._outcomes, []
        if outcomes:
            await self.store.run(db.record_outcomes, outcomes)


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
            expired = await self.store.run(
                db.expire_checkins, int((now - CHECK_IN_EXPIRY).timestamp())
            )
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
