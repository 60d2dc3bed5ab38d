"""The console's JSON API (the shared contract, issue 14): sign-in and one route a use case.

Sign-in: the page posts Telegram's Mini App ``initData``; a valid one from an id in ADMIN_IDS
gets the ``bs_session`` cookie (HttpOnly, SameSite=Strict, Secure behind https) and a CSRF
token. Every other ``/api/*`` call needs the cookie (else 401) and an admin id still in
ADMIN_IDS (else 403); every POST also needs ``X-CSRF-Token`` (else 403 ``{"error": "csrf"}``).

Each route parses the request, calls one service through ``Store.run`` with the app's clock
(``svc.now()``) and renders JSON; writes go through the chat admin's own services (validated,
audited, live at the next tick). Never logged: the token, initData, cookies. Counts only.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiohttp import web

from bot.core import content, webapp
from bot.core.models import WEEKDAY_NAMES, Slot, Tip
from bot.services import admin
from bot.services.admin import console
from bot.services.runtime import Services
from bot.telegram.sender import Engine

log = logging.getLogger(__name__)

COOKIE = "bs_session"
CSRF_HEADER = "X-CSRF-Token"

Route = Callable[[web.Request], Awaitable[web.StreamResponse]]
_dumps = functools.partial(json.dumps, ensure_ascii=False)


# ---------------------------------------------------------------------------------------------
# Rendering


def _json(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=_dumps)


def _fail(kind: type[web.HTTPException], data: Any) -> web.HTTPException:
    return kind(text=_dumps(data), content_type="application/json")


def _error(kind: type[web.HTTPException], message: str) -> web.HTTPException:
    return _fail(kind, {"error": message})


def _problem_fields(lines: list[str], *, whole_path: bool = False) -> list[dict[str, str]]:
    """Validation lines (``where: entry: field: problem``) as the contract's errors: the field
    alone, or (`whole_path`, for the files) ``file: entry: field``."""
    out = []
    for line in lines:
        parts = line.split(": ", 3)
        if len(parts) == 4:
            field = ": ".join(parts[:3]) if whole_path else parts[2]
            out.append({"field": field, "problem": parts[3]})
        else:
            out.append({"field": "", "problem": line})
    return out


def _invalid(lines: list[str], *, whole_path: bool = False) -> web.HTTPException:
    return _fail(
        web.HTTPUnprocessableEntity, {"errors": _problem_fields(lines, whole_path=whole_path)}
    )


def _iso(at: dt.datetime | int) -> str:
    when = at if isinstance(at, dt.datetime) else dt.datetime.fromtimestamp(at, dt.UTC)
    return when.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def slot_json(slot: Slot, reach: int) -> dict[str, Any]:
    anchor = slot.anchor
    return {
        "id": slot.id,
        "title": slot.title,
        "kind": slot.kind.value,
        "categories": list(slot.categories),
        "anchor": {
            "kind": anchor.kind.value,
            "offset_minutes": anchor.offset_minutes,
            "time": anchor.time.strftime("%H:%M") if anchor.time else None,
        },
        "days": {
            "kind": slot.days.kind.value,
            "weekdays": [WEEKDAY_NAMES[d] for d in sorted(slot.days.weekdays)],
            "weekly": slot.days.weekly,
        },
        "enabled": slot.enabled,
        "reach": reach,
    }


def tip_json(tip: Tip, version: int) -> dict[str, Any]:
    return {
        "id": tip.id,
        "category": tip.category,
        "title": tip.title,
        "body": tip.body,
        "why": tip.why,
        "source": tip.source,
        "active": tip.active,
        "family": tip.family,
        "level": tip.level,
        "version": version,
    }


def changes_json(item: console.ItemChanges) -> dict[str, Any]:
    return {
        "id": item.id,
        "title": item.title,
        "changes": [{"field": c.field, "before": c.before, "after": c.after} for c in item.changes],
    }


def diff_json(diff: admin.ImportDiff) -> dict[str, Any]:
    slot_changes, tip_changes = console.import_changes(diff)
    return {
        "slots_added": [s.id for s in diff.slots_added],
        "slots_changed": [s.id for s in diff.slots_changed],
        "slots_disabled": [s.id for s in diff.slots_disabled],
        "tips_added": [t.id for t in diff.tips_added],
        "tips_changed": [t.id for t in diff.tips_changed],
        "tips_retired": [t.id for t in diff.tips_retired],
        "reordered": list(diff.reordered),
        "translations_changed": [f"{t.language}: {t.tip_id}" for t in diff.translations_changed],
        "translations_removed": [f"{t.language}: {t.tip_id}" for t in diff.translations_removed],
        # The changed ones again, with what changes: [{id, title, changes: [{field, before,
        # after}]}] (plain text, each value shortened to about 120 characters).
        "slot_changes": [changes_json(c) for c in slot_changes],
        "tip_changes": [changes_json(c) for c in tip_changes],
        "fingerprint": diff.fingerprint,
        "empty": diff.empty,
    }


def announcement_json(view: console.AnnouncementView) -> dict[str, Any]:
    a = view.announcement
    return {
        "number": a.number,
        "text_preview": view.text_preview,
        "queued": a.queued,
        "sent": a.sent,
        "failed": a.counts.get("failed", 0),
        "dropped": a.counts.get("dropped", 0),
        "pending": a.pending,
        "cancelled": view.cancelled,
        "at": _iso(a.at),
    }


def audit_json(entry: admin.AuditEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "admin_id": entry.admin_id,
        "at": _iso(entry.at),
        "action": entry.action,
        "target": entry.target,
        "summary": entry.summary,
    }


# ---------------------------------------------------------------------------------------------
# The routes


class ConsoleApi:
    def __init__(self, svc: Services) -> None:
        self.svc = svc

    def add_routes(self, router: web.UrlDispatcher) -> None:
        post, get = router.add_post, router.add_get
        post("/api/session", self.sign_in)
        post("/api/logout", self.logout)
        get("/api/dashboard", self.dashboard)
        get("/api/slots", self.slots)
        post("/api/slots/{slot_id}", self.edit_slot)
        post("/api/slots/{slot_id}/reach", self.slot_reach)
        get("/api/tips", self.tips)
        post("/api/tips", self.add_tip)
        get("/api/tips/{tip_id}", self.tip)
        post("/api/tips/{tip_id}", self.edit_tip)
        post("/api/tips/{tip_id}/retire", functools.partial(self.set_active, active=False))
        post("/api/tips/{tip_id}/reactivate", functools.partial(self.set_active, active=True))
        get("/api/categories", self.categories)
        get("/api/families", self.families)
        post("/api/preview", self.preview)
        get("/api/reimport", self.reimport_diff)
        post("/api/reimport", self.reimport_apply)
        get("/api/announcements", self.announcements)
        post("/api/announcements/preview", self.announcement_preview)
        post("/api/announcements", self.announce)
        get(r"/api/announcements/{number:\d+}", self.announcement)
        post(r"/api/announcements/{number:\d+}/cancel", self.cancel_announcement)
        get("/api/audit", self.audit)
        get("/api/audit/actions", self.audit_actions)
        router.add_route("*", "/api/{rest:.*}", self.unknown)

    # -- who is asking

    @property
    def _token(self) -> str:
        return self.svc.settings.bot_token

    def _now(self) -> float:
        return self.svc.now().timestamp()

    def _secure(self) -> bool:
        return (self.svc.settings.admin_web_url or "").startswith("https://")

    def _admin(self, request: web.Request, *, write: bool) -> int:
        """The signed-in admin's id, or the contract's 401 / 403."""
        try:
            session = webapp.verify_session(
                request.cookies.get(COOKIE), self._token, now=self._now()
            )
        except webapp.SessionError:
            raise _error(web.HTTPUnauthorized, "not signed in, or the session expired") from None
        if write and not webapp.verify_csrf(session, request.headers.get(CSRF_HEADER), self._token):
            raise _error(web.HTTPForbidden, "csrf")
        if not self.svc.is_admin(session.admin_id):
            raise _error(web.HTTPForbidden, "you are no longer an admin")
        return session.admin_id

    @staticmethod
    async def _body(request: web.Request) -> dict[str, Any]:
        try:
            body = await request.json(loads=json.loads)
        except (ValueError, UnicodeDecodeError):
            raise _invalid(["the body must be JSON"]) from None
        if not isinstance(body, dict):
            raise _invalid(["the body must be a JSON object"])
        return body

    def _grace(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.svc.settings.grace_minutes)

    def _forget_tips(self, tip_ids: list[str]) -> None:
        """Edited tips must reach the sender's cache before it renders them again (as the chat
        admin does)."""
        engine = self.svc.extras.get("engine")
        if isinstance(engine, Engine):
            for tip_id in tip_ids:
                engine.sender.forget_tip(tip_id)

    # -- sign-in

    async def sign_in(self, request: web.Request) -> web.Response:
        try:
            body = await request.json(loads=json.loads)
        except (ValueError, UnicodeDecodeError):
            body = None
        raw = body.get("initData") if isinstance(body, dict) else None
        now = self._now()
        try:
            data = webapp.validate_init_data(
                raw if isinstance(raw, str) else "", self._token, now=now
            )
        except webapp.InitDataError as exc:
            log.info("console sign-in refused: %s", exc.reason)
            raise _error(web.HTTPUnauthorized, exc.reason) from None
        if not self.svc.is_admin(data.user_id):
            log.warning("console sign-in by a non-admin refused")
            raise _error(web.HTTPForbidden, "this Telegram account is not a BackStride admin")
        session = webapp.new_session(data.user_id, now=now)
        response = _json(
            {
                "csrf": webapp.csrf_token(session, self._token),
                "admin": {
                    "id": data.user_id,
                    "name": data.name or data.username or str(data.user_id),
                },
                "expires_in": webapp.SESSION_SECONDS,
            }
        )
        response.set_cookie(
            COOKIE,
            webapp.session_cookie(session, self._token),
            max_age=webapp.SESSION_SECONDS,
            path="/",
            httponly=True,
            samesite="Strict",
            secure=self._secure(),
        )
        log.info("admin %d signed in to the console", data.user_id)
        return response

    async def logout(self, request: web.Request) -> web.Response:
        self._admin(request, write=True)
        response = _json({"ok": True})
        response.del_cookie(COOKIE, path="/")
        return response

    async def unknown(self, request: web.Request) -> web.Response:
        raise _error(web.HTTPNotFound, "no such API")

    # -- dashboard

    async def dashboard(self, request: web.Request) -> web.Response:
        self._admin(request, write=False)
        # Its own read-only connection in a thread: never the database thread replies use.
        data = await asyncio.to_thread(
            console.dashboard_from_file, self.svc.settings.database_path, self.svc.now()
        )
        engine = self.svc.extras.get("engine")
        last = engine.metrics.last_tick_at if isinstance(engine, Engine) else None
        age = None if last is None else max(0.0, (self.svc.now() - last).total_seconds())
        data["last_tick_age_seconds"] = None if age is None else round(age, 1)
        return _json(data)

    # -- slots

    async def slots(self, request: web.Request) -> web.Response:
        self._admin(request, write=False)
        views = await self.svc.store.run(console.slots)
        return _json([slot_json(v.slot, v.reach) for v in views])

    async def edit_slot(self, request: web.Request) -> web.Response:
        admin_id = self._admin(request, write=True)
        body = await self._body(request)
        change = await self._write(
            console.edit_slot,
            request.match_info["slot_id"],
            body,
            admin_id=admin_id,
            now=self.svc.now(),
            grace=self._grace(),
        )
        self.svc.wake_sender()
        return _json({"slot": slot_json(change.slot, change.reach), "reach": change.reach})

    async def slot_reach(self, request: web.Request) -> web.Response:
        self._admin(request, write=True)
        body = await self._body(request)
        reach = await self._write(
            console.slot_reach_preview, request.match_info["slot_id"], body, self.svc.now()
        )
        return _json({"reach": reach})

    # -- tips

    async def tips(self, request: web.Request) -> web.Response:
        self._admin(request, write=False)
        query = request.query
        flag = query.get("active", "")
        active = {"1": True, "true": True, "0": False, "false": False}.get(flag.lower())
        views = await self.svc.store.run(
            console.search_tips,
            query.get("q", ""),
            query.get("category", ""),
            query.get("family", ""),
            active,
        )
        return _json([tip_json(v.tip, v.version) for v in views])

    async def tip(self, request: web.Request) -> web.Response:
        self._admin(request, write=False)
        view = await self.svc.store.run(console.find_tip_view, request.match_info["tip_id"])
        if view is None:
            raise _error(web.HTTPNotFound, "there is no such tip")
        return _json(tip_json(view.tip, view.version))

    async def categories(self, request: web.Request) -> web.Response:
        self._admin(request, write=False)
        found = await self.svc.store.run(console.categories)
        return _json([{"id": c, "tips": n, "active": a} for c, n, a in found])

    async def families(self, request: web.Request) -> web.Response:
        self._admin(request, write=False)
        found = await self.svc.store.run(console.families)
        return _json([{"family": f, "levels": n} for f, n in found])

    async def add_tip(self, request: web.Request) -> web.Response:
        admin_id = self._admin(request, write=True)
        body = await self._body(request)
        try:
            change = await self.svc.store.run(
                console.new_tip, body, admin_id=admin_id, now=self.svc.now()
            )
        except admin.AdminError as exc:
            raise _invalid(exc.problems) from None
        self._forget_tips([change.tip.id])
        return _json({"tip": tip_json(change.tip, change.version)}, status=201)

    async def _write(self, function: Any, *args: Any, **kwargs: Any) -> Any:
        """One write through the services on the database thread: an id that is gone is a
        404, what the service refuses (validation) a 422 with its problems."""
        try:
            return await self.svc.store.run(function, *args, **kwargs)
        except LookupError as exc:
            raise _error(web.HTTPNotFound, str(exc)) from None
        except admin.AdminError as exc:
            raise _invalid(exc.problems) from None

    async def edit_tip(self, request: web.Request) -> web.Response:
        admin_id = self._admin(request, write=True)
        body = await self._body(request)
        change = await self._write(
            console.edit_tip_fields,
            request.match_info["tip_id"],
            body,
            admin_id=admin_id,
            now=self.svc.now(),
        )
        self._forget_tips([change.tip.id])
        # Languages whose own words for this tip the edit left as they are (from the files).
        translated = list(change.translated)
        return _json({"tip": tip_json(change.tip, change.version), "translated": translated})

    async def set_active(self, request: web.Request, *, active: bool) -> web.Response:
        admin_id = self._admin(request, write=True)
        change = await self._write(
            console.set_tip_active,
            request.match_info["tip_id"],
            active,
            admin_id=admin_id,
            now=self.svc.now(),
        )
        self._forget_tips([change.tip.id])
        return _json(
            {
                "tip": tip_json(change.tip, change.version),
                "starved_slots": [s.id for s in change.starved_slots],
            }
        )

    async def preview(self, request: web.Request) -> web.Response:
        self._admin(request, write=True)
        body = await self._body(request)
        fields = {k: body.get(k, "") for k in ("title", "body", "why")}
        wrong = [k for k, v in fields.items() if not isinstance(v, str)]
        if wrong:
            raise _fail(
                web.HTTPUnprocessableEntity,
                {"errors": [{"field": k, "problem": "must be text"} for k in wrong]},
            )
        html, problems = await self.svc.store.run(
            console.preview_tip, fields["title"], fields["body"], fields["why"]
        )
        return _json({"html": html, "problems": [{"field": f, "problem": p} for f, p in problems]})

    # -- re-import

    async def reimport_diff(self, request: web.Request) -> web.Response:
        self._admin(request, write=False)
        try:
            diff = await self.svc.store.run(admin.reimport_diff, self.svc.settings.schedules_dir)
        except content.ContentError as exc:
            raise _invalid(exc.errors, whole_path=True) from None
        return _json(diff_json(diff))

    async def reimport_apply(self, request: web.Request) -> web.Response:
        admin_id = self._admin(request, write=True)
        body = await self._body(request)
        fingerprint = body.get("fingerprint")
        if not isinstance(fingerprint, str) or not fingerprint:
            raise _fail(
                web.HTTPUnprocessableEntity,
                {"errors": [{"field": "fingerprint", "problem": "the preview's fingerprint"}]},
            )
        try:
            diff = await self.svc.store.run(
                admin.reimport_apply,
                self.svc.settings.schedules_dir,
                fingerprint,
                admin_id=admin_id,
                now=self.svc.now(),
                grace=self._grace(),
            )
        except content.ContentError as exc:
            raise _invalid(exc.errors, whole_path=True) from None
        except admin.AdminError as exc:
            raise _error(web.HTTPConflict, "\n".join(exc.problems)) from None
        self._forget_tips(admin.forgotten_tips(diff))
        self.svc.wake_sender()
        return _json(diff_json(diff))

    # -- announcements

    async def announcements(self, request: web.Request) -> web.Response:
        self._admin(request, write=False)
        views = await self.svc.store.run(console.announcement_list)
        return _json([announcement_json(v) for v in views])

    async def announcement(self, request: web.Request) -> web.Response:
        self._admin(request, write=False)
        view = await self.svc.store.run(
            console.announcement_view, int(request.match_info["number"])
        )
        if view is None:
            raise _error(web.HTTPNotFound, "there is no such announcement")
        return _json(announcement_json(view))

    @staticmethod
    def _text(body: Mapping[str, Any]) -> str:
        text = body.get("text", "")
        if not isinstance(text, str):
            raise _fail(
                web.HTTPUnprocessableEntity,
                {"errors": [{"field": "text", "problem": "must be text"}]},
            )
        return text

    async def announcement_preview(self, request: web.Request) -> web.Response:
        self._admin(request, write=True)
        text = self._text(await self._body(request))
        html, recipients, problems = await self.svc.store.run(console.announcement_preview, text)
        return _json(
            {
                "html": html,
                "recipients": recipients,
                "problems": [{"field": "text", "problem": p} for p in problems],
            }
        )

    async def announce(self, request: web.Request) -> web.Response:
        admin_id = self._admin(request, write=True)
        body = await self._body(request)
        text = self._text(body)
        try:
            found = await self.svc.store.run(
                console.confirm_announcement,
                text,
                body.get("recipients"),
                admin_id=admin_id,
                now=self.svc.now(),
            )
        except admin.AdminError as exc:
            errors = _problem_fields(exc.problems)
            for error in errors:
                error["field"] = error["field"] or "text"
            raise _fail(web.HTTPUnprocessableEntity, {"errors": errors}) from None
        self.svc.wake_sender()
        return _json({"number": found.number}, status=201)

    async def cancel_announcement(self, request: web.Request) -> web.Response:
        admin_id = self._admin(request, write=True)
        view = await self.svc.store.run(
            console.cancel,
            int(request.match_info["number"]),
            admin_id=admin_id,
            now=self.svc.now(),
        )
        if view is None:
            raise _error(web.HTTPNotFound, "there is no such announcement")
        return _json(announcement_json(view))

    # -- audit

    async def audit(self, request: web.Request) -> web.Response:
        self._admin(request, write=False)
        query = request.query
        errors: list[dict[str, str]] = []

        def number(key: str, default: int | None) -> int | None:
            raw = query.get(key, "").strip()
            if not raw:
                return default
            try:
                return int(raw)
            except ValueError:
                errors.append({"field": key, "problem": "must be a whole number"})
                return default

        def day(key: str) -> dt.date | None:
            raw = query.get(key, "").strip()
            if not raw:
                return None
            try:
                return dt.date.fromisoformat(raw)
            except ValueError:
                errors.append({"field": key, "problem": "must be a date, YYYY-MM-DD"})
                return None

        admin_id, page = number("admin", None), number("page", 1)
        since, until = day("since"), day("until")
        if errors:
            raise _fail(web.HTTPUnprocessableEntity, {"errors": errors})
        found = await self.svc.store.run(
            console.audit_search,
            admin_id=admin_id,
            action=query.get("action", "").strip(),
            since=since,
            until=until,
            page=page or 1,
        )
        return _json(
            {"rows": [audit_json(e) for e in found.rows], "page": found.page, "pages": found.pages}
        )

    async def audit_actions(self, request: web.Request) -> web.Response:
        self._admin(request, write=False)
        return _json(await self.svc.store.run(console.audit_actions))
