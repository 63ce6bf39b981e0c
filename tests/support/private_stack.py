"""A Kafka broker and a PostgreSQL of one test's own, for a test that kills them: the local stack
(deploy/local/stack.py) run from a directory of its own on spare ports (KCZG_STACK_DIR, KCZG_KAFKA_PORT,
KCZG_KAFKA_CONTROLLER_PORT, KCZG_PG_PORT), whatever broker and database the session itself uses.

Every step is `python deploy/local/stack.py ...` in a child process with those variables: the stack reads
them when it is imported, and this process keeps its own imports pointing at the session's stack."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.support.processes import ROOT

STACK_PY = ROOT / "deploy" / "local" / "stack.py"
STEP_TIMEOUT_S = 300  # a cold start formats Kafka's storage and initialises a PostgreSQL cluster


def spare_ports(count: int) -> list[int]:
    """Ports nobody listens on now, distinct (all bound at once before any is let go)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


class PrivateStack:
    def __init__(self, directory: Path) -> None:
        kafka, controller, postgres, smtp = spare_ports(4)
        # A restart of a killed broker beside a whole test session on 2 cores once took over 90 s to open
        # its port (CI); what the tests measure is the services' answers meanwhile, not the broker's start.
        self.settings = {"KCZG_STACK_DIR": str(directory), "KCZG_KAFKA_PORT": str(kafka),
                         "KCZG_KAFKA_CONTROLLER_PORT": str(controller), "KCZG_PG_PORT": str(postgres),
                         "KCZG_SMTP_PORT": str(smtp), "KCZG_KAFKA_READY_TIMEOUT": "240"}
        self.env = {"KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{kafka}",
                    "DATABASE_URL": f"postgresql://kczg@127.0.0.1:{postgres}/kczg",
                    "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp),
                    "KCZG_MAIL_DIR": str((directory / "mail" / "received").resolve())}

    def _stack(self, *args: str) -> str:
        done = subprocess.run([sys.executable, str(STACK_PY), *args], cwd=ROOT, capture_output=True, text=True,
                              env={**os.environ, **self.settings}, timeout=STEP_TIMEOUT_S)
        if done.returncode != 0:
            raise RuntimeError(f"stack.py {' '.join(args)} ({self.settings}) failed:\n{done.stdout}{done.stderr}")
        return done.stdout

    def up(self) -> dict[str, str]:
        """Both started (a no-op for one running); their connection settings."""
        exports = dict(line.removeprefix("export ").split("=", 1) for line in self._stack("up").splitlines())
        assert exports == self.env, (exports, self.env)
        return self.env

    def start(self, component: str) -> None:
        self._stack("start", component)

    def kill(self, component: str) -> None:
        self._stack("kill", component)

    def down(self) -> None:
        """Killed (their data goes: no controlled shutdown to wait for), and every file of theirs deleted."""
        with ThreadPoolExecutor(3) as pool:
            list(pool.map(self.kill, ("kafka", "postgres", "mail")))
        self._stack("down", "--purge")
