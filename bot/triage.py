"""The check-in triage's fixed interface, importable as ``bot.triage`` (the clinical safety
issue promises it); the code lives in the pure core, :mod:`bot.core.triage`."""

from bot.core.triage import (
    CHECKLIST_ORDER,
    EMERGENCY_FLAGS,
    REASON_LEVEL,
    URGENT_FLAGS,
    Answers,
    Level,
    PastCheckIn,
    Radiation,
    RedFlag,
    RiskFactor,
    Verdict,
    assess,
)

__all__ = [
    "CHECKLIST_ORDER",
    "EMERGENCY_FLAGS",
    "REASON_LEVEL",
    "URGENT_FLAGS",
    "Answers",
    "Level",
    "PastCheckIn",
    "Radiation",
    "RedFlag",
    "RiskFactor",
    "Verdict",
    "assess",
]
