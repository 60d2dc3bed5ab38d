"""The language a runner reads BackStride in: set for every update, and chosen with /language
(or the buttons under the time zone question and in /settings).

Every update is handled in its runner's language: a handler in a group before all others
looks it up (a small cache in front of the database) and makes it the current one
(:func:`bot.core.i18n.activate`) for the rest of the update's task. A chat that is not a runner
yet reads the language of its Telegram app (``language_code``), English when we don't ship it.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Any

from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler, TypeHandler

from bot.core import i18n, texts
from bot.services import languages
from bot.services.runtime import Services, services
from bot.telegram.handlers import onboarding
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

log = logging.getLogger(__name__)

#: Before the guard group (-100): even the guard's "stale button" answer is in the language.
LANGUAGE_GROUP = -200
CALLBACK_PREFIX = "lang:"
ADMIN_COMMAND = ("admin", "Admin menu")


class LanguageBook:
    """The languages of the chats seen lately (least recently used forgotten first), so an
    update costs no database read; the database stays the truth."""

    def __init__(self, capacity: int = 50_000) -> None:
        self.capacity = capacity
        self._known: OrderedDict[int, str] = OrderedDict()

    def get(self, chat_id: int) -> str | None:
        found = self._known.get(chat_id)
        if found is not None:
            self._known.move_to_end(chat_id)
        return found

    def put(self, chat_id: int, language: str) -> None:
        self._known[chat_id] = language
        self._known.move_to_end(chat_id)
        while len(self._known) > self.capacity:
            self._known.popitem(last=False)

    def forget(self, chat_id: int) -> None:
        self._known.pop(chat_id, None)


def book(svc: Services) -> LanguageBook:
    found = svc.extras.get("languages")
    if not isinstance(found, LanguageBook):
        found = svc.extras["languages"] = LanguageBook()
    return found


def forget(context: Context, chat_id: int) -> None:
    """The runner's data was erased: their next update reads the language afresh."""
    book(services(context)).forget(chat_id)


def language_row() -> list[tuple[str, str]]:
    """One button per shipped language, each named in its own language."""
    return list(onboarding.LANGUAGE_ROW)


def command_menu(language: str, *, admin: bool = False) -> list[BotCommand]:
    """The command menu in `language` (an admin's has /admin too, in English like the rest of
    the admin menus)."""
    with i18n.use(language):
        pairs = [*texts.T.COMMANDS, ADMIN_COMMAND] if admin else list(texts.T.COMMANDS)
    return [BotCommand(c, d) for c, d in pairs]


async def activate(update: object, context: Context) -> None:
    """Make the update's runner's language the current one (never stops the update)."""
    if not isinstance(update, Update):
        return
    user = update.effective_user
    telegram_language = i18n.supported(user.language_code if user else None)
    chat_id = private_chat_id(update)
    if chat_id is None:
        i18n.activate(telegram_language)
        return
    svc = services(context)
    known = book(svc)
    language = known.get(chat_id)
    if language is None:
        stored = await svc.store.run(languages.language_of, chat_id)
        language = stored or telegram_language
        if stored is not None:
            known.put(chat_id, stored)
    i18n.activate(language)


async def ask(update: Update, context: Context) -> None:
    """/language: the buttons, with the language in force."""
    current = i18n.LANGUAGE_NAMES[i18n.current()]
    await say(update, texts.T.LANGUAGE_PROMPT.format(language=current), keyboard([language_row()]))


async def choose(update: Update, context: Context) -> None:
    """A language button: make it the runner's, answer in it, and give them its command menu."""
    query = update.callback_query
    chat_id = private_chat_id(update)
    code = (query.data or "").removeprefix(CALLBACK_PREFIX) if query else ""
    if chat_id is None or code not in i18n.LANGUAGES:
        await answer_query(update, texts.T.STALE_BUTTON)
        return
    svc = services(context)
    choice = await svc.store.run(languages.choose, chat_id, code, svc.now())
    book(svc).put(chat_id, choice.language)
    i18n.activate(choice.language)
    await answer_query(update)
    await drop_buttons(update)
    if not choice.changed:
        await say(update, texts.T.LANGUAGE_SAME)
        return
    # Mid-onboarding the open question comes again in the new language, in the same message
    # (one message a press: a chat is paced at one a second).
    asked = choice.stored and await onboarding.ask_again(update, context, texts.T.LANGUAGE_SET)
    if not asked:
        await say(update, texts.T.LANGUAGE_SET if choice.stored else texts.T.LANGUAGE_SET_START)
    await _chat_menu(update, svc, chat_id, choice.language)


async def _chat_menu(update: Update, svc: Services, chat_id: int, language: str) -> None:
    """This chat's command menu in its language, whatever its Telegram app is set to."""
    user = update.effective_user
    admin = svc.is_admin(user.id if user else None)
    try:
        await update.get_bot().set_my_commands(
            command_menu(language, admin=admin), scope=BotCommandScopeChat(chat_id=chat_id)
        )
    except TelegramError as exc:  # the menu is a convenience: the choice is saved
        log.warning("could not set a runner's command menu (%s)", type(exc).__name__)


def register_early(application: Any) -> None:
    """The language of every update, before any other handler sees it."""
    application.add_handler(TypeHandler(Update, activate), group=LANGUAGE_GROUP)


def handlers() -> Handlers:
    """/language and its buttons: registered ahead of onboarding's conversation, which would
    otherwise take them as an answer to its open question."""
    return [
        *private_commands(language=ask),
        CallbackQueryHandler(choose, pattern=f"^{CALLBACK_PREFIX}"),
    ]
