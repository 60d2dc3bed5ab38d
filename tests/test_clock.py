"""bot.core.clock.parse_clock: the times runners type, as a table."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.core.clock import parse_clock

ACCEPTED = [
    ("7", dt.time(7, 0)),
    ("07:30", dt.time(7, 30)),
    ("7.30", dt.time(7, 30)),
    ("730", dt.time(7, 30)),
    ("0730", dt.time(7, 30)),
    ("19:05", dt.time(19, 5)),
    (" 18.30 ", dt.time(18, 30)),
    ("7am", dt.time(7, 0)),
    ("6:15pm", dt.time(18, 15)),
    ("7.30 PM", dt.time(19, 30)),
    ("7 a.m.", dt.time(7, 0)),
    ("12am", dt.time(0, 0)),
    ("12pm", dt.time(12, 0)),
    ("noon", dt.time(12, 0)),
    ("Noon", dt.time(12, 0)),
    ("midday", dt.time(12, 0)),
    ("12 noon", dt.time(12, 0)),
    ("midnight", dt.time(0, 0)),
    ("MIDNIGHT ", dt.time(0, 0)),
    ("18h", dt.time(18, 0)),
    ("18h30", dt.time(18, 30)),
    ("18 h 30", dt.time(18, 30)),
    ("7h05", dt.time(7, 5)),
    ("24:00", dt.time(0, 0)),
    ("24h", dt.time(0, 0)),
    ("00:00", dt.time(0, 0)),
    ("23:59", dt.time(23, 59)),
]

REFUSED = [
    "",
    "   ",
    "25:00",
    "24:30",
    "24:01",
    "7:60",
    "13pm",
    "0am",
    "noonish",
    "about noon",
    "midnight pm",
    "soon",
    "25:99",
    "18h3",
    "h30",
    "7::30",
    "12345",
    "7:30:00",
    "-7:00",
]


@pytest.mark.parametrize(("text", "expected"), ACCEPTED)
def test_accepted(text: str, expected: dt.time) -> None:
    assert parse_clock(text) == expected


@pytest.mark.parametrize("text", REFUSED)
def test_refused(text: str) -> None:
    assert parse_clock(text) is None
