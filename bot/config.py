"""Settings from the environment, checked once at start-up.

Every problem is reported as one line that names the variable, so a host can fix it without
reading a traceback. The token itself is never part of an error message.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

DEFAULT_API_URL = "https://api.telegram.org"

# Telegram tokens look like "123456789:AA...": a numeric bot id, a colon, 30+ url-safe chars.
_TOKEN_PATTERN = re.compile(r"^[0-9]{3,20}:[A-Za-z0-9_-]{30,100}$")
_LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")


class ConfigError(ValueError):
    """A setting is missing or malformed; the message is one line naming the variable."""


@dataclass(frozen=True)
class Settings:
    bot_token: str = field(repr=False)
    bot_api_url: str = DEFAULT_API_URL
    database_path: Path = Path("backstride.db")
    admin_ids: frozenset[int] = frozenset()
    log_level: str = "INFO"
    schedules_dir: Path = Path("schedules")
    webhook_url: str | None = None
    webhook_secret: str = field(default="", repr=False)
    webhook_listen: str = "0.0.0.0"
    port: int = 8443
    tick_seconds: float = 20.0
    grace_minutes: int = 120
    send_rate: float = 29.0  # messages per second overall; Telegram allows about 30
    # Days an outbox row is kept after it was sent, dropped or failed (check-ins are health
    # history and stay until /delete).
    retention_days: int = 90
    # Seconds between messages to one chat (Telegram asks 1 s of private chats; replies may
    # burst three first). 0 lifts per-chat pacing: for tests against a local server only.
    chat_interval: float = 1.0
    # /metrics (Prometheus) and /healthz; 0 = not served. Local by default: put it behind the
    # host's firewall or a reverse proxy rather than on the public internet.
    metrics_port: int = 0
    metrics_listen: str = "127.0.0.1"
    # The admin web console (a Telegram Mini App served by the bot); 0 = off. ADMIN_WEB_URL is
    # where Telegram opens it (the /admin "Open console" button; https unless local).
    admin_web_port: int = 0
    admin_web_listen: str = "127.0.0.1"
    admin_web_url: str | None = None

    @property
    def base_url(self) -> str:
        """What PTB wants: the API root plus '/bot' (it appends the token and method)."""
        return f"{self.bot_api_url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.bot_api_url}/file/bot"


def _require_token(env: Mapping[str, str]) -> str:
    token = env.get("BOT_TOKEN", "").strip()
    if not token:
        raise ConfigError(
            "BOT_TOKEN is not set: create a bot with @BotFather and run with BOT_TOKEN=<token>"
        )
    if not _TOKEN_PATTERN.match(token):
        raise ConfigError(
            "BOT_TOKEN is malformed: expected the form 123456789:ABC... as given by @BotFather"
        )
    return token


def _api_url(env: Mapping[str, str]) -> str:
    raw = env.get("BOT_API_URL", "").strip() or DEFAULT_API_URL
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(
            f"BOT_API_URL is not an http(s) URL: {raw!r} (example: https://api.telegram.org)"
        )
    if parts.path.rstrip("/").endswith("/bot"):
        raise ConfigError("BOT_API_URL should be the server root, without '/bot' at the end")
    return raw.rstrip("/")


def _admin_ids(env: Mapping[str, str]) -> frozenset[int]:
    raw = env.get("ADMIN_IDS", "")
    ids: set[int] = set()
    for part in raw.replace(";", ",").split(","):
        item = part.strip()
        if not item:
            continue
        if not re.fullmatch(r"-?[0-9]{1,20}", item):
            raise ConfigError(
                f"ADMIN_IDS has a bad entry {item!r}: use comma-separated numeric Telegram user ids"
            )
        ids.add(int(item))
    return frozenset(ids)


def _number(env: Mapping[str, str], name: str, default: float, low: float, high: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low:g} and {high:g}, got {raw}")
    return value


def _log_level(env: Mapping[str, str]) -> str:
    level = env.get("LOG_LEVEL", "INFO").strip().upper() or "INFO"
    if level not in _LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL must be one of {', '.join(_LOG_LEVELS)}, got {level!r}")
    return level


def _webhook_url(env: Mapping[str, str]) -> str | None:
    raw = env.get("WEBHOOK_URL", "").strip()
    if not raw:
        return None
    parts = urlsplit(raw)
    if parts.scheme != "https" and parts.hostname not in ("127.0.0.1", "localhost"):
        raise ConfigError(f"WEBHOOK_URL must be an https URL, got {raw!r}")
    return raw


def _admin_web_url(env: Mapping[str, str]) -> str | None:
    raw = env.get("ADMIN_WEB_URL", "").strip()
    if not raw:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"ADMIN_WEB_URL is not an http(s) URL: {raw!r} (example: https://admin.example.org/)"
        )
    if parts.scheme != "https" and parts.hostname not in ("127.0.0.1", "localhost"):
        raise ConfigError(
            f"ADMIN_WEB_URL must be an https URL (Telegram opens Mini Apps over https), got {raw!r}"
        )
    return raw


def _webhook_secret(env: Mapping[str, str], token: str) -> str:
    """Telegram sends this back in a header on every webhook request; we refuse others.

    Defaults to a value derived from the token (stable across restarts, useless to anyone
    without the token); WEBHOOK_SECRET overrides it."""
    raw = env.get("WEBHOOK_SECRET", "").strip()
    if raw:
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", raw):
            raise ConfigError("WEBHOOK_SECRET may only use A-Z, a-z, 0-9, _ and - (1-256 chars)")
        return raw
    return hashlib.sha256(f"backstride-webhook:{token}".encode()).hexdigest()[:48]


def load_settings(env: Mapping[str, str] | None = None, *, require_token: bool = True) -> Settings:
    """Read settings from `env` (default: os.environ). Raises ConfigError with one clear line."""
    env = os.environ if env is None else env
    token = _require_token(env) if require_token else env.get("BOT_TOKEN", "").strip()
    return Settings(
        bot_token=token,
        bot_api_url=_api_url(env),
        database_path=Path(env.get("DATABASE_PATH", "").strip() or "backstride.db"),
        admin_ids=_admin_ids(env),
        log_level=_log_level(env),
        schedules_dir=Path(env.get("SCHEDULES_DIR", "").strip() or "schedules"),
        webhook_url=_webhook_url(env),
        webhook_secret=_webhook_secret(env, token),
        webhook_listen=env.get("WEBHOOK_LISTEN", "").strip() or "0.0.0.0",
        port=int(_number(env, "PORT", 8443, 1, 65535)),
        tick_seconds=_number(env, "TICK_SECONDS", 20.0, 0.05, 600),
        grace_minutes=int(_number(env, "GRACE_MINUTES", 120, 1, 24 * 60)),
        send_rate=_number(env, "SEND_RATE", 29.0, 0.1, 100_000),
        retention_days=int(_number(env, "RETENTION_DAYS", 90, 1, 36_500)),
        chat_interval=_number(env, "PER_CHAT_INTERVAL", 1.0, 0, 60),
        metrics_port=int(_number(env, "METRICS_PORT", 0, 0, 65535)),
        metrics_listen=env.get("METRICS_LISTEN", "").strip() or "127.0.0.1",
        admin_web_port=int(_number(env, "ADMIN_WEB_PORT", 0, 0, 65535)),
        admin_web_listen=env.get("ADMIN_WEB_LISTEN", "").strip() or "127.0.0.1",
        admin_web_url=_admin_web_url(env),
    )


class _Redactor:
    """Replaces secrets in every log record as it is created.

    httpx logs each request URL at INFO, and Telegram URLs contain the token; exceptions can carry
    it too. Hooking the record factory (rather than one handler) covers every logger and every
    handler, including ones a test or a hosting platform adds later.
    """

    def __init__(self, secrets: list[str]) -> None:
        self.secrets = [s for s in secrets if s]
        self._previous = logging.getLogRecordFactory()

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "<redacted>")
        return text

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record = self._previous(*args, **kwargs)
        message = record.getMessage()
        redacted = self.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info:
            text = logging.Formatter().formatException(record.exc_info)
            if self.redact(text) != text:
                record.exc_text = self.redact(text)
                record.exc_info = None
        return record


def install_redaction(token: str) -> None:
    """Make sure neither the token nor its secret half can reach any log output."""
    secrets = [token]
    if ":" in token:
        secrets.append(token.split(":", 1)[1])
    current = logging.getLogRecordFactory()
    if isinstance(current, _Redactor):
        current.secrets = sorted({*current.secrets, *secrets}, key=len, reverse=True)
        return
    logging.setLogRecordFactory(_Redactor(secrets))


class ShutdownPollFailure(logging.Filter):
    """PTB's Updater logs an ERROR with a traceback when its last getUpdates at shutdown (the
    one that confirms the updates it fetched) fails, which it does whenever the Bot API went
    away first. The bot has already stopped cleanly; the host gets one warning line saying
    what it means, without the traceback."""

    PREFIX = "Error while calling `get_updates` one more time"

    def filter(self, record: logging.LogRecord) -> bool:
        if record.getMessage().startswith(self.PREFIX):
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.msg = (
                "could not confirm the last updates at shutdown (the Bot API is unreachable): "
                "they may be delivered again at the next start"
            )
            record.args, record.exc_info, record.exc_text = None, None, None
        return True


def configure_logging(settings: Settings) -> None:
    """Log to stderr, with the token redacted everywhere and chatty HTTP logs quietened."""
    install_redaction(settings.bot_token)
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        force=True,
    )
    # Request-by-request logs add nothing for a host and carry URLs; keep them at WARNING.
    for noisy in ("httpx", "httpcore", "aiohttp.access", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # PTB's DEBUG lines print every request's parameters and every update, i.e. what runners
    # wrote and answered. Our own modules log at DEBUG without content; PTB stays at INFO.
    logging.getLogger("telegram").setLevel(max(logging.INFO, logging.getLogger().level))
    updater = logging.getLogger("telegram.ext.Updater")
    if not any(isinstance(f, ShutdownPollFailure) for f in updater.filters):
        updater.addFilter(ShutdownPollFailure())
