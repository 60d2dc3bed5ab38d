"""Read a schedules directory: ``plan.yaml``, ``tips/*.yaml`` and the tips in the other
languages (``tips/<language>/*.yaml``), checked across files.

The only part of the package that touches the file system.
"""

from __future__ import annotations

from pathlib import Path

from bot.core import i18n
from bot.core.content.parse import parse_plan, parse_tip_texts, parse_tips
from bot.core.content.schema import (
    PLAN_FILE,
    TIPS_DIR,
    ContentError,
    Library,
    _line,
    family_gaps,
)
from bot.core.models import EDUCATION_CATEGORY, TIP_CATEGORIES, Slot, SlotKind, Tip, TipText

__all__ = ["check_schedules", "load_schedules"]


def _read_text(path: Path, file: str, errors: list[str]) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        errors.append(_line(file, "file", "encoding", f"not valid UTF-8 (byte {exc.start + 1})"))
    except OSError as exc:
        errors.append(_line(file, "file", "path", f"cannot read ({exc.strerror or exc})"))
    return None


def load_schedules(directory: Path) -> Library:
    """Read ``plan.yaml`` and ``tips/*.yaml`` under ``directory``.

    Every problem in every file is collected before one ContentError is raised; nothing is
    returned partially. Cross-file checks: tip ids are unique across the library, and every
    category a slot uses has at least one active tip.
    """
    directory = Path(directory)
    errors: list[str] = []
    if not directory.is_dir():
        problem = "not a directory" if directory.exists() else "directory not found"
        raise ContentError([_line(str(directory), "file", "path", problem)])

    slots: tuple[Slot, ...] | None = None
    plan_path = directory / PLAN_FILE
    if not plan_path.is_file():
        errors.append(_line(PLAN_FILE, "file", "path", f"missing (expected {plan_path})"))
    else:
        text = _read_text(plan_path, PLAN_FILE, errors)
        if text is not None:
            try:
                slots = parse_plan(text, PLAN_FILE)
            except ContentError as exc:
                errors.extend(exc.errors)

    tips_dir = directory / TIPS_DIR
    by_category: dict[str, tuple[Tip, ...]] = {}
    failed_categories: set[str] = set()
    where_id: dict[str, str] = {}
    if not tips_dir.is_dir():
        errors.append(_line(f"{TIPS_DIR}/", "file", "path", f"directory not found ({tips_dir})"))
    else:
        for path in sorted(tips_dir.iterdir()):
            file = f"{TIPS_DIR}/{path.name}"
            if path.name.startswith(".") or path.is_dir() or not path.is_file():
                continue
            if path.suffix == ".yml":
                errors.append(_line(file, "file", "path", "use the .yaml extension"))
                continue
            if path.suffix != ".yaml":
                continue
            text = _read_text(path, file, errors)
            if text is None:
                failed_categories.add(path.stem)
                continue
            try:
                tips = parse_tips(text, file)
            except ContentError as exc:
                errors.extend(exc.errors)
                failed_categories.add(path.stem)
                continue
            for tip in tips:
                if tip.id in where_id:
                    errors.append(
                        _line(
                            file, f"tip {tip.id}", "id", f"duplicate id, also in {where_id[tip.id]}"
                        )
                    )
                else:
                    where_id[tip.id] = file
            by_category[path.stem] = tips

    if slots is not None and tips_dir.is_dir():
        for slot in slots:
            for category in slot.categories:
                if category in failed_categories:
                    continue
                if not any(t.active for t in by_category.get(category, ())):
                    errors.append(
                        _line(
                            PLAN_FILE,
                            f"slot {slot.id}",
                            "categories",
                            f"no active tip in category {category!r} "
                            f"(add one to {TIPS_DIR}/{category}.yaml)",
                        )
                    )

    everything = [t for tips in by_category.values() for t in tips]
    for tip, field, problem in family_gaps(everything):
        errors.append(_line(where_id.get(tip.id, TIPS_DIR), f"tip {tip.id}", field, problem))
    if slots is not None and tips_dir.is_dir():
        errors.extend(_programme_problems(slots, everything, failed_categories))

    translations: list[TipText] = []
    if tips_dir.is_dir():
        translations = _translations(tips_dir, by_category, failed_categories, errors)

    if errors or slots is None:
        raise ContentError(errors)
    ordered = tuple(t for c in TIP_CATEGORIES for t in by_category.get(c, ()))
    return Library(slots=slots, tips=ordered, translations=tuple(translations))


def _translations(
    tips_dir: Path,
    by_category: dict[str, tuple[Tip, ...]],
    failed_categories: set[str],
    errors: list[str],
) -> list[TipText]:
    """``tips/<language>/<category>.yaml`` for each shipped language other than English: the
    same tip ids as the English category file, validated the same way. A tip a language lacks
    is not an error (it is sent in English; ``Library.translation_gaps`` lists them)."""
    others = [lang for lang in i18n.LANGUAGES if lang != i18n.DEFAULT]
    found: list[TipText] = []
    for directory in sorted(p for p in tips_dir.iterdir() if p.is_dir()):
        if directory.name.startswith(".") or directory.name == "__pycache__":
            continue
        where = f"{TIPS_DIR}/{directory.name}/"
        if directory.name not in others:
            shipped = ", ".join(others)
            problem = f"not a language BackStride ships ({shipped}): tips in it would never be sent"
            errors.append(_line(where, "file", "path", problem))
            continue
        for path in sorted(directory.iterdir()):
            file = f"{where}{path.name}"
            if (
                path.name.startswith(".")
                or not path.is_file()
                or path.suffix not in (".yaml", ".yml")
            ):
                continue
            if path.suffix == ".yml":
                errors.append(_line(file, "file", "path", "use the .yaml extension"))
                continue
            if path.stem in failed_categories:
                continue  # the English file's problems are reported already
            if path.stem not in by_category:
                problem = f"no English file {TIPS_DIR}/{path.stem}.yaml for these tips"
                errors.append(_line(file, "file", "path", problem))
                continue
            text = _read_text(path, file, errors)
            if text is None:
                continue
            english = {t.id: t for t in by_category[path.stem]}
            try:
                found.extend(parse_tip_texts(text, file, directory.name, english))
            except ContentError as exc:
                errors.extend(exc.errors)
    return found


def _programme_problems(
    slots: tuple[Slot, ...], tips: list[Tip], failed_categories: set[str]
) -> list[str]:
    """A session slot needs an exercise family among its categories; an education slot needs
    active education tips."""
    problems: list[str] = []
    for slot in slots:
        families = any(t.family and t.active and t.category in slot.categories for t in tips)
        lessons = any(t.active and t.category == EDUCATION_CATEGORY for t in tips)
        session_unreadable = bool(set(slot.categories) & failed_categories)
        if slot.kind is SlotKind.SESSION and not families and not session_unreadable:
            problems.append(
                _line(
                    PLAN_FILE,
                    f"slot {slot.id}",
                    "categories",
                    "no exercise family in these categories (a session sends the runner's "
                    "level in each family: give tips a family and level)",
                )
            )
        lessons_unreadable = EDUCATION_CATEGORY in failed_categories
        if slot.kind is SlotKind.EDUCATION and not lessons and not lessons_unreadable:
            problems.append(
                _line(
                    PLAN_FILE,
                    f"slot {slot.id}",
                    "kind",
                    f"no active tip in {TIPS_DIR}/{EDUCATION_CATEGORY}.yaml to send",
                )
            )
    return problems


def check_schedules(directory: Path) -> list[str]:
    """The problems :func:`load_schedules` would raise for ``directory``; [] when valid."""
    try:
        load_schedules(directory)
    except ContentError as exc:
        return list(exc.errors)
    return []
