"""The local mail sink as a stack component: started (in its own session, like the broker), stopped, killed,
found by its pid file. The server itself is deploy/local/mail_sink.py; it needs aiosmtpd, so it runs on the
project's virtualenv interpreter when this one (stdlib only, e.g. the system python3) lacks it."""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from deploy import kafka_settings as S
from deploy.local.processes import PROJECT_ROOT, STACK_DIR, StackError, log, pid_alive, port_open, read_pid, tail, wait_gone

MAIL_DIR = STACK_DIR / "mail"
RECEIVED_DIR = MAIL_DIR / "received"   # one .eml per message (deploy/local/mailbox.py reads them)
PID_FILE = MAIL_DIR / "sink.pid"
LOG_FILE = MAIL_DIR / "sink.log"
READY_TIMEOUT = 20.0


def mail_env() -> dict[str, str]:
    """Where the services send mail, and where `kczg mail` and the tests read what arrived."""
    return {"SMTP_HOST": S.LOCAL_HOST, "SMTP_PORT": str(S.SMTP_PORT), "KCZG_MAIL_DIR": str(RECEIVED_DIR)}


def sink_interpreter() -> str:
    if importlib.util.find_spec("aiosmtpd") is not None:
        return sys.executable
    venv = PROJECT_ROOT / ".venv" / "bin" / "python"
    if venv.exists():
        return str(venv)
    raise StackError("the mail sink needs aiosmtpd: run `make install` (the project's virtualenv) first")


def mail_pid() -> int | None:
    pid = read_pid(PID_FILE)
    if not pid_alive(pid):
        return None
    try:  # guard against pid reuse
        if b"mail_sink" not in Path(f"/proc/{pid}/cmdline").read_bytes():
            return None
    except OSError:
        pass
    return pid


def start_mail() -> None:
    if mail_pid():
        log(f"mail sink already running (pid {mail_pid()})")
        return
    if port_open(S.LOCAL_HOST, S.SMTP_PORT):
        raise StackError(f"port {S.SMTP_PORT} (the mail sink's, KCZG_SMTP_PORT) is taken by another process")
    RECEIVED_DIR.mkdir(parents=True, exist_ok=True)
    with open(LOG_FILE, "ab") as out:
        proc = subprocess.Popen([sink_interpreter(), "-m", "deploy.local.mail_sink", str(RECEIVED_DIR),
                                 str(S.SMTP_PORT)], cwd=PROJECT_ROOT, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    PID_FILE.write_text(f"{proc.pid}\n")
    deadline = time.monotonic() + READY_TIMEOUT
    while not port_open(S.LOCAL_HOST, S.SMTP_PORT):
        if not pid_alive(proc.pid) or time.monotonic() > deadline:
            raise StackError(f"mail sink did not start\n{tail(LOG_FILE)}")
        time.sleep(0.1)
    log(f"mail sink ready on {S.LOCAL_HOST}:{S.SMTP_PORT} (pid {proc.pid}), storing in {RECEIVED_DIR}")


def stop_mail(sig: int = signal.SIGTERM) -> None:
    pid = mail_pid()
    if not pid:
        PID_FILE.unlink(missing_ok=True)
        return
    os.kill(pid, sig)
    if not wait_gone([pid], 10):
        os.kill(pid, signal.SIGKILL)
        wait_gone([pid], 5)
    PID_FILE.unlink(missing_ok=True)
    log(f"mail sink {'killed' if sig == signal.SIGKILL else 'stopped'} (pid {pid})")


def kill_mail() -> None:
    stop_mail(signal.SIGKILL)
