"""/privacy, /mydata and /delete: what is stored, a copy of it, and erasing it."""

from __future__ import annotations

import json
import logging

from telegram import InputFile, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.core import texts
from bot.services.runtime import services
from bot.storage import db
from bot.telegram.handlers.common import (
    Context,
    answer_query,
    drop_buttons,
    keyboard,
    private_chat_id,
    say,
)

log = logging.getLogger(__name__)


async def privacy(update: Update, context: Context) -> None:
    await say(update, texts.PRIVACY)


async def my_data(update: Update, context: Context) -> None:
    svc = services(context)
    chat_id = private_chat_id(update)
    chat = update.effective_chat
    if chat_id is None or chat is None:
        return
    data = await svc.store.run(db.runner_export, chat_id)
    if data["settings"] is None:
        await say(update, texts.NOTHING_STORED)
        return
    body = json.dumps(data, indent=2, ensure_ascii=False, default=str).encode()
    await chat.send_document(
        InputFile(body, filename="backstride-my-data.json"), caption=texts.MYDATA_CAPTION
    )


async def delete(update: Update, context: Context) -> None:
    svc = services(context)
    chat_id = private_chat_id(update)
    if chat_id is None:
        return
    if await svc.store.run(db.get_runner_row, chat_id) is None:
        await say(update, texts.NOTHING_STORED)
        return
    buttons = [[(texts.DELETE_YES, "del:yes"), (texts.DELETE_NO, "del:no")]]
    await say(update, texts.DELETE_CONFIRM, keyboard(buttons))


async def delete_choice(update: Update, context: Context) -> None:
    svc = services(context)
    query = update.callback_query
    chat_id = private_chat_id(update)
    assert query is not None
    await answer_query(update)
    await drop_buttons(update)
    if chat_id is None or query.data != "del:yes":
        await say(update, texts.DELETE_KEPT)
        return
    removed = await svc.store.run(db.erase_runner, chat_id)
    log.info("a runner erased their data (%d rows)", removed)
    await say(update, texts.DELETED)


def register(application: Application) -> None:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    application.add_handlers(
        [
            CommandHandler("privacy", privacy, filters=private),
            CommandHandler("mydata", my_data, filters=private),
            CommandHandler("delete", delete, filters=private),
            CallbackQueryHandler(delete_choice, pattern=r"^del:(yes|no)$"),
        ]
    )
