"""The main menu: /admin opens it, /cancel and Close leave it, Back returns to it."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update, WebAppInfo
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.core import texts
from bot.services import admin
from bot.services.runtime import services
from bot.telegram.handlers.admin.common import (
    END,
    MENU,
    Press,
    State,
    admin_id_of,
    log,
    refuse,
    show,
)
from bot.telegram.handlers.common import Buttons, Context, chunk, keyboard, say

OPEN_CONSOLE = "🖥 Open console"


def _menu_rows() -> Buttons:
    items = [(label, f"a:{key}") for key, label in texts.ADMIN_MENU_BUTTONS.items()]
    return [*chunk(items, 2), [(texts.ADMIN_CLOSE, "a:x")]]


def _console_url(context: Context) -> str | None:
    return services(context).settings.admin_web_url


def _menu_markup(context: Context) -> InlineKeyboardMarkup:
    """The menu's buttons; with ADMIN_WEB_URL set, the web console (a Mini App) before Close."""
    markup = keyboard(_menu_rows())
    url = _console_url(context)
    if not url:
        return markup
    rows = list(markup.inline_keyboard)
    console = [InlineKeyboardButton(OPEN_CONSOLE, web_app=WebAppInfo(url=url))]
    return InlineKeyboardMarkup([*rows[:-1], console, rows[-1]])


async def _start_over(
    update: Update,
    context: Context,
    action: str,
    text: str,
    state: State,
    markup: InlineKeyboardMarkup | None = None,
) -> State:
    """Forget the admin's draft, say `text` and go to `state` (refused for anyone else)."""
    admin_id = admin_id_of(update, context)
    if admin_id is None:
        return await refuse(update, action)
    await services(context).store.run(admin.clear_draft, admin_id)
    await say(update, text, markup)
    return state


async def admin_command(update: Update, context: Context) -> State:
    menu = _menu_markup(context)
    return await _start_over(update, context, "open", texts.ADMIN_MENU, MENU, menu)


async def cancel(update: Update, context: Context) -> State:
    return await _start_over(update, context, "cancel", texts.ADMIN_CLOSED, END)


async def main_menu(update: Update, context: Context, args: list[str], press: Press) -> State:
    if not _console_url(context):
        await show(update, texts.ADMIN_MENU, _menu_rows())
        return MENU
    # `show` takes callback rows only; the console button is a WebApp button.
    markup = _menu_markup(context)
    query = update.callback_query
    if query is not None and query.message is not None:
        try:
            await query.edit_message_text(
                texts.ADMIN_MENU, parse_mode=ParseMode.HTML, reply_markup=markup
            )
            return MENU
        except BadRequest as exc:
            if "not modified" in exc.message.lower():
                return MENU
            log.debug("could not edit the admin menu: %s", exc)
    await say(update, texts.ADMIN_MENU, markup)
    return MENU


async def close(update: Update, context: Context, args: list[str], press: Press) -> State:
    await show(update, texts.ADMIN_CLOSED)
    return END
