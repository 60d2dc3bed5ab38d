"""/privacy, /mydata and /delete: what is stored, a copy of it, and erasing it."""

from __future__ import annotations

import logging

from telegram import InputFile, Update
from telegram.ext import CallbackQueryHandler

from bot.core import texts
from bot.services import privacy as privacy_service
from bot.services.runtime import services
from bot.telegram.handlers import language
from bot.telegram.handlers.common import (
    Context,
    Handlers,
    answer_query,
    drop_buttons,
    keyboard,
    private_chat_id,
    private_commands,
    say,
)
from bot.telegram.persistence import forget_chat

log = logging.getLogger(__name__)


async def privacy(update: Update, context: Context) -> None:
    await say(update, texts.T.PRIVACY)


async def my_data(update: Update, context: Context) -> None:
    svc = services(context)
    chat_id = private_chat_id(update)
    chat = update.effective_chat
    if chat_id is None or chat is None:
        return
    found = await svc.store.run(privacy_service.my_data, chat_id, now=svc.now())
    if found is None:
        await say(update, texts.T.NOTHING_STORED)
        return
    await say(update, found.summary)
    await chat.send_document(
        InputFile(found.document, filename=texts.T.MYDATA_FILENAME), caption=texts.T.MYDATA_CAPTION
    )


async def delete(update: Update, context: Context) -> None:
    svc = services(context)
    chat_id = private_chat_id(update)
    if chat_id is None:
        return
    if not await svc.store.run(privacy_service.has_data, chat_id):
        await say(update, texts.T.NOTHING_STORED)
        return
    buttons = [[(texts.T.DELETE_YES, "del:yes"), (texts.T.DELETE_NO, "del:no")]]
    await say(update, texts.T.DELETE_CONFIRM, keyboard(buttons))


async def delete_choice(update: Update, context: Context) -> None:
    svc = services(context)
    query = update.callback_query
    chat_id = private_chat_id(update)
    assert query is not None
    await answer_query(update)
    await drop_buttons(update)
    if chat_id is None or query.data != "del:yes":
        await say(update, texts.T.DELETE_KEPT)
        return
    # First PTB's memory of open conversations (else it writes them back), then every row.
    await forget_chat(context.application, chat_id)
    removed = await svc.store.run(privacy_service.erase, chat_id)
    svc.set_held(chat_id, False)  # a hold is part of what was erased: a new start starts clean
    language.forget(context, chat_id)  # and so is the language they chose
    log.info("a runner erased their data (%d rows)", removed)
    await say(update, texts.T.DELETED)


def handlers() -> Handlers:
    return [
        *private_commands(privacy=privacy, mydata=my_data, delete=delete),
        CallbackQueryHandler(delete_choice, pattern=r"^del:(yes|no)$"),
    ]
