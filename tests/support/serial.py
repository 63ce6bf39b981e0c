"""Tests marked `serial` run with nothing beside them, even under pytest-xdist.

Such a test stops something every test of the session shares (the broker, PostgreSQL): a test running
meanwhile on another worker would fail for it, or pass while checking nothing. (None does today:
tests/fault/test_dependencies_down.py kills a broker and a database of its own, tests/support/private_stack.py.) Every test holds a shared lock for its whole run (set-up, call, tear-down); a serial test
holds it exclusively. A turnstile in front gives the serial test priority: once it waits, no other test
starts, the ones running finish, it runs alone, then the others go on. Both locks are flock(2) files in the
session's directory (one per `pytest` run, made by the xdist controller), so they hold across worker
processes and go away with a worker that dies.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

WAIT_S = 1800.0  # longer than any test's own timeout: a test never waits for ever behind another


def _acquire(path: Path, mode: int, what: str, deadline: float) -> int:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    while True:
        try:
            fcntl.flock(fd, mode | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            if time.monotonic() > deadline:
                os.close(fd)
                raise TimeoutError(f"{what}: not within {WAIT_S:.0f}s") from None
            time.sleep(0.05)


def _release(fd: int) -> None:
    fcntl.flock(fd, fcntl.LOCK_UN)
    os.close(fd)


class SessionLock:
    """One worker's hold on the session's test lock. A test holds it shared (or exclusively when alone) from
    its set-up to its tear-down; the next test of the same module keeps the shared hold, so a module's
    fixtures (services a module starts once, tests/integration/test_state_rebuild.py) never see a serial
    test run between two of its tests. No directory: one process, nothing to lock."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory
        self._held: list[int] = []
        self._alone = False

    def begin(self, alone: bool) -> None:
        if self.directory is None or (self._held and not alone and not self._alone):
            return  # still held (shared) from the previous test of this module
        self.end()
        deadline = time.monotonic() + WAIT_S
        turnstile = _acquire(self.directory / "turnstile.lock", fcntl.LOCK_EX, "waiting for a serial test's turn",
                             deadline)
        try:
            main = _acquire(self.directory / "tests.lock", fcntl.LOCK_EX if alone else fcntl.LOCK_SH,
                            "waiting for the tests running beside it" if alone else "waiting for a serial test",
                            deadline)
        except BaseException:
            _release(turnstile)
            raise
        if alone:
            self._held = [main, turnstile]  # no other test starts until it is done
        else:
            _release(turnstile)  # others may start beside this one; a serial test now waits for it to end
            self._held = [main]
        self._alone = alone

    def end(self) -> None:
        for fd in self._held:
            _release(fd)
        self._held, self._alone = [], False
