"""Tip actions: categories and their pages, one tip's screen and preview, adding and editing a
tip (typed), retiring and reactivating one."""

from __future__ import annotations

from telegram import Update

from bot.core import texts
from bot.core.models import TIP_CATEGORIES, Tip
from bot.services import admin, catalog
from bot.services.delivery import render_tip
from bot.services.runtime import services
from bot.telegram.handlers.admin.common import (
    MENU,
    Press,
    State,
    ask,
    category_arg,
    category_label,
    forget_tips,
    lookup,
    retry,
    screen,
    show,
    typed_answer,
)
from bot.telegram.handlers.common import Buttons, Context, chunk, keyboard, parse_id, say

_BACK = [[(texts.ADMIN_BACK, "a:tl")]]


def _tip_text(tip: Tip, version: int | None = None, note: str = "") -> str:
    text = texts.ADMIN_TIP_DETAIL.format(
        title=texts.esc(tip.title),
        id=texts.esc(tip.id),
        category=texts.esc(category_label(tip.category)),
        status=texts.ADMIN_TIP_ACTIVE if tip.active else texts.ADMIN_TIP_RETIRED,
    )
    if version is not None:
        text += texts.ADMIN_TIP_VERSION.format(version=version)
    return f"{note}\n\n{text}" if note else text


def _tip_rows(tip: Tip) -> Buttons:
    r = admin.ref(tip.id)
    category = TIP_CATEGORIES.index(tip.category) if tip.category in TIP_CATEGORIES else 0
    toggle = (
        (texts.ADMIN_TIP_RETIRE, f"a:tr:{r}")
        if tip.active
        else (texts.ADMIN_TIP_REACTIVATE, f"a:ta:{r}")
    )
    return [
        [(texts.ADMIN_TIP_PREVIEW, f"a:tp:{r}"), (texts.ADMIN_TIP_EDIT, f"a:te:{r}")],
        [toggle],
        [(texts.ADMIN_BACK_TO.format(what=category_label(tip.category)), f"a:tc:{category}:0")],
    ]


# ---------------------------------------------------------------------------------------------
# Browsing


async def show_categories(update: Update, context: Context, args: list[str], press: Press) -> State:
    tips = await services(context).store.run(catalog.all_tips)
    items = []
    for i, category in enumerate(TIP_CATEGORIES):
        mine = [t for t in tips if t.category == category]
        active = sum(t.active for t in mine)
        label = texts.ADMIN_CATEGORY_BUTTON.format(
            label=category_label(category), active=active, total=len(mine)
        )
        items.append((label, f"a:tc:{i}:0"))
    rows = [*chunk(items, 2), [(texts.ADMIN_ADD_TIP, "a:tn")], [(texts.ADMIN_BACK, "a:m")]]
    await show(update, texts.ADMIN_TIPS, rows)
    return MENU


async def show_page(update: Update, context: Context, args: list[str], press: Press) -> State:
    category = category_arg(args)
    page = (parse_id(args[1]) if len(args) > 1 else None) or 0
    if category is None:
        return press.stale()
    tips, page, pages = await services(context).store.run(admin.list_tips, category, page)
    index = TIP_CATEGORIES.index(category)
    text = texts.ADMIN_TIP_PAGE.format(label=category_label(category), page=page + 1, pages=pages)
    rows: list[list[tuple[str, str]]] = [
        [(("" if t.active else "🚫 ") + t.title[:48], f"a:t:{admin.ref(t.id)}")] for t in tips
    ]
    if not tips:
        text += "\n" + texts.ADMIN_NO_TIPS
    paging = []
    if page > 0:
        paging.append((texts.ADMIN_PREV, f"a:tc:{index}:{page - 1}"))
    if page + 1 < pages:
        paging.append((texts.ADMIN_NEXT, f"a:tc:{index}:{page + 1}"))
    if paging:
        rows.append(paging)
    rows.append([(texts.ADMIN_ADD_TIP_HERE, f"a:tnc:{index}"), (texts.ADMIN_BACK, "a:tl")])
    await show(update, text, rows)
    return MENU


def _tip_screen(found: catalog.TipWithVersion) -> tuple[str, Buttons]:
    return _tip_text(found.tip, found.version), _tip_rows(found.tip)


show_tip = screen(catalog.tip_with_version, _tip_screen)


async def preview_tip(update: Update, context: Context, args: list[str], press: Press) -> State:
    tip = await lookup(context, catalog.find_tip, args)
    if tip is None:
        return press.stale()
    await say(update, render_tip(tip))
    return MENU


# ---------------------------------------------------------------------------------------------
# Adding and editing (typed)


async def new_tip(update: Update, context: Context, args: list[str], press: Press) -> State:
    items = [(category_label(c), f"a:tnc:{i}") for i, c in enumerate(TIP_CATEGORIES)]
    await show(update, texts.ADMIN_TIP_CATEGORY, [*chunk(items, 2), *_BACK])
    return MENU


async def ask_new_tip(update: Update, context: Context, args: list[str], press: Press) -> State:
    category = category_arg(args)
    if category is None:
        return press.stale()
    prompt = texts.ADMIN_TIP_ADD_PROMPT.format(label=category_label(category))
    draft = admin.Draft(awaiting="tip_add", category=category)
    return await ask(update, context, press.admin_id, draft, prompt, _BACK)


async def ask_edit_tip(update: Update, context: Context, args: list[str], press: Press) -> State:
    tip = await lookup(context, catalog.find_tip, args)
    if tip is None:
        return press.stale()
    prompt = texts.ADMIN_TIP_EDIT_PROMPT.format(
        title=texts.esc(tip.title), body=texts.esc(tip.body)
    )
    draft = admin.Draft(awaiting="tip_edit", tip=tip.id)
    return await ask(update, context, press.admin_id, draft, prompt, _BACK)


async def typed_tip(
    update: Update, context: Context, admin_id: int, draft: admin.Draft, text: str
) -> State:
    svc = services(context)
    title, _ = admin.parse_tip_message(text)
    _, body = admin.parse_tip_message(typed_answer(update))
    try:
        if draft.awaiting == "tip_add":
            change = await svc.store.run(
                admin.add_tip, draft.category or "", title, body, admin_id=admin_id, now=svc.now()
            )
            note = texts.ADMIN_TIP_ADDED.format(label=category_label(change.tip.category))
        else:
            change = await svc.store.run(
                admin.edit_tip, draft.tip or "", title, body, admin_id=admin_id, now=svc.now()
            )
            note = texts.ADMIN_TIP_SAVED if change.before != change.tip else texts.ADMIN_UNCHANGED
            if change.translated:
                languages = ", ".join(change.translated)
                note += "\n" + texts.ADMIN_TIP_TRANSLATIONS_KEPT.format(languages=languages)
    except admin.AdminError as exc:
        return await retry(update, texts.ADMIN_NOT_SAVED, exc.problems)
    forget_tips(svc, [change.tip.id])
    await svc.store.run(admin.clear_draft, admin_id)
    text_out = _tip_text(change.tip, change.version, note)
    text_out += "\n\n" + texts.ADMIN_AS_RUNNERS_SEE_IT + "\n\n" + render_tip(change.tip)
    await say(update, text_out, keyboard(_tip_rows(change.tip)))
    return MENU


# ---------------------------------------------------------------------------------------------
# Retiring and reactivating


async def _set_active(
    update: Update, context: Context, args: list[str], press: Press, active: bool
) -> State:
    """Retire (`active` False) or reactivate (True) the tip the button names."""
    svc = services(context)
    tip = await lookup(context, catalog.find_tip, args)
    if tip is None:
        return press.stale()
    operation = admin.reactivate_tip if active else admin.retire_tip
    try:
        change = await svc.store.run(operation, tip.id, admin_id=press.admin_id, now=svc.now())
    except admin.AdminError as exc:
        return press.refused(exc.problems)
    forget_tips(svc, [tip.id])
    note = texts.ADMIN_TIP_REACTIVATED if active else texts.ADMIN_TIP_RETIRED_NOTE
    if change.before == change.tip:
        note = texts.ADMIN_UNCHANGED
    for slot in change.starved_slots:
        note += "\n" + texts.ADMIN_SLOT_STARVED.format(
            title=texts.esc(slot.title), label=category_label(change.tip.category)
        )
    press.toast = texts.ADMIN_SAVED_TOAST
    await show(update, _tip_text(change.tip, change.version, note), _tip_rows(change.tip))
    return MENU


async def retire(update: Update, context: Context, args: list[str], press: Press) -> State:
    return await _set_active(update, context, args, press, active=False)


async def reactivate(update: Update, context: Context, args: list[str], press: Press) -> State:
    return await _set_active(update, context, args, press, active=True)
