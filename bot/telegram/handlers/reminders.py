"""Buttons under a reminder (Done, Snooze 1 h, Another tip) and /tip."""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.core import advice, texts
from bot.core.models import REMINDER_PRIORITY, REPLY_PRIORITY, TIP_CATEGORIES, SlotKind
from bot.services import checkins, delivery
from bot.services.runtime import services
from bot.storage import db
from bot.telegram.handlers.common import (
    Context,
    answer_query,
    drop_buttons,
    live_runner,
    parse_id,
    private_chat_id,
    say,
)

log = logging.getLogger(__name__)

SNOOZE = dt.timedelta(hours=1)


async def tip_now(update: Update, context: Context) -> None:
    svc = services(context)
    row = await live_runner(update, context)
    if row is None:
        return
    chat_id = int(row["chat_id"])
    if row["exercise_hold"]:
        await say(update, advice.hold_refusal())
        return
    queued = await svc.store.run(
        delivery.queue_now,
        chat_id,
        kind=SlotKind.TIP.value,
        now=svc.now(),
        priority=REPLY_PRIORITY,
        categories=TIP_CATEGORIES,
        slot_id="cmd_tip",
    )
    if queued is None:
        await say(update, texts.NO_TIPS)
    svc.wake_sender()


async def reminder_button(update: Update, context: Context) -> None:
    svc = services(context)
    query = update.callback_query
    chat_id = private_chat_id(update)
    assert query is not None and query.data is not None
    _, action, raw_id = query.data.split(":", 2)
    delivery_id = parse_id(raw_id)
    row = await svc.store.run(db.get_delivery, delivery_id) if delivery_id else None
    # A forged or foreign id: the delivery must be one we sent to this very chat.
    # ("sending": the message is out but its outcome is not recorded yet.)
    if row is None or row["runner_id"] != chat_id or row["status"] not in ("sent", "sending"):
        await answer_query(update, texts.STALE_BUTTON)
        return
    if action == "done":
        fresh = await svc.store.run(db.mark_done, row["id"], chat_id, svc.now_ts())
        await answer_query(update, texts.TIP_DONE_THANKS if fresh else texts.TIP_ALREADY_DONE)
        await drop_buttons(update)
    elif action == "snooze":
        await _snooze(update, context, row)
    elif action == "more":
        if await svc.store.run(checkins.is_on_exercise_hold, chat_id):
            await answer_query(update)
            await drop_buttons(update)
            await say(update, advice.hold_refusal())
            return
        tip = await svc.store.run(db.get_tip, row["tip_id"]) if row["tip_id"] else None
        categories = (tip.category,) if tip else TIP_CATEGORIES
        await answer_query(update)
        queued = await svc.store.run(
            delivery.queue_now,
            chat_id,
            kind=SlotKind.TIP.value,
            now=svc.now(),
            priority=REPLY_PRIORITY,
            categories=categories,
            slot_id=f"more:{row['slot_id']}"[:64],
        )
        if queued is None:
            await say(update, texts.NO_TIPS)
        svc.wake_sender()
    else:
        await answer_query(update, texts.STALE_BUTTON)


async def _snooze(update: Update, context: Context, row: dict[str, object]) -> None:
    svc = services(context)
    chat_id = int(str(row["runner_id"]))
    runner = await svc.store.run(db.get_runner, chat_id)
    if runner is None:
        await answer_query(update, texts.STALE_BUTTON)
        return
    if row["kind"] == SlotKind.TIP.value and runner.exercise_hold:
        await answer_query(update, texts.TIP_HELD, alert=True)
        await drop_buttons(update)
        return
    at = svc.now() + SNOOZE
    local = at.astimezone(ZoneInfo(runner.timezone))
    if local.date() != svc.now().astimezone(ZoneInfo(runner.timezone)).date() or local.hour >= 22:
        await answer_query(update, texts.TIP_SNOOZE_TOO_LATE, alert=True)
        return
    queued = await svc.store.run(
        delivery.queue_now,
        chat_id,
        kind=str(row["kind"]),
        now=svc.now(),
        at=at,
        priority=REMINDER_PRIORITY,
        payload={"tip_id": row["tip_id"]} if row["tip_id"] else None,
        slot_id=f"snooze:{row['slot_id']}"[:64],
    )
    await answer_query(update, texts.TIP_SNOOZED.format(time=local.strftime("%H:%M")))
    if queued is not None:
        await drop_buttons(update)


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handlers(
        [
            CommandHandler("tip", tip_now, filters=filters.ChatType.PRIVATE),
            CallbackQueryHandler(reminder_button, pattern=r"^r:(done|snooze|more):"),
        ]
    )
