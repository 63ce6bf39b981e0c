"""Service processes for end-to-end and fault tests: start, wait until ready, SIGKILL, stop."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class ServiceProcess:
    module: str
    env: dict[str, str]
    log_path: Path
    proc: subprocess.Popen | None = None
    extra_env: dict[str, str] = field(default_factory=dict)

    def start(self) -> "ServiceProcess":
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([sys.executable, "-m", self.module], cwd=ROOT,
                                     env={**os.environ, **self.env, **self.extra_env},
                                     stdout=log, stderr=subprocess.STDOUT)
        return self

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def stop_all(services: list[ServiceProcess]) -> None:
    """SIGTERM to every one first, then wait for each: their graceful shutdowns overlap."""
    for service in services:
        if service.alive():
            service.proc.send_signal(signal.SIGTERM)
    for service in services:
        service.stop()


def wait_http_ready(base_url: str, service: ServiceProcess, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=1) as client:  # one client: each new one loads the CA bundle (~20 ms of CPU)
        while time.monotonic() < deadline:
            if not service.alive():
                raise RuntimeError(f"{service.module} exited:\n{service.log_tail()}")
            try:
                if client.get(f"{base_url}/healthz").status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
    raise TimeoutError(f"{service.module} not ready after {timeout}s:\n{service.log_tail()}")
