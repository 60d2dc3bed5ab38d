"""The layers are checked by import-linter (the contracts live in pyproject.toml); this proves
the check can fail: a deliberate upward import in a copy of the package breaks it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

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


def test_an_upward_import_is_refused(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    planner = root / "bot" / "core" / "planner.py"
    planner.write_text(planner.read_text() + "\nimport bot.storage.runners  # deliberate\n")
    result = _lint(root)
    assert result.returncode != 0
    assert "bot.core.planner -> bot.storage.runners" in result.stdout, result.stdout


def test_the_core_may_not_import_telegram(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    triage = root / "bot" / "core" / "triage.py"
    triage.write_text(triage.read_text() + "\nimport telegram  # deliberate\n")
    result = _lint(root)
    assert result.returncode != 0
    assert "bot.core is not allowed to import telegram" in result.stdout, result.stdout
