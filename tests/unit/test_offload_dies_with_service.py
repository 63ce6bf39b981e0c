"""eventlog/write/offload.py: the solver's worker process dies with the service that started it, even when
the service is killed with SIGKILL (no orphan keeps its memory, or works on, behind a restarted service)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

SERVICE = """
import asyncio, os
from eventlog.write import offload

async def main():
    print(await offload.in_worker(os.getpid), flush=True)  # the worker's pid, from the worker
    await asyncio.sleep(60)

asyncio.run(main())
"""


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rfind(")") + 2] != "Z"  # a zombie is dead, only not yet reaped


def test_the_offload_worker_dies_when_its_service_is_killed():
    root = Path(__file__).resolve().parents[2]
    service = subprocess.Popen([sys.executable, "-c", SERVICE], cwd=root, stdout=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONPATH": str(root)}, start_new_session=True)
    try:
        worker = int(service.stdout.readline())
        assert worker != service.pid and alive(worker)
        service.send_signal(signal.SIGKILL)
        service.wait(10)
        deadline = time.monotonic() + 5
        while alive(worker):
            assert time.monotonic() < deadline, f"worker {worker} outlived its killed service"
            time.sleep(0.05)
    finally:
        if service.poll() is None:
            os.killpg(service.pid, signal.SIGKILL)
