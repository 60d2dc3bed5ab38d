"""PTB persistence that keeps only ConversationHandler states, in our SQLite database.

Runners' answers are written to the ``runners`` table the moment they are given; this class only
remembers which question each open conversation is waiting on, so a restart resumes it. User,
chat and bot data are not used (everything that matters has a proper table).
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from telegram.ext import Application, BasePersistence, PersistenceInput

from bot.services import conversations
from bot.services.runtime import Store

# PTB's own aliases live in a private module (telegram.ext._utils.types); the same shapes here.
ConversationKey = tuple[int | str, ...]
ConversationDict = MutableMapping[ConversationKey, object]
CDCData = tuple[list[tuple[str, float, dict[str, Any]]], dict[str, str]]


async def forget_chat(application: Application[Any, Any, Any, Any, Any, Any], chat_id: int) -> None:
    """Drop every open conversation of `chat_id` (onboarding, settings, admin) from PTB's memory
    and from the database, before the chat's rows are erased.

    PTB keeps each ConversationHandler's states in memory and writes the changed ones back on
    its next persistence run (every second, and once more at shutdown): without this, a runner
    who erased their data mid-conversation is written back into ``conversations``. PTB has no
    public call for it; these dicts are the ones it hands to `update_persistence` (children
    included). Deleting a key marks it, so the flush below deletes the stored row too; the
    flush takes PTB's persistence lock, so a run already under way finishes before we return.
    """
    tracked = application._conversation_handler_conversations
    for states in tracked.values():
        for key in [key for key in states if key and key[0] == chat_id]:
            del states[key]
    await application.update_persistence()


class SqlitePersistence(BasePersistence[dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    def __init__(self, store: Store, update_interval: float = 1.0) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=False, user_data=False, callback_data=False
            ),
            update_interval=update_interval,
        )
        self.store = store

    async def get_conversations(self, name: str) -> ConversationDict:
        return await self.store.run(conversations.load, name)

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        await self.store.run(conversations.save, name, key, new_state)

    # Nothing below is stored: PersistenceInput above switches these off.
    async def get_user_data(self) -> dict[int, dict[Any, Any]]:
        return {}

    async def get_chat_data(self) -> dict[int, dict[Any, Any]]:
        return {}

    async def get_bot_data(self) -> dict[Any, Any]:
        return {}

    async def get_callback_data(self) -> CDCData | None:
        return None

    async def update_user_data(self, user_id: int, data: dict[Any, Any]) -> None:
        return None

    async def update_chat_data(self, chat_id: int, data: dict[Any, Any]) -> None:
        return None

    async def update_bot_data(self, data: dict[Any, Any]) -> None:
        return None

    async def update_callback_data(self, data: CDCData) -> None:
        return None

    async def drop_chat_data(self, chat_id: int) -> None:
        return None

    async def drop_user_data(self, user_id: int) -> None:
        return None

    async def refresh_user_data(self, user_id: int, user_data: dict[Any, Any]) -> None:
        return None

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[Any, Any]) -> None:
        return None

    async def refresh_bot_data(self, bot_data: dict[Any, Any]) -> None:
        return None

    async def flush(self) -> None:
        return None
