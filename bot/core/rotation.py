"""Tip rotation (pure): which tip a runner gets next from a slot's categories."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.models import EDUCATION_CATEGORY, Tip


def tips_by_category(tips: Sequence[Tip]) -> dict[str, list[Tip]]:
    """Active tips by category, in the file's order (beginner to harder), education left out:
    those go once each, in order, through their own slot."""
    grouped: dict[str, list[Tip]] = {}
    for tip in sorted(tips, key=lambda t: (t.position, t.id)):
        if tip.active and tip.category != EDUCATION_CATEGORY:
            grouped.setdefault(tip.category, []).append(tip)
    return grouped


def pick_tip(
    runner_id: int,
    categories: Sequence[str],
    library: dict[str, list[Tip]],
    counts: dict[tuple[int, str], int],
    slot_key: str,
) -> Tip | None:
    """Next tip for this runner: categories take turns, and within a category every tip comes
    once before any repeats, in the file's order (beginner to harder: a per-runner cursor over
    the category, from its first tip). Updates `counts` in place."""
    usable = [c for c in categories if library.get(c)]
    if not usable:
        return None
    slot_turn = counts.get((runner_id, slot_key), 0)
    counts[(runner_id, slot_key)] = slot_turn + 1
    category = usable[slot_turn % len(usable)]
    pool = library[category]
    key = f"cat:{category}"
    turn = counts.get((runner_id, key), 0)
    counts[(runner_id, key)] = turn + 1
    return pool[turn % len(pool)]
