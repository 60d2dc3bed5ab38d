"""The runner's side of the conversation: build real Update objects as Telegram would send them."""

from __future__ import annotations

import base64
import time
import zlib
from typing import Any

from .html import utf16_len
from .state import BotApiState, BotMessage, CallbackRecord, ChatId, photo_sizes

__all__ = ["TINY_PNG", "RunnerActions"]

#: A valid 1x1 PNG, the default picture a runner sends.
TINY_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def _chat_instance(chat_id: ChatId) -> str:
    return str(zlib.crc32(f"chat-instance-{chat_id}".encode()) * 4_000_000_007)


class RunnerActions(BotApiState):
    """Helpers that make runners talk to the bot: each one emits one update."""

    # ------------------------------------------------------------------ building blocks

    def _user(
        self,
        user_id: int,
        first_name: str = "Runner",
        language_code: str | None = "en",
        username: str | None = None,
    ) -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        language_code = self.app_languages.get(user_id, language_code)
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        return user

    def _private(
        self,
        chat_id: ChatId,
        user_id: int | None,
        first_name: str,
        language_code: str | None,
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """(chat, user) for a private chat, registering the chat."""
        known = self.chat(chat_id)
        if known is not None and known["type"] != "private":
            chat = known
        else:
            chat = self.add_chat(chat_id, type="private", first_name=first_name)
        uid = user_id if user_id is not None else int(chat_id)
        return chat, self._user(uid, first_name, language_code)

    def _message(
        self, chat: dict[str, Any], user: dict[str, Any] | None, **content: Any
    ) -> dict[str, Any]:
        message: dict[str, Any] = {"message_id": self._new_message_id(chat["id"])}
        if user is not None:
            message["from"] = user
        message["chat"] = chat
        message["date"] = int(time.time())
        message.update(content)
        self._runner_messages.setdefault(chat["id"], {})[message["message_id"]] = message
        return message

    @staticmethod
    def _text_content(text: str) -> dict[str, Any]:
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0] if text.strip() else text
            content["entities"] = [
                {"type": "bot_command", "offset": 0, "length": utf16_len(command)}
            ]
        return content

    # ------------------------------------------------------------------ private chat

    def send_text(
        self,
        chat_id: ChatId,
        text: str,
        *,
        user_id: int | None = None,
        first_name: str = "Runner",
        language_code: str | None = "en",
    ) -> dict[str, Any]:
        """The runner types ``text``; a leading "/" makes it a command (bot_command entity)."""
        chat, user = self._private(chat_id, user_id, first_name, language_code)
        message = self._message(chat, user, **self._text_content(text))
        self._record_runner(chat_id, f"#{message['message_id']}: {text}")
        return self._push_update({"message": message})

    def send_command(
        self,
        chat_id: ChatId,
        command: str,
        args: str = "",
        *,
        user_id: int | None = None,
        first_name: str = "Runner",
        language_code: str | None = "en",
    ) -> dict[str, Any]:
        """``send_command(1, "/start", "ref42")`` sends "/start ref42"."""
        text = command if command.startswith("/") else f"/{command}"
        if args:
            text = f"{text} {args}"
        return self.send_text(
            chat_id, text, user_id=user_id, first_name=first_name, language_code=language_code
        )

    def send_location(
        self,
        chat_id: ChatId,
        latitude: float,
        longitude: float,
        *,
        user_id: int | None = None,
        first_name: str = "Runner",
        language_code: str | None = "en",
    ) -> dict[str, Any]:
        chat, user = self._private(chat_id, user_id, first_name, language_code)
        message = self._message(chat, user, location={"latitude": latitude, "longitude": longitude})
        self._record_runner(
            chat_id, f"#{message['message_id']}: [location {latitude}, {longitude}]"
        )
        return self._push_update({"message": message})

    def send_sticker(
        self,
        chat_id: ChatId,
        emoji: str = "👍",
        *,
        user_id: int | None = None,
        first_name: str = "Runner",
        language_code: str | None = "en",
    ) -> dict[str, Any]:
        chat, user = self._private(chat_id, user_id, first_name, language_code)
        stored = self._store_file(b"RIFF-webp-sticker", "sticker.webp", "image/webp")
        sticker = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "file_size": len(stored.content),
        }
        message = self._message(chat, user, sticker=sticker)
        self._record_runner(chat_id, f"#{message['message_id']}: [sticker {emoji}]")
        return self._push_update({"message": message})

    def send_photo_from_user(
        self,
        chat_id: ChatId,
        caption: str | None = None,
        *,
        content: bytes = TINY_PNG,
        user_id: int | None = None,
        first_name: str = "Runner",
        language_code: str | None = "en",
    ) -> dict[str, Any]:
        chat, user = self._private(chat_id, user_id, first_name, language_code)
        stored = self._store_file(content, "photo.jpg", "image/jpeg")
        extra: dict[str, Any] = {
            "photo": photo_sizes(stored.file_id, stored.file_unique_id, len(content))
        }
        if caption:
            extra["caption"] = caption
        message = self._message(chat, user, **extra)
        self._record_runner(chat_id, f"#{message['message_id']}: [photo] {caption or ''}")
        return self._push_update({"message": message})

    def send_edited_text(
        self,
        chat_id: ChatId,
        text: str,
        *,
        message_id: int | None = None,
        user_id: int | None = None,
        first_name: str = "Runner",
        language_code: str | None = "en",
    ) -> dict[str, Any]:
        """The runner edits one of their messages (default: their latest) to ``text``."""
        self._private(chat_id, user_id, first_name, language_code)
        mine = self._runner_messages.get(chat_id, {})
        if message_id is None:
            texts = [mid for mid, msg in mine.items() if "text" in msg]
            if not texts:
                raise AssertionError(f"runner {chat_id} has no text message to edit")
            message_id = texts[-1]
        original = mine.get(message_id)
        if original is None:
            raise AssertionError(f"runner {chat_id} has no message #{message_id}")
        edited = {
            **{k: v for k, v in original.items() if k not in ("text", "entities")},
            **self._text_content(text),
            "edit_date": int(time.time()),
        }
        mine[message_id] = edited
        self._record_runner(chat_id, f"#{message_id} edited: {text}")
        return self._push_update({"edited_message": edited})

    # ------------------------------------------------------------------ groups and channels

    def send_group_text(
        self,
        group_chat_id: int,
        user_id: int,
        text: str,
        *,
        title: str = "Running club",
        first_name: str = "Runner",
        chat_type: str | None = None,
    ) -> dict[str, Any]:
        known = self.chat(group_chat_id)
        chat = known or self.add_chat(group_chat_id, type=chat_type, title=title)
        message = self._message(chat, self._user(user_id, first_name), **self._text_content(text))
        self._record_runner(group_chat_id, f"#{message['message_id']} from {user_id}: {text}")
        return self._push_update({"message": message})

    def send_channel_post(
        self, channel_id: int, text: str, *, title: str = "Running news"
    ) -> dict[str, Any]:
        chat = self.chat(channel_id) or self.add_chat(channel_id, type="channel", title=title)
        message = self._message(chat, None, sender_chat=chat, **self._text_content(text))
        self._record_runner(channel_id, f"#{message['message_id']} (channel post): {text}")
        return self._push_update({"channel_post": message})

    def send_raw_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue any update body as is; ``update_id`` is assigned unless given."""
        body = dict(update)
        given = body.pop("update_id", None)
        if isinstance(given, int):
            self._next_update_id = max(self._next_update_id, given)
        return self._push_update(body)

    def push_raw_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Fault switch: queue an update exactly as given, however malformed (a ``message``
        without its ``chat``, a field of the wrong type, an unknown type), as a buggy or newer
        Telegram might send it. It reaches the bot like any other, through getUpdates or the
        webhook pusher; ``update_id`` is assigned unless given. Returns the queued update."""
        return self.send_raw_update(update)

    # ------------------------------------------------------------------ buttons

    def _keyboard_message(self, chat_id: ChatId, message_id: int | None) -> BotMessage:
        if message_id is not None:
            message = self.message(chat_id, message_id)
            if message.deleted:
                raise AssertionError(f"bot message #{message_id} in chat {chat_id} was deleted")
            return message
        for message in reversed(self.messages_to(chat_id)):
            if message.buttons and not message.deleted:
                return message
        raise AssertionError(
            f"no bot message with inline buttons in chat {chat_id}\n{self.format_history(chat_id)}"
        )

    def press(
        self,
        chat_id: ChatId,
        button: str,
        *,
        message_id: int | None = None,
        user_id: int | None = None,
    ) -> str:
        """Press an inline button (by exact text, else text containing it, else callback data)
        of the given message or of the newest bot message with buttons; returns the query id."""
        message = self._keyboard_message(chat_id, message_id)
        flat = [pair for row in message.buttons for pair in row]
        found = (
            next((p for p in flat if p[0] == button), None)
            or next((p for p in flat if button.casefold() in p[0].casefold()), None)
            or next((p for p in flat if p[1] is not None and p[1] == button), None)
        )
        if found is None:
            available = ", ".join(f"{text!r} ({data!r})" for text, data in flat)
            raise AssertionError(
                f"no button {button!r} on bot message #{message.message_id} in chat {chat_id}; "
                f"available: {available}\n{self.format_history(chat_id)}"
            )
        text, data = found
        if data is None:
            raise AssertionError(f"button {text!r} has no callback_data (URL or other button)")
        self._record_runner(chat_id, f'pressed "{text}" ({data}) on #{message.message_id}')
        return self._callback(chat_id, message.message_id, data, message.to_dict(), user_id)

    def press_data(
        self,
        chat_id: ChatId,
        message_id: int,
        data: str,
        *,
        user_id: int | None = None,
    ) -> str:
        """A callback query with arbitrary (forged or stale) data on any message id."""
        message = self._bot_messages.get(chat_id, {}).get(message_id)
        if message is not None and not message.deleted:
            body = message.to_dict()
        else:  # Telegram's InaccessibleMessage
            chat = self.chat(chat_id) or {"id": chat_id, "type": "private", "first_name": "Runner"}
            body = {"chat": chat, "message_id": message_id, "date": 0}
        self._record_runner(chat_id, f"callback data {data!r} on #{message_id}")
        return self._callback(chat_id, message_id, data, body, user_id)

    def press_without_data(
        self,
        chat_id: ChatId,
        message_id: int | None = None,
        *,
        empty: bool = True,
        user_id: int | None = None,
    ) -> str:
        """Fault switch: a callback query whose ``data`` is ``""`` (``empty``) or absent
        altogether, on the given message or the newest bot message with buttons (else an
        inaccessible message #1). Returns the query id."""
        if message_id is None:
            shown = [m for m in self.messages_to(chat_id) if m.buttons and not m.deleted]
            message_id = shown[-1].message_id if shown else 1
        message = self._bot_messages.get(chat_id, {}).get(message_id)
        if message is not None and not message.deleted:
            body = message.to_dict()
        else:
            chat = self.chat(chat_id) or {"id": chat_id, "type": "private", "first_name": "Runner"}
            body = {"chat": chat, "message_id": message_id, "date": 0}
        what = "empty callback data" if empty else "a callback query without data"
        self._record_runner(chat_id, f"{what} on #{message_id}")
        return self._callback(chat_id, message_id, "" if empty else None, body, user_id)

    def _callback(
        self,
        chat_id: ChatId,
        message_id: int,
        data: str | None,
        message: dict[str, Any],
        user_id: int | None,
    ) -> str:
        self._next_callback += 1
        cq_id = str(4_400_000_000_000_000_000 + self._next_callback)
        chat = self.chat(chat_id) or {}
        first_name = chat.get("first_name", "Runner")
        uid = user_id if user_id is not None else int(chat_id)
        self._callbacks[cq_id] = CallbackRecord(cq_id, chat_id, message_id, data, uid)
        query: dict[str, Any] = {
            "id": cq_id,
            "from": self._user(uid, first_name),
            "message": message,
            "chat_instance": _chat_instance(chat_id),
        }
        if data is not None:
            query["data"] = data
        self._push_update({"callback_query": query})
        return cq_id

    def set_app_language(self, user_id: int, language_code: str | None) -> None:
        """The user's Telegram app is set to `language_code` (None: it sends none): every
        update from them carries it from now on, as Telegram's do."""
        self.app_languages[user_id] = language_code

    # ------------------------------------------------------------------ blocking

    def block(self, chat_id: ChatId, *, notify: bool = False) -> None:
        """The runner blocks the bot: sends to the chat get 403. ``notify`` also emits the
        ``my_chat_member`` update Telegram sends (status "kicked")."""
        self.blocked.add(chat_id)
        if notify:
            self._member_update(chat_id, "member", "kicked")
        self._notify()

    def unblock(self, chat_id: ChatId, *, notify: bool = False) -> None:
        self.blocked.discard(chat_id)
        if notify:
            self._member_update(chat_id, "kicked", "member")
        self._notify()

    def _member_update(self, chat_id: ChatId, old: str, new: str) -> None:
        chat = self.chat(chat_id) or self.add_chat(chat_id)
        user = self._user(int(chat_id), chat.get("first_name", "Runner"))
        bot = {k: v for k, v in self.bot_user.items()}
        self._push_update(
            {
                "my_chat_member": {
                    "chat": chat,
                    "from": user,
                    "date": int(time.time()),
                    "old_chat_member": {"user": bot, "status": old},
                    "new_chat_member": {"user": bot, "status": new, "until_date": 0}
                    if new == "kicked"
                    else {"user": bot, "status": new},
                }
            }
        )
