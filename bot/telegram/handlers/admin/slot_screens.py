"""How a slot looks in the admin menu: its timing and days in words, its screen and buttons,
and the screens shown after an edit."""

from __future__ import annotations

from bot.core import texts
from bot.core.models import Anchor, AnchorKind, Days, DaysKind, Slot, SlotKind
from bot.services import admin, catalog
from bot.telegram.handlers.admin.common import category_label
from bot.telegram.handlers.common import Buttons, format_delay


def anchor_words(anchor: Anchor) -> str:
    if anchor.kind is AnchorKind.FIXED:
        at = anchor.time.strftime("%H:%M") if anchor.time else "?"
        return texts.ADMIN_ANCHOR_FIXED.format(time=at)
    base = texts.ADMIN_RUN if anchor.kind is AnchorKind.RUN_TIME else texts.ADMIN_TIP_TIME
    offset = anchor.offset_minutes
    if offset == 0:
        return texts.ADMIN_ANCHOR_AT.format(base=base)
    template = texts.ADMIN_ANCHOR_BEFORE if offset < 0 else texts.ADMIN_ANCHOR_AFTER
    return template.format(duration=format_delay(abs(offset)), base=base)


def days_words(days: Days) -> str:
    if days.kind is DaysKind.WEEKDAYS:
        words = ", ".join(texts.DAY_LABELS[d] for d in sorted(days.weekdays))
    else:
        words = texts.ADMIN_DAYS_KINDS.get(days.kind.value, days.kind.value)
    return words + (texts.ADMIN_WEEKLY_SUFFIX if days.weekly else "")


def _kind_words(slot: Slot) -> str:
    if slot.kind is SlotKind.CHECK_IN:
        return texts.ADMIN_KIND_CHECK_IN
    if slot.kind is SlotKind.EDUCATION:
        return texts.ADMIN_KIND_EDUCATION
    template = texts.ADMIN_KIND_SESSION if slot.kind is SlotKind.SESSION else texts.ADMIN_KIND_TIP
    return template.format(categories=", ".join(category_label(c) for c in slot.categories))


def _slot_fields(slot: Slot) -> dict[str, str]:
    """What the slot's line in the list and its screen both say."""
    return {
        "title": texts.esc(slot.title),
        "kind": texts.esc(_kind_words(slot)),
        "anchor": anchor_words(slot.anchor),
        "days": days_words(slot.days),
        "status": texts.ADMIN_ON if slot.enabled else texts.ADMIN_OFF,
    }


def slot_line(number: int, view: admin.SlotView) -> str:
    reach = texts.plural(view.reach, "runner", "runners")
    return texts.ADMIN_SLOT_LINE.format(n=number, reach=reach, **_slot_fields(view.slot))


def slot_text(slot: Slot, reach: int, note: str = "") -> str:
    text = texts.ADMIN_SLOT_DETAIL.format(
        id=texts.esc(slot.id), reach=texts.plural(reach, "runner", "runners"), **_slot_fields(slot)
    )
    if slot.kind is SlotKind.CHECK_IN and slot.anchor.kind is AnchorKind.RUN_TIME:
        text += "\n" + texts.ADMIN_CHECKIN_DELAY_NOTE
    return f"{note}\n\n{text}" if note else text


def slot_screen(found: catalog.SlotWithReach) -> tuple[str, Buttons]:
    return slot_text(found.slot, found.reach), slot_rows(found.slot)


def slot_rows(slot: Slot) -> Buttons:
    r = admin.ref(slot.id)
    weekly = texts.ADMIN_WEEKLY_ON if slot.days.weekly else texts.ADMIN_WEEKLY_OFF
    return [
        [
            (texts.ADMIN_ANCHOR_BUTTONS["fixed"], f"a:sa:{r}:fixed"),
            (texts.ADMIN_ANCHOR_BUTTONS["run"], f"a:sa:{r}:run"),
            (texts.ADMIN_ANCHOR_BUTTONS["tip"], f"a:sa:{r}:tip"),
        ],
        [
            (texts.ADMIN_DAYS_BUTTON, f"a:sd:{r}"),
            (weekly, f"a:sy:{r}:{0 if slot.days.weekly else 1}"),
        ],
        [
            (
                texts.ADMIN_DISABLE if slot.enabled else texts.ADMIN_ENABLE,
                f"a:se:{r}:{0 if slot.enabled else 1}",
            )
        ],
        [(texts.ADMIN_BACK_SLOTS, "a:sl")],
    ]


def days_text(slot: Slot) -> str:
    return texts.ADMIN_DAYS.format(title=texts.esc(slot.title), days=days_words(slot.days))


def days_screen(slot: Slot) -> tuple[str, Buttons]:
    return days_text(slot), days_rows(slot)


def days_rows(slot: Slot) -> Buttons:
    r = admin.ref(slot.id)
    days = slot.days

    def mark(on: bool, label: str) -> str:
        return f"✅ {label}" if on else label

    kinds = [
        (mark(days.kind.value == key, label), f"a:sk:{r}:{key}")
        for key, label in texts.ADMIN_DAYS_BUTTONS.items()
    ]
    weekdays = [
        (
            mark(days.kind is DaysKind.WEEKDAYS and d in days.weekdays, label),
            f"a:sw:{r}:{d}",
        )
        for d, label in enumerate(texts.DAY_LABELS)
    ]
    return [kinds, weekdays[:4], weekdays[4:], [(texts.ADMIN_BACK, f"a:s:{r}")]]


def saved_note(change: admin.SlotChange) -> str:
    if change.before == change.slot:
        return texts.ADMIN_UNCHANGED
    schedules = texts.plural(change.rescheduled, "runner schedule", "runner schedules")
    return texts.ADMIN_SLOT_SAVED.format(title=texts.esc(change.slot.title), schedules=schedules)


def slot_view(change: admin.SlotChange) -> tuple[str, Buttons]:
    """The slot's screen after an edit."""
    return slot_text(change.slot, change.reach, saved_note(change)), slot_rows(change.slot)


def days_view(change: admin.SlotChange) -> tuple[str, Buttons]:
    """The days screen after an edit of the slot's days."""
    return f"{saved_note(change)}\n\n{days_text(change.slot)}", days_rows(change.slot)
