"""Read Bot API call parameters from any of the encodings Telegram accepts.

Query string, ``application/json``, ``application/x-www-form-urlencoded`` and
``multipart/form-data`` all end up as one dict with typed values: in form data (what PTB sends)
every value is a string and complex values are JSON strings, so they are decoded here.
"""

from __future__ import annotations

import json
import re
from typing import Any

from aiohttp import BodyPartReader, web

from .state import ApiError, UploadedFile, bad_request

__all__ = ["coerce_params", "read_params"]

JSON_KEYS = frozenset(
    {
        "reply_markup",
        "allowed_updates",
        "commands",
        "scope",
        "entities",
        "caption_entities",
        "link_preview_options",
        "reply_parameters",
        "media",
        "results",
        "menu_button",
        "rights",
    }
)
INT_KEYS = frozenset(
    {
        "offset",
        "limit",
        "timeout",
        "message_id",
        "reply_to_message_id",
        "max_connections",
        "cache_time",
        "message_thread_id",
        "user_id",
        "from_chat_id",
        "duration",
        "width",
        "height",
    }
)
BOOL_KEYS = frozenset(
    {
        "show_alert",
        "drop_pending_updates",
        "disable_notification",
        "protect_content",
        "disable_web_page_preview",
        "allow_sending_without_reply",
        "has_spoiler",
        "disable_content_type_detection",
        "show_caption_above_media",
        "allow_paid_broadcast",
    }
)
_INT_RE = re.compile(r"-?\d+")
_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off", ""}


def _coerce(key: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if key in JSON_KEYS:
        try:
            return json.loads(value)
        except ValueError:
            if key == "reply_markup":
                raise bad_request("can't parse reply keyboard markup JSON object") from None
            if key in ("entities", "caption_entities"):
                raise bad_request("can't parse entities JSON object") from None
            raise bad_request(f"can't parse {key} JSON object") from None
    if key == "chat_id":
        return int(value) if _INT_RE.fullmatch(value.strip()) else value.strip()
    if key in INT_KEYS:
        if not _INT_RE.fullmatch(value.strip()):
            raise bad_request(f"invalid {key} specified")
        return int(value)
    if key in BOOL_KEYS:
        low = value.strip().lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        raise bad_request(f"invalid {key} specified")
    return value


def coerce_params(raw: dict[str, Any]) -> dict[str, Any]:
    """Give every known parameter its Bot API type (JSON-decoding complex ones)."""
    return {key: _coerce(key, value) for key, value in raw.items()}


async def read_params(request: web.Request) -> dict[str, Any]:
    raw: dict[str, Any] = dict(request.query)
    if request.method == "POST" and request.can_read_body:
        content_type = request.content_type
        if content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise bad_request("can't parse JSON object") from None
            if not isinstance(body, dict):
                raise bad_request("JSON object expected")
            raw.update(body)
        elif content_type == "multipart/form-data":
            raw.update(await _read_multipart(request))
        elif content_type == "application/x-www-form-urlencoded":
            raw.update((await request.post()).items())
    return coerce_params(raw)


async def _read_multipart(request: web.Request) -> dict[str, Any]:
    values: dict[str, Any] = {}
    reader = await request.multipart()
    while True:
        part = await reader.next()
        if part is None:
            break
        if not isinstance(part, BodyPartReader) or part.name is None:
            raise ApiError(400, "Bad Request: nested multipart is not supported")
        data = await part.read(decode=True)
        if part.filename is not None:
            values[part.name] = UploadedFile(
                part.filename,
                bytes(data),
                part.headers.get("Content-Type", "application/octet-stream"),
            )
        else:
            values[part.name] = bytes(data).decode(part.get_charset("utf-8"))
    return values
