"""The admin web console (issue 14): a Telegram Mini App served by the bot process.

``server.AdminWebServer`` runs the aiohttp app on ``ADMIN_WEB_PORT`` (started and stopped with
the bot, like the monitoring server); ``api`` holds the sign-in (Mini App initData, a signed
session cookie and a CSRF token, ``bot.core.webapp``) and the JSON routes, each calling one
service through ``Store.run``; ``static/`` is the page itself.
"""

from __future__ import annotations

from bot.telegram.webadmin.server import AdminWebServer

__all__ = ["AdminWebServer"]
