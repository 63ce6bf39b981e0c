"""`kczg up` (kczg/services_cli.py) stops the services it started when it is itself stopped with
SIGTERM — what a service manager, `docker stop` or a CI runner sends — not only on Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson

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


# --- what `kczg up` prints and where the services' output goes ------------------------------------------


def test_the_status_block_names_each_service_its_readiness_the_stack_the_campaign_and_the_logs(tmp_path):
    from kczg.services_cli import status_block

    urls = {"intake": "http://127.0.0.1:8000", "quota": "http://127.0.0.1:8001"}
    block = status_block(urls, {"intake": "ready", "quota": "not ready (事件日志暂不可用)"}, "127.0.0.1:19092",
                         "postgresql://kczg@127.0.0.1:15432/kczg", "kczg-2022 opened", tmp_path)
    lines = block.splitlines()
    assert "  intake    http://127.0.0.1:8000  ready" in lines
    assert "  quota     http://127.0.0.1:8001  not ready (事件日志暂不可用)  → kczg logs quota" in lines
    assert "  broker    127.0.0.1:19092 (Kafka)" in lines
    assert "  database  postgresql://kczg@127.0.0.1:15432/kczg" in lines
    assert "  campaign  kczg-2022 opened" in lines
    assert f"  logs      {tmp_path}/<service>.log  (follow one: kczg logs intake)" in lines
    assert len(lines) < 15  # short: the details are in the logs


def test_each_service_writes_to_its_own_log_file(tmp_path):
    from kczg.services_cli import start_services

    said = "import sys; print('out of {0}', flush=True); print('err of {0}', file=sys.stderr, flush=True)"
    procs = start_services({name: [sys.executable, "-c", said.format(name)] for name in ("a", "b")}, tmp_path / "logs")
    for p in procs.values():
        assert p.wait(timeout=30) == 0
    for name in ("a", "b"):
        assert sorted((tmp_path / "logs" / f"{name}.log").read_text().splitlines()) == [f"err of {name}", f"out of {name}"]


def test_readiness_is_read_from_readyz_and_an_exited_service_says_so():
    import http.server
    import threading

    from kczg.services_cli import wait_ready

    class Readyz(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 — the stdlib's name
            ready = self.server.server_port == ports[0]
            body = b'{"status":"ready"}' if ready else '{"detail":"数据库暂不可用"}'.encode()
            self.send_response(200 if ready else 503)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    servers = [http.server.ThreadingHTTPServer(("127.0.0.1", 0), Readyz) for _ in range(2)]
    ports = [s.server_port for s in servers]
    for s in servers:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    running = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    exited = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    exited.wait(timeout=30)
    try:
        states = wait_ready({"up": f"http://127.0.0.1:{ports[0]}", "sick": f"http://127.0.0.1:{ports[1]}",
                             "gone": "http://127.0.0.1:9"}, {"up": running, "sick": running, "gone": exited},
                            timeout_s=2)
    finally:
        running.kill()
        running.wait()
        for s in servers:
            s.shutdown()
    assert states == {"up": "ready", "sick": "not ready (数据库暂不可用)", "gone": "exited (code 3)"}


LINES = [
    '{"ts":"2022-10-15T02:00:00.123Z","level":"INFO","service":"quota","logger":"quota","message":"quota decider consuming"}',
    'Traceback (most recent call last): a line that is not JSON',
    '{"ts":"2022-10-15T02:00:01.456Z","level":"WARNING","service":"quota","logger":"eventlog.consume.deadletter",'
    '"message":"dead letter from quota","event_id":"e-1","consumer":"quota","exc":"ValueError: x"}',
]


def _kczg(*args: str, log_dir: Path, **kw) -> subprocess.Popen:
    # Ctrl-C as at a terminal: a session started in the background (nohup, `cmd &`, some CI runners) ignores
    # SIGINT, and a child inherits that; Python then never raises KeyboardInterrupt and `kczg logs` never stops.
    return subprocess.Popen([sys.executable, "-m", "kczg.cli", *args], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "KCZG_LOG_DIR": str(log_dir)},
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL), **kw)


def test_kczg_logs_prints_the_tail_for_a_terminal_or_as_written(tmp_path):
    (tmp_path / "quota.log").write_text("\n".join(["{}"] * 5 + LINES) + "\n")
    shown = _kczg("logs", "quota", "--no-follow", "-n", "3", log_dir=tmp_path)
    out, err = shown.communicate(timeout=60)
    assert shown.returncode == 0, err
    assert out.splitlines() == [
        "02:00:00.123 INFO    quota: quota decider consuming",
        "Traceback (most recent call last): a line that is not JSON",
        "02:00:01.456 WARNING eventlog.consume.deadletter: dead letter from quota  [event_id=e-1 consumer=quota]",
        "ValueError: x"]
    raw = _kczg("logs", "quota", "-F", "-n", "1", "--raw", log_dir=tmp_path)
    assert raw.communicate(timeout=60)[0].splitlines() == LINES[-1:]
    unknown = _kczg("logs", "nosuch", "-F", log_dir=tmp_path)
    assert unknown.wait(timeout=60) != 0 and "unknown service" in unknown.communicate()[1]


def _line_within(proc: subprocess.Popen, seconds: float) -> str:
    """The next line `proc` prints, or a failure once `seconds` pass without one (never a hung test)."""
    import selectors

    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        assert sel.select(timeout=seconds), f"no line within {seconds} s"
    return proc.stdout.readline()


def test_kczg_logs_follows_what_is_appended(tmp_path):
    log = tmp_path / "intake.log"
    log.write_text(LINES[0] + "\n")
    follower = _kczg("logs", "intake", "-n", "1", log_dir=tmp_path)  # following is the default
    try:
        assert _line_within(follower, 60).endswith("quota decider consuming\n")
        with open(log, "a") as f:
            f.write(LINES[2] + "\n")
        assert "dead letter from quota" in _line_within(follower, 30)
    finally:
        follower.send_signal(signal.SIGINT)
        follower.wait(timeout=30)


async def test_kczg_up_starts_every_service_reports_each_ready_and_logs_each_to_its_file(env, tmp_path):
    """The whole `kczg up` on the test's own database and topics (--external: no local stack of its own)."""
    import asyncio

    from deploy.local.processes import descendants
    from kczg.services_cli import SERVICES
    from tests.support.processes import free_port

    ports = {var: str(free_port()) for _, var, _ in SERVICES.values()}
    logs = tmp_path / "logs"
    with open(tmp_path / "up.err", "wb") as err:
        up = subprocess.Popen([sys.executable, "-m", "kczg.cli", "up", "--external", "--ready-timeout", "150"],
                              cwd=ROOT, env={**os.environ, **env, **ports, "KCZG_LOG_DIR": str(logs)},
                              stdout=subprocess.PIPE, stderr=err, text=True)
    try:
        def status() -> list[str]:
            lines = []
            while not (lines and lines[-1].startswith("Ctrl-C")):
                line = up.stdout.readline()
                assert line, f"kczg up ended early:\n{(tmp_path / 'up.err').read_text()[-3000:]}"
                lines.append(line.rstrip("\n"))
            return lines

        lines = await asyncio.wait_for(asyncio.to_thread(status), timeout=240)
        for name, (_, var, _) in SERVICES.items():
            assert f"  {name:9} http://127.0.0.1:{ports[var]}  ready" in lines, "\n".join(lines)
        assert f"  {'broker':9} {env['KAFKA_BOOTSTRAP_SERVERS']} (Kafka)" in lines
        assert f"  {'database':9} {env['DATABASE_URL']}" in lines
        assert f"  {'mail':9} smtp://{env['SMTP_HOST']}:{env['SMTP_PORT']} (the local sink: kczg mail list)" in lines
        assert f"  {'campaign':9} kczg-2022 opened" in lines
        assert f"  {'logs':9} {logs}/<service>.log  (follow one: kczg logs intake)" in lines
        # Each service's output went to its own file, as JSON lines naming it — not to the terminal.
        for name in SERVICES:
            written = [orjson.loads(line) for line in (logs / f"{name}.log").read_text().splitlines()]
            assert {line["service"] for line in written} == {name}
        children = descendants(up.pid)
        assert len(children) >= len(SERVICES)
    finally:
        up.send_signal(signal.SIGTERM)
        code = await asyncio.to_thread(up.wait, 60)
    assert code == 128 + signal.SIGTERM
    assert [pid for pid in children if _running(pid)] == []
