"""``FakeBotApi``: a local HTTP server that behaves like api.telegram.org where it matters.

    async with FakeBotApi() as api:           # 127.0.0.1, a free port
        settings = ...(BOT_API_URL=api.url, BOT_TOKEN=api.token)
        api.send_command(1001, "/start")
        msg = await api.next_message(1001)

Switches per test: ``flood_limits``, ``fail_next``, ``chaos``, ``latency``, ``block``,
``hold_sends`` (message sends wait unanswered until ``release_sends``; ``arrivals`` keeps the
order in which requests reached the server, answered or not); bad
input: ``push_raw_update`` (an unparseable update), ``press_without_data`` (empty or missing
callback data), ``post_to_webhook`` (a raw body straight to the webhook).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Collection
from types import TracebackType
from typing import Any

import aiohttp
from aiohttp import web

from .faults import SENDING_METHODS, Fault, FaultInjector
from .flood import FloodLimiter
from .methods import BotMethods, Reply
from .params import read_params
from .runner import RunnerActions
from .state import DEFAULT_TOKEN, ApiError, Call
from .webhook import WebhookPusher

__all__ = ["FakeBotApi"]

log = logging.getLogger(__name__)

_BAD_GATEWAY = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n"
    "</body>\r\n</html>\r\n"
)


class FakeBotApi(RunnerActions):
    """The fake Bot API server, its state, the runner-side helpers and the test switches."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        first_name: str = "BackStride",
        username: str = "backstride_test_bot",
        webhook_retry_delay: float = 0.2,
    ) -> None:
        super().__init__(token, first_name=first_name, username=username)
        self.host = host
        self.port = port
        self.flood = FloodLimiter()
        self.faults = FaultInjector()
        self.methods = BotMethods(self, self.flood, on_webhook_change=self._webhook_changed)
        self.webhook_pusher = WebhookPusher(self, retry_delay=webhook_retry_delay)
        self._runner: web.AppRunner | None = None
        self._stopped: asyncio.Event | None = None
        # Every parsed request in the order it arrived (the wire's order), before any answer.
        self.arrivals: list[tuple[str, dict[str, Any]]] = []
        self._gate: asyncio.Event | None = None
        self.held = 0  # message sends waiting at the gate

    # ------------------------------------------------------------------ lifecycle

    @property
    def url(self) -> str:
        """The server root, for BOT_API_URL (the bot calls ``{url}/bot{token}/{method}``)."""
        if self._runner is None:
            raise RuntimeError("FakeBotApi is not started: await api.start() first")
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """What PTB's ``Bot(base_url=...)`` wants."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    @property
    def running(self) -> bool:
        return self._runner is not None

    async def start(self) -> FakeBotApi:
        if self._runner is not None:
            return self
        self._closing = False
        self._changed = None
        self._stopped = asyncio.Event()
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        self.port = int(runner.addresses[0][1])
        self._runner = runner
        return self

    async def stop(self) -> None:
        """Stop serving: held long polls return, hung and slow calls are dropped."""
        runner, self._runner = self._runner, None
        if runner is None:
            return
        self._closing = True
        if self._stopped is not None:
            self._stopped.set()
        self._notify()
        await self.webhook_pusher.stop()
        await runner.cleanup()

    async def __aenter__(self) -> FakeBotApi:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    def _webhook_changed(self) -> None:
        if self._runner is not None:
            self.webhook_pusher.ensure_running()

    # ------------------------------------------------------------------ switches

    def fail_next(self, n: int, kind: str, **match: Any) -> None:
        """The next ``n`` matching calls fail with ``kind``: "429", "500", "502", "403", "400",
        "timeout" (held ``hang_seconds``, then dropped), "drop" (closed without an answer),
        "drop_after_send" (delivered, then dropped) or "slow" (answered after ``delay`` s).

        ``method=None`` matches the message-sending methods (sendMessage, sendPhoto,
        sendDocument); give a name, several names, or "*" for every method.
        The keywords are ``FaultInjector.add``'s: ``method``, ``chat_id``, ``retry_after``,
        ``description`` and ``delay``."""
        self.faults.add(n, kind, **match)

    def chaos(
        self,
        p429: float | None = 0.10,
        retry_after: tuple[int, int] = (1, 5),
        p500: float = 0.05,
        pslow: float = 0.05,
        slow_seconds: float = 2.0,
        pdrop: float = 0.02,
        seed: int | None = 1,
        methods: Collection[str] = ("sendMessage",),
    ) -> None:
        """Random failures on ``methods`` (seeded, reproducible); ``chaos(None)`` turns it off."""
        if p429 is None:
            self.faults.chaos = None
            return
        self.faults.set_chaos(
            p429=p429,
            retry_after=retry_after,
            p500=p500,
            pslow=pslow,
            slow_seconds=slow_seconds,
            pdrop=pdrop,
            seed=seed,
            methods=methods,
        )

    async def post_to_webhook(
        self, body: bytes | dict[str, Any], *, secret: bool = True, timeout: float = 10.0
    ) -> int:
        """Fault switch: POST one body straight to the bot's webhook (with its secret header
        unless ``secret=False``), outside the pusher's queue and retries: raw bytes (not JSON
        at all) or a dict sent as JSON as is. Returns the HTTP status the bot answered."""
        hook = self.webhook
        if not hook.url:
            raise AssertionError("no webhook is set")
        headers = {"Content-Type": "application/json"}
        if secret and hook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = hook.secret_token
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        client_timeout = aiohttp.ClientTimeout(total=timeout)
        async with (
            aiohttp.ClientSession(timeout=client_timeout) as session,
            session.post(hook.url, data=data, headers=headers) as response,
        ):
            await response.read()
            return response.status

    def hold_sends(self) -> None:
        """From now on message sends (sendMessage, sendPhoto, sendDocument) arrive, are logged
        in ``arrivals``, and wait unanswered until ``release_sends``: a wire that is full."""
        if self._gate is None:
            self._gate = asyncio.Event()

    def release_sends(self) -> None:
        """Answer every held send (in arrival order) and stop holding."""
        gate, self._gate = self._gate, None
        if gate is not None:
            gate.set()

    async def _wait_at_gate(self, name: str) -> None:
        gate = self._gate
        if gate is None or name.lower() not in SENDING_METHODS:
            return
        self.held += 1
        self._notify()
        try:
            stopped = self._stopped
            waits = [asyncio.ensure_future(gate.wait())]
            if stopped is not None:
                waits.append(asyncio.ensure_future(stopped.wait()))
            try:
                await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for waiting in waits:
                    waiting.cancel()
        finally:
            self.held -= 1

    def reset_faults(self) -> None:
        """Forget fail_next rules and chaos, and empty the flood-limit windows."""
        self.faults.clear()
        self.flood.reset()

    # ------------------------------------------------------------------ HTTP

    def _record(self, method: str, params: dict[str, Any], status: int) -> None:
        self.calls.append(Call(method, params, status))
        self._notify()

    async def _pause(self, seconds: float) -> None:
        """Sleep, but end early when the server stops."""
        if seconds <= 0 or self._stopped is None:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopped.wait(), seconds)

    @staticmethod
    def _drop(request: web.Request) -> web.Response:
        """Close the connection without any HTTP answer."""
        request.protocol.force_close()
        if request.transport is not None:
            request.transport.close()
        return web.Response(status=499)  # never written: the transport is gone

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        if self.latency > 0:
            await self._pause(self.latency)
        if request.match_info["token"] != self.token:
            self._record(method, {}, 401)
            return web.json_response(ApiError(401, "Unauthorized").payload(), status=401)
        found = self.methods.lookup(method)
        if found is None:
            self._record(method, {}, 404)
            return web.json_response(
                ApiError(404, "Not Found: method not found").payload(), status=404
            )
        name, handler = found
        try:
            params = await read_params(request)
        except ApiError as err:
            self._record(name, {}, err.code)
            return web.json_response(err.payload(), status=err.code)
        self.arrivals.append((name, params))
        await self._wait_at_gate(name)

        fault = self.faults.take(name, params)
        if fault is not None and fault.kind not in ("slow", "drop_after_send"):
            return await self._fail(request, name, params, fault)
        if fault is not None and fault.kind == "slow":
            await self._pause(fault.delay)

        try:
            result = await handler(params)
        except ApiError as err:
            self._record(name, params, err.code)
            return web.json_response(err.payload(), status=err.code)
        if fault is not None and fault.kind == "drop_after_send":  # done, but unheard of
            self._record(name, params, 0)
            return self._drop(request)
        body: dict[str, Any] = {"ok": True, "result": result}
        if isinstance(result, Reply):
            body = {"ok": True, "result": result.result, "description": result.description}
        self._record(name, params, 200)
        return web.json_response(body)

    async def _fail(
        self, request: web.Request, name: str, params: dict[str, Any], fault: Fault
    ) -> web.StreamResponse:
        kind = fault.kind
        if kind in ("drop", "timeout"):
            self._record(name, params, 0)
            if kind == "timeout":
                await self._pause(self.hang_seconds)
            return self._drop(request)
        if kind == "502":
            self._record(name, params, 502)
            return web.Response(status=502, text=_BAD_GATEWAY, content_type="text/html")
        if kind == "429":
            wait = max(1, int(fault.retry_after))
            err = ApiError(429, f"Too Many Requests: retry after {wait}", retry_after=wait)
        elif kind == "500":
            err = ApiError(500, fault.description or "Internal Server Error")
        elif kind == "403":
            err = ApiError(403, fault.description or "Forbidden: bot was blocked by the user")
        else:  # "400"
            err = ApiError(400, fault.description or "Bad Request: injected failure")
        self._record(name, params, err.code)
        return web.json_response(err.payload(), status=err.code)

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return web.json_response(ApiError(401, "Unauthorized").payload(), status=401)
        path = request.match_info["path"]
        for stored in self._files.values():
            if stored.file_path == path:
                return web.Response(
                    body=stored.content,
                    content_type=stored.mime_type or "application/octet-stream",
                )
        return web.json_response(ApiError(404, "Not Found").payload(), status=404)
