"""Re-import: show what reloading ``schedules/`` would change, and apply it on confirmation."""

from __future__ import annotations

from telegram import Update

from bot.core import content, texts
from bot.core.models import Slot, Tip
from bot.services import admin
from bot.services.runtime import services
from bot.telegram.handlers.admin.common import (
    MENU,
    Press,
    State,
    fit,
    forget_tips,
    grace,
    problems_text,
    show,
)
from bot.telegram.handlers.common import Buttons, Context

LIST_LIMIT = 10  # items listed per group in a re-import diff


def _diff_lines(diff: admin.ImportDiff) -> list[str]:
    lines: list[str] = []
    groups: list[tuple[str, tuple[Slot, ...] | tuple[Tip, ...]]] = [
        (texts.ADMIN_DIFF_SLOTS_ADDED, diff.slots_added),
        (texts.ADMIN_DIFF_SLOTS_CHANGED, diff.slots_changed),
        (texts.ADMIN_DIFF_SLOTS_DISABLED, diff.slots_disabled),
        (texts.ADMIN_DIFF_TIPS_ADDED, diff.tips_added),
        (texts.ADMIN_DIFF_TIPS_CHANGED, diff.tips_changed),
        (texts.ADMIN_DIFF_TIPS_RETIRED, diff.tips_retired),
    ]
    for heading, items in groups:
        if not items:
            continue
        lines.append(heading.format(n=len(items)))
        for item in items[:LIST_LIMIT]:
            lines.append(f"  • {texts.esc(item.title)} <i>({texts.esc(item.id)})</i>")
        if len(items) > LIST_LIMIT:
            lines.append("  " + texts.ADMIN_MORE.format(n=len(items) - LIST_LIMIT))
    if diff.reordered:
        lines.append(texts.ADMIN_DIFF_REORDERED.format(categories=", ".join(diff.reordered)))
    for language in diff.translation_languages:
        changed = sum(t.language == language for t in diff.translations_changed)
        removed = sum(t.language == language for t in diff.translations_removed)
        lines.append(
            texts.ADMIN_DIFF_TRANSLATIONS.format(
                language=language, changed=changed, removed=removed
            )
        )
    return lines


async def _refused(update: Update, exc: content.ContentError, back: Buttons) -> State:
    """The files do not validate: list what is wrong, import nothing."""
    lead = texts.ADMIN_IMPORT_REFUSED.format(
        problems=texts.plural(len(exc.errors), "problem", "problems")
    )
    await show(update, problems_text(lead, exc.errors), back)
    return MENU


async def show_diff(update: Update, context: Context, args: list[str], press: Press) -> State:
    svc = services(context)
    back = [[(texts.ADMIN_BACK, "a:m")]]
    try:
        diff = await svc.store.run(admin.reimport_diff, svc.settings.schedules_dir)
    except content.ContentError as exc:
        return await _refused(update, exc, back)
    if diff.empty:
        await show(update, texts.ADMIN_IMPORT_SAME, back)
        return MENU
    text = fit([texts.ADMIN_IMPORT_DIFF, *_diff_lines(diff), texts.ADMIN_IMPORT_CONFIRM])
    rows = [[(texts.ADMIN_IMPORT_APPLY, f"a:iy:{diff.fingerprint}"), (texts.ADMIN_CANCEL, "a:m")]]
    await show(update, text, rows)
    return MENU


async def apply(update: Update, context: Context, args: list[str], press: Press) -> State:
    svc = services(context)
    if not args:
        return press.stale()
    back = [[(texts.ADMIN_HOME, "a:m")]]
    try:
        diff = await svc.store.run(
            admin.reimport_apply,
            svc.settings.schedules_dir,
            args[0],
            admin_id=press.admin_id,
            now=svc.now(),
            grace=grace(svc),
        )
    except content.ContentError as exc:
        return await _refused(update, exc, back)
    except admin.AdminError as exc:
        press.refused(exc.problems)  # the files changed since the diff: show the new one
        return await show_diff(update, context, [], Press(press.admin_id))
    forget_tips(svc, admin.forgotten_tips(diff))
    svc.wake_sender()
    await show(update, fit([texts.ADMIN_IMPORT_DONE, *_diff_lines(diff)]), back)
    return MENU
