"""/mydata and /delete: a runner's copy of everything stored about them, and erasing it."""

from __future__ import annotations

import json

from sqlite_utils import Database

from bot.storage import runners as runners_db


def export_json(database: Database, chat_id: int) -> bytes | None:
    """Everything stored about the runner as indented JSON; None if nothing is stored."""
    data = runners_db.runner_export(database, chat_id)
    if data is None:
        return None
    return json.dumps(data, indent=2, ensure_ascii=False, default=str).encode()


def has_data(database: Database, chat_id: int) -> bool:
    return runners_db.runner_exists(database, chat_id)


def erase(database: Database, chat_id: int) -> int:
    """Delete every row about the runner, in one transaction. Returns the rows removed."""
    return runners_db.erase_runner(database, chat_id)
