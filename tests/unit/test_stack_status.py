"""`kczg stack status` prints each part's state and pid, and exits 1 when something is down: the stack's
state comes from deploy/local/stack.py (faked here), the services' from their /readyz on their ports
(small HTTP servers in this process, so their pid is ours)."""

from __future__ import annotations

import json
import os
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from typer.testing import CliRunner

from deploy.local import stack
from kczg.stack_cli import app

PID = os.getpid()
NOT_READY = "本机暂时无法生成 release.pdf，缺少 Debian 软件包 libharfbuzz-subset0"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def readyz_server(status: int) -> ThreadingHTTPServer:
    class Readyz(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            body = json.dumps({"status": "ready"} if status == 200 else {"code": "not_ready", "detail": NOT_READY})
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Readyz)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def ports(monkeypatch) -> Iterator[dict[str, int]]:
    """Every service on a port nobody listens on, Kafka and PostgreSQL running (as stack.status says)."""
    chosen = {name: free_port() for name in ("intake", "quota", "publish", "review", "notify", "kafka", "postgres")}
    for name in ("intake", "quota", "publish", "review", "notify"):
        monkeypatch.setenv(f"{name.upper()}_PORT", str(chosen[name]))
    monkeypatch.setattr(stack, "status", lambda: {
        "kafka": {"running": True, "pid": 111, "address": f"127.0.0.1:{chosen['kafka']}"},
        "postgres": {"running": True, "pid": 222, "address": f"127.0.0.1:{chosen['postgres']}"}})
    yield chosen


def status() -> tuple[int, list[str]]:
    done = CliRunner().invoke(app, ["status"])
    return done.exit_code, done.stdout.splitlines()


def line(name: str, address: str, state: str) -> str:
    return f"{name:9} {address:23} {state}"


def test_the_stack_alone_is_up(ports):
    code, lines = status()
    assert lines == [line("kafka", f"127.0.0.1:{ports['kafka']}", "running (pid 111)"),
                     line("postgres", f"127.0.0.1:{ports['postgres']}", "running (pid 222)")] + [
        line(name, f"http://127.0.0.1:{ports[name]}", "not running") for name in ("intake", "quota", "publish", "review", "notify")]
    assert code == 0


def test_a_service_not_ready_or_not_running_beside_running_ones_is_down(ports, monkeypatch):
    ready, not_ready = readyz_server(200), readyz_server(503)
    try:
        monkeypatch.setenv("INTAKE_PORT", str(ready.server_port))
        monkeypatch.setenv("PUBLISH_PORT", str(not_ready.server_port))
        code, lines = status()
    finally:
        ready.shutdown()
        not_ready.shutdown()
    assert lines[2:] == [line("intake", f"http://127.0.0.1:{ready.server_port}", f"ready (pid {PID})"),
                         line("quota", f"http://127.0.0.1:{ports['quota']}", "not running"),
                         line("publish", f"http://127.0.0.1:{not_ready.server_port}",
                              f"not ready ({NOT_READY}) (pid {PID})"),
                         line("review", f"http://127.0.0.1:{ports['review']}", "not running"),
                         line("notify", f"http://127.0.0.1:{ports['notify']}", "not running")]
    assert code == 1


def test_every_service_ready_is_up(ports, monkeypatch):
    servers = [readyz_server(200) for _ in range(5)]
    try:
        for name, server in zip(("intake", "quota", "publish", "review", "notify"), servers):
            monkeypatch.setenv(f"{name.upper()}_PORT", str(server.server_port))
        code, lines = status()
    finally:
        for server in servers:
            server.shutdown()
    assert [x.split()[2] for x in lines] == ["running", "running", "ready", "ready", "ready", "ready", "ready"]
    assert code == 0


def test_a_stopped_database_is_down(ports, monkeypatch):
    monkeypatch.setattr(stack, "status", lambda: {
        "kafka": {"running": True, "pid": 111, "address": f"127.0.0.1:{ports['kafka']}"},
        "postgres": {"running": False, "pid": None, "address": f"127.0.0.1:{ports['postgres']}"}})
    code, lines = status()
    assert lines[1] == line("postgres", f"127.0.0.1:{ports['postgres']}", "stopped")
    assert code == 1


def test_a_database_another_checkout_started_is_up(ports, monkeypatch):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    with listener:
        port = listener.getsockname()[1]
        monkeypatch.setattr(stack, "status", lambda: {
            "kafka": {"running": True, "pid": 111, "address": f"127.0.0.1:{ports['kafka']}"},
            "postgres": {"running": False, "pid": None, "address": f"127.0.0.1:{port}"}})
        code, lines = status()
    assert lines[1] == line("postgres", f"127.0.0.1:{port}", f"running (pid {PID}, not started from this checkout)")
    assert code == 0
