"""Re-import from schedules/: compare the files with the live plan, then apply what the admin
confirmed (never deleting: deliveries refer to old slots and tips).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

from sqlite_utils import Database

from bot.core import content
from bot.core.models import (
    Slot,
    Tip,
    TipText,
)
from bot.services.admin.audit import _audit, slot_doc, tip_doc
from bot.services.admin.common import DEFAULT_GRACE, AdminError, _ts
from bot.services.admin.slots import _reschedule_slot
from bot.services.delivery import claim_due
from bot.storage import content as content_db
from bot.storage import store

__all__ = ["ImportDiff", "diff_library", "forgotten_tips", "reimport_apply", "reimport_diff"]


@dataclass(frozen=True)
class ImportDiff:
    slots_added: tuple[Slot, ...] = ()
    slots_changed: tuple[Slot, ...] = ()
    slots_disabled: tuple[Slot, ...] = ()  # in the database, not in the files: switched off
    tips_added: tuple[Tip, ...] = ()
    tips_changed: tuple[Tip, ...] = ()
    tips_retired: tuple[Tip, ...] = ()  # active in the database, not in the files: retired
    # Categories whose tips the files list in another order (the rotation follows the files).
    reordered: tuple[str, ...] = ()
    # Tips' words in the other languages: new or changed in the files, and gone from them.
    translations_changed: tuple[TipText, ...] = ()
    translations_removed: tuple[TipText, ...] = ()
    fingerprint: str = ""
    # The database's versions of slots_changed and tips_changed, in the same order (what
    # confirming replaces; not part of the fingerprint, which the new versions already pin).
    slots_before: tuple[Slot, ...] = ()
    tips_before: tuple[Tip, ...] = ()

    @property
    def empty(self) -> bool:
        return not (
            self.slots_added
            or self.slots_changed
            or self.slots_disabled
            or self.tips_added
            or self.tips_changed
            or self.tips_retired
            or self.reordered
            or self.translations_changed
            or self.translations_removed
        )

    @property
    def translation_languages(self) -> tuple[str, ...]:
        """The languages whose tip words change, for the preview."""
        changed = (*self.translations_changed, *self.translations_removed)
        return tuple(sorted({t.language for t in changed}))


def diff_library(
    slots: Sequence[Slot],
    tips: Sequence[Tip],
    library: content.Library,
    translations: Sequence[TipText] = (),
) -> ImportDiff:
    """What applying `library` to the current plan, tips and tip translations would change
    (pure)."""
    current_slots = {s.id: s for s in slots}
    file_slots = {s.id: s for s in library.slots}
    current_tips = {t.id: t for t in tips}
    file_tips = {t.id: t for t in library.tips}
    current_words = {(t.language, t.tip_id): t for t in translations}
    file_words = {(t.language, t.tip_id) for t in library.translations}
    diff = ImportDiff(
        slots_added=tuple(s for s in library.slots if s.id not in current_slots),
        slots_changed=tuple(
            s for s in library.slots if s.id in current_slots and current_slots[s.id] != s
        ),
        slots_disabled=tuple(s for s in slots if s.id not in file_slots and s.enabled),
        tips_added=tuple(t for t in library.tips if t.id not in current_tips),
        tips_changed=tuple(
            t for t in library.tips if t.id in current_tips and current_tips[t.id] != t
        ),
        reordered=tuple(sorted(_reordered(tips, library.tips))),
        tips_retired=tuple(t for t in tips if t.id not in file_tips and t.active),
        translations_changed=tuple(
            t for t in library.translations if current_words.get((t.language, t.tip_id)) != t
        ),
        translations_removed=tuple(
            t for t in translations if (t.language, t.tip_id) not in file_words
        ),
    )
    digest = hashlib.sha256()
    for group in (
        diff.slots_added,
        diff.slots_changed,
        diff.slots_disabled,
        diff.tips_added,
        diff.tips_changed,
        diff.tips_retired,
        diff.reordered,
        diff.translations_changed,
        diff.translations_removed,
    ):
        digest.update(repr(group).encode())
        digest.update(b"\x00")
    return replace(
        diff,
        fingerprint=digest.hexdigest()[:12],
        slots_before=tuple(current_slots[s.id] for s in diff.slots_changed),
        tips_before=tuple(current_tips[t.id] for t in diff.tips_changed),
    )


def _reordered(current: Sequence[Tip], files: Sequence[Tip]) -> set[str]:
    """Categories where the tips both sides have come in a different order (tips added or
    removed alone don't count: the others keep their order)."""
    known = {t.id for t in current} & {t.id for t in files}

    def order(tips: Sequence[Tip]) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for tip in sorted(tips, key=lambda t: (t.position, t.id)):
            if tip.id in known:
                found.setdefault(tip.category, []).append(tip.id)
        return found

    now, wanted = order(current), order(files)
    return {c for c in wanted if wanted[c] != now.get(c, wanted[c])}


def reimport_diff(database: Database, directory: Path) -> ImportDiff:
    """Load and validate `directory` (raises ``content.ContentError``, changing nothing) and
    compare it with the database."""
    library = content.load_schedules(directory)
    return diff_library(
        content_db.load_slots(database),
        content_db.load_tips(database),
        library,
        content_db.load_tip_texts(database),
    )


_Item = TypeVar("_Item", Slot, Tip)


def _audit_changes(
    database: Database,
    admin_id: int,
    now: dt.datetime,
    what: str,
    doc: Callable[[_Item], Any],
    changes: Iterable[tuple[_Item | None, _Item]],
) -> None:
    """One ``reimport_<what>`` audit row per (before, after) pair (before None: added)."""
    for before, after in changes:
        old = None if before is None else doc(before)
        _audit(database, admin_id, now, f"reimport_{what}", f"{what} {after.id}", old, doc(after))


def reimport_apply(
    database: Database,
    directory: Path,
    fingerprint: str,
    *,
    admin_id: int,
    now: dt.datetime,
    grace: dt.timedelta = DEFAULT_GRACE,
) -> ImportDiff:
    """Apply the files, if they still give the diff the admin confirmed (`fingerprint`):
    upsert slots and tips, switch off slots and retire tips that are not in the files (never
    delete: deliveries refer to them), audit each change, and reschedule changed slots."""
    library = content.load_schedules(directory)
    now_ts = _ts(now)
    claim_due(database, now, grace=grace)
    with store.immediate(database):
        slots = content_db.load_slots(database)
        tips = content_db.load_tips(database)
        diff = diff_library(slots, tips, library, content_db.load_tip_texts(database))
        if diff.fingerprint != fingerprint:
            raise AdminError("the files or the plan changed since the preview: look again")
        if diff.empty:
            return diff
        # Slots take the files' order; the ones the files no longer have keep their place.
        positions = content_db.slot_positions(database)
        order = {s.id: i for i, s in enumerate(library.slots)}
        changed = (*diff.slots_added, *diff.slots_changed)
        disabled = tuple(replace(s, enabled=False) for s in diff.slots_disabled)
        content_db.save_slots(
            database,
            [
                content_db.slot_to_row(
                    s, order.get(s.id, positions.get(s.id, 0)), updated_by=admin_id, now=now_ts
                )
                for s in (*changed, *disabled)
            ],
        )
        versions = content_db.tip_versions(database)
        tip_rows = [
            content_db.tip_to_row(
                t, version=versions.get(t.id, 0) + 1, updated_by=admin_id, now=now_ts
            )
            for t in (*diff.tips_added, *diff.tips_changed)
        ]
        tip_rows += [
            content_db.tip_to_row(
                replace(t, active=False),
                version=versions.get(t.id, 1) + 1,
                updated_by=admin_id,
                now=now_ts,
            )
            for t in diff.tips_retired
        ]
        content_db.save_tips(database, tip_rows)
        content_db.save_tip_texts(database, diff.translations_changed)
        content_db.delete_tip_texts(
            database, [(t.tip_id, t.language) for t in diff.translations_removed]
        )
        # Every tip takes its place in its file: the rotation follows the files' order.
        content_db.set_positions(database, {t.id: t.position for t in library.tips})
        old_slots = {s.id: s for s in slots}
        old_tips = {t.id: t for t in tips}
        slot_changes = [(old_slots.get(s.id), s) for s in changed]
        slot_changes += zip(diff.slots_disabled, disabled, strict=True)
        _audit_changes(database, admin_id, now, "slot", slot_doc, slot_changes)
        tip_changes = [(old_tips.get(t.id), t) for t in (*diff.tips_added, *diff.tips_changed)]
        tip_changes += [(t, replace(t, active=False)) for t in diff.tips_retired]
        _audit_changes(database, admin_id, now, "tip", tip_doc, tip_changes)
        _audit(database, admin_id, now, "reimport", str(directory), None, _diff_counts(diff))
        for slot in (*changed, *disabled):
            _reschedule_slot(database, slot, now)
    return diff


def forgotten_tips(diff: ImportDiff) -> list[str]:
    """The tips a sender must render afresh after `diff` was applied (in any language)."""
    ids = [t.id for t in (*diff.tips_changed, *diff.tips_retired)]
    ids += [t.tip_id for t in (*diff.translations_changed, *diff.translations_removed)]
    return sorted(set(ids))


def _diff_counts(diff: ImportDiff) -> dict[str, int]:
    return {
        "slots_added": len(diff.slots_added),
        "slots_changed": len(diff.slots_changed),
        "slots_disabled": len(diff.slots_disabled),
        "tips_added": len(diff.tips_added),
        "tips_changed": len(diff.tips_changed),
        "tips_retired": len(diff.tips_retired),
        "categories_reordered": len(diff.reordered),
        "translations_changed": len(diff.translations_changed),
        "translations_removed": len(diff.translations_removed),
    }
