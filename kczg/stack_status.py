"""What `kczg stack status` reports: Kafka and PostgreSQL (this checkout's stack, deploy/local/, or
whatever listens on their ports), and each service of `kczg up` that listens on its port, by its /readyz. Down is a stack part that does not run, or a
service that does not answer ready; services count only once one of them runs (after `kczg stack up` alone
none is expected)."""

from __future__ import annotations

import os
from dataclasses import dataclass

import httpx

from deploy.local import stack
from deploy.local.processes import listening_pid

from .services_cli import SERVICES


@dataclass(frozen=True)
class Part:
    name: str
    address: str
    state: str          # running / stopped / ready / not ready (…) / not running
    pid: int | None
    up: bool
    note: str = ""

    def line(self) -> str:
        said = ", ".join(filter(None, (f"pid {self.pid}" if self.pid else "", self.note)))
        return f"{self.name:9} {self.address:23} {self.state}" + (f" ({said})" if said else "")


def stack_parts() -> list[Part]:
    parts = []
    for name, info in stack.status().items():
        if info["running"]:
            parts.append(Part(name, info["address"], "running", info["pid"], True))
            continue
        # Listening all the same: another checkout's stack or a container, which the services use alike.
        other = listening_pid(int(info["address"].rsplit(":", 1)[1]))
        if other is None:
            parts.append(Part(name, info["address"], "stopped", None, False))
        else:
            parts.append(Part(name, info["address"], "running", other, True, "not started from this checkout"))
    return parts


def service_parts() -> list[Part]:
    parts = []
    for name, (_, variable, default) in SERVICES.items():
        port = int(os.environ.get(variable, default))
        url, pid = f"http://127.0.0.1:{port}", listening_pid(port)
        try:
            r = httpx.get(f"{url}/readyz", timeout=3)
        except httpx.HTTPError:
            parts.append(Part(name, url, "not running", pid, False))
            continue
        ready = r.status_code == 200
        parts.append(Part(name, url, "ready" if ready else f"not ready ({_why(r)})", pid, ready))
    return parts


def _why(response: httpx.Response) -> str:
    try:
        return str(response.json().get("detail") or response.status_code)
    except ValueError:
        return str(response.status_code)


def report() -> tuple[list[str], bool]:
    """The lines to print, and whether everything expected is up."""
    services = service_parts()
    started = any(p.state != "not running" for p in services)
    parts = stack_parts() + services
    lines = [p.line() for p in parts]
    all_up = all(p.up for p in parts if started or p.name not in SERVICES)
    return lines, all_up
