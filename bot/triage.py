"""The check-in triage's fixed interface, importable as ``bot.triage`` (the clinical safety
issue promises it); the code lives in the pure core, :mod:`bot.core.triage`, whose
``__all__`` is the interface."""

from bot.core.triage import *  # noqa: F403
from bot.core.triage import __all__ as __all__
