"""Conversation states for PTB persistence (the ConversationHandler state of onboarding,
settings and the admin menus).
"""

from __future__ import annotations

from sqlite_utils import Database


def load_conversations(db: Database, name: str) -> dict[str, str]:
    return {
        row["key"]: row["state"]
        for row in db.query("SELECT key, state FROM conversations WHERE name = ?", [name])
    }


def save_conversation(db: Database, name: str, key: str, state: str | None) -> None:
    if state is None:
        db.execute("DELETE FROM conversations WHERE name = ? AND key = ?", [name, key])
    else:
        db.execute(
            "INSERT INTO conversations (name, key, state) VALUES (?, ?, ?) "
            "ON CONFLICT (name, key) DO UPDATE SET state = excluded.state",
            [name, key, state],
        )
