"""The main menu: /admin opens it, /cancel and Close leave it, Back returns to it."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update

from bot.core import texts
from bot.services import admin
from bot.services.runtime import services
from bot.telegram.handlers.admin.common import END, MENU, Press, State, admin_id_of, refuse, show
from bot.telegram.handlers.common import Buttons, Context, chunk, keyboard, say


def _menu_rows() -> Buttons:
    items = [(label, f"a:{key}") for key, label in texts.ADMIN_MENU_BUTTONS.items()]
    return [*chunk(items, 2), [(texts.ADMIN_CLOSE, "a:x")]]


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
    menu = keyboard(_menu_rows())
    return await _start_over(update, context, "open", texts.ADMIN_MENU, MENU, menu)


async def cancel(update: Update, context: Context) -> State:
    return await _start_over(update, context, "cancel", texts.ADMIN_CLOSED, END)


async def main_menu(update: Update, context: Context, args: list[str], press: Press) -> State:
    await show(update, texts.ADMIN_MENU, _menu_rows())
    return MENU


async def close(update: Update, context: Context, args: list[str], press: Press) -> State:
    await show(update, texts.ADMIN_CLOSED)
    return END
