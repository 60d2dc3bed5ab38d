"""Telegram's flood limits for message-sending calls, as the fake server enforces them."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["FloodLimiter"]


@dataclass
class _Bucket:
    tokens: float
    updated: float


class FloodLimiter:
    """Sliding 1-second windows overall, a token bucket per private chat, 20/min per group.

    Overall, sends without ``allow_paid_broadcast`` are limited to ``global_per_second`` (30)
    in any second; sends with it (paid broadcasts) to ``paid_per_second`` (1,000) in any second,
    counting every send. Paid sends do not use up the free 30/s (Telegram documents them as
    "ignoring broadcasting limits"). The per-chat and per-group limits hold either way.

    ``acquire`` either books the send and returns 0, or books nothing and returns the
    ``retry_after`` (whole seconds, at least 1) after which the same call would succeed.
    """

    def __init__(
        self,
        *,
        global_per_second: int = 30,
        paid_per_second: int = 1000,
        chat_burst: int = 3,
        chat_rate: float = 1.0,
        group_per_minute: int = 20,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.global_per_second = global_per_second
        self.paid_per_second = paid_per_second
        self.chat_burst = chat_burst
        self.chat_rate = chat_rate
        self.group_per_minute = group_per_minute
        self.clock = clock  # tests may swap in a fake clock
        self._global: deque[float] = deque()  # free sends (no allow_paid_broadcast)
        self._all: deque[float] = deque()  # every send, paid or not
        self._buckets: dict[int | str, _Bucket] = {}
        self._groups: dict[int | str, deque[float]] = {}

    def reset(self) -> None:
        self._global.clear()
        self._all.clear()
        self._buckets.clear()
        self._groups.clear()

    def acquire(self, chat_id: int | str, *, private: bool, paid: bool = False) -> int:
        now = self.clock()
        waits: list[float] = []

        for window in (self._global, self._all):
            while window and window[0] <= now - 1.0:
                window.popleft()
        overall = self._all if paid else self._global
        limit = self.paid_per_second if paid else self.global_per_second
        if len(overall) >= limit:
            waits.append(overall[0] + 1.0 - now)

        bucket: _Bucket | None = None
        group: deque[float] | None = None
        if private:
            bucket = self._buckets.setdefault(chat_id, _Bucket(float(self.chat_burst), now))
            bucket.tokens = min(
                float(self.chat_burst), bucket.tokens + (now - bucket.updated) * self.chat_rate
            )
            bucket.updated = now
            if bucket.tokens < 1.0:
                waits.append((1.0 - bucket.tokens) / self.chat_rate)
        else:
            group = self._groups.setdefault(chat_id, deque())
            while group and group[0] <= now - 60.0:
                group.popleft()
            if len(group) >= self.group_per_minute:
                waits.append(group[0] + 60.0 - now)

        if waits:
            return max(1, math.ceil(max(waits) - 1e-9))
        if not paid:
            self._global.append(now)
        self._all.append(now)
        if bucket is not None:
            bucket.tokens -= 1.0
        if group is not None:
            group.append(now)
        return 0
