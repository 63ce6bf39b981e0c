#!/usr/bin/env python3
"""Local Kafka + PostgreSQL stack without Docker (stdlib only).

    python deploy/local/stack.py up                # start both, print exports
    python deploy/local/stack.py env               # print exports only
    python deploy/local/stack.py status
    python deploy/local/stack.py down [--purge]    # stop both (--purge: delete .stack/)
    python deploy/local/stack.py kill kafka|postgres    # SIGKILL, for fault tests
    python deploy/local/stack.py start kafka|postgres   # restart one component
    python deploy/local/stack.py packages [--tests]     # apt-install the Debian packages the system uses

``eval "$(python deploy/local/stack.py up)"`` sets KAFKA_BOOTSTRAP_SERVERS and
DATABASE_URL; progress goes to stderr.

Kafka runs from jars resolved from Maven Central (cached under
``${XDG_CACHE_HOME:-~/.cache}/kczg/kafka-<version>/``), PostgreSQL from the
distribution's server binaries; all data lives in ``<project>/.stack/``.
Broker settings come from ``deploy/kafka_settings.py``, the same source as
the generated docker-compose.yml.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import os
import pwd
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
STACK_DIR = PROJECT_ROOT / ".stack"
KAFKA_DIR = STACK_DIR / "kafka"


def _pg_dir() -> Path:
    """.stack/pg, unless the cluster's owner ('postgres', when we are root) cannot reach it.

    A checkout under a private directory (mktemp -d is mode 0700) is unreachable for another user;
    then the cluster lives under /var/tmp, in a folder named after the checkout.
    """
    inside = STACK_DIR / "pg"
    reachable = all(os.stat(p).st_mode & 0o001 for p in inside.parents if p.exists())
    if os.geteuid() != 0 or reachable:
        return inside
    digest = hashlib.sha1(str(PROJECT_ROOT).encode()).hexdigest()[:12]
    return Path("/var/tmp/kczg-stack") / digest / "pg"


PG_DIR = _pg_dir()
POM_FILE = Path(__file__).resolve().parent / "kafka-pom.xml"

KAFKA_READY_TIMEOUT = 90.0
KAFKA_STOP_TIMEOUT = 30.0
COMPONENTS = ("kafka", "postgres")


def _load_settings():
    # Loaded by path: the project need not be pip-installed for this script.
    path = PROJECT_ROOT / "deploy" / "kafka_settings.py"
    spec = importlib.util.spec_from_file_location("kczg_kafka_settings", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


S = _load_settings()


class StackError(RuntimeError):
    """A component could not be prepared, started or stopped."""


# --- small helpers ------------------------------------------------------------


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


def apt_install(*packages: str) -> None:
    """Install Debian packages (needs root or sudo); one line naming the command when it cannot."""
    why = None if shutil.which("apt-get") else "没有 apt-get"
    if why is None and not is_root() and not shutil.which("sudo"):
        why = "不是 root，也没有 sudo"
    if why:
        raise StackError(missing_line(packages, f"无法自动安装（{why}）"))
    prefix = [] if is_root() else ["sudo"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    log(f"installing {' '.join(packages)} with apt-get")
    run(prefix + ["apt-get", "update"], env=env)
    run(prefix + ["apt-get", "install", "-y", "--no-install-recommends", *packages], env=env)


def install_command(packages) -> str:
    """The exact command that installs `packages` (sudo unless root)."""
    return ("" if is_root() else "sudo ") + "apt-get install -y --no-install-recommends " + " ".join(packages)


def missing_line(packages, why: str) -> str:
    """The one line that says which Debian packages are missing, why they were not installed, and how to."""
    return f"缺少系统软件包（missing_system_packages）：{' '.join(packages)}；{why}。请运行：{install_command(packages)}"


# --- Debian packages the system uses ----------------------------------------------

PACKAGES_FILE = PROJECT_ROOT / "deploy" / "debian-packages.txt"  # the services' (and the image's) list
TEST_PACKAGES = ("chromium",)  # the public page's browser test: Debian's Chromium, driven by Playwright


def system_packages(tests: bool = False) -> list[str]:
    """deploy/debian-packages.txt, plus what only the tests use when `tests`."""
    lines = (line.strip() for line in PACKAGES_FILE.read_text().splitlines())
    listed = [line for line in lines if line and not line.startswith("#")]
    return listed + interpreter_packages() + (list(TEST_PACKAGES) if tests else [])


def interpreter_packages() -> list[str]:
    """Debian ships venv and ensurepip apart from python3 (python3-venv): `make install` builds .venv with them."""
    own = sys.executable.startswith("/usr/bin/")  # the distribution's interpreter, which apt can complete
    return ["python3-venv"] if own and importlib.util.find_spec("ensurepip") is None else []


def missing_packages(packages: list[str]) -> list[str]:
    """Those of `packages` dpkg does not have installed (all of them where there is no dpkg)."""
    if not shutil.which("dpkg-query"):
        return list(packages)
    result = subprocess.run(["dpkg-query", "-W", "-f=${Package} ${db:Status-Status}\\n", *packages],
                            capture_output=True, text=True)  # exit 1 when one is unknown: its line is missing
    installed = {line.split()[0] for line in result.stdout.splitlines() if line.endswith(" installed")}
    return [p for p in packages if p not in installed]


def ensure_system_packages(tests: bool = False) -> list[str]:
    """Install the missing ones of system_packages(tests); return what was installed."""
    missing = missing_packages(system_packages(tests))
    if missing:
        apt_install(*missing)
        still = missing_packages(missing)
        if still:
            raise StackError(missing_line(still, "apt-get 安装后仍未装上"))
    return missing


# --- Kafka: classpath -----------------------------------------------------------


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "kczg" / f"kafka-{S.KAFKA_VERSION}"


def ensure_java() -> str:
    """Path of a Java 17+ runtime (Kafka 4.x brokers need 17)."""
    java = shutil.which("java")
    if not java:
        apt_install("openjdk-17-jre-headless")
        java = shutil.which("java")
    version = run([java, "-version"]).stderr
    try:
        major = int(version.split('"')[1].split(".")[0])
    except (IndexError, ValueError):
        major = 0
    if major < 17:
        raise StackError(f"Kafka {S.KAFKA_VERSION} needs Java 17+, found: {version.strip()}")
    return java


def ensure_maven() -> str:
    mvn = shutil.which("mvn")
    if not mvn:
        apt_install("maven")
        mvn = shutil.which("mvn")
    return mvn


def kafka_classpath() -> Path:
    """Directory holding the broker jars; resolved from Maven Central once."""
    target = cache_dir()
    marker = target / ".complete"
    if marker.exists():
        return target
    mvn = ensure_maven()
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    log(f"resolving Kafka {S.KAFKA_VERSION} jars from Maven Central into {target}")
    run(
        [
            mvn, "-q", "-B", "-f", str(POM_FILE),
            "dependency:copy-dependencies",
            f"-DoutputDirectory={partial}",
            f"-Dkafka.version={S.KAFKA_VERSION}",
            f"-Dscala.binary.version={S.SCALA_BINARY_VERSION}",
            f"-Dlog4j.version={S.LOG4J_VERSION}",
            f"-Dslf4j.binding={S.SLF4J_BINDING_ARTIFACT}",
        ]
    )
    check_logging_jars(partial)
    # Publish atomically so an interrupted download is never mistaken for a cache.
    shutil.rmtree(target, ignore_errors=True)
    partial.rename(target)
    marker.write_text(f"kafka {S.KAFKA_VERSION}\n")
    log(f"cached {len(list(target.glob('*.jar')))} jars")
    return target


def _jar_version(jars: list[str], artifact: str) -> str | None:
    prefix = artifact + "-"
    for jar in jars:
        rest = jar[len(prefix):-len(".jar")] if jar.startswith(prefix) else ""
        if rest[:1].isdigit():
            return rest
    return None


def check_logging_jars(directory: Path) -> None:
    """Fail early if the SLF4J binding does not fit the resolved jars (silent broker)."""
    jars = sorted(p.name for p in directory.glob("*.jar"))
    core = _jar_version(jars, "log4j-core")
    binding = _jar_version(jars, S.SLF4J_BINDING_ARTIFACT)
    slf4j = _jar_version(jars, "slf4j-api") or ""
    wanted = "log4j-slf4j2-impl" if slf4j.startswith("2.") else "log4j-slf4j-impl"
    if core != binding or wanted != S.SLF4J_BINDING_ARTIFACT:
        raise StackError(
            f"logging jars do not match: log4j-core {core}, slf4j-api {slf4j}, "
            f"{S.SLF4J_BINDING_ARTIFACT} {binding}; set LOG4J_VERSION={core} and "
            f"SLF4J_BINDING_ARTIFACT={wanted} in deploy/kafka_settings.py"
        )


# --- Kafka: configuration and process -------------------------------------------

LOG4J2_TEMPLATE = """\
# Generated by deploy/local/stack.py
status = warn
name = kczg-kafka
appender.file.type = RollingFile
appender.file.name = file
appender.file.fileName = {logs}/server.log
appender.file.filePattern = {logs}/server.log.%i
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
appender.file.policies.type = Policies
appender.file.policies.size.type = SizeBasedTriggeringPolicy
appender.file.policies.size.size = 50MB
appender.file.strategy.type = DefaultRolloverStrategy
appender.file.strategy.max = 3
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
"""


class KafkaPaths:
    data = KAFKA_DIR / "data"
    logs = KAFKA_DIR / "logs"
    server_properties = KAFKA_DIR / "server.properties"
    log4j2 = KAFKA_DIR / "log4j2.properties"
    pid = KAFKA_DIR / "kafka.pid"
    stdout = KAFKA_DIR / "logs" / "kafka.out"
    server_log = KAFKA_DIR / "logs" / "server.log"


def write_kafka_config() -> None:
    KafkaPaths.data.mkdir(parents=True, exist_ok=True)
    KafkaPaths.logs.mkdir(parents=True, exist_ok=True)
    props = S.local_broker_properties(str(KafkaPaths.data))
    lines = ["# Generated by deploy/local/stack.py from deploy/kafka_settings.py"]
    lines += [f"{key}={value}" for key, value in sorted(props.items())]
    KafkaPaths.server_properties.write_text("\n".join(lines) + "\n")
    KafkaPaths.log4j2.write_text(LOG4J2_TEMPLATE.format(logs=KafkaPaths.logs))


def java_command(java: str, classpath: Path, main: str, *args: str) -> list[str]:
    return [
        java,
        *S.HEAP_OPTS.split(),
        "-Djava.awt.headless=true",
        f"-Dlog4j2.configurationFile={KafkaPaths.log4j2}",
        f"-Dkafka.logs.dir={KafkaPaths.logs}",
        "-cp", f"{classpath}/*",
        main, *args,
    ]


def format_kafka_storage(java: str, classpath: Path) -> None:
    """Format the KRaft log dir once (static voters, so no --standalone)."""
    if (KafkaPaths.data / "meta.properties").exists():
        return
    log("formatting Kafka storage")
    run(
        java_command(
            java, classpath, "kafka.tools.StorageTool",
            "format", "-t", S.CLUSTER_ID, "-c", str(KafkaPaths.server_properties),
        )
    )


def kafka_pid() -> int | None:
    pid = read_pid(KafkaPaths.pid)
    if not pid_alive(pid):
        return None
    try:  # guard against pid reuse after a reboot
        if b"kafka.Kafka" not in Path(f"/proc/{pid}/cmdline").read_bytes():
            return None
    except OSError:
        pass
    return pid


def start_kafka() -> None:
    if kafka_pid():
        log(f"kafka already running (pid {kafka_pid()})")
        return
    if port_open(S.LOCAL_HOST, S.KAFKA_PORT) or port_open(S.LOCAL_HOST, S.KAFKA_CONTROLLER_PORT):
        raise StackError(
            f"ports {S.KAFKA_PORT}/{S.KAFKA_CONTROLLER_PORT} are taken by another process"
        )
    java = ensure_java()
    classpath = kafka_classpath()
    write_kafka_config()
    format_kafka_storage(java, classpath)
    cmd = java_command(java, classpath, "kafka.Kafka", str(KafkaPaths.server_properties))
    with open(KafkaPaths.stdout, "ab") as out:
        # New session: survives this script and the terminal it ran in.
        proc = subprocess.Popen(
            cmd, cwd=KAFKA_DIR, stdin=subprocess.DEVNULL, stdout=out,
            stderr=subprocess.STDOUT, start_new_session=True,
        )
    KafkaPaths.pid.write_text(f"{proc.pid}\n")
    log(f"kafka starting (pid {proc.pid})")
    wait_kafka_ready(proc.pid)
    log(f"kafka ready on {S.LOCAL_HOST}:{S.KAFKA_PORT}")


def wait_kafka_ready(pid: int) -> None:
    """Port open, then ApiVersions answers, then (if installed) aiokafka lists topics."""
    deadline = time.monotonic() + KAFKA_READY_TIMEOUT
    checks = [lambda: kafka_api_versions(S.LOCAL_HOST, S.KAFKA_PORT) > 0]
    if importlib.util.find_spec("aiokafka") is not None:
        checks.append(aiokafka_list_topics)
    last_error = "port not open"
    for check in checks:
        while True:
            if not pid_alive(pid):
                raise StackError(f"kafka exited during startup\n{kafka_log_tail()}")
            if time.monotonic() > deadline:
                raise StackError(
                    f"kafka not ready after {KAFKA_READY_TIMEOUT:.0f}s ({last_error})\n"
                    f"{kafka_log_tail()}"
                )
            try:
                if port_open(S.LOCAL_HOST, S.KAFKA_PORT) and check():
                    break
            except (OSError, StackError, struct.error) as exc:
                last_error = str(exc)
            time.sleep(0.25)


def kafka_log_tail() -> str:
    return (
        f"--- {KafkaPaths.server_log} ---\n{tail(KafkaPaths.server_log)}\n"
        f"--- {KafkaPaths.stdout} ---\n{tail(KafkaPaths.stdout, 15)}"
    )


def _recv_exact(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise OSError("connection closed by broker")
        data += chunk
    return data


def kafka_api_versions(host: str, port: int, timeout: float = 3.0) -> int:
    """Send an ApiVersions v0 request; return how many APIs the broker offers.

    Works without any Kafka client library (CI may start the stack first).
    Request header v1: api_key, api_version, correlation_id, client_id.
    Response v0: correlation_id, error_code, [api_key, min, max].
    """
    api_key, version, correlation_id, client_id = 18, 0, 7, b"kczg-stack"
    request = struct.pack(">hhih", api_key, version, correlation_id, len(client_id)) + client_id
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(struct.pack(">i", len(request)) + request)
        (size,) = struct.unpack(">i", _recv_exact(sock, 4))
        payload = _recv_exact(sock, size)
    got_id, error_code, count = struct.unpack_from(">ihi", payload)
    if got_id != correlation_id or error_code != 0:
        raise StackError(f"ApiVersions failed: correlation {got_id}, error {error_code}")
    return count


AIOKAFKA_CHECK = """
import asyncio, sys
from aiokafka.admin import AIOKafkaAdminClient

async def main():
    admin = AIOKafkaAdminClient(bootstrap_servers=sys.argv[1], request_timeout_ms=5000)
    await admin.start()
    try:
        await admin.list_topics()
    finally:
        await admin.close()

asyncio.run(main())
"""


def aiokafka_list_topics() -> bool:
    # A subprocess, so up() also works when called from inside an event loop.
    result = subprocess.run(
        [sys.executable, "-c", AIOKAFKA_CHECK, env()["KAFKA_BOOTSTRAP_SERVERS"]],
        capture_output=True, text=True, timeout=30,
    )
    if result.returncode != 0:
        raise StackError(f"aiokafka list_topics failed: {result.stderr.strip()[-300:]}")
    return True


def stop_kafka() -> None:
    pid = kafka_pid()
    if not pid:
        log("kafka not running")
        KafkaPaths.pid.unlink(missing_ok=True)
        return
    log(f"stopping kafka (pid {pid})")
    os.kill(pid, signal.SIGTERM)  # controlled shutdown flushes and closes logs
    if not wait_gone([pid], KAFKA_STOP_TIMEOUT):
        log(f"kafka did not stop in {KAFKA_STOP_TIMEOUT:.0f}s, sending SIGKILL")
        os.kill(pid, signal.SIGKILL)
        wait_gone([pid], 10)
    KafkaPaths.pid.unlink(missing_ok=True)


def kill_kafka() -> None:
    pid = kafka_pid()
    if not pid:
        log("kafka not running")
        return
    os.kill(pid, signal.SIGKILL)
    if not wait_gone([pid], 10):
        log(f"warning: killed kafka pid {pid} has not been reaped yet")
    log(f"kafka killed (pid {pid})")


# --- PostgreSQL -----------------------------------------------------------------


class PgPaths:
    data = PG_DIR / "data"
    socket_dir = PG_DIR / "run"
    log = PG_DIR / "postgres.log"
    pid = PG_DIR / "data" / "postmaster.pid"


def pg_bindir() -> Path:
    """Directory with initdb/pg_ctl; installs Debian's postgresql if missing."""
    for attempt in range(2):
        candidates = sorted(
            Path("/usr/lib/postgresql").glob("*/bin/initdb"),
            key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
            reverse=True,
        )
        if candidates:
            return candidates[0].parent
        initdb = shutil.which("initdb")
        if initdb:
            return Path(initdb).resolve().parent
        if attempt == 0:
            apt_install("postgresql")
    raise StackError("PostgreSQL server binaries (initdb) not found")


def pg_user() -> str | None:
    """initdb refuses root: run the cluster as 'postgres' when we are root."""
    if not is_root():
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        raise StackError("running as root but no 'postgres' user to own the cluster") from None
    return "postgres"


def pg_run(cmd: list[str], check: bool = True) -> subprocess.CompletedProcess:
    """Run a PostgreSQL tool as the cluster owner, ignoring the caller's PG* env."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    user = pg_user()
    if user:
        env["HOME"] = pwd.getpwnam(user).pw_dir
    kwargs = dict(env=env, cwd=PG_DIR)
    if user:
        kwargs.update(user=user, group=user, extra_groups=[])
    if check:
        return run(cmd, **kwargs)
    return subprocess.run(cmd, capture_output=True, text=True, **kwargs)


def check_pg_dir_reachable() -> None:
    """The 'postgres' user must be able to traverse every parent of .stack/pg."""
    if not pg_user():
        return
    for parent in PG_DIR.parents:
        if not os.stat(parent).st_mode & 0o001:
            raise StackError(
                f"user 'postgres' cannot enter {parent}; move the project or chmod o+x it"
            )


def init_pg_cluster(bindir: Path) -> None:
    if (PgPaths.data / "PG_VERSION").exists():
        return
    # The unix socket path has a ~107 byte limit.
    if len(str(PgPaths.socket_dir)) > 90:
        raise StackError(f"socket dir path too long for a unix socket: {PgPaths.socket_dir}")
    check_pg_dir_reachable()
    PgPaths.socket_dir.mkdir(parents=True, exist_ok=True)
    user = pg_user()
    if user:
        shutil.chown(PG_DIR, user, user)
        shutil.chown(PgPaths.socket_dir, user, user)
    log("initialising PostgreSQL cluster")
    pg_run(
        [
            str(bindir / "initdb"), "-D", str(PgPaths.data),
            "-U", S.POSTGRES_USER, "--auth=trust", "-E", "UTF8", "--no-locale",
        ]
    )
    conf = f"""
# --- kczg local stack (deploy/local/stack.py) ---
listen_addresses = '{S.LOCAL_HOST}'
port = {S.POSTGRES_PORT}
unix_socket_directories = '{PgPaths.socket_dir}'
fsync = on                  # crash-safety tests rely on it
synchronous_commit = on
max_connections = 300       # fault tests run several services, each with its pools, beside the tests' own
"""
    with open(PgPaths.data / "postgresql.conf", "a") as f:
        f.write(conf)


def postgres_pid() -> int | None:
    pid = read_pid(PgPaths.pid)
    return pid if pid_alive(pid) else None


def psql(bindir: Path, sql: str, database: str = "postgres") -> str:
    result = pg_run(
        [
            str(bindir / "psql"), "-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1",
            "-h", S.LOCAL_HOST, "-p", str(S.POSTGRES_PORT), "-U", S.POSTGRES_USER,
            "-d", database, "-c", sql,
        ]
    )
    return result.stdout.strip()


def start_postgres() -> None:
    if postgres_pid():
        log(f"postgres already running (pid {postgres_pid()})")
        return
    if port_open(S.LOCAL_HOST, S.POSTGRES_PORT):
        raise StackError(f"port {S.POSTGRES_PORT} is taken by another process")
    bindir = pg_bindir()
    PG_DIR.mkdir(parents=True, exist_ok=True)
    for parent in [p for p in PG_DIR.parents if str(p).startswith("/var/tmp/kczg-stack")]:
        os.chmod(parent, 0o755)  # the cluster's owner must traverse them
    init_pg_cluster(bindir)
    log("starting postgres")
    # -w: pg_ctl returns once the server accepts connections (after crash recovery).
    try:
        pg_run(
            [
                str(bindir / "pg_ctl"), "-D", str(PgPaths.data), "-l", str(PgPaths.log),
                "-w", "-t", "120", "start",
            ]
        )
    except StackError as exc:
        raise StackError(f"{exc}\n--- {PgPaths.log} ---\n{tail(PgPaths.log, 20)}") from None
    if psql(bindir, "select 1") != "1":
        raise StackError(f"postgres does not answer select 1\n{tail(PgPaths.log)}")
    exists = psql(bindir, f"select 1 from pg_database where datname = '{S.POSTGRES_DB}'")
    if not exists:
        psql(bindir, f'create database "{S.POSTGRES_DB}"')
        log(f"created database {S.POSTGRES_DB}")
    log(f"postgres ready on {S.LOCAL_HOST}:{S.POSTGRES_PORT} (pid {postgres_pid()})")


def stop_postgres() -> None:
    if not postgres_pid():
        log("postgres not running")
        return
    log("stopping postgres")
    pg_run([str(pg_bindir() / "pg_ctl"), "-D", str(PgPaths.data), "-m", "fast", "-w", "stop"])


def kill_postgres() -> None:
    """SIGKILL the postmaster and all its backends at once, like a power cut."""
    pid = postgres_pid()
    if not pid:
        log("postgres not running")
        return
    pids = [pid] + descendants(pid)
    for p in pids:
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass
    if not wait_gone(pids, 10):
        log("warning: killed postgres processes have not been reaped yet")
    log(f"postgres killed (pids {' '.join(map(str, pids))})")


# --- public API -------------------------------------------------------------------


def env() -> dict[str, str]:
    """Connection settings of the local stack."""
    return {
        "KAFKA_BOOTSTRAP_SERVERS": f"{S.LOCAL_HOST}:{S.KAFKA_PORT}",
        "DATABASE_URL": (
            f"postgresql://{S.POSTGRES_USER}@{S.LOCAL_HOST}:{S.POSTGRES_PORT}/{S.POSTGRES_DB}"
        ),
    }


def start(component: str) -> None:
    """Start one component (e.g. after ``kill``); existing data is kept."""
    {"kafka": start_kafka, "postgres": start_postgres}[component]()


def kill(component: str) -> None:
    """SIGKILL one component, for fault tests."""
    {"kafka": kill_kafka, "postgres": kill_postgres}[component]()


def up() -> dict[str, str]:
    """Start both components (no-op for running ones); return env()."""
    start_postgres()
    start_kafka()
    return env()


def down(purge: bool = False) -> None:
    """Stop both components; ``purge`` also deletes all data under .stack/."""
    stop_kafka()
    stop_postgres()
    for folder in {STACK_DIR, PG_DIR.parent}:
        if purge and folder.exists():
            shutil.rmtree(folder)
            log(f"deleted {folder}")


def is_running() -> bool:
    """True when both Kafka and PostgreSQL run."""
    return bool(kafka_pid() and postgres_pid())


def status() -> dict[str, dict]:
    """Per component: running flag, pid and address."""
    kpid, ppid = kafka_pid(), postgres_pid()
    return {
        "kafka": {
            "running": bool(kpid), "pid": kpid,
            "address": f"{S.LOCAL_HOST}:{S.KAFKA_PORT}", "version": S.KAFKA_VERSION,
        },
        "postgres": {
            "running": bool(ppid), "pid": ppid,
            "address": f"{S.LOCAL_HOST}:{S.POSTGRES_PORT}",
        },
    }


def exports(settings: dict[str, str]) -> str:
    return "\n".join(f"export {key}={value}" for key, value in settings.items())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("up", help="start Kafka and PostgreSQL, print exports")
    down_parser = sub.add_parser("down", help="stop both")
    down_parser.add_argument("--purge", action="store_true", help="also delete .stack/ data")
    sub.add_parser("status", help="show what runs")
    sub.add_parser("env", help="print the connection settings as shell exports")
    packages_parser = sub.add_parser("packages", help="apt-install the missing Debian packages the system uses")
    packages_parser.add_argument("--tests", action="store_true", help="also what only the tests use (chromium)")
    for name, text in (("kill", "SIGKILL one component"), ("start", "start one component")):
        sub.add_parser(name, help=text).add_argument("component", choices=COMPONENTS)
    args = parser.parse_args(argv)

    try:
        if args.command == "up":
            print(exports(up()))
        elif args.command == "down":
            down(purge=args.purge)
        elif args.command == "env":
            print(exports(env()))
        elif args.command == "status":
            for name, info in status().items():
                state = f"running (pid {info['pid']})" if info["running"] else "stopped"
                print(f"{name:9} {state:22} {info['address']}")
        elif args.command == "packages":
            installed = ensure_system_packages(tests=args.tests)
            log(f"installed {' '.join(installed)}" if installed else "every Debian package the system uses is installed")
        elif args.command == "kill":
            kill(args.component)
        elif args.command == "start":
            start(args.component)
    except StackError as exc:
        print(f"[stack] error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
