"""What every admin operation shares: the error it raises, timestamps and button refs."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable

__all__ = ["DEFAULT_GRACE", "AdminError", "find_ref", "ref"]

DEFAULT_GRACE = dt.timedelta(minutes=120)  # Settings.grace_minutes' default


class AdminError(Exception):
    """An edit that cannot be made; ``problems`` are lines to show the admin as they are
    (``where: entry: field: problem`` for validation problems)."""

    def __init__(self, problems: Iterable[str] | str) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


def _ts(value: dt.datetime) -> int:
    return int(value.timestamp())


def ref(identifier: str) -> str:
    """A short, stable reference to a slot or tip id for button data (Telegram allows 64 bytes
    of callback data; ids may be 63 characters)."""
    return hashlib.sha256(identifier.encode()).hexdigest()[:10]


def find_ref(identifiers: Iterable[str], reference: str) -> str | None:
    """The one id whose `ref` is `reference`, or None (unknown, or ambiguous)."""
    found = [i for i in identifiers if ref(i) == reference]
    return found[0] if len(found) == 1 else None
