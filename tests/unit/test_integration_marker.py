"""Every test that needs the real broker and database carries the `integration` marker (tests/conftest.py
puts it on each test under tests/integration, tests/e2e and tests/fault, and on any test using `stack_env`),
so `-m "not integration"` runs exactly the tests that need neither."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NEEDS_THE_STACK = ["tests/integration", "tests/e2e", "tests/fault",
                   "tests/deploy/test_kczg_up.py::test_kczg_up_starts_every_service_reports_each_ready_and_logs_each_to_its_file"]


def collect(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-n", "0", "-p", "no:cacheprovider",
                           *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_no_test_needing_the_stack_is_left_without_the_marker():
    left = collect("-m", "not integration", *NEEDS_THE_STACK)
    assert left.returncode == 5, left.stdout[-3000:] + left.stderr[-3000:]  # 5: all deselected, none left
    assert "deselected" in left.stdout.splitlines()[-1], left.stdout[-2000:]
