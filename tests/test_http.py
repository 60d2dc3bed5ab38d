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

from bot.telegram.http import answer_of


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
