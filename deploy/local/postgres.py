"""The local PostgreSQL server: a cluster from the distribution's server binaries, owned by 'postgres' when we
are root, started, stopped and killed like a power cut."""

from __future__ import annotations

import hashlib
import os
import pwd
import shutil
import signal
import subprocess
from pathlib import Path

from deploy import kafka_settings as S
from deploy.local.packages import apt_install
from deploy.local.processes import (DEFAULT_STACK_DIR, PROJECT_ROOT, STACK_DIR, StackError, descendants, is_root, log, pid_alive,
                                    port_open, read_pid, run, tail, wait_gone)


def _pg_dir() -> Path:
    """.stack/pg, unless the cluster's owner ('postgres', when we are root) cannot reach it.

    A checkout under a private directory (mktemp -d is mode 0700) is unreachable for another user;
    then the cluster lives under /var/tmp, in a folder named after the checkout (or after the stack's own
    directory, KCZG_STACK_DIR, so a second stack never shares the first one's cluster).
    """
    inside = STACK_DIR / "pg"
    reachable = all(os.stat(p).st_mode & 0o001 for p in inside.parents if p.exists())
    if os.geteuid() != 0 or reachable:
        return inside
    owner = PROJECT_ROOT if STACK_DIR == DEFAULT_STACK_DIR else STACK_DIR
    digest = hashlib.sha1(str(owner).encode()).hexdigest()[:12]
    return Path("/var/tmp/kczg-stack") / digest / "pg"


PG_DIR = _pg_dir()


def database_url() -> str:
    return f"postgresql://{S.POSTGRES_USER}@{S.LOCAL_HOST}:{S.POSTGRES_PORT}/{S.POSTGRES_DB}"


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
