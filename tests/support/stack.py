"""Where the tests get a real Kafka broker, PostgreSQL and the mail sink from, in this order:

1. KAFKA_BOOTSTRAP_SERVERS and DATABASE_URL already set (CI, a running `kczg stack up`);
2. testcontainers, where a Docker engine answers;
3. the project's local stack (deploy/local/stack.py), started here and stopped at the end.

Never an in-memory stand-in: if none of these works the session fails and says how to start one.

The mail sink (deploy/local/mail_sink.py, SMTP that keeps each message as a file) comes with the local stack;
otherwise SMTP_HOST, SMTP_PORT and KCZG_MAIL_DIR name a running one, or the session starts its own on a spare
port in a folder of its own (`mail_sink`) and stops it at the end.

Under pytest-xdist the controller, not a worker, owns whatever is started (one stack for every worker, never
two workers racing on the same ports, and nothing stopped while another worker still runs a test): the
first worker that needs the stack asks for it (`from_controller`), the controller's `StackProvider` starts it
once, hands every worker the same environment, and stops it at the end of the session only if it started it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
from contextlib import contextmanager
from collections.abc import Iterator
from pathlib import Path

HOW_TO_START = (
    "No Kafka/PostgreSQL for the integration tests. Start the local stack with "
    "`kczg stack up` (or `python deploy/local/stack.py up`) and export what it prints, "
    "or run the tests where a Docker engine answers."
)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def docker_answers() -> bool:
    if not shutil.which("docker"):
        return False
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@contextmanager
def real_stack() -> Iterator[dict[str, str]]:
    given = {k: os.environ[k] for k in ("KAFKA_BOOTSTRAP_SERVERS", "DATABASE_URL") if os.environ.get(k)}
    if len(given) == 2:
        with mail_sink() as mail:
            yield {**given, **mail}
        return
    if docker_answers():
        with _containers() as env, mail_sink() as mail:
            yield {**env, **mail}
        return
    with _local_stack() as env:
        yield env


MAIL_KEYS = ("SMTP_HOST", "SMTP_PORT", "KCZG_MAIL_DIR")


@contextmanager
def mail_sink() -> Iterator[dict[str, str]]:
    """The mail sink the environment names, else one of the session's own (stopped at the end)."""
    given = {k: os.environ[k] for k in MAIL_KEYS if os.environ.get(k)}
    if len(given) == len(MAIL_KEYS):
        yield given
        return
    import sys
    import tempfile

    from deploy.local.processes import PROJECT_ROOT, port_open

    folder, port = Path(tempfile.mkdtemp(prefix="kczg-mail-")), _free_port()
    log = open(folder / "sink.log", "ab")
    proc = subprocess.Popen([sys.executable, "-m", "deploy.local.mail_sink", str(folder / "received"), str(port)],
                            cwd=PROJECT_ROOT, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while not port_open("127.0.0.1", port):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the tests' mail sink did not start: {(folder / 'sink.log').read_text()}")
            time.sleep(0.05)
        yield {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port), "KCZG_MAIL_DIR": str(folder / "received")}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def _local_stack() -> Iterator[dict[str, str]]:
    from deploy.local import stack

    was_running = stack.is_running()
    try:
        stack.up()
    except Exception as exc:  # the message says what failed; add how to get going
        raise RuntimeError(f"{HOW_TO_START}\nLocal stack failed: {exc}") from exc
    try:
        yield stack.env()
    finally:
        if not was_running:
            stack.down()


@contextmanager
def _containers() -> Iterator[dict[str, str]]:
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.waiting_utils import wait_for_logs
    from testcontainers.postgres import PostgresContainer

    from deploy import kafka_settings

    # Bind a known host port so the broker can advertise an address clients outside reach.
    host_port = _free_port()
    props = kafka_settings.container_properties(kafka_settings.CONTAINER_PORT, advertised_port=host_port)
    kafka = DockerContainer(kafka_settings.KAFKA_IMAGE).with_bind_ports(kafka_settings.CONTAINER_PORT, host_port)
    for name, value in kafka_settings.docker_env(props).items():
        kafka = kafka.with_env(name, value)
    with kafka, PostgresContainer(kafka_settings.POSTGRES_IMAGE, username="kczg", password="kczg",
                                  dbname="kczg") as pg:
        wait_for_logs(kafka, "Kafka Server started", timeout=120)
        yield {"KAFKA_BOOTSTRAP_SERVERS": f"localhost:{host_port}",
               "DATABASE_URL": pg.get_connection_url(driver=None)}


# --- one stack for every xdist worker, owned by the controller ----------------------------------------------

STACK_WAIT_S = 900.0  # a first start may resolve Kafka's jars from Maven Central


class StackProvider:
    """In the xdist controller: starts `real_stack()` in a thread at once when `eager` (the session's
    arguments select tests that need it: its start-up overlaps the workers' start and collection), else once
    a worker asks (a file `need` in `directory`); publishes its environment as `stack.json` (or what failed
    as `stack-error.txt`), and leaves it on until `close()` at the end of the session — which stops what it
    started, nothing else."""

    def __init__(self, directory: Path, eager: bool = False) -> None:
        self.directory = directory
        if eager:
            (directory / "need").touch()
        self._closing = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="kczg-test-stack", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        need = self.directory / "need"
        while not need.exists():
            if self._closing.wait(0.1):
                return
        try:
            with real_stack() as env:
                _publish(self.directory / "stack.json", json.dumps(env))
                self._closing.wait()
        except BaseException as exc:  # noqa: BLE001 — every waiting worker must hear it
            if not (self.directory / "stack.json").exists():
                _publish(self.directory / "stack-error.txt", f"{type(exc).__name__}: {exc}")
            else:
                print(f"stopping the test stack failed: {exc!r}")

    def close(self, timeout: float = 180) -> None:
        self._closing.set()
        self._thread.join(timeout)


def _publish(path: Path, text: str) -> None:
    part = path.with_suffix(".part")
    part.write_text(text)
    part.replace(path)  # atomic: a reader sees all of it or nothing


def from_controller(directory: Path, timeout: float = STACK_WAIT_S) -> dict[str, str]:
    """In an xdist worker: the environment of the one stack the controller provides."""
    (directory / "need").touch()
    deadline = time.monotonic() + timeout
    while True:
        if (directory / "stack.json").exists():
            return json.loads((directory / "stack.json").read_text())
        if (directory / "stack-error.txt").exists():
            raise RuntimeError((directory / "stack-error.txt").read_text())
        if time.monotonic() > deadline:
            raise RuntimeError(f"no broker and database from the test controller within {timeout:.0f}s. {HOW_TO_START}")
        time.sleep(0.1)
