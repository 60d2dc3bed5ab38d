"""Fixtures and helpers for the admin console's browser tests (tests/test_console_browser.py).

One headless Chromium per test session (and xdist worker): Debian's ``/usr/bin/chromium``
driven by Playwright (never Playwright's own browser download), a fresh context at a phone's
390x844 per test. Launching takes about a second, a context and a first page about half of one.

pytest-asyncio runs each test in its own event loop by default (``asyncio_default_fixture_loop_scope
= "function"``), and an async Playwright connection belongs to the loop it was started in. So the
browser tests run in the session's loop (``pytestmark = IN_SESSION_LOOP``), the browser is a
session fixture in that loop, and ``api`` (the local Bot API server) is redefined here in the same
loop: conftest's runs in a per-test loop, which would not be running while the test is. A module
that uses these fixtures imports them (``from tests.browser import api, browser, console``).
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

import pytest
import pytest_asyncio

from bot.testing.botapi import FakeBotApi
from tests.conftest import TOKEN
from tests.console import free_port

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
PHONE = {"width": 390, "height": 844}
IN_SESSION_LOOP = pytest.mark.asyncio(loop_scope="session")
TIMEOUT_MS = 5_000  # Playwright's own wait for an element or a response


def _not_here(reason: str) -> None:
    """Skip the browser tests, except under CI (``CI`` set), where they fail: CI never skips
    them silently."""
    if os.environ.get("CI", "").lower() not in ("", "0", "false", "no"):
        pytest.fail(f"{reason}; CI never skips the browser tests", pytrace=False)
    pytest.skip(reason)


def _require_chromium() -> None:
    if not CHROMIUM.exists():
        _not_here(f"{CHROMIUM} is missing (Debian: apt-get install chromium)")


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[Any]:
    """Headless Chromium for the whole session. A non-persistent launch gets a fresh temporary
    profile (user data dir) from Playwright, removed when the browser closes; Playwright
    refuses ``--user-data-dir`` in ``args``."""
    _require_chromium()
    try:
        from playwright.async_api import async_playwright
    except ImportError:  # an older venv: pip install -e '.[test]'
        _not_here("playwright is not installed (pip install -e '.[test]')")
        raise

    playwright = await async_playwright().start()
    try:
        launched = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            await launched.close()
    finally:
        await playwright.stop()


@pytest_asyncio.fixture(loop_scope="session")
async def api() -> AsyncIterator[FakeBotApi]:
    """conftest's local Bot API server, in the loop the browser tests run in."""
    async with FakeBotApi(token=TOKEN) as server:
        yield server


@dataclass
class Console:
    """A page in a fresh browser context, and what it did that a test must notice."""

    page: Any
    port: int
    dialogs: list[str] = field(default_factory=list)  # alert(), confirm(), prompt() messages
    errors: list[str] = field(default_factory=list)  # uncaught exceptions in the page

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, init_data: str, route: str = "") -> str:
        """What Telegram opens: the console's URL with the signed initData in the hash."""
        return f"{self.base}/{route}#tgWebAppData={quote(init_data, safe='')}&tgWebAppVersion=8.0"

    def test_id(self, name: str) -> Any:
        return self.page.locator(f'[data-test="{name}"]')


@pytest_asyncio.fixture(loop_scope="session")
async def console(browser: Any) -> AsyncIterator[Console]:
    """A new context (phone-sized, nothing shared with other tests) and page; the console's
    port is free for the test to give the bot as ADMIN_WEB_PORT. Fails the test if the page
    ever opened a dialog (an executed script's alert, say)."""
    context = await browser.new_context(viewport=PHONE, device_scale_factor=1)
    context.set_default_timeout(TIMEOUT_MS)
    page = await context.new_page()
    found = Console(page=page, port=free_port())

    async def on_dialog(dialog: Any) -> None:
        found.dialogs.append(f"{dialog.type}: {dialog.message}")
        await dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda error: found.errors.append(str(error)))
    try:
        yield found
    finally:
        await context.close()
    assert found.dialogs == [], f"the page opened dialogs: {found.dialogs}"


def forged(init_data: str) -> str:
    """The same initData with the user's first name changed after it was signed."""
    fields = dict(parse_qsl(init_data, strict_parsing=True))
    user = json.loads(fields["user"])
    user["first_name"] = "Mallory"
    fields["user"] = json.dumps(user, separators=(",", ":"))
    return urlencode(fields, quote_via=quote)


async def screenshot(
    console: Console, directory: Path, name: str, *, full_page: bool = False
) -> Path:
    """The page as it is now, 390x844 (or the whole page, 390 wide), as
    ``<directory>/<name>.png``; the path is printed. Toasts from earlier steps (they fade
    after 3 s) are taken away first, so they hide nothing."""
    path = directory / f"{name}.png"
    await console.page.evaluate("() => document.getElementById('toasts')?.replaceChildren()")
    await console.page.screenshot(path=str(path), full_page=full_page, animations="disabled")
    print(f"screenshot: {path}")
    return path
