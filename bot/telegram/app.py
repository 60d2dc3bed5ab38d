"""Builds the PTB Application: handlers, persistence, error handler, start-up and shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import logging
import signal
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

from telegram import BotCommandScopeChat, Update
from telegram.constants import ParseMode
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    ContextTypes,
)

from bot.config import Settings
from bot.core import i18n, texts
from bot.services import checkins, outbox
from bot.services.delivery import schedule_missing
from bot.services.runtime import (
    Clock,
    Services,
    open_store,
    seed_translations_if_needed,
    system_clock,
)
from bot.services.runtime import StartupError as StartupError
from bot.services.runtime import seed_if_needed as seed_if_needed
from bot.telegram.handlers import admin as admin_handlers
from bot.telegram.handlers import checkin, language, onboarding, privacy, programme, reminders
from bot.telegram.handlers import settings as settings_handlers
from bot.telegram.handlers.language import command_menu
from bot.telegram.http import AiohttpRequest
from bot.telegram.monitoring import Health, Metrics, MonitoringServer
from bot.telegram.persistence import SqlitePersistence
from bot.telegram.ratelimit import PacedRateLimiter
from bot.telegram.sender import Engine, Sender
from bot.telegram.updates import (
    HANDLED_UPDATES,
    PerChatUpdateProcessor,
    TolerantBot,
    WebhookReceiver,
)
from bot.telegram.webadmin import AdminWebServer

log = logging.getLogger(__name__)

BotApp = Application[Any, Any, Any, Any, Any, Any]
POLL_TIMEOUT = 10
GUARD_GROUP = -100  # handlers that vet an update before the bot's own (group 0) see it


async def _on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the failure (never the message text) and tell the runner something went wrong."""
    error = context.error
    log.error(
        "error while handling an update: %s",
        type(error).__name__,
        exc_info=(type(error), error, error.__traceback__) if error else None,
    )
    if (
        isinstance(update, Update)
        and update.effective_chat
        and update.effective_chat.type == "private"
    ):
        with contextlib.suppress(Exception):
            await update.effective_chat.send_message(
                texts.T.ERROR_SORRY,
                parse_mode=ParseMode.HTML,
            )


async def _no_callback_data(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``GUARD_GROUP``, before every other handler: a button press without ``callback_data``
    (or with an empty one) is answered as a stale button and goes no further. PTB's
    ``CallbackQueryHandler`` lets empty data through *every* pattern, so the first handler
    with a pattern would take it and fail on it."""
    query = update.callback_query
    if query is None or query.data:
        return
    await settings_handlers.stale_button(update, context)
    raise ApplicationHandlerStop


async def _post_init(application: BotApp) -> None:
    svc: Services = application.bot_data["services"]
    seeded = await svc.store.run(seed_if_needed, svc.settings, svc.now_ts())
    if seeded:
        log.info("seeded schedules and tips from %s", svc.settings.schedules_dir)
    else:
        copied = await svc.store.run(seed_translations_if_needed, svc.settings)
        if copied:
            log.info("copied %d tip translation(s) from %s", copied, svc.settings.schedules_dir)
    await _set_admin_commands(application, svc)
    await _set_commands(application)
    added = await svc.store.run(schedule_missing, svc.now())
    if added:
        log.info("scheduled %d runner(s) for new or changed slots", added)
    if svc.settings.admin_web_port:
        # Before the delivery engine: a port already taken stops the start with nothing to
        # wind down (the console reads the engine from svc.extras at each request).
        port = svc.settings.admin_web_port
        console = AdminWebServer(svc, svc.settings.admin_web_listen, port)
        try:
            await console.start()
        except OSError as exc:
            await console.stop()
            raise StartupError(f"cannot listen on ADMIN_WEB_PORT {port}: {exc.strerror}") from None
        svc.extras["admin_console"] = console
    await _start_delivery(application, svc)
    me = application.bot.bot
    log.info("BackStride is running as @%s", me.username)


async def _set_commands(application: BotApp) -> None:
    """The runners' command menu: English by default, and one per shipped language, which
    Telegram shows to users whose app is set to it (``language_code``). A runner who picks
    another language with /language gets a menu of their own chat (handlers/language.py)."""
    await application.bot.set_my_commands(command_menu(i18n.DEFAULT))
    for code in i18n.LANGUAGES:
        if code != i18n.DEFAULT:
            await application.bot.set_my_commands(command_menu(code), language_code=code)


async def _set_admin_commands(application: BotApp, svc: Services) -> None:
    """Each admin's own command menu: the runners' commands and /admin. One admin's failure
    (e.g. they never started the bot) is logged once and the others still get theirs."""
    commands = command_menu(i18n.DEFAULT, admin=True)
    failed = 0
    for admin_id in sorted(svc.settings.admin_ids):
        try:
            await application.bot.set_my_commands(
                commands, scope=BotCommandScopeChat(chat_id=admin_id)
            )
        except TelegramError as exc:
            failed += 1
            if failed == 1:
                log.warning("could not set an admin's command menu (%s)", type(exc).__name__)
    if failed > 1:
        log.warning("could not set the command menu of %d admins", failed)


async def _start_delivery(application: BotApp, svc: Services) -> None:
    grace = dt.timedelta(minutes=svc.settings.grace_minutes)
    metrics = Metrics()
    sender = Sender(application.bot, svc.store, svc.clock, grace=grace, metrics=metrics)
    engine = Engine(
        sender,
        svc.store,
        svc.clock,
        grace,
        sweeps=(
            checkins.finish_unfinished,
            checkins.queue_follow_ups,
            functools.partial(
                outbox.prune_delivered,
                retention=dt.timedelta(days=svc.settings.retention_days),
            ),
        ),
    )
    svc.extras["engine"] = engine
    svc.reschedule = engine.reschedule
    svc.wake_sender = sender.wake
    svc.set_held = engine.set_held
    await sender.start()

    async def tick(_: ContextTypes.DEFAULT_TYPE) -> None:
        # The job only starts a tick and returns: a long one (a large claim) covers the ticks
        # due meanwhile, instead of APScheduler warning once an interval that it skipped them.
        if not engine.ticking:
            application.create_task(engine.tick(), name="delivery-tick")

    assert application.job_queue is not None
    # APScheduler skips a job that starts more than misfire_grace_time late (default 1 s, PTB
    # #3642): a busy loop must delay the clock, never silence it.
    application.job_queue.run_repeating(
        tick,
        interval=svc.settings.tick_seconds,
        first=0.1,
        name="delivery-tick",
        job_kwargs={"misfire_grace_time": 3600, "coalesce": True, "max_instances": 1},
    )
    if svc.settings.metrics_port:
        health = Health(
            metrics,
            svc.store,
            svc.clock,
            dt.timedelta(seconds=svc.settings.tick_seconds),
            dead_loops=sender.dead_loops,
        )
        server = MonitoringServer(health, svc.settings.metrics_listen, svc.settings.metrics_port)
        await server.start()
        svc.extras["monitoring"] = server


async def _post_stop(application: BotApp) -> None:
    """Updates have stopped: let in-flight sends finish and record every outcome."""
    svc: Services = application.bot_data["services"]
    engine = svc.extras.pop("engine", None)
    if isinstance(engine, Engine):
        await engine.sender.stop()
    server = svc.extras.pop("monitoring", None)
    if isinstance(server, MonitoringServer):
        await server.stop()
    console = svc.extras.pop("admin_console", None)
    if isinstance(console, AdminWebServer):
        await console.stop()


async def _post_shutdown(application: BotApp) -> None:
    svc: Services = application.bot_data["services"]
    await svc.store.close()


def build_application(settings: Settings, *, clock: Clock = system_clock) -> BotApp:
    store = open_store(settings)
    svc = Services(settings=settings, store=store, clock=clock)
    requests = [
        AiohttpRequest(connection_pool_size=64),
        AiohttpRequest(connection_pool_size=2, read_timeout=POLL_TIMEOUT + 10),
    ]
    svc.extras["requests"] = requests
    bot = TolerantBot(
        settings.bot_token,
        base_url=settings.base_url,
        base_file_url=settings.base_file_url,
        request=requests[0],
        get_updates_request=requests[1],
        rate_limiter=PacedRateLimiter(settings.send_rate, chat_interval=settings.chat_interval),
    )
    builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = (
        Application.builder()
        .bot(bot)
        .persistence(SqlitePersistence(store))
        .post_init(_post_init)
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
        .concurrent_updates(PerChatUpdateProcessor())
    )
    application = builder.build()
    application.bot_data["services"] = svc
    # A group of its own, before any other: a handler in the same group would only run for
    # the updates this one leaves alone (PTB runs the first match of each group).
    language.register_early(application)
    application.add_handler(CallbackQueryHandler(_no_callback_data), group=GUARD_GROUP)
    # The admin conversation before onboarding: an admin's typed answer to an admin prompt is
    # the admin's even with a runner question open (see admin_handlers.register).
    admin_handlers.register(application)
    application.add_handlers(language.handlers())  # ahead of onboarding's open question
    application.add_handler(onboarding.build())
    for module in (settings_handlers, reminders, programme, checkin, privacy):
        application.add_handlers(module.handlers())
    application.add_handlers(settings_handlers.catch_alls())
    application.add_error_handler(_on_error)
    return application


@contextlib.asynccontextmanager
async def running(
    application: BotApp, *, poll_timeout: float = POLL_TIMEOUT
) -> AsyncIterator[BotApp]:
    """Run the bot inside an existing event loop (tests, the sandbox, `run`), the way
    `run_polling` would, but with a clean shutdown even when start-up fails half way."""
    try:
        await application.initialize()
    except BaseException:
        await _close_transports(application)
        raise
    receiver: WebhookReceiver | None = None
    try:
        if application.post_init:
            await application.post_init(application)
        assert application.updater is not None
        settings: Settings = application.bot_data["services"].settings
        if settings.webhook_url:
            # Telegram pushes updates to WEBHOOK_URL; our receiver listens on PORT, checks the
            # secret header on every request and skips a body PTB cannot parse.
            receiver = WebhookReceiver(
                application.bot,
                application.update_queue,
                path=urlsplit(settings.webhook_url).path,
                secret_token=settings.webhook_secret,
            )
            await receiver.start(settings.webhook_listen, settings.port)
            await application.bot.set_webhook(
                settings.webhook_url,
                secret_token=settings.webhook_secret,
                allowed_updates=HANDLED_UPDATES,
            )
        else:
            bot = application.bot
            await application.updater.start_polling(
                timeout=int(poll_timeout),
                allowed_updates=HANDLED_UPDATES,
                error_callback=bot.polling_failed if isinstance(bot, TolerantBot) else None,
            )
        await application.start()
        try:
            yield application
        finally:
            if receiver is not None:
                await receiver.stop()
                receiver = None
            if application.updater.running:
                await application.updater.stop()
            await _stop_ticking(application)
            await application.stop()
            if application.post_stop:
                await application.post_stop(application)
    finally:
        if receiver is not None:  # start-up failed after the receiver started
            await receiver.stop()
        await application.shutdown()
        if application.post_shutdown:
            await application.post_shutdown(application)


async def _stop_ticking(application: BotApp) -> None:
    """No tick is submitted once the stop begins. PTB's JobQueue.stop waits for the jobs that
    are running and then shuts APScheduler down, whose asyncio executor cancels whatever was
    submitted in between and logs that as an error; at a tick every few seconds (0.1 s in
    tests) the tick can land there. The engine's own tick is wound down with the sender."""
    queue = application.job_queue
    if queue is not None:
        for job in queue.get_jobs_by_name("delivery-tick"):
            job.schedule_removal()


async def _close_transports(application: BotApp) -> None:
    """PTB leaves its transports and rate limiter open when `initialize` fails (e.g. the Bot
    API is unreachable); close them so the process exits quietly."""
    svc: Services = application.bot_data["services"]
    for request in svc.extras.get("requests", []):
        await request.shutdown()
    limiter = application.bot.rate_limiter
    if limiter is not None:
        await limiter.shutdown()
    await svc.store.close()


async def serve(settings: Settings) -> None:
    """Run until SIGINT or SIGTERM: long polling, or a webhook when WEBHOOK_URL is set."""
    application = build_application(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        async with running(application):
            await stop.wait()
            log.info("stopping: finishing in-flight messages")
    except OSError as exc:  # e.g. the webhook port is taken
        raise StartupError(f"cannot listen on port {settings.port}: {exc.strerror}") from None
    except InvalidToken:
        raise StartupError(
            f"the Bot API at {settings.bot_api_url} refused BOT_TOKEN: check the token"
        ) from None
    except NetworkError as exc:
        raise StartupError(
            f"cannot reach the Bot API at {settings.bot_api_url} ({exc.message}): "
            "check BOT_API_URL and the network"
        ) from None
    log.info("stopped cleanly")


def run(settings: Settings) -> None:
    asyncio.run(serve(settings))
