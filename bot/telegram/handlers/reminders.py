"""Buttons under a reminder (Done, Snooze 1 h, Another tip) and /tip."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot.core import advice, texts
from bot.services import reminders
from bot.services.reminders import Answer
from bot.services.runtime import services
from bot.telegram.handlers.common import (
    Context,
    Handlers,
    answer_query,
    drop_buttons,
    parse_id,
    private_chat_id,
    private_commands,
    refuse_not_live,
    say,
)

log = logging.getLogger(__name__)


async def tip_now(update: Update, context: Context) -> None:
    svc = services(context)
    chat_id = private_chat_id(update)
    result = (
        await svc.store.run(reminders.request_tip, chat_id=chat_id, now=svc.now())
        if chat_id is not None
        else reminders.TipRequest.NOT_LIVE
    )
    if result is reminders.TipRequest.NOT_LIVE:
        await refuse_not_live(update, context)
        return
    if result is reminders.TipRequest.HELD:
        await say(update, advice.hold_refusal())
        return
    if result is reminders.TipRequest.NO_TIPS:
        await say(update, texts.T.NO_TIPS)
    if result is reminders.TipRequest.ON_ITS_WAY:
        await say(update, texts.T.TIP_ON_ITS_WAY)
    svc.wake_sender()


async def reminder_button(update: Update, context: Context) -> None:
    svc = services(context)
    query = update.callback_query
    assert query is not None and query.data is not None
    _, action, raw_id = query.data.split(":", 2)
    result = await svc.store.run(
        reminders.press,
        chat_id=private_chat_id(update),
        delivery_id=parse_id(raw_id),
        action=action,
        now=svc.now(),
    )
    answer = result.answer
    if answer is Answer.STALE:
        await answer_query(update, texts.T.STALE_BUTTON)
    elif answer in (Answer.DONE, Answer.ALREADY_DONE):
        await answer_query(
            update, texts.T.TIP_DONE_THANKS if answer is Answer.DONE else texts.T.TIP_ALREADY_DONE
        )
        await drop_buttons(update)
        if result.notes:
            await say(update, "\n".join(result.notes))
    elif answer is Answer.HELD:
        await answer_query(update, texts.T.TIP_HELD, alert=True)
        await drop_buttons(update)
    elif answer is Answer.TOO_LATE:
        await answer_query(update, texts.T.TIP_SNOOZE_TOO_LATE, alert=True)
    elif answer is Answer.SNOOZED:
        assert result.local_time is not None
        await answer_query(
            update, texts.T.TIP_SNOOZED.format(time=result.local_time.strftime("%H:%M"))
        )
        if result.queued:
            await drop_buttons(update)
    elif answer is Answer.MORE_HELD:
        await answer_query(update)
        await drop_buttons(update)
        await say(update, advice.hold_refusal())
    else:  # another tip
        await answer_query(update)
        if not result.queued:
            await say(update, texts.T.NO_TIPS)
    if result.wake:
        svc.wake_sender()


def handlers() -> Handlers:
    return [
        *private_commands(tip=tip_now),
        CallbackQueryHandler(reminder_button, pattern=r"^r:(done|snooze|more):"),
    ]
