"""The console's sign-in, pure: Telegram Mini App initData and the session cookie."""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import parse_qsl, urlencode

import pytest

from bot.core import webapp
from tests.console import sign_fields, signed_init_data

TOKEN = "123456:TEST-abcdefghijklmnopqrstuvwxyz012345"
NOW = 1_780_000_000


def _fields(init_data: str) -> dict[str, str]:
    return dict(parse_qsl(init_data))


def _tampered(init_data: str, **changes: str) -> str:
    fields = _fields(init_data)
    fields.update(changes)
    return urlencode(fields)


def _without(init_data: str, key: str) -> str:
    return urlencode({k: v for k, v in _fields(init_data).items() if k != key})


GOOD = signed_init_data(TOKEN, 42, auth_date=NOW - 10, first_name="Ada", last_name="Lovelace")


def test_valid_init_data_gives_the_user() -> None:
    data = webapp.validate_init_data(GOOD, TOKEN, now=NOW)
    assert (data.user_id, data.first_name, data.last_name) == (42, "Ada", "Lovelace")
    assert data.auth_date == NOW - 10
    assert data.name == "Ada Lovelace"
    assert data.raw == GOOD


def test_the_age_limit_is_inclusive_to_the_second() -> None:
    at_limit = signed_init_data(TOKEN, 42, auth_date=NOW - 3600)
    assert webapp.validate_init_data(at_limit, TOKEN, now=NOW).user_id == 42


@pytest.mark.parametrize(
    ("init_data", "token", "reason"),
    [
        pytest.param(_tampered(GOOD, auth_date=str(NOW)), TOKEN, "signature", id="tampered-date"),
        pytest.param(
            _tampered(GOOD, user=json.dumps({"id": 1, "first_name": "Eve"})),
            TOKEN,
            "signature",
            id="tampered-user",
        ),
        pytest.param(GOOD, "654321:OTHER-abcdefghijklmnopqrstuvwxyz0123", "signature", id="token"),
        pytest.param(_without(GOOD, "hash"), TOKEN, "no hash", id="missing-hash"),
        pytest.param(_tampered(GOOD, hash="0" * 64), TOKEN, "signature", id="zero-hash"),
        pytest.param(
            signed_init_data(TOKEN, 42, auth_date=NOW - 3601), TOKEN, "expired", id="expired"
        ),
        pytest.param(signed_init_data(TOKEN, 42, auth_date=NOW + 61), TOKEN, "future", id="future"),
        pytest.param(
            sign_fields(TOKEN, {"user": "{not json", "auth_date": str(NOW)}),
            TOKEN,
            "not JSON",
            id="user-not-json",
        ),
        pytest.param(
            sign_fields(TOKEN, {"user": '{"first_name":"Ada"}', "auth_date": str(NOW)}),
            TOKEN,
            "no id",
            id="user-without-id",
        ),
        pytest.param(
            sign_fields(TOKEN, {"user": '{"id":42}'}), TOKEN, "auth_date", id="no-auth-date"
        ),
        pytest.param("", TOKEN, "empty", id="empty"),
        pytest.param("%%%=&&", TOKEN, "", id="garbage"),
    ],
)
def test_bad_init_data_is_refused_with_a_reason(init_data: str, token: str, reason: str) -> None:
    with pytest.raises(webapp.InitDataError) as caught:
        webapp.validate_init_data(init_data, token, now=NOW)
    assert reason in caught.value.reason
    assert TOKEN not in caught.value.reason


def test_a_little_clock_skew_is_allowed() -> None:
    ahead = signed_init_data(TOKEN, 42, auth_date=NOW + 60)
    assert webapp.validate_init_data(ahead, TOKEN, now=NOW).user_id == 42


# ---------------------------------------------------------------------------------------------
# The session cookie and CSRF


def test_a_session_cookie_round_trips_and_never_holds_the_token() -> None:
    session = webapp.new_session(42, now=NOW)
    value = webapp.session_cookie(session, TOKEN)
    assert TOKEN not in value and TOKEN.split(":")[1] not in value
    assert webapp.verify_session(value, TOKEN, now=NOW + 1799) == session
    assert session.expires == NOW + webapp.SESSION_SECONDS


@pytest.mark.parametrize(
    ("mutate", "now", "reason"),
    [
        pytest.param(lambda v: v, NOW + 1800, "expired", id="expired"),
        pytest.param(lambda v: "x" + v, NOW, "", id="tampered-payload"),
        pytest.param(lambda v: v[:-2] + ("AA" if v[-2:] != "AA" else "BB"), NOW, "", id="sig"),
        pytest.param(lambda v: v.split(".")[0], NOW, "malformed", id="no-signature"),
        pytest.param(lambda v: "", NOW, "no session", id="empty"),
        pytest.param(lambda v: "a.b.c", NOW, "", id="junk"),
    ],
)
def test_a_bad_session_cookie_is_refused(
    mutate: Callable[[str], str], now: int, reason: str
) -> None:
    value = webapp.session_cookie(webapp.new_session(42, now=NOW), TOKEN)
    with pytest.raises(webapp.SessionError) as caught:
        webapp.verify_session(mutate(value), TOKEN, now=now)
    assert reason in caught.value.reason


def test_a_cookie_for_another_admin_cannot_be_forged() -> None:
    session = webapp.new_session(42, now=NOW)
    value = webapp.session_cookie(session, TOKEN)
    other = webapp.session_cookie(webapp.Session(7, session.expires, session.nonce), TOKEN)
    forged = other.split(".")[0] + "." + value.split(".")[1]
    with pytest.raises(webapp.SessionError):
        webapp.verify_session(forged, TOKEN, now=NOW)
    with pytest.raises(webapp.SessionError):
        webapp.verify_session(value, "654321:OTHER-abcdefghijklmnopqrstuvwxyz0123", now=NOW)


def test_the_csrf_token_is_bound_to_the_session() -> None:
    first = webapp.new_session(42, now=NOW)
    second = webapp.new_session(42, now=NOW)
    token = webapp.csrf_token(first, TOKEN)
    assert webapp.verify_csrf(first, token, TOKEN)
    assert not webapp.verify_csrf(second, token, TOKEN), "another session's token"
    assert not webapp.verify_csrf(first, None, TOKEN)
    assert not webapp.verify_csrf(first, "", TOKEN)
    assert not webapp.verify_csrf(first, token[:-1], TOKEN)


def test_a_known_answer_from_another_implementation() -> None:
    """A signed initData published as a test case by another library (aiogram's tests), so the
    check is not only consistent with our own signer."""
    init_data = (
        "auth_date=1650385342"
        "&user=%7B%22id%22%3A42%2C%22first_name%22%3A%22Test%22%7D"
        "&query_id=test"
        "&hash=46d2ea5e32911ec8d30999b56247654460c0d20949b6277af519e76271182803"
    )
    data = webapp.validate_init_data(init_data, "42:TEST", now=1650385342 + 10)
    assert (data.user_id, data.first_name) == (42, "Test")
    with pytest.raises(webapp.InitDataError):
        webapp.validate_init_data(init_data, "42:INVALID", now=1650385342 + 10)
