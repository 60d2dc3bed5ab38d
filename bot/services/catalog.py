"""Read-only look-ups behind the admin menu: a slot or tip by its short reference, how many
runners a slot reaches, the tip library and tip versions. Each returns core types."""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

from bot.core.models import Slot, Tip
from bot.services import admin
from bot.storage import content as content_db
from bot.storage import schedule as schedule_db


def find_slot(database: Database, reference: str) -> Slot | None:
    """The slot a button's short reference (or full id) names, or None."""
    slots = content_db.load_slots(database)
    slot_id = admin.find_ref([s.id for s in slots], reference)
    return next((s for s in slots if s.id == slot_id), None)


@dataclass(frozen=True)
class SlotWithReach:
    slot: Slot
    reach: int  # runners with a schedule row for it


def slot_with_reach(database: Database, reference: str) -> SlotWithReach | None:
    slot = find_slot(database, reference)
    if slot is None:
        return None
    return SlotWithReach(slot, int(schedule_db.slot_reach(database).get(slot.id, 0)))


def all_tips(database: Database) -> list[Tip]:
    return content_db.load_tips(database)


def find_tip(database: Database, reference: str) -> Tip | None:
    """The tip a button's short reference (or full id) names, or None."""
    tips = content_db.load_tips(database)
    tip_id = admin.find_ref([t.id for t in tips], reference)
    return next((t for t in tips if t.id == tip_id), None)


@dataclass(frozen=True)
class TipWithVersion:
    tip: Tip
    version: int | None


def tip_with_version(database: Database, reference: str) -> TipWithVersion | None:
    tip = find_tip(database, reference)
    if tip is None:
        return None
    return TipWithVersion(tip, content_db.tip_versions(database).get(tip.id))
