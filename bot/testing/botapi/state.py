"""Everything the fake Bot API remembers, and the ways a test can look at it.

No HTTP here: the server (``server.py``), the Bot API methods (``methods.py``) and the runner-side
helpers (``runner.py``) all work on one ``BotApiState``.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeVar

__all__ = [
    "ApiError",
    "BotApiState",
    "BotMessage",
    "Call",
    "CallbackRecord",
    "HistoryEntry",
    "NoMessageError",
    "StoredFile",
    "UploadedFile",
    "WebhookState",
]

T = TypeVar("T")
ChatId = int | str

DEFAULT_TOKEN = "123456:TEST-abcdefghijklmnopqrstuvwxyz012345"
#: Update types Telegram only sends when asked for explicitly in allowed_updates.
DEFAULT_EXCLUDED = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


def _update_type(update: dict[str, Any]) -> str:
    return next((key for key in update if key != "update_id"), "")


class ApiError(Exception):
    """A Bot API error answer: ``{"ok": false, "error_code": code, "description": ...}``."""

    def __init__(self, code: int, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(f"{code} {description}")
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(what: str) -> ApiError:
    return ApiError(400, f"Bad Request: {what}")


class NoMessageError(AssertionError, TimeoutError):
    """Raised by ``next_message``/``wait_for`` on timeout (both an AssertionError and a
    TimeoutError, so ``pytest.raises`` works with either)."""


class Call(NamedTuple):
    """One request the server answered (or dropped: status 0)."""

    method: str
    params: dict[str, Any]
    status: int


@dataclass
class UploadedFile:
    """A file part of a multipart request."""

    filename: str
    content: bytes
    content_type: str = "application/octet-stream"

    def __repr__(self) -> str:
        return f"UploadedFile({self.filename!r}, {len(self.content)} bytes, {self.content_type!r})"


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    content: bytes
    filename: str | None
    mime_type: str | None

    @property
    def file_path(self) -> str:
        return f"files/{self.file_unique_id}/{self.filename or 'file'}"


Button = tuple[str, str | None]


@dataclass
class BotMessage:
    """A message the bot sent, in its current state (after edits)."""

    chat_id: ChatId
    message_id: int
    text: str  # plain text (for photos and documents: the plain caption, "" if none)
    html: str  # the text or caption exactly as sent, markup included
    chat: dict[str, Any] = field(repr=False)
    from_user: dict[str, Any] = field(repr=False)
    kind: str = "text"  # "text" | "photo" | "document"
    entities: list[dict[str, Any]] = field(default_factory=list)
    parse_mode: str | None = None
    reply_markup: dict[str, Any] | None = None  # as sent, any keyboard type
    buttons: list[list[Button]] = field(default_factory=list)  # inline keyboard only
    file: bytes | None = field(default=None, repr=False)
    filename: str | None = None
    mime_type: str | None = None
    caption: str | None = None
    file_id: str | None = None
    file_unique_id: str | None = None
    date: int = field(default_factory=lambda: int(time.time()))
    edit_date: int | None = None
    sent_at: float = field(default_factory=time.monotonic)
    edited: bool = False
    edit_count: int = 0
    deleted: bool = False
    reply_to_message_id: int | None = None
    params: dict[str, Any] = field(default_factory=dict, repr=False)

    def button_texts(self) -> list[str]:
        return [text for row in self.buttons for text, _ in row]

    def button_data(self, text: str) -> str | None:
        """The callback data of the button labelled ``text`` (KeyError if none)."""
        for row in self.buttons:
            for label, data in row:
                if label == text:
                    return data
        raise KeyError(f"no button {text!r} in {self.button_texts()}")

    @property
    def has_keyboard(self) -> bool:
        return bool(self.buttons)

    def summary(self) -> str:
        head = self.text if self.kind == "text" else f"[{self.kind} {self.filename}] {self.text}"
        head = head.replace("\n", "\\n")
        if len(head) > 160:
            head = head[:157] + "..."
        flags = "".join((" (edited)" if self.edited else "", " (deleted)" if self.deleted else ""))
        keys = " | ".join(self.button_texts())
        return f"{head}{flags}" + (f"  [{keys}]" if keys else "")

    def to_dict(self) -> dict[str, Any]:
        """The Telegram ``Message`` object for this message as it is now."""
        msg: dict[str, Any] = {
            "message_id": self.message_id,
            "from": self.from_user,
            "chat": self.chat,
            "date": self.date,
        }
        if self.edit_date is not None:
            msg["edit_date"] = self.edit_date
        if self.reply_to_message_id is not None:
            msg["reply_to_message"] = {
                "message_id": self.reply_to_message_id,
                "chat": self.chat,
                "date": self.date,
            }
        if self.kind == "text":
            msg["text"] = self.text
            if self.entities:
                msg["entities"] = self.entities
        else:
            if self.kind == "photo":
                msg["photo"] = photo_sizes(
                    self.file_id or "", self.file_unique_id or "", len(self.file or b"")
                )
            else:
                msg["document"] = {
                    "file_id": self.file_id,
                    "file_unique_id": self.file_unique_id,
                    "file_name": self.filename,
                    "mime_type": self.mime_type,
                    "file_size": len(self.file or b""),
                }
            if self.caption:
                msg["caption"] = self.caption
                if self.entities:
                    msg["caption_entities"] = self.entities
        if self.reply_markup and "inline_keyboard" in self.reply_markup:
            msg["reply_markup"] = {"inline_keyboard": self.reply_markup["inline_keyboard"]}
        return msg


def photo_sizes(file_id: str, unique_id: str, size: int) -> list[dict[str, Any]]:
    """Telegram sends several sizes of a photo; two are enough to look real."""
    return [
        {
            "file_id": f"{file_id}-s",
            "file_unique_id": f"{unique_id}s",
            "width": 90,
            "height": 90,
            "file_size": max(size // 10, 1),
        },
        {
            "file_id": file_id,
            "file_unique_id": unique_id,
            "width": 800,
            "height": 800,
            "file_size": size,
        },
    ]


@dataclass
class HistoryEntry:
    """One line of a chat's history: something the runner did, or a bot message."""

    who: str  # "runner" | "bot"
    chat_id: ChatId
    description: str = ""  # for runner entries
    message: BotMessage | None = None  # for bot entries (current state)
    at: float = field(default_factory=time.monotonic)

    @property
    def message_id(self) -> int | None:
        return self.message.message_id if self.message else None

    def __str__(self) -> str:
        if self.message is not None:
            return f"  bot    #{self.message.message_id}: {self.message.summary()}"
        return f"  runner {self.description}"


@dataclass
class CallbackRecord:
    id: str
    chat_id: ChatId
    message_id: int
    data: str | None
    user_id: int
    answered: bool = False
    answer: dict[str, Any] | None = None
    created: float = field(default_factory=time.monotonic)


@dataclass
class WebhookState:
    url: str = ""
    secret_token: str | None = None
    max_connections: int = 40
    allowed_updates: list[str] | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None
    deliveries: int = 0  # successful POSTs
    failures: int = 0  # refused or failed POSTs


class BotApiState:
    """Chats, messages, updates, callback queries, files, calls: all in memory, one event loop."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        first_name: str = "BackStride",
        username: str = "backstride_test_bot",
    ) -> None:
        bot_id, sep, secret = token.partition(":")
        if not (sep and bot_id.isdigit() and secret):
            raise ValueError(f"token must look like '123456:secret', got {token!r}")
        self.token = token
        self.bot_id = int(bot_id)
        self.bot_user: dict[str, Any] = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": first_name,
            "username": username,
        }
        # switches a test may flip
        self.flood_limits = False
        self.latency = 0.0
        self.hang_seconds = 30.0
        self.strict_html = True
        self.blocked: set[ChatId] = set()
        # The language each user's Telegram app is set to (``from.language_code`` of their
        # updates); users not listed send "en" unless a call says otherwise.
        self.app_languages: dict[int, str | None] = {}
        self.updates_held = False  # hold_updates(): updates queue up and arrive in one batch
        # what the server knows
        self.calls: list[Call] = []
        self.commands: list[dict[str, Any]] | None = None  # last setMyCommands list
        self.command_sets: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.descriptions: dict[str, str] = {}
        self.webhook = WebhookState()
        self.allowed_updates: list[str] | None = None
        self._chats: dict[ChatId, dict[str, Any]] = {}
        self._next_message_id: dict[ChatId, int] = {}
        self._bot_messages: dict[ChatId, dict[int, BotMessage]] = {}
        self._runner_messages: dict[ChatId, dict[int, dict[str, Any]]] = {}
        self._history: dict[ChatId, list[HistoryEntry]] = {}
        self._cursor: dict[ChatId, int] = {}
        self._updates: list[dict[str, Any]] = []
        self._next_update_id = 100_000_001
        self._callbacks: dict[str, CallbackRecord] = {}
        self._next_callback = 0
        self._files: dict[str, StoredFile] = {}
        self._next_file = 0
        self._version = 0
        self._changed: asyncio.Event | None = None
        self._closing = False

    # ------------------------------------------------------------------ change notification

    def _notify(self) -> None:
        """Wake everything waiting for a state change (long polls, webhook, wait_for)."""
        self._version += 1
        if self._changed is not None:
            self._changed.set()
            self._changed = None

    async def wait_change(self, timeout: float | None) -> bool:
        """Sleep until the next state change or ``timeout``; True if something changed."""
        if self._changed is None:
            self._changed = asyncio.Event()
        event = self._changed
        if timeout is None:
            await event.wait()
            return True
        if timeout <= 0:
            return False
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            return False
        return True

    @property
    def version(self) -> int:
        """Increases on every state change."""
        return self._version

    # ------------------------------------------------------------------ chats and messages

    def add_chat(
        self,
        chat_id: ChatId,
        *,
        type: str | None = None,  # Telegram's field name
        first_name: str = "Runner",
        last_name: str | None = None,
        username: str | None = None,
        title: str | None = None,
    ) -> dict[str, Any]:
        """Make a chat known (as if it had written to the bot); returns its Chat object."""
        if type is None:
            if isinstance(chat_id, str) or chat_id > 0:
                type = "private"
            elif str(chat_id).startswith("-100"):
                type = "supergroup"
            else:
                type = "group"
        chat: dict[str, Any] = {"id": chat_id, "type": type}
        if type == "private":
            chat["first_name"] = first_name
            if last_name:
                chat["last_name"] = last_name
        else:
            chat["title"] = title or f"Chat {chat_id}"
        if username:
            chat["username"] = username
        old = self._chats.get(chat_id)
        if old is None or old != chat:
            self._chats[chat_id] = chat
            self._notify()
        return chat

    def chat(self, chat_id: ChatId) -> dict[str, Any] | None:
        """The known Chat object, by id or ``@username``."""
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            for chat in self._chats.values():
                if chat.get("username", "").lower() == chat_id[1:].lower():
                    return chat
            return None
        return self._chats.get(chat_id)

    def _new_message_id(self, chat_id: ChatId) -> int:
        message_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = message_id + 1
        return message_id

    def _store_bot_message(self, message: BotMessage) -> None:
        self._bot_messages.setdefault(message.chat_id, {})[message.message_id] = message
        self._history.setdefault(message.chat_id, []).append(
            HistoryEntry("bot", message.chat_id, message=message)
        )
        self._notify()

    def _record_runner(self, chat_id: ChatId, description: str) -> None:
        self._history.setdefault(chat_id, []).append(HistoryEntry("runner", chat_id, description))

    # ------------------------------------------------------------------ updates

    def _push_update(self, body: dict[str, Any]) -> dict[str, Any]:
        update = {"update_id": self._next_update_id, **body}
        self._next_update_id += 1
        self._updates.append(update)
        self._notify()
        return update

    def _confirm_updates(self, offset: int) -> None:
        """getUpdates' offset: forget updates below it (negative: keep only the last -offset)."""
        before = len(self._updates)
        if offset < 0:
            del self._updates[: max(len(self._updates) + offset, 0)]
        else:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        if len(self._updates) != before:
            self._notify()

    @contextlib.contextmanager
    def one_batch(self) -> Iterator[None]:
        """Updates sent inside the block reach the bot together, in one getUpdates answer (as
        after a network blip), so a test can order them without racing the bot's poll."""
        self.updates_held = True
        try:
            yield
        finally:
            self.updates_held = False
            self._notify()

    def _deliverable(self, allowed: list[str] | None, limit: int) -> list[dict[str, Any]]:
        """The oldest ``limit`` pending updates of allowed types (others are discarded)."""
        if self.updates_held:
            return []
        wanted = set(allowed) if allowed else None
        if wanted is not None or any(_update_type(u) in DEFAULT_EXCLUDED for u in self._updates):
            keep = [
                u
                for u in self._updates
                if (
                    _update_type(u) in wanted if wanted else _update_type(u) not in DEFAULT_EXCLUDED
                )
            ]
            if len(keep) != len(self._updates):
                self._updates = keep
        return self._updates[:limit]

    def _remove_update(self, update_id: int) -> None:
        self._updates = [u for u in self._updates if u["update_id"] != update_id]
        self._notify()

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed by getUpdates or accepted by the webhook."""
        return list(self._updates)

    # ------------------------------------------------------------------ files

    def _store_file(
        self, content: bytes, filename: str | None, mime_type: str | None
    ) -> StoredFile:
        self._next_file += 1
        unique = f"AQAD{self._next_file:06d}"
        stored = StoredFile(
            f"BQACAgIAAx{self._next_file:08d}", unique, content, filename, mime_type
        )
        self._files[stored.file_id] = stored
        return stored

    def file(self, file_id: str) -> StoredFile | None:
        return self._files.get(file_id) or self._files.get(file_id.removesuffix("-s"))

    # ------------------------------------------------------------------ observation

    def messages_to(self, chat_id: ChatId) -> list[BotMessage]:
        """Every message the bot sent to the chat, oldest first, in its current state
        (deleted ones included, with ``deleted=True``)."""
        return list(self._bot_messages.get(chat_id, {}).values())

    def message(self, chat_id: ChatId, message_id: int) -> BotMessage:
        try:
            return self._bot_messages[chat_id][message_id]
        except KeyError:
            raise AssertionError(
                f"no bot message #{message_id} in chat {chat_id}\n{self.format_history(chat_id)}"
            ) from None

    def last_message(self, chat_id: ChatId) -> BotMessage:
        messages = self.messages_to(chat_id)
        if not messages:
            raise AssertionError(f"the bot sent nothing to chat {chat_id}")
        return messages[-1]

    def history(self, chat_id: ChatId) -> list[HistoryEntry]:
        """Runner actions and bot messages in the order they happened."""
        return list(self._history.get(chat_id, []))

    def format_history(self, chat_id: ChatId) -> str:
        lines = [str(entry) for entry in self._history.get(chat_id, [])]
        return f"history of chat {chat_id}:\n" + ("\n".join(lines) if lines else "  (empty)")

    def callback_answer(self, cq_id: str) -> dict[str, Any] | None:
        """What answerCallbackQuery said for this query (None if it was not answered)."""
        record = self._callbacks.get(cq_id)
        return record.answer if record else None

    def count(self, method: str | None = None, status: int | None = None) -> int:
        low = method.lower() if method else None
        return sum(
            1
            for call in self.calls
            if (low is None or call.method.lower() == low)
            and (status is None or call.status == status)
        )

    def calls_to(self, method: str) -> list[Call]:
        low = method.lower()
        return [call for call in self.calls if call.method.lower() == low]

    def unread(self, chat_id: ChatId) -> list[BotMessage]:
        """Bot messages not yet returned by ``next_message`` (without consuming them)."""
        return self.messages_to(chat_id)[self._cursor.get(chat_id, 0) :]

    def mark_read(self, chat_id: ChatId) -> None:
        """Skip every message sent so far: ``next_message`` will wait for a new one."""
        self._cursor[chat_id] = len(self._bot_messages.get(chat_id, {}))

    async def next_message(self, chat_id: ChatId, timeout: float = 5.0) -> BotMessage:
        """The next bot message to the chat that ``next_message`` has not returned yet."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            messages = self.messages_to(chat_id)
            seen = self._cursor.get(chat_id, 0)
            if len(messages) > seen:
                self._cursor[chat_id] = seen + 1
                return messages[seen]
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise NoMessageError(
                    f"no new bot message in chat {chat_id} within {timeout} s "
                    f"({seen} already read)\n{self.format_history(chat_id)}"
                )
            await self.wait_change(remaining)

    async def expect_silence(self, chat_id: ChatId, seconds: float = 0.3) -> None:
        """Fail if the bot sends an unread message to the chat within ``seconds``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while True:
            extra = self.unread(chat_id)
            if extra:
                raise AssertionError(
                    f"unexpected bot message in chat {chat_id}: {extra[0].summary()}\n"
                    f"{self.format_history(chat_id)}"
                )
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            await self.wait_change(remaining)

    async def wait_for(
        self,
        predicate: Callable[[], T],
        timeout: float = 5.0,
        *,
        poll: float = 0.05,
        message: str | None = None,
    ) -> T:
        """Wait until ``predicate()`` is truthy and return its value.

        Re-checked on every state change of the server, and every ``poll`` seconds for
        predicates that look elsewhere (a database, a clock).
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = predicate()
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise NoMessageError(
                    message
                    or f"condition {getattr(predicate, '__name__', predicate)} still "
                    f"false after {timeout} s"
                )
            await self.wait_change(min(remaining, poll))

    def iter_messages(self) -> Iterator[BotMessage]:
        for messages in self._bot_messages.values():
            yield from messages.values()
