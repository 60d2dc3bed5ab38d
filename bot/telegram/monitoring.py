"""Numbers to watch (Prometheus, at ``/metrics``) and a health check (``/healthz``).

The counters live in their own ``CollectorRegistry`` (several bots may run in one test process);
the sender and the tick count into them as they work, and what only the database knows (the
queue by priority, verdicts by level) is read when Prometheus scrapes. Counts only: never a
runner's id, text or answer. Served by aiohttp, already a dependency, in the bot's own event
loop, on ``METRICS_PORT`` (off when 0).

``/healthz`` answers 200 when all is well and 503 with the reasons when the tick is stale (no
successful tick for three intervals), a background loop has died, or the database cannot be
written to; a host's supervisor or load balancer can act on it.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import prometheus_client as prometheus
from aiohttp import web

from bot.core.models import Outcome
from bot.core.triage import Level
from bot.services import health
from bot.services.runtime import Store

log = logging.getLogger(__name__)

STALE_AFTER_TICKS = 3
STALE_AT_LEAST = dt.timedelta(seconds=60)


class Metrics:
    """The bot's counters and gauges, in a registry of their own."""

    def __init__(self) -> None:
        self.registry = prometheus.CollectorRegistry()
        r = self.registry
        self.sends = prometheus.Counter(
            "backstride_sends", "Outbox messages by outcome", ["outcome"], registry=r
        )
        self.flood_waits = prometheus.Counter(
            "backstride_telegram_429", "HTTP 429 answers from Telegram (retry_after)", registry=r
        )
        self.queue_depth = prometheus.Gauge(
            "backstride_queue_depth", "Outbox rows waiting, by priority", ["priority"], registry=r
        )
        self.tick_seconds = prometheus.Histogram(
            "backstride_tick_duration_seconds",
            "One tick: claim, check-in sweeps and expiry",
            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30),
            registry=r,
        )
        self.tick_last = prometheus.Gauge(
            "backstride_tick_last_seconds", "Duration of the last finished tick", registry=r
        )
        self.tick_age = prometheus.Gauge(
            "backstride_tick_age_seconds", "Seconds since the last successful tick", registry=r
        )
        self.claimed = prometheus.Histogram(
            "backstride_claim_size",
            "Outbox rows one tick queued",
            buckets=(0, 1, 10, 100, 1_000, 10_000, 100_000),
            registry=r,
        )
        self.loop_failures = prometheus.Counter(
            "backstride_loop_failures",
            "Background loop iterations that failed (they back off and retry)",
            ["loop"],
            registry=r,
        )
        self.verdicts = prometheus.Gauge(
            "backstride_checkin_verdicts",
            "Answered check-ins by verdict level, all time",
            ["level"],
            registry=r,
        )
        self.last_tick_at: dt.datetime | None = None

    def outcomes(self, outcomes: Sequence[Outcome]) -> None:
        for outcome in outcomes:
            if outcome.status == "pending" and outcome.reason == "flood":
                self.flood_waits.inc()
            self.sends.labels(outcome.status).inc()

    def tick(self, seconds: float, claimed: int, at: dt.datetime) -> None:
        self.tick_seconds.observe(seconds)
        self.tick_last.set(seconds)
        self.claimed.observe(claimed)
        self.last_tick_at = at

    def loop_failed(self, loop: str) -> None:
        self.loop_failures.labels(loop).inc()


@dataclass
class Health:
    """What /healthz looks at; the callables are read at each request."""

    metrics: Metrics
    store: Store
    clock: Callable[[], dt.datetime]
    tick_interval: dt.timedelta
    dead_loops: Callable[[], list[str]] = field(default=list)

    def tick_age(self) -> dt.timedelta | None:
        """Time since the last successful tick (None: none yet), also set on the gauge."""
        last = self.metrics.last_tick_at
        if last is None:
            return None
        age = self.clock() - last
        self.metrics.tick_age.set(max(0.0, age.total_seconds()))
        return age

    async def check(self) -> list[str]:
        """What is wrong, in words; empty when all is well."""
        problems: list[str] = []
        age = self.tick_age()
        if age is None or age > max(self.tick_interval * STALE_AFTER_TICKS, STALE_AT_LEAST):
            problems.append("tick is stale")
        problems += [f"loop {name} has stopped" for name in self.dead_loops()]
        try:
            if not await self.store.run(health.writable):
                problems.append("database is not writable")
        except Exception as exc:  # the database itself is failing
            problems.append(f"database: {type(exc).__name__}")
        return problems


class MonitoringServer:
    def __init__(self, health_check: Health, host: str, port: int) -> None:
        self.health = health_check
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/metrics", self._metrics)
        app.router.add_get("/healthz", self._healthz)
        # access_log=None: no line per scrape (and nothing about who asked).
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        log.info("metrics and health on port %d", self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _metrics(self, request: web.Request) -> web.Response:
        metrics = self.health.metrics
        self.health.tick_age()
        try:
            counts = await self.health.store.run(health.counts)
        except Exception as exc:  # the database is failing: serve what is in memory
            log.debug("metrics without database counts (%s)", type(exc).__name__)
        else:
            metrics.queue_depth.clear()
            for priority, count in counts.queue_depth.items():
                metrics.queue_depth.labels(str(priority)).set(count)
            for level in Level:
                metrics.verdicts.labels(level.name.lower()).set(counts.verdicts.get(int(level), 0))
        body = prometheus.generate_latest(metrics.registry)
        return web.Response(body=body, headers={"Content-Type": prometheus.CONTENT_TYPE_LATEST})

    async def _healthz(self, request: web.Request) -> web.Response:
        problems = await self.health.check()
        body = json.dumps({"ok": not problems, "problems": problems})
        return web.Response(
            text=body, status=503 if problems else 200, content_type="application/json"
        )
