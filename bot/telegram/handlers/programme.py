"""The return-to-run plan: /returntorun and the buttons under its offer and morning question."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot.core import advice, keyboards, texts
from bot.services import programme
from bot.services.programme import ReturnAnswer
from bot.services.runtime import services
from bot.telegram.handlers.common import (
    Context,
    Handlers,
    answer_query,
    drop_buttons,
    keyboard,
    parse_id,
    private_chat_id,
    private_commands,
    refuse_not_live,
    say,
)


async def return_to_run(update: Update, context: Context) -> None:
    svc = services(context)
    chat_id = private_chat_id(update)
    if chat_id is None:
        return
    reply = await svc.store.run(programme.return_command, chat_id=chat_id, now=svc.now())
    if reply.answer is ReturnAnswer.STALE:
        await refuse_not_live(update, context)
    elif reply.answer is ReturnAnswer.HELD:
        await say(update, advice.hold_refusal())
    else:
        if reply.answer is ReturnAnswer.STARTED:
            await svc.reschedule(chat_id)
        rows = keyboards.return_leave_rows() if reply.leave else None
        await say(update, reply.text or "", keyboard(rows) if rows else None)


async def return_button(update: Update, context: Context) -> None:
    svc = services(context)
    query = update.callback_query
    assert query is not None and query.data is not None
    _, action, raw_id = [*query.data.split(":", 2), "", ""][:3]
    chat_id = private_chat_id(update)
    reply = await svc.store.run(
        programme.return_press,
        chat_id=chat_id,
        delivery_id=parse_id(raw_id),
        action=action,
        now=svc.now(),
    )
    if reply.answer is ReturnAnswer.STALE:
        await answer_query(update, texts.T.STALE_BUTTON)
        await drop_buttons(update)
        return
    await answer_query(update)
    await drop_buttons(update)
    if reply.answer is ReturnAnswer.HELD:
        await say(update, advice.hold_refusal())
        return
    if reply.answer in (ReturnAnswer.STARTED, ReturnAnswer.LEFT) and chat_id is not None:
        await svc.reschedule(chat_id)
    if reply.text:
        rows = keyboards.return_leave_rows() if reply.leave else None
        await say(update, reply.text, keyboard(rows) if rows else None)


def handlers() -> Handlers:
    return [
        *private_commands(returntorun=return_to_run),
        CallbackQueryHandler(return_button, pattern=r"^rt:(start|no|ok|sore|leave):"),
    ]
