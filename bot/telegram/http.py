"""An aiohttp transport for PTB.

PTB's default transport (httpx) tops out at a few hundred requests a second on a small machine;
aiohttp does several times that, which is the headroom the delivery engine needs when a host
enables paid broadcasts (up to 1,000 messages/s). PTB accepts any ``BaseRequest``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
from http import HTTPStatus
from typing import Any
from urllib.parse import urlencode

import aiohttp
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.request import BaseRequest, RequestData


class AiohttpRequest(BaseRequest):
    def __init__(
        self,
        *,
        connection_pool_size: int = 64,
        read_timeout: float | None = 10.0,
        connect_timeout: float | None = 10.0,
        write_timeout: float | None = 10.0,
        media_write_timeout: float | None = 30.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._connect_timeout = connect_timeout
        self._write_timeout = write_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        self._json_options: dict[str, Any] | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, enable_cleanup_closed=True)
            self._session = aiohttp.ClientSession(connector=connector)

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    @staticmethod
    def _pick(value: object, default: float | None) -> float | None:
        """A timeout given for this call, or ours when PTB passes its "use the default" marker
        (``BaseRequest.DEFAULT_NONE``; public, unlike the type it is an instance of)."""
        if value is None or isinstance(value, int | float):
            return value
        return default

    def _form(self, request_data: RequestData) -> aiohttp.FormData | bytes:
        files = request_data.multipart_data
        if not files:
            # Encoded here: aiohttp's FormData costs several times more per request.
            return urlencode(request_data.json_parameters).encode()
        form = aiohttp.FormData()
        for name, value in request_data.json_parameters.items():
            form.add_field(name, value)
        for name, part in files.items():
            filename, content, *rest = part
            form.add_field(name, content, filename=filename, content_type=rest[0] if rest else None)
        return form

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        files = bool(request_data and request_data.multipart_data)
        read = self._pick(read_timeout, self._read_timeout)
        write = self._pick(
            write_timeout, self._media_write_timeout if files else self._write_timeout
        )
        connect = self._pick(connect_timeout, self._connect_timeout)
        pool = self._pick(pool_timeout, None)
        # aiohttp has no separate write timeout: the whole request gets read + write.
        total = None if read is None else read + (write or 0.0) + (connect or 0.0)
        timeout = aiohttp.ClientTimeout(total=total, connect=pool, sock_connect=connect)
        headers = {"User-Agent": self.USER_AGENT}
        kwargs: dict[str, Any] = {"timeout": timeout, "headers": headers}
        if request_data is not None:
            body = self._form(request_data)
            if isinstance(body, bytes):
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            kwargs["data"] = body
        return await self._exchange(method, url, kwargs)

    async def _exchange(self, method: str, url: str, kwargs: dict[str, Any]) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        try:
            async with self._session.request(method, url, **kwargs) as response:
                return response.status, await response.read()
        except TimeoutError as err:
            raise TimedOut from err
        except asyncio.CancelledError:
            raise
        except aiohttp.ClientError as err:
            # The exception text would carry the URL, and with it the token: name the type only.
            raise NetworkError(f"aiohttp.{type(err).__name__}") from err

    async def post_json(self, url: str, body: bytes) -> Any:
        """POST a body the caller encoded once as JSON; the answer's ``result``, or the
        Telegram error PTB would raise for it (``BaseRequest.post`` maps them the same way).

        The sender's hot path: PTB's own path encodes each parameter to JSON and the form
        encoding does it again, a fifth of the loop at a thousand messages a second, and
        Telegram takes a JSON body for any method without files."""
        status, payload = await self._exchange("POST", url, self._json_kwargs(body))
        return answer_of(status, payload)

    async def post_message(self, url: str, body: bytes) -> int | None:
        """``post_json`` for a send whose answer is only needed for its message id: found
        without decoding the whole Message (18 µs of a broadcast's ~0.5 ms per message)."""
        status, payload = await self._exchange("POST", url, self._json_kwargs(body))
        return message_id_of(status, payload)

    def _json_kwargs(self, body: bytes) -> dict[str, Any]:
        if self._json_options is None:
            read, write, connect = self._read_timeout, self._write_timeout, self._connect_timeout
            total = None if read is None else read + (write or 0.0) + (connect or 0.0)
            self._json_options = {
                "timeout": aiohttp.ClientTimeout(total=total, sock_connect=connect),
                "headers": {"User-Agent": self.USER_AGENT, "Content-Type": "application/json"},
            }
        return {**self._json_options, "data": body}


# A successful answer starts with the result's own fields: Telegram (and the local server) put
# a Message's message_id first, ahead of any nested message's.
_MESSAGE_ID = re.compile(
    rb'^\{\s*"ok"\s*:\s*true\s*,\s*"result"\s*:\s*\{\s*"message_id"\s*:\s*(\d+)'
)


def message_id_of(status: int, payload: bytes) -> int | None:
    """The message id of a send's answer, read without decoding the whole Message when the
    answer has the usual shape; anything else goes through ``answer_of`` (errors included)."""
    if 200 <= status < 300 and (found := _MESSAGE_ID.match(payload)) is not None:
        return int(found.group(1))
    result = answer_of(status, payload)
    message_id = result.get("message_id") if isinstance(result, dict) else None
    return message_id if isinstance(message_id, int) else None


def answer_of(status: int, payload: bytes) -> Any:
    """The ``result`` of a Bot API answer, or its error as PTB's exception."""
    try:
        data = json.loads(payload)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        if 200 <= status < 300:
            raise TelegramError("Invalid server response")
        raise NetworkError(f"HTTP {status}")
    if 200 <= status < 300:
        return data.get("result")
    description = str(data.get("description") or f"HTTP {status}")
    parameters = data.get("parameters") or {}
    if isinstance(parameters, dict):
        if parameters.get("migrate_to_chat_id"):
            raise ChatMigrated(int(parameters["migrate_to_chat_id"]))
        if parameters.get("retry_after"):
            raise RetryAfter(dt.timedelta(seconds=int(parameters["retry_after"])))
    if status == HTTPStatus.FORBIDDEN:
        raise Forbidden(description)
    if status in (HTTPStatus.UNAUTHORIZED, HTTPStatus.NOT_FOUND):
        raise InvalidToken(description)
    if status == HTTPStatus.BAD_REQUEST:
        raise BadRequest(description)
    if status == HTTPStatus.CONFLICT:
        raise Conflict(description)
    raise NetworkError(description)
