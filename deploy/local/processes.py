"""What every part of the local stack shares: where it keeps its files, how it runs a command, and how it
finds, watches and waits for processes (Linux /proc). Stdlib only, like the rest of deploy/local/."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_STACK_DIR = PROJECT_ROOT / ".stack"
# All the stack's data: Kafka's log dirs, PostgreSQL's cluster, the services' logs. KCZG_STACK_DIR (with
# KCZG_KAFKA_PORT and KCZG_PG_PORT) runs a second stack beside this checkout's own, e.g. one a test kills.
STACK_DIR = Path(os.environ["KCZG_STACK_DIR"]).resolve() if os.environ.get("KCZG_STACK_DIR") else DEFAULT_STACK_DIR


class StackError(RuntimeError):
    """A component could not be prepared, started or stopped."""


def log(message: str) -> None:
    # stdout is reserved for the shell exports.
    print(f"[stack] {message}", file=sys.stderr, flush=True)


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    """Run a command, raising StackError with its output when it fails."""
    result = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip()
        raise StackError(f"command failed ({result.returncode}): {' '.join(cmd)}\n{output}")
    return result


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"(no {path})"


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def is_root() -> bool:
    return os.geteuid() == 0


def pid_exists(pid: int) -> bool:
    """True while ``pid`` exists, even as an unreaped zombie.

    Reaps it first if it is our own exited child (up() then kill() in one process).
    """
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


def pid_alive(pid: int | None) -> bool:
    """True if ``pid`` runs (a killed, not yet reaped process counts as dead)."""
    return bool(pid) and pid_exists(pid) and not is_zombie(pid)


def wait_gone(pids: list[int], timeout: float) -> bool:
    """Wait until the processes are reaped, not just dead: PostgreSQL refuses
    to start while the pid in a stale postmaster.pid still exists."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(pid_exists(p) for p in pids):
            return True
        time.sleep(0.05)
    return not any(pid_exists(p) for p in pids)


def descendants(pid: int) -> list[int]:
    """All descendants of ``pid`` (Linux /proc), children before grandchildren."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            ppid = int(entry.joinpath("stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def listening_pid(port: int) -> int | None:
    """The process listening on TCP `port` (Linux /proc), or None (nobody, or not ours to see)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
                inodes.add(f"socket:[{fields[9]}]")
    for fd_dir in Path("/proc").glob("[0-9]*/fd") if inodes else ():
        try:
            if any(os.readlink(fd) in inodes for fd in fd_dir.iterdir()):
                return int(fd_dir.parent.name)
        except OSError:
            continue
    return None


def read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
