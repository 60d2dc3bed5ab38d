"""The console's web server: aiohttp in the bot's own event loop, on ``ADMIN_WEB_PORT``.

``GET /`` is ``static/index.html`` (never cached: a new release is seen at once), ``/static/*``
the page's own files, ``/api/*`` the JSON API (``api.py``). Every answer carries headers that
keep the page to its own files (no CDN, nothing from elsewhere). No access log: requests carry
the session cookie, and who used the console is in the audit trail.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web

from bot.services.runtime import Services
from bot.telegram.webadmin.api import ConsoleApi

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
MAX_BODY = 256 * 1024

# Telegram shows a Mini App in an iframe on its web clients, in a web view on the others.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'self' https://web.telegram.org https://*.telegram.org"
)

# Set explicitly: a host's mimetypes table may not know them, or call .js application/x-js.
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".txt": "text/plain; charset=utf-8",
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def _headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        response = exc
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    if request.path.startswith("/api/"):
        response.headers["Cache-Control"] = "no-store"
    if isinstance(response, web.HTTPException):
        raise response
    return response


class AdminWebServer:
    """Started in ``_post_init`` and stopped in ``_post_stop``, as ``MonitoringServer``."""

    def __init__(self, svc: Services, host: str, port: int, static_dir: Path = STATIC_DIR) -> None:
        self.svc = svc
        self.host = host
        self.port = port
        self.static_dir = static_dir
        self._runner: web.AppRunner | None = None

    def application(self) -> web.Application:
        app = web.Application(middlewares=[_headers], client_max_size=MAX_BODY)
        ConsoleApi(self.svc).add_routes(app.router)
        app.router.add_get("/", self._index)
        app.router.add_get("/index.html", self._index)
        app.router.add_get("/static/{name:.+}", self._static)
        return app

    async def start(self) -> None:
        # access_log=None: no line per request (and nothing about who asked).
        self._runner = web.AppRunner(self.application(), access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        log.info("admin console on %s port %d", self.host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _index(self, request: web.Request) -> web.StreamResponse:
        index = self.static_dir / "index.html"
        if not index.is_file():
            raise web.HTTPNotFound(text="the console page is not installed")
        return web.FileResponse(
            index, headers={"Cache-Control": "no-store", "Content-Type": CONTENT_TYPES[".html"]}
        )

    async def _static(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        root = self.static_dir.resolve()
        try:
            path = (root / name).resolve()
            path.relative_to(root)
        except (ValueError, OSError):
            raise web.HTTPNotFound() from None
        if not path.is_file() or any(part.startswith(".") for part in Path(name).parts):
            raise web.HTTPNotFound()
        headers = {"Cache-Control": "no-cache"}
        if path.suffix.lower() in CONTENT_TYPES:
            headers["Content-Type"] = CONTENT_TYPES[path.suffix.lower()]
        return web.FileResponse(path, headers=headers)
