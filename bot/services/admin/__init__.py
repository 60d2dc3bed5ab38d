"""Admin operations over the database: the service layer behind ``/admin`` (issue 5).

Every function here runs on the database thread (``Store.run``) and takes the ``Database``
first. Each change is one transaction that validates the new state exactly as the files are
validated (``bot.core.content``), writes it, writes an ``audit`` row (who, when, what, before
and after), and recomputes the affected runners' ``schedule`` rows, so that the next tick sends
the new plan. Nothing here talks to Telegram.

One module a job (import from ``bot.services.admin``, not from them): ``slots`` (with the
rescheduling rules for a slot edit), ``tips``, ``reimport`` (schedules/ -> database),
``export`` (database -> files), ``stats``, ``audit``, ``announcements``, ``drafts``;
``common`` holds AdminError and the button refs.
"""

from __future__ import annotations

from bot.services.admin.announcements import (
    ANNOUNCEMENT_MAX,
    Announcement,
    announcement_progress,
    announcement_reach,
    cancel_announcement,
    queue_announcement,
    recent_announcements,
    validate_announcement,
)
from bot.services.admin.audit import AuditEntry, audit_list, summarise_change
from bot.services.admin.common import AdminError, find_ref, ref
from bot.services.admin.drafts import DRAFT_TTL, Draft, clear_draft, load_draft, save_draft
from bot.services.admin.export import export_schedules
from bot.services.admin.reimport import (
    ImportDiff,
    diff_library,
    forgotten_tips,
    reimport_apply,
    reimport_diff,
)
from bot.services.admin.slots import (
    PREVIEW_RUNNER,
    SlotChange,
    SlotView,
    add_slot,
    list_slots,
    new_slot_options,
    plan_for_preview,
    preview_days,
    replan_slot,
    set_slot_anchor,
    set_slot_days,
    set_slot_weekly,
    toggle_slot,
)
from bot.services.admin.stats import Stats, stats
from bot.services.admin.tips import (
    TIPS_PER_PAGE,
    TipChange,
    add_tip,
    edit_tip,
    list_tips,
    new_tip_id,
    parse_tip_message,
    reactivate_tip,
    retire_tip,
)

__all__ = [
    "ANNOUNCEMENT_MAX",
    "DRAFT_TTL",
    "PREVIEW_RUNNER",
    "TIPS_PER_PAGE",
    "AdminError",
    "Announcement",
    "AuditEntry",
    "Draft",
    "ImportDiff",
    "SlotChange",
    "SlotView",
    "Stats",
    "TipChange",
    "add_slot",
    "add_tip",
    "announcement_progress",
    "announcement_reach",
    "audit_list",
    "cancel_announcement",
    "clear_draft",
    "diff_library",
    "edit_tip",
    "export_schedules",
    "find_ref",
    "forgotten_tips",
    "list_slots",
    "list_tips",
    "load_draft",
    "new_slot_options",
    "new_tip_id",
    "parse_tip_message",
    "plan_for_preview",
    "preview_days",
    "queue_announcement",
    "reactivate_tip",
    "recent_announcements",
    "ref",
    "reimport_apply",
    "reimport_diff",
    "replan_slot",
    "retire_tip",
    "save_draft",
    "set_slot_anchor",
    "set_slot_days",
    "set_slot_weekly",
    "stats",
    "summarise_change",
    "toggle_slot",
    "validate_announcement",
]
