"""Settings: clear one-line errors, and the token never reaches a log line."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import (
    ConfigError,
    ShutdownPollFailure,
    configure_logging,
    install_redaction,
    load_settings,
)

TOKEN = "123456:TEST-abcdefghijklmnopqrstuvwxyz012345"
REPO = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "BOT_TOKEN is not set"),
        ({"BOT_TOKEN": "   "}, "BOT_TOKEN is not set"),
        ({"BOT_TOKEN": "not-a-token"}, "BOT_TOKEN is malformed"),
        ({"BOT_TOKEN": TOKEN, "ADMIN_IDS": "12,abc"}, "ADMIN_IDS has a bad entry 'abc'"),
        ({"BOT_TOKEN": TOKEN, "BOT_API_URL": "ftp://x"}, "BOT_API_URL is not an http(s) URL"),
        ({"BOT_TOKEN": TOKEN, "BOT_API_URL": "http://h/bot"}, "without '/bot'"),
        ({"BOT_TOKEN": TOKEN, "LOG_LEVEL": "LOUD"}, "LOG_LEVEL must be one of"),
        ({"BOT_TOKEN": TOKEN, "TICK_SECONDS": "fast"}, "TICK_SECONDS must be a number"),
        ({"BOT_TOKEN": TOKEN, "GRACE_MINUTES": "0"}, "GRACE_MINUTES must be between"),
        ({"BOT_TOKEN": TOKEN, "PER_CHAT_INTERVAL": "-1"}, "PER_CHAT_INTERVAL must be between"),
        ({"BOT_TOKEN": TOKEN, "PER_CHAT_INTERVAL": "slow"}, "PER_CHAT_INTERVAL must be a number"),
        ({"BOT_TOKEN": TOKEN, "ADMIN_WEB_PORT": "x"}, "ADMIN_WEB_PORT must be a number"),
        ({"BOT_TOKEN": TOKEN, "ADMIN_WEB_PORT": "70000"}, "ADMIN_WEB_PORT must be between"),
        (
            {"BOT_TOKEN": TOKEN, "ADMIN_WEB_URL": "http://admin.example.org/"},
            "ADMIN_WEB_URL must be an https URL",
        ),
        ({"BOT_TOKEN": TOKEN, "ADMIN_WEB_URL": "admin.example.org"}, "ADMIN_WEB_URL is not an"),
    ],
)
def test_bad_settings_name_the_variable(env: dict[str, str], expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(env)
    assert expected in str(caught.value)
    assert "\n" not in str(caught.value)
    assert "TEST-abc" not in str(caught.value)


def test_good_settings() -> None:
    settings = load_settings(
        {
            "BOT_TOKEN": TOKEN,
            "BOT_API_URL": "http://127.0.0.1:8081/",
            "ADMIN_IDS": " 42, 7 ,",
            "DATABASE_PATH": "/tmp/x.db",
        }
    )
    assert settings.base_url == "http://127.0.0.1:8081/bot"
    assert settings.admin_ids == frozenset({7, 42})
    assert str(settings.database_path) == "/tmp/x.db"
    assert TOKEN not in repr(settings)


def test_defaults() -> None:
    settings = load_settings({"BOT_TOKEN": TOKEN})
    assert settings.bot_api_url == "https://api.telegram.org"
    assert str(settings.database_path) == "backstride.db"
    assert settings.admin_ids == frozenset()
    assert settings.chat_interval == 1.0, "Telegram's pace for one chat unless told otherwise"
    assert load_settings({"BOT_TOKEN": TOKEN, "PER_CHAT_INTERVAL": "0"}).chat_interval == 0.0
    assert settings.admin_web_port == 0, "the admin console is off unless asked for"
    assert settings.admin_web_listen == "127.0.0.1"
    assert settings.admin_web_url is None


@pytest.mark.parametrize(
    "url", ["https://admin.example.org/console", "http://127.0.0.1:8088/", "http://localhost:9/"]
)
def test_admin_web_settings(url: str) -> None:
    settings = load_settings(
        {
            "BOT_TOKEN": TOKEN,
            "ADMIN_WEB_PORT": "8088",
            "ADMIN_WEB_LISTEN": "0.0.0.0",
            "ADMIN_WEB_URL": url,
        }
    )
    assert (settings.admin_web_port, settings.admin_web_listen) == (8088, "0.0.0.0")
    assert settings.admin_web_url == url


def test_redaction_covers_every_logger_and_exceptions(caplog: pytest.LogCaptureFixture) -> None:
    install_redaction(TOKEN)
    caplog.set_level(logging.DEBUG)
    logging.getLogger("httpx").info("HTTP Request: POST https://api/bot%s/getMe", TOKEN)
    try:
        raise RuntimeError(f"failed https://api/bot{TOKEN}/sendMessage")
    except RuntimeError:
        logging.getLogger("x").exception("boom")
    secret_half = TOKEN.split(":")[1]
    assert "<redacted>" in caplog.text
    assert TOKEN not in caplog.text and secret_half not in caplog.text


def test_configure_logging_quietens_http_logs() -> None:
    configure_logging(load_settings({"BOT_TOKEN": TOKEN, "LOG_LEVEL": "DEBUG"}))
    assert logging.getLogger("httpx").level == logging.WARNING
    assert logging.getLogger().level == logging.DEBUG


def test_a_failed_last_poll_at_shutdown_is_one_warning_without_a_traceback() -> None:
    """PTB logs it as an ERROR with a traceback whenever the Bot API went away first."""
    try:
        raise ConnectionError("connect call failed")
    except ConnectionError as exc:
        record = logging.LogRecord(
            "telegram.ext.Updater",
            logging.ERROR,
            __file__,
            1,
            "Error while calling `get_updates` one more time to mark all fetched updates. %s",
            ("Suppressing error to ensure graceful shutdown.",),
            (type(exc), exc, exc.__traceback__),
        )
    other = logging.LogRecord("telegram.ext.Updater", logging.ERROR, __file__, 1, "x", (), None)
    assert ShutdownPollFailure().filter(record) and ShutdownPollFailure().filter(other)
    assert (record.levelno, record.exc_info) == (logging.WARNING, None)
    assert "may be delivered again" in record.getMessage()
    assert other.levelno == logging.ERROR  # anything else is left as it was
    configure_logging(load_settings({"BOT_TOKEN": TOKEN}))
    filters = logging.getLogger("telegram.ext.Updater").filters
    assert [type(f) for f in filters].count(ShutdownPollFailure) == 1


@pytest.mark.parametrize(
    ("env", "line"),
    [
        ({}, "backstride: BOT_TOKEN is not set"),
        ({"BOT_TOKEN": "oops"}, "backstride: BOT_TOKEN is malformed"),
    ],
)
def test_missing_token_exits_non_zero_with_one_clear_line(
    tmp_path: Path, env: dict[str, str], line: str
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(line), result.stderr


def test_check_schedules_command(tmp_path: Path) -> None:
    ok = subprocess.run(
        [sys.executable, "-m", "bot", "check-schedules", str(REPO / "schedules")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    (tmp_path / "tips").mkdir()
    (tmp_path / "plan.yaml").write_text("slots: [{id: x}]\n")
    bad = subprocess.run(
        [sys.executable, "-m", "bot", "check-schedules", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 1
    assert bad.stdout.startswith("plan.yaml: slot #1: id: bad id 'x'"), bad.stdout
    assert "plan.yaml: slot #1: kind: missing" in bad.stdout
