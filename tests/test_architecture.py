"""The layers are checked by import-linter (the contracts live in pyproject.toml); this proves
the check can fail: a deliberate upward import in a copy of the package breaks it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _copy(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "bot", tmp_path / "bot", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_package_keeps_its_layers(tmp_path: Path) -> None:
    result = _lint(_copy(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout and "KEPT" in result.stdout


@pytest.mark.parametrize(
    ("module", "deliberate", "refusal"),
    [
        pytest.param(
            "planner.py",
            "import bot.storage.runners",
            "bot.core.planner -> bot.storage.runners",
            id="upward-import",
        ),
        pytest.param(
            "triage.py",
            "import telegram",
            "bot.core is not allowed to import telegram",
            id="core-imports-telegram",
        ),
    ],
)
def test_a_forbidden_import_is_refused(
    tmp_path: Path, module: str, deliberate: str, refusal: str
) -> None:
    root = _copy(tmp_path)
    source = root / "bot" / "core" / module
    source.write_text(source.read_text() + f"\n{deliberate}  # deliberate\n")
    result = _lint(root)
    assert result.returncode != 0
    assert refusal in result.stdout, result.stdout


# SQL as the code writes it: a statement keyword followed by what it works on, in a string.
_SQL = re.compile(
    r"""["'][^"'\n]*\b(SELECT\b.*\bFROM|INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE\s+\w+\s+SET|"""
    r"""DELETE\s+FROM|CREATE\s+(UNIQUE\s+)?(TABLE|INDEX))\b""",
    re.IGNORECASE,
)
_DB_CALLS = re.compile(r"\.(execute|executemany|query)\(")


def _sql_outside_storage(root: Path) -> list[str]:
    found = []
    for path in sorted((root / "bot").rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        if relative.startswith(("bot/storage/", "bot/testing/")):
            continue  # storage holds the SQL; the fake Bot API holds none but is test tooling
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if _SQL.search(line) or _DB_CALLS.search(line):
                found.append(f"{relative}:{number}: {line.strip()}")
    return found


def test_no_sql_outside_storage() -> None:
    assert _sql_outside_storage(REPO) == []


def test_the_sql_check_can_fail(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    handler = root / "bot" / "telegram" / "handlers" / "reminders.py"
    handler.write_text(
        handler.read_text() + '\nQUERY = "SELECT id FROM deliveries WHERE runner_id = ?"\n'
    )
    assert [line.split(":")[0] for line in _sql_outside_storage(root)] == [
        "bot/telegram/handlers/reminders.py"
    ]


_PRIVATE_PTB = re.compile(r"^\s*(from|import)\s+telegram(\.ext)?\._", re.MULTILINE)


def test_no_private_ptb_imports() -> None:
    """PTB's underscore modules change without notice between releases; use its public API."""
    found = [
        path.relative_to(REPO).as_posix()
        for path in sorted((REPO / "bot").rglob("*.py"))
        if _PRIVATE_PTB.search(path.read_text())
    ]
    assert found == []
