"""ConversationHandler states (PTB persistence), kept in the database so a restart resumes an
open conversation at the question it was waiting on."""

from __future__ import annotations

import json
from typing import Any

from sqlite_utils import Database

from bot.storage import conversations as conversations_db


def load(database: Database, name: str) -> dict[tuple[Any, ...], object]:
    """The open conversations of handler `name`: key -> state."""
    stored = conversations_db.load_conversations(database, name)
    return {tuple(json.loads(key)): json.loads(state) for key, state in stored.items()}


def save(database: Database, name: str, key: tuple[Any, ...], state: object | None) -> None:
    """Remember (or, with None, forget) where one conversation stands."""
    conversations_db.save_conversation(
        database, name, json.dumps(list(key)), None if state is None else json.dumps(state)
    )
