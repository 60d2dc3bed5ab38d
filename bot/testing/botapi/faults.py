"""Injected failures: ``fail_next`` rules and random ``chaos``, decided per API call."""

from __future__ import annotations

import random
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["FAULT_KINDS", "SENDING_METHODS", "ChaosConfig", "Fault", "FaultInjector", "FaultKind"]

FaultKind = Literal["429", "500", "502", "403", "400", "timeout", "drop", "drop_after_send", "slow"]
FAULT_KINDS: frozenset[str] = frozenset(
    {"429", "500", "502", "403", "400", "timeout", "drop", "drop_after_send", "slow"}
)
#: Methods a rule without ``method=`` applies to (the ones that deliver a message).
SENDING_METHODS: frozenset[str] = frozenset({"sendmessage", "sendphoto", "senddocument"})


@dataclass(frozen=True)
class Fault:
    """What to do to one call instead of (or around) answering it normally."""

    kind: str
    retry_after: int = 1
    delay: float = 0.0  # "slow": seconds to wait before answering normally
    description: str | None = None


@dataclass
class _Rule:
    kind: str
    remaining: int
    methods: frozenset[str] | None  # lower-case names; None = every method
    chat_id: int | str | None
    retry_after: int
    description: str | None
    delay: float


@dataclass
class ChaosConfig:
    p429: float = 0.10
    retry_after: tuple[int, int] = (1, 5)
    p500: float = 0.05
    pslow: float = 0.05
    slow_seconds: float = 2.0
    pdrop: float = 0.02
    seed: int | None = 1
    methods: frozenset[str] = field(default_factory=lambda: frozenset({"sendmessage"}))
    rng: random.Random = field(default_factory=random.Random)


def _method_set(method: str | Iterable[str] | None) -> frozenset[str] | None:
    if method is None:
        return SENDING_METHODS
    names = [method] if isinstance(method, str) else list(method)
    if "*" in names:
        return None
    return frozenset(name.lower() for name in names)


def _same_chat(wanted: int | str, got: Any) -> bool:
    return str(wanted) == str(got)


class FaultInjector:
    def __init__(self) -> None:
        self._rules: list[_Rule] = []
        self.chaos: ChaosConfig | None = None

    def clear(self) -> None:
        self._rules.clear()
        self.chaos = None

    def add(
        self,
        n: int,
        kind: str,
        *,
        method: str | Iterable[str] | None = None,
        chat_id: int | str | None = None,
        retry_after: int = 1,
        description: str | None = None,
        delay: float = 2.0,
    ) -> None:
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; use one of {sorted(FAULT_KINDS)}")
        if n < 1:
            raise ValueError("n must be at least 1")
        self._rules.append(
            _Rule(kind, n, _method_set(method), chat_id, retry_after, description, delay)
        )

    def set_chaos(
        self,
        *,
        p429: float,
        retry_after: tuple[int, int],
        p500: float,
        pslow: float,
        slow_seconds: float,
        pdrop: float,
        seed: int | None,
        methods: Collection[str],
    ) -> None:
        if p429 + p500 + pslow + pdrop > 1.0:
            raise ValueError("chaos probabilities add up to more than 1")
        self.chaos = ChaosConfig(
            p429=p429,
            retry_after=retry_after,
            p500=p500,
            pslow=pslow,
            slow_seconds=slow_seconds,
            pdrop=pdrop,
            seed=seed,
            methods=frozenset(m.lower() for m in methods),
            rng=random.Random(seed),
        )

    @property
    def pending(self) -> int:
        """How many rule-based failures are still armed."""
        return sum(rule.remaining for rule in self._rules)

    def take(self, method: str, params: dict[str, Any]) -> Fault | None:
        """The fault for this call (consuming a rule), or None to answer normally."""
        low = method.lower()
        for rule in self._rules:
            if rule.methods is not None and low not in rule.methods:
                continue
            if rule.chat_id is not None and not _same_chat(rule.chat_id, params.get("chat_id")):
                continue
            rule.remaining -= 1
            if rule.remaining <= 0:
                self._rules.remove(rule)
            return Fault(rule.kind, rule.retry_after, rule.delay, rule.description)
        return self._roll_chaos(low)

    def _roll_chaos(self, low: str) -> Fault | None:
        chaos = self.chaos
        if chaos is None or low not in chaos.methods:
            return None
        roll = chaos.rng.random()
        if roll < chaos.p429:
            return Fault("429", retry_after=chaos.rng.randint(*chaos.retry_after))
        roll -= chaos.p429
        if roll < chaos.p500:
            return Fault("500")
        roll -= chaos.p500
        if roll < chaos.pslow:
            return Fault("slow", delay=chaos.slow_seconds)
        roll -= chaos.pslow
        if roll < chaos.pdrop:
            return Fault("drop")
        return None
