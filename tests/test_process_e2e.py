"""The bot as a host runs it: `python -m bot` in its own process, stopped with SIGTERM."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from bot.testing.botapi import FakeBotApi
from tests.conftest import TOKEN
from tests.helpers import spawn_bot


async def start_process(api: FakeBotApi, tmp_path: Path, **env: str) -> asyncio.subprocess.Process:
    return await spawn_bot(api, tmp_path, asyncio.subprocess.PIPE, log_level="DEBUG", **env)


async def test_run_command_answers_start_and_stops_cleanly_without_leaking(
    api: FakeBotApi, tmp_path: Path
) -> None:
    process = await start_process(api, tmp_path)
    try:
        api.send_command(1001, "/start")
        welcome = await api.next_message(1001, timeout=20)
        assert "Welcome to BackStride" in welcome.text
        await api.next_message(1001)
        api.send_text(1001, "Secret Lane Springfield my back hurts 7")
        await api.next_message(1001)  # "couldn't find a time zone"
        api.send_text(1001, "Berlin")
        await api.next_message(1001)
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=10)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    logs = stderr.decode()
    assert process.returncode == 0, logs
    assert "BackStride is running" in logs
    assert TOKEN not in logs and TOKEN.split(":")[1] not in logs
    assert "Secret Lane" not in logs and "my back hurts" not in logs
    assert (tmp_path / "backstride.db").exists(), "DATABASE_PATH defaults to the working directory"


async def test_invalid_schedules_on_first_start_exit_with_a_clear_message(
    api: FakeBotApi, tmp_path: Path
) -> None:
    broken = tmp_path / "schedules"
    (broken / "tips").mkdir(parents=True)
    (broken / "plan.yaml").write_text("slots: nope\n")
    process = await start_process(api, tmp_path, SCHEDULES_DIR=str(broken))
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=20)
    assert process.returncode == 1
    assert "plan.yaml" in stderr.decode()
    assert TOKEN not in stderr.decode()
