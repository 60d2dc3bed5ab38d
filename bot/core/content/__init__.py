"""Load, validate and write the schedules on disk: ``plan.yaml`` and ``tips/<category>.yaml``.

Pure except :func:`load_schedules` and :func:`check_schedules`, which read files. A file with a
problem is refused as a whole; every problem is one line ``file: entry: field: problem``:

* ``file`` is the file name relative to the schedules directory (``plan.yaml``,
  ``tips/form.yaml``), or the ``where`` argument of :func:`validate_tip` / :func:`validate_slot`;
* ``entry`` is ``tip <id>`` / ``slot <id>``, ``tip #N`` / ``slot #N`` (1-based) when the entry has
  no usable id, or ``file`` for problems with the file as a whole;
* ``field`` names the field (``body``, ``anchor``, ...; ``yaml`` for syntax problems, ``path`` for
  missing files, ``entry`` when an entry is not a mapping at all).

The package, one job a module (import from ``bot.core.content``, not from them):

* ``html``: whether Telegram's HTML parse mode accepts a text; the text without tags;
* ``schema``: file names, limits, ContentError, Library and the field checks both sides share;
* ``validate``: one tip or slot as a model (admin edits made in Telegram);
* ``yamlio``: reading YAML with every problem reported, and writing the files' own style;
* ``parse``: the text of ``plan.yaml`` and ``tips/<category>.yaml`` into slots and tips;
* ``load``: a schedules directory, with the checks across files.
"""

from __future__ import annotations

from bot.core.content.html import plain_text, telegram_html_problem
from bot.core.content.load import check_schedules, load_schedules
from bot.core.content.parse import parse_plan, parse_tip_texts, parse_tips
from bot.core.content.schema import (
    ANCHOR_MINUTES_MAX,
    PLAN_FILE,
    SLOT_TITLE_MAX,
    TIP_BODY_MAX,
    TIP_SOURCE_MAX,
    TIP_TITLE_MAX,
    TIP_WHY_MAX,
    TIPS_DIR,
    ContentError,
    Library,
    family_gaps,
)
from bot.core.content.validate import validate_slot, validate_tip
from bot.core.content.yamlio import PLAN_HEADER, dump_plan, dump_tips

__all__ = [
    "ANCHOR_MINUTES_MAX",
    "PLAN_FILE",
    "PLAN_HEADER",
    "SLOT_TITLE_MAX",
    "TIPS_DIR",
    "TIP_BODY_MAX",
    "TIP_SOURCE_MAX",
    "TIP_TITLE_MAX",
    "TIP_WHY_MAX",
    "ContentError",
    "Library",
    "check_schedules",
    "dump_plan",
    "dump_tips",
    "family_gaps",
    "load_schedules",
    "parse_plan",
    "parse_tip_texts",
    "parse_tips",
    "plain_text",
    "telegram_html_problem",
    "validate_slot",
    "validate_tip",
]
