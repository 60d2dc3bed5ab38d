"""The Bot API methods: validate parameters like Telegram, change the state, build the result."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from .flood import FloodLimiter
from .html import EntityParseError, ParsedText, parse_html, strip_text
from .state import ApiError, BotApiState, BotMessage, ChatId, UploadedFile, bad_request

__all__ = ["BotMethods", "Reply"]

MAX_TEXT = 4096
MAX_CAPTION = 1024
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
BUTTON_ACTIONS = (
    "callback_data",
    "url",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "callback_game",
    "pay",
    "web_app",
    "copy_text",
)
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
CONFLICT_OTHER_POLL = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance "
    "is running"
)
CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete "
    "the webhook first"
)

Params = dict[str, Any]
Handler = Callable[[Params], Awaitable[Any]]


@dataclass
class Reply:
    """A successful result with a ``description`` next to it (setWebhook does that)."""

    result: Any
    description: str


def _button_rows(markup: dict[str, Any] | None) -> list[list[tuple[str, str | None]]]:
    if not markup or "inline_keyboard" not in markup:
        return []
    return [
        [(button["text"], button.get("callback_data")) for button in row]
        for row in markup["inline_keyboard"]
    ]


def _inline(markup: dict[str, Any] | None) -> Any:
    return markup.get("inline_keyboard") if markup else None


class BotMethods:
    """``lookup(name)`` -> (canonical name, coroutine function taking the parsed params)."""

    def __init__(
        self,
        state: BotApiState,
        flood: FloodLimiter,
        *,
        on_webhook_change: Callable[[], None] = lambda: None,
    ) -> None:
        self.state = state
        self.flood = flood
        self.on_webhook_change = on_webhook_change
        self._poll_generation = 0
        self._table: dict[str, tuple[str, Handler]] = {}
        for name in (
            "getMe",
            "getUpdates",
            "setWebhook",
            "deleteWebhook",
            "getWebhookInfo",
            "sendMessage",
            "editMessageText",
            "editMessageReplyMarkup",
            "editMessageCaption",
            "deleteMessage",
            "answerCallbackQuery",
            "sendPhoto",
            "sendDocument",
            "sendChatAction",
            "getFile",
            "setMyCommands",
            "getMyCommands",
            "deleteMyCommands",
            "setMyDescription",
            "getMyDescription",
            "setMyShortDescription",
            "getMyShortDescription",
            "close",
            "logOut",
        ):
            handler: Handler = getattr(self, "m_" + name)
            self._table[name.lower()] = (name, handler)

    def lookup(self, method: str) -> tuple[str, Handler] | None:
        return self._table.get(method.lower())

    @property
    def names(self) -> list[str]:
        return [canonical for canonical, _ in self._table.values()]

    # ------------------------------------------------------------------ shared checks

    def _target(self, params: Params) -> tuple[ChatId, Params]:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise bad_request("chat_id is empty")
        chat = self.state.chat(chat_id)
        if chat is None:
            raise bad_request("chat not found")
        if chat["id"] in self.state.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat["id"], chat

    def _parse(
        self, text: str, parse_mode: Any, entities: Any, *, limit: int, what: str
    ) -> ParsedText:
        mode = str(parse_mode).lower() if parse_mode else ""
        if mode == "html":
            try:
                parsed = parse_html(text, strict=self.state.strict_html)
            except EntityParseError as exc:
                raise bad_request(f"can't parse entities: {exc}") from None
        elif mode in ("", "markdown", "markdownv2"):
            # Markdown is passed through unparsed (the bot uses HTML)
            parsed = ParsedText(text, list(entities) if isinstance(entities, list) else [])
        else:
            raise bad_request(f"unsupported parse_mode {parse_mode!r}")
        parsed = strip_text(parsed)
        if len(parsed.text) > limit:
            raise bad_request(f"{what} is too long")
        return parsed

    def _text(self, params: Params, *, limit: int = MAX_TEXT) -> tuple[str, ParsedText]:
        raw = params.get("text")
        text = "" if raw is None else str(raw)
        parsed = self._parse(
            text, params.get("parse_mode"), params.get("entities"), limit=limit, what="message"
        )
        if not parsed.text:
            raise bad_request("message text is empty")
        return text, parsed

    def _caption(self, params: Params) -> tuple[str, ParsedText]:
        raw = params.get("caption")
        text = "" if raw is None else str(raw)
        parsed = self._parse(
            text,
            params.get("parse_mode"),
            params.get("caption_entities"),
            limit=MAX_CAPTION,
            what="message caption",
        )
        return text, parsed

    @staticmethod
    def _markup(raw: Any) -> dict[str, Any] | None:
        if raw is None or raw == "":
            return None
        if not isinstance(raw, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in raw:
            rows = raw["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
                raise bad_request(
                    'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
                )
            if sum(len(row) for row in rows) > 100:
                raise bad_request("reply markup is too long")
            for row in rows:
                for button in row:
                    BotMethods._check_button(button)
            return {"inline_keyboard": rows}
        if "keyboard" in raw or "remove_keyboard" in raw or "force_reply" in raw:
            return raw
        raise bad_request("can't parse reply keyboard markup JSON object")

    @staticmethod
    def _check_button(button: Any) -> None:
        if not isinstance(button, dict) or not isinstance(button.get("text"), str):
            raise bad_request("can't parse inline keyboard button: Text is not specified")
        if not button["text"]:
            raise bad_request("BUTTON_TEXT_EMPTY")
        actions = [key for key in BUTTON_ACTIONS if key in button]
        if not actions:
            raise bad_request(
                "can't parse inline keyboard button: Text buttons are unallowed in the inline "
                "keyboard"
            )
        data = button.get("callback_data")
        if "callback_data" in button and (
            not isinstance(data, str) or not 1 <= len(data.encode()) <= 64
        ):
            raise bad_request("BUTTON_DATA_INVALID")
        if "url" in button and not (
            isinstance(button["url"], str) and re.match(r"(https?|tg)://\S+", button["url"])
        ):
            raise bad_request("inline keyboard button URL is invalid")

    def _reply_to(self, chat_id: ChatId, params: Params) -> int | None:
        reply = params.get("reply_parameters")
        if isinstance(reply, dict):
            message_id = reply.get("message_id")
            allow = bool(reply.get("allow_sending_without_reply"))
        else:
            message_id = params.get("reply_to_message_id")
            allow = bool(params.get("allow_sending_without_reply"))
        if message_id is None:
            return None
        exists = message_id in self.state._bot_messages.get(
            chat_id, {}
        ) or message_id in self.state._runner_messages.get(chat_id, {})
        if not exists:
            if allow:
                return None
            raise bad_request("message to be replied not found")
        return int(message_id)

    def _flood(self, chat_id: ChatId, chat: Params, params: Params) -> None:
        paid = params.get("allow_paid_broadcast", False)
        if not isinstance(paid, bool):  # form data arrives as "true"/"false" (params.py)
            raise bad_request("invalid allow_paid_broadcast specified")
        if not self.state.flood_limits:
            return
        wait = self.flood.acquire(chat_id, private=chat.get("type") == "private", paid=paid)
        if wait:
            raise ApiError(429, f"Too Many Requests: retry after {wait}", retry_after=wait)

    def _edited(self, params: Params) -> BotMessage:
        if params.get("inline_message_id"):
            raise bad_request("inline messages are not supported by the fake server")
        chat_id, _ = self._target(params)
        message_id = params.get("message_id")
        if message_id is None:
            raise bad_request("message identifier is not specified")
        message = self.state._bot_messages.get(chat_id, {}).get(message_id)
        if message is None or message.deleted:
            if message_id in self.state._runner_messages.get(chat_id, {}):
                raise bad_request("message can't be edited")
            raise bad_request("message to edit not found")
        return message

    def _new_inline_markup(self, message: BotMessage, params: Params) -> dict[str, Any] | None:
        """Editing without reply_markup removes an inline keyboard (as on Telegram)."""
        markup = self._markup(params.get("reply_markup"))
        if markup is not None and "inline_keyboard" not in markup:
            raise bad_request("inline keyboard expected")
        return markup

    def _apply_edit(self, message: BotMessage, markup: dict[str, Any] | None) -> Params:
        if message.reply_markup is None or "inline_keyboard" in message.reply_markup:
            message.reply_markup = markup
            message.buttons = _button_rows(markup)
        message.edited = True
        message.edit_count += 1
        message.edit_date = int(time.time())
        self.state._notify()
        return message.to_dict()

    # ------------------------------------------------------------------ identity and updates

    async def m_getMe(self, params: Params) -> Any:
        return {
            **self.state.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def m_getUpdates(self, params: Params) -> Any:
        state = self.state
        if state.webhook.url:
            raise ApiError(409, CONFLICT_WEBHOOK)
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = max(float(params.get("timeout") or 0), 0.0)
        if params.get("allowed_updates") is not None:
            state.allowed_updates = list(params["allowed_updates"])
        self._poll_generation += 1
        generation = self._poll_generation
        state._notify()  # an older long poll now ends with 409
        if params.get("offset") is not None:
            state._confirm_updates(int(params["offset"]))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if generation != self._poll_generation:
                raise ApiError(409, CONFLICT_OTHER_POLL)
            if state.webhook.url:
                raise ApiError(409, "Conflict: terminated by setWebhook request")
            updates = state._deliverable(state.allowed_updates, limit)
            if updates or state._closing:
                return updates
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            await state.wait_change(remaining)

    async def m_setWebhook(self, params: Params) -> Any:
        url = str(params.get("url") or "")
        if not url:
            return await self.m_deleteWebhook(params)
        if not re.match(r"https?://", url):
            raise bad_request("bad webhook: HTTPS url must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and secret != "" and not _SECRET_RE.fullmatch(str(secret)):
            raise bad_request("secret token contains unallowed characters")
        hook = self.state.webhook
        already = hook.url == url
        hook.url = url
        hook.secret_token = str(secret) if secret else None
        hook.max_connections = int(params.get("max_connections") or 40)
        if params.get("allowed_updates") is not None:
            hook.allowed_updates = list(params["allowed_updates"])
        return self._webhook_changed(
            params, "Webhook is already set" if already else "Webhook was set"
        )

    async def m_deleteWebhook(self, params: Params) -> Any:
        hook = self.state.webhook
        had = bool(hook.url)
        hook.url = ""
        hook.secret_token = None
        return self._webhook_changed(
            params, "Webhook was deleted" if had else "Webhook is already deleted"
        )

    def _webhook_changed(self, params: Params, description: str) -> Reply:
        if params.get("drop_pending_updates"):
            self.state._updates.clear()
        self.state._notify()
        self.on_webhook_change()
        return Reply(True, description)

    async def m_getWebhookInfo(self, params: Params) -> Any:
        hook = self.state.webhook
        info: Params = {
            "url": hook.url,
            "has_custom_certificate": False,
            "pending_update_count": len(self.state._updates),
        }
        if hook.url:
            info["max_connections"] = hook.max_connections
            info["ip_address"] = "127.0.0.1"
            if hook.allowed_updates is not None:
                info["allowed_updates"] = hook.allowed_updates
            if hook.last_error_date is not None:
                info["last_error_date"] = hook.last_error_date
                info["last_error_message"] = hook.last_error_message
        return info

    # ------------------------------------------------------------------ messages

    async def m_sendMessage(self, params: Params) -> Any:
        chat_id, chat = self._target(params)
        raw, parsed = self._text(params)
        markup = self._markup(params.get("reply_markup"))
        reply_to = self._reply_to(chat_id, params)
        self._flood(chat_id, chat, params)
        message = BotMessage(
            chat_id=chat_id,
            message_id=self.state._new_message_id(chat_id),
            text=parsed.text,
            html=raw,
            chat=chat,
            from_user=self.state.bot_user,
            entities=parsed.entities,
            parse_mode=params.get("parse_mode"),
            reply_markup=markup,
            buttons=_button_rows(markup),
            reply_to_message_id=reply_to,
            params=params,
        )
        self.state._store_bot_message(message)
        return message.to_dict()

    async def m_editMessageText(self, params: Params) -> Any:
        message = self._edited(params)
        if message.kind != "text":
            raise bad_request("there is no text in the message to edit")
        raw, parsed = self._text(params)
        markup = self._new_inline_markup(message, params)
        if (
            parsed.text == message.text
            and parsed.entities == message.entities
            and _inline(markup) == _inline(message.reply_markup)
        ):
            raise bad_request(NOT_MODIFIED)
        message.text = parsed.text
        message.html = raw
        message.entities = parsed.entities
        message.parse_mode = params.get("parse_mode")
        return self._apply_edit(message, markup)

    async def m_editMessageCaption(self, params: Params) -> Any:
        message = self._edited(params)
        if message.kind == "text":
            raise bad_request("there is no caption in the message to edit")
        raw, parsed = self._caption(params)
        markup = self._new_inline_markup(message, params)
        if (
            parsed.text == (message.caption or "")
            and parsed.entities == message.entities
            and _inline(markup) == _inline(message.reply_markup)
        ):
            raise bad_request(NOT_MODIFIED)
        message.caption = parsed.text or None
        message.text = parsed.text
        message.html = raw
        message.entities = parsed.entities
        return self._apply_edit(message, markup)

    async def m_editMessageReplyMarkup(self, params: Params) -> Any:
        message = self._edited(params)
        markup = self._new_inline_markup(message, params)
        if _inline(markup) == _inline(message.reply_markup):
            raise bad_request(NOT_MODIFIED)
        return self._apply_edit(message, markup)

    async def m_deleteMessage(self, params: Params) -> Any:
        chat_id, _ = self._target(params)
        message_id = params.get("message_id")
        if message_id is None:
            raise bad_request("message identifier is not specified")
        message = self.state._bot_messages.get(chat_id, {}).get(message_id)
        if message is not None and not message.deleted:
            message.deleted = True
        elif self.state._runner_messages.get(chat_id, {}).pop(message_id, None) is None:
            raise bad_request("message to delete not found")
        self.state._notify()
        return True

    async def m_answerCallbackQuery(self, params: Params) -> Any:
        query_id = str(params.get("callback_query_id") or "")
        record = self.state._callbacks.get(query_id)
        if record is None or record.answered:
            raise bad_request(QUERY_TOO_OLD)
        text = params.get("text")
        if text is not None and len(str(text)) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        record.answered = True
        record.answer = {
            "text": text,
            "show_alert": bool(params.get("show_alert", False)),
            "url": params.get("url"),
            "cache_time": params.get("cache_time", 0),
        }
        self.state._notify()
        return True

    async def m_sendChatAction(self, params: Params) -> Any:
        self._target(params)
        if params.get("action") not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    # ------------------------------------------------------------------ files

    def _file(self, params: Params, field: str) -> tuple[bytes, str | None, str | None]:
        value = params.get(field)
        if value is None or value == "":
            raise bad_request(f"there is no {field} in the request")
        if isinstance(value, str) and value.startswith("attach://"):
            value = params.get(value[len("attach://") :])
            if not isinstance(value, UploadedFile):
                raise bad_request(f"wrong file identifier/HTTP URL specified for {field}")
        if isinstance(value, UploadedFile):
            return value.content, value.filename, value.content_type
        known = self.state.file(str(value))
        if known is not None:
            return known.content, known.filename, known.mime_type
        if re.match(r"https?://", str(value)):
            name = str(value).rstrip("/").rsplit("/", 1)[-1] or "file"
            return b"", name, None
        raise bad_request("wrong file identifier/HTTP URL specified")

    async def _send_file(self, params: Params, kind: str) -> Any:
        chat_id, chat = self._target(params)
        content, filename, mime = self._file(params, kind)
        if kind == "photo" and not content and filename is None:
            raise bad_request("IMAGE_PROCESS_FAILED")
        raw, parsed = self._caption(params)
        markup = self._markup(params.get("reply_markup"))
        reply_to = self._reply_to(chat_id, params)
        self._flood(chat_id, chat, params)
        stored = self.state._store_file(content, filename, mime)
        message = BotMessage(
            chat_id=chat_id,
            message_id=self.state._new_message_id(chat_id),
            text=parsed.text,
            html=raw,
            chat=chat,
            from_user=self.state.bot_user,
            kind=kind,
            entities=parsed.entities,
            parse_mode=params.get("parse_mode"),
            reply_markup=markup,
            buttons=_button_rows(markup),
            file=content,
            filename=filename,
            mime_type=mime,
            caption=parsed.text or None,
            file_id=stored.file_id,
            file_unique_id=stored.file_unique_id,
            reply_to_message_id=reply_to,
            params=params,
        )
        self.state._store_bot_message(message)
        return message.to_dict()

    async def m_sendPhoto(self, params: Params) -> Any:
        return await self._send_file(params, "photo")

    async def m_sendDocument(self, params: Params) -> Any:
        return await self._send_file(params, "document")

    async def m_getFile(self, params: Params) -> Any:
        stored = self.state.file(str(params.get("file_id") or ""))
        if stored is None:
            raise bad_request("invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
            "file_path": stored.file_path,
        }

    # ------------------------------------------------------------------ bot settings

    @staticmethod
    def _scope_key(params: Params) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    async def m_setMyCommands(self, params: Params) -> Any:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise bad_request("can't parse commands JSON object")
        if len(commands) > 100:
            raise bad_request("too many commands")
        clean: list[Params] = []
        for command in commands:
            if not isinstance(command, dict):
                raise bad_request("can't parse BotCommand")
            name = str(command.get("command", "")).removeprefix("/")
            description = str(command.get("description", ""))
            if not _COMMAND_RE.fullmatch(name):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
            clean.append({"command": name, "description": description})
        self.state.command_sets[self._scope_key(params)] = clean
        self.state.commands = clean
        self.state._notify()
        return True

    async def m_getMyCommands(self, params: Params) -> Any:
        return self.state.command_sets.get(self._scope_key(params), [])

    async def m_deleteMyCommands(self, params: Params) -> Any:
        self.state.command_sets.pop(self._scope_key(params), None)
        self.state._notify()
        return True

    def _set_text(self, params: Params, field: str, limit: int) -> Any:
        value = str(params.get(field) or "")
        if len(value) > limit:
            raise bad_request(f"{field} is too long")
        self.state.descriptions[f"{field}:{params.get('language_code') or ''}"] = value
        self.state._notify()
        return True

    async def m_setMyDescription(self, params: Params) -> Any:
        return self._set_text(params, "description", 512)

    async def m_setMyShortDescription(self, params: Params) -> Any:
        return self._set_text(params, "short_description", 120)

    async def m_getMyDescription(self, params: Params) -> Any:
        key = f"description:{params.get('language_code') or ''}"
        return {"description": self.state.descriptions.get(key, "")}

    async def m_getMyShortDescription(self, params: Params) -> Any:
        key = f"short_description:{params.get('language_code') or ''}"
        return {"short_description": self.state.descriptions.get(key, "")}

    async def m_close(self, params: Params) -> Any:
        return True

    async def m_logOut(self, params: Params) -> Any:
        return True
