"""The sender's JSON path maps Bot API answers to PTB's exceptions the way PTB's own path
does (``BaseRequest._request_wrapper``), so the sender's handling of each stays the same."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot.telegram.http import answer_of, message_id_of


def body(**fields: object) -> bytes:
    return json.dumps(fields).encode()


def test_an_answer_gives_its_result() -> None:
    assert answer_of(200, body(ok=True, result={"message_id": 7})) == {"message_id": 7}


@pytest.mark.parametrize(
    ("status", "payload", "error"),
    [
        (400, body(ok=False, description="Bad Request: chat not found"), BadRequest),
        (403, body(ok=False, description="Forbidden: bot was blocked by the user"), Forbidden),
        (401, body(ok=False, description="Unauthorized"), InvalidToken),
        (404, body(ok=False, description="Not Found"), InvalidToken),
        (409, body(ok=False, description="Conflict: terminated by other getUpdates"), Conflict),
        (500, body(ok=False, description="Internal Server Error"), NetworkError),
        (502, b"<html>502 Bad Gateway</html>", NetworkError),
        (200, b"not json", TelegramError),
    ],
)
def test_errors_are_ptbs(status: int, payload: bytes, error: type[Exception]) -> None:
    with pytest.raises(error) as raised:
        answer_of(status, payload)
    if status == 400:
        assert "chat not found" in raised.value.message.lower()  # type: ignore[attr-defined]


def test_a_flood_wait_carries_its_seconds() -> None:
    answer = body(ok=False, error_code=429, parameters={"retry_after": 3})
    with pytest.raises(RetryAfter) as raised:
        answer_of(429, answer)
    assert raised.value.retry_after in (3, dt.timedelta(seconds=3))


def test_a_migrated_group_names_its_new_id() -> None:
    answer = body(ok=False, parameters={"migrate_to_chat_id": -1001})
    with pytest.raises(ChatMigrated) as raised:
        answer_of(400, answer)
    assert raised.value.new_chat_id == -1001


@pytest.mark.parametrize(
    "payload",
    [
        b'{"ok":true,"result":{"message_id":4711,"from":{"id":1},"chat":{"id":2}}}',
        b'{"ok": true, "result": {"message_id": 4711, "reply_to_message": {"message_id": 9}}}',
        # Not the usual order: decoded in full instead.
        b'{"result": {"chat": {"id": 2}, "message_id": 4711}, "ok": true}',
    ],
)
def test_a_sent_messages_id_is_read_without_decoding_it_all(payload: bytes) -> None:
    assert message_id_of(200, payload) == 4711


def test_a_refused_send_still_raises_ptbs_error() -> None:
    with pytest.raises(Forbidden):
        message_id_of(403, body(ok=False, description="Forbidden: bot was blocked by the user"))
