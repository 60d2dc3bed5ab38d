"""End to end: the admin console's JSON API over real HTTP, served by the real bot (issue 14).

The bot runs against the local Bot API server with ``ADMIN_WEB_PORT`` on a free port; the tests
sign in with initData signed as Telegram signs it (``tests.console.signed_init_data``), keep
the session cookie and send the CSRF token, as the page does. Every change goes through the
chat admin's services: audited, and in the schedule and the runners' messages at the next tick.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp

from bot.services.runtime import Services
from bot.telegram.app import BotApp
from bot.testing.botapi import FakeBotApi
from tests.conftest import TOKEN, BotFactory, FakeClock, ticks
from tests.console import free_port, signed_init_data
from tests.helpers import tip_text
from tests.test_admin_e2e import _only_active, query
from tests.test_delivery_e2e import WARM_UP_MONDAY, add_runners

__all__ = ["signed_init_data"]  # the browser tests import it from here or tests.console

ADMIN = 42
RUNNER = 2001


class Client:
    """A browser's view of the console: its cookie jar and the CSRF token from sign-in."""

    def __init__(self, session: aiohttp.ClientSession, base: str, clock: FakeClock) -> None:
        self.http = session
        self.base = base
        self.clock = clock
        self.csrf = ""

    def init_data(self, user_id: int = ADMIN, age: float = 30) -> str:
        return signed_init_data(TOKEN, user_id, auth_date=int(self.clock().timestamp() - age))

    async def sign_in(self, user_id: int = ADMIN) -> dict[str, Any]:
        status, body = await self.post("/api/session", {"initData": self.init_data(user_id)})
        assert status == 200, body
        self.csrf = body["csrf"]
        return body

    async def get(self, path: str, **params: str) -> tuple[int, Any]:
        async with self.http.get(self.base + path, params=params) as response:
            return response.status, await response.json()

    async def post(
        self, path: str, body: Any = None, *, csrf: str | None = None
    ) -> tuple[int, Any]:
        headers = {"X-CSRF-Token": self.csrf if csrf is None else csrf} if self.csrf or csrf else {}
        async with self.http.post(self.base + path, json=body or {}, headers=headers) as response:
            return response.status, await response.json()


@contextlib.asynccontextmanager
async def console(
    start_bot: BotFactory, clock: FakeClock, **env: str
) -> AsyncIterator[tuple[BotApp, Client]]:
    port = free_port()
    settings = {"ADMIN_IDS": str(ADMIN), "ADMIN_WEB_PORT": str(port), **env}
    # CookieJar(unsafe=True): keep cookies from an IP address host (127.0.0.1).
    jar = aiohttp.CookieJar(unsafe=True)
    async with start_bot(**settings) as app, aiohttp.ClientSession(cookie_jar=jar) as session:
        yield app, Client(session, f"http://127.0.0.1:{port}", clock)


def services_of(app: BotApp) -> Services:
    svc = app.bot_data["services"]
    assert isinstance(svc, Services)
    return svc


# ---------------------------------------------------------------------------------------------
# Sign-in, the cookie, CSRF, the page


async def test_sign_in_cookie_and_csrf(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock
) -> None:
    async with console(start_bot, clock) as (app, client):
        status, body = await client.get("/api/dashboard")
        assert status == 401 and "error" in body

        forged = client.init_data().replace("Ada", "Eve")
        assert (await client.post("/api/session", {"initData": forged}))[0] == 401
        stale = client.init_data(age=3601)
        status, body = await client.post("/api/session", {"initData": stale})
        assert status == 401 and "expired" in body["error"]
        assert (await client.post("/api/session", {"initData": 5}))[0] == 401
        async with client.http.post(client.base + "/api/session", data=b"{nope") as response:
            assert response.status == 401
        status, body = await client.post("/api/session", {"initData": client.init_data(7)})
        assert status == 403 and "error" in body
        assert not client.http.cookie_jar.filter_cookies(client.base), "no cookie when refused"

        async with client.http.post(
            client.base + "/api/session", json={"initData": client.init_data()}
        ) as response:
            assert response.status == 200
            body = await response.json()
            cookie = response.headers["Set-Cookie"]
        assert body["admin"] == {"id": ADMIN, "name": "Ada"} and body["expires_in"] == 1800
        assert cookie.startswith("bs_session=")
        flags = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
        assert {"httponly", "path", "max-age", "samesite"} <= flags
        assert "samesite=strict" in cookie.lower() and "max-age=1800" in cookie.lower()
        assert "secure" not in flags, "plain http on localhost: no Secure flag"
        assert TOKEN not in cookie and TOKEN.split(":")[1] not in cookie
        client.csrf = body["csrf"]

        status, dashboard = await client.get("/api/dashboard")
        assert status == 200
        assert set(dashboard["runners_by_status"]) == {
            "active",
            "paused",
            "onboarding",
            "stopped",
            "blocked",
        }
        assert len(dashboard["new_per_week"]) == 12 and len(dashboard["verdicts_per_week"]) == 12
        assert len(dashboard["deliveries_per_day"]) == 14
        weeks = [dt.date.fromisoformat(w["week"]) for w in dashboard["new_per_week"]]
        assert all(w.weekday() == 0 for w in weeks) and weeks == sorted(weeks)
        assert weeks[-1] == clock().date() - dt.timedelta(days=clock().weekday())
        assert dashboard["deliveries_per_day"][-1]["day"] == clock().date().isoformat()
        assert set(dashboard["verdicts_per_week"][0]) == {
            "week",
            "ok",
            "self_care",
            "see_clinician",
            "urgent",
            "emergency",
        }
        assert isinstance(dashboard["open_escalations"], int)
        assert isinstance(dashboard["outbox_depth"], int)
        await ticks(api, app, 1)
        _, dashboard = await client.get("/api/dashboard")
        assert isinstance(dashboard["last_tick_age_seconds"], float)

        # Writes need the CSRF token of this session.
        change = {"enabled": False}
        status, body = await client.post("/api/slots/warm_up", change, csrf="")
        assert (status, body) == (403, {"error": "csrf"})
        status, body = await client.post("/api/slots/warm_up", change, csrf="x" + client.csrf)
        assert (status, body) == (403, {"error": "csrf"})
        assert query(services_of(app).settings.database_path, "SELECT * FROM audit") == []

        # The page itself.
        async with client.http.get(client.base + "/") as response:
            assert response.status == 200
            assert response.content_type == "text/html"
            assert response.headers["Cache-Control"] == "no-store"
            assert "<html" in (await response.text()).lower()
        for path in ("/static/../server.py", "/static/%2e%2e/api.py", "/static/missing.js"):
            async with client.http.get(client.base + path) as response:
                assert response.status == 404, path
        status, body = await client.get("/api/nothing-here")
        assert status == 404

        assert (await client.post("/api/logout"))[0] == 200
        assert (await client.get("/api/slots"))[0] == 401


async def test_https_console_url_secure_cookie_menu_button_and_admin_commands(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock
) -> None:
    url = "https://console.example.org/"
    async with console(start_bot, clock, ADMIN_WEB_URL=url) as (_app, client):
        async with client.http.post(
            client.base + "/api/session", json={"initData": client.init_data()}
        ) as response:
            assert response.status == 200
            flags = {p.strip().lower() for p in response.headers["Set-Cookie"].split(";")}
            assert "secure" in flags

        api.send_command(ADMIN, "/admin")
        menu = await api.next_message(ADMIN)
        assert menu.reply_markup is not None
        buttons = [b for row in menu.reply_markup["inline_keyboard"] for b in row]
        (console_button,) = [b for b in buttons if "web_app" in b]
        assert console_button["text"] == "🖥 Open console"
        assert console_button["web_app"] == {"url": url}

    scoped = [
        commands for (scope, _), commands in api.command_sets.items() if '"chat_id": 42' in scope
    ]
    assert scoped and scoped[0][-1] == {"command": "admin", "description": "Admin menu"}
    assert api.commands is not None
    assert "admin" not in {c["command"] for c in api.commands}, "runners see no /admin"


# ---------------------------------------------------------------------------------------------
# Slots


async def test_a_slot_edit_is_audited_and_moves_the_schedule(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "bot.db"
    add_runners(api, path, [RUNNER], clock())  # Berlin, runs Mon/Wed/Fri 07:00
    async with console(start_bot, clock) as (_app, client):
        await client.sign_in()
        status, slots = await client.get("/api/slots")
        assert status == 200
        (warm_up,) = [s for s in slots if s["id"] == "warm_up"]
        assert warm_up["anchor"] == {"kind": "run_time", "offset_minutes": -30, "time": None}
        assert warm_up["days"]["kind"] == "run_days" and warm_up["reach"] == 1

        status, reach = await client.post("/api/slots/warm_up/reach", {"enabled": False})
        assert (status, reach) == (200, {"reach": 0})
        status, reach = await client.post(
            "/api/slots/warm_up/reach", {"days": {"kind": "every_day", "weekly": False}}
        )
        assert (status, reach) == (200, {"reach": 1})

        status, body = await client.post(
            "/api/slots/warm_up", {"anchor": {"kind": "run_time", "offset_minutes": 100000}}
        )
        assert status == 422 and body["errors"][0]["field"] == "anchor", body
        status, body = await client.post("/api/slots/warm_up", {"anchor": {"kind": "soon"}})
        assert status == 422 and body["errors"][0]["field"] == "anchor", body
        assert (await client.post("/api/slots/nope", {"enabled": False}))[0] == 404

        status, body = await client.post(
            "/api/slots/warm_up", {"anchor": {"kind": "run_time", "offset_minutes": -45}}
        )
        assert status == 200, body
        assert body["slot"]["anchor"]["offset_minutes"] == -45 and body["reach"] == 1
        new_time = WARM_UP_MONDAY - dt.timedelta(minutes=15)
        (row,) = query(path, "SELECT next_due FROM schedule WHERE slot_id = 'warm_up'")
        assert row["next_due"] == int(new_time.timestamp())
        (audit,) = query(path, "SELECT admin_id, action, target FROM audit")
        assert audit == {"admin_id": ADMIN, "action": "slot_anchor", "target": "slot warm_up"}
        _, slots = await client.get("/api/slots")
        assert [s["anchor"]["offset_minutes"] for s in slots if s["id"] == "warm_up"] == [-45]

        # At the next tick the runner gets it at the new time.
        clock.set(new_time + dt.timedelta(seconds=1))
        warm = await api.next_message(RUNNER, timeout=5)
        assert tip_text(warm).startswith("🔥")

        # Days and weekly in one form: each part through its own service, each audited.
        status, body = await client.post(
            "/api/slots/warm_up",
            {"days": {"kind": "weekdays", "weekdays": ["tue", "thu"], "weekly": True}},
        )
        assert status == 200, body
        assert body["slot"]["days"] == {
            "kind": "weekdays",
            "weekdays": ["tue", "thu"],
            "weekly": True,
        }
        actions = [r["action"] for r in query(path, "SELECT action FROM audit ORDER BY id")]
        assert actions[0] == "slot_anchor" and "slot_days" in actions


# ---------------------------------------------------------------------------------------------
# Tips


async def test_tips_search_edit_preview_add_retire(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "bot.db"
    add_runners(api, path, [RUNNER], clock())
    first_warm_up = query(
        path, "SELECT id FROM tips WHERE category = 'warm_up' AND active = 1 LIMIT 1"
    )[0]["id"]
    _only_active(path, "warm_up", [first_warm_up])
    async with console(start_bot, clock) as (_app, client):
        await client.sign_in()
        status, tips = await client.get("/api/tips", category="warm_up", active="1")
        assert status == 200 and [t["id"] for t in tips] == [first_warm_up]
        assert set(tips[0]) == {
            "id",
            "category",
            "title",
            "body",
            "why",
            "source",
            "active",
            "family",
            "level",
            "version",
        }
        _, everything = await client.get("/api/tips")
        _, found = await client.get("/api/tips", q=first_warm_up.upper())
        assert first_warm_up in [t["id"] for t in found] and len(found) < len(everything)
        _, retired = await client.get("/api/tips", category="warm_up", active="0")
        assert retired and not any(t["active"] for t in retired)
        status, categories = await client.get("/api/categories")
        assert status == 200 and {"id": "warm_up", "tips": len(retired) + 1, "active": 1} in (
            categories
        )
        status, families = await client.get("/api/families")
        assert status == 200 and all(f["levels"] >= 1 for f in families)
        assert (await client.get("/api/tips/nope"))[0] == 404

        # Preview: Telegram HTML as runners get it; a script is never passed through.
        status, preview = await client.post(
            "/api/preview", {"title": "Hi", "body": "Go <b>now</b>", "why": "Because"}
        )
        assert status == 200 and preview["problems"] == []
        assert "<b>now</b>" in preview["html"] and "<i>Because</i>" in preview["html"]
        status, preview = await client.post(
            "/api/preview", {"title": "<script>x</script>", "body": "<script>alert(1)</script>"}
        )
        assert status == 200
        assert "&lt;script&gt;" in preview["html"] and "<script" not in preview["html"]
        assert any(p["field"] == "body" for p in preview["problems"])

        status, body = await client.post(
            f"/api/tips/{first_warm_up}", {"body": "<script>alert(1)</script>"}
        )
        assert status == 422 and body["errors"][0]["field"] == "body", body

        before = tips[0]
        status, body = await client.post(
            f"/api/tips/{first_warm_up}",
            {"body": "Swing each leg <b>ten times</b>.", "why": "Loose hips."},
        )
        assert status == 200, body
        edited = body["tip"]
        assert edited["version"] == before["version"] + 1
        assert edited["title"] == before["title"] and edited["why"] == "Loose hips."
        _, again = await client.get(f"/api/tips/{first_warm_up}")
        assert again == edited
        (audit,) = query(path, "SELECT admin_id, action, target FROM audit")
        assert audit == {"admin_id": ADMIN, "action": "tip_edit", "target": f"tip {first_warm_up}"}

        # The runner's next warm-up is the edited tip (the sender's cache was refreshed).
        clock.set(WARM_UP_MONDAY + dt.timedelta(seconds=1))
        warm = await api.next_message(RUNNER, timeout=5)
        assert "ten times" in warm.text and "Loose hips." in warm.text
        # Half an hour went by: the session expired with it.
        assert (await client.get("/api/tips"))[0] == 401
        await client.sign_in()

        status, body = await client.post(
            "/api/tips", {"category": "warm_up", "title": "Skips", "body": "Ten skips."}
        )
        assert status == 201, body
        new_id = body["tip"]["id"]
        assert body["tip"]["active"] and body["tip"]["version"] == 1
        status, body = await client.post("/api/tips", {"category": "nope", "title": "", "body": ""})
        assert status == 422 and body["errors"]

        status, body = await client.post(f"/api/tips/{first_warm_up}/retire")
        assert status == 200 and body["tip"]["active"] is False and body["starved_slots"] == []
        status, body = await client.post(f"/api/tips/{new_id}/retire")
        assert status == 200 and "warm_up" in body["starved_slots"]
        status, body = await client.post(f"/api/tips/{new_id}/reactivate")
        assert status == 200 and body["tip"]["active"] is True
        assert (await client.post("/api/tips/nope/retire"))[0] == 404


# ---------------------------------------------------------------------------------------------
# Re-import, announcements, audit


async def test_reimport_with_a_fingerprint(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock
) -> None:
    async with console(start_bot, clock) as (_app, client):
        await client.sign_in()
        status, diff = await client.get("/api/reimport")
        assert status == 200 and diff["empty"] is True and diff["fingerprint"]
        _, tips = await client.get("/api/tips", category="form")
        tip_id = tips[0]["id"]
        await client.post(f"/api/tips/{tip_id}", {"body": "Something else entirely."})
        status, diff = await client.get("/api/reimport")
        assert status == 200 and diff["tips_changed"] == [tip_id] and not diff["empty"]
        status, body = await client.post("/api/reimport", {"fingerprint": "stale"})
        assert status == 409 and "error" in body
        status, applied = await client.post("/api/reimport", {"fingerprint": diff["fingerprint"]})
        assert status == 200 and applied["tips_changed"] == [tip_id]
        _, after = await client.get(f"/api/tips/{tip_id}")
        assert after["body"] == tips[0]["body"]
        _, diff = await client.get("/api/reimport")
        assert diff["empty"] is True


async def test_reimport_says_what_each_change_replaces(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock
) -> None:
    async with console(start_bot, clock) as (_app, client):
        await client.sign_in()
        _, before = await client.get("/api/tips/warm-easy-start")
        anchor = {"kind": "run_time", "offset_minutes": -45}
        assert (await client.post("/api/slots/warm_up", {"anchor": anchor}))[0] == 200
        edit = {"body": "Something else entirely.", "title": before["title"]}
        assert (await client.post("/api/tips/warm-easy-start", edit))[0] == 200
        status, diff = await client.get("/api/reimport")
        assert status == 200
        # The ids as before, for other callers; the details beside them.
        assert diff["slots_changed"] == ["warm_up"]
        assert diff["tips_changed"] == ["warm-easy-start"]
        assert diff["slot_changes"] == [
            {
                "id": "warm_up",
                "title": "Warm-up before your run",
                "changes": [
                    {
                        "field": "anchor",
                        "before": "45 min before the run",
                        "after": "30 min before the run",
                    }
                ],
            }
        ]
        (tip,) = diff["tip_changes"]
        assert tip["id"] == "warm-easy-start" and tip["title"] == before["title"]
        (body,) = tip["changes"]
        assert body["field"] == "body" and body["before"] == "Something else entirely."
        assert body["after"].startswith("Before any drills, jog very gently")
        assert len(body["after"]) <= 120 and body["after"].endswith("…")
        assert "<b>" not in body["after"]  # plain text
        status, applied = await client.post("/api/reimport", {"fingerprint": diff["fingerprint"]})
        assert status == 200 and applied["slot_changes"] == diff["slot_changes"]
        _, diff = await client.get("/api/reimport")
        assert diff["empty"] is True and diff["slot_changes"] == diff["tip_changes"] == []


async def test_announcement_preview_confirm_progress_cancel(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock, tmp_path: Path
) -> None:
    add_runners(api, tmp_path / "bot.db", [2001, 2002, 2003], clock())
    async with console(start_bot, clock) as (app, client):
        await client.sign_in()
        status, preview = await client.post(
            "/api/announcements/preview", {"text": "Hello <b>all</b>"}
        )
        assert status == 200
        assert preview == {"html": "Hello <b>all</b>", "recipients": 3, "problems": []}
        status, bad = await client.post("/api/announcements/preview", {"text": "<script>x"})
        assert "<script" not in bad["html"] and bad["problems"]

        status, body = await client.post(
            "/api/announcements", {"text": "Hello <b>all</b>", "recipients": 2}
        )
        assert status == 422 and body["errors"][0]["field"] == "recipients", body
        status, body = await client.post("/api/announcements", {"text": "", "recipients": 3})
        assert status == 422
        status, body = await client.post(
            "/api/announcements", {"text": "Hello <b>all</b>", "recipients": 3}
        )
        assert (status, body) == (201, {"number": 1})
        for chat_id in (2001, 2002, 2003):
            assert "Hello" in (await api.next_message(chat_id)).text
        await ticks(api, app, 1)  # the outcomes are written
        status, progress = await client.get("/api/announcements/1")
        assert status == 200
        assert progress["queued"] == 3 and progress["sent"] == 3 and progress["cancelled"] is False
        assert progress["text_preview"] == "Hello all"
        status, listed = await client.get("/api/announcements")
        assert status == 200 and [a["number"] for a in listed] == [1]
        assert set(listed[0]) >= {
            "number",
            "text_preview",
            "queued",
            "sent",
            "failed",
            "dropped",
            "cancelled",
            "at",
        }
        status, cancelled = await client.post("/api/announcements/1/cancel")
        assert status == 200 and cancelled["cancelled"] is True and cancelled["sent"] == 3
        assert (await client.get("/api/announcements/9"))[0] == 404
        assert (await client.post("/api/announcements/9/cancel"))[0] == 404


async def test_audit_filters_pages_and_an_admin_removed_mid_session(
    api: FakeBotApi, start_bot: BotFactory, clock: FakeClock
) -> None:
    async with console(start_bot, clock) as (app, client):
        await client.sign_in()
        await client.post("/api/slots/warm_up", {"enabled": False})
        await client.post("/api/slots/warm_up", {"enabled": True})
        _, tips = await client.get("/api/tips", category="form")
        await client.post(f"/api/tips/{tips[0]['id']}", {"why": "Form matters."})

        status, audit = await client.get("/api/audit")
        assert status == 200 and audit["page"] == 1 and audit["pages"] == 1
        assert [r["action"] for r in audit["rows"]] == ["tip_edit", "slot_enable", "slot_disable"]
        row = audit["rows"][-1]
        assert set(row) == {"id", "admin_id", "at", "action", "target", "summary"}
        assert row["admin_id"] == ADMIN and row["target"] == "slot warm_up"
        assert row["at"].endswith("Z") and row["at"].startswith(clock().date().isoformat())
        assert "enabled" in row["summary"]

        _, slot_rows = await client.get("/api/audit", action="slot")
        assert [r["action"] for r in slot_rows["rows"]] == ["slot_enable", "slot_disable"]
        _, none = await client.get("/api/audit", admin="7")
        assert none["rows"] == [] and none["pages"] == 1
        today = clock().date()
        _, same_day = await client.get(
            "/api/audit", since=today.isoformat(), until=today.isoformat()
        )
        assert len(same_day["rows"]) == 3
        _, later = await client.get("/api/audit", since=(today + dt.timedelta(days=1)).isoformat())
        assert later["rows"] == []
        _, earlier = await client.get(
            "/api/audit", until=(today - dt.timedelta(days=1)).isoformat()
        )
        assert earlier["rows"] == []
        status, body = await client.get("/api/audit", since="yesterday", page="x")
        assert status == 422 and {e["field"] for e in body["errors"]} == {"since", "page"}
        _, page_two = await client.get("/api/audit", page="2")
        assert page_two["rows"] == [] and page_two["page"] == 2
        status, actions = await client.get("/api/audit/actions")
        assert status == 200 and actions == ["slot_disable", "slot_enable", "tip_edit"]

        # ADMIN_IDS no longer holds this admin: the session is refused from now on.
        svc = services_of(app)
        svc.settings = dataclasses.replace(svc.settings, admin_ids=frozenset({7}))
        status, body = await client.post("/api/slots/warm_up", {"enabled": False})
        assert status == 403 and "error" in body
        assert (await client.get("/api/slots"))[0] == 403
        assert len((await client.get("/api/audit"))[1].get("rows", [])) == 0
    rows = query(services_of(app).settings.database_path, "SELECT action FROM audit")
    assert len(rows) == 3, "nothing written after the admin was removed"
