"""The fault suite (``make stress``): slow, so outside ``make test``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.stress
def test_kills_load_an_indexer_beside_the_server_disconnects_and_bad_input() -> None:
    # broken once on purpose (checkpoints not consulted when embedding): every round failed;
    # once for the bad inputs (validate_question not checking control characters): 2 failed;
    # once for disconnects (no heartbeat in the chat handler): the next request took 5.8 s
    # against 3.0 s alone, and the run failed
    out = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "stress.py"), "--kills", "5"],
        capture_output=True,
        text=True,
        timeout=2400,
    )
    print(out.stdout)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "5 kills: 0 failures" in out.stdout
    assert "8 users x 5 questions: 40 answered, 0 errors" in out.stdout and "load: 0 failures" in out.stdout
    assert "`rag index` beside the server while users asked: exit 0" in out.stdout
    assert "the next request took" in out.stdout and "its normal time" in out.stdout
    summary = [line for line in out.stdout.splitlines() if line.startswith("bad inputs:")]
    assert summary and summary[0].endswith(", 0 failures") and int(summary[0].split()[2]) >= 50
