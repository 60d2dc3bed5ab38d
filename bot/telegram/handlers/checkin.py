"""The post-run check-in: pain 0-10, where it goes, the warning-sign checklist, the verdict.

Every step is a button whose data carries the check-in's outbox row id, and the answers so far
live in the ``checkins`` row, so there is no in-memory conversation state to lose: a restart in
the middle simply continues with the next button press. Each press is one use case in
``bot.checkins`` (one transaction); this module only parses the update and renders what
the service returned. Replies, the emergency message among them, go ahead of every queued
reminder.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import Any
from zoneinfo import ZoneInfo

from sqlite_utils import Database
from telegram import Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.core import advice, progress, texts
from bot.core.escalation import Outcome
from bot.core.models import REMINDER_PRIORITY, REPLY_PRIORITY, SlotKind
from bot.core.planner import next_due
from bot.services import checkins, delivery
from bot.services.runtime import Services, services
from bot.storage import db
from bot.telegram import chart
from bot.telegram.handlers.common import (
    Context,
    answer_query,
    keyboard,
    live_runner,
    parse_id,
    private_chat_id,
    say,
)

log = logging.getLogger(__name__)

RAN_DELAY = dt.timedelta(hours=1)


# ---------------------------------------------------------------------------------------------
# Helpers


def _zone(row: dict[str, Any] | None) -> ZoneInfo:
    return ZoneInfo((row or {}).get("timezone") or "UTC")


async def _edit(update: Update, text: str | None = None) -> None:
    """Replace the pressed message's buttons with the answer given (or just drop them)."""
    query = update.callback_query
    if query is None:
        return
    try:
        if text is None:
            await query.edit_message_reply_markup(reply_markup=None)
        else:
            await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=None)
    except BadRequest as exc:
        log.debug("could not edit the check-in message: %s", exc)


# ---------------------------------------------------------------------------------------------
# Starting a check-in


async def checkin_now(update: Update, context: Context) -> None:
    """/checkin: the first question straight away (through the outbox, ahead of reminders)."""
    svc = services(context)
    row = await live_runner(update, context, texts.CHECKIN_NOT_SUBSCRIBED)
    if row is None:
        return
    chat_id = int(row["chat_id"])
    await svc.store.run(
        delivery.queue_now,
        chat_id,
        kind=SlotKind.CHECK_IN.value,
        now=svc.now(),
        priority=REPLY_PRIORITY,
        slot_id="cmd_checkin",
    )
    svc.wake_sender()


async def ran(update: Update, context: Context) -> None:
    """/ran: check in an hour from now instead of at the planned time; once a day."""
    svc = services(context)
    row = await live_runner(update, context, texts.CHECKIN_NOT_SUBSCRIBED)
    if row is None:
        return
    chat_id = int(row["chat_id"])
    now = svc.now()
    zone = _zone(row)
    local_today = now.astimezone(zone).date()
    day_start = dt.datetime.combine(local_today, dt.time(0), zone)
    day_end = dt.datetime.combine(local_today + dt.timedelta(days=1), dt.time(0), zone)
    start, end = int(day_start.timestamp()), int(day_end.timestamp())
    if await svc.store.run(db.has_delivery_between, chat_id, "ran", start, end):
        await say(update, texts.CHECKIN_RAN_ALREADY)
        return
    at = now + RAN_DELAY
    await svc.store.run(
        delivery.queue_now,
        chat_id,
        kind=SlotKind.CHECK_IN.value,
        now=now,
        at=at,
        priority=REMINDER_PRIORITY,
        slot_id="ran",
    )
    # This replaces today's planned check-in, if it is still to come.
    runner = db.runner_from_row(row)
    slots = await svc.store.run(delivery.plan_slots)
    for slot in slots:
        if slot.kind is SlotKind.CHECK_IN:
            after = day_end - dt.timedelta(microseconds=1)
            following = next_due(slot, runner, after)
            new_due = int(following.timestamp()) if following else None
            await svc.store.run(db.skip_instant, chat_id, slot.id, start, end, new_due)
    await say(update, texts.CHECKIN_SOON.format(time=at.astimezone(zone).strftime("%H:%M")))


# ---------------------------------------------------------------------------------------------
# The answers: parse the press, run it as one transaction, render what it returned


async def checkin_button(update: Update, context: Context) -> None:
    svc = services(context)
    query = update.callback_query
    chat_id = private_chat_id(update)
    assert query is not None
    parts = (query.data or "").split(":")
    delivery_id = parse_id(parts[2]) if len(parts) >= 3 else None
    if delivery_id is None or chat_id is None:
        await answer_query(update, texts.STALE_BUTTON)
        return
    step, value = parts[1], (parts[3] if len(parts) > 3 else "")
    result = await svc.store.run(
        checkins.press,
        chat_id=chat_id,
        delivery_id=delivery_id,
        step=step,
        value=value,
        now=svc.now(),
    )
    await render_press(update, svc, chat_id, result)


async def render_press(
    update: Update, svc: Services, chat_id: int, result: checkins.PressResult
) -> None:
    if result.hold_changed:
        svc.set_held(chat_id, result.exercise_hold)
    await answer_query(update, result.toast, alert=result.alert)
    if result.edit_text is not None:
        await _edit(update, result.edit_text)
    elif result.edit_rows is not None:
        query = update.callback_query
        assert query is not None
        try:
            await query.edit_message_reply_markup(keyboard(result.edit_rows))
        except BadRequest as exc:
            log.debug("could not update the checklist: %s", exc)
    elif result.drop_buttons:
        await _edit(update)
    for reply in result.replies:
        await say(update, reply.text, keyboard(reply.rows) if reply.rows else None)
    if result.reschedule:
        await svc.reschedule(chat_id)


# ---------------------------------------------------------------------------------------------
# The daily follow-up after an escalation


async def follow_up_button(update: Update, context: Context) -> None:
    svc = services(context)
    query = update.callback_query
    chat_id = private_chat_id(update)
    assert query is not None
    _, raw_id, answer = [*(query.data or "").split(":", 2), "", ""][:3]
    follow_up_id = parse_id(raw_id)
    if follow_up_id is None or chat_id is None or answer not in texts.FOLLOW_UP_BUTTONS:
        await answer_query(update, texts.STALE_BUTTON)
        return
    result = await svc.store.run(
        checkins.answer_follow_up,
        chat_id=chat_id,
        follow_up_id=follow_up_id,
        answer=answer,
        now=svc.now(),
    )
    if not result.valid:
        await answer_query(update, texts.STALE_BUTTON)
        return
    if result.hold_changed:
        svc.set_held(chat_id, result.exercise_hold)
    await answer_query(update)
    country = await svc.store.run(_country, chat_id)
    question = advice.follow_up_question(result.level, country=country)
    await _edit(update, f"{question}\n\n<i>{texts.FOLLOW_UP_BUTTONS[answer]}</i>")
    outcome = result.outcome
    if outcome is Outcome.RESUMED:
        await svc.reschedule(chat_id)
        await say(update, texts.FOLLOW_UP_RESUMED)
    elif outcome is Outcome.STILL_HELD:
        await say(update, texts.FOLLOW_UP_STILL_HELD)
    elif outcome is Outcome.ASK_AGAIN:
        await say(update, texts.FOLLOW_UP_SAME)
    else:  # worse: the check-in again, now
        await say(update, texts.FOLLOW_UP_WORSE)
        svc.wake_sender()


def _country(database: Database, chat_id: int) -> str | None:
    return checkins.country_of(db.get_runner_row(database, chat_id))


async def start_now_button(update: Update, context: Context) -> None:
    """The "Start a check-in now" button under the answer to typed symptoms."""
    await answer_query(update)
    await _edit(update)
    await checkin_now(update, context)


# ---------------------------------------------------------------------------------------------
# /progress


async def progress_command(update: Update, context: Context) -> None:
    svc = services(context)
    row = await live_runner(update, context)
    chat = update.effective_chat
    if row is None or chat is None:
        return
    chat_id = int(row["chat_id"])
    today = svc.now().astimezone(_zone(row)).date()
    since = (today - dt.timedelta(days=27)).isoformat()
    points = [
        progress.DayPain(dt.date.fromisoformat(day), pain)
        for day, pain in await svc.store.run(db.pain_history, chat_id, since)
    ]
    text = progress.summary_text(progress.summarise(points, today))
    # Rendering takes ~0.1 s (more on first use): off the event loop.
    png = await asyncio.to_thread(chart.render_chart, points, today)
    await chat.send_photo(png, caption=text, parse_mode=ParseMode.HTML)


def register(application: Application) -> None:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    application.add_handlers(
        [
            CommandHandler("checkin", checkin_now, filters=private),
            CommandHandler("ran", ran, filters=private),
            CommandHandler("progress", progress_command, filters=private),
            CallbackQueryHandler(checkin_button, pattern=r"^ci:"),
            CallbackQueryHandler(follow_up_button, pattern=r"^fu:"),
            CallbackQueryHandler(start_now_button, pattern=r"^cinow$"),
        ]
    )
