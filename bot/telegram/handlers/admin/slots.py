"""Slot actions: the list, one slot's screen, its timing, days, weekly and on/off switches, new
slots, and a day's preview for a time zone."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from telegram import Update

from bot.core import content, texts
from bot.core.clock import parse_clock
from bot.core.models import TIP_CATEGORIES, Anchor, AnchorKind, Days, DaysKind, SlotKind
from bot.core.timezones import match_zone
from bot.services import admin, catalog
from bot.services.runtime import services
from bot.telegram.handlers.admin.common import (
    INPUT,
    MENU,
    Action,
    Press,
    State,
    ask,
    category_arg,
    category_label,
    fit,
    grace,
    lookup,
    retry,
    screen,
    show,
)
from bot.telegram.handlers.admin.slot_screens import (
    anchor_words,
    days_screen,
    days_view,
    slot_line,
    slot_rows,
    slot_screen,
    slot_text,
    slot_view,
)
from bot.telegram.handlers.common import Buttons, Context, chunk, keyboard, say

_MINUTES = re.compile(r"^\s*([+\-−]?)\s*(\d{1,4})\s*(?:m|min|mins|minutes)?\s*$", re.IGNORECASE)


async def show_slots(update: Update, context: Context, args: list[str], press: Press) -> State:
    views = await services(context).store.run(admin.list_slots)
    lines = [texts.ADMIN_SLOTS.format(slots=texts.plural(len(views), "slot", "slots"))]
    lines += [slot_line(i, view) for i, view in enumerate(views, 1)]
    lines.append(texts.ADMIN_SLOTS_HINT)
    rows: list[list[tuple[str, str]]] = [
        [(f"{i}. {view.slot.title}"[:60], f"a:s:{admin.ref(view.slot.id)}")]
        for i, view in enumerate(views, 1)
    ]
    rows.append([(texts.ADMIN_ADD_SLOT, "a:sn"), (texts.ADMIN_PREVIEW_DAY, "a:pv")])
    rows.append([(texts.ADMIN_BACK, "a:m")])
    await show(update, fit(lines), rows)
    return MENU


show_slot = screen(catalog.slot_with_reach, slot_screen)


# ---------------------------------------------------------------------------------------------
# Timing (typed)


async def ask_anchor(update: Update, context: Context, args: list[str], press: Press) -> State:
    slot = await lookup(context, catalog.find_slot, args)
    kind = args[1] if len(args) > 1 else ""
    if slot is None or kind not in texts.ADMIN_ANCHOR_PROMPTS:
        return press.stale()
    prompt = texts.ADMIN_ANCHOR_PROMPTS[kind].format(
        title=texts.esc(slot.title), now=anchor_words(slot.anchor)
    )
    draft = admin.Draft(awaiting="anchor", slot=slot.id, anchor=kind)
    back = [[(texts.ADMIN_BACK, f"a:s:{admin.ref(slot.id)}")]]
    return await ask(update, context, press.admin_id, draft, prompt, back)


def parse_anchor(kind: str, text: str) -> Anchor | str:
    """The anchor an admin typed, or what to tell them."""
    if kind == "fixed":
        at = parse_clock(text)
        if at is None:
            return texts.ADMIN_BAD_TIME.format(text=texts.esc(text.strip()[:40]))
        return Anchor(AnchorKind.FIXED, 0, at)
    match = _MINUTES.match(text)
    if match is None:
        return texts.ADMIN_BAD_MINUTES.format(text=texts.esc(text.strip()[:40]))
    minutes = int(match.group(2)) * (-1 if match.group(1) in ("-", "−") else 1)
    limit = content.ANCHOR_MINUTES_MAX
    if not -limit <= minutes <= limit:
        return texts.ADMIN_MINUTES_RANGE.format(limit=limit)
    anchor_kind = AnchorKind.RUN_TIME if kind == "run" else AnchorKind.TIP_TIME
    return Anchor(anchor_kind, minutes)


async def typed_anchor(
    update: Update, context: Context, admin_id: int, draft: admin.Draft, text: str
) -> State:
    svc = services(context)
    parsed = parse_anchor(draft.anchor or "", text)
    if isinstance(parsed, str):
        await say(update, parsed)
        return INPUT
    try:
        change = await svc.store.run(
            admin.set_slot_anchor,
            draft.slot or "",
            parsed,
            admin_id=admin_id,
            now=svc.now(),
            grace=grace(svc),
        )
    except admin.AdminError as exc:
        return await retry(update, texts.ADMIN_NOT_SAVED, exc.problems)
    svc.wake_sender()
    await svc.store.run(admin.clear_draft, admin_id)
    text_out, rows = slot_view(change)
    await say(update, text_out, keyboard(rows))
    return MENU


# ---------------------------------------------------------------------------------------------
# Switches and days (buttons)


async def _slot_change(
    update: Update,
    context: Context,
    press: Press,
    reference: str,
    operation: Callable[..., admin.SlotChange],
    value: Any,
    view: Callable[[admin.SlotChange], tuple[str, Buttons]] = slot_view,
) -> State:
    """Apply one slot edit as this admin and show the result (the slot screen by default)."""
    svc = services(context)
    slot = await lookup(context, catalog.find_slot, [reference])
    if slot is None:
        return press.stale()
    try:
        change = await svc.store.run(
            operation, slot.id, value, admin_id=press.admin_id, now=svc.now(), grace=grace(svc)
        )
    except admin.AdminError as exc:
        return press.refused(exc.problems)
    svc.wake_sender()
    press.toast = texts.ADMIN_SAVED_TOAST if change.before != change.slot else None
    await show(update, *view(change))
    return MENU


def _switch(operation: Callable[..., admin.SlotChange]) -> Action:
    """The action of an on/off button (``<slot>:<0|1>``) that `operation` applies."""

    async def action(update: Update, context: Context, args: list[str], press: Press) -> State:
        if len(args) < 2 or args[1] not in ("0", "1"):
            return press.stale()
        return await _slot_change(update, context, press, args[0], operation, args[1] == "1")

    return action


set_enabled = _switch(admin.toggle_slot)
set_weekly = _switch(admin.set_slot_weekly)


async def _days_change(
    update: Update, context: Context, press: Press, reference: str, days: Days
) -> State:
    return await _slot_change(
        update, context, press, reference, admin.set_slot_days, days, days_view
    )


show_days = screen(catalog.find_slot, days_screen)


async def set_days_kind(update: Update, context: Context, args: list[str], press: Press) -> State:
    if len(args) < 2 or args[1] not in texts.ADMIN_DAYS_BUTTONS:
        return press.stale()
    days = Days(DaysKind(args[1]))
    return await _days_change(update, context, press, args[0], days)


async def toggle_weekday(update: Update, context: Context, args: list[str], press: Press) -> State:
    slot = await lookup(context, catalog.find_slot, args)
    if slot is None or len(args) < 2 or args[1] not in {str(d) for d in range(7)}:
        return press.stale()
    day = int(args[1])
    current = slot.days.weekdays if slot.days.kind is DaysKind.WEEKDAYS else frozenset[int]()
    days = Days(DaysKind.WEEKDAYS, frozenset(current ^ {day}))
    return await _days_change(update, context, press, args[0], days)


# ---------------------------------------------------------------------------------------------
# New slots


async def new_slot(update: Update, context: Context, args: list[str], press: Press) -> State:
    categories, check_in = await services(context).store.run(admin.new_slot_options)
    items = [
        (category_label(c), f"a:snc:{TIP_CATEGORIES.index(c)}")
        for c in categories
        if c in TIP_CATEGORIES
    ]
    rows: list[list[tuple[str, str]]] = chunk(items, 2)
    if check_in:
        rows.append([(texts.ADMIN_NEW_CHECK_IN, "a:snk")])
    rows.append([(texts.ADMIN_BACK, "a:sl")])
    await show(update, texts.ADMIN_NEW_SLOT, rows)
    return MENU


async def _add_slot(
    update: Update, context: Context, press: Press, kind: SlotKind, category: str | None
) -> State:
    svc = services(context)
    title = (
        texts.ADMIN_NEW_TIP_SLOT_TITLE.format(category=category_label(category))
        if category
        else texts.ADMIN_NEW_CHECK_IN_TITLE
    )
    try:
        change = await svc.store.run(
            admin.add_slot, kind, category, title, admin_id=press.admin_id, now=svc.now()
        )
    except admin.AdminError as exc:
        return press.refused(exc.problems)
    note = texts.ADMIN_SLOT_ADDED.format(title=texts.esc(change.slot.title))
    await show(update, slot_text(change.slot, 0, note), slot_rows(change.slot))
    return MENU


async def new_tip_slot(update: Update, context: Context, args: list[str], press: Press) -> State:
    category = category_arg(args)
    if category is None:
        return press.stale()
    return await _add_slot(update, context, press, SlotKind.TIP, category)


async def new_check_in(update: Update, context: Context, args: list[str], press: Press) -> State:
    return await _add_slot(update, context, press, SlotKind.CHECK_IN, None)


# ---------------------------------------------------------------------------------------------
# A day's preview (typed time zone)


async def ask_preview(update: Update, context: Context, args: list[str], press: Press) -> State:
    back = [[(texts.ADMIN_BACK, "a:sl")]]
    draft = admin.Draft(awaiting="preview")
    return await ask(update, context, press.admin_id, draft, texts.ADMIN_PREVIEW_PROMPT, back)


async def typed_preview(
    update: Update, context: Context, admin_id: int, draft: admin.Draft, text: str
) -> State:
    svc = services(context)
    match = match_zone(text)
    if match.zone is None:
        if match.suggestions:
            await say(update, texts.ADMIN_ZONE_SUGGEST.format(zones=", ".join(match.suggestions)))
        else:
            await say(update, texts.ADMIN_ZONE_UNKNOWN.format(text=texts.esc(text.strip()[:60])))
        return INPUT
    slots = await svc.store.run(admin.plan_for_preview)
    days = admin.preview_days(slots, match.zone, svc.now())
    lines = [texts.ADMIN_PREVIEW_HEAD.format(zone=texts.esc(match.zone))]
    for i, (date, items) in enumerate(days):
        label = texts.ADMIN_PREVIEW_DAY_LABELS[min(i, len(texts.ADMIN_PREVIEW_DAY_LABELS) - 1)]
        lines.append(texts.ADMIN_PREVIEW_DATE.format(label=label, date=date.strftime("%a %d %b")))
        lines += [f"{at:%H:%M}  {texts.esc(slot.title)}" for at, slot in items]
        if not items:
            lines.append(texts.ADMIN_PREVIEW_NOTHING)
    await svc.store.run(admin.clear_draft, admin_id)
    rows = [[(texts.ADMIN_BACK_SLOTS, "a:sl"), (texts.ADMIN_HOME, "a:m")]]
    await say(update, fit(lines), keyboard(rows))
    return MENU
