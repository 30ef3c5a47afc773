"""The fault suite (``make stress``): slow, so outside ``make test``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.stress
def test_killed_builds_resume_and_concurrent_users_are_all_answered() -> None:
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
    assert "8 users x 5 questions: 40 answered, 0 errors" in out.stdout and "load: 0 failures" in out.stdout


@pytest.mark.stress
def test_bad_input_through_every_entry_point_is_refused_clearly() -> None:
    # broken once on purpose (validate_question not checking control characters): 3 cases failed
    out = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "bad_inputs.py")],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    print(out.stdout)
    assert out.returncode == 0, out.stdout + out.stderr
    summary = [line for line in out.stdout.splitlines() if line.startswith("bad inputs:")]
    assert summary and summary[0].endswith(", 0 failures")
    assert int(summary[0].split()[2]) >= 50
