"""Wall-clock times typed by a runner: ``parse_clock`` (pure, no clock of its own).

Accepts the forms the planner's first parser did (``7``, ``07:30``, ``7.30``, ``730``, ``7pm``)
and the words and forms runners actually type: ``noon``, ``midnight``, ``18h``,
``18h30`` and ``24:00`` (the end of the day, read as 00:00).
"""

from __future__ import annotations

import re
from datetime import time

__all__ = ["parse_clock"]

_WORDS = {
    "noon": time(12, 0),
    "midday": time(12, 0),
    "12 noon": time(12, 0),
    "midnight": time(0, 0),
    "12 midnight": time(0, 0),
}

_CLOCK_RE = re.compile(
    r"""
    (?:
        (?P<hour>[0-9]{1,2})
        (?: \s* [:.] \s* (?P<minute>[0-9]{2})                           # 7:30  7.30
          | \s* h (?: \s* (?P<hminute>[0-9]{2}) )?                      # 18h  18h30
        )?
      | (?P<chour>[0-9]{1,2}) (?P<cminute>[0-9]{2})                     # 730  0730  1905
    )
    \s*
    (?: (?P<meridiem>[ap]) \.? \s* m \.? )?                              # am  pm  a.m.  PM
    """,
    re.VERBOSE | re.ASCII | re.IGNORECASE,
)


def parse_clock(text: str) -> time | None:
    """A wall-clock time from forgiving user input, or None if it is not one.

    Accepts 24-hour ``7``, ``07:30``, ``7.30``, ``730``, ``0730``, ``19:05``, ``18h``,
    ``18h30``, 12-hour ``7am``, ``7:30pm``, ``7.30 PM`` (``12am`` is 00:00, ``12pm`` is 12:00),
    the words ``noon``, ``midday`` and ``midnight``, and ``24:00`` (= 00:00). Refuses
    ``24:30``, ``25:00``, ``7:60``, ``13pm``, ``0am``, ``noonish`` and anything else.
    """
    cleaned = " ".join(text.split()).lower()
    if cleaned in _WORDS:
        return _WORDS[cleaned]
    match = _CLOCK_RE.fullmatch(cleaned)
    if match is None:
        return None
    if match["hour"] is not None:
        hour = int(match["hour"])
        minute_text = match["minute"] or match["hminute"]
    else:
        hour = int(match["chour"])
        minute_text = match["cminute"]
    minute = int(minute_text) if minute_text is not None else 0
    if minute > 59:
        return None
    meridiem = match["meridiem"]
    if meridiem is not None:
        if not 1 <= hour <= 12:
            return None
        hour %= 12
        if meridiem == "p":
            hour += 12
    elif hour == 24 and minute == 0:
        hour = 0  # 24:00, the end of the day: the same wall clock as 00:00
    elif hour > 23:
        return None
    return time(hour, minute)
