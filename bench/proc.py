"""A service's process tree as Linux /proc shows it: its pids, the CPU they used, their peak memory."""

from __future__ import annotations

import os
from pathlib import Path


def tree(root: int) -> list[int]:
    """`root` and every descendant (a service's worker processes)."""
    pids, frontier = [root], [root]
    while frontier:
        pid = frontier.pop()
        try:
            children = [int(c) for task in Path(f"/proc/{pid}/task").iterdir()
                        for c in (task / "children").read_text().split()]
        except OSError:
            continue
        pids += children
        frontier += children
    return pids


def cpu_seconds(root: int) -> float:
    """User + system CPU seconds of the tree's live processes."""
    total = 0
    for pid in tree(root):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks
    return total / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(root: int) -> float:
    """The tree's peak resident memory (the sum of each process's VmHWM), in MB."""
    total = 0
    for pid in tree(root):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        total += next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM")), 0)
    return round(total / 1024, 1)


async def py_spy(pid: int, out: str, seconds: float):
    """Start `py-spy record` (the venv's, beside this interpreter) of `pid` and its workers for `seconds`,
    collapsed stacks written to `out`; the caller awaits `.wait()` on what this returns."""
    import asyncio
    import sys

    return await asyncio.create_subprocess_exec(
        str(Path(sys.executable).with_name("py-spy")), "record", "-p", str(pid), "--subprocesses", "-o", out,
        "-f", "raw", "-r", "200", "-d", str(int(seconds)),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
