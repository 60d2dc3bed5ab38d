"""The audit trail: what a slot or tip looked like (in the words of the YAML files), the row
every change writes, and the admin's list of recent changes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from bot.core.models import (
    WEEKDAY_NAMES,
    Anchor,
    AnchorKind,
    Days,
    DaysKind,
    Slot,
    Tip,
)
from bot.services.admin.common import _ts
from bot.storage import admin as admin_db

__all__ = [
    "AuditEntry",
    "anchor_doc",
    "audit_list",
    "days_doc",
    "slot_doc",
    "summarise_change",
    "tip_doc",
]

# ---------------------------------------------------------------------------------------------
# Audit documents: what a slot or tip looked like, in the words of the YAML files


def anchor_doc(anchor: Anchor) -> dict[str, Any]:
    if anchor.kind is AnchorKind.FIXED:
        return {"at": anchor.time.strftime("%H:%M") if anchor.time else None}
    if anchor.kind is AnchorKind.TIP_TIME:
        return {"tip_time": anchor.offset_minutes}
    if anchor.offset_minutes < 0:
        return {"before_run": -anchor.offset_minutes}
    return {"after_run": anchor.offset_minutes}


def days_doc(days: Days) -> str | list[str]:
    if days.kind is DaysKind.WEEKDAYS:
        return [WEEKDAY_NAMES[d] for d in sorted(days.weekdays)]
    return days.kind.value


def slot_doc(slot: Slot) -> dict[str, Any]:
    return {
        "id": slot.id,
        "title": slot.title,
        "kind": slot.kind.value,
        "categories": list(slot.categories),
        "anchor": anchor_doc(slot.anchor),
        "days": days_doc(slot.days),
        "weekly": slot.days.weekly,
        "enabled": slot.enabled,
    }


def tip_doc(tip: Tip, version: int | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": tip.id,
        "category": tip.category,
        "title": tip.title,
        "body": tip.body,
        "why": tip.why,
        "source": tip.source,
        "active": tip.active,
    }
    if tip.family:
        doc["family"], doc["level"] = tip.family, tip.level
    if version is not None:
        doc["version"] = version
    return doc


def _audit(
    database: Database,
    admin_id: int,
    now: dt.datetime,
    action: str,
    target: str,
    before: Any,
    after: Any,
) -> None:
    admin_db.add_audit(
        database,
        admin_id=admin_id,
        at=_ts(now),
        action=action,
        target=target,
        before=before,
        after=after,
    )


# ---------------------------------------------------------------------------------------------
# The audit list


@dataclass(frozen=True)
class AuditEntry:
    id: int
    admin_id: int | None
    at: dt.datetime
    action: str
    target: str
    summary: str


def _short(value: Any, limit: int = 40) -> str:
    if isinstance(value, dict):
        text = ", ".join(f"{k} {v}" for k, v in value.items())
    elif isinstance(value, list):
        text = ", ".join(str(v) for v in value) or "none"
    elif isinstance(value, bool):
        text = "yes" if value else "no"
    else:
        text = str(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def summarise_change(before: Any, after: Any) -> str:
    """A short, plain-text line saying what changed between two audit documents."""
    if isinstance(before, dict) and isinstance(after, dict):
        parts = []
        for key in sorted(set(before) | set(after)):
            if key in ("id", "version") or before.get(key) == after.get(key):
                continue
            if key in ("body", "why", "source"):
                parts.append(f"{key} changed")
            else:
                parts.append(f"{key}: {_short(before.get(key))} → {_short(after.get(key))}")
        return "; ".join(parts) or "no change"
    if before is None and isinstance(after, dict):
        if "title" in after:
            return f"new: {_short(after['title'])}"
        return _short(after, 80)
    if after is None:
        return "removed"
    return _short(after, 80)


def audit_entry(row: admin_db.AuditRow) -> AuditEntry:
    """An audit row as admins read it: the change summarised in words."""
    return AuditEntry(
        id=row.id,
        admin_id=row.admin_id,
        at=row.at,
        action=row.action,
        target=row.target,
        summary=summarise_change(row.before, row.after),
    )


def audit_list(database: Database, limit: int = 20) -> list[AuditEntry]:
    return [audit_entry(row) for row in admin_db.recent_audit(database, limit)]
