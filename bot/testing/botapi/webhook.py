"""Push updates to the bot's webhook like Telegram: one at a time, in order, retried until 2xx."""

from __future__ import annotations

import asyncio
import contextlib
import time

import aiohttp

from .state import BotApiState

__all__ = ["WebhookPusher"]


class WebhookPusher:
    """Runs while a webhook is set; ``ensure_running`` after every setWebhook/deleteWebhook."""

    def __init__(
        self,
        state: BotApiState,
        *,
        retry_delay: float = 0.2,
        max_retry_delay: float = 2.0,
        request_timeout: float = 10.0,
    ) -> None:
        self.state = state
        self.retry_delay = retry_delay
        self.max_retry_delay = max_retry_delay
        self.request_timeout = request_timeout
        self._task: asyncio.Task[None] | None = None

    def ensure_running(self) -> None:
        if self.state.webhook.url and (self._task is None or self._task.done()):
            self._task = asyncio.get_running_loop().create_task(
                self._run(), name="fake-botapi-webhook"
            )

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        state = self.state
        timeout = aiohttp.ClientTimeout(total=self.request_timeout)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            failures = 0
            while state.webhook.url and not state._closing:
                pending = state._deliverable(state.webhook.allowed_updates, 1)
                if not pending:
                    await state.wait_change(None)
                    continue
                update = pending[0]
                error = await self._post(session, update)
                if error is None:
                    failures = 0
                    state.webhook.deliveries += 1
                    state._remove_update(update["update_id"])
                    continue
                failures += 1
                state.webhook.failures += 1
                state.webhook.last_error_date = int(time.time())
                state.webhook.last_error_message = error
                state._notify()
                delay = min(self.retry_delay * 2 ** (failures - 1), self.max_retry_delay)
                await asyncio.sleep(delay)

    async def _post(self, session: aiohttp.ClientSession, update: dict[str, object]) -> str | None:
        """POST one update; None on success, else Telegram's last_error_message."""
        hook = self.state.webhook
        headers = {"Content-Type": "application/json"}
        if hook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = hook.secret_token
        try:
            async with session.post(hook.url, json=update, headers=headers) as response:
                await response.read()
                if 200 <= response.status < 300:
                    return None
                return f"Wrong response from the webhook: {response.status} {response.reason}"
        except TimeoutError:
            return "Read timeout expired"
        except aiohttp.ClientError as exc:
            return f"Connection failed: {exc.__class__.__name__}"
