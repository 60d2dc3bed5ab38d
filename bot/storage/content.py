"""Queries on content: slots and tips as stored, and seeding them from ``schedules/``."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlite_utils import Database

from bot.core.models import (
    Anchor,
    AnchorKind,
    Days,
    DaysKind,
    Slot,
    SlotKind,
    Tip,
    TipText,
)
from bot.storage.store import fmt_time, parse_days, parse_time


def slot_to_row(slot: Slot, position: int, *, updated_by: int | None, now: int) -> dict[str, Any]:
    return {
        "id": slot.id,
        "title": slot.title,
        "kind": slot.kind.value,
        "categories": json.dumps(list(slot.categories)),
        "anchor_kind": slot.anchor.kind.value,
        "anchor_offset": slot.anchor.offset_minutes,
        "anchor_time": fmt_time(slot.anchor.time) if slot.anchor.time else None,
        "days_kind": slot.days.kind.value,
        "weekdays": ",".join(str(d) for d in sorted(slot.days.weekdays)),
        "weekly": int(slot.days.weekly),
        "enabled": int(slot.enabled),
        "position": position,
        "updated_by": updated_by,
        "updated_at": now,
    }


def slot_from_row(row: dict[str, Any]) -> Slot:
    return Slot(
        id=row["id"],
        kind=SlotKind(row["kind"]),
        anchor=Anchor(
            kind=AnchorKind(row["anchor_kind"]),
            offset_minutes=row["anchor_offset"] or 0,
            time=parse_time(row["anchor_time"], dt.time(0, 0)) if row["anchor_time"] else None,
        ),
        days=Days(
            kind=DaysKind(row["days_kind"]),
            weekdays=parse_days(row["weekdays"]),
            weekly=bool(row["weekly"]),
        ),
        categories=tuple(json.loads(row["categories"] or "[]")),
        enabled=bool(row["enabled"]),
        title=row["title"] or "",
    )


def load_slots(db: Database) -> list[Slot]:
    return [slot_from_row(r) for r in db.query("SELECT * FROM slots ORDER BY position, id")]


def tip_to_row(tip: Tip, *, version: int, updated_by: int | None, now: int) -> dict[str, Any]:
    return {
        "id": tip.id,
        "category": tip.category,
        "title": tip.title,
        "body": tip.body,
        "why": tip.why,
        "source": tip.source,
        "active": int(tip.active),
        "family": tip.family or None,
        "level": tip.level or None,
        "position": tip.position,
        "version": version,
        "updated_by": updated_by,
        "updated_at": now,
    }


def tip_from_row(row: dict[str, Any]) -> Tip:
    return Tip(
        id=row["id"],
        category=row["category"],
        title=row["title"],
        body=row["body"],
        why=row["why"] or "",
        source=row["source"] or "",
        active=bool(row["active"]),
        family=row.get("family") or "",
        level=row.get("level") or 0,
        position=row.get("position") or 0,
    )


def load_tips(db: Database, *, active_only: bool = False) -> list[Tip]:
    where = "WHERE active = 1" if active_only else ""
    return [
        tip_from_row(r)
        for r in db.query(f"SELECT * FROM tips {where} ORDER BY category, position, id")
    ]


def get_tip(db: Database, tip_id: str) -> Tip | None:
    rows = list(db.query("SELECT * FROM tips WHERE id = ?", [tip_id]))
    return tip_from_row(rows[0]) if rows else None


def is_seeded(db: Database) -> bool:
    return bool(list(db.query("SELECT 1 FROM meta WHERE key = 'seeded'")))


def seed_content(
    db: Database,
    slots: Iterable[Slot],
    tips: Iterable[Tip],
    *,
    now: int,
    translations: Iterable[TipText] = (),
) -> None:
    """First start only: copy the validated files into the database in one transaction."""
    with db.atomic():
        save_tip_texts(db, translations)
        db.table("slots").upsert_all(
            [slot_to_row(s, i, updated_by=None, now=now) for i, s in enumerate(slots)], pk="id"
        )
        db.table("tips").upsert_all(
            [tip_to_row(t, version=1, updated_by=None, now=now) for t in tips], pk="id"
        )
        db.table("meta").upsert({"key": "seeded", "value": str(now)}, pk="key")


def get_slot(db: Database, slot_id: str) -> Slot | None:
    rows = list(db.query("SELECT * FROM slots WHERE id = ?", [slot_id]))
    return slot_from_row(rows[0]) if rows else None


def slot_positions(db: Database) -> dict[str, int]:
    return {r["id"]: r["position"] or 0 for r in db.query("SELECT id, position FROM slots")}


def save_slots(db: Database, rows: Sequence[dict[str, Any]]) -> None:
    """Insert or replace slot rows (built with `slot_to_row`)."""
    if rows:
        db.table("slots").upsert_all(rows, pk="id")


def tip_versions(db: Database) -> dict[str, int]:
    return {r["id"]: r["version"] or 1 for r in db.query("SELECT id, version FROM tips")}


def set_positions(db: Database, positions: dict[str, int]) -> None:
    """Each tip's place in its file (the order the rotation follows)."""
    db.conn.executemany(
        "UPDATE tips SET position = ? WHERE id = ?", [(n, i) for i, n in positions.items()]
    )


def save_tips(db: Database, rows: Sequence[dict[str, Any]]) -> None:
    """Insert or replace tip rows (built with `tip_to_row`)."""
    if rows:
        db.table("tips").upsert_all(rows, pk="id")


# --------------------------------------------------------------------------------------------
# Tips in other languages


def _tip_text_row(text: TipText) -> dict[str, Any]:
    return {
        "tip_id": text.tip_id,
        "language": text.language,
        "title": text.title,
        "body": text.body,
        "why": text.why,
    }


def load_tip_texts(db: Database, language: str | None = None) -> list[TipText]:
    """Every tip's words in the other languages, or in `language` only."""
    where, args = ("WHERE language = ?", [language]) if language else ("", [])
    return [
        TipText(r["tip_id"], r["language"], r["title"], r["body"], r["why"] or "")
        for r in db.query(f"SELECT * FROM tip_texts {where} ORDER BY language, tip_id", args)
    ]


def get_tip_text(db: Database, tip_id: str, language: str) -> TipText | None:
    rows = list(
        db.query("SELECT * FROM tip_texts WHERE tip_id = ? AND language = ?", [tip_id, language])
    )
    if not rows:
        return None
    row = rows[0]
    return TipText(row["tip_id"], row["language"], row["title"], row["body"], row["why"] or "")


def tip_text_languages(db: Database, tip_id: str) -> tuple[str, ...]:
    rows = db.execute(
        "SELECT language FROM tip_texts WHERE tip_id = ? ORDER BY language", [tip_id]
    ).fetchall()
    return tuple(row[0] for row in rows)


def has_tip_texts(db: Database) -> bool:
    return bool(list(db.query("SELECT 1 FROM tip_texts LIMIT 1")))


def save_tip_texts(db: Database, texts: Iterable[TipText]) -> None:
    rows = [_tip_text_row(t) for t in texts]
    if rows:
        db.table("tip_texts").upsert_all(rows, pk=("tip_id", "language"))


def delete_tip_texts(db: Database, keys: Iterable[tuple[str, str]]) -> None:
    """Forget the words of (tip id, language) pairs the files no longer have."""
    db.conn.executemany("DELETE FROM tip_texts WHERE tip_id = ? AND language = ?", list(keys))
