"""Tests of the fake Bot API server itself (bot/testing/botapi), over real HTTP."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import sys
import time
import warnings
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes
from telegram.request import HTTPXRequest

from bot.testing.botapi import FakeBotApi, NoMessageError, parse_html
from bot.testing.botapi.chat import TerminalChat
from bot.testing.botapi.html import EntityParseError

CHAT = 1001
KEYBOARD = {
    "inline_keyboard": [
        [{"text": "Mon", "callback_data": "day:mon"}, {"text": "Tue", "callback_data": "day:tue"}],
        [{"text": "Done ✅", "callback_data": "done"}, {"text": "Docs", "url": "https://x.org"}],
    ]
}


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as server:
        server.add_chat(CHAT)
        yield server


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    async with Bot(api.token, base_url=api.base_url, base_file_url=api.base_file_url) as ptb:
        yield ptb


async def call(
    http: aiohttp.ClientSession, api: FakeBotApi, method: str, **params: Any
) -> tuple[int, dict[str, Any]]:
    async with http.post(f"{api.url}/bot{api.token}/{method}", json=params) as response:
        return response.status, await response.json()


async def send(
    http: aiohttp.ClientSession,
    api: FakeBotApi,
    text: str = "hi",
    chat_id: int = CHAT,
    **extra: Any,
) -> tuple[int, dict[str, Any]]:
    return await call(http, api, "sendMessage", chat_id=chat_id, text=text, **extra)


# ---------------------------------------------------------------------- routes and encodings


async def test_get_me_routes_and_errors(api: FakeBotApi, http: aiohttp.ClientSession) -> None:
    async with http.get(f"{api.url}/bot{api.token}/GETME") as response:
        body = await response.json()
    assert response.status == 200
    assert body["ok"] is True
    assert body["result"]["id"] == 123456
    assert body["result"]["username"] == "backstride_test_bot"
    assert body["result"]["is_bot"] is True
    assert body["result"]["supports_inline_queries"] is False

    async with http.post(f"{api.url}/bot123456:WRONG/getMe") as response:
        assert response.status == 401
        assert await response.json() == {
            "ok": False,
            "error_code": 401,
            "description": "Unauthorized",
        }
    status, body = await call(http, api, "sendCarrierPigeon")
    assert (status, body) == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found: method not found"},
    )
    assert api.count("getMe") == 2  # one 200, one 401
    assert api.count("getMe", 200) == 1
    assert api.count(status=401) == 1
    assert api.calls[-1].method == "sendCarrierPigeon"


async def test_parameters_in_every_encoding(api: FakeBotApi, http: aiohttp.ClientSession) -> None:
    base = f"{api.url}/bot{api.token}/sendMessage"
    markup = json.dumps(KEYBOARD)
    async with http.get(base, params={"chat_id": str(CHAT), "text": "query"}) as response:
        assert response.status == 200
    async with http.post(base, data={"chat_id": str(CHAT), "text": "form", "reply_markup": markup}):
        pass
    form = aiohttp.FormData()
    form.add_field("chat_id", str(CHAT))
    form.add_field("text", "multipart ü")
    form.add_field("reply_markup", markup)
    form.add_field("disable_notification", "true")
    async with http.post(base, data=form) as response:
        assert response.status == 200
    status, _ = await send(http, api, "json", reply_markup=KEYBOARD)
    assert status == 200

    texts = [m.text for m in api.messages_to(CHAT)]
    assert texts == ["query", "form", "multipart ü", "json"]
    for message in api.messages_to(CHAT)[1:]:
        assert message.buttons[0] == [("Mon", "day:mon"), ("Tue", "day:tue")]
        assert message.button_texts() == ["Mon", "Tue", "Done ✅", "Docs"]
    assert api.calls[2].params["disable_notification"] is True
    assert api.calls[2].params["chat_id"] == CHAT


async def test_bad_reply_markup_is_refused(api: FakeBotApi, http: aiohttp.ClientSession) -> None:
    status, body = await send(http, api, reply_markup={"inline_keyboard": [[{"text": "x"}]]})
    assert status == 400
    assert "Text buttons are unallowed" in body["description"]
    long_data = {"inline_keyboard": [[{"text": "x", "callback_data": "d" * 65}]]}
    status, body = await send(http, api, reply_markup=long_data)
    assert body["description"] == "Bad Request: BUTTON_DATA_INVALID"
    assert api.messages_to(CHAT) == []


# ---------------------------------------------------------------------- long polling


async def test_long_poll_holds_until_timeout(api: FakeBotApi, http: aiohttp.ClientSession) -> None:
    started = time.monotonic()
    status, body = await call(http, api, "getUpdates", timeout=1)
    elapsed = time.monotonic() - started
    assert (status, body) == (200, {"ok": True, "result": []})
    assert 0.95 <= elapsed < 1.5


async def test_long_poll_wakes_on_new_update(api: FakeBotApi, http: aiohttp.ClientSession) -> None:
    poll = asyncio.create_task(call(http, api, "getUpdates", timeout=5))
    await asyncio.sleep(0.1)
    assert not poll.done()
    started = time.monotonic()
    update = api.send_text(CHAT, "hello")
    status, body = await poll
    assert time.monotonic() - started < 0.5
    assert status == 200
    assert body["result"] == [update]
    assert update["message"]["text"] == "hello"
    assert update["message"]["from"]["id"] == CHAT


async def test_offset_confirms_updates(api: FakeBotApi, http: aiohttp.ClientSession) -> None:
    ids = [api.send_text(CHAT, f"m{i}")["update_id"] for i in range(4)]
    assert ids == sorted(ids) and len(set(ids)) == 4
    _, body = await call(http, api, "getUpdates", limit=2)
    assert [u["update_id"] for u in body["result"]] == ids[:2]
    _, body = await call(http, api, "getUpdates")  # nothing confirmed yet
    assert [u["update_id"] for u in body["result"]] == ids
    _, body = await call(http, api, "getUpdates", offset=ids[2])
    assert [u["update_id"] for u in body["result"]] == ids[2:]
    _, body = await call(http, api, "getUpdates", offset=-1)
    assert [u["update_id"] for u in body["result"]] == ids[3:]
    _, body = await call(http, api, "getUpdates", offset=ids[3] + 1)
    assert body["result"] == []
    assert api.pending_updates == []


async def test_second_poll_terminates_the_first(
    api: FakeBotApi, http: aiohttp.ClientSession
) -> None:
    first = asyncio.create_task(call(http, api, "getUpdates", timeout=5))
    await asyncio.sleep(0.1)
    second = asyncio.create_task(call(http, api, "getUpdates", timeout=5))
    status, body = await asyncio.wait_for(first, 1)
    assert status == 409
    assert body["description"] == (
        "Conflict: terminated by other getUpdates request; make sure that only one bot instance "
        "is running"
    )
    api.send_text(CHAT, "for the second")
    status, body = await asyncio.wait_for(second, 1)
    assert status == 200 and body["result"][0]["message"]["text"] == "for the second"


async def test_allowed_updates_filter(api: FakeBotApi, http: aiohttp.ClientSession) -> None:
    api.send_text(CHAT, "text")
    api.add_chat(CHAT, first_name="Runner")
    _, body = await call(http, api, "getUpdates", allowed_updates=json.dumps(["callback_query"]))
    assert body["result"] == []
    api.send_text(CHAT, "again")
    api.press_data(CHAT, 1, "x")
    _, body = await call(http, api, "getUpdates")
    assert [next(k for k in u if k != "update_id") for u in body["result"]] == ["callback_query"]


async def test_webhook_pushes_and_retries(api: FakeBotApi, http: aiohttp.ClientSession) -> None:
    received: list[tuple[dict[str, Any], str | None]] = []
    answers = [500, 200, 200]

    async def hook(request: web.Request) -> web.Response:
        received.append(
            (await request.json(), request.headers.get("X-Telegram-Bot-Api-Secret-Token"))
        )
        return web.Response(status=answers.pop(0) if answers else 200)

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        api.send_text(CHAT, "before")
        status, body = await call(
            http, api, "setWebhook", url=f"http://127.0.0.1:{port}/hook", secret_token="s3cr_t-"
        )
        assert (status, body["result"], body["description"]) == (200, True, "Webhook was set")
        status, body = await call(http, api, "getUpdates")
        assert status == 409
        assert body["description"].startswith(
            "Conflict: can't use getUpdates method while webhook is active"
        )
        api.send_text(CHAT, "after")
        await api.wait_for(lambda: api.webhook.deliveries == 2 and not api.pending_updates, 3)
        texts = [update["message"]["text"] for update, _ in received]
        assert texts == ["before", "before", "after"]  # first answer was a 500: retried
        assert {secret for _, secret in received} == {"s3cr_t-"}
        _, body = await call(http, api, "getWebhookInfo")
        info = body["result"]
        assert info["url"].endswith("/hook")
        assert info["pending_update_count"] == 0
        assert (
            info["last_error_message"]
            == "Wrong response from the webhook: 500 Internal Server Error"
        )
        _, body = await call(http, api, "deleteWebhook", drop_pending_updates=True)
        assert body["description"] == "Webhook was deleted"
        api.send_text(CHAT, "polled")
        _, body = await call(http, api, "getUpdates")
        assert body["result"][0]["message"]["text"] == "polled"
    finally:
        await runner.cleanup()


# ---------------------------------------------------------------------- HTML and text checks


@pytest.mark.parametrize(
    ("html", "text", "entities"),
    [
        ("<b>bold</b> <strong>s</strong>", "bold s", [("bold", 0, 4), ("bold", 5, 1)]),
        (
            "<i>a</i><em>b</em><u>c</u><ins>d</ins>",
            "abcd",
            [("italic", 0, 1), ("italic", 1, 1), ("underline", 2, 1), ("underline", 3, 1)],
        ),
        (
            "<s>a</s><strike>b</strike><del>c</del>",
            "abc",
            [("strikethrough", 0, 1), ("strikethrough", 1, 1), ("strikethrough", 2, 1)],
        ),
        ('<a href="https://e.org/?a=1&amp;b=2">link</a>', "link", [("text_link", 0, 4)]),
        (
            '<tg-spoiler>x</tg-spoiler><span class="tg-spoiler">y</span>',
            "xy",
            [("spoiler", 0, 1), ("spoiler", 1, 1)],
        ),
        ('<pre><code class="language-python">x = 1</code></pre>', "x = 1", [("pre", 0, 5)]),
        ("<code>a &lt; b</code>", "a < b", [("code", 0, 5)]),
        (
            "<blockquote expandable>q</blockquote><blockquote>r</blockquote>",
            "qr",
            [("expandable_blockquote", 0, 1), ("blockquote", 1, 1)],
        ),
        ('<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>', "👍", [("custom_emoji", 0, 2)]),
        ("&lt;&gt;&amp;&quot;&#39;&#x1F3C3;", "<>&\"'🏃", []),
        ("🏃 <b>run</b>", "🏃 run", [("bold", 3, 3)]),  # UTF-16 offsets
        ("<b>a <i>nested</i></b>", "a nested", [("bold", 0, 8), ("italic", 2, 6)]),
        ("<B>upper</B>", "upper", [("bold", 0, 5)]),
    ],
)
def test_html_accepted(html: str, text: str, entities: list[tuple[str, int, int]]) -> None:
    parsed = parse_html(html)
    assert parsed.text == text
    assert [(e["type"], e["offset"], e["length"]) for e in parsed.entities] == entities


def test_html_entity_details() -> None:
    parsed = parse_html(
        '<a href="https://e.org/?a=1&amp;b=2">l</a><pre><code class="language-py">x</code></pre>'
    )
    assert parsed.entities[0]["url"] == "https://e.org/?a=1&b=2"
    assert parsed.entities[1]["language"] == "py"


@pytest.mark.parametrize(
    ("html", "error"),
    [
        ("<div>x</div>", 'Unsupported start tag "div" at byte offset 0'),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("<b>open", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<b", "Unclosed start tag at byte offset 0"),
        ("Tom & Jerry", 'Unescaped "&" at byte offset 4'),
        ("a > b", 'Unescaped ">" at byte offset 2'),
        ("&nbsp;", 'Unescaped "&" at byte offset 0'),
        ('<span class="x">s</span>', 'Tag "span" must have class "tg-spoiler"'),
        ("<a href=x y>z</a>", 'Expected equal sign in declaration of an attribute of the tag "a"'),
    ],
)
def test_html_refused(html: str, error: str) -> None:
    with pytest.raises(EntityParseError) as info:
        parse_html(html)
    assert str(info.value).startswith(error)


def test_html_lenient_mode_keeps_bare_characters() -> None:
    assert parse_html("Tom & Jerry > 1", strict=False).text == "Tom & Jerry > 1"


async def test_send_message_text_rules(api: FakeBotApi, http: aiohttp.ClientSession) -> None:
    status, body = await send(http, api, "<b>unclosed", parse_mode="HTML")
    assert status == 400
    assert body["description"] == (
        "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"b\""
    )
    for empty in ("", "   \n", "<b></b>"):
        _, body = await send(http, api, empty, parse_mode="HTML")
        assert body["description"] == "Bad Request: message text is empty"
    _, body = await send(http, api, "x" * 4097)
    assert body["description"] == "Bad Request: message is too long"
    status, body = await send(http, api, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    assert status == 200
    status, body = await send(http, api, "  <i>Hi</i> &amp; bye \n", parse_mode="HTML")
    assert body["result"]["text"] == "Hi & bye"
    assert body["result"]["entities"] == [{"type": "italic", "offset": 0, "length": 2}]
    assert api.messages_to(CHAT)[-1].html == "  <i>Hi</i> &amp; bye \n"
    assert len(api.messages_to(CHAT)) == 2


async def test_chat_not_found_until_known(api: FakeBotApi, http: aiohttp.ClientSession) -> None:
    status, body = await send(http, api, chat_id=2002)
    assert (status, body["description"]) == (400, "Bad Request: chat not found")
    api.send_text(2002, "hi", first_name="Ana")
    status, body = await send(http, api, chat_id=2002)
    assert status == 200
    assert body["result"]["chat"] == {"id": 2002, "type": "private", "first_name": "Ana"}
    assert body["result"]["message_id"] == 2  # the runner's message was #1
    api.add_chat(-1001234, title="Club")
    _, body = await send(http, api, chat_id=-1001234)
    assert body["result"]["chat"]["type"] == "supergroup"


# ---------------------------------------------------------------------- edits and callbacks


async def test_edits(api: FakeBotApi, http: aiohttp.ClientSession) -> None:
    _, body = await send(http, api, "pick", reply_markup=KEYBOARD)
    mid = body["result"]["message_id"]
    _, body = await call(http, api, "editMessageText", chat_id=CHAT, message_id=99, text="x")
    assert body["description"] == "Bad Request: message to edit not found"
    _, body = await call(
        http,
        api,
        "editMessageText",
        chat_id=CHAT,
        message_id=mid,
        text="pick",
        reply_markup=KEYBOARD,
    )
    assert body["description"].startswith("Bad Request: message is not modified: specified new")
    status, body = await call(
        http,
        api,
        "editMessageText",
        chat_id=CHAT,
        message_id=mid,
        text="<b>picked</b>",
        parse_mode="HTML",
    )
    assert status == 200
    assert body["result"]["text"] == "picked" and "reply_markup" not in body["result"]
    message = api.message(CHAT, mid)
    assert message.edited and message.buttons == [] and message.html == "<b>picked</b>"
    status, body = await call(
        http, api, "editMessageReplyMarkup", chat_id=CHAT, message_id=mid, reply_markup=KEYBOARD
    )
    assert status == 200 and body["result"]["reply_markup"] == KEYBOARD
    _, body = await call(
        http, api, "editMessageReplyMarkup", chat_id=CHAT, message_id=mid, reply_markup=KEYBOARD
    )
    assert body["description"].startswith("Bad Request: message is not modified")
    assert api.message(CHAT, mid).edit_count == 2
    status, _ = await call(http, api, "deleteMessage", chat_id=CHAT, message_id=mid)
    assert status == 200 and api.message(CHAT, mid).deleted
    _, body = await call(http, api, "deleteMessage", chat_id=CHAT, message_id=mid)
    assert body["description"] == "Bad Request: message to delete not found"


async def test_answer_callback_query(api: FakeBotApi, http: aiohttp.ClientSession) -> None:
    await send(http, api, "pick", reply_markup=KEYBOARD)
    cq = api.press(CHAT, "Tue")
    status, _ = await call(
        http, api, "answerCallbackQuery", callback_query_id=cq, text="Saved", show_alert=True
    )
    assert status == 200
    assert api.callback_answer(cq) == {
        "text": "Saved",
        "show_alert": True,
        "url": None,
        "cache_time": 0,
    }
    for query_id in (cq, "12345"):
        status, body = await call(http, api, "answerCallbackQuery", callback_query_id=query_id)
        assert status == 400
        assert body["description"] == (
            "Bad Request: query is too old and response timeout expired or query ID is invalid"
        )
    assert api.callback_answer("12345") is None


async def test_press_finds_buttons_and_parses(
    api: FakeBotApi, http: aiohttp.ClientSession, bot: Bot
) -> None:
    _, first = await send(http, api, "old", reply_markup=KEYBOARD)
    await send(
        http,
        api,
        "newest",
        reply_markup={"inline_keyboard": [[{"text": "Yes, done", "callback_data": "y"}]]},
    )
    await send(http, api, "no keyboard")
    api.press(CHAT, "Yes, done")  # exact, newest message with buttons
    api.press(CHAT, "done")  # contained in "Yes, done"
    api.press(CHAT, "Done ✅", message_id=first["result"]["message_id"])
    api.press(CHAT, "day:tue", message_id=first["result"]["message_id"])  # by callback data
    with pytest.raises(AssertionError, match=r"no button 'Wed'.*'Mon' \('day:mon'\)"):
        api.press(CHAT, "Wed", message_id=first["result"]["message_id"])
    with pytest.raises(AssertionError, match="no callback_data"):
        api.press(CHAT, "Docs", message_id=first["result"]["message_id"])

    updates = [Update.de_json(u, bot) for u in api.pending_updates]
    queries = [u.callback_query for u in updates]
    assert all(q is not None for q in queries)
    assert [q.data for q in queries if q] == ["y", "y", "done", "day:tue"]
    query = queries[0]
    assert query is not None and query.message is not None
    assert query.message.chat.id == CHAT
    assert query.from_user.id == CHAT
    assert isinstance(query.message, Message) and query.message.text == "newest"

    cq = api.press_data(CHAT, 999, "admin:delete_all")
    forged = Update.de_json(api.pending_updates[-1], bot)
    assert forged.callback_query is not None and forged.callback_query.id == cq
    assert forged.callback_query.data == "admin:delete_all"
    assert forged.callback_query.message is not None
    assert not forged.callback_query.message.is_accessible


def test_runner_updates_parse_with_ptb() -> None:
    api = FakeBotApi()
    bot = Bot(api.token)
    api.send_command(CHAT, "/start", "ref42")
    api.send_location(CHAT, 51.5, -0.12)
    api.send_sticker(CHAT)
    api.send_photo_from_user(CHAT, "my run")
    api.send_edited_text(CHAT, "/start edited")
    api.send_group_text(-100777, 42, "/stats@backstride_test_bot")
    api.send_channel_post(-100888, "news")
    api.block(CHAT, notify=True)
    updates = [Update.de_json(u, bot) for u in api.pending_updates]
    start = updates[0].message
    assert start is not None and start.text == "/start ref42"
    assert start.entities[0].type == "bot_command" and start.entities[0].length == 6
    assert updates[1].message is not None and updates[1].message.location is not None
    assert updates[1].message.location.latitude == 51.5
    assert updates[2].message is not None and updates[2].message.sticker is not None
    assert updates[3].message is not None and updates[3].message.photo
    assert updates[3].message.caption == "my run"
    edited = updates[4].edited_message
    assert edited is not None and edited.message_id == start.message_id
    assert updates[5].effective_chat is not None and updates[5].effective_chat.type == "supergroup"
    assert updates[5].effective_user is not None and updates[5].effective_user.id == 42
    assert updates[6].channel_post is not None and updates[6].channel_post.text == "news"
    member = updates[7].my_chat_member
    assert member is not None and member.new_chat_member.status == "kicked"
    assert [u.update_id for u in updates] == sorted(u.update_id for u in updates)
    assert "#1: /start ref42" in api.format_history(CHAT)


# ---------------------------------------------------------------------- observation


async def test_next_message_and_wait_for(api: FakeBotApi, http: aiohttp.ClientSession) -> None:
    api.send_text(CHAT, "hello")
    await send(http, api, "one")
    await send(http, api, "two")
    assert (await api.next_message(CHAT)).text == "one"
    assert (await api.next_message(CHAT)).text == "two"
    waiter = asyncio.create_task(api.next_message(CHAT, timeout=2))
    await asyncio.sleep(0.05)
    await send(http, api, "three")
    assert (await waiter).text == "three"
    with pytest.raises(NoMessageError) as info:
        await api.next_message(CHAT, timeout=0.1)
    assert isinstance(info.value, TimeoutError)
    assert "runner #1: hello" in str(info.value) and "bot    #3: two" in str(info.value)
    found = await api.wait_for(lambda: api.count("sendMessage") >= 3, timeout=1)
    assert found
    with pytest.raises(AssertionError, match="still false"):
        await api.wait_for(lambda: False, timeout=0.1)
    await api.expect_silence(CHAT, 0.05)
    await send(http, api, "four")
    with pytest.raises(AssertionError, match="unexpected bot message"):
        await api.expect_silence(CHAT, 0.05)
    assert [e.who for e in api.history(CHAT)][:2] == ["runner", "bot"]


# ---------------------------------------------------------------------- flood limits and faults


async def test_flood_limit_per_private_chat(api: FakeBotApi, http: aiohttp.ClientSession) -> None:
    now = [1000.0]
    api.flood.clock = lambda: now[0]
    api.flood_limits = True
    for i in range(3):  # a burst of 3 is tolerated
        status, _ = await send(http, api, f"burst {i}")
        assert status == 200
    status, body = await send(http, api, "too fast")
    assert status == 429
    assert body == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 1",
        "parameters": {"retry_after": 1},
    }
    assert [m.text for m in api.messages_to(CHAT)] == ["burst 0", "burst 1", "burst 2"]
    now[0] += 0.5
    status, body = await send(http, api, "still too fast")
    assert status == 429 and body["parameters"]["retry_after"] == 1
    now[0] += 0.5
    assert (await send(http, api, "now ok"))[0] == 200
    now[0] += 0.4  # sustained 1/s is not over the limit, faster is
    assert (await send(http, api, "x"))[0] == 429
    # edits and callback answers do not count
    mid = api.messages_to(CHAT)[0].message_id
    status, _ = await call(http, api, "editMessageText", chat_id=CHAT, message_id=mid, text="e")
    assert status == 200
    assert api.count(status=429) == 3


async def test_flood_limit_overall(api: FakeBotApi, http: aiohttp.ClientSession) -> None:
    now = [50.0]
    api.flood.clock = lambda: now[0]
    api.flood_limits = True
    for chat in range(1, 32):
        api.add_chat(chat)
    results = []
    for chat in range(1, 31):
        now[0] += 0.01
        results.append((await send(http, api, chat_id=chat))[0])
    assert results == [200] * 30
    status, body = await send(http, api, chat_id=31)
    assert status == 429 and body["parameters"]["retry_after"] == 1
    assert api.messages_to(31) == []
    now[0] = 51.02  # the first send has left the 1-second window
    assert (await send(http, api, chat_id=31))[0] == 200


async def test_flood_limit_group(api: FakeBotApi, http: aiohttp.ClientSession) -> None:
    now = [0.0]
    api.flood.clock = lambda: now[0]
    api.flood_limits = True
    api.add_chat(-42)
    for _ in range(20):
        now[0] += 0.1
        assert (await send(http, api, chat_id=-42))[0] == 200
    status, body = await send(http, api, chat_id=-42)
    assert status == 429 and body["parameters"]["retry_after"] == 59


@pytest.mark.parametrize(
    ("kind", "status", "description"),
    [
        ("429", 429, "Too Many Requests: retry after 7"),
        ("500", 500, "Internal Server Error"),
        ("403", 403, "Forbidden: bot was blocked by the user"),
    ],
)
async def test_fail_next_json_errors(
    api: FakeBotApi, http: aiohttp.ClientSession, kind: str, status: int, description: str
) -> None:
    api.fail_next(2, kind, retry_after=7)
    for _ in range(2):
        got, body = await send(http, api)
        assert (got, body["description"]) == (status, description)
    if kind == "429":
        assert body["parameters"] == {"retry_after": 7}
    assert api.messages_to(CHAT) == []
    assert (await send(http, api, "third"))[0] == 200
    assert api.count("sendMessage", status) == 2


async def test_fail_next_matches_method_and_chat(
    api: FakeBotApi, http: aiohttp.ClientSession
) -> None:
    api.add_chat(2002)
    api.fail_next(1, "500", chat_id=2002)
    api.fail_next(1, "500", method="getMe")
    assert (await send(http, api))[0] == 200  # another chat
    assert (await call(http, api, "getWebhookInfo"))[0] == 200  # not a sending method
    assert (await call(http, api, "getMe"))[0] == 500
    assert (await send(http, api, chat_id=2002))[0] == 500
    assert api.faults.pending == 0


async def test_fail_next_502_is_html(api: FakeBotApi, http: aiohttp.ClientSession) -> None:
    api.fail_next(1, "502")
    async with http.post(
        f"{api.url}/bot{api.token}/sendMessage", json={"chat_id": CHAT, "text": "x"}
    ) as response:
        assert response.status == 502
        assert response.content_type == "text/html"
        assert "502 Bad Gateway" in await response.text()


async def test_fail_next_drop_and_timeout(api: FakeBotApi, http: aiohttp.ClientSession) -> None:
    api.fail_next(1, "drop")
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await send(http, api, "dropped")
    api.hang_seconds = 0.3
    api.fail_next(1, "timeout")
    started = time.monotonic()
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await send(http, api, "hung")
    assert 0.25 < time.monotonic() - started < 1.0
    api.fail_next(1, "drop_after_send")
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await send(http, api, "ambiguous")
    assert [m.text for m in api.messages_to(CHAT)] == ["ambiguous"]
    assert api.count("sendMessage", status=0) == 3


async def test_fail_next_slow(api: FakeBotApi, http: aiohttp.ClientSession) -> None:
    api.fail_next(1, "slow", delay=0.3)
    started = time.monotonic()
    assert (await send(http, api))[0] == 200
    assert time.monotonic() - started >= 0.29


async def test_chaos_is_seeded_and_switchable(api: FakeBotApi, http: aiohttp.ClientSession) -> None:
    async def run() -> list[int]:
        api.chaos(p429=0.3, p500=0.2, pslow=0.0, pdrop=0.0, seed=7)
        return [(await send(http, api))[0] for _ in range(20)]

    first, second = await run(), await run()
    assert first == second
    assert {200, 429, 500} <= set(first)
    api.chaos(None)
    assert [(await send(http, api))[0] for _ in range(5)] == [200] * 5
    api.chaos(p429=1.0, p500=0.0, pslow=0.0, pdrop=0.0, retry_after=(3, 3))
    status, body = await send(http, api)
    assert status == 429 and body["parameters"]["retry_after"] == 3
    assert (await call(http, api, "getMe"))[0] == 200  # chaos only hits sendMessage


async def test_latency_and_block(api: FakeBotApi, http: aiohttp.ClientSession) -> None:
    api.latency = 0.1
    started = time.monotonic()
    await call(http, api, "getMe")
    assert time.monotonic() - started >= 0.09
    api.latency = 0
    api.block(CHAT)
    status, body = await send(http, api)
    assert (status, body["description"]) == (403, "Forbidden: bot was blocked by the user")
    status, _ = await call(http, api, "sendChatAction", chat_id=CHAT, action="typing")
    assert status == 403
    api.unblock(CHAT)
    assert (await send(http, api))[0] == 200


async def test_stop_releases_held_requests() -> None:
    api = FakeBotApi()
    await api.start()
    api.add_chat(CHAT)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        async with aiohttp.ClientSession() as http:
            poll = asyncio.create_task(call(http, api, "getUpdates", timeout=30))
            api.fail_next(1, "timeout")
            hung = asyncio.create_task(send(http, api))
            await asyncio.sleep(0.1)
            started = time.monotonic()
            await api.stop()
            assert time.monotonic() - started < 1.5
            status, body = await asyncio.wait_for(poll, 1)
            assert (status, body["result"]) == (200, [])
            with pytest.raises(aiohttp.ClientError):
                await asyncio.wait_for(hung, 1)
    await api.stop()  # idempotent


# ---------------------------------------------------------------------- PTB against the server


async def test_ptb_bot_end_to_end(api: FakeBotApi, bot: Bot) -> None:
    me = await bot.get_me()
    assert me.id == 123456 and me.username == "backstride_test_bot"
    api.send_command(CHAT, "/start")
    updates = await bot.get_updates(timeout=1)
    assert updates[0].message is not None and updates[0].message.text == "/start"

    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Mon", callback_data="day:mon"),
                InlineKeyboardButton("Tue", callback_data="day:tue"),
            ]
        ]
    )
    sent = await bot.send_message(
        CHAT, "Which <b>days</b>?", parse_mode="HTML", reply_markup=keyboard
    )
    assert sent.text == "Which days?" and sent.reply_markup == keyboard
    assert (await api.next_message(CHAT)).buttons == [[("Mon", "day:mon"), ("Tue", "day:tue")]]

    cq = api.press(CHAT, "Tue")
    updates = await bot.get_updates(offset=updates[-1].update_id + 1, timeout=1)
    query = updates[0].callback_query
    assert query is not None and query.id == cq and query.data == "day:tue"
    assert await bot.answer_callback_query(query.id, text="Tuesday saved")
    assert api.callback_answer(cq) is not None

    edited = await bot.edit_message_text(
        "Tuesday it is", chat_id=CHAT, message_id=sent.message_id, reply_markup=keyboard
    )
    assert isinstance(edited, type(sent)) and edited.text == "Tuesday it is"
    cleared = await bot.edit_message_reply_markup(chat_id=CHAT, message_id=sent.message_id)
    assert not isinstance(cleared, bool) and cleared.reply_markup is None
    with pytest.raises(BadRequest, match="not modified"):
        await bot.edit_message_reply_markup(chat_id=CHAT, message_id=sent.message_id)

    photo = await bot.send_photo(
        CHAT, b"\x89PNG-bytes", caption="<i>stretch</i>", parse_mode="HTML", filename="s.png"
    )
    assert photo.photo and photo.caption == "stretch"
    document = await bot.send_document(CHAT, io.BytesIO(b"a,b\n1,2\n"), filename="plan.csv")
    assert document.document is not None and document.document.file_name == "plan.csv"
    stored_photo = await api.next_message(CHAT)
    assert (stored_photo.kind, stored_photo.file, stored_photo.filename) == (
        "photo",
        b"\x89PNG-bytes",
        "s.png",
    )
    stored_doc = await api.next_message(CHAT)
    assert (stored_doc.kind, stored_doc.file, stored_doc.caption) == (
        "document",
        b"a,b\n1,2\n",
        None,
    )
    downloaded = await (await bot.get_file(document.document.file_id)).download_as_bytearray()
    assert bytes(downloaded) == b"a,b\n1,2\n"

    await bot.send_chat_action(CHAT, "typing")
    assert await bot.set_my_commands([("start", "Start"), ("checkin", "How is your back?")])
    assert api.commands == [
        {"command": "start", "description": "Start"},
        {"command": "checkin", "description": "How is your back?"},
    ]
    assert [c.command for c in await bot.get_my_commands()] == ["start", "checkin"]
    assert await bot.delete_my_commands()
    assert await bot.set_my_description("Helps runners")
    assert await bot.set_my_short_description("Back care")
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert (await bot.get_webhook_info()).url == ""
    assert await bot.delete_message(CHAT, sent.message_id)


async def test_ptb_sees_telegram_errors(api: FakeBotApi, bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(CHAT, "a < b", parse_mode="HTML")
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(4040, "x")
    api.fail_next(1, "429", retry_after=3)
    with pytest.raises(RetryAfter) as retry:
        await bot.send_message(CHAT, "x")
    assert retry.value.retry_after in (3, dt.timedelta(seconds=3))
    api.block(CHAT)
    with pytest.raises(Forbidden, match="blocked"):
        await bot.send_message(CHAT, "x")
    api.unblock(CHAT)
    for kind in ("502", "500", "drop"):
        api.fail_next(1, kind)
        with pytest.raises(NetworkError):
            await bot.send_message(CHAT, "x")
    assert api.messages_to(CHAT) == []


async def test_ptb_times_out_on_hung_request(api: FakeBotApi) -> None:
    api.hang_seconds = 5
    request = HTTPXRequest(read_timeout=0.3)
    async with Bot(api.token, base_url=api.base_url, request=request) as ptb:
        api.fail_next(1, "timeout")
        with pytest.raises(TimedOut):
            await ptb.send_message(CHAT, "x")
        assert api.messages_to(CHAT) == []


async def test_ptb_wrong_token(api: FakeBotApi) -> None:
    request = HTTPXRequest()
    wrong = Bot("999:WRONG", base_url=api.base_url, request=request)
    try:
        with pytest.raises(InvalidToken):
            await wrong.get_me()
    finally:
        await request.shutdown()  # Bot.shutdown() skips a bot that never initialized


# ---------------------------------------------------------------------- terminal chat


async def test_terminal_chat(api: FakeBotApi, http: aiohttp.ClientSession) -> None:
    out = io.StringIO()
    chat = TerminalChat(api, CHAT, out=out)
    assert chat.handle_line("hello bot")
    assert chat.handle_line("/location 51.5 -0.1")
    assert chat.handle_line("#1")
    assert "no message with buttons" in out.getvalue()
    texts = [u["message"].get("text") for u in api.pending_updates]
    assert texts == ["hello bot", None]
    assert api.pending_updates[1]["message"]["location"] == {"latitude": 51.5, "longitude": -0.1}

    await send(http, api, "Days?", reply_markup=KEYBOARD)
    chat.flush()
    assert "bot #3: Days?\n    [1] Mon  [2] Tue\n    [3] Done ✅  [4] Docs\n" in out.getvalue()
    chat.handle_line("#2")
    query = api.pending_updates[-1]["callback_query"]
    assert query["data"] == "day:tue"
    await call(http, api, "answerCallbackQuery", callback_query_id=query["id"], text="Saved")
    await call(http, api, "editMessageText", chat_id=CHAT, message_id=3, text="Tue saved")
    chat.flush()
    assert "(notice) Saved" in out.getvalue()
    assert "(edited) bot #3: Tue saved" in out.getvalue()
    assert not chat.handle_line(":quit")


async def test_terminal_chat_run_until_eof(api: FakeBotApi) -> None:
    async def lines() -> AsyncIterator[str]:
        yield "/start\n"
        yield "how are you\n"

    out = io.StringIO()
    chat = TerminalChat(api, CHAT, out=out)
    await asyncio.wait_for(chat.run(lines(), linger=0.01), 1)
    assert [u["message"]["text"] for u in api.pending_updates] == ["/start", "how are you"]


async def test_standalone_mode(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parent.parent
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.testing.botapi",
        "--port",
        "0",
        "--chat-id",
        "777",
        cwd=root,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        url_line = (await asyncio.wait_for(proc.stdout.readline(), 5)).decode().strip()
        token_line = (await proc.stdout.readline()).decode().strip()
        assert url_line.startswith("BOT_API_URL=http://127.0.0.1:")
        url, token = url_line.split("=", 1)[1], token_line.split("=", 1)[1]
        async with Bot(token, base_url=f"{url}/bot") as ptb:
            proc.stdin.write(b"hello from the terminal\n")
            await proc.stdin.drain()
            updates = await ptb.get_updates(timeout=2)
            assert updates[0].message is not None
            assert updates[0].message.text == "hello from the terminal"
            assert updates[0].message.chat.id == 777
            keyboard = InlineKeyboardMarkup(
                [
                    [
                        InlineKeyboardButton("Mon", callback_data="m"),
                        InlineKeyboardButton("Tue", callback_data="t"),
                    ]
                ]
            )
            await ptb.send_message(777, "Pick a day", reply_markup=keyboard)
            proc.stdin.write(b"#2\n")
            await proc.stdin.drain()
            updates = await ptb.get_updates(offset=updates[-1].update_id + 1, timeout=2)
            assert updates[0].callback_query is not None
            assert updates[0].callback_query.data == "t"
        proc.stdin.close()
        output = (await asyncio.wait_for(proc.stdout.read(), 5)).decode()
        assert await asyncio.wait_for(proc.wait(), 5) == 0
        assert "bot #2: Pick a day\n    [1] Mon  [2] Tue" in output
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def test_ptb_application_polls_without_spinning(api: FakeBotApi) -> None:
    """A real PTB Application with run_polling-style updater: handlers answer runners."""

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Ready", callback_data="ready")]])
        await update.effective_message.reply_html("<b>Welcome</b>, runner!", reply_markup=keyboard)

    async def ready(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("Great")
        await query.edit_message_text("Let's go")

    app = (
        Application.builder()
        .token(api.token)
        .base_url(api.base_url)
        .base_file_url(api.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(ready))
    async with app:
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        await app.start()
        try:
            api.send_command(CHAT, "/start")
            welcome = await api.next_message(CHAT, timeout=3)
            assert welcome.text == "Welcome, runner!" and welcome.button_texts() == ["Ready"]
            cq = api.press(CHAT, "Ready")
            await api.wait_for(lambda: api.message(CHAT, welcome.message_id).edited, 3)
            assert api.message(CHAT, welcome.message_id).text == "Let's go"
            assert api.callback_answer(cq) == {
                "text": "Great",
                "show_alert": False,
                "url": None,
                "cache_time": 0,
            }
            polls = api.count("getUpdates")
            await asyncio.sleep(1.0)  # idle: the long poll holds, no busy loop
            assert api.count("getUpdates") - polls <= 2
        finally:
            await app.updater.stop()
            await app.stop()
    assert api.pending_updates == []
