"""Export: the live plan and tip library written out as schedules/ files."""

from __future__ import annotations

from pathlib import Path

from sqlite_utils import Database

from bot.core import content
from bot.core.models import (
    TIP_CATEGORIES,
)
from bot.storage import content as content_db

__all__ = ["export_schedules"]


def export_schedules(database: Database, directory: Path) -> list[Path]:
    """Write the live plan and tip library as ``plan.yaml`` and ``tips/<category>.yaml`` under
    `directory`, in the same format as schedules/. Returns the files written."""
    directory = Path(directory)
    (directory / content.TIPS_DIR).mkdir(parents=True, exist_ok=True)
    written = [directory / content.PLAN_FILE]
    written[0].write_text(content.dump_plan(content_db.load_slots(database)), encoding="utf-8")
    tips = content_db.load_tips(database)
    categories = [c for c in TIP_CATEGORIES if any(t.category == c for t in tips)]
    for category in categories:
        path = directory / content.TIPS_DIR / f"{category}.yaml"
        mine = [t for t in tips if t.category == category]
        path.write_text(content.dump_tips(category, mine), encoding="utf-8")
        written.append(path)
    return written
