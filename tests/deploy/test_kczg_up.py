"""`kczg up` (kczg/services_cli.py) stops the services it started when it is itself stopped with
SIGTERM — what a service manager, `docker stop` or a CI runner sends — not only on Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SUPERVISOR = """
import subprocess, sys
from kczg.services_cli import supervise
services = {name: subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"]) for name in ("a", "b")}
print(" ".join(str(p.pid) for p in services.values()), flush=True)
supervise(services)
"""


def _catches_sigterm(pid: int) -> bool:
    caught = next(line for line in Path(f"/proc/{pid}/status").read_text().splitlines() if line.startswith("SigCgt:"))
    return bool(int(caught.split()[1], 16) & (1 << (signal.SIGTERM - 1)))


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_sigterm_stops_every_service_it_started():
    supervisor = subprocess.Popen([sys.executable, "-c", SUPERVISOR], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    services = [int(pid) for pid in supervisor.stdout.readline().split()]
    try:
        deadline = time.monotonic() + 20
        while not _catches_sigterm(supervisor.pid):  # supervise() has taken over
            assert time.monotonic() < deadline, "supervise() never installed its SIGTERM handler"
            time.sleep(0.05)
        assert all(_running(pid) for pid in services)
        supervisor.send_signal(signal.SIGTERM)
        assert supervisor.wait(timeout=30) == 128 + signal.SIGTERM
        assert [pid for pid in services if _running(pid)] == []
    finally:
        for pid in services:  # what a broken supervisor would have left running
            if _running(pid):
                os.kill(pid, signal.SIGKILL)
        supervisor.kill()
        supervisor.wait()
