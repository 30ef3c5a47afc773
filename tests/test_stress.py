"""The fault suite (``make stress``): slow, so outside ``make test``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.stress
def test_builds_killed_at_five_random_points_leave_no_half_index_and_resume() -> None:
    # broken once on purpose (checkpoints not consulted when embedding): every round failed
    out = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "stress.py"), "--kills", "5"],
        capture_output=True,
        text=True,
        timeout=1200,
    )
    print(out.stdout)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "5 kills: 0 failures" in out.stdout
