"""End to end in a real browser: an admin signs in to the console (the Telegram Mini App the bot
serves) with initData signed as Telegram signs it, edits a slot and a tip, and runners get the
change from the local Bot API server; forged, stale and foreign sign-ins and writes without the
CSRF token are refused; a script in a tip stays text. Each test takes a few seconds: one
Chromium for the session (tests/browser.py), the real bot, the fake clock."""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from bot.telegram.app import BotApp
from bot.testing.botapi import FakeBotApi
from tests.browser import (
    IN_SESSION_LOOP,
    Console,
    api,
    browser,
    console,
    forged,
    screenshot,
)
from tests.conftest import REPO, TOKEN, BotFactory, FakeClock, ticks
from tests.console import signed_init_data
from tests.helpers import tip_text
from tests.test_admin_e2e import _only_active, query
from tests.test_delivery_e2e import WARM_UP_MONDAY, add_runners, deliveries

__all__ = ["api", "browser", "console"]  # fixtures, used by name

pytestmark = IN_SESSION_LOOP

ADMIN = 42
RUNNER = 2001
WARM_UP_WEDNESDAY = dt.datetime(2026, 6, 3, 4, 30, tzinfo=dt.UTC)  # 06:30 in Berlin


@contextlib.asynccontextmanager
async def console_bot(start_bot: BotFactory, console: Console, **env: str) -> AsyncIterator[BotApp]:
    """The real bot with the console on the test's free port; ADMIN_IDS=42."""
    settings = {"ADMIN_IDS": str(ADMIN), "ADMIN_WEB_PORT": str(console.port), **env}
    async with start_bot(**settings) as app:
        yield app


def init_data(clock: FakeClock, user_id: int = ADMIN, age: float = 60) -> str:
    """Signed as Telegram would, `age` seconds before the bot's clock."""
    when = int(clock().timestamp() - age)
    return signed_init_data(TOKEN, user_id, auth_date=when, first_name="Ada", last_name="Lovelace")


async def sign_in(console: Console, clock: FakeClock) -> dict[str, Any]:
    """Open the console as Telegram does; return POST /api/session's answer (with the CSRF)."""
    page = console.page
    async with page.expect_response(lambda r: r.url.endswith("/api/session")) as answer:
        await page.goto(console.url(init_data(clock)))
    response = await answer.value
    assert response.status == 200, await response.text()
    body: dict[str, Any] = await response.json()
    await console.test_id("dashboard").wait_for()
    return body


# ---------------------------------------------------------------------------------------------
# Signing in


async def test_an_admin_signs_in_with_telegram_init_data(
    start_bot: BotFactory, console: Console, clock: FakeClock
) -> None:
    async with console_bot(start_bot, console):
        session = await sign_in(console, clock)
        assert session["admin"] == {"id": ADMIN, "name": "Ada Lovelace"}
        assert session["csrf"] and session["expires_in"] == 1800
        await console.test_id("dashboard").wait_for()
        (cookie,) = [c for c in await console.page.context.cookies() if c["name"] == "bs_session"]
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and not cookie["secure"]
        assert TOKEN not in cookie["value"] and TOKEN.split(":")[1] not in cookie["value"]
        for chart in ("chart-new", "chart-deliveries", "chart-verdicts"):
            await console.test_id(chart).wait_for()
    assert console.errors == []


@pytest.mark.parametrize(
    ("case", "status"),
    [("forged", 401), ("expired", 401), ("not an admin", 403)],
)
async def test_a_bad_sign_in_is_refused(
    start_bot: BotFactory, console: Console, clock: FakeClock, case: str, status: int
) -> None:
    signed = {
        "forged": forged(init_data(clock)),
        "expired": init_data(clock, age=3601),
        "not an admin": init_data(clock, user_id=RUNNER),
    }[case]
    page = console.page
    async with console_bot(start_bot, console):
        async with page.expect_response(lambda r: r.url.endswith("/api/session")) as answer:
            await page.goto(console.url(signed))
        response = await answer.value
        assert response.status == status, await response.text()
        assert "error" in await response.json()
        await console.test_id("auth-error").wait_for()
        assert await console.test_id("dashboard").count() == 0
        assert [c for c in await page.context.cookies() if c["name"] == "bs_session"] == []
        # Without a session every other call is refused too.
        refused = await page.request.get(f"{console.base}/api/dashboard")
        assert refused.status == 401


async def test_a_write_without_the_csrf_token_is_refused(
    start_bot: BotFactory, console: Console, clock: FakeClock, tmp_path: Path
) -> None:
    async with console_bot(start_bot, console):
        session = await sign_in(console, clock)
        post = """async ([path, token]) => {
            const headers = {"Content-Type": "application/json"};
            if (token !== null) headers["X-CSRF-Token"] = token;
            const r = await fetch(path, {method: "POST", credentials: "same-origin", headers,
                body: JSON.stringify({"anchor": {"kind": "run_time", "offset_minutes": -45}})});
            return [r.status, await r.json()];
        }"""
        page = console.page
        no_token = await page.evaluate(post, ["/api/slots/warm_up", None])
        assert no_token == [403, {"error": "csrf"}]
        wrong = await page.evaluate(post, ["/api/slots/warm_up", "x" + session["csrf"]])
        assert wrong == [403, {"error": "csrf"}]
        # The same request with the session's token is let through (a change's reach: no write).
        allowed = await page.evaluate(post, ["/api/slots/warm_up/reach", session["csrf"]])
        assert allowed[0] == 200 and "reach" in allowed[1], allowed
    assert query(tmp_path / "bot.db", "SELECT * FROM audit") == []
    slot = query(tmp_path / "bot.db", "SELECT anchor_offset FROM slots WHERE id = 'warm_up'")
    assert slot == [{"anchor_offset": -30}]


# ---------------------------------------------------------------------------------------------
# Edits reach runners


async def test_a_slot_edited_in_the_browser_moves_the_next_reminder(
    api: FakeBotApi, start_bot: BotFactory, console: Console, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "bot.db"
    add_runners(api, path, [RUNNER], clock())  # Berlin, runs Mon/Wed/Fri 07:00
    new_time = WARM_UP_MONDAY - dt.timedelta(minutes=15)  # 45 min before the run
    async with console_bot(start_bot, console) as app:
        await sign_in(console, clock)
        await console.test_id("nav-slots").click()
        await console.test_id("slot-row-warm_up").wait_for()
        await console.test_id("slot-edit-warm_up").click()
        await console.test_id("slot-offset").fill("-45")
        async with console.page.expect_response(
            lambda r: r.url.endswith("/api/slots/warm_up") and r.request.method == "POST"
        ) as answer:
            await console.test_id("slot-save").click()
        assert (await answer.value).status == 200
        await console.test_id("saved").wait_for()
        (row,) = query(path, "SELECT next_due FROM schedule WHERE slot_id = 'warm_up'")
        assert row["next_due"] == int(new_time.timestamp())

        clock.set(new_time - dt.timedelta(seconds=20))
        await ticks(api, app)
        await api.expect_silence(RUNNER, 0)
        clock.set(new_time + dt.timedelta(seconds=1))
        warm_up = await api.next_message(RUNNER, timeout=5)
        assert tip_text(warm_up).startswith("🔥")
        clock.set(WARM_UP_MONDAY + dt.timedelta(seconds=1))  # the old time: nothing more
        await ticks(api, app)
        await api.expect_silence(RUNNER, 0)
    (sent,) = deliveries(path, slot_id="warm_up")
    assert sent["due"] == int(new_time.timestamp())
    (audit,) = query(path, "SELECT admin_id, action, target FROM audit")
    assert audit == {"admin_id": ADMIN, "action": "slot_anchor", "target": "slot warm_up"}


async def test_a_tip_edited_in_the_browser_previews_and_reaches_the_runner(
    api: FakeBotApi, start_bot: BotFactory, console: Console, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "bot.db"
    add_runners(api, path, [RUNNER], clock())
    _only_active(path, "warm_up", ["warm-easy-start"])
    body = "Walk briskly for <b>five minutes</b>, then jog."
    async with console_bot(start_bot, console):
        clock.set(WARM_UP_MONDAY + dt.timedelta(seconds=1))
        monday = await api.next_message(RUNNER, timeout=5)  # the sender caches the tip
        assert "Before any drills" in monday.text
        await sign_in(console, clock)
        await console.test_id("nav-tips").click()
        await console.test_id("tip-search").fill("warm-easy-start")
        await console.test_id("tip-row-warm-easy-start").click()
        await console.test_id("tip-body").fill(body)
        preview = console.test_id("tip-preview")
        await preview.locator("b", has_text="five minutes").wait_for()
        assert "Walk briskly for five minutes, then jog." in await preview.inner_text()
        async with console.page.expect_response(
            lambda r: r.url.endswith("/api/tips/warm-easy-start") and r.request.method == "POST"
        ) as answer:
            await console.test_id("tip-save").click()
        assert (await answer.value).status == 200
        await console.test_id("saved").wait_for()
        clock.set(WARM_UP_WEDNESDAY + dt.timedelta(seconds=1))
        warm_up = await api.next_message(RUNNER, timeout=5)
    assert "Walk briskly for <b>five minutes</b>, then jog." in warm_up.html
    assert tip_text(warm_up).startswith("🔥 Start with 5-10 easy minutes")  # the title stays
    (row,) = query(path, "SELECT version FROM tips WHERE id = 'warm-easy-start'")
    assert row["version"] == 2


BOX = "(el) => { const r = el.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; }"


async def box(locator: Any) -> list[float]:
    found: list[float] = await locator.evaluate(BOX)
    return found


async def test_the_tip_preview_is_under_the_body_on_a_phone_and_beside_it_wider(
    start_bot: BotFactory, console: Console, clock: FakeClock
) -> None:
    page, test_id = console.page, console.test_id
    async with console_bot(start_bot, console):
        await sign_in(console, clock)
        await page.goto(f"{console.base}/#/tips/warm-easy-start")
        body, preview = test_id("tip-body"), test_id("tip-preview")
        await body.fill("Walk briskly for <b>five minutes</b>, then jog.")
        await preview.locator("b", has_text="five minutes").wait_for()
        # A phone: right under the body field, on screen with it while typing.
        await body.scroll_into_view_if_needed()
        typed, shown = await box(body), await box(preview)
        assert 0 <= shown[1] - typed[3] <= 60, (typed, shown)
        assert shown[1] + 80 <= 844 and shown[0] >= 0 and shown[2] <= 390, shown
        # A desktop: beside the form again.
        await page.set_viewport_size({"width": 1280, "height": 900})
        await page.wait_for_function(
            "() => !document.querySelector('[data-test=tip-preview]').closest('form')"
        )
        typed, shown = await box(body), await box(preview)
        assert shown[0] > typed[2], (typed, shown)
        await page.set_viewport_size({"width": 390, "height": 844})
        await page.wait_for_function(
            "() => !!document.querySelector('[data-test=tip-preview]').closest('form')"
        )
        await body.fill("Jog <i>very</i> gently.")
        await preview.locator("i", has_text="very").wait_for()
    assert console.errors == []


# Whether a select's chosen option fits in it (the text's width against the room left by the
# padding, which includes the arrow's).
FITS = """(el) => {
    const style = getComputedStyle(el);
    const ctx = document.createElement("canvas").getContext("2d");
    ctx.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    const text = el.options[el.selectedIndex].text;
    const room = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    return [text, ctx.measureText(text).width, room];
}"""


async def test_the_tips_filters_fit_a_phone(
    start_bot: BotFactory, console: Console, clock: FakeClock
) -> None:
    async with console_bot(start_bot, console):
        await sign_in(console, clock)
        await console.test_id("nav-tips").click()
        await console.test_id("tip-row-warm-easy-start").wait_for()
        for name in ("category", "family", "active"):
            select = console.test_id(f"tip-filter-{name}")
            left, _top, right, _bottom = await box(select)
            assert left >= 0 and right <= 390, (name, left, right)
            text, width, room = await select.evaluate(FITS)
            assert width <= room, (name, text, width, room)
        assert (
            await console.test_id("tip-filter-active").evaluate(
                "(el) => el.options[el.selectedIndex].text"
            )
            == "All states"
        )


async def test_reimport_shows_what_each_change_replaces(
    start_bot: BotFactory, console: Console, clock: FakeClock, tmp_path: Path
) -> None:
    files = tmp_path / "schedules"
    shutil.copytree(REPO / "schedules", files)
    plan, warm_up = files / "plan.yaml", files / "tips" / "warm_up.yaml"
    test_id = console.test_id
    async with console_bot(start_bot, console, SCHEDULES_DIR=str(files)):
        # Changed on disk after the bot loaded them: 30 -> 20 min, and a word in a tip.
        text = plan.read_text().replace("anchor: {before_run: 30}", "anchor: {before_run: 20}")
        plan.write_text(text)
        text = warm_up.read_text().replace("Keep it slow enough", "Keep it easy enough", 1)
        warm_up.write_text(text)
        await sign_in(console, clock)
        await test_id("nav-reimport").click()
        anchor = test_id("reimport-changes-warm_up").locator('[data-test="reimport-change-anchor"]')
        await anchor.wait_for()
        assert await anchor.locator('[data-test="change-before"]').inner_text() == (
            "30 min before the run"
        )
        assert await anchor.locator('[data-test="change-after"]').inner_text() == (
            "20 min before the run"
        )
        body = test_id("reimport-changes-warm-easy-start").locator(
            '[data-test="reimport-change-body"]'
        )
        assert "body: changed" in await body.inner_text()
        before = await body.locator('[data-test="change-before"]').inner_text()
        after = await body.locator('[data-test="change-after"]').inner_text()
        assert before.startswith("… ") and "slow enough" in before and len(before) <= 120
        assert after.startswith("… ") and "easy enough" in after and len(after) <= 120
        warning = await test_id("reimport-warning").inner_text()
        assert "puts back the files' version" in warning
        await test_id("reimport-confirm").click()
        await test_id("reimport-done").wait_for()
        assert await test_id("reimport-warning").count() == 0
        await test_id("reimport-result").get_by_text("20 min before the run").wait_for()
    assert console.errors == []


SCRIPT = "<script>alert(1)</script>"
IMAGE = '<img src=x onerror="alert(2)">'
NO_MARKUP = """() => !document.querySelector(
    'main script, main img, main iframe, main [onerror], main [onload]')"""


async def test_a_script_in_a_tip_is_shown_as_text_and_never_runs(
    start_bot: BotFactory, console: Console, clock: FakeClock, tmp_path: Path
) -> None:
    page, test_id = console.page, console.test_id

    async def save() -> int:
        async with page.expect_response(
            lambda r: r.url.endswith("/api/tips/warm-easy-start") and r.request.method == "POST"
        ) as answer:
            await test_id("tip-save").click()
        status: int = (await answer.value).status
        return status

    async with console_bot(start_bot, console):
        await sign_in(console, clock)
        await test_id("nav-tips").click()
        await test_id("tip-search").fill("warm-easy-start")
        await test_id("tip-row-warm-easy-start").click()
        # In the body: the preview shows the tags as text (they are not Telegram HTML), and
        # saving refuses them as invalid Telegram HTML (or keeps them as text).
        await test_id("tip-body").fill(f"Loosen up. {SCRIPT} {IMAGE}")
        preview = test_id("tip-preview")
        await preview.get_by_text("alert(1)").first.wait_for()
        shown = await preview.inner_text()
        assert SCRIPT in shown and "onerror" in shown, shown
        await page.wait_for_function(NO_MARKUP)
        body_saved = await save()
        print(f"a tip body with a script in it: HTTP {body_saved}")
        if body_saved == 422:
            await test_id("field-error-body").wait_for()
        else:
            assert body_saved == 200
        # Written as entities it is valid Telegram HTML, kept, and shown as the text it is:
        # in the preview, and in the form when the page is loaded again.
        escaped = "Never type &lt;script&gt;alert(1)&lt;/script&gt; into a tip."
        await test_id("tip-body").fill(escaped)
        await preview.get_by_text("Never type <script>alert(1)</script> into a tip.").wait_for()
        assert await save() == 200
        await test_id("saved").first.wait_for()
        await page.reload()
        await test_id("tip-preview").get_by_text("Never type <script>alert(1)").wait_for()
        assert await test_id("tip-body").input_value() == escaped
        await page.wait_for_function(NO_MARKUP)
        assert await page.evaluate("() => document.scripts.length") == 1  # app.js alone
    assert console.dialogs == [] and console.errors == []


HOSTILE_HTML = (
    f'<b>Bold</b> {SCRIPT} {IMAGE} <a href="javascript:alert(3)">link</a> '
    '<i onclick="alert(4)">leaning</i> <iframe src="javascript:alert(5)"></iframe>'
)


async def test_the_page_makes_only_telegram_tags_of_the_html_it_is_given(
    start_bot: BotFactory, console: Console, clock: FakeClock
) -> None:
    """The bot escapes a body that is not Telegram HTML before previewing it; the page does not
    count on that: given any HTML, it makes elements of Telegram's tags alone, without their
    attributes (an https link's href aside), and shows the rest as text."""
    page = console.page

    async def hostile(route: Any) -> None:
        await route.fulfill(json={"html": HOSTILE_HTML, "problems": []})

    async def hostile_list(route: Any) -> None:
        response = await route.fetch()
        tips = await response.json()
        tips[0]["title"] = f"{SCRIPT} {IMAGE}"
        await route.fulfill(response=response, json=tips)

    await page.route("**/api/preview", hostile)
    await page.route(lambda url: urlsplit(url).path == "/api/tips", hostile_list)
    async with console_bot(start_bot, console):
        await sign_in(console, clock)
        await console.test_id("nav-tips").click()
        await console.page.get_by_text(f"{SCRIPT} {IMAGE}").wait_for()  # the list: text
        await page.wait_for_function(NO_MARKUP)
        await page.goto(f"{console.base}/#/tips/warm-easy-start")
        preview = console.test_id("tip-preview")
        await preview.locator("b", has_text="Bold").wait_for()
        shown = await preview.inner_text()
        for text in (SCRIPT, "onerror", "<iframe"):
            assert text in shown, shown
        assert await preview.locator("i", has_text="leaning").get_attribute("onclick") is None
        assert await preview.locator("a").count() == 0, "a javascript: link is no link"
        await page.wait_for_function(NO_MARKUP)
    assert console.dialogs == [] and console.errors == []


# ---------------------------------------------------------------------------------------------
# Every page at a phone's size, for a person to look at


async def test_every_page_at_a_phone_size(
    api: FakeBotApi, start_bot: BotFactory, console: Console, clock: FakeClock, tmp_path: Path
) -> None:
    """Each page with something on it (runners who joined over the weeks, a morning's
    reminders, a file changed on disk, an announcement, the edits in the audit trail), as
    `<tmp_path>/screenshots/*.png` at 390x844 for a person to look at."""
    path = tmp_path / "bot.db"
    add_runners(api, path, range(3000, 3012), clock())
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        conn.execute(  # joined over the last 6 weeks, two a week
            "UPDATE runners SET created_at = ? - (chat_id - 3000) / 2 * 7 * 86400",
            [int(clock().timestamp())],
        )
    files = tmp_path / "schedules"
    shutil.copytree(REPO / "schedules", files)
    shots = tmp_path / "screenshots"
    shots.mkdir()
    test_id = console.test_id
    async with console_bot(start_bot, console, SCHEDULES_DIR=str(files)) as app:
        clock.set(WARM_UP_MONDAY + dt.timedelta(seconds=1))  # 12 warm-ups go out
        await api.wait_for(lambda: api.count("sendMessage", 200) >= 12)
        await ticks(api, app, 1)
        await sign_in(console, clock)
        await test_id("chart-deliveries").wait_for()
        await screenshot(console, shots, "1-dashboard")
        await screenshot(console, shots, "1-dashboard-full", full_page=True)  # the charts

        await test_id("nav-slots").click()
        await test_id("slot-row-warm_up").wait_for()
        await screenshot(console, shots, "2-slots")
        await test_id("slot-edit-warm_up").click()
        await test_id("slot-offset").fill("-45")
        await test_id("slot-reach").get_by_text("Reaches 12 runners").wait_for()
        await screenshot(console, shots, "3-slot-edit")
        await test_id("slot-save").click()
        await test_id("saved").first.wait_for()

        await test_id("nav-tips").click()
        await test_id("tip-row-warm-easy-start").wait_for()
        await screenshot(console, shots, "4-tips")
        await test_id("tip-row-warm-easy-start").click()
        await test_id("tip-body").fill("Walk briskly for <b>five minutes</b>, then jog.")
        preview = test_id("tip-preview")
        await preview.locator("b", has_text="five minutes").wait_for()
        await test_id("tip-title").scroll_into_view_if_needed()  # the preview under the body
        await screenshot(console, shots, "5-tip-edit")
        await test_id("tip-save").click()
        await test_id("saved").first.wait_for()

        warm_up = files / "tips" / "warm_up.yaml"
        warm_up.write_text(warm_up.read_text().replace("Hip circles", "Slow hip circles", 1))
        await test_id("nav-reimport").click()
        await test_id("reimport-confirm").wait_for()
        await screenshot(console, shots, "6-reimport")
        await screenshot(console, shots, "6-reimport-full", full_page=True)

        await test_id("nav-announcements").click()
        await test_id("announce-text").fill("Club run on <b>Saturday</b> at 9, from the park gate.")
        await test_id("announce-preview").click()
        await test_id("announce-confirm").click()
        await test_id("announce-row-1").wait_for()
        await screenshot(console, shots, "7-announcements")

        await test_id("nav-audit").click()
        await test_id("audit-row").nth(2).wait_for()  # the slot, the tip, the announcement
        await screenshot(console, shots, "8-audit")
    assert console.errors == []
    assert sorted(p.name for p in shots.iterdir()) == [
        "1-dashboard-full.png",
        "1-dashboard.png",
        "2-slots.png",
        "3-slot-edit.png",
        "4-tips.png",
        "5-tip-edit.png",
        "6-reimport-full.png",
        "6-reimport.png",
        "7-announcements.png",
        "8-audit.png",
    ]
